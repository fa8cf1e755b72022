//! Activities: the demo's daily class repeats; a full class's waiting list
//! moves up when someone cancels and the person is told; cancelling a time
//! tells everyone and leaves the feed; the feeds read back with a real
//! iCalendar parser, a Berlin series across the change to summer time; the
//! QR code checks in on its day only; bad rules are refused with a message.

use std::sync::Arc;

use icalendar::{Component, EventLike};
use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::{Person, TestApp};

on_both_engines!(
    a_full_class_moves_its_waiting_list_up,
    a_cancelled_time_is_told_and_leaves_the_feed,
    the_feed_reads_back_across_a_month_and_a_summer_time_change,
    the_door_code_checks_in_on_its_day_only,
    a_rule_that_cannot_be_used_is_refused,
    a_closed_account_gives_up_its_places,
    two_instances_remind_once,
);

fn zone() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone")
}

/// A local day some days from today, as `2026-12-07`.
fn day(days: i64) -> String {
    let today = jiff::Timestamp::now().to_zoned_datetime(zone()).date();
    today
        .checked_add(jiff::Span::new().days(days))
        .expect("day")
        .to_string()
}

/// Wu (the recreation group's lead) makes an activity; its id.
async fn make(app: &TestApp, fields: &[(&str, &str)]) -> i64 {
    let wu = app.signed_in("wu").await;
    let group = recreation(app).await.to_string();
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    for (key, value) in [
        ("workgroup", group.as_str()),
        ("minutes", "60"),
        ("closes", "0"),
    ] {
        if !fields.iter().any(|(k, _)| *k == key) {
            all.push((key, value));
        }
    }
    let made = wu.post_form("/activities/new", &all).await;
    assert_eq!(made.status, 303, "{}", made.body);
    made.location
        .trim_start_matches("/activities/")
        .parse()
        .expect("the new activity's id")
}

async fn recreation(app: &TestApp) -> i64 {
    grassroots::on_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM workgroups WHERE code = 'recreation'"
    )
    .fetch_one(pool)
    .await)
    .expect("recreation")
}

async fn occurrences_of(app: &TestApp, activity: i64) -> Vec<(i64, i64, String)> {
    grassroots::on_db!(&app.db, |pool| sqlx::query_as::<_, (i64, i64, String)>(
        "SELECT id, starts_at, checkin_code FROM occurrences WHERE activity_id = $1 ORDER BY starts_at"
    )
    .bind(activity)
    .fetch_all(pool)
    .await)
    .expect("occurrences")
}

async fn states(app: &TestApp, occurrence: i64) -> Vec<(String, String)> {
    grassroots::on_db!(&app.db, |pool| sqlx::query_as::<_, (String, String)>(
        "SELECT a.username, s.state FROM signups s JOIN accounts a ON a.id = s.account_id \
         WHERE s.occurrence_id = $1 AND s.state <> 'cancelled' ORDER BY s.at, s.id"
    )
    .bind(occurrence)
    .fetch_all(pool)
    .await)
    .expect("sign-ups")
}

async fn news(app: &TestApp, username: &str) -> Vec<(String, String)> {
    grassroots::on_db!(&app.db, |pool| sqlx::query_as::<_, (String, String)>(
        "SELECT n.message_key, n.detail FROM notifications n JOIN accounts a ON a.id = n.account_id \
         WHERE a.username = $1 AND n.message_key LIKE 'notify-activity-%' \
         AND n.message_key <> 'notify-activity-tomorrow' ORDER BY n.id"
    )
    .bind(username)
    .fetch_all(pool)
    .await)
    .expect("news")
}

