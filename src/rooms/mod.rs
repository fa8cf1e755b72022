//! Shared rooms: places the administrator marks bookable, with opening
//! hours, a longest booking, who may book and an optional lead's approval.
//! Two bookings holding a room never overlap (the database refuses the
//! second, `store::hold_room!`); activities hold their room occurrence by
//! occurrence; a booking nobody checked into is released after its grace.

mod admin;
mod api;
mod pages;
pub mod rules;
pub mod store;

use axum::Router;
use axum::routing::{get, post};

use crate::auth::{Role, Viewer};
use crate::db::{Db, StoreError};
use crate::web::AppState;

pub use api::RoomsApi;
pub use pages::{day_label, span_text, time_of_day};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rooms", get(pages::list))
        .route("/rooms/{code}", get(pages::week))
        .route("/rooms/{code}/bookings", post(pages::book))
        .route("/rooms/bookings/{id}/check-in", post(pages::check_in))
        .route("/rooms/bookings/{id}/cancel", post(pages::cancel))
        .route("/rooms/bookings/{id}/approve", post(pages::approve))
        .route("/rooms/bookings/{id}/refuse", post(pages::refuse))
        .route("/admin/rooms", get(admin::page).post(admin::save))
        .route("/api/v1/rooms", get(api::list))
        .route("/api/v1/rooms/{code}/bookings", post(api::book))
}

/// Whether the person may book a room open to `who` ('residents',
/// 'members' or 'staff').
pub fn may_book(who: &str, role: Role) -> bool {
    match who {
        "residents" => true,
        "members" => role.is_staff(),
        _ => matches!(
            role,
            Role::Member | Role::Lead | Role::Reception | Role::Admin
        ),
    }
}

/// The words a booking's state is shown with.
pub fn state_key(state: &str) -> String {
    format!("booking-state-{state}")
}

pub const STATES: [&str; 5] = ["pending", "confirmed", "released", "cancelled", "refused"];
pub const WHO: [&str; 3] = ["residents", "members", "staff"];

/// Books a room for the person after checking the room's rules; the
/// booking's id, or the message key saying why not.
pub async fn book_for(
    db: &Db,
    community: &crate::web::Community,
    room: &store::Room,
    viewer: &Viewer,
    starts_at: i64,
    ends_at: i64,
    purpose: &str,
) -> Result<Result<i64, &'static str>, StoreError> {
    if !may_book(&room.who_may_book, viewer.role()) {
        return Ok(Err("booking-not-for-you"));
    }
    if let Err(key) = rules::check(
        room.hours(),
        &community.tz(),
        starts_at,
        ends_at,
        crate::db::now(),
    ) {
        return Ok(Err(key));
    }
    let holder = store::Holder::Person {
        account_id: viewer.id,
        purpose,
        pending: room.approver_workgroup_id.is_some(),
    };
    match store::book(db, room, starts_at, ends_at, holder).await {
        Ok(id) => Ok(Ok(id)),
        Err(StoreError::Conflict(key)) => Ok(Err(key)),
        Err(e) => Err(e),
    }
}

/// Once a minute: bookings nobody checked into are released.
pub async fn run_forever(db: Db) {
    loop {
        match store::release_unchecked(&db, crate::db::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(released = n, "unchecked bookings released"),
            Err(e) => tracing::warn!(error = ?e, "releasing unchecked bookings"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
}

/// A person's part of their own-data download: their bookings.
pub async fn own_bookings(db: &Db, account_id: i64) -> Result<serde_json::Value, StoreError> {
    let list = store::all_of(db, account_id).await?;
    Ok(serde_json::json!(
        list.iter()
            .map(|b| serde_json::json!({
                "room": b.room,
                "starts_at": crate::db::iso(b.starts_at),
                "ends_at": crate::db::iso(b.ends_at),
                "state": b.state,
                "purpose": b.purpose,
                "checked_in_at": b.checked_in_at.map(crate::db::iso),
            }))
            .collect::<Vec<_>>()
    ))
}

/// The demo estate's bookable rooms: the dance room (anyone, no approval)
/// and the meeting room (approved by a lead of the recreation group), with
/// a few bookings by `people` in the coming days.
pub async fn demo(db: &Db, community_id: i64, people: &[i64]) -> Result<(), StoreError> {
    use crate::community::{Place, Workgroup};
    let approver = Workgroup::list(db, community_id)
        .await?
        .into_iter()
        .find(|w| w.code == "recreation")
        .map(|w| w.id);
    for (place, code, longest, approver) in [
        ("DANCE", "dance", 120, None),
        ("MEETING", "meeting", 180, approver),
    ] {
        let Some(place) = Place::by_code(db, community_id, place).await? else {
            continue;
        };
        let settings = store::RoomSettings {
            place_id: place.id,
            code: code.to_string(),
            opens_minute: 8 * 60,
            closes_minute: 21 * 60,
            longest_minutes: longest,
            who_may_book: "residents".into(),
            approver_workgroup_id: approver,
            grace_minutes: 15,
        };
        store::save(db, community_id, &settings).await?;
    }
    let community = crate::web::Community::by_id(db, community_id).await?;
    let tz = community.tz();
    let today = rules::local(&tz, crate::db::now())
        .map(|t| t.date())
        .unwrap_or_default();
    // (room, days from today, hour, hours long, who, what for); at hours
    // the demo's classes leave free.
    let bookings = [
        ("dance", 1, 19, 1, 0, "广场舞排练 Square dance practice"),
        ("dance", 2, 10, 2, 1, "合唱团 Choir"),
        ("meeting", 3, 14, 2, 1, "楼长会议 Building heads' meeting"),
    ];
    for (code, days, hour, long, who, purpose) in bookings {
        let (Some(room), Some(&account_id)) = (
            store::by_code(db, community_id, code).await?,
            people.get(who),
        ) else {
            continue;
        };
        let Ok(date) = today.checked_add(jiff::Span::new().days(days)) else {
            continue;
        };
        let Some(starts) = jiff::civil::Time::new(hour, 0, 0, 0)
            .ok()
            .and_then(|t| rules::at_local(&tz, date, t))
        else {
            continue;
        };
        let holder = store::Holder::Person {
            account_id,
            purpose,
            pending: room.approver_workgroup_id.is_some(),
        };
        store::book(db, &room, starts, starts + long * 3600, holder).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_may_book_each_kind_of_room() {
        for role in Role::ALL {
            assert!(may_book("residents", role), "{role:?}");
        }
        assert!(!may_book("members", Role::Resident));
        assert!(may_book("members", Role::Volunteer));
        assert!(!may_book("staff", Role::Volunteer));
        assert!(may_book("staff", Role::Member));
        assert!(
            !may_book("nonsense", Role::Resident),
            "an unknown rule lets only staff book"
        );
    }
}
