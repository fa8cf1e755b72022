//! One's own account through the API: registering with an invitation, who
//! am I, my news, my tokens.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

use super::{CreatedId, ErrorJson, checked};
use crate::auth::SignedIn;
use crate::auth::routes::{RegisterForm, register_resident};
use crate::auth::tokens::TokenInfo;
use crate::community::Community;
use crate::mail::settings::{self, NewsForm};
use crate::requests::inbox;
use crate::web::{AppError, AppState};

/// The signed-in person's API tokens, newest first, live or not.
#[utoipa::path(get, path = "/api/v1/me/tokens",
    responses((status = 200, description = "Done; the answer holds the result", body = Vec<TokenInfo>),
        (status = 401, description = "Not signed in: send a bearer token or a session cookie", body = ErrorJson)))]
pub async fn tokens(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Json<Vec<TokenInfo>>, AppError> {
    Ok(Json(crate::auth::tokens::list(&state.db, viewer.id).await?))
}

/// Revokes one of the signed-in person's tokens (this one too, if named).
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}",
    params(("id" = String, Path, description = "the token's id from GET /api/v1/me/tokens")),
    responses((status = 204, description = "Done; nothing to answer"),
        (status = 404, description = "No such thing that you may see", body = ErrorJson)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    if crate::auth::tokens::revoke(&state.db, viewer.id, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

/// Registers a resident with the invitation code reception gave them.
#[utoipa::path(post, path = "/api/v1/register", security(()), request_body = RegisterForm,
    responses((status = 201, description = "Made; the answer says what was made", body = CreatedId), (status = 422, description = "The input was refused; `error.fields` says what to change", body = ErrorJson)))]
pub async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(form): Json<RegisterForm>,
) -> Result<Response, AppError> {
    let outcome = register_resident(&state.db, &form)
        .await?
        .map(|id| CreatedId { id });
    Ok(checked(&headers, outcome, StatusCode::CREATED))
}

#[derive(Serialize, ToSchema)]
pub struct MeJson {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    community: String,
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/me", responses((status = 200, description = "Done; the answer holds the result", body = MeJson), (status = 401, description = "Not signed in: send a bearer token or a session cookie", body = ErrorJson)))]
pub async fn me(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Json<MeJson>, AppError> {
    let community = Community::by_id(&state.db, viewer.community_id).await?;
    Ok(Json(MeJson {
        id: viewer.id,
        role: viewer.role().as_str().to_string(),
        username: viewer.username,
        display_name: viewer.display_name,
        community: community.code,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct NoticeJson {
    /// notify-resolved, notify-question or notify-low-rating
    kind: String,
    message: String,
    at: String,
    read: bool,
    tracking_code: Option<String>,
    /// For news not about a request: what it names (an activity and its
    /// time, with the reason it was cancelled).
    detail: String,
}

/// News for the signed-in account, newest first; reading marks them read.
#[utoipa::path(get, path = "/api/v1/me/notifications", responses((status = 200, description = "Done; the answer holds the result", body = Vec<NoticeJson>)))]
pub async fn notifications(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
) -> Result<Json<Vec<NoticeJson>>, AppError> {
    let lang = crate::i18n::Lang::from_headers(&headers);
    let community = Community::by_id(&state.db, viewer.community_id).await?;
    let notices = inbox::notifications(&state.db, viewer.id).await?;
    inbox::mark_notifications_read(&state.db, viewer.id).await?;
    Ok(Json(
        notices
            .into_iter()
            .map(|n| NoticeJson {
                message: lang.t(&n.message_key),
                kind: n.message_key,
                at: community.iso_time(n.created_at),
                read: n.read_at.is_some(),
                tracking_code: n.tracking_code,
                detail: n.detail,
            })
            .collect(),
    ))
}

/// How the signed-in person hears news: by email, and by text message.
#[utoipa::path(get, path = "/api/v1/me/news", responses((status = 200, description = "Done; the answer holds the result", body = NewsForm)))]
pub async fn news(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Json<NewsForm>, AppError> {
    Ok(Json(settings::current(&state.db, viewer.id).await?))
}

/// Changes how the signed-in person hears news: an email address (empty
/// for none) and `now`, `daily` or `off`.
#[utoipa::path(put, path = "/api/v1/me/news", request_body = NewsForm,
    responses((status = 200, description = "Done; the answer holds the result", body = NewsForm), (status = 422, description = "The input was refused; `error.fields` says what to change", body = ErrorJson)))]
pub async fn set_news(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Json(form): Json<NewsForm>,
) -> Result<Response, AppError> {
    let texts_offered = crate::sms::offered(&state.db, viewer.community_id).await?;
    let outcome = match settings::check(&form, texts_offered) {
        Ok(choice) => {
            settings::save_choice(&state.db, viewer.id, &choice).await?;
            Ok(settings::current(&state.db, viewer.id).await?)
        }
        Err(errors) => Err(errors),
    };
    Ok(checked(&headers, outcome, StatusCode::OK))
}