async fn a_full_class_moves_its_waiting_list_up(app: Arc<TestApp>) {
    let id = make(
        &app,
        &[
            ("title_zh", "剪纸课"),
            ("title_en", "Paper cutting"),
            ("capacity", "1"),
            ("date", &day(3)),
            ("time", "10:00"),
        ],
    )
    .await;
    let list = occurrences_of(&app, id).await;
    assert_eq!(list.len(), 1, "once");
    let occurrence = list[0].0;
    let huang = app.signed_in("huang").await;
    let sun = app.signed_in("sun").await;
    let signed = huang
        .post_form(&format!("/activities/occurrences/{occurrence}/signup"), &[])
        .await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    let page = sun.get(&format!("/activities/{id}")).await;
    assert!(
        page.body.contains("排队候补"),
        "the full class offers its waiting list: {}",
        page.body
    );
    sun.post_form(&format!("/activities/occurrences/{occurrence}/signup"), &[])
        .await;
    assert_eq!(
        states(&app, occurrence).await,
        [
            ("huang".into(), "going".into()),
            ("sun".into(), "waiting".into())
        ]
    );
    let again = sun
        .post_form(&format!("/activities/occurrences/{occurrence}/signup"), &[])
        .await;
    assert_eq!(again.status, 409, "once each");

    // Huang cancels: Sun moves up and is told.
    huang
        .post_form(&format!("/activities/occurrences/{occurrence}/leave"), &[])
        .await;
    assert_eq!(
        states(&app, occurrence).await,
        [("sun".into(), "going".into())]
    );
    let told = news(&app, "sun").await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].0, "notify-activity-moved-up");
    assert!(told[0].1.contains("剪纸课"), "{told:?}");
    let my = sun.get("/my").await;
    assert!(
        my.body.contains("有名额空出来了") && my.body.contains("剪纸课"),
        "in Sun's news"
    );

    // Through the API, at once: one place, five people, one gets it.
    let other = make(
        &app,
        &[
            ("title_zh", "茶话会"),
            ("capacity", "1"),
            ("date", &day(4)),
            ("time", "15:00"),
        ],
    )
    .await;
    let target = occurrences_of(&app, other).await[0].0;
    let mut all = tokio::task::JoinSet::new();
    for who in ["huang", "sun", "zhao", "chen", "zhang"] {
        let token = app.api_token(who).await;
        let url = app.url(&format!("/api/v1/activities/{other}/signups"));
        all.spawn(async move {
            let answer = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&json!({"occurrence_id": target}))
                .send()
                .await
                .expect("POST");
            assert_eq!(answer.status().as_u16(), 201);
            answer.json::<Value>().await.expect("json")["state"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        });
    }
    let mut got = Vec::new();
    while let Some(state) = all.join_next().await {
        got.push(state.expect("task"));
    }
    got.sort();
    assert_eq!(got, ["going", "waiting", "waiting", "waiting", "waiting"]);
    let activities = app.public_json("/api/v1/activities").await;
    let tea = activities
        .as_array()
        .expect("list")
        .iter()
        .find(|a| a["id"] == other)
        .expect("listed");
    assert_eq!(tea["occurrences"][0]["going"], 1);
    assert_eq!(tea["occurrences"][0]["waiting"], 4);
}

