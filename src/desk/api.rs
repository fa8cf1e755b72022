//! The reception desk through the API: a request on a resident's behalf,
//! invitations, links to choose a new password.

use crate::web::once::SubmissionKey;
use axum::Extension;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::{InvitationForm, require_desk};
use crate::api::{CreatedJson, ErrorJson, field_errors};
use crate::auth::SignedIn;
use crate::requests::intake::{self, Door, Draft, Filed};
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState};

/// The desk's part of `/api/v1/openapi.json`, merged in by the entry.
#[derive(OpenApi)]
#[openapi(
    paths(create_request, create_invitation, reset_password),
    components(schemas(DeskRequestJson, HandoutJson, InvitationForm, ResetJson, ResetLinkJson))
)]
pub struct DeskApi;

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct DeskRequestJson {
    /// reception (default) or phone
    channel: String,
    /// The caller's name; a name or a phone is required.
    name: String,
    phone: String,
    category: String,
    kind: String,
    urgency: String,
    place: String,
    description: String,
    /// public, private (the default at the desk) or anonymous
    visibility: String,
    contact: String,
}

/// Enters a walk-in's or a caller's request.
#[utoipa::path(post, path = "/api/v1/desk/requests", operation_id = "create_desk_request", request_body = DeskRequestJson,
    responses((status = 201, description = "Made; the answer says what was made", body = CreatedJson), (status = 422, description = "The input was refused; `error.fields` says what to change", body = ErrorJson), (status = 403, description = "Signed in, but this is not for your role or community", body = ErrorJson)))]
pub async fn create_request(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    submission: Option<Extension<SubmissionKey>>,
    Json(body): Json<DeskRequestJson>,
) -> Result<Response, AppError> {
    require_desk(&viewer)?;
    let draft = Draft {
        channel: body.channel,
        name: body.name,
        phone: body.phone,
        category: body.category,
        kind: body.kind,
        urgency: body.urgency,
        place: body.place,
        description: body.description,
        // Private unless the caller wants it shown to neighbours.
        visibility: if body.visibility.trim().is_empty() {
            "private".into()
        } else {
            body.visibility
        },
        contact: body.contact,
        ..Draft::default()
    };
    let mut errors = FieldErrors::default();
    let door = Door::on_behalf(&viewer).once(submission.map(|Extension(k)| k));
    let Filed::Created(created) =
        intake::file(&state.db, viewer.community_id, &draft, door, &mut errors).await?
    else {
        return Ok(field_errors(&headers, &errors));
    };
    Ok(CreatedJson::answer(created.tracking_code))
}

/// An invitation code to hand over.
#[derive(Serialize, ToSchema)]
pub struct HandoutJson {
    value: String,
}

fn handout(
    headers: &HeaderMap,
    outcome: Result<String, &'static str>,
    field: &'static str,
) -> Response {
    match outcome {
        Ok(value) => (StatusCode::CREATED, Json(HandoutJson { value })).into_response(),
        Err(key) => {
            let mut errors = FieldErrors::default();
            errors.add(field, key);
            field_errors(headers, &errors)
        }
    }
}

/// An invitation code for a new resident's flat, valid thirty days.
#[utoipa::path(post, path = "/api/v1/desk/invitations", request_body = InvitationForm,
    responses((status = 201, description = "Made; the answer says what was made", body = HandoutJson), (status = 422, description = "The input was refused; `error.fields` says what to change", body = ErrorJson)))]
pub async fn create_invitation(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Json(form): Json<InvitationForm>,
) -> Result<Response, AppError> {
    require_desk(&viewer)?;
    let outcome = crate::desk::create_invitation(&state.db, &viewer, &form.place).await?;
    Ok(handout(&headers, outcome, "place"))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ResetJson {
    /// The resident's username.
    username: String,
    /// Reception has seen the person's identity card. Required.
    identity_checked: bool,
}

/// A link for the resident to choose a new password themselves.
#[derive(Serialize, ToSchema)]
pub struct ResetLinkJson {
    /// Open it (or show it as a QR code) for the resident; it works once.
    link: String,
    /// Until when it works, in seconds since 1970 (UTC).
    expires_at: i64,
}

/// A one-time link for a resident who forgot their password, to choose a
/// new one themselves; reception never learns a password. Needs the
/// identity check; it is logged, and the resident is told.
#[utoipa::path(post, path = "/api/v1/desk/password-resets", operation_id = "create_password_link", request_body = ResetJson,
    responses((status = 201, description = "Made; the answer says what was made", body = ResetLinkJson),
        (status = 422, description = "The input was refused; `error.fields` says what to change", body = ErrorJson),
        (status = 403, description = "Signed in, but this is not for your role or community", body = ErrorJson)))]
pub async fn reset_password(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Json(body): Json<ResetJson>,
) -> Result<Response, AppError> {
    require_desk(&viewer)?;
    let outcome =
        super::reset::make_link(&state.db, &viewer, &body.username, body.identity_checked).await?;
    match outcome {
        Ok(made) => {
            let link = format!("{}{}", crate::web::base_url(&state, &headers), made.path);
            let body = ResetLinkJson {
                link,
                expires_at: made.expires_at,
            };
            let mut answer = (StatusCode::CREATED, Json(body)).into_response();
            answer.extensions_mut().insert(crate::web::once::NotKept);
            Ok(answer)
        }
        Err((field, key)) => {
            let mut errors = FieldErrors::default();
            errors.add(
                if field == "checked" {
                    "identity_checked"
                } else {
                    field
                },
                key,
            );
            Ok(field_errors(&headers, &errors))
        }
    }
}
