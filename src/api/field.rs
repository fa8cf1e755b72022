//! From the field, by a program: photos from the site for the step just
//! taken, and the resident's answer to a visit's time.

use axum::Json;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ErrorJson;
use super::requests::{RequestJson, readable, reload, reporters_request};
use crate::auth::MaybeViewer;
use crate::auth::SignedIn;
use crate::requests::field::{Parts, read_parts};
use crate::requests::page::ActForm;
use crate::requests::photos::{Stage, attach_field_photos};
use crate::web::{AppError, AppState};

/// A multipart form with the photos and what they show.
#[derive(Serialize, ToSchema)]
pub struct PhotoUpload {
    /// progress (with the latest update) or after (with the solution)
    stage: String,
    /// JPEG, PNG or WebP, up to 8 MB each and four at a time.
    #[schema(value_type = Vec<String>, format = Binary)]
    photo: Vec<Vec<u8>>,
}

/// Staff who handle the request add photos from the site to its latest
/// step: "after" photos are shown beside the resident's own.
#[utoipa::path(post, path = "/api/v1/requests/{code}/photos",
    request_body(content = PhotoUpload, content_type = "multipart/form-data"),
    params(("code" = String, Path, description = "tracking code")),
    responses((status = 200, description = "Done; the answer holds the request", body = RequestJson),
        (status = 400, description = "No photo, a photo that cannot be read, or an unknown stage", body = ErrorJson),
        (status = 403, description = "Signed in, but not handling this request", body = ErrorJson),
        (status = 404, description = "No such thing that you may see", body = ErrorJson)))]
pub async fn add_photos(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Path(code): Path<String>,
    // Read only once the caller is known to handle the request.
    body: Request,
) -> Result<Json<RequestJson>, AppError> {
    let (r, access) = readable(&state, &viewer, &code).await?;
    if !access.handler {
        return Err(AppError::Forbidden);
    }
    let Parts {
        fields,
        photos,
        photo_problem,
    } = read_parts(
        Multipart::from_request(body, &state)
            .await
            .map_err(|_| AppError::BadRequest("error-bad-input"))?,
    )
    .await?;
    if let Some(key) = photo_problem {
        return Err(AppError::BadRequest(key));
    }
    let stage = match fields
        .iter()
        .find(|(k, _)| k == "stage")
        .map(|(_, v)| v.trim())
    {
        Some("after") => Stage::After,
        Some("progress") | None => Stage::Progress,
        Some(_) => return Err(AppError::BadRequest("error-bad-input")),
    };
    if photos.is_empty() {
        return Err(AppError::BadRequest("photo-error-empty"));
    }
    attach_field_photos(&state.db, r.id, stage, &photos).await?;
    reload(&state, Some(&viewer), &headers, &code, "").await
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct AppointmentAnswerJson {
    /// agree (to the time offered) or move (to `slot`)
    answer: String,
    /// For move: the time that suits the resident, in the community's time
    /// zone, as "2026-12-06T09:00". A later time than offered gives the
    /// team that much longer.
    slot: String,
    /// The secret from the reporter's link, when not signed in.
    key: String,
}

/// The reporter agrees to the visit's time, or asks for another.
#[utoipa::path(post, path = "/api/v1/requests/{code}/appointment", request_body = AppointmentAnswerJson, security((), ("bearer" = []), ("session" = [])),
    params(("code" = String, Path, description = "tracking code")),
    responses((status = 200, description = "Done; the answer holds the request", body = RequestJson),
        (status = 400, description = "A time that has passed, is too far ahead or cannot be read", body = ErrorJson),
        (status = 409, description = "No visit to answer now", body = ErrorJson)))]
pub async fn answer_appointment(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(body): Json<AppointmentAnswerJson>,
) -> Result<Json<RequestJson>, AppError> {
    let r = reporters_request(&state, viewer.0.as_ref(), &code, &body.key).await?;
    let form = ActForm {
        answer: body.answer,
        slot: body.slot,
        ..ActForm::default()
    };
    crate::requests::appointment::resident_step(&state, &r, viewer.0.as_ref(), &form).await?;
    reload(&state, viewer.0.as_ref(), &headers, &code, &body.key).await
}