async fn a_cancelled_time_is_told_and_leaves_the_feed(app: Arc<TestApp>) {
    // The demo: Sun joined the daily tai chi series.
    let tai_chi: i64 = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT id FROM activities WHERE title_zh = '太极拳'"
    )
    .fetch_one(pool)
    .await)
    .expect("tai chi");
    let list = occurrences_of(&app, tai_chi).await;
    assert!(list.len() >= 100, "written ahead: {}", list.len());
    for pair in list.windows(2) {
        assert_eq!(
            pair[1].1 - pair[0].1,
            86_400,
            "every day at the same time (no summer time in Shanghai)"
        );
    }
    let screen_token: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT token FROM screens WHERE kind = 'screen'"
    )
    .fetch_one(pool)
    .await)
    .expect("screen");
    let screen = app
        .anonymous()
        .get(&format!("/screen/{screen_token}"))
        .await;
    assert!(
        screen.body.contains("data-panel=\"activities\"") && screen.body.contains("太极拳"),
        "today's and tomorrow's on the screen"
    );

    // Tomorrow's time, by the estate's calendar (the screen shows today's
    // and tomorrow's, whatever the hour the test runs at).
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone");
    let day_of = |at: i64| {
        jiff::Timestamp::from_second(at)
            .expect("time")
            .to_zoned_datetime(tz.clone())
            .date()
    };
    let tomorrow_date = day_of(grassroots::db::now())
        .checked_add(jiff::Span::new().days(1))
        .expect("day");
    let tomorrow = list
        .iter()
        .find(|o| day_of(o.1) == tomorrow_date)
        .expect("tomorrow's")
        .0;
    assert!(
        states(&app, tomorrow)
            .await
            .contains(&("sun".into(), "going".into()))
    );
    let wu = app.signed_in("wu").await;
    let refused = wu
        .post_form(
            &format!("/activities/occurrences/{tomorrow}/cancel"),
            &[("reason", "")],
        )
        .await;
    assert_eq!(refused.status, 422, "a reason is asked for");
    let huang = app.signed_in("huang").await;
    let not_hers = huang
        .post_form(
            &format!("/activities/occurrences/{tomorrow}/cancel"),
            &[("reason", "下雨")],
        )
        .await;
    assert_eq!(not_hers.status, 403);
    let cancelled = wu
        .post_form(
            &format!("/activities/occurrences/{tomorrow}/cancel"),
            &[("reason", "凉亭维修 The pavilion is being repaired")],
        )
        .await;
    assert_eq!(cancelled.status, 303, "{}", cancelled.body);
    let told = news(&app, "sun").await;
    assert!(
        told.iter()
            .any(|(k, d)| k == "notify-activity-cancelled" && d.contains("凉亭维修")),
        "{told:?}"
    );
    let events: i64 = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM live_events WHERE kind = 'activity_cancelled'"
    )
    .fetch_one(pool)
    .await)
    .expect("events");
    assert_eq!(events, 1, "the screens hear of it at once");
    let screen = app
        .anonymous()
        .get(&format!("/screen/{screen_token}"))
        .await;
    assert!(screen.body.contains("凉亭维修"), "the screen says why");

    let feed = app.anonymous().get("/calendar/jinyuan.ics").await;
    assert_eq!(feed.status, 200);
    let calendar: icalendar::Calendar = feed
        .body
        .parse()
        .expect("a real iCalendar parser reads the feed");
    let event = calendar
        .events()
        .find(|e| e.get_summary().is_some_and(|s| s.contains("太极拳")))
        .expect("the tai chi series");
    assert_eq!(event.property_value("RRULE"), Some("FREQ=DAILY"));
    let dates = event
        .get_recurrence()
        .expect("its recurrence")
        .all(400)
        .dates;
    let starts: Vec<i64> = dates.iter().map(|d| d.timestamp()).collect();
    let cancelled_at = list.iter().find(|o| o.0 == tomorrow).expect("it").1;
    assert!(
        !starts.contains(&cancelled_at),
        "the cancelled time is an EXDATE"
    );
    assert!(
        starts.contains(&(cancelled_at + 86_400)),
        "the next day stays"
    );
    assert!(starts.contains(&(cancelled_at - 86_400)));
    // Moving the day after's class to the afternoon: Sun is told, and the
    // feed carries the new time as that instance's override.
    let next_day = list
        .iter()
        .find(|o| o.1 == cancelled_at + 86_400)
        .expect("the next day")
        .0;
    let new_day = jiff::Timestamp::from_second(cancelled_at + 86_400)
        .expect("time")
        .to_zoned_datetime(zone())
        .date()
        .to_string();
    let moved = wu
        .post_form(
            &format!("/activities/occurrences/{next_day}/move"),
            &[
                ("date", &new_day),
                ("time", "16:00"),
                ("reason", "上午停电 No power in the morning"),
            ],
        )
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    assert!(
        news(&app, "sun")
            .await
            .iter()
            .any(|(k, d)| k == "notify-activity-moved"
                && d.contains("16:00")
                && d.contains("上午停电"))
    );
    let feed = app.anonymous().get("/calendar/jinyuan.ics").await;
    let calendar: icalendar::Calendar = feed.body.parse().expect("parsed again");
    let instance = calendar
        .events()
        .find(|e| e.property_value("RECURRENCE-ID").is_some())
        .expect("the moved instance");
    assert_eq!(
        instance
            .property_value("DTSTART")
            .map(|v| v.ends_with("T160000")),
        Some(true),
        "{feed:?}"
    );
    let page = app
        .signed_in("sun")
        .await
        .get(&format!("/activities/{tai_chi}"))
        .await;
    assert!(page.body.contains("时间已调整") && page.body.contains("上午停电"));
    // Stable: the same UID on a second reading.
    let again = app.anonymous().get("/calendar/jinyuan.ics").await;
    let uid = |body: &str| {
        body.lines()
            .filter(|l| l.starts_with("UID:"))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(uid(&feed.body), uid(&again.body));
}

