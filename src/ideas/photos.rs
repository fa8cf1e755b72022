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
