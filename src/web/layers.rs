//! The layers every answer passes through (request ids, security headers,
//! limits, the cross-site check, one effect per submission) and the error
//! pages, in the format of the door that was knocked on.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use super::{AppError, AppState, ErrorInfo, MAX_BODY_BYTES, forms, limits, metrics, once, page};
use crate::i18n::Lang;

/// An error about to be answered, for a door that shows errors its own way.
pub struct ErrorReport<'a> {
    pub status: StatusCode,
    /// A stable snake_case code, e.g. `invalid_input`.
    pub code: &'static str,
    /// The message's key in the locales.
    pub key: &'static str,
    /// The language the person asked for.
    pub lang: Lang,
    pub path: &'a str,
}

/// How a door shows an error to its clients.
pub type ErrorShape = fn(&ErrorReport<'_>) -> Response;

/// What the entry tells the kit about the doors that are not pages.
#[derive(Clone, Default)]
pub struct Doors {
    /// Path prefixes whose clients post from anywhere with an API key and
    /// no cookies, so the cross-site check does not apply.
    pub keyed: Vec<&'static str>,
    /// Each door's own error format, by path prefix; the first that
    /// matches is used, and pages are the rest.
    pub errors: Vec<(&'static str, ErrorShape)>,
    /// The posts that can be abused, counted against a rate limit: a path,
    /// or a prefix ending in `*`, and its bucket.
    pub counted: Vec<(&'static str, limits::Bucket)>,
}

/// Wraps the assembled routes in the layers every answer passes through.
pub fn finish(routes: Router<AppState>, state: AppState, doors: Doors) -> Router {
    let keyed: Arc<[&'static str]> = doors.keyed.into();
    let mut csrf = CsrfLayer::new()
        .with_insecure_bypass(move |_, uri| keyed.iter().any(|p| uri.path().starts_with(p)));

    if let Some(origin) = state.config.public_url.as_deref() {
        match csrf
            .clone()
            .add_trusted_origin(origin.trim_end_matches('/'))
        {
            Ok(with_origin) => csrf = with_origin,
            Err(e) => tracing::warn!(error = ?e, origin, "the public URL is not a usable origin"),
        }
    }
    let shapes: Arc<[(&'static str, ErrorShape)]> = doors.errors.into();
    routes
        .fallback(|| async { AppError::NotFound })
        .layer(middleware::from_fn(metrics::track))
        .layer(middleware::from_fn_with_state(state.clone(), wake_live))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            once::once_per_submission,
        ))
        .layer(middleware::from_fn(refuse_nul))
        .layer(middleware::from_fn_with_state(
            (state.clone(), limits::Counted::from(doors.counted)),
            limits::limit_rates,
        ))
        .layer(csrf)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::new())
        .layer(middleware::from_fn_with_state(shapes, render_errors))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                let id = request
                    .headers()
                    .get(&REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), id)
            }),
        )
        // Outermost: every request has an id (a proxy's own is kept), in
        // its log lines and on its answer.
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeId))
        .with_state(state)
}

static REQUEST_ID: axum::http::HeaderName = axum::http::HeaderName::from_static("x-request-id");

#[derive(Clone, Copy)]
struct MakeId;

impl MakeRequestId for MakeId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let token = crate::auth::random_token();
        HeaderValue::from_str(&token[..16]).ok().map(RequestId::new)
    }
}

const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; script-src 'self'; \
                   object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// After any write, the live pump looks for new events at once.
async fn wake_live(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let writes = request.method() != Method::GET && request.method() != Method::HEAD;
    let response = next.run(request).await;
    if writes {
        state.live.poke();
    }
    response
}

/// Form and JSON bodies are small; larger ones are refused before reading.
const MAX_TEXT_BODY_BYTES: usize = 1024 * 1024;

/// Refuses text that holds a NUL character: no person types one, and
/// PostgreSQL cannot store it. Photos (multipart) are checked field by field.
async fn refuse_nul(request: Request, next: Next) -> Response {
    let bad = || AppError::BadRequest("error-bad-input").into_response();
    if request
        .uri()
        .to_string()
        .to_ascii_lowercase()
        .contains("%00")
    {
        return bad();
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let is_text = content_type.starts_with("application/x-www-form-urlencoded")
        || content_type.starts_with("application/json");
    if !is_text {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_TEXT_BODY_BYTES).await else {
        return AppError::TooLarge.into_response();
    };
    let has_nul = bytes.contains(&0)
        || bytes.windows(3).any(|w| w.eq_ignore_ascii_case(b"%00"))
        || bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000"));
    if has_nul {
        return bad();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Gives every error a body: a page in the person's language, or the
/// door's own format. Also answers the CSRF layer's bare 403.
async fn render_errors(
    State(shapes): State<Arc<[(&'static str, ErrorShape)]>>,
    request: Request,
    next: Next,
) -> Response {
    let lang = Lang::from_headers(request.headers());
    let path = request.uri().path().to_string();
    let query = request
        .uri()
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let is_get = request.method() == Method::GET;
    let response = next.run(request).await;
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let mut response = error_body(&shapes, lang, &path, &query, is_get, response);
    if let Some(value) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

fn error_body(
    shapes: &[(&'static str, ErrorShape)],
    lang: Lang,
    path: &str,
    query: &str,
    is_get: bool,
    response: Response,
) -> Response {
    let status = response.status();
    let Some(info) = error_info(&response) else {
        return response;
    };
    if let Some((_, shape)) = shapes.iter().find(|(prefix, _)| path.starts_with(prefix)) {
        return shape(&ErrorReport {
            status,
            code: info.code,
            key: info.key,
            lang,
            path,
        });
    }
    let message = lang.t(info.key);
    if status == StatusCode::UNAUTHORIZED {
        let next = if is_get {
            format!("{path}{query}")
        } else {
            "/".to_string()
        };
        return Redirect::to(&format!("/signin?next={}", forms::url_encode(&next))).into_response();
    }
    let page = page::ErrorPage {
        lang,
        status: status.as_u16(),
        message: message.clone(),
        advice: (info.code == "too_large").then(|| lang.t("error-too-large-advice")),
    };
    match askama::Template::render(&page) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, Body::from(message)).into_response(),
    }
}

/// The error behind a response: ours, or a bare one from a layer or an
/// extractor (body too large, malformed form, cross-site post, panic).
fn error_info(response: &Response) -> Option<ErrorInfo> {
    if let Some(info) = response.extensions().get::<ErrorInfo>() {
        return Some(info.clone());
    }
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if status.as_u16() < 400
        || content_type.starts_with("text/html")
        || content_type.starts_with("application/json")
    {
        return None;
    }
    let (code, key) = match status {
        StatusCode::NOT_FOUND => ("not_found", "error-not-found"),
        StatusCode::FORBIDDEN => ("cross_site", "error-cross-site"),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "error-too-large"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "error-method"),
        StatusCode::REQUEST_TIMEOUT => ("timeout", "error-timeout"),
        s if s.is_server_error() => ("internal", "error-internal"),
        _ => ("invalid_input", "error-bad-input"),
    };
    Some(ErrorInfo { code, key })
}
