//! One submission, one effect. Every HTML form carries a one-time token
//! (`once`) and API clients may send an `Idempotency-Key` header; a retried
//! or double-clicked post with the same key runs once, and the repeat gets
//! the first answer. The key is claimed in `submissions` before the work
//! runs; request creation also records it on the request in its own
//! transaction ([`SubmissionKey`]), so a crash between saving and answering
//! cannot make a second request either.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::{AppError, AppState, MAX_BODY_BYTES};
use crate::db::{Db, now};
use crate::on_db;

/// The hidden field every post form carries.
pub const FORM_FIELD: &str = "once";
const HEADER: &str = "idempotency-key";
/// Answers are given again for a day; after that the key may be reused.
pub const KEEP_SECONDS: i64 = 24 * 3600;
/// A claim this old with no answer belonged to a server that stopped: no
/// request runs longer than the 30-second timeout.
const STALE_SECONDS: i64 = 35;
/// Answers larger than this are not kept (none of ours are).
const MAX_KEPT_BODY: usize = 512 * 1024;

/// A fresh token for a form's hidden `once` field.
pub fn token() -> String {
    crate::auth::random_token()
}

/// Which submission made this request: set by [`once_per_submission`] for
/// the handler, who hands it to `requests::intake::file`.
/// It is made from the poster's credentials and their key, so neither the
/// database nor anyone else can produce it.
#[derive(Debug, Clone)]
pub struct SubmissionKey(String);

impl SubmissionKey {
    /// What `requests.submission_key` holds.
    pub fn for_request(&self) -> String {
        hash(&["request", &self.0])
    }

    /// The anonymous reporter's secret link, the same for every repeat.
    pub fn secret(&self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        Sha256::digest(format!("secret\0{}", self.0).as_bytes())
            .iter()
            .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
            .collect()
    }
}

/// Put in a response's extensions by a handler whose answer holds a secret
/// that must not be kept for repeats.
#[derive(Debug, Clone, Copy)]
pub struct NotKept;

