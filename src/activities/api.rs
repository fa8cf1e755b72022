//! Activities in the JSON API: what is coming, and signing up.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::store;
use crate::api::ErrorJson;
use crate::auth::{MaybeViewer, SignedIn};
use crate::db::{iso, now};
use crate::web::{AppError, AppState, Community};

/// The activities' part of `/api/v1/openapi.json`, merged in by the entry.
#[derive(OpenApi)]
#[openapi(
    paths(list, sign_up),
    components(schemas(ActivityJson, OccurrenceJson, NewSignupJson, SignupJson))
)]
pub struct ActivitiesApi;

#[derive(Serialize, ToSchema)]
pub struct OccurrenceJson {
    /// Sign up for this occurrence with this id.
    occurrence_id: i64,
    /// RFC 3339 in UTC.
    starts_at: String,
    ends_at: String,
    capacity: i64,
    going: i64,
    /// People on the waiting list.
    waiting: i64,
    /// Set when the occurrence is cancelled, with the reason.
    cancelled: bool,
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityJson {
    id: i64,
    title_zh: String,
    title_en: String,
    /// The organising workgroup's code.
    workgroup: String,
    place_zh: String,
    place_en: String,
    teacher: String,
    description: String,
    /// The RFC 5545 RRULE the series follows (empty: once).
    rrule: String,
    /// Its occurrences in the coming two weeks.
    occurrences: Vec<OccurrenceJson>,
}

/// The community's activities with their occurrences in the coming two
/// weeks.
#[utoipa::path(get, path = "/api/v1/activities", operation_id = "list_activities", security(()),
    responses((status = 200, description = "Done; the answer holds the result", body = Vec<ActivityJson>)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: MaybeViewer,
) -> Result<Json<Vec<ActivityJson>>, AppError> {
    let community = match &viewer.0 {
        Some(v) => Community::by_id(&state.db, v.community_id).await?,
        None => Community::default_one(&state.db).await?,
    };
    let at = now();
    let activities = store::activities(&state.db, community.id, None).await?;
    let coming = store::occurrences(
        &state.db,
        community.id,
        None,
        at - 3600,
        at + 14 * 86_400,
        1000,
    )
    .await?;
    Ok(Json(
        activities
            .into_iter()
            .map(|a| ActivityJson {
                occurrences: coming
                    .iter()
                    .filter(|o| o.activity_id == a.id)
                    .map(|o| OccurrenceJson {
                        occurrence_id: o.id,
                        starts_at: iso(o.starts_at),
                        ends_at: iso(o.ends_at),
                        capacity: o.capacity,
                        going: o.going,
                        waiting: o.waiting,
                        cancelled: o.cancelled_at.is_some(),
                        reason: o.reason.clone(),
                    })
                    .collect(),
                id: a.id,
                title_zh: a.title_zh,
                title_en: a.title_en,
                workgroup: a.workgroup_code,
                place_zh: a.place_zh,
                place_en: a.place_en,
                teacher: a.teacher,
                description: a.description,
                rrule: a.rrule,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewSignupJson {
    /// The occurrence to join; leave it out and set `series` to join every
    /// occurrence still open, and the later ones.
    #[serde(default)]
    occurrence_id: Option<i64>,
    #[serde(default)]
    series: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SignupJson {
    /// `going`, or `waiting` when the occurrence is full (the place comes
    /// by itself when someone cancels, with a notification). For a series:
    /// `going`.
    state: String,
    /// For a series: how many occurrences were joined now.
    occurrences: usize,
}

/// Signs the person up for an occurrence of the activity, or the series.
#[utoipa::path(post, path = "/api/v1/activities/{id}/signups", operation_id = "sign_up_for_activity", request_body = NewSignupJson,
    params(("id" = i64, Path, description = "The activity's id")),
    responses((status = 201, description = "Signed up", body = SignupJson),
        (status = 401, description = "Sign in first (a session or a bearer token)", body = ErrorJson),
        (status = 404, description = "No such activity or occurrence", body = ErrorJson),
        (status = 409, description = "Already signed up, sign-ups closed, or cancelled", body = ErrorJson),
        (status = 422, description = "Neither an occurrence nor the series was named", body = ErrorJson)))]
pub async fn sign_up(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Json(body): Json<NewSignupJson>,
) -> Result<Response, AppError> {
    let activity = store::activity(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let answer = match (body.occurrence_id, body.series) {
        (Some(occurrence), _) => {
            let o = super::pages::occurrence_of(&state, &viewer, occurrence).await?;
            if o.activity_id != activity.id {
                return Err(AppError::NotFound);
            }
            let state_got = super::pages::sign_up_self(&state, &viewer, &o).await?;
            SignupJson {
                state: state_got.into(),
                occurrences: 1,
            }
        }
        (None, true) => {
            let joined = super::join_series(&state.db, &activity, viewer.id).await?;
            SignupJson {
                state: "going".into(),
                occurrences: joined,
            }
        }
        (None, false) => return Err(AppError::BadRequest("signup-which")),
    };
    Ok((StatusCode::CREATED, Json(answer)).into_response())
}
