//! Photos of ideas, answers and recognitions, served to whoever may see
//! what they belong to.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::db::{Db, StoreError};
use crate::on_db;
use crate::web::{AppError, AppState, Ctx};

#[derive(Debug, sqlx::FromRow)]
pub struct VoicePhoto {
    pub community_id: i64,
    pub owner: String,
    pub owner_id: i64,
    pub bytes: Vec<u8>,
}

pub async fn load(db: &Db, id: i64, thumb: bool) -> Result<Option<VoicePhoto>, StoreError> {
    let column = if thumb { "thumb_jpeg" } else { "jpeg" };
    let sql = format!(
        "SELECT community_id, owner, owner_id, {column} AS bytes FROM voice_photos WHERE id = $1"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, VoicePhoto>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?)
}

/// The bytes as a JPEG answer, kept by the browser but not by shared caches.
pub fn jpeg(bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, max-age=86400"),
        ],
        bytes,
    )
        .into_response()
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PhotoQuery {
    thumb: Option<String>,
}

/// `GET /ideas/photos/{id}`: a photo of an idea or of an answer, when the
/// idea may be seen.
pub async fn photo(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<PhotoQuery>,
) -> Result<Response, AppError> {
    let photo = load(&state.db, id, q.thumb.is_some())
        .await?
        .filter(|p| p.community_id == ctx.community.id)
        .ok_or(AppError::NotFound)?;
    let idea_id = match photo.owner.as_str() {
        "idea" => photo.owner_id,
        "answer" => on_db!(&state.db, |pool| sqlx::query_scalar::<_, i64>(
            "SELECT idea_id FROM idea_answers WHERE id = $1"
        )
        .bind(photo.owner_id)
        .fetch_optional(pool)
        .await)?
        .ok_or(AppError::NotFound)?,
        _ => return Err(AppError::NotFound),
    };
    super::pages::find(&state, &ctx, idea_id).await?;
    Ok(jpeg(photo.bytes))
}

/// Photos of one owner: their ids, in order.
pub async fn photo_ids(db: &Db, owner: &str, owner_id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM voice_photos WHERE owner = $1 AND owner_id = $2 ORDER BY id"
    )
    .bind(owner)
    .bind(owner_id)
    .fetch_all(pool)
    .await)?)
}

/// Stores photos inside a write transaction, for one owner.
#[macro_export]
macro_rules! save_voice_photos {
    ($tx:expr, $community_id:expr, $owner:expr, $owner_id:expr, $photos:expr) => {
        for photo in $photos {
            sqlx::query(
                "INSERT INTO voice_photos (community_id, owner, owner_id, jpeg, thumb_jpeg, width, height, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind($community_id)
            .bind($owner)
            .bind($owner_id)
            .bind(&photo.jpeg)
            .bind(&photo.thumb_jpeg)
            .bind(photo.width as i64)
            .bind(photo.height as i64)
            .bind($crate::db::now())
            .execute(&mut *$tx)
            .await?;
        }
    };
}
