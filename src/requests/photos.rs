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
    /// before (the resident's), progress (with an update) or after (with
    /// the solution).
    pub stage: String,
    /// The step a staff photo illustrates.
    pub event_id: Option<i64>,
}

impl PhotoRef {
    pub fn is_before(&self) -> bool {
        self.stage == "before"
    }
}

/// When a staff photo was taken, by the step it goes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Progress,
    After,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Progress => "progress",
            Stage::After => "after",
        }
    }
}

pub async fn photos_of(db: &Db, request_id: i64) -> Result<Vec<PhotoRef>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, PhotoRef>(
        "SELECT id, width, height, stage, event_id FROM photos WHERE request_id = $1 ORDER BY id"
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

/// Staff's photos from the field, tied to the request and to its latest
/// step (the one they were sent with).
pub async fn attach_field_photos(
    db: &Db,
    request_id: i64,
    stage: Stage,
    photos: &[crate::photos::ProcessedPhoto],
) -> Result<(), StoreError> {
    for photo in photos {
        let key = random_token();
        on_db!(db, |pool| {
            sqlx::query(
            "INSERT INTO photos (upload_key, request_id, jpeg, thumb_jpeg, width, height, created_at, stage, event_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT MAX(id) FROM request_events WHERE request_id = $2))"
        )
        .bind(&key)
        .bind(request_id)
        .bind(&photo.jpeg)
        .bind(&photo.thumb_jpeg)
        .bind(i64::from(photo.width))
        .bind(i64::from(photo.height))
        .bind(now())
        .bind(stage.as_str())
        .execute(pool)
        .await.map(|r| r.rows_affected())
        })?;
    }
    Ok(())
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
