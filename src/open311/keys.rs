//! API keys for Open311 clients: made by a community's administrator (pages
//! or `grassroots admin api-key create`), good for that community only,
//! revocable, recorded on each request.

use crate::auth::{random_token, token_hash};
use crate::db::{Db, StoreError, now};
use crate::on_db;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub requests: i64,
}

/// Makes a key; the key itself is shown once and only its hash is kept.
pub async fn create(db: &Db, community_id: i64, name: &str) -> Result<(i64, String), StoreError> {
    let key = format!("gr_{}", random_token());
    let id = on_db!(db, |pool| {
        sqlx::query_scalar::<_, i64>(
        "INSERT INTO api_keys (key_hash, name, created_at, community_id) VALUES ($1, $2, $3, $4) RETURNING id"
    )
    .bind(token_hash(&key))
    .bind(name.trim())
    .bind(now())
    .bind(community_id)
    .fetch_one(pool)
    .await
    })?;
    Ok((id, key))
}

/// The key's id when it is known, not revoked and this community's.
pub async fn check(db: &Db, community_id: i64, key: &str) -> Result<Option<i64>, StoreError> {
    if key.is_empty() || key.len() > 200 {
        return Ok(None);
    }
    Ok(on_db!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL AND community_id = $2"
    )
    .bind(token_hash(key))
    .bind(community_id)
    .fetch_optional(pool)
    .await)?)
}

pub async fn list(db: &Db, community_id: i64) -> Result<Vec<ApiKey>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, ApiKey>(
        "SELECT k.id, k.name, k.created_at, k.revoked_at, \
         (SELECT COUNT(*) FROM requests r WHERE r.api_key_id = k.id) AS requests \
         FROM api_keys k WHERE k.community_id = $1 ORDER BY k.id"
    )
    .bind(community_id)
    .fetch_all(pool)
    .await)?)
}

/// Revokes a key; false when there is no such key still in use.
pub async fn revoke(db: &Db, community_id: i64, id: i64) -> Result<bool, StoreError> {
    let changed = on_db!(db, |pool| {
        sqlx::query(
        "UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL AND community_id = $3"
    )
    .bind(now())
    .bind(id)
    .bind(community_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(changed == 1)
}
