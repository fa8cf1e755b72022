//! Volunteers on duty: the Red Armband team's lead makes shifts, a
//! volunteer signs up, swaps with a teammate, serves (checked in and out,
//! or confirmed by the lead) and sees the hours; hours by hand count once
//! approved; reception hands a request to whoever is on duty, who closes
//! it from their phone, and the request's history says so. Bad input is
//! told in the person's language and loses nothing.

use std::sync::Arc;

use grassroots::db::now;

use crate::on_both_engines;
use crate::support::{Person, TestApp};

on_both_engines!(
    a_volunteer_signs_up_swaps_serves_and_sees_the_hours,
    reception_hands_a_request_to_the_volunteer_on_duty_who_closes_it,
    each_shift_is_reminded_once_even_with_two_instances,
);

const HOUR: i64 = 3600;

/// Moves a shift in time, as the clock would: it now runs from `from` to
/// `to` seconds after the present.
async fn move_shift(app: &TestApp, shift: i64, from: i64, to: i64) {
    let at = now();
    grassroots::on_db!(&app.db, |pool| sqlx::query(
        "UPDATE shifts SET starts_at = $1, ends_at = $2 WHERE id = $3"
    )
    .bind(at + from)
    .bind(at + to)
    .bind(shift)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .expect("move the shift");
}

/// A date in the estate's zone, `days` from today.
fn day(days: i64) -> String {
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone");
    jiff::Timestamp::now()
        .to_zoned_datetime(tz)
        .date()
        .checked_add(jiff::Span::new().days(days))
        .expect("a day")
        .to_string()
}

async fn shift_act(who: &Person, shift: i64, fields: &[(&str, &str)]) -> crate::support::Answer {
    who.post_form(&format!("/volunteers/shifts/{shift}"), fields)
        .await
}

async fn a_volunteer_signs_up_swaps_serves_and_sees_the_hours(app: Arc<TestApp>) {
    let chen = app.signed_in_speaking("chen", "en").await;
    let zhao = app.signed_in_speaking("zhao", "en").await;
    let feng = app.signed_in_speaking("feng", "zh").await;
    let huang = app.signed_in("huang").await;

    // The lead's form refuses a shift without a name or with too many
    // weeks, keeps what was typed, and says why.
    let team = app
        .number(
            "SELECT id FROM workgroups WHERE code = 'security' AND $1 = $1",
            0,
        )
        .await;
    let team = team.to_string();
    let date = day(3);
    let bad = chen
        .post_form(
            "/volunteers/shifts/new",
            &[
                ("team", &team),
                ("title", ""),
                ("place", "东门 East gate"),
                ("date", &date),
                ("starts", "07:00"),
                ("ends", "08:00"),
                ("weeks", "13"),
                ("places", "2"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Give the shift a name"), "{}", bad.body);
    assert!(bad.body.contains("from 1 to 12"));
    assert!(
        bad.body.contains("东门 East gate"),
        "what was typed is kept"
    );
    let past = chen
        .post_form(
            "/volunteers/shifts/new",
            &[
                ("team", &team),
                ("title", "Morning patrol"),
                ("date", &day(-2)),
                ("starts", "07:00"),
                ("ends", "08:00"),
                ("weeks", "1"),
                ("places", "2"),
            ],
        )
        .await;
    assert_eq!(past.status, 422);
    assert!(past.body.contains("already be over"));
    // A resident leads no team.
    assert_eq!(huang.get("/volunteers/shifts/new").await.status, 403);

    let made = chen
        .post_form(
            "/volunteers/shifts/new",
            &[
                ("team", &team),
                ("title", "Morning patrol"),
                ("place", "东门 East gate"),
                ("route", "East gate, building 5"),
                ("date", &date),
                ("starts", "07:00"),
                ("ends", "08:00"),
                ("weeks", "2"),
                ("places", "2"),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let shift: i64 = made
        .location
        .trim_start_matches("/volunteers/shifts/")
        .split('?')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("the shift's page");
    assert_eq!(
        app.number(
            "SELECT COUNT(*) FROM shifts WHERE series = $1 OR id = $1",
            shift
        )
        .await,
        2,
        "two weeks, two shifts"
    );

    // Zhao signs up; a second shift at the same time is refused.
    let signed = shift_act(&zhao, shift, &[("action", "signup")]).await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    assert!(
        zhao.get("/volunteers")
            .await
            .body
            .contains("Morning patrol")
    );
    let again = chen
        .post_form(
            "/volunteers/shifts/new",
            &[
                ("team", &team),
                ("title", "Gate watch"),
                ("date", &date),
                ("starts", "07:30"),
                ("ends", "09:00"),
                ("weeks", "1"),
                ("places", "2"),
            ],
        )
        .await;
    let clash: i64 = again
        .location
        .trim_start_matches("/volunteers/shifts/")
        .split('?')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("made");
    let overlap = shift_act(&zhao, clash, &[("action", "signup")]).await;
    assert_eq!(overlap.status, 422);
    assert!(
        overlap.body.contains("already on a shift at that time"),
        "{}",
        overlap.body
    );
    let overlap_zh = shift_act(&app.signed_in("zhao").await, clash, &[("action", "signup")]).await;
    assert!(
        overlap_zh.body.contains("您在这个时间已经有班了。"),
        "in Chinese too"
    );

    // A swap goes only to a member of the team.
    let huang_id = app.account_id("huang").await.to_string();
    let outside = shift_act(&zhao, shift, &[("action", "swap"), ("to", &huang_id)]).await;
    assert_eq!(outside.status, 422);
    assert!(
        outside
            .body
            .contains("only go to a member of the same team")
    );
    let feng_id = app.account_id("feng").await;
    let asked = shift_act(
        &zhao,
        shift,
        &[("action", "swap"), ("to", &feng_id.to_string())],
    )
    .await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    let offered = feng.get("/volunteers").await;
    assert!(
        offered.body.contains("请您接这个班"),
        "Feng is asked, in Chinese"
    );
    let swap = app
        .number(
            "SELECT MAX(id) FROM shift_swaps WHERE to_account = $1",
            feng_id,
        )
        .await;
    // Only the one asked answers.
    assert_eq!(
        zhao.post_form(&format!("/volunteers/swaps/{swap}"), &[("accept", "1")])
            .await
            .status,
        404
    );
    let taken = feng
        .post_form(&format!("/volunteers/swaps/{swap}"), &[("accept", "1")])
        .await;
    assert_eq!(taken.status, 303, "{}", taken.body);
    let roster = chen.get(&format!("/volunteers/shifts/{shift}")).await;
    assert!(roster.body.contains("冯大伯"), "Feng is on it now");
    assert!(!roster.body.contains("赵阿姨"), "Zhao is not");

    // Feng serves it: the shift is going on now (the clock moved), she
    // checks in, and out forty minutes later.
    move_shift(&app, shift, -HOUR / 2, HOUR / 2).await;
    let early = shift_act(&feng, shift, &[("action", "checkout")]).await;
    assert_eq!(early.status, 422, "no checking out before checking in");
    assert_eq!(
        shift_act(&feng, shift, &[("action", "checkin")])
            .await
            .status,
        303
    );
    grassroots::on_db!(&app.db, |pool| sqlx::query(
        "UPDATE shift_signups SET checked_in_at = checked_in_at - 2400 WHERE shift_id = $1"
    )
    .bind(shift)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .expect("forty minutes pass");
    assert_eq!(
        shift_act(&feng, shift, &[("action", "checkout")])
            .await
            .status,
        303
    );
    let served = app
        .number(
            "SELECT minutes FROM shift_signups WHERE shift_id = $1 AND state = 'on'",
            shift,
        )
        .await;
    assert!(
        (30..=41).contains(&served),
        "served within the shift: {served}"
    );

    // Zhao's other shift ended unchecked: the lead confirms it was served.
    let second = app
        .number("SELECT MAX(id) FROM shifts WHERE series = $1", shift)
        .await;
    assert_eq!(
        shift_act(&zhao, second, &[("action", "signup")])
            .await
            .status,
        303
    );
    move_shift(&app, second, -3 * HOUR, -2 * HOUR).await;
    let signup = app
        .number("SELECT id FROM shift_signups WHERE shift_id = $1", second)
        .await
        .to_string();
    assert_eq!(
        shift_act(&zhao, second, &[("action", "confirm"), ("signup", &signup)])
            .await
            .status,
        403,
        "only a lead confirms"
    );
    let confirmed = shift_act(&chen, second, &[("action", "confirm"), ("signup", &signup)]).await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    let hours = zhao.get("/volunteers/hours").await;
    assert!(
        hours.body.contains("1.0 hours"),
        "the hour counts: {}",
        hours.body
    );

    // Hours by hand: never in the future; counted once the lead approves.
    let future = zhao
        .post_form(
            "/volunteers/hours",
            &[
                ("team", &team),
                ("done_on", &day(2)),
                ("minutes", "90"),
                ("what", "Carried water"),
            ],
        )
        .await;
    assert_eq!(future.status, 422);
    assert!(
        future
            .body
            .contains("only be written for work already done")
    );
    assert!(future.body.contains("Carried water"), "kept");
    let claimed = zhao
        .post_form(
            "/volunteers/hours",
            &[
                ("team", &team),
                ("done_on", &day(-1)),
                ("minutes", "90"),
                ("what", "Carried water"),
            ],
        )
        .await;
    assert_eq!(claimed.status, 303, "{}", claimed.body);
    let report = chen.get("/volunteers/report").await;
    assert!(
        report.body.contains("Carried water"),
        "waiting for the lead"
    );
    let claim = app
        .number("SELECT MAX(id) FROM service_claims WHERE $1 = $1", 0)
        .await;
    assert_eq!(
        zhao.post_form(&format!("/volunteers/claims/{claim}"), &[("approve", "1")])
            .await
            .status,
        403
    );
    assert_eq!(
        chen.post_form(&format!("/volunteers/claims/{claim}"), &[("approve", "1")])
            .await
            .status,
        303
    );
    let hours = zhao.get("/volunteers/hours").await;
    assert!(
        hours.body.contains("2.5 hours"),
        "an hour served and ninety minutes by hand: {}",
        hours.body
    );
    let certificate = zhao.get("/volunteers/hours/certificate").await;
    assert_eq!(certificate.status, 200);
    assert!(certificate.body.contains("赵阿姨") && certificate.body.contains("2.5"));
    let report = chen.get("/volunteers/report").await;
    assert!(report.body.contains("shifts filled"), "{}", report.body);

    // The API gives the volunteer her shifts.
    let api = zhao.get_json("/api/v1/volunteers/shifts").await;
    assert_eq!(api.status, 200);
    let shifts: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert!(shifts.as_array().is_some_and(|s| !s.is_empty()));
}

async fn reception_hands_a_request_to_the_volunteer_on_duty_who_closes_it(app: Arc<TestApp>) {
    let reception = app.signed_in_speaking("reception", "en").await;
    let zhao = app.signed_in_speaking("zhao", "en").await;
    let huang = app.signed_in_speaking("huang", "en").await;

    // Zhao is on the demo's patrol now; reception sees her and her phone,
    // residents do not see the duty view at all.
    let duty = reception.get("/duty").await;
    assert_eq!(duty.status, 200);
    assert!(
        duty.body.contains("赵阿姨") && duty.body.contains("13800138000"),
        "{}",
        duty.body
    );
    assert_eq!(huang.get("/duty").await.status, 403);
    // Staff of another workgroup see who is on duty, not their phones.
    let zhang = app.signed_in("zhang").await.get("/duty").await;
    assert!(zhang.body.contains("赵阿姨") && !zhang.body.contains("13800138000"));

    let filed = huang
        .report(
            &[
                ("category", "help"),
                ("place", "B1-101"),
                ("description", "灯泡坏了，够不着，想请人帮忙换一下。"),
            ],
            &[],
        )
        .await;
    assert_eq!(filed.status, 303, "{}", filed.body);
    let code = filed.code();
    let zhao_id = app.account_id("zhao").await.to_string();

    // Bad input: an unknown code, someone not on duty.
    let unknown = reception
        .post_form("/duty", &[("code", "99999999"), ("to", &zhao_id)])
        .await;
    assert_eq!(unknown.status, 422);
    assert!(
        unknown
            .body
            .contains("No request of this community has that code")
    );
    assert!(unknown.body.contains("99999999"), "the code typed is kept");
    // A volunteer hands only her own workgroup's requests: Huang's lift is
    // the property team's, so for Zhao there is no such request.
    let lift = huang
        .report(
            &[
                ("category", "lift"),
                ("place", "B1"),
                ("description", "电梯按钮不亮了"),
            ],
            &[],
        )
        .await
        .code();
    let not_hers = zhao
        .post_form("/duty", &[("code", &lift), ("to", &zhao_id)])
        .await;
    assert_eq!(not_hers.status, 422);
    assert!(
        not_hers
            .body
            .contains("No request of this community has that code")
    );
    let chen_id = app.account_id("chen").await.to_string();
    let off = reception
        .post_form("/duty", &[("code", &code), ("to", &chen_id)])
        .await;
    assert_eq!(off.status, 422);
    assert!(off.body.contains("not on duty now"));

    let handed = reception
        .post_form("/duty", &[("code", &code), ("to", &zhao_id)])
        .await;
    assert_eq!(handed.status, 303, "{}", handed.body);
    let twice = reception
        .post_form("/duty", &[("code", &code), ("to", &zhao_id)])
        .await;
    assert_eq!(twice.status, 422, "one open task a request");

    // Zhao sees it on her phone, in her list and in the API.
    let mine = zhao.get("/volunteers").await;
    assert!(mine.body.contains(&code));
    let tasks: serde_json::Value =
        serde_json::from_str(&zhao.get_json("/api/v1/volunteers/tasks").await.body).expect("json");
    assert!(
        tasks
            .as_array()
            .expect("a list")
            .iter()
            .any(|t| t["request"] == code.as_str())
    );
    let task = app.task_for(&code).await;
    let page = zhao.get(&format!("/volunteers/tasks/{task}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("够不着"));
    // Nobody else's task: another volunteer is told it does not exist.
    assert_eq!(
        app.signed_in("feng")
            .await
            .get(&format!("/volunteers/tasks/{task}"))
            .await
            .status,
        404
    );

    // Closing needs a word of what was done.
    let silent = zhao
        .post_form(
            &format!("/volunteers/tasks/{task}"),
            &[("note", ""), ("minutes", "20")],
        )
        .await;
    assert_eq!(silent.status, 422);
    let done = zhao
        .post_form(
            &format!("/volunteers/tasks/{task}"),
            &[("note", "Changed the bulb."), ("minutes", "20")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);

    // The request's history says both, and it waits for Huang to confirm.
    let staff_view = app
        .signed_in_speaking("chen", "en")
        .await
        .get(&format!("/r/{code}"))
        .await;
    assert!(
        staff_view.body.contains("Handed to the volunteer on duty"),
        "{}",
        staff_view.body
    );
    assert!(staff_view.body.contains("The volunteer on duty finished"));
    let status: String = grassroots::requests::record::by_code(&app.db, &code)
        .await
        .expect("query")
        .expect("request")
        .status;
    assert_eq!(status, "resolved");

    // The task's minutes count once Huang confirms.
    assert!(
        !zhao
            .get("/volunteers/hours")
            .await
            .body
            .contains("0.3 hours")
    );
    let confirmed = huang
        .post_form(
            &format!("/r/{code}/confirm"),
            &[
                ("solved", "yes"),
                ("rating", "5"),
                ("comment", "谢谢赵阿姨"),
            ],
        )
        .await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    let hours = zhao.get("/volunteers/hours").await;
    assert!(
        hours.body.contains("0.3 hours"),
        "twenty minutes: {}",
        hours.body
    );
}

async fn each_shift_is_reminded_once_even_with_two_instances(app: Arc<TestApp>) {
    // The demo's evening patrols begin tomorrow; move one to within the
    // hour.
    let shift = app.number("SELECT MIN(s.id) FROM shifts s JOIN shift_signups g ON g.shift_id = s.id WHERE s.starts_at > $1",
        now(),
    )
    .await;
    // The server's own scheduler may pass too: it counts as an instance.
    let before = app
        .number(
            "SELECT COUNT(*) FROM notifications WHERE message_key = 'notify-duty-soon' AND $1 = $1",
            0,
        )
        .await;
    move_shift(&app, shift, HOUR, 3 * HOUR).await;
    let people = app
        .number(
            "SELECT COUNT(*) FROM shift_signups WHERE shift_id = $1 AND state = 'on'",
            shift,
        )
        .await;
    let at = now();
    let (a, b) = tokio::join!(
        grassroots::volunteers::remind(&app.db, at),
        grassroots::volunteers::remind(&app.db, at)
    );
    assert!(a.expect("one") + b.expect("two") <= people as u64);
    grassroots::volunteers::remind(&app.db, at + 60)
        .await
        .expect("a later pass");
    let after = app
        .number(
            "SELECT COUNT(*) FROM notifications WHERE message_key = 'notify-duty-soon' AND $1 = $1",
            0,
        )
        .await;
    assert_eq!(after - before, people, "one reminder a person");
}
