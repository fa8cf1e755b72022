//! Confidential legal aid: a resident asks, the legal team's lead assigns
//! a volunteer lawyer, the resident books one of the volunteer's free
//! hours, the volunteer records the outcome and closes, the resident rates;
//! the secretary's access log shows every opening and nothing of the case.
//! Nobody else reads the case by any door: its page, the API, a document,
//! search, exports, Open311, the event stream. A closed account's case
//! keeps its legal record for the set time, then loses the personal data.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::on_both_engines;
use crate::screen::Sse;
use crate::support::{Person, TestApp};

on_both_engines!(
    a_case_goes_from_asking_to_rating_and_every_opening_is_logged,
    nobody_else_reads_a_case_by_any_door,
    a_closed_accounts_case_keeps_its_record_then_loses_the_person,
    reception_files_and_books_and_the_lead_moves_a_legal_question,
);

/// Files a case as `who`; its number.
async fn ask(who: &Person, words: &str) -> i64 {
    let asked = who
        .post_form(
            "/legal/new",
            &[
                ("topic", "housing"),
                ("description", words),
                ("preferred_times", "周末下午"),
                ("reach", "phone"),
                ("reach_detail", "13911112222"),
            ],
        )
        .await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    asked
        .location
        .trim_start_matches("/legal/cases/")
        .parse()
        .expect("the case's page")
}

async fn act(who: &Person, case: i64, fields: &[(&str, &str)]) -> crate::support::Answer {
    who.post_form(&format!("/legal/cases/{case}"), fields).await
}

/// Tomorrow at ten in the estate's zone, as the slot form takes it.
fn tomorrow() -> String {
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone");
    let now = jiff::Timestamp::now().to_zoned_datetime(tz);
    now.date()
        .checked_add(jiff::Span::new().days(1))
        .expect("tomorrow")
        .to_string()
}

