//! Photos of requests: staged by the form that uploads them, tied to the
//! request when it is made, read back whole or as a thumbnail.

use crate::auth::random_token;
use crate::db::{Db, StoreError, now};
use crate::on_db;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PhotoRef {
    pub id: i64,
    pub width: i64,
    pub height: i64,
}

pub async fn photos_of(db: &Db, request_id: i64) -> Result<Vec<PhotoRef>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, PhotoRef>(
        "SELECT id, width, height FROM photos WHERE request_id = $1 ORDER BY id"
    )
    .bind(request_id)
    .fetch_all(pool)
    .await)?)
}

/// Stores a processed photo before its request exists; the key ties it to
/// the form that uploaded it.
pub async fn stage_photo(
    db: &Db,
    photo: &crate::photos::ProcessedPhoto,
) -> Result<String, StoreError> {
    let key = random_token();
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO photos (upload_key, jpeg, thumb_jpeg, width, height, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(&key)
    .bind(&photo.jpeg)
    .bind(&photo.thumb_jpeg)
    .bind(i64::from(photo.width))
    .bind(i64::from(photo.height))
    .bind(now())
    .execute(pool)
    .await.map(|r| r.rows_affected())
    })?;
    Ok(key)
}

/// Staged photos still waiting for their request, by key.
pub async fn staged_photos(db: &Db, keys: &[String]) -> Result<Vec<(String, i64)>, StoreError> {
    let mut found = Vec::new();
    for key in keys.iter().take(crate::requests::MAX_PHOTOS) {
        let id: Option<i64> = on_db!(db, |pool| sqlx::query_scalar(
            "SELECT id FROM photos WHERE upload_key = $1 AND request_id IS NULL"
        )
        .bind(key)
        .fetch_optional(pool)
        .await)?;
        if let Some(id) = id {
            found.push((key.clone(), id));
        }
    }
    Ok(found)
}

/// The photo's bytes and the request it belongs to (None while staged).
pub async fn photo_bytes(
    db: &Db,
    id: i64,
    thumb: bool,
) -> Result<Option<(Vec<u8>, Option<i64>, String)>, StoreError> {
    let sql = if thumb {
        "SELECT thumb_jpeg AS bytes, request_id, upload_key FROM photos WHERE id = $1"
    } else {
        "SELECT jpeg AS bytes, request_id, upload_key FROM photos WHERE id = $1"
    };
    Ok(on_db!(db, |pool| sqlx::query_as::<
        _,
        (Vec<u8>, Option<i64>, String),
    >(sql)
    .bind(id)
    .fetch_optional(pool)
    .await)?)
}
