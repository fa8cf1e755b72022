//! The rooms in the JSON API: the bookable rooms, and booking one.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use super::rules::minute_text;
use super::store;
use crate::api::ErrorJson;
use crate::auth::{MaybeViewer, SignedIn};
use crate::db::iso;
use crate::web::{AppError, AppState, Community};

/// The rooms' part of `/api/v1/openapi.json`, merged in by the entry.
#[derive(OpenApi)]
#[openapi(
    paths(list, book),
    components(schemas(RoomJson, NewBookingJson, BookingJson))
)]
pub struct RoomsApi;

#[derive(Serialize, ToSchema)]
pub struct RoomJson {
    /// What the room is called in URLs, e.g. `dance`.
    code: String,
    name_zh: String,
    name_en: String,
    /// Opening time, local, e.g. `08:00`.
    opens: String,
    /// Closing time, local, e.g. `21:00`.
    closes: String,
    longest_minutes: i64,
    /// `residents`, `members` or `staff`.
    who_may_book: String,
    /// A lead approves each booking first.
    needs_approval: bool,
    /// Minutes after the start by which one must check in, or the room is
    /// released.
    grace_minutes: i64,
    /// The community's time zone, in which the hours are given.
    time_zone: String,
}

/// The community's bookable rooms.
#[utoipa::path(get, path = "/api/v1/rooms", operation_id = "list_rooms", security(()),
    responses((status = 200, description = "Done; the answer holds the result", body = Vec<RoomJson>)))]
pub async fn list(
    State(state): State<AppState>,
    viewer: MaybeViewer,
) -> Result<Json<Vec<RoomJson>>, AppError> {
    let community = match &viewer.0 {
        Some(v) => Community::by_id(&state.db, v.community_id).await?,
        None => Community::default_one(&state.db).await?,
    };
    let rooms = store::list(&state.db, community.id).await?;
    Ok(Json(
        rooms
            .into_iter()
            .map(|r| RoomJson {
                opens: minute_text(r.opens_minute),
                closes: minute_text(r.closes_minute),
                needs_approval: r.approver_workgroup_id.is_some(),
                code: r.code,
                name_zh: r.name_zh,
                name_en: r.name_en,
                longest_minutes: r.longest_minutes,
                who_may_book: r.who_may_book,
                grace_minutes: r.grace_minutes,
                time_zone: community.timezone.clone(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewBookingJson {
    /// RFC 3339, e.g. `2026-12-07T19:00:00+08:00`.
    starts_at: String,
    /// RFC 3339; after `starts_at`.
    ends_at: String,
    /// What the room is for (optional).
    #[serde(default)]
    purpose: String,
}

#[derive(Serialize, ToSchema)]
pub struct BookingJson {
    id: i64,
    room: String,
    /// RFC 3339 in UTC.
    starts_at: String,
    ends_at: String,
    /// `confirmed`, or `pending` when a lead approves it first.
    state: String,
    purpose: String,
}

fn instant(text: &str) -> Option<i64> {
    text.trim()
        .parse::<jiff::Timestamp>()
        .ok()
        .map(|t| t.as_second())
}

/// Books a room. Refused with 409 when the time overlaps a booking or an
/// activity holding the room, with 422 when it breaks the room's rules
/// (outside opening hours, too long, in the past, ending before it starts).
#[utoipa::path(post, path = "/api/v1/rooms/{code}/bookings", operation_id = "book_room", request_body = NewBookingJson,
    params(("code" = String, Path, description = "The room's code")),
    responses((status = 201, description = "Booked", body = BookingJson),
        (status = 401, description = "Sign in first (a session or a bearer token)", body = ErrorJson),
        (status = 403, description = "Signed in, but this room is not for your role", body = ErrorJson),
        (status = 404, description = "No such room", body = ErrorJson),
        (status = 409, description = "The time is taken", body = ErrorJson),
        (status = 422, description = "The times break the room's rules; the message says which", body = ErrorJson)))]
pub async fn book(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
    Json(body): Json<NewBookingJson>,
) -> Result<Response, AppError> {
    let room = store::by_code(&state.db, viewer.community_id, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let (Some(starts), Some(ends)) = (instant(&body.starts_at), instant(&body.ends_at)) else {
        return Err(AppError::BadRequest("booking-time-wrong"));
    };
    let purpose = body.purpose.trim();
    if purpose.chars().count() > 200 {
        return Err(AppError::BadRequest("booking-purpose-long"));
    }
    let community = Community::by_id(&state.db, viewer.community_id).await?;
    match super::book_for(&state.db, &community, &room, &viewer, starts, ends, purpose).await? {
        Ok(id) => {
            let booking = store::booking(&state.db, viewer.community_id, id)
                .await?
                .ok_or(AppError::NotFound)?;
            let json = BookingJson {
                id,
                room: booking.room,
                starts_at: iso(booking.starts_at),
                ends_at: iso(booking.ends_at),
                state: booking.state,
                purpose: booking.purpose,
            };
            Ok((StatusCode::CREATED, Json(json)).into_response())
        }
        Err("booking-taken") => Err(AppError::Conflict("booking-taken")),
        Err("booking-not-for-you") => Err(AppError::Forbidden),
        Err(key) => Err(AppError::BadRequest(key)),
    }
}
