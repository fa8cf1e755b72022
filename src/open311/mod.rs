//! Open311 GeoReport v2 under `/open311/v2/`, in JSON and XML, with the
//! discovery document, API keys, and the service-request-updates extension.

mod format;
pub mod keys;
pub mod params;
mod requests;
mod services;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde_json::json;

pub use format::{Format, Open311Error, error_response, format_of_path, split_format, to_xml};
use params::Params;

use crate::community::Community;
use crate::db::Db;
use crate::web::{AppState, base_url};

pub const ROOT: &str = "/open311/v2";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open311/{file}", get(discovery))
        .route("/open311/v2/{file}", get(list_get).post(requests::create))
        .route("/open311/v2/services/{file}", get(services::definition))
        .route("/open311/v2/requests/{file}", get(requests::one))
        .route("/open311/v2/tokens/{file}", get(requests::token))
}

/// Errors the way the spec shows them, in English, in the format the path
/// asked for.
pub fn error_shape(report: &crate::web::ErrorReport<'_>) -> Response {
    let error = Open311Error {
        status: report.status,
        description: crate::i18n::Lang::En.t(report.key),
    };
    error_response(format_of_path(report.path), &error)
}

type Answer = Result<Response, (Format, Open311Error)>;

/// Turns a handler's outcome into the answer, errors in the spec's shape.
fn answer(outcome: Answer) -> Response {
    match outcome {
        Ok(response) => response,
        Err((format, error)) => error_response(format, &error),
    }
}

/// `/open311/v2/{services,requests,servicerequestupdates,discovery}.{format}`.
async fn list_get(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
    raw: axum::extract::RawQuery,
) -> Response {
    let params = Params::parse(raw.0.unwrap_or_default().as_bytes());
    answer(
        async {
            let (name, format) =
                format::split_format(&file).map_err(|e| (format_of_path(&file), e))?;
            match name {
                "services" => services::list(&state, &headers, &params, format).await,
                "requests" => requests::list(&state, &headers, &params, format).await,
                "servicerequestupdates" => {
                    requests::updates(&state, &headers, &params, format).await
                }
                "discovery" => Ok(discovery_document(&state, &headers, format)),
                _ => Err((
                    format,
                    Open311Error::not_found(format!("no such list: {name}")),
                )),
            }
        }
        .await,
    )
}

async fn discovery(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    match format::split_format(&file) {
        Ok(("discovery", format)) => discovery_document(&state, &headers, format),
        Ok((_, format)) => error_response(
            format,
            &Open311Error::not_found("see /open311/discovery.json"),
        ),
        Err(e) => error_response(format_of_path(&file), &e),
    }
}

fn discovery_document(state: &AppState, headers: &HeaderMap, format: Format) -> Response {
    let base = base_url(state, headers);
    let changeset = "2026-11-27T00:00:00Z";
    let value = json!({
        "changeset": changeset,
        "contact": "The estate office (reception desk)",
        "key_service": "API keys are issued by the estate's administrator: Run the estate → API keys, or `grassroots admin api-key create --name NAME`.",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": format!("{base}{ROOT}"),
            "changeset": changeset,
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    });
    format::respond(format, StatusCode::OK, "discovery", "discovery", &value)
}

/// The community a call speaks to: its `jurisdiction_id` (the community's
/// code), required only when the server runs several.
async fn jurisdiction(
    db: &Db,
    params: &Params,
    format: Format,
) -> Result<Community, (Format, Open311Error)> {
    let fail = |e: Open311Error| (format, e);
    match params.get("jurisdiction_id") {
        Some(code) => Community::by_code(db, code)
            .await
            .map_err(|e| fail(e.into()))?
            .ok_or_else(|| fail(Open311Error::bad(format!("unknown jurisdiction_id {code}")))),
        None => {
            let count = Community::count(db).await.map_err(|e| fail(e.into()))?;
            if count > 1 {
                return Err(fail(Open311Error::bad(
                    "jurisdiction_id is required: this server runs several communities",
                )));
            }
            Community::default_one(db).await.map_err(|e| fail(e.into()))
        }
    }
}
