//! Polls in the JSON API: the list with results where they may be shown,
//! and voting.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::pages::{vote_as, voter_of};
use super::store;
use crate::api::ErrorJson;
use crate::auth::SignedIn;
use crate::db::{iso, now};
use crate::web::{AppError, AppState, Ctx};

/// The polls' part of `/api/v1/openapi.json`, merged in by the entry.
#[derive(OpenApi)]
#[openapi(
    paths(list, vote),
    components(schemas(PollJson, QuestionJson, ChoiceJson, BallotJson, VotedJson))
)]
pub struct PollsApi;

#[derive(Serialize, ToSchema)]
pub struct PollJson {
    id: i64,
    title_zh: String,
    title_en: String,
    body_zh: String,
    body_en: String,
    /// `household` (one vote a household, the latest counts) or `resident`.
    per: String,
    /// Results shown while the poll is open.
    live_results: bool,
    opens_at: String,
    closes_at: String,
    /// `not-yet`, `open` or `closed`.
    stage: String,
    /// Ballots counted, when results may be shown.
    ballots: Option<i64>,
    questions: Vec<QuestionJson>,
}

#[derive(Serialize, ToSchema)]
pub struct QuestionJson {
    id: i64,
    text_zh: String,
    text_en: String,
    /// Several choices may be marked.
    multiple: bool,
    choices: Vec<ChoiceJson>,
}

#[derive(Serialize, ToSchema)]
pub struct ChoiceJson {
    id: i64,
    text_zh: String,
    text_en: String,
    /// Ballots marking it, when results may be shown (never who).
    votes: Option<i64>,
}

/// The community's polls, open ones first.
#[utoipa::path(get, path = "/api/v1/polls", operation_id = "list_polls", security(()),
    responses((status = 200, description = "Done; the answer holds the result", body = Vec<PollJson>)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<PollJson>>, AppError> {
    let at = now();
    let mut out = Vec::new();
    for poll in store::list(&state.db, ctx.community.id, 50).await? {
        let shown = poll.results_shown(at);
        let choices = store::choices(&state.db, poll.id, shown).await?;
        let questions = store::questions(&state.db, poll.id)
            .await?
            .into_iter()
            .map(|q| QuestionJson {
                choices: choices
                    .iter()
                    .filter(|c| c.question_id == q.id)
                    .map(|c| ChoiceJson {
                        id: c.id,
                        text_zh: c.text_zh.clone(),
                        text_en: c.text_en.clone(),
                        votes: shown.then_some(c.votes),
                    })
                    .collect(),
                id: q.id,
                text_zh: q.text_zh,
                text_en: q.text_en,
                multiple: q.multiple,
            })
            .collect();
        out.push(PollJson {
            id: poll.id,
            stage: poll.stage(at).as_str().to_string(),
            ballots: shown.then_some(poll.ballots),
            opens_at: iso(poll.opens_at),
            closes_at: iso(poll.closes_at),
            title_zh: poll.title_zh,
            title_en: poll.title_en,
            body_zh: poll.body_zh,
            body_en: poll.body_en,
            per: poll.per,
            live_results: poll.live_results,
            questions,
        });
    }
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema)]
#[serde(default)]
#[derive(Default)]
pub struct BallotJson {
    /// The ids of the choices marked: one for each question (several
    /// where the question allows).
    choices: Vec<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct VotedJson {
    /// The ballot took the place of an earlier one (yours, or another
    /// member's of your household).
    replaced: bool,
}

/// Votes, or changes one's vote, until the poll closes. In a household
/// poll the household's latest ballot counts, whoever cast it.
#[utoipa::path(post, path = "/api/v1/polls/{id}/votes", operation_id = "vote_in_poll", request_body = BallotJson,
    params(("id" = i64, Path, description = "The poll's number")),
    responses((status = 201, description = "Counted", body = VotedJson),
        (status = 401, description = "Sign in first (a session or a bearer token)", body = ErrorJson),
        (status = 404, description = "No such poll", body = ErrorJson),
        (status = 409, description = "The poll is closed, or not open yet", body = ErrorJson),
        (status = 422, description = "A choice not in the poll, a question unanswered, several choices where one is allowed, or a household vote without a household", body = ErrorJson)))]
pub async fn vote(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Json(body): Json<BallotJson>,
) -> Result<Response, AppError> {
    let poll = store::get(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (voter, building_id) = voter_of(&state, &poll, &viewer)
        .await?
        .map_err(AppError::BadRequest)?;
    // Each choice belongs to one question: group them as the form does.
    let offered = store::offered(&state.db, poll.id).await?;
    let mut marks = std::collections::BTreeMap::<i64, Vec<i64>>::new();
    for c in &body.choices {
        let question = offered
            .iter()
            .find(|o| o.choice_id == *c)
            .map(|o| o.question_id)
            .ok_or(AppError::BadRequest("poll-choice-unknown"))?;
        marks.entry(question).or_default().push(*c);
    }
    let ballot = store::Ballot {
        voter: &voter,
        building_id,
        cast_by: Some(viewer.id),
        paper: false,
        choices: &[],
    };
    match vote_as(&state, &poll, &offered, ballot, &marks).await? {
        Ok(replaced) => Ok((StatusCode::CREATED, Json(VotedJson { replaced })).into_response()),
        Err(key @ ("poll-closed" | "poll-not-open")) => Err(AppError::Conflict(key)),
        Err(key) => Err(AppError::BadRequest(key)),
    }
}
