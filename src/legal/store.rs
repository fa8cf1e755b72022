//! Cases as stored: asking, assigning, notes and documents, closing,
//! rating; the access log; counts by topic and month; removing a closed
//! account's personal data when its keeping ends.

use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;

use super::rules::State;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Case {
    pub id: i64,
    pub community_id: i64,
    pub account_id: Option<i64>,
    pub resident_name: Option<String>,
    pub topic: String,
    pub description: String,
    pub preferred_times: String,
    pub reach: String,
    pub reach_detail: String,
    pub state: String,
    pub filed_by: Option<i64>,
    pub from_request_id: Option<i64>,
    pub outcome: String,
    pub rating: Option<i64>,
    pub rating_comment: String,
    pub created_at: i64,
    pub closed_at: Option<i64>,
    pub erased_at: Option<i64>,
    /// The next booked appointment's start, if one is ahead.
    pub next_appointment: Option<i64>,
}

impl Case {
    pub fn state(&self) -> State {
        State::parse(&self.state)
    }
}

const CASE_SELECT: &str = "SELECT k.id, k.community_id, k.account_id, a.display_name AS resident_name, k.topic, \
    k.description, k.preferred_times, k.reach, k.reach_detail, k.state, k.filed_by, k.from_request_id, k.outcome, \
    k.rating, k.rating_comment, k.created_at, k.closed_at, k.erased_at, \
    (SELECT MIN(s.starts_at) FROM legal_slots s WHERE s.case_id = k.id AND s.ends_at > $1) AS next_appointment \
    FROM legal_cases k LEFT JOIN accounts a ON a.id = k.account_id";

async fn cases(db: &Db, filter: &str, bind: i64) -> Result<Vec<Case>, StoreError> {
    let sql = format!(
        "{CASE_SELECT} WHERE {filter} ORDER BY CASE k.state WHEN 'asked' THEN 0 WHEN 'assigned' THEN 1 ELSE 2 END, k.id DESC LIMIT 200"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Case>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(now())
    .bind(bind)
    .fetch_all(pool)
    .await)?)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Case>, StoreError> {
    Ok(cases(db, "k.id = $2", id).await?.pop())
}

/// A resident's own cases.
pub async fn of_resident(db: &Db, account_id: i64) -> Result<Vec<Case>, StoreError> {
    cases(db, "k.account_id = $2", account_id).await
}

/// The cases a volunteer is assigned to.
pub async fn of_volunteer(db: &Db, account_id: i64) -> Result<Vec<Case>, StoreError> {
    cases(
        db,
        "k.id IN (SELECT case_id FROM legal_case_volunteers WHERE account_id = $2) AND k.erased_at IS NULL",
        account_id,
    )
    .await
}

/// Every case of the community: the legal team lead's queue.
pub async fn of_community(db: &Db, community_id: i64) -> Result<Vec<Case>, StoreError> {
    cases(
        db,
        "k.community_id = $2 AND k.erased_at IS NULL",
        community_id,
    )
    .await
}

/// A resident's cases, as reception may know them: their numbers and
/// whether one waits for an appointment, nothing of what they are about.
pub async fn waiting_for_appointment(db: &Db, account_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_scalar::<_, i64>(
        "SELECT k.id FROM legal_cases k WHERE k.account_id = $1 AND k.state = 'assigned' \
         AND NOT EXISTS (SELECT 1 FROM legal_slots s WHERE s.case_id = k.id AND s.ends_at > $2) ORDER BY k.id"
    )
    .bind(account_id)
    .bind(now())
    .fetch_all(pool)
    .await
    })?)
}

pub struct NewCase<'a> {
    pub community_id: i64,
    pub account_id: i64,
    pub topic: &'a str,
    pub description: &'a str,
    pub preferred_times: &'a str,
    pub reach: &'a str,
    pub reach_detail: &'a str,
    pub filed_by: Option<i64>,
    pub from_request_id: Option<i64>,
}

