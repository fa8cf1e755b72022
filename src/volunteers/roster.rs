//! The duty roster as stored: shifts, sign-ups and their steps. The pages
//! decide by `rules`; these functions carry out what was decided, each
//! write taking effect only while its row is still in the state that was
//! read.

use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;

use super::rules::Span;

/// A shift as one person sees it: how many are on it, and their own
/// sign-up.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Shift {
    pub id: i64,
    pub community_id: i64,
    pub team_id: i64,
    pub team_zh: String,
    pub team_en: String,
    pub needs_approval: bool,
    pub title: String,
    pub place: String,
    pub route: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub places: i64,
    pub taken: i64,
    pub my_signup: Option<i64>,
    pub my_state: Option<String>,
}

impl Shift {
    pub fn span(&self) -> Span {
        (self.starts_at, self.ends_at)
    }

    pub fn full(&self) -> bool {
        self.taken >= self.places
    }
}

/// `$1` is the person looking.
const SHIFT_SELECT: &str = "SELECT s.id, s.community_id, s.team_id, w.name_zh AS team_zh, w.name_en AS team_en, \
    t.needs_approval, s.title, s.place, s.route, s.starts_at, s.ends_at, s.places, \
    (SELECT COUNT(*) FROM shift_signups g WHERE g.shift_id = s.id AND g.state <> 'gone') AS taken, \
    (SELECT g.id FROM shift_signups g WHERE g.shift_id = s.id AND g.account_id = $1 AND g.state <> 'gone') AS my_signup, \
    (SELECT g.state FROM shift_signups g WHERE g.shift_id = s.id AND g.account_id = $1 AND g.state <> 'gone') AS my_state \
    FROM shifts s JOIN duty_teams t ON t.workgroup_id = s.team_id JOIN workgroups w ON w.id = s.team_id";

/// The shifts of the person's teams that end after `from` and begin
/// before `to`, in order.
pub async fn shifts_of_teams(
    db: &Db,
    account_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<Shift>, StoreError> {
    let sql = format!(
        "{SHIFT_SELECT} WHERE s.team_id IN (SELECT workgroup_id FROM workgroup_members WHERE account_id = $1) \
         AND s.ends_at > $2 AND s.starts_at < $3 ORDER BY s.starts_at, s.id LIMIT 200"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Shift>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(account_id)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await)?)
}

/// The shifts of one team between two times (the lead's report).
pub async fn shifts_of_team(
    db: &Db,
    team_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<Shift>, StoreError> {
    let sql = format!(
        "{SHIFT_SELECT} WHERE s.team_id = $2 AND s.starts_at >= $3 AND s.starts_at < $4 ORDER BY s.starts_at, s.id"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Shift>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(0_i64)
    .bind(team_id)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await)?)
}

/// One shift of the community, as `account_id` sees it.
pub async fn shift(
    db: &Db,
    community_id: i64,
    id: i64,
    account_id: i64,
) -> Result<Option<Shift>, StoreError> {
    let sql = format!("{SHIFT_SELECT} WHERE s.id = $2 AND s.community_id = $3");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Shift>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(account_id)
    .bind(id)
    .bind(community_id)
    .fetch_optional(pool)
    .await)?)
}

/// A new shift, repeated at each of `times`.
pub struct NewShift<'a> {
    pub community_id: i64,
    pub team_id: i64,
    pub title: &'a str,
    pub place: &'a str,
    pub route: &'a str,
    pub places: i64,
    pub created_by: i64,
}

/// Adds the shifts in one transaction, as one series; returns their ids.
pub async fn add_shifts(
    db: &Db,
    new: &NewShift<'_>,
    times: &[Span],
) -> Result<Vec<i64>, StoreError> {
    let at = now();
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let mut ids: Vec<i64> = Vec::new();
            for (starts, ends) in times {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO shifts (community_id, team_id, series, title, place, route, starts_at, ends_at, places, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                )
                .bind(new.community_id)
                .bind(new.team_id)
                .bind(ids.first())
                .bind(new.title)
                .bind(new.place)
                .bind(new.route)
                .bind(starts)
                .bind(ends)
                .bind(new.places)
                .bind(new.created_by)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                ids.push(id);
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(ids)
        }
        .await
    })?)
}

/// Someone on a shift, as its roster shows them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OnShift {
    pub signup_id: i64,
    pub account_id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub state: String,
    pub checked_in_at: Option<i64>,
    pub checked_out_at: Option<i64>,
    pub confirmed_by: Option<i64>,
    pub minutes: i64,
}

