//! The team's steps on a request from its page: take, assign, answer,
//! note, move it on, refer, offer a visit; read plain or with photos.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::lifecycle::{Action, Actor};
use super::model::Status;
use super::page::{Access, ActForm, page};
use super::plan::Change;
use super::record::RequestRow;
use super::{followers, photos, record, store};
use crate::auth::{SignedIn, Viewer};
use crate::web::{AppError, AppState, Ctx};

/// A handler's step: take, assign, update, note, or a lifecycle action.
pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
    input: super::field::StepInput,
) -> Result<Response, AppError> {
    let super::field::StepInput {
        form,
        photos,
        photo_problem,
    } = input;
    let request = record::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let access = Access::of(&state, &request, Some(&viewer), None).await?;
    if !access.may_read(&request) {
        return Err(AppError::NotFound);
    }
    let note_only = form.action == "note" && access.desk;
    if !access.handler && !note_only {
        return Err(AppError::Forbidden);
    }
    let stage = super::field::stage_of(&form.action);
    let refused = photo_problem
        .or_else(|| (!photos.is_empty() && stage.is_none()).then_some("act-photos-need-a-message"));
    if let Some(key) = refused {
        return page(&state, ctx, request, "", key, form, String::new(), false).await;
    }
    match handle_step(&state, &request, &viewer, &form).await {
        Ok(()) => {
            if let Some(stage) = stage.filter(|_| !photos.is_empty()) {
                photos::attach_field_photos(&state.db, request.id, stage, &photos).await?;
            }
            Ok(Redirect::to(&format!("/r/{}", request.tracking_code)).into_response())
        }
        Err(AppError::Conflict(key)) | Err(AppError::BadRequest(key)) => {
            page(&state, ctx, request, "", key, form, String::new(), false).await
        }
        Err(e) => Err(e),
    }
}

/// The action the handling panel asked for, checked and applied.
pub async fn handle_step(
    state: &AppState,
    request: &RequestRow,
    viewer: &Viewer,
    form: &ActForm,
) -> Result<(), AppError> {
    let message = form.message.trim();
    let too_long = message.chars().count() > 2000
        || form.note.trim().chars().count() > 2000
        || form.reason.trim().chars().count() > 500
        || form.to.trim().chars().count() > 200;
    if too_long {
        return Err(AppError::BadRequest("field-too-long"));
    }
    if matches!(
        form.action.as_str(),
        "assign" | "reject" | "refer" | "duplicate"
    ) && !followers::is_lead(&state.db, request, viewer).await?
    {
        return Err(AppError::Conflict("act-leads-only"));
    }
    let staff = |action: Action| Change {
        action,
        actor: Actor::Staff,
        public_message: message.to_string(),
        internal_note: form.note.trim().to_string(),
        rating: None,
    };
    let change = match form.action.as_str() {
        "take" => return Ok(store::assign(&state.db, request, viewer, viewer.id).await?),
        "appoint" => return super::appointment::staff_step(state, request, viewer, form).await,
        "assign" => {
            let assignee = form
                .assignee
                .ok_or(AppError::BadRequest("assign-choose-member"))?;
            return Ok(store::assign(&state.db, request, viewer, assignee).await?);
        }
        "update" | "note" => {
            let internal = form.action == "note";
            let text = if internal { form.note.trim() } else { message };
            if text.is_empty() {
                return Err(AppError::BadRequest("act-message-required"));
            }
            if text.chars().count() > 2000 {
                return Err(AppError::BadRequest("field-too-long"));
            }
            return Ok(store::post_update(&state.db, request, viewer, text, internal).await?);
        }
        "respond" | "ask" | "resolve" if message.is_empty() => {
            return Err(AppError::BadRequest("act-message-required"));
        }
        "respond" => staff(Action::Respond),
        "start" => staff(Action::Start),
        "ask" => staff(Action::AskResident),
        "resume" => staff(Action::Resume),
        "resolve" => staff(Action::Resolve),
        "reopen" => staff(Action::Reopen),
        "reject" => staff(Action::Reject {
            reason: form.reason.clone(),
        }),
        "refer" => return crate::referrals::refer_step(state, request, viewer, form).await,
        "referral_answered" if message.is_empty() => {
            return Err(AppError::BadRequest("act-message-required"));
        }
        "referral_answered" => staff(Action::ReferralAnswered),
        "duplicate" => {
            let found = record::by_code(&state.db, &form.of).await?.filter(|t| {
                t.community_id == request.community_id && t.status() != Status::Duplicate
            });
            // Only into a request the lead may read: another team's private
            // request or a legal question answers as if it did not exist,
            // and gets no "merged" entry from someone who cannot see it.
            let target = match found {
                Some(t)
                    if Access::of(state, &t, Some(viewer), None)
                        .await?
                        .may_read(&t) =>
                {
                    t
                }
                _ => return Err(AppError::BadRequest("act-duplicate-unknown")),
            };
            // Merging into a finished request hides this one's news in it:
            // the lead says so knowingly.
            if !target.status().is_open() && form.even_if_closed.is_empty() {
                return Err(AppError::Conflict("act-duplicate-closed"));
            }
            staff(Action::MarkDuplicate {
                of: target.id,
                this: request.id,
            })
        }
        _ => return Err(AppError::BadRequest("error-bad-input")),
    };
    store::apply(&state.db, request, Some(viewer), change).await?;
    Ok(())
}
