//! Service requests over GeoReport v2: file one, read one or many, follow a
//! token, and the updates feed for aggregators.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::format::{self, Format, Open311Error, respond};
use super::params::Params;
use super::services::lang_of;
use super::{Answer, answer, jurisdiction, keys};
use crate::community::{Category, Community};
use crate::db::now;
use crate::i18n::Lang;
use crate::on_db;
use crate::photos::process_photo;
use crate::requests::filing::Created;
use crate::requests::intake::{self, ClientDetails, Door, Draft, Filed};
use crate::requests::model::{Channel, Status};
use crate::requests::record::{REQUEST_COLUMNS, REQUEST_FROM, RequestRow};
use crate::requests::{photos, record};
use crate::web::AppState;
use crate::web::base_url;
use crate::web::forms::FieldErrors;
use crate::web::once::SubmissionKey;

const OPEN: [&str; 4] = ["submitted", "responded", "in_progress", "waiting"];
const CLOSED: [&str; 5] = ["resolved", "closed", "rejected", "duplicate", "referred"];
const MAX_RESULTS: i64 = 1000;
const DEFAULT_DAYS: i64 = 90;

/// Open or closed, as GeoReport sees our lifecycle.
fn open_or_closed(status: &str) -> &'static str {
    if OPEN.contains(&status) {
        "open"
    } else {
        "closed"
    }
}

#[derive(Debug, sqlx::FromRow)]
struct Row {
    #[sqlx(flatten)]
    r: RequestRow,
    status_notes: Option<String>,
    photo_id: Option<i64>,
}

/// Only public requests of ordinary categories ever leave through Open311.
const PUBLIC_ONLY: &str = "r.visibility = 'public' AND c.private_by_nature = FALSE";

fn select() -> String {
    format!(
        "SELECT {REQUEST_COLUMNS}, \
         (SELECT e.public_message FROM request_events e WHERE e.request_id = r.id AND e.audience = 'public' \
          AND e.public_message <> '' ORDER BY e.id DESC LIMIT 1) AS status_notes, \
         (SELECT MIN(ph.id) FROM photos ph WHERE ph.request_id = r.id) AS photo_id \
         {REQUEST_FROM} WHERE {PUBLIC_ONLY} AND r.community_id = "
    )
}

