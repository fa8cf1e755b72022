//! The duty roster as stored: teams (workgroups that keep a roster),
//! volunteers' profiles, shifts, sign-ups and swaps. The pages decide by
//! `rules`; these functions carry out what was decided, each write taking
//! effect only while its row is still in the state that was read.

use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;

use super::rules::Span;

/// A team that keeps a roster, as one person sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Team {
    pub id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub needs_approval: bool,
    /// The person leads it (for `teams_of`); false in the community's list.
    pub is_lead: bool,
}

/// The teams a person belongs to.
pub async fn teams_of(db: &Db, account_id: i64) -> Result<Vec<Team>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Team>(
        "SELECT w.id, w.name_zh, w.name_en, t.needs_approval, m.is_lead FROM duty_teams t \
         JOIN workgroups w ON w.id = t.workgroup_id \
         JOIN workgroup_members m ON m.workgroup_id = w.id AND m.account_id = $1 ORDER BY w.id"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await)?)
}

/// The community's workgroups, and which of them keep a roster.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Workgroup {
    pub id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub keeps_roster: bool,
    pub needs_approval: bool,
}

pub async fn workgroups(db: &Db, community_id: i64) -> Result<Vec<Workgroup>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Workgroup>(
        "SELECT w.id, w.name_zh, w.name_en, t.workgroup_id IS NOT NULL AS keeps_roster, \
         COALESCE(t.needs_approval, FALSE) AS needs_approval \
         FROM workgroups w LEFT JOIN duty_teams t ON t.workgroup_id = w.id WHERE w.community_id = $1 ORDER BY w.id"
    )
    .bind(community_id)
    .fetch_all(pool)
    .await
    })?)
}

/// Makes a workgroup keep a roster (or changes whether its leads approve
/// sign-ups). A team with shifts keeps them; it is not unmade here.
pub async fn set_team(
    db: &Db,
    community_id: i64,
    workgroup_id: i64,
    needs_approval: bool,
) -> Result<(), StoreError> {
    let changed = on_db!(db, |pool| sqlx::query(
        "INSERT INTO duty_teams (workgroup_id, community_id, needs_approval) \
         SELECT id, community_id, $3 FROM workgroups WHERE id = $1 AND community_id = $2 \
         ON CONFLICT (workgroup_id) DO UPDATE SET needs_approval = excluded.needs_approval"
    )
    .bind(workgroup_id)
    .bind(community_id)
    .bind(needs_approval)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    if changed == 0 {
        return Err(StoreError::Invalid("field-invalid-choice"));
    }
    Ok(())
}

/// A member of a team: (account id, name).
pub async fn members(db: &Db, team_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, (i64, String)>(
        "SELECT a.id, a.display_name FROM workgroup_members m JOIN accounts a ON a.id = m.account_id \
         WHERE m.workgroup_id = $1 AND a.active ORDER BY a.display_name"
    )
    .bind(team_id)
    .fetch_all(pool)
    .await
    })?)
}

/// What a volunteer says of themselves.
#[derive(Debug, Clone, Default, sqlx::FromRow, serde::Deserialize)]
#[serde(default)]
pub struct Profile {
    pub skills: String,
    pub languages: String,
    pub available: String,
}

pub async fn profile(db: &Db, account_id: i64) -> Result<Profile, StoreError> {
    let found = on_db!(db, |pool| sqlx::query_as::<_, Profile>(
        "SELECT skills, languages, available FROM volunteer_profiles WHERE account_id = $1"
    )
    .bind(account_id)
    .fetch_optional(pool)
    .await)?;
    Ok(found.unwrap_or_default())
}

pub async fn save_profile(db: &Db, account_id: i64, p: &Profile) -> Result<(), StoreError> {
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO volunteer_profiles (account_id, skills, languages, available, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (account_id) DO UPDATE SET skills = excluded.skills, languages = excluded.languages, \
         available = excluded.available, updated_at = excluded.updated_at"
    )
    .bind(account_id)
    .bind(p.skills.trim())
    .bind(p.languages.trim())
    .bind(p.available.trim())
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

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
        sqlx::query_scalar::<_, i64>(
        "INSERT INTO shift_signups (shift_id, account_id, state, created_at) \
         SELECT $1, $2, $3, $4 WHERE (SELECT COUNT(*) FROM shift_signups WHERE shift_id = $1 AND state <> 'gone') < $5 \
         ON CONFLICT DO NOTHING RETURNING id"
    )
    .bind(shift.id)
    .bind(account_id)
    .bind(state)
    .bind(now())
    .bind(shift.places)
    .fetch_optional(pool)
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
    let (sql, a, b): (&str, i64, i64) = match step {
        Step::Cancel => (
            "UPDATE shift_signups SET state = 'gone' WHERE id = $1 AND state <> 'gone' AND checked_in_at IS NULL AND $2 = $3",
            0,
            0,
        ),
        Step::Approve => (
            "UPDATE shift_signups SET state = 'on' WHERE id = $1 AND state = 'asked' AND $2 = $3",
            0,
            0,
        ),
        Step::CheckIn(at) => (
            "UPDATE shift_signups SET checked_in_at = $2 WHERE id = $1 AND state = 'on' AND checked_in_at IS NULL AND $3 = 0",
            at,
            0,
        ),
        Step::CheckOut(at, minutes) => (
            "UPDATE shift_signups SET checked_out_at = $2, minutes = $3 WHERE id = $1 AND state = 'on' \
             AND checked_in_at IS NOT NULL AND checked_out_at IS NULL",
            at,
            minutes,
        ),
        Step::Confirm(by, minutes) => (
            "UPDATE shift_signups SET confirmed_by = $2, minutes = $3 WHERE id = $1 AND state = 'on' AND checked_out_at IS NULL",
            by,
            minutes,
        ),
    };
    let changed = on_db!(db, |pool| sqlx::query(sql)
        .bind(signup_id)
        .bind(a)
        .bind(b)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(changed == 1)
}

/// A swap waiting for, or given an answer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Swap {
    pub id: i64,
    pub signup_id: i64,
    pub shift_id: i64,
    pub from_account: i64,
    pub from_name: String,
    pub to_account: i64,
    pub to_name: String,
    pub title: String,
    pub starts_at: i64,
    pub ends_at: i64,
}