pub async fn roster(db: &Db, shift_id: i64) -> Result<Vec<OnShift>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, OnShift>(
        "SELECT g.id AS signup_id, g.account_id, a.display_name AS name, a.phone, g.state, g.checked_in_at, \
         g.checked_out_at, g.confirmed_by, g.minutes FROM shift_signups g JOIN accounts a ON a.id = g.account_id \
         WHERE g.shift_id = $1 AND g.state <> 'gone' ORDER BY g.id"
    )
    .bind(shift_id)
    .fetch_all(pool)
    .await
    })?)
}

/// The shifts a person is on or has asked for that have not ended.
pub async fn busy(db: &Db, account_id: i64, at: i64) -> Result<Vec<Span>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, (i64, i64)>(
        "SELECT s.starts_at, s.ends_at FROM shift_signups g JOIN shifts s ON s.id = g.shift_id \
         WHERE g.account_id = $1 AND g.state <> 'gone' AND s.ends_at > $2"
    )
    .bind(account_id)
    .bind(at)
    .fetch_all(pool)
    .await)?)
}

/// Puts a person on a shift (`asked` when its team's leads approve first).
/// A second sign-up of the same person is refused by the unique index.
pub async fn sign_up(db: &Db, shift: &Shift, account_id: i64) -> Result<i64, StoreError> {
    let state = if shift.needs_approval { "asked" } else { "on" };
    let id = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            // Holds the shift's row until commit, so that two sign-ups on
            // PostgreSQL count its places one after the other (SQLite's
            // writer already takes them in turn).
            sqlx::query("UPDATE shifts SET places = places WHERE id = $1")
                .bind(shift.id)
                .execute(&mut *tx)
                .await?;
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO shift_signups (shift_id, account_id, state, created_at) \
                 SELECT $1, $2, $3, $4 WHERE (SELECT COUNT(*) FROM shift_signups WHERE shift_id = $1 AND state <> 'gone') < $5 \
                 ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(shift.id)
            .bind(account_id)
            .bind(state)
            .bind(now())
            .bind(shift.places)
            .fetch_optional(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(id)
        }
        .await
    })?;
    id.ok_or(StoreError::Conflict("duty-error-full"))
}

/// A sign-up's step, each allowed only from the state it needs.
pub enum Step {
    Cancel,
    Approve,
    CheckIn(i64),
    /// Checked out at this time, serving these minutes.
    CheckOut(i64, i64),
    /// The lead's word that the whole shift was served.
    Confirm(i64, i64),
}

/// Carries out a step on a sign-up; false when it no longer fits.
pub async fn step(db: &Db, signup_id: i64, step: Step) -> Result<bool, StoreError> {
    let changed = on_db!(db, |pool| {
        let statement = match step {
            Step::Cancel => sqlx::query(
                "UPDATE shift_signups SET state = 'gone' WHERE id = $1 AND state <> 'gone' AND checked_in_at IS NULL",
            )
            .bind(signup_id),
            Step::Approve => sqlx::query("UPDATE shift_signups SET state = 'on' WHERE id = $1 AND state = 'asked'")
                .bind(signup_id),
            Step::CheckIn(at) => sqlx::query(
                "UPDATE shift_signups SET checked_in_at = $2 WHERE id = $1 AND state = 'on' AND checked_in_at IS NULL",
            )
            .bind(signup_id)
            .bind(at),
            Step::CheckOut(at, minutes) => sqlx::query(
                "UPDATE shift_signups SET checked_out_at = $2, minutes = $3 WHERE id = $1 AND state = 'on' \
                 AND checked_in_at IS NOT NULL AND checked_out_at IS NULL",
            )
            .bind(signup_id)
            .bind(at)
            .bind(minutes),
            Step::Confirm(by, minutes) => sqlx::query(
                "UPDATE shift_signups SET confirmed_by = $2, minutes = $3 WHERE id = $1 AND state = 'on' \
                 AND checked_out_at IS NULL",
            )
            .bind(signup_id)
            .bind(by)
            .bind(minutes),
        };
        statement.execute(pool).await.map(|r| r.rows_affected())
    })?;
    Ok(changed == 1)
}

/// Sign-ups waiting for a lead's approval in the teams `account_id` leads.
pub async fn waiting_approval(
    db: &Db,
    account_id: i64,
) -> Result<Vec<(i64, i64, String, String, i64)>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, (i64, i64, String, String, i64)>(
        "SELECT g.id, s.id, a.display_name, s.title, s.starts_at FROM shift_signups g JOIN shifts s ON s.id = g.shift_id \
         JOIN accounts a ON a.id = g.account_id JOIN workgroup_members m ON m.workgroup_id = s.team_id AND m.account_id = $1 AND m.is_lead \
         WHERE g.state = 'asked' ORDER BY s.starts_at LIMIT 100"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
    })?)
}