fn request_json(row: &Row, community: &Community, lang: Lang, base: &str) -> Value {
    let r = &row.r;
    let place = r.public_place_name(lang);
    let address = [place, r.address_string.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    let media_url = if !r.media_url.is_empty() {
        Some(r.media_url.clone())
    } else {
        row.photo_id.map(|id| format!("{base}/photos/{id}"))
    };
    json!({
        "service_request_id": r.tracking_code,
        "status": open_or_closed(&r.status),
        "status_notes": row.status_notes,
        "service_name": r.category_name(lang),
        "service_code": r.category_code,
        "description": r.description,
        "agency_responsible": r.workgroup_name(lang),
        "service_notice": null,
        "requested_datetime": community.iso_time(r.created_at),
        "updated_datetime": community.iso_time(r.updated_at),
        "expected_datetime": community.iso_time(r.resolution_due_at),
        "address": address,
        "address_id": r.public_place_code(),
        "zipcode": null,
        "lat": r.lat,
        "long": r.lng,
        "media_url": media_url,
    })
}

/// `GET requests.{format}`.
pub async fn list(
    state: &AppState,
    headers: &HeaderMap,
    params: &Params,
    format: Format,
) -> Answer {
    let bad = |e: Open311Error| (format, e);
    let community = jurisdiction(&state.db, params, format).await?;
    let tz = community.tz();
    let ids = params.list("service_request_id");
    let codes = params.list("service_code");
    let mut statuses: Vec<&str> = Vec::new();
    for s in params.list("status") {
        match s.to_ascii_lowercase().as_str() {
            "open" => statuses.extend(OPEN),
            "closed" => statuses.extend(CLOSED),
            other => {
                return Err(bad(Open311Error::bad(format!(
                    "status must be open or closed, not {other}"
                ))));
            }
        }
    }
    let start = params.datetime("start_date", &tz).map_err(bad)?;
    let end = params.datetime("end_date", &tz).map_err(bad)?;
    let updated_after = params.datetime("updated_after", &tz).map_err(bad)?;
    let updated_before = params.datetime("updated_before", &tz).map_err(bad)?;
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Err(bad(Open311Error::bad("start_date is after end_date")));
    }
    let page = params
        .whole("page", 1, 1_000_000)
        .map_err(bad)?
        .unwrap_or(1);
    let page_size = params
        .whole("page_size", 1, MAX_RESULTS)
        .map_err(bad)?
        .unwrap_or(MAX_RESULTS);
    // Asked by id, the ids decide; otherwise the last 90 days by default.
    let by_id = !ids.is_empty();
    let start = match (by_id, start, end, updated_after) {
        (false, None, None, None) => Some(now() - DEFAULT_DAYS * 86_400),
        _ => start,
    };
    let rows: Vec<Row> = on_db!(&state.db, |pool| {
        let mut q = sqlx::QueryBuilder::new(select());
        q.push_bind(community.id);
        if by_id {
            q.push(" AND r.tracking_code IN (");
            let mut list = q.separated(", ");
            for id in ids.iter().take(MAX_RESULTS as usize) {
                list.push_bind(record::normalise_code(id));
            }
            q.push(")");
        } else {
            if !codes.is_empty() {
                q.push(" AND c.code IN (");
                let mut list = q.separated(", ");
                for code in codes.iter().take(100) {
                    list.push_bind(code.clone());
                }
                q.push(")");
            }
            if !statuses.is_empty() {
                q.push(" AND r.status IN (");
                let mut list = q.separated(", ");
                for s in &statuses {
                    list.push_bind(s.to_string());
                }
                q.push(")");
            }
            if let Some(t) = start {
                q.push(" AND r.created_at >= ").push_bind(t);
            }
            if let Some(t) = end {
                q.push(" AND r.created_at <= ").push_bind(t);
            }
            if let Some(t) = updated_after {
                q.push(" AND r.updated_at > ").push_bind(t);
            }
            if let Some(t) = updated_before {
                q.push(" AND r.updated_at <= ").push_bind(t);
            }
        }
        q.push(" ORDER BY r.created_at DESC, r.id DESC LIMIT ")
            .push_bind(page_size)
            .push(" OFFSET ")
            .push_bind((page - 1) * page_size);
        q.build_query_as::<Row>().fetch_all(pool).await
    })
    .map_err(|e| bad(crate::web::AppError::from(e).into()))?;
    let lang = lang_of(headers);
    let base = base_url(state, headers);
    let list: Vec<Value> = rows
        .iter()
        .map(|row| request_json(row, &community, lang, &base))
        .collect();
    Ok(respond(
        format,
        StatusCode::OK,
        "service_requests",
        "request",
        &Value::Array(list),
    ))
}

/// `GET requests/{service_request_id}.{format}`: a list of one.
pub async fn one(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
    raw: axum::extract::RawQuery,
) -> Response {
    let params = Params::parse(raw.0.unwrap_or_default().as_bytes());
    answer(
        async {
            let (id, format) =
                format::split_format(&file).map_err(|e| (super::format_of_path(&file), e))?;
            let bad = |e: crate::web::AppError| (format, Open311Error::from(e));
            let community = jurisdiction(&state.db, &params, format).await?;
            let sql = format!("{}$1 AND r.tracking_code = $2", select());
            let code = record::normalise_code(id);
            let row: Option<Row> = on_db!(&state.db, |pool| sqlx::query_as::<_, Row>(
                sqlx::AssertSqlSafe(sql)
            )
            .bind(community.id)
            .bind(&code)
            .fetch_optional(pool)
            .await)
            .map_err(|e| bad(e.into()))?;
            let row = row.ok_or_else(|| {
                (
                    format,
                    Open311Error::not_found(format!("no service request {id}")),
                )
            })?;
            let value = Value::Array(vec![request_json(
                &row,
                &community,
                lang_of(&headers),
                &base_url(&state, &headers),
            )]);
            Ok(respond(
                format,
                StatusCode::OK,
                "service_requests",
                "request",
                &value,
            ))
        }
        .await,
    )
}