async fn a_case_goes_from_asking_to_rating_and_every_opening_is_logged(app: Arc<TestApp>) {
    let huang = app.signed_in_speaking("huang", "en").await;
    // Without a way to reach her: a message, and her words kept.
    let refused = huang
        .post_form(
            "/legal/new",
            &[
                ("topic", "housing"),
                ("description", "楼上漏水不赔"),
                ("reach", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("Choose how we can reach you"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("楼上漏水不赔"));

    let zhou_id = app.account_id("zhou").await;
    let told = "SELECT COUNT(*) FROM notifications WHERE account_id = $1 AND message_key = 'notify-legal-asked'";
    let before = app.number(told, zhou_id).await;
    let case = ask(&huang, "楼上漏水不赔，物业推诿").await;
    let zhou = app.signed_in("zhou").await;
    assert_eq!(
        app.number(told, zhou_id).await,
        before + 1,
        "the lead is told a case waits"
    );
    let queue = zhou.get("/legal").await;
    assert!(queue.body.contains(&format!("#{case}")), "{}", queue.body);

    // The lead assigns Li; Li offers tomorrow at ten.
    let li = app.account_id("li").await;
    let opened = zhou.get(&format!("/legal/cases/{case}")).await;
    assert!(opened.body.contains("楼上漏水不赔"));
    let assigned = act(
        &zhou,
        case,
        &[("act", "assign"), ("volunteer", &li.to_string())],
    )
    .await;
    assert_eq!(assigned.status, 303, "{}", assigned.body);
    let lawyer = app.signed_in("li").await;
    let offered = lawyer
        .post_form(
            "/legal/slots",
            &[
                ("day", &tomorrow()),
                ("time", "10:00"),
                ("minutes", "60"),
                ("place", "法律服务室"),
            ],
        )
        .await;
    assert_eq!(offered.status, 303, "{}", offered.body);
    let twice = lawyer
        .post_form(
            "/legal/slots",
            &[("day", &tomorrow()), ("time", "10:00"), ("minutes", "60")],
        )
        .await;
    assert_eq!(twice.status, 422, "the same hour twice");

    // Huang picks the hour; Li is told.
    let slot = app
        .number(
            "SELECT MIN(id) FROM legal_slots WHERE volunteer_id = $1 AND case_id IS NULL",
            li,
        )
        .await;
    let page = huang.get(&format!("/legal/cases/{case}")).await;
    assert!(page.body.contains("Pick a time"), "{}", page.body);
    let booked_news = "SELECT COUNT(*) FROM notifications WHERE account_id = $1 AND message_key = 'notify-legal-booked'";
    let before = app.number(booked_news, li).await;
    let booked = act(
        &huang,
        case,
        &[("act", "book"), ("slot", &slot.to_string())],
    )
    .await;
    assert_eq!(booked.status, 303, "{}", booked.body);
    assert_eq!(app.number(booked_news, li).await, before + 1, "Li is told");
    // The hour is taken: booking it again is refused with a message.
    let again = act(
        &huang,
        case,
        &[("act", "book"), ("slot", &slot.to_string())],
    )
    .await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("no longer free"));
    // Reception sees that an appointment exists, not what it is about.
    let desk = app.signed_in("reception").await;
    let ahead = desk.get("/legal/desk").await;
    assert!(ahead.body.contains("李律师"), "{}", ahead.body);
    assert!(!ahead.body.contains("漏水") && !ahead.body.contains("黄奶奶"));

    // Li records the outcome and closes; Huang is told, and rates once.
    let note = act(
        &lawyer,
        case,
        &[
            ("act", "note"),
            ("kind", "outcome"),
            ("body", "建议先找物业书面协商，保留照片。"),
        ],
    )
    .await;
    assert_eq!(note.status, 303, "{}", note.body);
    let follow = act(
        &lawyer,
        case,
        &[
            ("act", "note"),
            ("kind", "follow_up"),
            ("body", "一周后回访"),
        ],
    )
    .await;
    assert_eq!(follow.status, 422, "a follow-up needs its day");
    let closed = act(
        &lawyer,
        case,
        &[("act", "close"), ("body", "已给出书面建议。")],
    )
    .await;
    assert_eq!(closed.status, 303, "{}", closed.body);
    let huang_id = app.account_id("huang").await;
    assert_eq!(
        app.number("SELECT COUNT(*) FROM notifications WHERE account_id = $1 AND message_key = 'notify-legal-closed'", huang_id).await,
        1
    );
    let rated = act(
        &huang,
        case,
        &[("act", "rate"), ("rating", "5"), ("body", "很有帮助")],
    )
    .await;
    assert_eq!(rated.status, 303, "{}", rated.body);
    let twice = act(&huang, case, &[("act", "rate"), ("rating", "4")]).await;
    assert_eq!(twice.status, 422);
    // The volunteer cannot rate, nor the resident close.
    assert_eq!(
        act(&huang, case, &[("act", "close"), ("body", "x")])
            .await
            .status,
        422
    );

    // The secretary reads who opened it, and nothing of it.
    let secretary = app.signed_in("secretary").await;
    let log = secretary.get("/legal/log").await;
    assert_eq!(log.status, 200);
    for name in ["周律师", "李律师", "案件的居民本人"] {
        assert!(log.body.contains(name), "{name} in the log");
    }
    assert!(
        !log.body.contains("黄奶奶"),
        "the log does not say whose case it is"
    );
    assert!(log.body.contains(&format!("#{case}")));
    assert!(!log.body.contains("漏水") && !log.body.contains("书面建议"));
    let openings = app
        .number(
            "SELECT COUNT(*) FROM legal_access_log WHERE case_id = $1 AND what = 'opened'",
            case,
        )
        .await;
    // zhou: page + assign; huang: page, book, book again, close try, rate twice; li: note, note, close.
    assert!(openings >= 10, "every opening is logged: {openings}");
    // The secretary cannot open the case itself, and that try is logged too.
    assert_eq!(
        secretary.get(&format!("/legal/cases/{case}")).await.status,
        404
    );
    assert_eq!(
        app.number(
            "SELECT COUNT(*) FROM legal_access_log WHERE case_id = $1 AND what = 'refused'",
            case
        )
        .await,
        1
    );
    // The monthly class's activity page links the class's topic and books.
    let class = app.number("SELECT MIN(a.id) FROM activities a JOIN workgroups w ON w.id = a.workgroup_id WHERE w.code = 'legal' AND a.id > $1",
        0,
    )
    .await;
    let activity = app.anonymous().get(&format!("/activities/{class}")).await;
    assert!(
        activity.body.contains("/legal/classes/"),
        "{}",
        activity.body
    );
    let topic = app
        .anonymous()
        .get(&format!(
            "/legal/classes/{}",
            app.number(
                "SELECT MIN(occurrence_id) FROM legal_classes WHERE occurrence_id > $1",
                0
            )
            .await
        ))
        .await;
    assert!(
        topic.body.contains("房产与物业") && topic.body.contains("/library/books/"),
        "{}",
        topic.body
    );

    // The team's month counts the case by topic only.
    let report = zhou.get("/legal/report").await;
    assert_eq!(report.status, 200);
    assert!(report.body.contains("住房") && !report.body.contains("漏水"));
}

async fn nobody_else_reads_a_case_by_any_door(app: Arc<TestApp>) {
    const WORDS: &str = "遗产分割ZQ7不想让邻居知道";
    const PART: &str = "遗产分割ZQ7";
    let screen: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT token FROM screens WHERE kind = 'screen'"
    )
    .fetch_one(pool)
    .await)
    .expect("screen");
    let mut events = Sse::open(&app.url(&format!("/screen/{screen}/events")), None).await;

    let huang = app.signed_in("huang").await;
    let case = ask(&huang, WORDS).await;
    let pdf = reqwest::multipart::Form::new().part(
        "document",
        reqwest::multipart::Part::bytes(format!("%PDF-1.4 {WORDS}").into_bytes())
            .file_name("遗嘱.pdf"),
    );
    let uploaded = huang
        .http
        .post(app.url(&format!("/legal/cases/{case}/documents")))
        .multipart(pdf)
        .send()
        .await
        .expect("upload");
    assert_eq!(uploaded.status().as_u16(), 303);
    let document = app
        .number(
            "SELECT MAX(id) FROM legal_documents WHERE case_id = $1",
            case,
        )
        .await;
    let zhou = app.signed_in("zhou").await;
    let li = app.account_id("li").await;
    assert_eq!(
        act(
            &zhou,
            case,
            &[("act", "assign"), ("volunteer", &li.to_string())]
        )
        .await
        .status,
        303
    );
    // Its own resident, its volunteer and the lead read it, document too.
    for (who, person) in [
        ("huang", &huang),
        ("zhou", &zhou),
        ("li", &app.signed_in("li").await),
    ] {
        let page = person.get(&format!("/legal/cases/{case}")).await;
        assert!(page.body.contains(WORDS), "{who} reads the case");
        let doc = person.get(&format!("/legal/documents/{document}")).await;
        assert_eq!(doc.status, 200, "{who} opens the document");
    }

    // Another community's administrator.
    let other =
        grassroots::community::Community::create(&app.db, "hexie", "和谐小区", "Hexie Estate")
            .await
            .expect("community");
    grassroots::community::create_account(
        &app.db,
        other,
        "outsider",
        "外小区书记",
        grassroots::auth::Role::Admin,
        Some(grassroots::demo::DEMO_PASSWORD),
        None,
    )
    .await
    .expect("account")
    .expect("new");
    let jinyuan = app
        .number(
            "SELECT id FROM communities WHERE code = 'jinyuan' AND id = $1",
            1,
        )
        .await;
    let (_, key) = grassroots::open311::keys::create(&app.db, jinyuan, "法援测试")
        .await
        .expect("key");

    let enc = grassroots::web::forms::url_encode;
    let doors = [
        format!("/legal/cases/{case}"),
        format!("/legal/documents/{document}"),
        format!("/api/v1/legal/cases/{case}"),
        "/api/v1/legal/cases".to_string(),
        "/legal".to_string(),
        format!("/queue?q={}", enc(PART)),
        format!("/queue.csv?q={}", enc(PART)),
        format!("/requests?q={}&state=all", enc(PART)),
        format!("/api/v1/requests?q={}", enc(PART)),
        format!("/library?q={}", enc(PART)),
        "/account/data.json".to_string(),
        "/dashboard".to_string(),
        "/legal/log".to_string(),
        "/legal/desk?find=B1-101".to_string(),
        format!("/screen/{screen}"),
    ];
    // Another resident, a volunteer outside the team, the legal team's
    // volunteer not assigned, staff of other teams, reception, the
    // secretary, another community's administrator.
    for username in [
        "sun",
        "zhao",
        "he",
        "chen",
        "zhang",
        "reception",
        "secretary",
        "outsider",
    ] {
        let person = app.signed_in(username).await;
        for door in &doors {
            let got = person.get(door).await;
            assert!(got.status < 500, "{username} {door}: {}", got.status);
            // A search page shows what was searched for: the whole words
            // must not be there.
            assert!(
                !got.body.contains(WORDS),
                "{username} read the case at {door}: {}",
                got.status
            );
        }
        assert_eq!(
            person.get(&format!("/legal/cases/{case}")).await.status,
            404,
            "{username}"
        );
        assert_eq!(
            person
                .get(&format!("/legal/documents/{document}"))
                .await
                .status,
            404,
            "{username}"
        );
    }
    // A bearer token of another resident, and an Open311 key.
    let token = app.api_token("sun").await;
    let client = reqwest::Client::new();
    for door in [
        format!("/api/v1/legal/cases/{case}"),
        "/api/v1/legal/cases".to_string(),
        format!("/api/v1/requests?q={}", enc(PART)),
    ] {
        let got = client
            .get(app.url(&door))
            .bearer_auth(&token)
            .send()
            .await
            .expect("api");
        let status = got.status().as_u16();
        let body = got.text().await.unwrap_or_default();
        assert!(!body.contains(WORDS), "a token read the case at {door}");
        if door.contains("/cases/") {
            assert_eq!(status, 404);
        }
    }
    for door in [
        format!("/open311/v2/requests.json?jurisdiction_id=jinyuan&api_key={key}"),
        format!("/open311/v2/requests.xml?jurisdiction_id=jinyuan&api_key={key}"),
        "/open311/v2/services.json?jurisdiction_id=jinyuan".to_string(),
        format!("/open311/v2/requests/{case}.json?jurisdiction_id=jinyuan&api_key={key}"),
    ] {
        let got = client.get(app.url(&door)).send().await.expect("open311");
        assert!(got.status().as_u16() < 500);
        let body = got.text().await.unwrap_or_default();
        assert!(!body.contains(WORDS), "Open311 showed the case at {door}");
    }
    // Same-community refusals are in the log (the outsider's are not ours to keep).
    let refused = app
        .number(
            "SELECT COUNT(*) FROM legal_access_log WHERE case_id = $1 AND what = 'refused'",
            case,
        )
        .await;
    assert!(refused >= 14, "refused tries logged: {refused}");

    // The screens heard nothing of it: a public request sent after every
    // step above is the first thing the stream carries.
    let public = huang
        .report(
            &[
                ("category", "light"),
                ("place", "PAVILION"),
                ("description", "凉亭的灯又坏了LG5"),
                ("visibility", "public"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(public.status, 303, "{}", public.body);
    loop {
        let event = events
            .next(Duration::from_secs(10))
            .await
            .expect("the public request's event");
        assert!(
            !event.data.contains(PART),
            "the screen heard the case: {event:?}"
        );
        if event.data.contains("LG5") {
            break;
        }
    }

    // Reception's copy of her data, at the desk, says nothing of legal aid.
    let desk = app.signed_in("reception").await;
    let copy = desk
        .post_form("/desk/person/huang/data.json", &[("checked", "1")])
        .await;
    assert_eq!(copy.status, 200, "{}", copy.body);
    assert!(
        !copy.body.contains(PART) && !copy.body.contains("notify-legal"),
        "{}",
        copy.body
    );

    // Huang's own download holds her case; Sun's does not.
    let mine: Value =
        serde_json::from_str(&huang.get("/account/data.json").await.body).expect("json");
    assert!(mine["legal_cases"].to_string().contains(WORDS));
    let api: Value =
        serde_json::from_str(&huang.get("/api/v1/legal/cases").await.body).expect("json");
    assert!(api.to_string().contains(WORDS));
}

async fn a_closed_accounts_case_keeps_its_record_then_loses_the_person(app: Arc<TestApp>) {
    let secretary = app.signed_in_speaking("secretary", "en").await;
    let bad = secretary
        .post_form("/legal/log", &[("keep_days", "forever")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("0 to 36,500"));
    assert_eq!(
        secretary
            .post_form("/legal/log", &[("keep_days", "0")])
            .await
            .status,
        303
    );

    let sun = app.signed_in("sun").await;
    let case = ask(&sun, "劳动合同纠纷KP4").await;
    let closed = sun
        .post_form(
            "/account/data/close",
            &[("password", grassroots::demo::DEMO_PASSWORD)],
        )
        .await;
    assert!(closed.status < 400, "{}", closed.body);
    let kept = app.number("SELECT COUNT(*) FROM legal_cases WHERE id = $1 AND erase_after IS NOT NULL AND erased_at IS NULL", case).await;
    assert_eq!(kept, 1, "closing sets when the record's keeping ends");
    let erased = grassroots::legal::keeping::erase_due(&app.db)
        .await
        .expect("erase");
    assert!(erased >= 1);
    let row: (Option<i64>, String, String) = grassroots::on_db!(&app.db, |pool| sqlx::query_as(
        "SELECT account_id, description, topic FROM legal_cases WHERE id = $1"
    )
    .bind(case)
    .fetch_one(pool)
    .await)
    .expect("case");
    assert_eq!(
        row,
        (None, String::new(), "housing".to_string()),
        "the topic stays for the counts"
    );
}

async fn reception_files_and_books_and_the_lead_moves_a_legal_question(app: Arc<TestApp>) {
    // Reception files for Huang, who has no account phone to fall back on
    // when asked to be phoned: the way to reach her is required.
    let desk = app.signed_in("reception").await;
    let huang = app.account_id("huang").await;
    let found = desk.get("/legal/desk?find=B1-101").await;
    assert!(found.body.contains("黄奶奶"), "{}", found.body);
    let filed = desk
        .post_form(
            &format!("/legal/desk/{huang}/cases"),
            &[
                ("topic", "consumer"),
                ("description", "买的保健品退不了货DK3"),
                ("reach", "desk"),
            ],
        )
        .await;
    assert_eq!(filed.status, 303, "{}", filed.body);
    let case = app
        .number(
            "SELECT MAX(id) FROM legal_cases WHERE account_id = $1",
            huang,
        )
        .await;
    let filed_by = app
        .number(
            "SELECT COALESCE(filed_by, 0) FROM legal_cases WHERE id = $1",
            case,
        )
        .await;
    assert_eq!(filed_by, app.account_id("reception").await);
    // Reception cannot open what it filed.
    assert_eq!(desk.get(&format!("/legal/cases/{case}")).await.status, 404);

    // The lead assigns He, who offers an hour; reception books it.
    let zhou = app.signed_in("zhou").await;
    let he = app.account_id("he").await;
    assert_eq!(
        act(
            &zhou,
            case,
            &[("act", "assign"), ("volunteer", &he.to_string())]
        )
        .await
        .status,
        303
    );
    let lawyer = app.signed_in("he").await;
    let offered = lawyer
        .post_form(
            "/legal/slots",
            &[("day", &tomorrow()), ("time", "15:00"), ("minutes", "45")],
        )
        .await;
    assert_eq!(offered.status, 303, "{}", offered.body);
    let waiting = desk.get(&format!("/legal/desk?person={huang}")).await;
    assert!(
        waiting.body.contains(&format!("#{case}")) && !waiting.body.contains("保健品"),
        "{}",
        waiting.body
    );
    let slot = app.number("SELECT MIN(id) FROM legal_slots WHERE volunteer_id = $1 AND case_id IS NULL AND starts_at > 0", he).await;
    let booked = desk
        .post_form(
            &format!("/legal/desk/{huang}/book"),
            &[("case", &case.to_string()), ("slot", &slot.to_string())],
        )
        .await;
    assert_eq!(booked.status, 303, "{}", booked.body);
    assert_eq!(
        app.number("SELECT COUNT(*) FROM legal_slots WHERE case_id = $1", case)
            .await,
        1
    );
    // Booked: it no longer waits, and a second booking is refused.
    let again = desk
        .post_form(
            &format!("/legal/desk/{huang}/book"),
            &[("case", &case.to_string()), ("slot", &slot.to_string())],
        )
        .await;
    assert_eq!(again.status, 404);

    // Sun's legal question from the demo moves into a case of hers.
    let moves = zhou.get("/legal").await;
    let request: i64 = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT r.id FROM requests r JOIN categories c ON c.id = r.category_id WHERE c.code = 'legal' ORDER BY r.id LIMIT 1"
    )
    .fetch_one(pool)
    .await)
    .expect("the demo's legal question");
    assert!(
        moves
            .body
            .contains(&format!("/legal/requests/{request}/move")),
        "{}",
        moves.body
    );
    assert_eq!(
        app.signed_in("li")
            .await
            .post_form(&format!("/legal/requests/{request}/move"), &[])
            .await
            .status,
        403,
        "a volunteer does not move questions"
    );
    let moved = zhou
        .post_form(&format!("/legal/requests/{request}/move"), &[])
        .await;
    assert_eq!(moved.status, 303, "{}", moved.body);
    let sun = app.account_id("sun").await;
    let theirs = app.number("SELECT COUNT(*) FROM legal_cases WHERE account_id = $1 AND from_request_id IS NOT NULL",
        sun,
    )
    .await;
    assert_eq!(theirs, 1);
    let status: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT status FROM requests WHERE id = $1"
    )
    .bind(request)
    .fetch_one(pool)
    .await)
    .expect("status");
    assert_eq!(status, "resolved");
    let twice = zhou
        .post_form(&format!("/legal/requests/{request}/move"), &[])
        .await;
    assert_eq!(twice.status, 404, "moved once");
    let mine: Value = serde_json::from_str(
        &app.signed_in("sun")
            .await
            .get("/account/data.json")
            .await
            .body,
    )
    .expect("json");
    assert!(mine["legal_cases"].to_string().contains("押金"));
}
