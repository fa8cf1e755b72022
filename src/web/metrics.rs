//! `/metrics` for Prometheus: requests by route and status, how long they
//! took, how many requests wait in each state, news waiting to be emailed,
//! and how long ago the scheduler last ran. Counts only — never a name —
//! and only to the machine itself and the local network.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::{AppError, AppState};
use crate::db::now;
use crate::on_db;

/// When the deadline scheduler last finished a round (Unix seconds).
static SCHEDULER_RAN_AT: AtomicI64 = AtomicI64::new(0);

pub fn scheduler_ran() {
    SCHEDULER_RAN_AT.store(now(), Ordering::Relaxed);
}

/// The process's recorder, installed once (tests run many servers in one
/// process; they share it).
fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new().set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".into()),
                &[
                    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ],
            );
            match builder.and_then(|b| b.install_recorder()) {
                Ok(handle) => Some(handle),
                Err(e) => {
                    tracing::warn!(error = ?e, "metrics are off");
                    None
                }
            }
        })
        .as_ref()
}

pub fn install() {
    let _ = handle();
}

/// The recorder keeps every duration observed until it is drained into
/// the histograms: without this, every answer since the start when nobody
/// scrapes `/metrics` (after bench/run's loads, most of the heap in use).
/// Drained every five seconds, as the exporter's own server would.
pub async fn keep_up() {
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        drain();
    }
}

pub fn drain() {
    if let Some(handle) = handle() {
        handle.run_upkeep();
    }
}

/// Requests answered since the process started: the allocator gives memory
/// back only while this stands still (`web::idle`).
static ANSWERED: AtomicU64 = AtomicU64::new(0);

pub fn answered() -> u64 {
    ANSWERED.load(Ordering::Relaxed)
}

/// Counts every answer by its route (the pattern, not the path, so codes
/// and tokens never become labels) and status.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    ANSWERED.fetch_add(1, Ordering::Relaxed);
    let status = response.status().as_u16().to_string();
    let labels = [("route", route), ("method", method), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels[..2])
        .record(started.elapsed().as_secs_f64());
    response
}

/// Only for the machine itself and the local network (where Prometheus
/// runs); from outside, there is no such page. A request a proxy forwarded
/// counts as from outside unless the proxy is trusted and says otherwise.
fn from_inside(
    proxies: &super::address::TrustedProxies,
    peer: Option<std::net::IpAddr>,
    headers: &axum::http::HeaderMap,
) -> bool {
    let forwarded = headers.contains_key("x-forwarded-for") || headers.contains_key("forwarded");
    if forwarded && !peer.is_some_and(|p| proxies.trust(p)) {
        return false;
    }
    proxies
        .client_address(peer, headers)
        .parse()
        .is_ok_and(super::address::on_this_network)
}

pub async fn render(State(state): State<AppState>, request: Request) -> Result<Response, AppError> {
    let peer = request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    if !from_inside(&state.config.trusted_proxies, peer, request.headers()) {
        return Err(AppError::NotFound);
    }
    let Some(handle) = handle() else {
        return Err(AppError::NotFound);
    };
    let by_status: Vec<(String, i64)> = on_db!(&state.db, |pool| {
        sqlx::query_as(
        "SELECT status, COUNT(*) FROM requests \
         WHERE status IN ('submitted', 'responded', 'in_progress', 'waiting', 'resolved') GROUP BY status"
    )
    .fetch_all(pool)
    .await
    })?;
    for status in [
        "submitted",
        "responded",
        "in_progress",
        "waiting",
        "resolved",
    ] {
        let n = by_status
            .iter()
            .find(|(s, _)| s == status)
            .map_or(0, |(_, n)| *n);
        metrics::gauge!("grassroots_requests_waiting", "status" => status).set(n as f64);
    }
    let overdue: i64 = on_db!(&state.db, |pool| {
        sqlx::query_scalar(
        "SELECT COUNT(*) FROM requests WHERE status IN ('submitted', 'responded', 'in_progress') \
         AND resolution_due_at < $1"
    )
    .bind(now())
    .fetch_one(pool)
    .await
    })?;
    metrics::gauge!("grassroots_requests_overdue").set(overdue as f64);
    let unmailed: i64 = on_db!(&state.db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE emailed_at IS NULL AND read_at IS NULL"
    )
    .fetch_one(pool)
    .await)?;
    metrics::gauge!("grassroots_news_unread").set(unmailed as f64);
    let ran = SCHEDULER_RAN_AT.load(Ordering::Relaxed);
    let lag = if ran == 0 { -1 } else { now() - ran };
    metrics::gauge!("grassroots_scheduler_seconds_since_run").set(lag as f64);
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response())
}
