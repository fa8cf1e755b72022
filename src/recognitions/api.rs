//! Recognitions in the JSON API: the approved good deeds.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::store;
use crate::db::iso;
use crate::web::{AppError, AppState, Ctx};

/// The recognitions' part of `/api/v1/openapi.json`, merged in by the entry.
#[derive(OpenApi)]
#[openapi(paths(list), components(schemas(RecognitionJson)))]
pub struct RecognitionsApi;

#[derive(Serialize, ToSchema)]
pub struct RecognitionJson {
    id: i64,
    /// `deed`, or `red_armband` for the volunteers' monthly commendation.
    kind: String,
    person: String,
    what: String,
    /// The day of the deed, YYYY-MM-DD.
    happened_on: String,
    approved_at: Option<String>,
    photo_url: Option<String>,
}

/// Approved good deeds, the latest first.
#[utoipa::path(get, path = "/api/v1/recognitions", operation_id = "list_recognitions", security(()),
    responses((status = 200, description = "Done; the answer holds the result", body = Vec<RecognitionJson>)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<RecognitionJson>>, AppError> {
    let list = store::approved(&state.db, ctx.community.id, 100).await?;
    Ok(Json(
        list.into_iter()
            .map(|r| RecognitionJson {
                photo_url: r.photo_id.map(|p| format!("/recognitions/photos/{p}")),
                id: r.id,
                kind: r.kind,
                person: r.person_name,
                what: r.what,
                happened_on: r.happened_on,
                approved_at: r.decided_at.map(iso),
            })
            .collect(),
    ))
}