/// Reads the POST's parameters: form-encoded, or multipart with a `media`
/// photo; `api_key` may also be in the query string.
async fn post_params(
    state: &AppState,
    request: Request,
    errors: &mut Vec<Open311Error>,
) -> Result<(Params, Vec<String>), Open311Error> {
    let mut params = Params::parse(request.uri().query().unwrap_or_default().as_bytes());
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut photos = Vec::new();
    if content_type.starts_with("multipart/form-data") {
        let mut form = Multipart::from_request(request, &())
            .await
            .map_err(|_| Open311Error::bad("the multipart body could not be read"))?;
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|_| Open311Error::bad("the multipart body could not be read"))?
        {
            let name = field.name().unwrap_or_default().to_string();
            if name == "media" {
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| Open311Error::bad("the media file could not be read"))?;
                if bytes.is_empty() {
                    continue;
                }
                let processed = tokio::task::spawn_blocking(move || process_photo(&bytes))
                    .await
                    .map_err(|_| Open311Error::internal())?;
                match processed {
                    Ok(photo) => photos.push(
                        photos::stage_photo(&state.db, &photo)
                            .await
                            .map_err(Open311Error::from)?,
                    ),
                    Err(e) => {
                        errors.push(Open311Error::bad(format!("media: {}", Lang::En.t(e.key()))))
                    }
                }
            } else {
                let value = field
                    .text()
                    .await
                    .map_err(|_| Open311Error::bad("the multipart body could not be read"))?;
                params.push(name, value.replace('\0', ""));
            }
        }
    } else {
        let body = Bytes::from_request(request, &())
            .await
            .map_err(|_| Open311Error::bad("the body could not be read"))?;
        params.extend(Params::parse(&body));
    }
    Ok((params, photos))
}

/// `POST requests.{format}`: a civic app files a request.
pub async fn create(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    answer(
        async {
            let format = posted_format(&file)?;
            let bad = |e: Open311Error| (format, e);
            let submission = request.extensions().get::<SubmissionKey>().cloned();
            let mut photo_errors = Vec::new();
            let (params, photos) = post_params(&state, request, &mut photo_errors).await.map_err(bad)?;
            let community = jurisdiction(&state.db, &params, format).await?;
            let api_key_id = client_key(&state, &community, &params).await.map_err(bad)?;
            let service = service(&state, &community, &params).await.map_err(bad)?;
            if let Some(e) = photo_errors.into_iter().next() {
                return Err(bad(e));
            }
            let draft = draft_of(&params, &service, photos).map_err(bad)?;
            let door = Door::new(Channel::Api).with_key(api_key_id).once(submission);
            let mut errors = FieldErrors::default();
            let created = match intake::file(&state.db, community.id, &draft, door, &mut errors).await {
                Ok(Filed::Created(created)) => created,
                Ok(Filed::Mistakes | Filed::Similar(_)) => return Err(bad(first_problem(&errors))),
                Err(e) => return Err(bad(e.into())),
            };
            let notice = lang_of(&headers).pick(&service.notice_zh, &service.notice_en).to_string();
            let account_id = params.get("account_id").map(str::to_string);
            let value = if service.needs_review {
                let token = review_token(&state, &created).await.map_err(bad)?;
                json!([{ "token": token, "service_notice": notice, "account_id": account_id }])
            } else {
                json!([{ "service_request_id": created.tracking_code, "service_notice": notice, "account_id": account_id }])
            };
            Ok(respond(format, StatusCode::CREATED, "service_requests", "request", &value))
        }
        .await,
    )
}

/// The format asked for, when the post is to `requests.{format}`.
fn posted_format(file: &str) -> Result<Format, (Format, Open311Error)> {
    let (name, format) =
        format::split_format(file).map_err(|e| (super::format_of_path(file), e))?;
    if name != "requests" {
        return Err((
            format,
            Open311Error::not_found(format!("cannot post to {name}")),
        ));
    }
    Ok(format)
}

