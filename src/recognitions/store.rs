//! Recognitions as stored: nominated, then approved or declined by the
//! secretary; shown on a person's profile only with their consent.

use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Recognition {
    pub id: i64,
    pub community_id: i64,
    /// `deed`, or `red_armband` for the volunteers' monthly commendation.
    pub kind: String,
    pub person_name: String,
    pub person_account_id: Option<i64>,
    pub what: String,
    pub happened_on: String,
    pub nominated_by: Option<i64>,
    pub nominator_name: Option<String>,
    pub state: String,
    pub decided_at: Option<i64>,
    pub reason: String,
    pub on_profile: bool,
    pub created_at: i64,
    pub photo_id: Option<i64>,
}

pub const KINDS: [&str; 2] = ["deed", "red_armband"];

const SELECT: &str = "SELECT r.id, r.community_id, r.kind, r.person_name, r.person_account_id, r.what, r.happened_on, \
    r.nominated_by, a.display_name AS nominator_name, r.state, r.decided_at, r.reason, r.on_profile, r.created_at, \
    (SELECT MIN(p.id) FROM voice_photos p WHERE p.owner = 'recognition' AND p.owner_id = r.id) AS photo_id \
    FROM recognitions r LEFT JOIN accounts a ON a.id = r.nominated_by";

/// Approved recognitions, the latest approved first.
pub async fn approved(
    db: &Db,
    community_id: i64,
    limit: i64,
) -> Result<Vec<Recognition>, StoreError> {
    let sql = format!(
        "{SELECT} WHERE r.community_id = $1 AND r.state = 'approved' ORDER BY r.decided_at DESC, r.id DESC LIMIT $2"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Recognition>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .bind(limit)
    .fetch_all(pool)
    .await)?)
}

/// Nominations waiting for the secretary.
pub async fn proposed(db: &Db, community_id: i64) -> Result<Vec<Recognition>, StoreError> {
    let sql = format!("{SELECT} WHERE r.community_id = $1 AND r.state = 'proposed' ORDER BY r.id");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Recognition>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .fetch_all(pool)
    .await)?)
}

pub async fn get(db: &Db, community_id: i64, id: i64) -> Result<Option<Recognition>, StoreError> {
    let sql = format!("{SELECT} WHERE r.community_id = $1 AND r.id = $2");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Recognition>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .bind(id)
    .fetch_optional(pool)
    .await)?)
}

/// A person's nominations and recognitions (whatever their state).
pub async fn involving(db: &Db, account_id: i64) -> Result<Vec<Recognition>, StoreError> {
    let sql =
        format!("{SELECT} WHERE r.nominated_by = $1 OR r.person_account_id = $1 ORDER BY r.id");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Recognition>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(account_id)
    .fetch_all(pool)
    .await)?)
}

/// What the person agreed to show on their profile.
pub async fn on_profile_of(db: &Db, account_id: i64) -> Result<Vec<Recognition>, StoreError> {
    let sql = format!(
        "{SELECT} WHERE r.person_account_id = $1 AND r.state = 'approved' AND r.on_profile ORDER BY r.decided_at DESC"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Recognition>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(account_id)
    .fetch_all(pool)
    .await)?)
}

pub struct Nomination<'a> {
    pub kind: &'a str,
    pub person_name: &'a str,
    pub person_account_id: Option<i64>,
    pub what: &'a str,
    pub happened_on: &'a str,
}

pub async fn nominate(
    db: &Db,
    community_id: i64,
    by: Option<i64>,
    n: &Nomination<'_>,
    photos: &[crate::photos::ProcessedPhoto],
) -> Result<i64, StoreError> {
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id = sqlx::query_scalar::<_, i64>(
                "INSERT INTO recognitions (community_id, kind, person_name, person_account_id, what, happened_on, \
                 nominated_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(community_id)
            .bind(n.kind)
            .bind(n.person_name)
            .bind(n.person_account_id)
            .bind(n.what)
            .bind(n.happened_on)
            .bind(by)
            .bind(now())
            .fetch_one(&mut *tx)
            .await?;
            crate::save_voice_photos!(tx, community_id, "recognition", id, photos);
            tx.commit().await?;
            Ok::<i64, sqlx::Error>(id)
        }
        .await
    })?)
}

/// The secretary approves (with the screens told) or declines (with a
/// reason); the nominator and the person recognised hear of it.
pub async fn decide(
    db: &Db,
    r: &Recognition,
    by: i64,
    approve: bool,
    reason: &str,
) -> Result<bool, StoreError> {
    let at = now();
    let state = if approve { "approved" } else { "declined" };
    let payload = serde_json::json!({
        "id": r.id, "person": r.person_name, "what": r.what, "kind": r.kind,
        "happened_on": r.happened_on,
    });
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let changed = sqlx::query(
                "UPDATE recognitions SET state = $1, decided_by = $2, decided_at = $3, reason = $4 \
                 WHERE id = $5 AND state = 'proposed'",
            )
            .bind(state)
            .bind(by)
            .bind(at)
            .bind(reason)
            .bind(r.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 0 {
                return Ok(false);
            }
            let detail = format!("{} · {}", r.person_name, r.what.chars().take(40).collect::<String>());
            if let Some(nominator) = r.nominated_by {
                sqlx::query(
                    "INSERT INTO notifications (account_id, message_key, detail, created_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(nominator)
                .bind(format!("notify-nomination-{state}"))
                .bind(&detail)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            if approve {
                if let Some(person) = r.person_account_id.filter(|p| Some(*p) != r.nominated_by) {
                    sqlx::query(
                        "INSERT INTO notifications (account_id, message_key, detail, created_at) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(person)
                    .bind("notify-recognised")
                    .bind(&detail)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
                crate::record_live_event!(tx, r.community_id, "recognition", payload)?;
            }
            tx.commit().await?;
            Ok::<bool, sqlx::Error>(true)
        }
        .await
    })?)
}

/// The person recognised agrees (or no longer agrees) to show it on their
/// profile.
pub async fn set_on_profile(
    db: &Db,
    id: i64,
    account_id: i64,
    on: bool,
) -> Result<bool, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query(
        "UPDATE recognitions SET on_profile = $1 WHERE id = $2 AND person_account_id = $3"
    )
    .bind(on)
    .bind(id)
    .bind(account_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?
        > 0)
}