/// What a repeat of a finished submission is answered with.
struct Kept {
    status: u16,
    location: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

pub async fn once_per_submission(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let header_key = match request.headers().get(HEADER) {
        None => None,
        Some(v) => match v.to_str() {
            Ok(k) if valid_header_key(k) => Some(k.to_string()),
            _ => return AppError::BadRequest("error-idempotency-key").into_response(),
        },
    };
    let content_type = content_type(request.headers());
    let multipart_boundary = content_type
        .strip_prefix("multipart/form-data")
        .and_then(|rest| rest.split("boundary=").nth(1))
        .map(|b| b.trim_matches('"').to_string());
    let urlencoded = content_type.starts_with("application/x-www-form-urlencoded");
    if header_key.is_none() && !urlencoded && multipart_boundary.is_none() {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return AppError::TooLarge.into_response();
    };
    let rebuild = |bytes: &Bytes| Request::from_parts(parts.clone(), Body::from(bytes.clone()));
    let fields = if urlencoded {
        form_fields(&bytes)
    } else if multipart_boundary.is_some() {
        multipart_fields(rebuild(&bytes)).await
    } else {
        Fields::default()
    };
    let from_header = header_key.is_some();
    let Some(key) = header_key.or(fields.once) else {
        return next.run(rebuild(&bytes)).await;
    };
    let submission = SubmissionKey(hash(&[
        &identity(&parts.headers, fields.api_key.as_deref()),
        parts.uri.path(),
        &key,
    ]));
    let key_hash = hash(&["claim", &submission.0]);
    // A browser picks a new multipart boundary for each post, so the
    // boundary is left out of what "the same body" means.
    let body_hash = match &multipart_boundary {
        Some(b) => hash(&[&String::from_utf8_lossy(&bytes).replace(b.as_str(), "")]),
        None => hash(&[&String::from_utf8_lossy(&bytes)]),
    };

    match claim(&state.db, &key_hash, &body_hash).await {
        Ok(Claim::Ours) => {}
        Ok(Claim::Finished(kept)) => return replay(kept),
        Ok(Claim::DifferentBody) if from_header => {
            return AppError::BadRequest("error-idempotency-key-reused").into_response();
        }
        // The person went back, changed the form and sent it again: that is
        // a new submission, not a repeat.
        Ok(Claim::DifferentBody) => return next.run(rebuild(&bytes)).await,
        Ok(Claim::Busy) => return busy(),
        Err(e) => return e.into_response(),
    }

    let mut request = rebuild(&bytes);
    request.extensions_mut().insert(submission);
    let response = next.run(request).await;
    if response.extensions().get::<NotKept>().is_some() {
        // A secret in the answer (a one-time link) is not stored for a
        // day: a repeat runs again, and the new answer replaces the old.
        if let Err(e) = release(&state.db, &key_hash).await {
            tracing::warn!(error = ?e, "releasing a submission key");
        }
        return response;
    }
    if response.status().as_u16() >= 400 {
        // Not done: a corrected form, or a retry after a fault, may run.
        if let Err(e) = release(&state.db, &key_hash).await {
            tracing::warn!(error = ?e, "releasing a submission key");
        }
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_KEPT_BODY).await else {
        tracing::warn!("an answer too large to keep for repeats");
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    let kept = Kept {
        status: parts.status.as_u16(),
        location: header_string(&parts.headers, header::LOCATION),
        content_type: header_string(&parts.headers, header::CONTENT_TYPE),
        body: body.to_vec(),
    };
    if let Err(e) = finish(&state.db, &key_hash, &kept).await {
        tracing::warn!(error = ?e, "keeping the answer to a submission");
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}

/// Printable ASCII, 8 to 255 characters (a UUID is 36).
fn valid_header_key(key: &str) -> bool {
    (8..=255).contains(&key.len()) && key.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

fn content_type(headers: &HeaderMap) -> String {
    header_string(headers, header::CONTENT_TYPE)
        .unwrap_or_default()
        .to_ascii_lowercase()
}

fn header_string(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

#[derive(Default)]
struct Fields {
    once: Option<String>,
    /// Open311 clients name themselves in the body.
    api_key: Option<String>,
}

fn form_fields(bytes: &[u8]) -> Fields {
    let mut fields = Fields::default();
    for (name, value) in form_urlencoded::parse(bytes) {
        match name.as_ref() {
            FORM_FIELD if !value.is_empty() => fields.once = Some(value.into_owned()),
            "api_key" => fields.api_key = Some(value.into_owned()),
            _ => {}
        }
    }
    fields
}

/// The token is the form's first field, so this stops reading there.
async fn multipart_fields(request: Request) -> Fields {
    let mut fields = Fields::default();
    let Ok(mut multipart) = Multipart::from_request(request, &()).await else {
        return fields;
    };
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(FORM_FIELD) {
            fields.once = field.text().await.ok().filter(|t| !t.is_empty());
            break;
        }
    }
    fields
}

/// Who is posting, as far as the request says without asking the
/// database: a key used by one person cannot answer another's repeat.
fn identity(headers: &HeaderMap, api_key: Option<&str>) -> String {
    let session = crate::i18n::cookie_value(headers, crate::auth::SESSION_COOKIE);
    let bearer = header_string(headers, header::AUTHORIZATION);
    format!(
        "s={}|b={}|k={}",
        session.unwrap_or_default(),
        bearer.unwrap_or_default(),
        api_key.unwrap_or_default()
    )
}

fn hash(parts: &[&str]) -> String {
    let mut digest = Sha256::new();
    for part in parts {
        digest.update(part.as_bytes());
        digest.update([0u8]);
    }
    digest
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

enum Claim {
    Ours,
    Finished(Kept),
    DifferentBody,
    Busy,
}

type KeptRow = (
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<Vec<u8>>,
);

async fn claim(db: &Db, key_hash: &str, body_hash: &str) -> Result<Claim, AppError> {
    // A double click's second post arrives while the first still runs: it
    // waits for the first answer rather than making a second request.
    for _ in 0..100 {
        let at = now();
        let claimed = on_db!(db, |pool| sqlx::query(
            "INSERT INTO submissions (key_hash, body_hash, started_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key_hash) DO NOTHING"
        )
        .bind(key_hash)
        .bind(body_hash)
        .bind(at)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        if claimed == 1 {
            return Ok(Claim::Ours);
        }
        let row: Option<KeptRow> = on_db!(db, |pool| sqlx::query_as(
            "SELECT body_hash, started_at, finished_at, status, location, content_type, body \
             FROM submissions WHERE key_hash = $1"
        )
        .bind(key_hash)
        .fetch_optional(pool)
        .await)?;
        let Some((kept_body_hash, started_at, finished_at, status, location, content_type, body)) =
            row
        else {
            continue; // released meanwhile: try to claim it again
        };
        if kept_body_hash != body_hash {
            return Ok(Claim::DifferentBody);
        }
        if finished_at.is_some() {
            if at - started_at > KEEP_SECONDS {
                release(db, key_hash).await?;
                continue;
            }
            return Ok(Claim::Finished(Kept {
                status: status.and_then(|s| u16::try_from(s).ok()).unwrap_or(200),
                location,
                content_type,
                body: body.unwrap_or_default(),
            }));
        }
        if at - started_at > STALE_SECONDS {
            // The server that claimed it stopped before answering. Take it
            // over; request creation is still once-only by its own key.
            let taken = on_db!(db, |pool| {
                sqlx::query(
                "UPDATE submissions SET started_at = $3 WHERE key_hash = $1 AND started_at = $2 \
                 AND finished_at IS NULL"
            )
            .bind(key_hash)
            .bind(started_at)
            .bind(at)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
            })?;
            if taken == 1 {
                return Ok(Claim::Ours);
            }
            continue;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(Claim::Busy)
}

async fn finish(db: &Db, key_hash: &str, kept: &Kept) -> Result<(), AppError> {
    on_db!(db, |pool| sqlx::query(
        "UPDATE submissions SET finished_at = $2, status = $3, location = $4, content_type = $5, \
         body = $6 WHERE key_hash = $1"
    )
    .bind(key_hash)
    .bind(now())
    .bind(i64::from(kept.status))
    .bind(&kept.location)
    .bind(&kept.content_type)
    .bind(&kept.body)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

async fn release(db: &Db, key_hash: &str) -> Result<(), AppError> {
    on_db!(db, |pool| sqlx::query(
        "DELETE FROM submissions WHERE key_hash = $1"
    )
    .bind(key_hash)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// On the embedded database one server is the only one serving, so at its
/// start every unfinished claim belonged to a server that stopped.
pub async fn forget_unfinished(db: &Db) -> Result<u64, AppError> {
    let n = on_db!(db, |pool| sqlx::query(
        "DELETE FROM submissions WHERE finished_at IS NULL"
    )
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n)
}

/// Forgets answers older than a day (run by the scheduler).
pub async fn forget_old(db: &Db) -> Result<u64, AppError> {
    let before = now() - KEEP_SECONDS;
    let n = on_db!(db, |pool| sqlx::query(
        "DELETE FROM submissions WHERE started_at < $1"
    )
    .bind(before)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n)
}

fn replay(kept: Kept) -> Response {
    let status = StatusCode::from_u16(kept.status).unwrap_or(StatusCode::OK);
    let mut response = (status, Body::from(kept.body)).into_response();
    let headers = response.headers_mut();
    if let Some(v) = kept.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(header::LOCATION, v);
    }
    if let Some(v) = kept
        .content_type
        .and_then(|c| HeaderValue::from_str(&c).ok())
    {
        headers.insert(header::CONTENT_TYPE, v);
    }
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

fn busy() -> Response {
    let mut response = AppError::Conflict("error-submission-busy").into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_keys_are_printable_and_not_too_short() {
        assert!(valid_header_key("3f2a9c1e-0b7d-4c55-9e0a-5b1f2d3c4e5f"));
        assert!(valid_header_key("abcdefgh"));
        assert!(!valid_header_key("abc"));
        assert!(!valid_header_key("has space inside"));
        assert!(!valid_header_key(&"x".repeat(256)));
        assert!(!valid_header_key("中文中文中文中文"));
    }

    #[test]
    fn a_form_names_its_token_and_api_key() {
        let f = form_fields(b"description=x&once=T0K3N&api_key=k1");
        assert_eq!(f.once.as_deref(), Some("T0K3N"));
        assert_eq!(f.api_key.as_deref(), Some("k1"));
        assert!(form_fields(b"once=").once.is_none());
    }

    #[test]
    fn the_same_key_from_two_people_is_two_keys() {
        let mut a = HeaderMap::new();
        a.insert(header::COOKIE, HeaderValue::from_static("gr_session=aaa"));
        let mut b = HeaderMap::new();
        b.insert(header::COOKIE, HeaderValue::from_static("gr_session=bbb"));
        assert_ne!(
            hash(&[&identity(&a, None), "/report", "k"]),
            hash(&[&identity(&b, None), "/report", "k"])
        );
        // Parts are separated, so moving characters between them changes it.
        assert_ne!(hash(&["ab", "c"]), hash(&["a", "bc"]));
    }
}
