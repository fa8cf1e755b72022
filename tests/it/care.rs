//! Care for residents who live alone: a plan needs the resident's
//! recorded consent; a missed contact raises one alert by itself (the
//! clock moved, even with two instances sweeping) to the carer, the backup
//! and the care lead; recording a visit clears it and the visit rate
//! moves; "I'm fine" at the kiosk and "I need help" on the phone; the
//! resident's own record in their download and their consent withdrawn.
//! Care records stay inside the care team, and every opening is logged.

use std::sync::Arc;

use grassroots::db::now;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(
    a_missed_contact_raises_one_alert_that_a_visit_clears,
    residents_say_they_are_fine_or_ask_for_help,
    care_records_stay_inside_the_care_team,
);

const DAY: i64 = 86_400;

async fn plan_of(app: &TestApp, username: &str) -> i64 {
    app.number(
        "SELECT MAX(p.id) FROM care_plans p WHERE p.account_id = $1",
        app.account_id(username).await,
    )
    .await
}

async fn alerts_told(app: &TestApp, who: &str) -> i64 {
    app.number("SELECT COUNT(*) FROM notifications WHERE message_key = 'notify-care-alert' AND account_id = $1",
        app.account_id(who).await,
    )
    .await
}

async fn a_missed_contact_raises_one_alert_that_a_visit_clears(app: Arc<TestApp>) {
    let wu = app.signed_in_speaking("wu", "en").await;
    let ma = app.signed_in_speaking("ma", "en").await;
    let zhao = app.signed_in_speaking("zhao", "en").await;

    // The demo's dashboard: Huang's weekly visit is overdue (alert open),
    // Sun and Ma are in time.
    let board = wu.get("/care").await;
    assert!(board.body.contains("Visit rate: 67%"), "{}", board.body);
    assert!(board.body.contains("黄奶奶"));

    // Ma withdraws her consent (the box must be ticked); her plan closes.
    let unsure = ma.post_form("/care/withdraw", &[]).await;
    assert_eq!(unsure.status, 422);
    assert!(unsure.body.contains("Tick the box"));
    let withdrawn = ma.post_form("/care/withdraw", &[("sure", "1")]).await;
    assert_eq!(withdrawn.status, 303);
    assert!(
        ma.get(&withdrawn.location)
            .await
            .body
            .contains("Your consent is withdrawn")
    );
    assert_eq!(
        app.number(
            "SELECT COUNT(*) FROM care_plans WHERE closed_at IS NULL AND account_id = $1",
            app.account_id("ma").await
        )
        .await,
        0
    );

    // A plan without consent, or longer than its level allows, is refused
    // with what was typed kept.
    let ma_id = app.account_id("ma").await.to_string();
    let zhao_id = app.account_id("zhao").await.to_string();
    let feng_id = app.account_id("feng").await.to_string();
    let fields = |consent: &'static str, every: &'static str| {
        vec![
            ("person", ma_id.clone()),
            ("consent", consent.to_string()),
            ("level", "high".to_string()),
            ("every_days", every.to_string()),
            ("carer", zhao_id.clone()),
            ("backup", feng_id.clone()),
            ("grace_hours", "12".to_string()),
            ("notes", "腿脚不便 Walks with difficulty".to_string()),
        ]
    };
    let post = |f: Vec<(&'static str, String)>| {
        let wu = &wu;
        async move {
            let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            wu.post_form("/care/new", &refs).await
        }
    };
    let no_consent = post(fields("", "5")).await;
    assert_eq!(no_consent.status, 422);
    assert!(
        no_consent
            .body
            .contains("Say how the resident gave consent"),
        "{}",
        no_consent.body
    );
    assert!(
        no_consent.body.contains("腿脚不便 Walks with difficulty"),
        "kept"
    );
    let too_long = post(fields("spoken", "30")).await;
    assert_eq!(too_long.status, 422);
    assert!(
        too_long
            .body
            .contains("longer than this level of need allows")
    );
    assert_eq!(
        app.number(
            "SELECT COUNT(*) FROM care_consents WHERE account_id = $1 AND withdrawn_at IS NULL",
            app.account_id("ma").await
        )
        .await,
        0,
        "nothing half-saved"
    );
    // Someone who may not run plans cannot make one.
    assert_eq!(zhao.get("/care/new").await.status, 403);

    let made = post(fields("spoken", "5")).await;
    assert_eq!(made.status, 303, "{}", made.body);
    let plan = plan_of(&app, "ma").await;
    let page = wu.get(&format!("/care/plans/{plan}")).await;
    assert!(
        page.body.contains("Spoken, in person") && page.body.contains("吴老师"),
        "consent: how and who"
    );

    // Nothing is due yet: a sweep now raises nothing for Ma.
    grassroots::care::alerts::sweep(&app.db, now())
        .await
        .expect("sweep");
    let open = |plan: i64| {
        let app = app.clone();
        async move {
            app.number(
                "SELECT COUNT(*) FROM care_alerts WHERE plan_id = $1 AND closed_at IS NULL",
                plan,
            )
            .await
        }
    };
    assert_eq!(open(plan).await, 0);

    // The clock moves past the five days and the twelve hours of grace;
    // two instances sweep at once: one alert, told once to each.
    let later = now() + 5 * DAY + 13 * 3600;
    let (zhao_before, feng_before, wu_before) = (
        alerts_told(&app, "zhao").await,
        alerts_told(&app, "feng").await,
        alerts_told(&app, "wu").await,
    );
    let (a, b) = tokio::join!(
        grassroots::care::alerts::sweep(&app.db, later),
        grassroots::care::alerts::sweep(&app.db, later)
    );
    a.expect("one");
    b.expect("two");
    grassroots::care::alerts::sweep(&app.db, later + 3600)
        .await
        .expect("again an hour on");
    assert_eq!(open(plan).await, 1);
    let raised_for = |before: i64, now: i64| now - before;
    assert!(
        raised_for(zhao_before, alerts_told(&app, "zhao").await) >= 1,
        "the carer is told"
    );
    assert!(
        raised_for(feng_before, alerts_told(&app, "feng").await) >= 1,
        "the backup is told"
    );
    assert!(
        raised_for(wu_before, alerts_told(&app, "wu").await) >= 1,
        "the care lead is told"
    );
    let ma_alerts = app
        .number("SELECT COUNT(*) FROM care_alerts WHERE plan_id = $1", plan)
        .await;
    assert_eq!(ma_alerts, 1, "raised once");
    let inbox = zhao.get("/my").await;
    assert!(inbox.body.contains("Care alert"), "on the carer's inbox");

    // Zhao visits Ma: the alert closes, and the next visit is due in five
    // days.
    let visited = zhao
        .post_form(
            &format!("/care/plans/{plan}"),
            &[
                ("action", "contact"),
                ("kind", "visited"),
                ("note", "精神不错"),
            ],
        )
        .await;
    assert_eq!(visited.status, 303, "{}", visited.body);
    assert_eq!(open(plan).await, 0);
    // Zhao also backs up Huang: visiting her clears the demo's alert and
    // the visit rate moves to everyone.
    let huang_plan = plan_of(&app, "huang").await;
    assert_eq!(open(huang_plan).await, 1, "the demo's open alert");
    let wrong = zhao
        .post_form(
            &format!("/care/plans/{huang_plan}"),
            &[("action", "contact"), ("kind", "fine")],
        )
        .await;
    assert_eq!(wrong.status, 422, "a carer records visits and calls");
    assert!(wrong.body.contains("Choose whether you visited or called"));
    assert_eq!(
        zhao.post_form(
            &format!("/care/plans/{huang_plan}"),
            &[("action", "contact"), ("kind", "called")]
        )
        .await
        .status,
        303
    );
    assert_eq!(open(huang_plan).await, 0);
    let board = wu.get("/care").await;
    assert!(board.body.contains("Visit rate: 100%"), "{}", board.body);
    assert!(board.body.contains("No open alerts."));

    // A hospital stay makes a high-risk resident due within a day.
    assert_eq!(
        wu.post_form(
            &format!("/care/plans/{plan}"),
            &[
                ("action", "event"),
                ("kind", "hospital"),
                ("note", "住院三天")
            ]
        )
        .await
        .status,
        303
    );
    let due = app
        .number("SELECT due_at FROM care_plans WHERE id = $1", plan)
        .await;
    assert!(due <= now() + DAY, "due within a day of the stay");
}