async fn the_feed_reads_back_across_a_month_and_a_summer_time_change(app: Arc<TestApp>) {
    // A community in Berlin: a daily class from 27 March to 2 April 2027.
    grassroots::on_db!(&app.db, |pool| sqlx::query(
        "UPDATE communities SET timezone = 'Europe/Berlin' WHERE code = 'jinyuan'"
    )
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .expect("move to Berlin");
    // As a store in this process would say after writing a setting.
    grassroots::db::settings_changed();
    make(
        &app,
        &[
            ("title_zh", "晨练"),
            ("title_en", "Morning exercise"),
            ("capacity", "20"),
            ("date", "2027-03-27"),
            ("time", "09:30"),
            ("repeat", "daily"),
            ("until", "2027-04-02"),
        ],
    )
    .await;
    let feed = app
        .anonymous()
        .get("/calendar/jinyuan.recreation.ics")
        .await;
    assert_eq!(feed.status, 200);
    assert!(
        feed.body.lines().all(|l| l.len() <= 76),
        "lines folded at 75 octets"
    );
    let calendar: icalendar::Calendar = feed
        .body
        .parse()
        .expect("a real iCalendar parser reads the feed");
    assert!(
        feed.body.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin"),
        "the zone is defined"
    );
    assert!(
        feed.body.contains("TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200"),
        "with the change to summer time"
    );
    let event = calendar
        .events()
        .find(|e| {
            e.get_summary()
                .is_some_and(|s| s.contains("Morning exercise"))
        })
        .expect("the series");
    let dates = event
        .get_recurrence()
        .expect("its recurrence")
        .all(100)
        .dates;
    let berlin = jiff::tz::TimeZone::get("Europe/Berlin").expect("zone");
    let shown: Vec<String> = dates
        .iter()
        .map(|d| {
            jiff::Timestamp::from_second(d.timestamp())
                .expect("time")
                .to_zoned_datetime(berlin.clone())
                .strftime("%m-%d %H:%M %:z")
                .to_string()
        })
        .collect();
    assert_eq!(
        shown,
        [
            "03-27 09:30 +01:00",
            "03-28 09:30 +02:00",
            "03-29 09:30 +02:00",
            "03-30 09:30 +02:00",
            "03-31 09:30 +02:00",
            "04-01 09:30 +02:00",
            "04-02 09:30 +02:00",
        ]
    );
    assert_eq!(dates[1].timestamp() - dates[0].timestamp(), 23 * 3600);
}

async fn the_door_code_checks_in_on_its_day_only(app: Arc<TestApp>) {
    // A class that began a few minutes ago, today.
    let now = jiff::Timestamp::now().to_zoned_datetime(zone());
    let start = if now.hour() == 0 && now.minute() < 5 {
        now.clone()
    } else {
        now.checked_sub(jiff::Span::new().minutes(3)).expect("time")
    };
    let id = make(
        &app,
        &[
            ("title_zh", "手工课"),
            ("capacity", "5"),
            ("date", &start.date().to_string()),
            ("time", &start.strftime("%H:%M").to_string()),
            ("minutes", "120"),
        ],
    )
    .await;
    let (occurrence, _, code) = occurrences_of(&app, id).await.remove(0);
    let wu = app.signed_in("wu").await;
    let page = wu
        .get(&format!("/activities/occurrences/{occurrence}"))
        .await;
    assert!(
        page.body.contains("<svg") && page.body.contains("今天的签到码"),
        "the organiser shows today's code"
    );
    let huang = app.signed_in("huang").await;
    let asked = huang.get(&format!("/activities/check-in/{code}")).await;
    assert_eq!(asked.status, 200);
    let done = huang
        .post_form(&format!("/activities/check-in/{code}"), &[])
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("签到成功"));
    let came: Option<i64> = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT s.attended_at FROM signups s JOIN accounts a ON a.id = s.account_id WHERE s.occurrence_id = $1 AND a.username = 'huang'"
    )
    .bind(occurrence)
    .fetch_one(pool)
    .await)
    .expect("huang's place");
    assert!(came.is_some(), "checked in");
    // The organiser's list shows it, and the month's report counts it.
    let list = wu
        .get(&format!("/activities/occurrences/{occurrence}"))
        .await;
    assert!(list.body.contains("黄奶奶") && list.body.contains("已到"));
    let month = wu.get(&format!("/activities/{id}/attendance")).await;
    assert!(month.body.contains("黄奶奶"), "{}", month.body);
    // Reception signs up a walk-in.
    let reception = app.signed_in("reception").await;
    let walk_in = reception
        .post_form(
            &format!("/activities/occurrences/{occurrence}/walk-in"),
            &[("name", "李大妈")],
        )
        .await;
    assert_eq!(walk_in.status, 303, "{}", walk_in.body);
    // At the kiosk: today's list, and a sign-up by account name or phone.
    let kiosk: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT token FROM screens WHERE kind = 'kiosk'"
    )
    .fetch_one(pool)
    .await)
    .expect("kiosk");
    let passer_by = app.anonymous();
    let today = passer_by.get(&format!("/kiosk/{kiosk}/activities")).await;
    assert!(today.body.contains("手工课"), "{}", today.body);
    let occurrence_field = occurrence.to_string();
    let by_name = passer_by
        .post_form(
            &format!("/kiosk/{kiosk}/activities"),
            &[("occurrence", &occurrence_field), ("who", "sun")],
        )
        .await;
    assert_eq!(by_name.status, 200, "{}", by_name.body);
    assert!(by_name.body.contains("报名成功"));
    let by_phone = passer_by
        .post_form(
            &format!("/kiosk/{kiosk}/activities"),
            &[("occurrence", &occurrence_field), ("who", "139 0000 1234")],
        )
        .await;
    assert!(by_phone.body.contains("报名成功"), "a walk-in by phone");
    let nobody = passer_by
        .post_form(
            &format!("/kiosk/{kiosk}/activities"),
            &[("occurrence", &occurrence_field), ("who", "谁")],
        )
        .await;
    assert_eq!(nobody.status, 422);
    assert!(nobody.body.contains("请填写手机号"));
    let people = states(&app, occurrence).await;
    assert!(
        people.contains(&("sun".into(), "going".into())),
        "{people:?}"
    );
    // The class is called off: the walk-in who gave a phone is on
    // reception's list to be told, until reception has told them.
    let called_off = wu
        .post_form(
            &format!("/activities/occurrences/{occurrence}/cancel"),
            &[("reason", "老师生病 The teacher is ill")],
        )
        .await;
    assert_eq!(called_off.status, 303, "{}", called_off.body);
    let calls = reception.get("/activities/calls").await;
    assert!(
        calls.body.contains("13900001234") && calls.body.contains("老师生病"),
        "{}",
        calls.body
    );
    assert_eq!(
        huang.get("/activities/calls").await.status,
        403,
        "for the desk only"
    );
    let walk_in_id: i64 = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT id FROM signups WHERE occurrence_id = $1 AND walk_in_phone = '13900001234'"
    )
    .bind(occurrence)
    .fetch_one(pool)
    .await)
    .expect("the walk-in");
    let told = reception
        .post_form(&format!("/activities/calls/{walk_in_id}/told"), &[])
        .await;
    assert_eq!(told.status, 303);
    assert!(
        !reception
            .get("/activities/calls")
            .await
            .body
            .contains("13900001234"),
        "off the list"
    );
    // Tomorrow's tai chi code is not today's.
    let tomorrow: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT o.checkin_code FROM occurrences o JOIN activities a ON a.id = o.activity_id WHERE a.title_zh = '太极拳' AND o.starts_at > $1 ORDER BY o.starts_at LIMIT 1"
    )
    .bind(grassroots::db::now() + 43_200)
    .fetch_one(pool)
    .await)
    .expect("tomorrow");
    let refused = huang
        .post_form(&format!("/activities/check-in/{tomorrow}"), &[])
        .await;
    assert_eq!(refused.status, 409);
    assert!(refused.body.contains("不是今天"), "{}", refused.body);
}

