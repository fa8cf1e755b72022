//! Ideas in the JSON API: the list, posting one, supporting one.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::pages::{IdeaForm, find, post_idea};
use super::store::{self, Idea, Listing, Supported};
use crate::api::ErrorJson;
use crate::auth::SignedIn;
use crate::db::iso;
use crate::web::{AppError, AppState, Ctx};

/// The ideas' part of `/api/v1/openapi.json`, merged in by the entry.
#[derive(OpenApi)]
#[openapi(
    paths(list, create, one, support, withdraw),
    components(schemas(IdeaJson, IdeaAnswerJson, NewIdeaJson, SupportJson))
)]
pub struct IdeasApi;

#[derive(Serialize, ToSchema)]
pub struct IdeaJson {
    id: i64,
    title: String,
    body: String,
    /// The place's names, when the idea is about one.
    place_zh: Option<String>,
    place_en: Option<String>,
    /// `open`, `under_study`, `planned`, `done` or `declined`.
    state: String,
    /// For a planned idea: the day it is planned for (YYYY-MM-DD).
    planned_for: Option<String>,
    supports: i64,
    /// When the idea reached the branch's agenda (RFC 3339), if it has.
    on_agenda_since: Option<String>,
    /// Supports needed to reach the agenda, if the community sets a threshold.
    threshold: Option<i64>,
    created_at: String,
    /// The workgroup's public answers, oldest first (in the single idea only).
    answers: Vec<IdeaAnswerJson>,
    url: String,
}

#[derive(Serialize, ToSchema)]
pub struct IdeaAnswerJson {
    /// `under_study`, `planned`, `done` or `declined`.
    state: String,
    body: String,
    planned_for: Option<String>,
    at: String,
}

fn to_json(idea: Idea, threshold: Option<i64>, answers: Vec<IdeaAnswerJson>) -> IdeaJson {
    IdeaJson {
        url: format!("/ideas/{}", idea.id),
        id: idea.id,
        title: idea.title,
        body: idea.body,
        place_zh: idea.place_zh,
        place_en: idea.place_en,
        planned_for: (!idea.planned_for.is_empty()).then_some(idea.planned_for),
        state: idea.state,
        supports: idea.supports,
        on_agenda_since: idea.agenda_at.map(iso),
        threshold,
        created_at: iso(idea.created_at),
        answers,
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `newest` (the default), `supported`, `agenda` or `answered`.
    view: String,
}

/// The community's ideas (those shown; held and hidden ones never are).
#[utoipa::path(get, path = "/api/v1/ideas", operation_id = "list_ideas", security(()), params(ListParams),
    responses((status = 200, description = "Done; the answer holds the result", body = Vec<IdeaJson>)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListParams>,
) -> Result<Json<Vec<IdeaJson>>, AppError> {
    let community_id = ctx.community.id;
    let ideas = store::list(&state.db, community_id, Listing::parse(&q.view), 200).await?;
    let threshold = store::threshold(&state.db, community_id).await?;
    Ok(Json(
        ideas
            .into_iter()
            .map(|i| to_json(i, threshold, Vec::new()))
            .collect(),
    ))
}

/// One idea, with its answers.
#[utoipa::path(get, path = "/api/v1/ideas/{id}", operation_id = "get_idea", security(()),
    params(("id" = i64, Path, description = "The idea's number")),
    responses((status = 200, description = "Done; the answer holds the result", body = IdeaJson),
        (status = 404, description = "No such idea", body = ErrorJson)))]
pub async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<IdeaJson>, AppError> {
    let idea = find(&state, &ctx, id).await?;
    let answers = super::answers::answers(&state.db, id)
        .await?
        .into_iter()
        .map(|a| IdeaAnswerJson {
            planned_for: (!a.planned_for.is_empty()).then_some(a.planned_for),
            state: a.state,
            body: a.body,
            at: iso(a.created_at),
        })
        .collect();
    let threshold = store::threshold(&state.db, idea.community_id).await?;
    Ok(Json(to_json(idea, threshold, answers)))
}

#[derive(Deserialize, ToSchema)]
pub struct NewIdeaJson {
    /// Up to 80 characters.
    title: String,
    /// Up to 2000 characters.
    body: String,
    /// A common place's or a building's code (optional).
    #[serde(default)]
    place: String,
}

/// Posts an idea. One with a word the administrator holds waits for a
/// moderator and is not listed until one shows it.
#[utoipa::path(post, path = "/api/v1/ideas", operation_id = "post_idea", request_body = NewIdeaJson,
    responses((status = 201, description = "Posted", body = IdeaJson),
        (status = 401, description = "Sign in first (a session or a bearer token)", body = ErrorJson),
        (status = 422, description = "A field is empty, too long, or names no place; the message says which", body = ErrorJson)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Json(body): Json<NewIdeaJson>,
) -> Result<Response, AppError> {
    let form = IdeaForm {
        title: body.title,
        body: body.body,
        place: body.place,
    };
    match post_idea(&state, &viewer, &form, &[]).await? {
        Ok((id, _)) => {
            let idea = store::get(&state.db, ctx.community.id, id)
                .await?
                .ok_or(AppError::NotFound)?;
            let threshold = store::threshold(&state.db, idea.community_id).await?;
            Ok((
                StatusCode::CREATED,
                Json(to_json(idea, threshold, Vec::new())),
            )
                .into_response())
        }
        Err(errors) => {
            let key = errors
                .iter()
                .next()
                .map(|(_, k)| *k)
                .unwrap_or("error-bad-input");
            Err(AppError::BadRequest(key))
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SupportJson {
    supports: i64,
    /// Whether the idea is on the branch's agenda now.
    on_agenda: bool,
}

/// Supports an idea (once per person).
#[utoipa::path(post, path = "/api/v1/ideas/{id}/support", operation_id = "support_idea",
    params(("id" = i64, Path, description = "The idea's number")),
    responses((status = 200, description = "Counted", body = SupportJson),
        (status = 401, description = "Sign in first (a session or a bearer token)", body = ErrorJson),
        (status = 404, description = "No such idea", body = ErrorJson),
        (status = 409, description = "You support it already", body = ErrorJson)))]
pub async fn support(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Json<SupportJson>, AppError> {
    let idea = find(&state, &ctx, id).await?;
    if idea.moderation != "shown" {
        return Err(AppError::Conflict("idea-not-shown"));
    }
    let threshold = store::threshold(&state.db, idea.community_id).await?;
    match store::support(&state.db, &idea, viewer.id, threshold).await? {
        Supported::Counted { supports, agenda } => Ok(Json(SupportJson {
            supports,
            on_agenda: agenda || idea.agenda_at.is_some(),
        })),
        Supported::Already => Err(AppError::Conflict("idea-said-already")),
    }
}

/// Takes one's support back (done as well when there was none).
#[utoipa::path(delete, path = "/api/v1/ideas/{id}/support", operation_id = "withdraw_idea_support",
    params(("id" = i64, Path, description = "The idea's number")),
    responses((status = 204, description = "Taken back"),
        (status = 401, description = "Sign in first (a session or a bearer token)", body = ErrorJson),
        (status = 404, description = "No such idea", body = ErrorJson)))]
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let idea = find(&state, &ctx, id).await?;
    store::withdraw_support(&state.db, idea.id, viewer.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
