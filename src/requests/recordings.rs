//! Voice messages: a resident's recording, staged by the page that made it,
//! tied to the request (or to their answer to the team's question), and
//! played back to the team and to the resident — never to neighbours, the
//! screen or Open311.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::page::{Access, reporter_key};
use super::record;
use crate::auth::random_token;
use crate::db::{Db, StoreError, now};
use crate::i18n::Lang;
use crate::on_db;
use crate::recordings::{Checked, Container, check_recording, minutes_seconds};
use crate::web::{AppError, AppState, Ctx};

/// What stands in for the words of a request told by voice alone, until
/// staff type a summary: in both languages, as it is stored once.
pub const VOICE_ONLY: &str = "🎙 语音留言 · Voice message";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecordingRef {
    pub id: i64,
    pub duration_ms: i64,
    /// The reporter's answer it came with; none for the request itself.
    pub event_id: Option<i64>,
}

impl RecordingRef {
    pub fn length(&self) -> String {
        minutes_seconds(self.duration_ms)
    }
}

pub async fn stage(db: &Db, checked: Checked, audio: &[u8]) -> Result<String, StoreError> {
    let key = random_token();
    on_db!(db, |pool| sqlx::query(
        "INSERT INTO recordings (upload_key, container, duration_ms, audio, created_at) \
         VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(&key)
    .bind(checked.container.as_str())
    .bind(i64::try_from(checked.duration_ms).unwrap_or(i64::MAX))
    .bind(audio)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(key)
}

/// A voice message recorded but never sent (the resident walked away from
/// the kiosk) is kept a day, then forgotten: nobody's voice lies about.
pub async fn forget_abandoned(db: &Db, now: i64) -> Result<u64, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query(
        "DELETE FROM recordings WHERE request_id IS NULL AND created_at < $1"
    )
    .bind(now - 86_400)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?)
}

/// A staged recording still waiting for its request: its length.
pub async fn staged(db: &Db, key: &str) -> Result<Option<i64>, StoreError> {
    if key.is_empty() {
        return Ok(None);
    }
    Ok(on_db!(db, |pool| sqlx::query_scalar(
        "SELECT duration_ms FROM recordings WHERE upload_key = $1 AND request_id IS NULL"
    )
    .bind(key)
    .fetch_optional(pool)
    .await)?)
}

/// A recording sent with a step (the reporter's answer): tied to the
/// request and to that step, its latest.
pub async fn attach_to_latest_step(db: &Db, request_id: i64, key: &str) -> Result<(), StoreError> {
    on_db!(db, |pool| sqlx::query(
        "UPDATE recordings SET request_id = $1, \
         event_id = (SELECT MAX(id) FROM request_events WHERE request_id = $1) \
         WHERE upload_key = $2 AND request_id IS NULL"
    )
    .bind(request_id)
    .bind(key)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The name of the staff member who wrote a summary.
pub async fn author(db: &Db, account_id: i64) -> Result<Option<String>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_scalar(
        "SELECT display_name FROM accounts WHERE id = $1"
    )
    .bind(account_id)
    .fetch_optional(pool)
    .await)?)
}

pub async fn of_request(db: &Db, request_id: i64) -> Result<Vec<RecordingRef>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, RecordingRef>(
        "SELECT id, duration_ms, event_id FROM recordings WHERE request_id = $1 ORDER BY id"
    )
    .bind(request_id)
    .fetch_all(pool)
    .await)?)
}

/// What a page's recorder is told: the key to send with the form, or why
/// the recording was refused, in the person's language.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct StagedJson {
    /// Send as the form's `voice` field (or the API's `voice_key`).
    pub key: String,
    pub duration_ms: u64,
    /// As a player shows it: "0:07".
    pub length: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RefusedJson {
    /// recording-error-empty, -too-large, -too-long, -not-audio, -video,
    /// -codec or -unreadable
    pub error: String,
    pub message: String,
}

