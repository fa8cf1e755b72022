//! The access log: every opening of a case (its page, a document, the
//! API) and every refused try, by whom and when. The secretary reads it;
//! it holds nothing of the case.

use crate::db::{Db, StoreError, now};
use crate::on_db;

/// Writes who opened which case, by which door.
pub async fn log(
    db: &Db,
    community_id: i64,
    case_id: i64,
    account_id: i64,
    what: &str,
    door: &str,
) -> Result<(), StoreError> {
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO legal_access_log (community_id, case_id, account_id, what, door, at) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(community_id)
    .bind(case_id)
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
    pub case_id: i64,
    pub who: Option<String>,
    pub role: Option<String>,
    pub what: String,
    pub door: String,
    pub at: i64,
}

/// The access log, newest first: who opened which case and when, nothing
/// of the case itself. The resident opening their own case is "the
/// resident", unnamed: the log must not say whose case it is.
pub async fn openings(db: &Db, community_id: i64, limit: i64) -> Result<Vec<Opening>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Opening>(
        "SELECT l.case_id, CASE WHEN l.account_id = k.account_id THEN NULL ELSE a.display_name END AS who, \
         CASE WHEN l.account_id = k.account_id THEN 'owner' ELSE a.role END AS role, l.what, l.door, l.at \
         FROM legal_access_log l LEFT JOIN accounts a ON a.id = l.account_id LEFT JOIN legal_cases k ON k.id = l.case_id \
         WHERE l.community_id = $1 ORDER BY l.at DESC, l.id DESC LIMIT $2"
    )
    .bind(community_id)
    .bind(limit)
    .fetch_all(pool)
    .await
    })?)
}