/// The app's API key, which must be one of this community's.
async fn client_key(
    state: &AppState,
    community: &Community,
    params: &Params,
) -> Result<i64, Open311Error> {
    let key = params.get("api_key").unwrap_or_default();
    keys::check(&state.db, community.id, key)
        .await?
        .ok_or_else(|| {
            Open311Error::forbidden("api_key is missing, invalid or not for this jurisdiction")
        })
}

/// The service (our category) the request is for.
async fn service(
    state: &AppState,
    community: &Community,
    params: &Params,
) -> Result<Category, Open311Error> {
    let code = params
        .get("service_code")
        .ok_or_else(|| Open311Error::bad("service_code is required"))?;
    Category::by_code(&state.db, community.id, code)
        .await?
        .filter(|c| c.active)
        .ok_or_else(|| Open311Error::not_found(format!("no service with the code {code}")))
}

/// The intake's draft from GeoReport's parameters: where (a point, an
/// address or one of our places), what, and who, as the app sent them.
fn draft_of(
    params: &Params,
    service: &Category,
    photos: Vec<String>,
) -> Result<Draft, Open311Error> {
    let lat = params.number("lat")?;
    let lng = params.number("long")?;
    let located = match (lat, lng) {
        (Some(lat), Some(lng))
            if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng) =>
        {
            true
        }
        (Some(_), Some(_)) => {
            return Err(Open311Error::bad(
                "lat must be within ±90 and long within ±180",
            ));
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(Open311Error::bad("lat and long go together"));
        }
        (None, None) => false,
    };
    let address_string = params.text("address_string");
    let address_id = params.text("address_id");
    if !located && address_string.is_empty() && address_id.is_empty() {
        return Err(Open311Error::bad(
            "a location is required: lat and long, address_string or address_id",
        ));
    }
    let media_url = params.text("media_url");
    if !media_url.is_empty()
        && (!(media_url.starts_with("http://") || media_url.starts_with("https://"))
            || media_url.len() > 1000)
    {
        return Err(Open311Error::bad("media_url must be an http(s) address"));
    }
    let name = [params.text("first_name"), params.text("last_name")]
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    let description = match params.get("description") {
        Some(d) => d.to_string(),
        None => service.name_zh.clone(),
    };
    Ok(Draft {
        category: service.code.clone(),
        place: address_id,
        location_note: address_string.chars().take(200).collect(),
        description,
        visibility: String::new(),
        name: name.chars().take(80).collect(),
        phone: params.text("phone"),
        email: params.text("email"),
        uploads: photos,
        attributes: params.attributes(),
        client: ClientDetails {
            lat,
            lng,
            address_string: address_string.chars().take(500).collect(),
            device_id: params.text("device_id").chars().take(200).collect(),
            media_url,
            account_id: params.text("account_id").chars().take(200).collect(),
        },
        ..Draft::default()
    })
}

