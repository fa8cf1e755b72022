//! The reporter's own steps: answer the team's question, say whether it is
//! solved and rate it, answer about a visit's time — signed in, or with the
//! secret link, which they keep.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use super::lifecycle::{Action, Actor, rating_reopens, valid_rating};
use super::page::{Access, ActForm, key_cookie, page, reporter_key};
use super::plan::Change;
use super::record::{self, RequestRow};
use super::recordings;
use super::store;
use crate::auth::Viewer;
use crate::web::{AppError, AppState, Ctx};

#[derive(Clone, Copy)]
enum ReporterStep {
    Confirm,
    Reply,
    Appointment,
}

/// The reporter says whether it is solved, and rates it.
pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ActForm>,
) -> Result<Response, AppError> {
    as_reporter(&state, ctx, &code, &headers, form, ReporterStep::Confirm).await
}

/// The reporter answers the workgroup's question; the clock runs again.
pub async fn reply(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ActForm>,
) -> Result<Response, AppError> {
    as_reporter(&state, ctx, &code, &headers, form, ReporterStep::Reply).await
}

/// The resident agrees to the visit's time or asks for another.
pub async fn appointment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ActForm>,
) -> Result<Response, AppError> {
    as_reporter(
        &state,
        ctx,
        &code,
        &headers,
        form,
        ReporterStep::Appointment,
    )
    .await
}

/// A step only the reporter may take: signed in as them, or holding the
/// secret link (in the form or remembered by this browser).
async fn as_reporter(
    state: &AppState,
    ctx: Ctx,
    code: &str,
    headers: &HeaderMap,
    form: ActForm,
    step: ReporterStep,
) -> Result<Response, AppError> {
    let request = record::by_code(&state.db, code)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = reporter_key(&request.tracking_code, Some(&form.key), headers).unwrap_or_default();
    let access = Access::of(state, &request, ctx.viewer.as_ref(), Some(&key)).await?;
    if !access.reporter {
        return Err(if access.may_read(&request) {
            AppError::Forbidden
        } else {
            AppError::NotFound
        });
    }
    let outcome = match step {
        ReporterStep::Confirm => confirm_step(state, &request, ctx.viewer.as_ref(), &form).await,
        ReporterStep::Reply => voice_or_words(state, &request, ctx.viewer.as_ref(), &form).await,
        ReporterStep::Appointment => {
            super::appointment::resident_step(state, &request, ctx.viewer.as_ref(), &form).await
        }
    };
    match outcome {
        Ok(()) => {
            let key_opens = record::key_opens(&state.db, &request, &key).await?;
            Ok(back_to_the_request(state, &request, &key, key_opens))
        }
        Err(AppError::Conflict(k)) | Err(AppError::BadRequest(k)) => {
            page(state, ctx, request, &key, k, form, String::new(), false).await
        }
        Err(e) => Err(e),
    }
}

/// Back to the request after the reporter's step. One who came by the
/// secret link keeps it (in the address, and remembered by this browser),
/// or they would lose their own request and never see the confirm form.
fn back_to_the_request(
    state: &AppState,
    request: &RequestRow,
    key: &str,
    key_opens: bool,
) -> Response {
    let code = &request.tracking_code;
    if !key_opens {
        return Redirect::to(&format!("/r/{code}")).into_response();
    }
    let mut response = Redirect::to(&format!(
        "/r/{code}?key={}",
        crate::web::forms::url_encode(key)
    ))
    .into_response();
    let cookie = key_cookie(code, key, state.config.secure_cookies());
    if let Ok(value) = axum::http::HeaderValue::from_str(&cookie) {
        response
            .headers_mut()
            .append(axum::http::header::SET_COOKIE, value);
    }
    response
}

/// The answer as typed, or spoken: a voice message stands for the words
/// when none were typed, and goes with the step in the history.
async fn voice_or_words(
    state: &AppState,
    request: &RequestRow,
    viewer: Option<&Viewer>,
    form: &ActForm,
) -> Result<(), AppError> {
    let voice = form.voice.trim();
    if voice.is_empty() {
        return reply_step(state, request, viewer, &form.message).await;
    }
    if recordings::staged(&state.db, voice).await?.is_none() {
        return Err(AppError::BadRequest("recording-error-gone"));
    }
    let words = match form.message.trim() {
        "" => recordings::VOICE_ONLY,
        typed => typed,
    };
    reply_step(state, request, viewer, words).await?;
    recordings::attach_to_latest_step(&state.db, request.id, voice).await?;
    Ok(())
}

/// The reporter's answer to the workgroup's question.
pub async fn reply_step(
    state: &AppState,
    request: &RequestRow,
    viewer: Option<&Viewer>,
    message: &str,
) -> Result<(), AppError> {
    let answer = message.trim();
    if answer.is_empty() {
        return Err(AppError::BadRequest("act-message-required"));
    }
    if answer.chars().count() > 2000 {
        return Err(AppError::BadRequest("field-too-long"));
    }
    let change = Change {
        action: Action::Resume,
        actor: Actor::Reporter,
        public_message: answer.to_string(),
        internal_note: String::new(),
        rating: None,
    };
    store::apply(&state.db, request, viewer, change).await?;
    Ok(())
}

pub async fn confirm_step(
    state: &AppState,
    request: &RequestRow,
    viewer: Option<&Viewer>,
    form: &ActForm,
) -> Result<(), AppError> {
    let comment = form.comment.trim().to_string();
    if comment.chars().count() > 1000 {
        return Err(AppError::BadRequest("field-too-long"));
    }
    let change = match form.solved.as_str() {
        "yes" => {
            let rating = form
                .rating
                .filter(|r| valid_rating(*r))
                .ok_or(AppError::BadRequest("rate-choose"))?;
            let action = if rating_reopens(rating) {
                Action::Reopen
            } else {
                Action::Confirm
            };
            Change {
                action,
                actor: Actor::Reporter,
                public_message: String::new(),
                internal_note: comment,
                rating: Some(rating),
            }
        }
        "no" => Change {
            action: Action::Reopen,
            actor: Actor::Reporter,
            public_message: String::new(),
            internal_note: comment,
            rating: form.rating.filter(|r| valid_rating(*r)),
        },
        _ => return Err(AppError::BadRequest("rate-say-solved")),
    };
    store::apply(&state.db, request, viewer, change).await?;
    Ok(())
}
