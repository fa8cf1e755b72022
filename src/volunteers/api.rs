//! Volunteers in the JSON API: the signed-in volunteer's shifts ahead
//! (their teams', with their own place on each) and the tasks handed to
//! them. Other people's phone numbers are never in these answers.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::roster::{self, Shift};
use super::tasks::{self, Task};
use crate::api::ErrorJson;
use crate::auth::SignedIn;
use crate::db::{iso, now};
use crate::web::{AppError, AppState};

/// The volunteers' part of `/api/v1/openapi.json`, merged in by the entry.
#[derive(OpenApi)]
#[openapi(paths(shifts, tasks), components(schemas(ShiftJson, TaskJson)))]
pub struct VolunteersApi;

#[derive(Serialize, ToSchema)]
pub struct ShiftJson {
    id: i64,
    team: String,
    title: String,
    place: String,
    route: String,
    starts_at: String,
    ends_at: String,
    places: i64,
    taken: i64,
    /// `asked` (waiting for the lead), `on`, or none when not signed up.
    mine: Option<String>,
}

impl From<Shift> for ShiftJson {
    fn from(s: Shift) -> ShiftJson {
        ShiftJson {
            id: s.id,
            team: s.team_zh,
            title: s.title,
            place: s.place,
            route: s.route,
            starts_at: iso(s.starts_at),
            ends_at: iso(s.ends_at),
            places: s.places,
            taken: s.taken,
            mine: s.my_state,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TaskJson {
    id: i64,
    /// The request's tracking code; its page is `/r/{code}`.
    request: String,
    description: String,
    handed_at: String,
    done_at: Option<String>,
    note: String,
}

impl From<Task> for TaskJson {
    fn from(t: Task) -> TaskJson {
        TaskJson {
            id: t.id,
            request: t.tracking_code,
            description: t.description,
            handed_at: iso(t.handed_at),
            done_at: t.done_at.map(iso),
            note: t.note,
        }
    }
}

/// The shifts of the signed-in person's teams in the next two weeks.
#[utoipa::path(get, path = "/api/v1/volunteers/shifts", operation_id = "own_shifts",
    responses((status = 200, description = "Done; the answer holds the result", body = Vec<ShiftJson>),
        (status = 401, description = "Sign in first (a session or a bearer token)", body = ErrorJson)))]
pub async fn shifts(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Json<Vec<ShiftJson>>, AppError> {
    let at = now();
    let shifts = roster::shifts_of_teams(&state.db, viewer.id, at, at + 14 * 86_400).await?;
    Ok(Json(shifts.into_iter().map(ShiftJson::from).collect()))
}

/// The requests handed to the signed-in volunteer: open ones first, then
/// the last month's done.
#[utoipa::path(get, path = "/api/v1/volunteers/tasks", operation_id = "own_tasks",
    responses((status = 200, description = "Done; the answer holds the result", body = Vec<TaskJson>),
        (status = 401, description = "Sign in first (a session or a bearer token)", body = ErrorJson)))]
pub async fn tasks(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Json<Vec<TaskJson>>, AppError> {
    let tasks = tasks::tasks_of(&state.db, viewer.id).await?;
    Ok(Json(tasks.into_iter().map(TaskJson::from).collect()))
}
