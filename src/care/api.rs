//! Care in the JSON API, for carers: the plans they care for (each listing
//! is an opening, logged) and recording a visit or a call. A resident's
//! record is never in any other answer of the API or of Open311.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::access_log;
use super::rules::CheckIn;
use super::store::{self, Plan};
use crate::api::ErrorJson;
use crate::auth::SignedIn;
use crate::db::{iso, now};
use crate::web::{AppError, AppState};

/// Care's part of `/api/v1/openapi.json`, merged in by the entry.
#[derive(OpenApi)]
#[openapi(paths(plans, check_in), components(schemas(CarePlanJson, CheckInJson)))]
pub struct CareApi;

#[derive(Serialize, ToSchema)]
pub struct CarePlanJson {
    id: i64,
    resident: String,
    flat: Option<String>,
    /// `high`, `key` or `other`.
    level: String,
    every_days: i64,
    next_contact_due: String,
    last_contact: Option<String>,
    /// When an alert for a missed contact was raised, if one is open.
    alert_since: Option<String>,
}

impl From<Plan> for CarePlanJson {
    fn from(p: Plan) -> CarePlanJson {
        CarePlanJson {
            id: p.id,
            resident: p.name,
            flat: p.flat,
            level: p.level,
            every_days: p.every_days,
            next_contact_due: iso(p.due_at),
            last_contact: p.last_contact_at.map(iso),
            alert_since: p.alert_at.map(iso),
        }
    }
}

/// The open plans the signed-in person is the carer or backup of.
#[utoipa::path(get, path = "/api/v1/care/plans", operation_id = "own_care_plans",
    responses((status = 200, description = "Done; the answer holds the result", body = Vec<CarePlanJson>),
        (status = 401, description = "Sign in first (a session or a bearer token)", body = ErrorJson)))]
pub async fn plans(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Json<Vec<CarePlanJson>>, AppError> {
    let plans = store::plans_of_carer(&state.db, viewer.id).await?;
    for p in &plans {
        access_log::log(
            &state.db,
            viewer.community_id,
            p.id,
            viewer.id,
            "opened",
            "api",
        )
        .await?;
    }
    Ok(Json(plans.into_iter().map(CarePlanJson::from).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct CheckInJson {
    plan: i64,
    /// `visited` or `called`.
    kind: String,
    #[serde(default)]
    note: String,
}

/// A carer records a visit or a call; an open alert closes.
#[utoipa::path(post, path = "/api/v1/care/checkins", operation_id = "record_care_checkin",
    request_body = CheckInJson,
    responses((status = 201, description = "Recorded"),
        (status = 401, description = "Sign in first (a session or a bearer token)", body = ErrorJson),
        (status = 404, description = "No such plan that you may open", body = ErrorJson),
        (status = 409, description = "The plan is closed", body = ErrorJson),
        (status = 422, description = "The kind is not a visit or a call", body = ErrorJson)))]
pub async fn check_in(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Json(body): Json<CheckInJson>,
) -> Result<StatusCode, AppError> {
    let (plan, seat) = super::plans::open(&state, &viewer, body.plan, "api").await?;
    if !seat.records_contact() {
        return Err(AppError::Forbidden);
    }
    let kind = CheckIn::parse(&body.kind)
        .filter(|k| k.by_carer())
        .ok_or(AppError::BadRequest("care-error-contact-kind"))?;
    let note: String = body.note.trim().chars().take(2000).collect();
    store::check_in(&state.db, &plan, kind, Some(viewer.id), "api", &note, now()).await?;
    Ok(StatusCode::CREATED)
}