async fn residents_say_they_are_fine_or_ask_for_help(app: Arc<TestApp>) {
    // At the kiosk: Sun types his phone and presses the button.
    let kiosk: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT token FROM screens WHERE kind = 'kiosk'"
    )
    .fetch_one(pool)
    .await)
    .expect("kiosk");
    let sun_phone: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT phone FROM accounts WHERE username = 'sun'"
    )
    .fetch_one(pool)
    .await)
    .expect("Sun's phone");
    let passer_by = app.client("en");
    let start = passer_by.get(&format!("/kiosk/{kiosk}")).await;
    assert!(
        start.body.contains(&format!("/kiosk/{kiosk}/fine")),
        "the big button is on the kiosk"
    );
    let page = passer_by.get(&format!("/kiosk/{kiosk}/fine")).await;
    assert_eq!(page.status, 200);
    let bad = passer_by
        .post_form(&format!("/kiosk/{kiosk}/fine"), &[("phone", "abc")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Type your phone number"));
    let sun_plan = plan_of(&app, "sun").await;
    let huang_plan = plan_of(&app, "huang").await;
    let open_alerts = "SELECT COUNT(*) FROM care_alerts WHERE plan_id = $1 AND closed_at IS NULL";
    assert_eq!(
        app.number(open_alerts, huang_plan).await,
        1,
        "the demo's open alert"
    );
    let fine = passer_by
        .post_form(&format!("/kiosk/{kiosk}/fine"), &[("phone", &sun_phone)])
        .await;
    assert_eq!(fine.status, 200, "{}", fine.body);
    assert!(fine.body.contains("your carer now knows you are fine"));
    assert_eq!(
        app.number("SELECT COUNT(*) FROM care_checkins WHERE plan_id = $1 AND kind = 'fine' AND door = 'kiosk'", sun_plan).await,
        1
    );
    // The demo's household shares one phone, so Huang is checked in too;
    // but anyone could type a number: her alert stays open for a person.
    assert_eq!(
        app.number(
            "SELECT COUNT(*) FROM care_checkins WHERE plan_id = $1 AND door = 'kiosk'",
            huang_plan
        )
        .await,
        1
    );
    assert_eq!(
        app.number(open_alerts, huang_plan).await,
        1,
        "a typed number closes no alert"
    );
    // A number in no plan hears the very same words: the kiosk tells a
    // passer-by nothing about a neighbour.
    let stranger = passer_by
        .post_form(&format!("/kiosk/{kiosk}/fine"), &[("phone", "13700000000")])
        .await;
    assert_eq!(stranger.status, 200);
    assert!(stranger.body.contains("your carer now knows you are fine"));

    // On her phone Huang asks for help: an urgent private request at once.
    let huang = app.signed_in_speaking("huang", "en").await;
    let before = app
        .number(
            "SELECT COUNT(*) FROM requests WHERE urgency = 'danger' AND reporter_account_id = $1",
            app.account_id("huang").await,
        )
        .await;
    let help = huang
        .post_form("/care/fine", &[("kind", "needs_help")])
        .await;
    assert_eq!(help.status, 303, "{}", help.body);
    let again = huang
        .post_form("/care/fine", &[("kind", "needs_help")])
        .await;
    assert_eq!(
        again.status, 303,
        "a second press while the first call is open"
    );
    let after = app
        .number(
            "SELECT COUNT(*) FROM requests WHERE urgency = 'danger' AND reporter_account_id = $1",
            app.account_id("huang").await,
        )
        .await;
    assert_eq!(after, before + 1);
    assert_eq!(
        app.number("SELECT COUNT(*) FROM requests WHERE urgency = 'danger' AND visibility = 'private' AND reporter_account_id = $1", app.account_id("huang").await).await,
        after,
        "private"
    );
    assert!(
        huang
            .get("/care?said=care-said-help")
            .await
            .body
            .contains("Help is on its way")
    );

    // Someone not in care is told so, in their language.
    let zhao = app.signed_in("zhao").await;
    let not_in_care = zhao.post_form("/care/fine", &[("kind", "fine")]).await;
    assert_eq!(not_in_care.status, 422);
    assert!(
        not_in_care.body.contains("您还没有关爱计划"),
        "{}",
        not_in_care.body
    );
    let nonsense = zhao.post_form("/care/fine", &[("kind", "visited")]).await;
    assert_eq!(nonsense.status, 422);

    // Her own record is in her download; reception's copy holds none.
    let data = huang.get("/account/data.json").await;
    let data: serde_json::Value = serde_json::from_str(&data.body).expect("json");
    let care = data["care"].as_array().expect("a care section");
    assert_eq!(care.len(), 1);
    assert!(
        care[0]["contacts"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["kind"] == "needs_help"))
    );
}

