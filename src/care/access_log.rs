//! The access log: every opening of a care plan by someone other than the
//! resident, and every refused try, by whom, when and by which door. The
//! secretary reads it; it holds nothing of the plan.

use crate::db::{Db, StoreError, now};
use crate::on_db;

/// Writes who opened which plan, by which door.
pub async fn log(
    db: &Db,
    community_id: i64,
    plan_id: i64,
    account_id: i64,
    what: &str,
    door: &str,
) -> Result<(), StoreError> {
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO care_access_log (community_id, plan_id, account_id, what, door, at) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(community_id)
    .bind(plan_id)
    .bind(account_id)
    .bind(what)
    .bind(door)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Opening {
    pub plan_id: i64,
    pub who: Option<String>,
    pub role: Option<String>,
    pub what: String,
    pub door: String,
    pub at: i64,
}

/// The access log, newest first: who opened which plan and when.
pub async fn openings(db: &Db, community_id: i64) -> Result<Vec<Opening>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Opening>(
        "SELECT l.plan_id, a.display_name AS who, a.role, l.what, l.door, l.at FROM care_access_log l \
         LEFT JOIN accounts a ON a.id = l.account_id WHERE l.community_id = $1 ORDER BY l.at DESC, l.id DESC LIMIT 200"
    )
    .bind(community_id)
    .fetch_all(pool)
    .await
    })?)
}