/// The recording's bytes, as the browser's MediaRecorder made them.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct AudioBody(pub Vec<u8>);

/// Checks and keeps a recording until the form that made it is sent.
#[utoipa::path(post, path = "/api/v1/recordings", tag = "requests",
    security((), ("bearer" = []), ("session" = [])),
    request_body(content = AudioBody, content_type = "application/octet-stream",
        description = "A voice message of up to a minute: WebM with Opus, or MP4 with AAC or Opus (any content type is read by its bytes)"),
    responses(
        (status = 201, description = "Kept until the request or answer is sent", body = StagedJson),
        (status = 413, description = "Larger than 2 MB", body = RefusedJson),
        (status = 422, description = "Empty, too long, not sound, with pictures, or of a kind not taken", body = RefusedJson)))]
pub async fn upload(State(state): State<AppState>, lang: Lang, body: Bytes) -> Response {
    let checked = {
        let body = body.clone();
        tokio::task::spawn_blocking(move || check_recording(&body)).await
    };
    let refused = |key: &'static str, status: StatusCode| {
        let json = RefusedJson {
            error: key.to_string(),
            message: lang.t(key),
        };
        (status, Json(json)).into_response()
    };
    match checked {
        Ok(Ok(checked)) => match stage(&state.db, checked, &body).await {
            Ok(key) => (
                StatusCode::CREATED,
                Json(StagedJson {
                    key,
                    duration_ms: checked.duration_ms,
                    length: minutes_seconds(i64::try_from(checked.duration_ms).unwrap_or(0)),
                }),
            )
                .into_response(),
            Err(e) => AppError::from(e).into_response(),
        },
        Ok(Err(e @ crate::recordings::RecordingError::TooLarge)) => {
            refused(e.key(), StatusCode::PAYLOAD_TOO_LARGE)
        }
        Ok(Err(e)) => refused(e.key(), StatusCode::UNPROCESSABLE_ENTITY),
        Err(e) => AppError::Internal(e.into()).into_response(),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PlayQuery {
    key: String,
}

/// The recording, for those who may hear it: the request's team, reception
/// (not for a legal question), and its reporter.
pub async fn play(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<PlayQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let found: Option<(Vec<u8>, String, Option<i64>)> = on_db!(&state.db, |pool| sqlx::query_as(
        "SELECT audio, container, request_id FROM recordings WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?;
    let Some((audio, container, Some(request_id))) = found else {
        return Err(AppError::NotFound);
    };
    let request = record::by_id(&state.db, request_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = reporter_key(&request.tracking_code, Some(&q.key), &headers);
    let access = Access::of(&state, &request, ctx.viewer.as_ref(), key.as_deref()).await?;
    if !(access.staff() || access.reporter) {
        return Err(AppError::NotFound);
    }
    let mime = Container::parse(&container).map_or("application/octet-stream", |c| c.mime());
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "private, max-age=86400"),
        ],
        audio,
    )
        .into_response())
}

/// The demo's voice message: a neighbour spoke at the foyer's kiosk (a
/// three-second tone stands in for her voice), and the property team has
/// yet to write down what she said.
pub async fn demo(db: &Db, community_id: i64) -> Result<(), AppError> {
    const TONE: &[u8] = include_bytes!("../../tests/fixtures/voice/tone-3s.webm");
    let checked = check_recording(TONE).map_err(|e| AppError::Internal(e.into()))?;
    let key = stage(db, checked, TONE).await?;
    let draft = super::draft::Draft {
        category: "water".into(),
        place: "FOYER".into(),
        voice: key,
        phone: "13700137000".into(),
        contact: "phone".into(),
        ..super::draft::Draft::default()
    };
    let mut errors = crate::web::forms::FieldErrors::default();
    let door = super::intake::Door::new(super::model::Channel::Screen);
    super::intake::file(db, community_id, &draft, door, &mut errors).await?;
    Ok(())
}
