//! The volunteer's own pages: `/volunteers` (their teams' shifts, their
//! sign-ups, swaps offered to them, their tasks, a lead's approvals), the
//! profile, answering a swap, and the administrator choosing which
//! workgroups keep a roster.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::roster::{self, Shift};
use super::rules;
use super::store::{self, Profile, Team, Workgroup};
use super::swaps::{self, Swap};
use super::tasks::{self, Task};
use crate::auth::{Role, SignedIn};
use crate::db::now;
use crate::web::{AppError, AppState, Ctx, render};

const DAY: i64 = 86_400;

/// What a redirect may ask the page to say.
const SAID: [&str; 6] = [
    "duty-said-signed-up",
    "duty-said-asked",
    "duty-said-done",
    "duty-said-saved",
    "duty-said-made",
    "duty-said-swap-asked",
];

pub(super) fn said(typed: &str) -> &'static str {
    SAID.into_iter().find(|k| *k == typed).unwrap_or("")
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SaidQuery {
    pub(super) said: String,
}

#[derive(Template)]
#[template(path = "volunteers.html")]
struct HomePage {
    ctx: Ctx,
    teams: Vec<Team>,
    shifts: Vec<Shift>,
    swaps: Vec<Swap>,
    tasks: Vec<Task>,
    approvals: Vec<(i64, i64, String, String, i64)>,
    profile: Profile,
    recognised: Vec<String>,
    said: &'static str,
    me: i64,
}

impl HomePage {
    fn leads_any(&self) -> bool {
        self.teams.iter().any(|t| t.is_lead)
    }

    fn mine(&self) -> Vec<&Shift> {
        self.shifts
            .iter()
            .filter(|s| s.my_state.is_some())
            .collect()
    }
}

pub async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Query(q): Query<SaidQuery>,
) -> Result<Response, AppError> {
    let at = now();
    let db = &state.db;
    // The month's commended volunteers, when the community recognises them.
    let recognised = crate::recognitions::store::approved(db, viewer.community_id, 20)
        .await?
        .into_iter()
        .filter(|r| r.kind == "red_armband" && r.decided_at.is_some_and(|d| d > at - 31 * DAY))
        .map(|r| r.person_name)
        .collect();
    render(&HomePage {
        teams: store::teams_of(db, viewer.id).await?,
        shifts: roster::shifts_of_teams(db, viewer.id, at, at + 14 * DAY).await?,
        swaps: swaps::open_swaps(db, viewer.id).await?,
        tasks: tasks::tasks_of(db, viewer.id).await?,
        approvals: roster::waiting_approval(db, viewer.id).await?,
        profile: store::profile(db, viewer.id).await?,
        recognised,
        said: said(&q.said),
        me: viewer.id,
        ctx,
    })
}

pub async fn save_profile(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Form(form): Form<Profile>,
) -> Result<Response, AppError> {
    let form = Profile {
        skills: form.skills.chars().take(500).collect(),
        languages: form.languages.chars().take(200).collect(),
        available: form.available.chars().take(500).collect(),
    };
    store::save_profile(&state.db, viewer.id, &form).await?;
    Ok(Redirect::to("/volunteers?said=duty-said-saved").into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SwapAnswer {
    accept: String,
}

/// The member a swap was offered to accepts or declines it.
pub async fn answer_swap(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<SwapAnswer>,
) -> Result<Response, AppError> {
    let swap = swaps::swap(&state.db, id)
        .await?
        .filter(|s| s.to_account == viewer.id)
        .ok_or(AppError::NotFound)?;
    let accept = form.accept == "1";
    if accept {
        let busy = roster::busy(&state.db, viewer.id, now()).await?;
        if let Err(key) = rules::may_take((swap.starts_at, swap.ends_at), &busy) {
            return Err(AppError::Conflict(key));
        }
    }
    if !swaps::answer_swap(&state.db, &swap, accept).await? {
        return Err(AppError::Conflict("duty-error-changed"));
    }
    Ok(Redirect::to("/volunteers?said=duty-said-saved").into_response())
}

#[derive(Template)]
#[template(path = "volunteers_teams.html")]
struct TeamsPage {
    ctx: Ctx,
    workgroups: Vec<Workgroup>,
}

pub async fn teams(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    let workgroups = store::workgroups(&state.db, viewer.community_id).await?;
    render(&TeamsPage { ctx, workgroups })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct TeamForm {
    workgroup: i64,
    needs_approval: String,
}

/// The administrator makes a workgroup keep a roster.
pub async fn save_team(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Form(form): Form<TeamForm>,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    store::set_team(
        &state.db,
        viewer.community_id,
        form.workgroup,
        form.needs_approval == "1",
    )
    .await?;
    Ok(Redirect::to("/volunteers/teams").into_response())
}