/// The token an app follows until staff have reviewed the request: the
/// one already given when the post is a repeat.
async fn review_token(state: &AppState, created: &Created) -> Result<String, Open311Error> {
    if created.repeated {
        let earlier: Option<String> = on_db!(&state.db, |pool| sqlx::query_scalar(
            "SELECT token FROM open311_tokens WHERE request_id = $1"
        )
        .bind(created.id)
        .fetch_optional(pool)
        .await)
        .map_err(crate::web::AppError::from)?;
        if let Some(token) = earlier {
            return Ok(token);
        }
    }
    let token = crate::auth::random_token();
    on_db!(&state.db, |pool| sqlx::query(
        "INSERT INTO open311_tokens (token, request_id, created_at) VALUES ($1, $2, $3)"
    )
    .bind(&token)
    .bind(created.id)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .map_err(crate::web::AppError::from)?;
    Ok(token)
}

/// The intake's first complaint, said in English with the parameter name
/// the client used.
fn first_problem(errors: &FieldErrors) -> Open311Error {
    let Some((field, key)) = errors.iter().next() else {
        return Open311Error::bad("the request was not accepted");
    };
    let param = match field.as_str() {
        "category" => "service_code",
        "place" => "address_id",
        "location_note" => "address_string",
        "name" => "first_name",
        other => other,
    };
    Open311Error::bad(format!("{param}: {}", Lang::En.t(key)))
}

/// `GET tokens/{token}.{format}`: the request's id once staff have taken it.
pub async fn token(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    answer(
        async {
            let (token, format) = format::split_format(&file).map_err(|e| (super::format_of_path(&file), e))?;
            let found: Option<(String, Option<i64>, String)> = on_db!(&state.db, |pool| sqlx::query_as(
                "SELECT r.tracking_code, r.responded_at, r.status FROM open311_tokens t JOIN requests r ON r.id = t.request_id WHERE t.token = $1"
            )
            .bind(token)
            .fetch_optional(pool)
            .await)
            .map_err(|e| (format, Open311Error::from(crate::web::AppError::from(e))))?;
            let (code, responded_at, status) = found.ok_or_else(|| (format, Open311Error::not_found("no such token")))?;
            let reviewed = responded_at.is_some() || Status::parse(&status).is_some_and(|s| s != Status::Submitted);
            let value = json!([{ "service_request_id": if reviewed { Some(code) } else { None }, "token": token }]);
            Ok(respond(format, StatusCode::OK, "service_requests", "request", &value))
        }
        .await,
    )
}

#[derive(Debug, sqlx::FromRow)]
struct UpdateRow {
    id: i64,
    tracking_code: String,
    at: i64,
    public_message: String,
    status_then: Option<String>,
}

/// `GET servicerequestupdates.{format}`: the public steps of public
/// requests, oldest first, for aggregators that follow changes.
pub async fn updates(
    state: &AppState,
    _headers: &HeaderMap,
    params: &Params,
    format: Format,
) -> Answer {
    let bad = |e: Open311Error| (format, e);
    let community = jurisdiction(&state.db, params, format).await?;
    let tz = community.tz();
    let start = params
        .datetime("start_date", &tz)
        .map_err(bad)?
        .unwrap_or(now() - DEFAULT_DAYS * 86_400);
    let end = params
        .datetime("end_date", &tz)
        .map_err(bad)?
        .unwrap_or(i64::MAX);
    let page = params
        .whole("page", 1, 1_000_000)
        .map_err(bad)?
        .unwrap_or(1);
    let page_size = params
        .whole("page_size", 1, MAX_RESULTS)
        .map_err(bad)?
        .unwrap_or(MAX_RESULTS);
    let one = params.get("service_request_id").map(record::normalise_code);
    let sql = format!(
        "SELECT e.id, r.tracking_code, e.at, e.public_message, \
         (SELECT e2.to_status FROM request_events e2 WHERE e2.request_id = e.request_id AND e2.id <= e.id \
          AND e2.to_status IS NOT NULL ORDER BY e2.id DESC LIMIT 1) AS status_then \
         FROM request_events e JOIN requests r ON r.id = e.request_id JOIN categories c ON c.id = r.category_id \
         WHERE {PUBLIC_ONLY} AND r.community_id = $1 AND e.audience = 'public' AND e.at >= $2 AND e.at <= $3 \
         AND ($4 IS NULL OR r.tracking_code = $4) ORDER BY e.id LIMIT $5 OFFSET $6"
    );
    let rows: Vec<UpdateRow> = on_db!(&state.db, |pool| sqlx::query_as::<_, UpdateRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community.id)
    .bind(start)
    .bind(end)
    .bind(one)
    .bind(page_size)
    .bind((page - 1) * page_size)
    .fetch_all(pool)
    .await)
    .map_err(|e| bad(crate::web::AppError::from(e).into()))?;
    let list: Vec<Value> = rows
        .iter()
        .map(|u| {
            json!({
                "update_id": u.id.to_string(),
                "service_request_id": u.tracking_code,
                "status": open_or_closed(u.status_then.as_deref().unwrap_or("submitted")),
                "updated_datetime": community.iso_time(u.at),
                "description": u.public_message,
                "media_url": null,
            })
        })
        .collect();
    Ok(respond(
        format,
        StatusCode::OK,
        "service_request_updates",
        "request_update",
        &Value::Array(list),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_lifecycle_maps_to_open_and_closed() {
        for s in Status::ALL {
            let expected = if s.is_open() { "open" } else { "closed" };
            assert_eq!(open_or_closed(s.as_str()), expected, "{s}");
        }
    }
}
