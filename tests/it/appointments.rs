//! A visit agreed with the resident: the team offers a time, the resident
//! is told and agrees or asks for another; only a later time she asks for
//! moves the deadline, by exactly the delay. Neighbours never see when.

use std::sync::Arc;

use crate::on_both_engines;
use crate::support::{Person, TestApp};

on_both_engines!(a_visit_is_agreed_and_only_a_later_time_moves_the_deadline);

/// `days` from now at 09:00 in the estate's time zone, as a
/// `datetime-local` field sends it, and as a moment.
fn at_nine(days: i64) -> (String, i64) {
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone");
    let day = jiff::Timestamp::now()
        .to_zoned_datetime(tz.clone())
        .date()
        .checked_add(jiff::Span::new().days(days))
        .expect("day");
    let local = day.at(9, 0, 0, 0);
    let moment = tz
        .to_ambiguous_zoned_datetime(local)
        .compatible()
        .expect("time")
        .timestamp()
        .as_second();
    (local.strftime("%Y-%m-%dT%H:%M").to_string(), moment)
}

async fn due_and_visit(app: &TestApp, code: &str) -> (i64, Option<i64>, String) {
    grassroots::on_db!(&app.db, |pool| sqlx::query_as::<_, (i64, Option<i64>, String)>(
        "SELECT resolution_due_at, appointment_at, appointment_state FROM requests WHERE tracking_code = $1"
    )
    .bind(code)
    .fetch_one(pool)
    .await)
    .expect("request")
}

async fn offer(zhang: &Person, code: &str, slot: &str) -> u16 {
    zhang
        .post_form(
            &format!("/r/{code}/act"),
            &[("action", "appoint"), ("slot", slot)],
        )
        .await
        .status
}

async fn a_visit_is_agreed_and_only_a_later_time_moves_the_deadline(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let code = huang
        .report(
            &[
                ("category", "water"),
                ("place", "B1"),
                ("description", "卫生间墙里有流水声"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    let zhang = app.signed_in("zhang").await;
    let took = zhang
        .post_form(&format!("/r/{code}/act"), &[("action", "take")])
        .await;
    assert_eq!(took.status, 303);

    // A time already past is refused, saying why.
    let (past, _) = at_nine(-1);
    let refused = zhang
        .post_form(
            &format!("/r/{code}/act"),
            &[("action", "appoint"), ("slot", &past)],
        )
        .await;
    assert_eq!(refused.status, 409);
    assert!(
        refused.body.contains("这个时间已经过去了"),
        "{}",
        refused.body
    );

    let (tomorrow, tomorrow_at) = at_nine(1);
    assert_eq!(offer(&zhang, &code, &tomorrow).await, 303);
    let (due, visit, state) = due_and_visit(&app, &code).await;
    assert_eq!((visit, state.as_str()), (Some(tomorrow_at), "proposed"));
    let news = huang.get("/my").await;
    assert!(news.body.contains("工作人员约您上门时间"), "she is told");
    let page = huang.get(&format!("/r/{code}")).await;
    assert!(page.body.contains("什么时候方便上门？") && page.body.contains("这个时间可以"));
    assert!(
        page.body.contains("已收到") || page.body.contains("已答复"),
        "an offer answers the request"
    );

    // She agrees: nothing moves.
    let agreed = huang
        .post_form(&format!("/r/{code}/appointment"), &[("answer", "agree")])
        .await;
    assert_eq!(agreed.status, 303, "{}", agreed.body);
    assert_eq!(
        due_and_visit(&app, &code).await,
        (due, Some(tomorrow_at), "agreed".into())
    );

    // Offered again; she asks for two days later: the deadline moves by two days.
    assert_eq!(offer(&zhang, &code, &tomorrow).await, 303);
    let (later, later_at) = at_nine(3);
    let moved = huang
        .post_form(
            &format!("/r/{code}/appointment"),
            &[("answer", "move"), ("slot", &later)],
        )
        .await;
    assert_eq!(moved.status, 303);
    assert_eq!(
        due_and_visit(&app, &code).await,
        (
            due + (later_at - tomorrow_at),
            Some(later_at),
            "agreed".into()
        )
    );
    assert_eq!(later_at - tomorrow_at, 2 * 86_400);
    let due = due + 2 * 86_400;

    // Asking for an earlier time moves nothing.
    let (sooner, sooner_at) = at_nine(2);
    let moved = huang
        .post_form(
            &format!("/r/{code}/appointment"),
            &[("answer", "move"), ("slot", &sooner)],
        )
        .await;
    assert_eq!(moved.status, 303);
    assert_eq!(
        due_and_visit(&app, &code).await,
        (due, Some(sooner_at), "agreed".into())
    );
    let staff = zhang.get(&format!("/r/{code}")).await;
    assert!(
        staff.body.contains("居民改约了时间"),
        "the history says who moved it"
    );
    let inbox = zhang.get("/my").await;
    assert!(
        inbox.body.contains("居民回复了上门时间"),
        "the one handling it is told"
    );

    // Neighbours and strangers: no time shown, no answer taken.
    let neighbour = app.signed_in("sun").await;
    let seen = neighbour.get(&format!("/r/{code}")).await;
    assert_eq!(seen.status, 200);
    assert!(
        !seen.body.contains("上门时间"),
        "when someone is home is private"
    );
    let not_hers = neighbour
        .post_form(&format!("/r/{code}/appointment"), &[("answer", "agree")])
        .await;
    assert_eq!(not_hers.status, 403);

    // By the API: the team offers, the resident agrees.
    let (friday, friday_at) = at_nine(4);
    let offered = zhang
        .http
        .post(app.url(&format!("/api/v1/requests/{code}/actions")))
        .json(&serde_json::json!({"action": "appoint", "slot": friday}))
        .send()
        .await
        .expect("offer");
    assert_eq!(offered.status().as_u16(), 200);
    let offered: serde_json::Value = offered.json().await.expect("json");
    assert_eq!(offered["appointment"]["state"], "proposed");
    let answered: serde_json::Value = huang
        .http
        .post(app.url(&format!("/api/v1/requests/{code}/appointment")))
        .json(&serde_json::json!({"answer": "agree"}))
        .send()
        .await
        .expect("answer")
        .json()
        .await
        .expect("json");
    assert_eq!(answered["appointment"]["state"], "agreed");
    assert_eq!(due_and_visit(&app, &code).await.1, Some(friday_at));
    let public: serde_json::Value = app.public_json(&format!("/api/v1/requests/{code}")).await;
    assert!(public["appointment"].is_null(), "not for the public");
}
