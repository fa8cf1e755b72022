//! Volunteer teams as stored: workgroups that keep a roster, their
//! members and leads, and volunteers' profiles.

use crate::db::{Db, StoreError, now};
use crate::on_db;

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