/// Files a case; the legal team's leads are told a case waits (by its
/// number only).
pub async fn create(db: &Db, c: &NewCase<'_>) -> Result<i64, StoreError> {
    let at = now();
    let team = crate::library::legal_team(db, c.community_id).await?;
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id = sqlx::query_scalar::<_, i64>(
                "INSERT INTO legal_cases (community_id, account_id, topic, description, preferred_times, reach, \
                 reach_detail, filed_by, from_request_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(c.community_id)
            .bind(c.account_id)
            .bind(c.topic)
            .bind(c.description)
            .bind(c.preferred_times.trim())
            .bind(c.reach)
            .bind(c.reach_detail)
            .bind(c.filed_by)
            .bind(c.from_request_id)
            .bind(at)
            .fetch_one(&mut *tx)
            .await;
            let id = match id {
                Ok(id) => id,
                // The request was moved into a case meanwhile.
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Ok(None),
                Err(e) => return Err(e),
            };
            sqlx::query(
                "INSERT INTO notifications (account_id, message_key, detail, created_at) \
                 SELECT account_id, 'notify-legal-asked', $1, $2 FROM workgroup_members WHERE workgroup_id = $3 AND is_lead",
            )
            .bind(format!("#{id}"))
            .bind(at)
            .bind(team)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<Option<i64>, sqlx::Error>(Some(id))
        }
        .await
    })?
    .ok_or(StoreError::Conflict("legal-error-changed"))
}

/// The volunteers assigned to a case: (account id, name).
pub async fn volunteers(db: &Db, case_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, (i64, String)>(
        "SELECT a.id, a.display_name FROM legal_case_volunteers v JOIN accounts a ON a.id = v.account_id \
         WHERE v.case_id = $1 ORDER BY v.assigned_at"
    )
    .bind(case_id)
    .fetch_all(pool)
    .await
    })?)
}

/// The legal team's members: (account id, name, leads it).
pub async fn team(db: &Db, community_id: i64) -> Result<Vec<(i64, String, bool)>, StoreError> {
    let Some(team) = crate::library::legal_team(db, community_id).await? else {
        return Ok(Vec::new());
    };
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, (i64, String, bool)>(
        "SELECT a.id, a.display_name, m.is_lead FROM workgroup_members m JOIN accounts a ON a.id = m.account_id \
         WHERE m.workgroup_id = $1 AND a.active ORDER BY m.is_lead DESC, a.display_name"
    )
    .bind(team)
    .fetch_all(pool)
    .await
    })?)
}

/// Assigns a volunteer of the team; both they and the resident are told.
pub async fn assign(db: &Db, case: &Case, volunteer: i64, by: i64) -> Result<(), StoreError> {
    let at = now();
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO legal_case_volunteers (case_id, account_id, assigned_by, assigned_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(case.id)
            .bind(volunteer)
            .bind(by)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE legal_cases SET state = 'assigned', assigned_at = COALESCE(assigned_at, $1) WHERE id = $2 AND state IN ('asked', 'assigned')")
                .bind(at)
                .bind(case.id)
                .execute(&mut *tx)
                .await?;
            for (who, key) in [(Some(volunteer), "notify-legal-assigned"), (case.account_id, "notify-legal-assigned-resident")] {
                if let Some(who) = who {
                    sqlx::query("INSERT INTO notifications (account_id, message_key, detail, created_at) VALUES ($1, $2, $3, $4)")
                        .bind(who)
                        .bind(key)
                        .bind(format!("#{}", case.id))
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            tx.commit().await?;
            Ok::<(), sqlx::Error>(())
        }
        .await
    })?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Note {
    pub id: i64,
    pub kind: String,
    pub body: String,
    pub follow_up_on: String,
    pub author: Option<String>,
    pub created_at: i64,
}

pub async fn notes(db: &Db, case_id: i64) -> Result<Vec<Note>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Note>(
        "SELECT n.id, n.kind, n.body, n.follow_up_on, a.display_name AS author, n.created_at \
         FROM legal_notes n LEFT JOIN accounts a ON a.id = n.author_id WHERE n.case_id = $1 ORDER BY n.created_at, n.id"
    )
    .bind(case_id)
    .fetch_all(pool)
    .await
    })?)
}

