//! The web kit: application state, the layers every answer passes through,
//! errors, page context and form helpers. It names no capability: the entry
//! (`src/app.rs`) merges each capability's routes and hands the kit what it
//! needs from them (the page header's unread count, each door's error
//! format, shared values such as a cache).

pub mod address;
pub mod chart;
pub mod community;
mod error;
pub mod forms;
pub mod idle;
mod layers;
pub mod limits;
pub mod metrics;
pub mod once;
pub mod page;

use std::any::Any;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{Extensions, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub use community::Community;
pub use error::{AppError, ErrorInfo};
pub use layers::{Doors, ErrorReport, ErrorShape, finish};
pub use page::{Ctx, Header, render, render_form};

use crate::db::Db;

/// Request bodies above this are refused (four photos and the text).
pub const MAX_BODY_BYTES: usize = 40 * 1024 * 1024;

/// What every handler is given. One pointer: every layer and every
/// request takes a copy, and copying the parts one by one (a counted
/// reference each, the live broadcast's sender among them) was a fifth of
/// the cost of `/healthz` (BENCHMARKS.md).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub db: Db,
    pub config: Arc<WebConfig>,
    /// The broadcast behind the screens' live streams.
    pub live: crate::live::Live,
    /// What the page header shows from the capabilities.
    pub header: Arc<dyn Header>,
    /// Values capabilities share across requests (a cache, the mailer),
    /// put in by the entry and found by their type.
    parts: Extensions,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(
        db: Db,
        config: WebConfig,
        live: crate::live::Live,
        header: Arc<dyn Header>,
        parts: Extensions,
    ) -> AppState {
        AppState(Arc::new(Shared {
            db,
            config: Arc::new(config),
            live,
            header,
            parts,
        }))
    }
}

impl Shared {
    /// A capability's shared value of type `T`, if the entry put one in.
    pub fn part<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.parts.get::<T>()
    }
}

#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// e.g. `https://jinyuan.example`; trusted for form posts behind a proxy.
    pub public_url: Option<String>,
    /// Daily backups of the embedded database: the folder and how many to keep.
    pub daily_backups: Option<(std::path::PathBuf, usize)>,
    /// Rate limits, unless they are off (as in most tests).
    pub limiter: Option<Arc<limits::Limiter>>,
    /// Proxies whose `X-Forwarded-For` is believed; none by default.
    pub trusted_proxies: address::TrustedProxies,
}

impl WebConfig {
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

/// The kit's own routes: health, metrics and the static files.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::render))
        .route(
            "/static/app.css",
            get(|| async { css(include_str!("../../static/app.css")) }),
        )
        .route(
            "/static/app.js",
            get(|| async { js(include_str!("../../static/app.js")) }),
        )
        .route(
            "/static/emoji.js",
            get(|| async { js(include_str!("../../static/emoji.js")) }),
        )
        .route(
            "/static/screen.js",
            get(|| async { js(include_str!("../../static/screen.js")) }),
        )
        .route(
            "/static/kiosk.js",
            get(|| async { js(include_str!("../../static/kiosk.js")) }),
        )
        .route(
            "/static/voice.js",
            get(|| async { js(include_str!("../../static/voice.js")) }),
        )
}

async fn readyz(State(state): State<AppState>) -> Response {
    if state.db.ping().await {
        "ready".into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}

fn css(body: &'static str) -> Response {
    static_asset("text/css; charset=utf-8", body)
}

fn js(body: &'static str) -> Response {
    static_asset("text/javascript; charset=utf-8", body)
}

fn static_asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// The address people use to reach us: the configured public URL, else the
/// Host they sent.
pub fn base_url(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}