async fn care_records_stay_inside_the_care_team(app: Arc<TestApp>) {
    let plan = plan_of(&app, "huang").await;
    let path = format!("/care/plans/{plan}");
    for (who, expected) in [
        ("huang", 200),
        ("wu", 200),
        ("zhao", 200),
        ("secretary", 200),
        ("reception", 404),
        ("chen", 404),
        ("zhang", 404),
        ("sun", 404),
        ("feng", 404),
    ] {
        let page = app.signed_in(who).await.get(&path).await;
        assert_eq!(page.status, expected, "{who} opening Huang's plan");
        assert_eq!(
            page.body.contains("高血压"),
            expected == 200,
            "{who} and the plan's notes"
        );
    }
    // Every opening but hers is logged, refusals too; the secretary reads
    // the log, which holds nothing of the plan.
    let logged = app
        .number(
            "SELECT COUNT(*) FROM care_access_log WHERE plan_id = $1 AND what = 'opened'",
            plan,
        )
        .await;
    assert_eq!(logged, 3, "Wu, Zhao and the secretary");
    let refused = app
        .number(
            "SELECT COUNT(*) FROM care_access_log WHERE plan_id = $1 AND what = 'refused'",
            plan,
        )
        .await;
    assert_eq!(refused, 5);
    let log = app
        .signed_in_speaking("secretary", "en")
        .await
        .get("/care/log")
        .await;
    assert_eq!(log.status, 200);
    assert!(log.body.contains("吴老师") && log.body.contains("refused"));
    assert!(!log.body.contains("高血压"));
    assert_eq!(app.signed_in("wu").await.get("/care/log").await.status, 403);

    // The API: a carer's plans for Zhao; nothing for Chen; Chen cannot
    // record a contact on Huang's plan.
    let zhao = app.signed_in("zhao").await;
    let mine: serde_json::Value =
        serde_json::from_str(&zhao.get_json("/api/v1/care/plans").await.body).expect("json");
    assert!(
        mine.as_array()
            .expect("list")
            .iter()
            .any(|p| p["resident"] == "黄奶奶")
    );
    let chen = app.signed_in("chen").await;
    let none: serde_json::Value =
        serde_json::from_str(&chen.get_json("/api/v1/care/plans").await.body).expect("json");
    assert_eq!(none.as_array().map(Vec::len), Some(0));
    let posted = chen
        .http
        .post(app.url("/api/v1/care/checkins"))
        .json(&serde_json::json!({"plan": plan, "kind": "visited"}))
        .send()
        .await
        .expect("post");
    assert_eq!(posted.status().as_u16(), 404);
    let by_zhao = zhao
        .http
        .post(app.url("/api/v1/care/checkins"))
        .json(&serde_json::json!({"plan": plan, "kind": "called", "note": "电话里说一切都好"}))
        .send()
        .await
        .expect("post");
    assert_eq!(by_zhao.status().as_u16(), 201);

    // Never on a public face: the screen's list, Open311, the public list.
    for path in [
        "/requests",
        "/open311/v2/requests.json?jurisdiction_id=jinyuan",
        "/api/v1/requests",
        "/care",
    ] {
        let page = app.anonymous().get(path).await;
        assert!(
            !page.body.contains("高血压") && !page.body.contains("电话里说一切都好"),
            "{path}"
        );
    }
}
