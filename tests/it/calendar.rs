//! The administrator keeps a working calendar; ordinary deadlines count
//! working hours by it, danger by the clock.

use std::sync::Arc;

use grassroots::calendar::WorkCalendar;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::on_both_engines;
use crate::support::{Person, TestApp};

on_both_engines!(
    deadlines_follow_the_working_calendar,
    a_calendar_with_mistakes_keeps_what_was_typed
);

fn seconds(iso: &serde_json::Value) -> i64 {
    iso.as_str()
        .and_then(|s| s.parse::<jiff::Timestamp>().ok())
        .map(|t| t.as_second())
        .expect("an ISO 8601 time")
}

async fn lift_request(huang: &Person, urgency: &str) -> serde_json::Value {
    let sent = huang
        .report(
            &[
                ("category", "lift"),
                ("place", "B2"),
                ("description", "2号楼电梯按钮失灵"),
                ("kind", "report"),
                ("urgency", urgency),
                ("visibility", "public"),
                ("contact", "site"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let json = huang
        .get_json(&format!("/api/v1/requests/{}", sent.code()))
        .await;
    assert_eq!(json.status, 200, "{}", json.body);
    serde_json::from_str(&json.body).expect("json")
}

async fn deadlines_follow_the_working_calendar(app: Arc<TestApp>) {
    let shanghai = TimeZone::get("Asia/Shanghai").expect("zone");
    let today: Date = jiff::Timestamp::now()
        .to_zoned_datetime(shanghai.clone())
        .date();
    let tomorrow = today.tomorrow().expect("tomorrow");
    let secretary = app.signed_in("secretary").await;
    let form = secretary.get("/admin/calendar").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("工作时间") && form.body.contains("value=\"08:30\""));
    // Three working hours a day, every day but Sunday, tomorrow a holiday.
    let holiday = format!("{tomorrow} 测试假日");
    let saved = secretary
        .post_form(
            "/admin/calendar",
            &[
                ("on", "1"),
                ("d1", "1"),
                ("d2", "1"),
                ("d3", "1"),
                ("d4", "1"),
                ("d5", "1"),
                ("d6", "1"),
                ("open", "09:00"),
                ("close", "12:00"),
                ("holidays", &holiday),
                ("workdays", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("已保存") && saved.body.contains(&holiday));

    let mut calendar = WorkCalendar::standard(shanghai);
    (calendar.open, calendar.close) = (9 * 60, 12 * 60);
    calendar.weekdays = [true, true, true, true, true, true, false];
    calendar.holidays.insert(tomorrow);

    let huang = app.signed_in("huang").await;
    // The lift category answers in 2 hours and resolves in 3 days.
    let general = lift_request(&huang, "general").await;
    let created = seconds(&general["created_at"]);
    let response_due = seconds(&general["response_due_at"]);
    let resolution_due = seconds(&general["resolution_due_at"]);
    assert_eq!(response_due, calendar.add(created, 2 * 3600));
    assert_eq!(
        resolution_due,
        calendar.add(created, 3 * calendar.day_seconds())
    );
    assert_eq!(calendar.between(created, resolution_due), 9 * 3600);
    assert!(
        resolution_due > created + 2 * 86_400,
        "the holiday and nights do not count"
    );
    // Whatever the hour now, the deadline lands inside working hours.
    let due_local = jiff::Timestamp::from_second(response_due)
        .expect("time")
        .to_zoned_datetime(TimeZone::get("Asia/Shanghai").expect("zone"));
    assert_ne!(due_local.date(), tomorrow);
    let minute = i64::from(due_local.hour()) * 60 + i64::from(due_local.minute());
    assert!((9 * 60..=12 * 60).contains(&minute), "{due_local}");

    let danger = lift_request(&huang, "danger").await;
    let created = seconds(&danger["created_at"]);
    assert_eq!(
        seconds(&danger["response_due_at"]),
        created + 3600,
        "danger counts by the clock"
    );
}

async fn a_calendar_with_mistakes_keeps_what_was_typed(app: Arc<TestApp>) {
    let secretary = app.signed_in("secretary").await;
    let before = secretary.get("/admin/calendar").await;
    let bad = secretary
        .post_form(
            "/admin/calendar",
            &[
                ("on", "1"),
                ("open", "17:00"),
                ("close", "09:00"),
                ("holidays", "2027-01-01 元旦\n五一劳动节\n"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("请至少勾选一个工作日"));
    assert!(bad.body.contains("下班时间须晚于上班时间"));
    assert!(
        bad.body.contains("<code>五一劳动节</code>"),
        "the unreadable line is named"
    );
    assert!(
        bad.body.contains("2027-01-01 元旦\n五一劳动节"),
        "what was typed is kept"
    );
    assert!(bad.body.contains("value=\"17:00\""));
    let after = secretary.get("/admin/calendar").await;
    assert_eq!(
        crate::support::without_once_tokens(&before.body),
        crate::support::without_once_tokens(&after.body),
        "nothing was saved"
    );
    let resident = app.signed_in("huang").await;
    assert_eq!(resident.get("/admin/calendar").await.status, 403);
}
