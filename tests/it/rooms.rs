//! Shared rooms: twenty people booking the same hour end with one booking;
//! the room's rules refuse bad times with a message that says why; a
//! booking nobody checked into is released and the room shows free.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(
    twenty_bookings_of_one_hour_end_with_one,
    a_bad_booking_is_refused_with_the_reason,
    a_booking_from_the_week_view_and_its_release,
);

/// A local wall time in the demo estate's zone (Asia/Shanghai), some days
/// from now, as RFC 3339.
fn local(days: i64, hour: i8, minute: i8) -> String {
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone");
    let today = jiff::Timestamp::now().to_zoned_datetime(tz.clone()).date();
    let day = today
        .checked_add(jiff::Span::new().days(days))
        .expect("day");
    let at = day
        .to_datetime(jiff::civil::Time::new(hour, minute, 0, 0).expect("time"))
        .to_zoned_datetime(tz)
        .expect("zoned");
    at.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

async fn holding(app: &TestApp, room: &str) -> Vec<(i64, i64)> {
    grassroots::on_db!(&app.db, |pool| sqlx::query_as::<_, (i64, i64)>(
        "SELECT b.starts_at, b.ends_at FROM bookings b JOIN rooms r ON r.id = b.room_id \
         WHERE r.code = $1 AND b.state IN ('pending', 'confirmed') ORDER BY b.starts_at"
    )
    .bind(room)
    .fetch_all(pool)
    .await)
    .expect("bookings")
}

async fn book(app: &TestApp, token: &str, room: &str, body: &Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/rooms/{room}/bookings")))
        .bearer_auth(token)
        .header("accept-language", "en")
        .json(body)
        .send()
        .await
        .expect("POST");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn twenty_bookings_of_one_hour_end_with_one(app: Arc<TestApp>) {
    let rooms = app.public_json("/api/v1/rooms").await;
    let codes: Vec<&str> = rooms
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|r| r["code"].as_str())
        .collect();
    assert!(
        codes.contains(&"dance") && codes.contains(&"meeting"),
        "{rooms}"
    );
    let before = holding(&app, "dance").await;
    let mut tokens = Vec::new();
    for who in ["huang", "sun", "zhao", "wu", "chen"] {
        tokens.push(app.api_token(who).await);
    }
    let hour = json!({"starts_at": local(9, 10, 0), "ends_at": local(9, 11, 0)});
    let mut all = tokio::task::JoinSet::new();
    for i in 0..20 {
        let app = app.clone();
        let token = tokens[i % tokens.len()].clone();
        let hour = hour.clone();
        all.spawn(async move { book(&app, &token, "dance", &hour).await });
    }
    let mut made = Vec::new();
    let mut refused = 0;
    while let Some(done) = all.join_next().await {
        let (status, body) = done.expect("task");
        match status {
            201 => made.push(body),
            409 => {
                assert_eq!(body["error"]["code"], "conflict", "{body}");
                assert!(
                    body["error"]["message"]
                        .as_str()
                        .unwrap_or("")
                        .contains("already booked"),
                    "{body}"
                );
                refused += 1;
            }
            other => panic!("a booking answered {other}: {body}"),
        }
    }
    assert_eq!(made.len(), 1, "exactly one booking: {made:?}");
    assert_eq!(refused, 19);
    assert_eq!(made[0]["state"], "confirmed");
    assert_eq!(made[0]["room"], "dance");
    let after = holding(&app, "dance").await;
    assert_eq!(after.len(), before.len() + 1);
    for pair in after.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "bookings overlap: {after:?}");
    }
    // A span that overlaps part of the hour is refused too; one that only
    // touches it is not.
    let (status, _) = book(
        &app,
        &tokens[0],
        "dance",
        &json!({"starts_at": local(9, 10, 30), "ends_at": local(9, 11, 30)}),
    )
    .await;
    assert_eq!(status, 409);
    let (status, body) = book(
        &app,
        &tokens[0],
        "dance",
        &json!({"starts_at": local(9, 11, 0), "ends_at": local(9, 12, 0)}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // The meeting room waits for a lead of the recreation group.
    let (status, body) = book(
        &app,
        &tokens[1],
        "meeting",
        &json!({"starts_at": local(9, 14, 0), "ends_at": local(9, 15, 0), "purpose": "读书会"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["state"], "pending");
    let wu = app.signed_in("wu").await;
    let page = wu.get("/rooms").await;
    assert!(page.body.contains("读书会"), "the lead sees it to approve");
    let id = body["id"].as_i64().expect("id");
    let zhang = app.signed_in("zhang").await;
    let refused = zhang
        .post_form(&format!("/rooms/bookings/{id}/approve"), &[])
        .await;
    assert_eq!(
        refused.status, 403,
        "only the room's approving lead decides"
    );
    let approved = wu
        .post_form(&format!("/rooms/bookings/{id}/approve"), &[])
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let state: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT state FROM bookings WHERE id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await)
    .expect("state");
    assert_eq!(state, "confirmed");
}

async fn a_bad_booking_is_refused_with_the_reason(app: Arc<TestApp>) {
    let token = app.api_token("huang").await;
    let cases = [
        (local(9, 22, 0), local(9, 23, 0), 422, "closed at that time"),
        (local(9, 7, 0), local(9, 9, 0), 422, "closed at that time"),
        (local(9, 9, 0), local(9, 12, 0), 422, "longer than"),
        (local(9, 10, 0), local(9, 9, 0), 422, "end must be after"),
        (local(9, 10, 0), local(9, 10, 0), 422, "end must be after"),
        (local(-1, 10, 0), local(-1, 11, 0), 422, "already passed"),
        (
            "tomorrow at ten".to_string(),
            local(9, 11, 0),
            422,
            "hours and minutes",
        ),
    ];
    for (starts, ends, status, words) in cases {
        let (got, body) = book(
            &app,
            &token,
            "dance",
            &json!({"starts_at": starts, "ends_at": ends}),
        )
        .await;
        assert_eq!(got, status, "{starts}–{ends}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains(words),
            "{starts}–{ends}: {body}"
        );
    }
    let (status, _) = book(
        &app,
        &token,
        "nowhere",
        &json!({"starts_at": local(9, 10, 0), "ends_at": local(9, 11, 0)}),
    )
    .await;
    assert_eq!(status, 404);
    let anonymous = reqwest::Client::new()
        .post(app.url("/api/v1/rooms/dance/bookings"))
        .json(&json!({"starts_at": local(9, 10, 0), "ends_at": local(9, 11, 0)}))
        .send()
        .await
        .expect("POST");
    assert_eq!(anonymous.status().as_u16(), 401);

    // On the page, in Chinese: the message, and what was typed is kept.
    let huang = app.signed_in("huang").await;
    let day = &local(9, 0, 0)[..10];
    let page = huang
        .post_form(
            "/rooms/dance/bookings",
            &[
                ("date", day),
                ("from", "20:00"),
                ("to", "22:30"),
                ("purpose", "排练新舞"),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(
        page.body.contains("超过了这个场地单次可预约的时长"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("排练新舞") && page.body.contains("22:30"),
        "what was typed stays"
    );
    let page = huang
        .post_form(
            "/rooms/dance/bookings",
            &[("date", "2026-02-30"), ("from", "20:00"), ("to", "21:00")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("请选择日期"), "{}", page.body);
}

async fn a_booking_from_the_week_view_and_its_release(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let day = &local(9, 0, 0)[..10];
    let week = huang.get(&format!("/rooms/dance?week={day}")).await;
    assert_eq!(week.status, 200);
    assert!(week.body.contains("slot-free"), "free hours are shown");
    // A tap on a free hour books it.
    let booked = huang
        .post_form(
            "/rooms/dance/bookings",
            &[("date", day), ("from", "16:00"), ("to", "17:00")],
        )
        .await;
    assert_eq!(booked.status, 303, "{}", booked.body);
    let shown = huang.get(&booked.location).await;
    assert!(
        shown.body.contains("slot-mine"),
        "the hour is the resident's now"
    );
    let sun = app.signed_in("sun").await;
    let seen = sun.get(&format!("/rooms/dance?week={day}")).await;
    assert!(seen.body.contains("slot-taken"), "others see it booked");
    assert!(!seen.body.contains("黄奶奶"), "but not by whom");

    // Bookings that began a while ago: the one nobody checked into is
    // released; the checked-in one and the one still in its grace stay.
    let now = grassroots::db::now();
    let room_id: i64 = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT id FROM rooms WHERE code = 'dance'"
    )
    .fetch_one(pool)
    .await)
    .expect("room");
    let huang_id: i64 = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT id FROM accounts WHERE username = 'huang'"
    )
    .fetch_one(pool)
    .await)
    .expect("huang");
    let mut ids = Vec::new();
    for (starts, ends, checked) in [
        (now - 40 * 60, now - 35 * 60, None),
        (now - 30 * 60, now - 25 * 60, Some(now - 29 * 60)),
        (now - 10 * 60, now + 20 * 60, None),
    ] {
        let id: i64 = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
            "INSERT INTO bookings (community_id, room_id, starts_at, ends_at, account_id, state, checked_in_at, created_at) \
             SELECT community_id, id, $2, $3, $4, 'confirmed', $5, $2 FROM rooms WHERE id = $1 RETURNING id"
        )
        .bind(room_id)
        .bind(starts)
        .bind(ends)
        .bind(huang_id)
        .bind(checked)
        .fetch_one(pool)
        .await)
        .expect("insert");
        ids.push(id);
    }
    let released = grassroots::rooms::store::release_unchecked(&app.db, now)
        .await
        .expect("release");
    assert_eq!(released, 1, "only the unchecked one past its grace");
    let again = grassroots::rooms::store::release_unchecked(&app.db, now)
        .await
        .expect("release");
    assert_eq!(again, 0, "released once");
    let states: Vec<String> = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT state FROM bookings WHERE id IN ($1, $2, $3) ORDER BY id"
    )
    .bind(ids[0])
    .bind(ids[1])
    .bind(ids[2])
    .fetch_all(pool)
    .await)
    .expect("states");
    assert_eq!(states, ["released", "confirmed", "confirmed"]);
    // The one still within its grace is checked in from the rooms page.
    let rooms = huang.get("/rooms").await;
    assert!(
        rooms
            .body
            .contains(&format!("/rooms/bookings/{}/check-in", ids[2])),
        "{}",
        rooms.body
    );
    let checked = huang
        .post_form(&format!("/rooms/bookings/{}/check-in", ids[2]), &[])
        .await;
    assert_eq!(checked.status, 303);
    let later = grassroots::rooms::store::release_unchecked(&app.db, now + 3600)
        .await
        .expect("release");
    assert_eq!(later, 0, "a checked-in booking is kept");
    // Someone else cannot cancel it.
    let not_hers = sun
        .post_form(&format!("/rooms/bookings/{}/cancel", ids[2]), &[])
        .await;
    assert_eq!(not_hers.status, 403);
}