async fn refused_with(wu: &Person, fields: &[(&str, &str)], words: &str) {
    let answer = wu.post_form("/activities/new", fields).await;
    assert_eq!(answer.status, 422, "{fields:?}: {}", answer.body);
    assert!(answer.body.contains(words), "{fields:?}: {}", answer.body);
    assert!(answer.body.contains("测试课"), "the title typed stays");
}

async fn a_rule_that_cannot_be_used_is_refused(app: Arc<TestApp>) {
    let wu = app.signed_in("wu").await;
    let group = recreation(&app).await.to_string();
    let base = |extra: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, &str)> = vec![
            ("title_zh", "测试课"),
            ("workgroup", "GROUP"),
            ("capacity", "10"),
            ("date", "2027-01-04"),
            ("time", "10:00"),
            ("minutes", "60"),
            ("closes", "60"),
        ];
        f.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
        f.extend_from_slice(extra);
        f
    };
    let with_group = |f: Vec<(&'static str, &'static str)>| -> Vec<(String, String)> {
        f.into_iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    if v == "GROUP" {
                        group.clone()
                    } else {
                        v.to_string()
                    },
                )
            })
            .collect()
    };
    for (extra, words) in [
        (
            vec![("repeat", "custom"), ("rule", "FREQ=HOURLY")],
            "超过 2000 次",
        ),
        (
            vec![
                ("repeat", "custom"),
                ("rule", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"),
            ],
            "一次也不会举行",
        ),
        (
            vec![("repeat", "custom"), ("rule", "每周二")],
            "无法识别这条规则",
        ),
        (
            vec![("repeat", "daily"), ("until", "2026-01-01")],
            "一次也不会举行",
        ),
        (vec![("capacity", "0")], "名额"),
        (vec![("time", "25:00")], "时:分"),
    ] {
        let fields = with_group(base(&extra));
        let borrowed: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        refused_with(&wu, &borrowed, words).await;
    }
    // The meeting room holds calligraphy on Tuesdays and Thursdays at 9:30:
    // another class there at that time is refused.
    let meeting: i64 = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT place_id FROM rooms WHERE code = 'meeting'"
    )
    .fetch_one(pool)
    .await)
    .expect("meeting room");
    let meeting = meeting.to_string();
    let next_tuesday = (1..8)
        .map(day)
        .find(|d| {
            d.parse::<jiff::civil::Date>()
                .map(|d| d.weekday() == jiff::civil::Weekday::Tuesday)
                .unwrap_or(false)
        })
        .expect("a Tuesday");
    let fields: Vec<(&str, &str)> = vec![
        ("title_zh", "测试课"),
        ("workgroup", &group),
        ("capacity", "10"),
        ("date", &next_tuesday),
        ("time", "10:00"),
        ("minutes", "60"),
        ("closes", "60"),
        ("place", &meeting),
    ];
    refused_with(&wu, &fields, "场地已被预约").await;
    let huang = app.signed_in("huang").await;
    assert_eq!(
        huang.get("/activities/new").await.status,
        403,
        "residents do not organise"
    );
}