pub async fn add_note(
    db: &Db,
    case_id: i64,
    author: i64,
    kind: &str,
    body: &str,
    follow_up_on: &str,
) -> Result<(), StoreError> {
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO legal_notes (case_id, author_id, kind, body, follow_up_on, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(case_id)
    .bind(author)
    .bind(kind)
    .bind(body)
    .bind(follow_up_on)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Document {
    pub id: i64,
    pub case_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub created_at: i64,
}

pub async fn documents(db: &Db, case_id: i64) -> Result<Vec<Document>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Document>(
        "SELECT id, case_id, file_name, content_type, created_at FROM legal_documents WHERE case_id = $1 ORDER BY id"
    )
    .bind(case_id)
    .fetch_all(pool)
    .await
    })?)
}

pub async fn add_document(
    db: &Db,
    case_id: i64,
    author: i64,
    file_name: &str,
    content_type: &str,
    body: &[u8],
) -> Result<(), StoreError> {
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO legal_documents (case_id, author_id, file_name, content_type, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(case_id)
    .bind(author)
    .bind(file_name)
    .bind(content_type)
    .bind(body)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// A document's case, its name and type, and its bytes.
pub async fn document(
    db: &Db,
    id: i64,
) -> Result<Option<(i64, String, String, Vec<u8>)>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<
        _,
        (i64, String, String, Vec<u8>),
    >(
        "SELECT case_id, file_name, content_type, body FROM legal_documents WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?)
}

/// Gives back the volunteers' hours ahead that a case had booked, in an
/// open transaction: a case closed or withdrawn holds no appointment.
macro_rules! free_hours_ahead {
    ($tx:expr, $case_id:expr, $at:expr) => {
        sqlx::query(
            "UPDATE legal_slots SET case_id = NULL, booked_by = NULL, booked_at = NULL \
             WHERE case_id = $1 AND starts_at > $2",
        )
        .bind($case_id)
        .bind($at)
        .execute(&mut *$tx)
        .await?;
    };
}

pub(super) use free_hours_ahead;

/// Changes a case's state where it still is in one of `from`; whether it
/// did (its hours ahead are given back). The resident is told with `key`,
/// when given.
pub async fn settle(
    db: &Db,
    case: &Case,
    to: State,
    from: &[State],
    outcome: &str,
    key: Option<&str>,
) -> Result<bool, StoreError> {
    let at = now();
    let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    let (a, b) = (
        from.first().copied().unwrap_or(""),
        from.get(1).copied().unwrap_or(""),
    );
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let changed = sqlx::query(
                "UPDATE legal_cases SET state = $1, outcome = CASE WHEN $2 = '' THEN outcome ELSE $2 END, closed_at = $3 \
                 WHERE id = $4 AND state IN ($5, $6)",
            )
            .bind(to.as_str())
            .bind(outcome)
            .bind(at)
            .bind(case.id)
            .bind(a)
            .bind(b)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if changed == 1 {
                free_hours_ahead!(tx, case.id, at);
            }
            if let (1, Some(key), Some(resident)) = (changed, key, case.account_id) {
                sqlx::query("INSERT INTO notifications (account_id, message_key, detail, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(resident)
                    .bind(key)
                    .bind(format!("#{}", case.id))
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok::<bool, sqlx::Error>(changed == 1)
        }
        .await
    })?)
}

/// The resident's rating, once.
pub async fn rate(db: &Db, case_id: i64, rating: i64, comment: &str) -> Result<bool, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query(
        "UPDATE legal_cases SET rating = $1, rating_comment = $2 WHERE id = $3 AND state = 'closed' AND rating IS NULL"
    )
    .bind(rating)
    .bind(comment)
    .bind(case_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })? == 1)
}

/// Cases asked for between two times, counted by topic: all the
/// dashboards may know of legal aid.
pub async fn counts(
    db: &Db,
    community_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, (String, i64)>(
        "SELECT topic, COUNT(*) FROM legal_cases WHERE community_id = $1 AND created_at >= $2 AND created_at < $3 \
         GROUP BY topic ORDER BY topic"
    )
    .bind(community_id)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
    })?)
}