const SWAP_SELECT: &str = "SELECT w.id, w.signup_id, g.shift_id, g.account_id AS from_account, fa.display_name AS from_name, \
    w.to_account, ta.display_name AS to_name, s.title, s.starts_at, s.ends_at FROM shift_swaps w \
    JOIN shift_signups g ON g.id = w.signup_id JOIN shifts s ON s.id = g.shift_id \
    JOIN accounts fa ON fa.id = g.account_id JOIN accounts ta ON ta.id = w.to_account";

/// The swaps offered to, or asked by, a person that are still open.
pub async fn open_swaps(db: &Db, account_id: i64) -> Result<Vec<Swap>, StoreError> {
    let sql = format!(
        "{SWAP_SELECT} WHERE w.state = 'asked' AND (w.to_account = $1 OR g.account_id = $1) ORDER BY s.starts_at"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Swap>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(account_id)
    .fetch_all(pool)
    .await)?)
}

pub async fn swap(db: &Db, id: i64) -> Result<Option<Swap>, StoreError> {
    let sql = format!("{SWAP_SELECT} WHERE w.id = $1 AND w.state = 'asked'");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Swap>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?)
}

/// Offers a sign-up to another member, and tells them.
pub async fn ask_swap(
    db: &Db,
    signup_id: i64,
    to_account: i64,
    title: &str,
) -> Result<(), StoreError> {
    let at = now();
    let made = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO shift_swaps (signup_id, to_account, state, created_at) VALUES ($1, $2, 'asked', $3) \
                 ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(signup_id)
            .bind(to_account)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
            if id.is_some() {
                sqlx::query(
                    "INSERT INTO notifications (account_id, message_key, detail, created_at) VALUES ($1, 'notify-duty-swap', $2, $3)",
                )
                .bind(to_account)
                .bind(title)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(id.is_some())
        }
        .await
    })?;
    if made {
        Ok(())
    } else {
        Err(StoreError::Conflict("duty-error-swap-open"))
    }
}

/// Answers a swap: accepted, the shift passes to the one asked (the first
/// sign-up goes, a new one comes, in one transaction); otherwise it stays.
pub async fn answer_swap(db: &Db, swap: &Swap, accept: bool) -> Result<bool, StoreError> {
    let at = now();
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let answered = sqlx::query(
                "UPDATE shift_swaps SET state = $2, answered_at = $3 WHERE id = $1 AND state = 'asked'",
            )
            .bind(swap.id)
            .bind(if accept { "accepted" } else { "declined" })
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if answered == 0 {
                return Ok::<_, sqlx::Error>(false);
            }
            if accept {
                let state: Option<String> = sqlx::query_scalar(
                    "UPDATE shift_signups SET state = 'gone' WHERE id = $1 AND state <> 'gone' AND checked_in_at IS NULL RETURNING state",
                )
                .bind(swap.signup_id)
                .fetch_optional(&mut *tx)
                .await?;
                if state.is_none() {
                    return Ok(false);
                }
                sqlx::query(
                    "INSERT INTO shift_signups (shift_id, account_id, state, created_at) VALUES ($1, $2, 'on', $3)",
                )
                .bind(swap.shift_id)
                .bind(swap.to_account)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(
                "INSERT INTO notifications (account_id, message_key, detail, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(swap.from_account)
            .bind(if accept { "notify-duty-swap-accepted" } else { "notify-duty-swap-declined" })
            .bind(&swap.title)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(true)
        }
        .await
    })?)
}

/// Whether a person leads the team.
pub async fn leads(db: &Db, team_id: i64, account_id: i64) -> Result<bool, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_scalar::<_, bool>(
        "SELECT is_lead FROM workgroup_members WHERE workgroup_id = $1 AND account_id = $2"
    )
    .bind(team_id)
    .bind(account_id)
    .fetch_optional(pool)
    .await)?
    .unwrap_or(false))
}

/// Whether a person is on the team.
pub async fn on_team(db: &Db, team_id: i64, account_id: i64) -> Result<bool, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_scalar::<_, bool>(
        "SELECT EXISTS (SELECT 1 FROM workgroup_members WHERE workgroup_id = $1 AND account_id = $2)"
    )
    .bind(team_id)
    .bind(account_id)
    .fetch_one(pool)
    .await
    })?)
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