async fn a_closed_account_gives_up_its_places(app: Arc<TestApp>) {
    let id = make(
        &app,
        &[
            ("title_zh", "摄影课"),
            ("capacity", "1"),
            ("date", &day(5)),
            ("time", "10:00"),
        ],
    )
    .await;
    let occurrence = occurrences_of(&app, id).await[0].0;
    let sun = app.signed_in("sun").await;
    let zhao = app.signed_in("zhao").await;
    sun.post_form(&format!("/activities/occurrences/{occurrence}/signup"), &[])
        .await;
    zhao.post_form(&format!("/activities/occurrences/{occurrence}/signup"), &[])
        .await;
    let token = app.api_token("sun").await;
    let data: Value = reqwest::Client::new()
        .get(app.url("/api/v1/me/data"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    let signups = data["activity_signups"]
        .as_array()
        .expect("sign-ups in the download");
    assert!(
        signups
            .iter()
            .any(|s| s["activity_zh"] == "摄影课" && s["state"] == "going"),
        "{data}"
    );
    assert!(
        data["room_bookings"]
            .as_array()
            .is_some_and(|b| !b.is_empty()),
        "the demo's booking: {data}"
    );
    // Sun closes the account: the place goes to Zhao, the booking is freed.
    let closed = sun
        .post_form(
            "/account/data/close",
            &[
                ("password", grassroots::demo::DEMO_PASSWORD),
                ("confirm", "1"),
            ],
        )
        .await;
    assert!(closed.status < 400, "{}", closed.body);
    assert_eq!(
        states(&app, occurrence).await,
        [("zhao".into(), "going".into())]
    );
    let held: i64 = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM bookings b JOIN accounts a ON a.id = b.account_id WHERE a.id = (SELECT id FROM accounts WHERE display_name LIKE '已注销%' ORDER BY id DESC LIMIT 1) AND b.state IN ('pending', 'confirmed')"
    )
    .fetch_one(pool)
    .await)
    .expect("held");
    assert_eq!(held, 0);
}

async fn two_instances_remind_once(app: Arc<TestApp>) {
    let other = grassroots::db::Db::connect(&app.db_url)
        .await
        .expect("a second instance");
    // Two days on: tomorrow's sign-ups then are the demo's, never reminded yet.
    let later = grassroots::db::now() + 2 * 86_400;
    let (a, b) = tokio::join!(
        grassroots::activities::remind(&app.db, later),
        grassroots::activities::remind(&other, later)
    );
    let (a, b) = (a.expect("first"), b.expect("second"));
    assert!(a + b > 0, "there was someone to remind");
    let told: i64 = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE message_key IN ('notify-activity-tomorrow', 'notify-booking-soon') AND created_at = $1"
    )
    .bind(later)
    .fetch_one(pool)
    .await)
    .expect("count");
    assert_eq!(told, (a + b) as i64, "each reminder once");
    assert_eq!(
        grassroots::activities::remind(&app.db, later)
            .await
            .expect("again"),
        0,
        "and never twice"
    );
}
