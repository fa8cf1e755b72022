//! Legal aid in the JSON API: a person's own cases, and one case opened
//! as the page opens it (logged; only its resident, volunteers and the
//! legal team's lead). No Open311 route ever lists a case.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::store::{self, Case};
use crate::api::ErrorJson;
use crate::auth::SignedIn;
use crate::db::iso;
use crate::web::{AppError, AppState};

/// Legal aid's part of `/api/v1/openapi.json`, merged in by the entry.
#[derive(OpenApi)]
#[openapi(paths(own_cases, case), components(schemas(CaseJson)))]
pub struct LegalApi;

#[derive(Serialize, ToSchema)]
pub struct CaseJson {
    id: i64,
    /// `family`, `labour`, `housing`, `consumer`, `neighbours` or `other`.
    topic: String,
    /// `asked`, `assigned`, `closed` or `withdrawn`.
    state: String,
    description: String,
    preferred_times: String,
    /// `phone`, `email` or `desk`.
    reach: String,
    created_at: String,
    closed_at: Option<String>,
    next_appointment: Option<String>,
    outcome: String,
    rating: Option<i64>,
}

impl From<Case> for CaseJson {
    fn from(c: Case) -> CaseJson {
        CaseJson {
            id: c.id,
            topic: c.topic,
            state: c.state,
            description: c.description,
            preferred_times: c.preferred_times,
            reach: c.reach,
            created_at: iso(c.created_at),
            closed_at: c.closed_at.map(iso),
            next_appointment: c.next_appointment.map(iso),
            outcome: c.outcome,
            rating: c.rating,
        }
    }
}

/// The signed-in resident's own legal aid cases.
#[utoipa::path(get, path = "/api/v1/legal/cases", operation_id = "own_legal_cases",
    responses((status = 200, description = "Done; the answer holds the result", body = Vec<CaseJson>),
        (status = 401, description = "Sign in first (a session or a bearer token)", body = ErrorJson)))]
pub async fn own_cases(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Json<Vec<CaseJson>>, AppError> {
    let cases = store::of_resident(&state.db, viewer.id).await?;
    Ok(Json(cases.into_iter().map(CaseJson::from).collect()))
}

/// One case, for its resident, its volunteers and the legal team's lead;
/// the opening is logged. Anyone else is told there is no such case.
#[utoipa::path(get, path = "/api/v1/legal/cases/{id}", operation_id = "get_legal_case",
    params(("id" = i64, Path, description = "The case's number")),
    responses((status = 200, description = "Done; the answer holds the result", body = CaseJson),
        (status = 401, description = "Sign in first (a session or a bearer token)", body = ErrorJson),
        (status = 404, description = "No such case that you may open", body = ErrorJson)))]
pub async fn case(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Json<CaseJson>, AppError> {
    let (case, _) = super::case::open(&state, &viewer, id, "opened", "api").await?;
    Ok(Json(case.into()))
}
