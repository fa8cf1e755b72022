//! Text messages through a local gateway: a resident who chose texts gets
//! one per piece of news, in their language, never what the request says,
//! and not in the quiet hours unless it is danger; a resident without an
//! account follows the texted link to their request; a text that fails
//! three times goes on reception's list; limits, delivery reports, and two
//! senders at once.

use std::sync::Arc;

use crate::on_both_engines;
use crate::sms_sink::{Answer, SmsSink};
use crate::support::{Person, TestApp};

on_both_engines!(
    texts_follow_the_residents_choice_and_the_quiet_hours,
    a_text_that_fails_three_times_goes_on_receptions_list,
    the_gateway_and_the_choice_refuse_bad_input_and_keep_it,
);

const TEMPLATE: &str =
    r#"{"apikey": "{secret}", "mobile": "{phone}", "content": "{text}", "uid": "{ref}"}"#;

/// Seconds for a local time in the estate (Shanghai), `days` from today.
fn local(days: i64, hour: i8, minute: i8) -> i64 {
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let today = jiff::Timestamp::now().to_zoned_datetime(tz.clone()).date();
    today
        .checked_add(jiff::Span::new().days(days))
        .unwrap()
        .at(hour, minute, 0, 0)
        .to_zoned_datetime(tz)
        .unwrap()
        .timestamp()
        .as_second()
}

async fn set_up_gateway(app: &TestApp, sink: &SmsSink, per_person_day: &str) -> Person {
    let secretary = app.signed_in("secretary").await;
    let saved = secretary
        .post_form(
            "/admin/texts",
            &[
                ("url", sink.url.as_str()),
                ("method", "POST"),
                ("content_type", "json"),
                ("body_template", TEMPLATE),
                ("secret", "s3cret-key"),
                ("success_marker", r#""code":0"#),
                ("per_person_day", per_person_day),
                ("per_day", "500"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    secretary
}

async fn send(app: &TestApp, now: i64) -> grassroots::sms::Sent {
    let client = grassroots::sms::gateway::client().expect("client");
    grassroots::sms::send_due(&app.db, &client, &app.base, now)
        .await
        .expect("send the texts due")
}

async fn choose_texts(person: &Person, phone: &str, language: &str) {
    let saved = person
        .post_form(
            "/account/news",
            &[
                ("email", ""),
                ("email_mode", "off"),
                ("sms", "on"),
                ("phone", phone),
                ("language", language),
            ],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
}

async fn report(person: &Person, fields: &[(&str, &str)]) -> (String, String) {
    let mut fields = fields.to_vec();
    // Similar requests are open in the demo: send it all the same.
    fields.push(("go_ahead", "1"));
    let filed = person.report(&fields, &[]).await;
    assert_eq!(filed.status, 303, "{}", filed.body);
    let key = filed
        .location
        .split("key=")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (filed.code(), key)
}

async fn texts_follow_the_residents_choice_and_the_quiet_hours(app: Arc<TestApp>) {
    let sink = SmsSink::start().await;
    let secretary = set_up_gateway(&app, &sink, "5").await;
    let page = secretary.get("/admin/texts").await;
    assert!(page.body.contains("短信通知已开通"));
    assert!(!page.body.contains("s3cret-key"), "the key is never shown");

    let huang = app.signed_in("huang").await;
    choose_texts(&huang, "138 0013 8000", "zh").await;
    let (code, _) = report(
        &huang,
        &[("category", "water"), ("description", "厨房水管漏水XYZ")],
    )
    .await;
    let zhang = app.signed_in("zhang").await;
    let answered = zhang
        .act(&code, &[("action", "respond"), ("message", "明天上午来修")])
        .await;
    assert_eq!(answered.status, 303, "{}", answered.body);

    // In the day: one text, in Chinese, with the kind of news and a link.
    let sent = send(&app, local(1, 10, 0)).await;
    assert_eq!(sent.sent, 1, "{sent:?}");
    let texts = sink.received();
    assert_eq!(texts.len(), 1);
    assert!(texts[0].content_type.starts_with("application/json"));
    let text = texts[0].json();
    assert_eq!(text["mobile"], "13800138000");
    assert_eq!(text["apikey"], "s3cret-key");
    let words = text["content"].as_str().unwrap();
    assert!(words.starts_with("【金苑小区】"), "{words}");
    assert!(words.contains("工作组答复了您的诉求"), "{words}");
    assert!(words.contains(&format!("{}/r/{code}", app.base)), "{words}");
    assert!(
        !words.contains("厨房") && !words.contains("明天上午来修"),
        "{words}"
    );
    // Sent once: a second pass finds nothing.
    assert_eq!(send(&app, local(1, 10, 1)).await.sent, 0);

    // At night it waits for the morning.
    let updated = zhang
        .act(&code, &[("action", "update"), ("message", "零件已订")])
        .await;
    assert_eq!(updated.status, 303, "{}", updated.body);
    let night = send(&app, local(1, 22, 0)).await;
    assert_eq!((night.sent, night.held), (0, 1), "{night:?}");
    assert_eq!(send(&app, local(2, 7, 59)).await.sent, 0);
    assert_eq!(send(&app, local(2, 8, 0)).await.sent, 1);
    assert_eq!(sink.received().len(), 2);

    // Danger does not wait.
    let (danger, _) = report(
        &huang,
        &[
            ("category", "water"),
            ("urgency", "danger"),
            ("description", "楼道水管爆了"),
        ],
    )
    .await;
    zhang
        .act(&danger, &[("action", "respond"), ("message", "马上到")])
        .await;
    assert_eq!(send(&app, local(1, 23, 30)).await.sent, 1);
    assert_eq!(sink.received().len(), 3);

    // A resident without an account, in English, privately: the text's
    // link opens their request.
    let visitor = app.client("en");
    let (walk_in, _) = report(
        &visitor,
        &[
            ("category", "water"),
            ("description", "Leak under the sink QQQ"),
            ("visibility", "private"),
            ("contact", "text"),
            ("phone", "139 0013 9000"),
        ],
    )
    .await;
    zhang
        .act(
            &walk_in,
            &[("action", "respond"), ("message", "We come on Monday")],
        )
        .await;
    assert_eq!(send(&app, local(1, 10, 5)).await.sent, 1);
    let text = sink.received()[3].json();
    assert_eq!(text["mobile"], "13900139000");
    let words = text["content"].as_str().unwrap().to_string();
    assert!(words.starts_with("[Jinyuan"), "{words}");
    assert!(words.contains("The team answered your request"), "{words}");
    assert!(
        !words.contains("QQQ") && !words.contains("Monday"),
        "{words}"
    );
    let link = words
        .split_whitespace()
        .find(|w| w.contains("/t/"))
        .expect("a short link")
        .to_string();
    let stranger = app.client("en");
    assert_eq!(stranger.get(&format!("/r/{walk_in}")).await.status, 404);
    let opened = stranger.get(link.trim_start_matches(&app.base)).await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let page = stranger.get(&opened.location).await;
    assert_eq!(page.status, 200, "the texted link opens the request");
    assert!(page.body.contains("Leak under the sink QQQ"));
    // Solved: asked by text, and again by text if they do not answer.
    let solved = zhang
        .act(&walk_in, &[("action", "resolve"), ("message", "Fixed")])
        .await;
    assert_eq!(solved.status, 303, "{}", solved.body);
    let nudge_days = app
        .number(
            "SELECT confirm_nudge_days FROM communities WHERE id = $1",
            1,
        )
        .await;
    grassroots::chase::run_due(&app.db, grassroots::db::now() + nudge_days * 86_400 + 60)
        .await
        .expect("chase");
    let kinds: Vec<String> = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT m.message_key FROM sms_messages m JOIN requests r ON r.id = m.request_id \
         WHERE r.tracking_code = $1 ORDER BY m.id"
    )
    .bind(&walk_in)
    .fetch_all(pool)
    .await)
    .expect("texts");
    assert_eq!(
        kinds,
        [
            "notify-responded",
            "notify-resolved-yours",
            "notify-please-confirm"
        ]
    );
    // Reception is not asked to phone someone who is texted.
    let reception = app.signed_in("reception").await;
    let desk = reception.get("/desk").await;
    assert!(!desk.body.contains(&walk_in), "not on the call-back list");

    // The log, the person's own copy.
    let log = secretary.get("/admin/texts").await;
    assert!(log.body.contains("138****8000") && !log.body.contains("13800138000"));
    let own = huang.get_json("/account/data.json").await;
    assert!(own.body.contains("\"texts\""), "{}", own.body);
    assert!(own.body.contains("notify-responded"));

    // Two senders at once (two instances) send each text once.
    sink.clear();
    zhang
        .act(&code, &[("action", "update"), ("message", "四")])
        .await;
    let later = local(1, 15, 0);
    grassroots::sms::outbox::take_news(&app.db, later)
        .await
        .expect("news to texts");
    let waiting = app
        .number(
            "SELECT COUNT(*) FROM sms_messages WHERE status = 'waiting' AND next_try_at <= $1",
            later,
        )
        .await;
    assert!(waiting >= 1);
    let (a, b) = tokio::join!(send(&app, later), send(&app, later));
    assert_eq!((a.sent + b.sent) as i64, waiting, "{a:?} {b:?}");
    assert_eq!(sink.received().len() as i64, waiting, "each once");
}

async fn a_text_that_fails_three_times_goes_on_receptions_list(app: Arc<TestApp>) {
    let sink = SmsSink::start().await;
    set_up_gateway(&app, &sink, "2").await;
    let huang = app.signed_in("huang").await;
    choose_texts(&huang, "13800138000", "en").await;
    let (code, _) = report(&huang, &[("category", "water"), ("description", "滴水")]).await;
    let zhang = app.signed_in("zhang").await;
    sink.answer(Answer::Fail);
    zhang
        .act(&code, &[("action", "respond"), ("message", "好")])
        .await;
    let t = local(1, 10, 0);
    assert_eq!(send(&app, t).await.failed, 1);
    assert_eq!(
        send(&app, t + 30).await.failed,
        0,
        "a minute before trying again"
    );
    assert_eq!(send(&app, t + 61).await.failed, 1);
    assert_eq!(send(&app, t + 400).await.failed, 1);
    assert_eq!(send(&app, t + 4000).await.failed, 0, "three tries only");
    assert_eq!(sink.received().len(), 3);
    let reception = app.signed_in("reception").await;
    let desk = reception.get("/desk").await;
    assert!(desk.body.contains("没有发出去的短信"), "{}", desk.body);
    assert!(desk.body.contains(&code));
    let id = desk
        .body
        .split("/desk/texts/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .expect("the told button")
        .to_string();
    let told = reception
        .post_form(&format!("/desk/texts/{id}/told"), &[])
        .await;
    assert_eq!(told.status, 303);
    assert!(
        !reception
            .get("/desk")
            .await
            .body
            .contains("没有发出去的短信")
    );
    assert_eq!(
        reception
            .post_form(&format!("/desk/texts/{id}/told"), &[])
            .await
            .status,
        404,
        "told once"
    );

    // A 200 that says "error" inside is a failure too; a gateway that
    // hangs is given up after ten seconds.
    sink.answer(Answer::RefuseInside);
    zhang
        .act(&code, &[("action", "update"), ("message", "一")])
        .await;
    assert_eq!(send(&app, t + 5000).await.failed, 1);
    sink.answer(Answer::Hang);
    assert_eq!(send(&app, t + 5100).await.failed, 1);
    let errors: Vec<String> = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT last_error FROM sms_messages WHERE status = 'waiting' ORDER BY id"
    )
    .fetch_all(pool)
    .await)
    .expect("errors");
    assert_eq!(errors, vec!["timeout".to_string()], "the last try's error");

    // Within the limit of two a person a day; the third goes to reception.
    sink.answer(Answer::Accept);
    sink.clear();
    assert_eq!(send(&app, t + 5500).await.sent, 1);
    for message in ["二", "三"] {
        zhang
            .act(&code, &[("action", "update"), ("message", message)])
            .await;
    }
    let day = send(&app, t + 5600).await;
    assert_eq!((day.sent, day.failed), (1, 1), "{day:?}");
    let words = sink.received()[0].json()["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        words.starts_with("[Jinyuan"),
        "in the language she chose: {words}"
    );
    assert!(reception.get("/desk").await.body.contains("limit-person"));

    // The gateway's delivery report, with its key only.
    let id: i64 = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT id FROM sms_messages WHERE status = 'sent' ORDER BY id LIMIT 1"
    )
    .fetch_one(pool)
    .await)
    .expect("a sent text");
    let gateway = app.anonymous();
    let wrong = gateway
        .http
        .post(app.url("/api/v1/sms/receipts"))
        .json(&serde_json::json!({"ref": format!("gr-{id}"), "status": "delivered", "secret": "guess"}))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);
    let right = gateway
        .http
        .post(app.url("/api/v1/sms/receipts"))
        .form(&[
            ("ref", format!("gr-{id}")),
            ("status", "DELIVERED".into()),
            ("secret", "s3cret-key".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert_eq!(
        app.number(
            "SELECT COUNT(*) FROM sms_messages WHERE id = $1 AND status = 'delivered'",
            id
        )
        .await,
        1
    );

    // News about no request (a care alert for her carer, say) is texted
    // too, and danger goes at night; stopping texts withdraws what waits.
    let huang_id = app.account_id("huang").await;
    grassroots::on_db!(&app.db, |pool| sqlx::query(
        "INSERT INTO notifications (account_id, message_key, created_at) VALUES ($1, 'notify-care-alert', $2), \
         ($1, 'notify-activity-tomorrow', $2)"
    )
    .bind(huang_id)
    .bind(grassroots::db::now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .expect("news");
    sink.clear();
    let night = local(1, 23, 0);
    let sent = send(&app, night).await;
    assert_eq!(
        (sent.sent, sent.held),
        (1, 1),
        "the alert goes, the reminder waits: {sent:?}"
    );
    let alert = sink.received()[0].json()["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(alert.contains("Care alert"), "{alert}");
    let stopped = huang
        .post_form(
            "/account/news",
            &[("email_mode", "off"), ("sms", "off"), ("phone", "")],
        )
        .await;
    assert_eq!(stopped.status, 200);
    assert_eq!(send(&app, local(2, 9, 0)).await.sent, 0, "withdrawn");
    assert!(
        !reception.get("/desk").await.body.contains("withdrawn"),
        "not on reception's list"
    );
}

async fn the_gateway_and_the_choice_refuse_bad_input_and_keep_it(app: Arc<TestApp>) {
    let secretary = app.signed_in("secretary").await;
    let bad = secretary
        .post_form(
            "/admin/texts",
            &[
                ("url", "ftp://sms.example"),
                ("method", "POST"),
                ("content_type", "json"),
                ("body_template", r#"{"to": "{phone}", "msg": {text}}"#),
                ("per_person_day", "0"),
                ("per_day", "many"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("ftp://sms.example"),
        "what was typed is kept"
    );
    assert!(bad.body.contains("https://"), "{}", bad.body);
    assert!(bad.body.contains("不是有效的 JSON"));
    // Nothing configured: nobody is offered texts.
    let huang = app.signed_in("huang").await;
    let news = huang.get("/account/news").await;
    assert!(!news.body.contains("name=\"sms\""));
    let form = huang.get("/report/water").await;
    assert!(!form.body.contains("value=\"text\""));
    let refused = huang
        .post_form(
            "/account/news",
            &[
                ("email_mode", "off"),
                ("sms", "on"),
                ("phone", "13800138000"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    // Configured: a landline cannot take texts, and says so.
    let sink = SmsSink::start().await;
    set_up_gateway(&app, &sink, "5").await;
    let landline = huang
        .post_form(
            "/account/news",
            &[
                ("email_mode", "off"),
                ("sms", "on"),
                ("phone", "0851-86512345"),
                ("language", "zh"),
            ],
        )
        .await;
    assert_eq!(landline.status, 422);
    assert!(landline.body.contains("收不到短信"));
    assert!(landline.body.contains("0851-86512345"), "kept");
    let en = app.signed_in_speaking("huang", "en").await;
    let landline = en
        .post_form(
            "/account/news",
            &[
                ("email_mode", "off"),
                ("sms", "on"),
                ("phone", "0851-86512345"),
            ],
        )
        .await;
    assert!(landline.body.contains("cannot receive text messages"));
    let form = huang.get("/report/water").await;
    assert!(form.body.contains("value=\"text\""), "offered now");
    let walk_in = app
        .client("zh")
        .report(
            &[
                ("category", "water"),
                ("description", "楼下漏水"),
                ("contact", "text"),
                ("phone", "0851-86512345"),
            ],
            &[],
        )
        .await;
    assert_eq!(walk_in.status, 422);
    assert!(walk_in.body.contains("楼下漏水") && walk_in.body.contains("收不到短信"));
    // Reception chooses texts for a resident at the desk.
    let reception = app.signed_in("reception").await;
    let person = reception.get("/desk/person?username=huang").await;
    assert!(person.body.contains("/desk/person/huang/texts"));
    let chosen = reception
        .post_form(
            "/desk/person/huang/texts",
            &[("sms_on", "1"), ("phone", "13800138000")],
        )
        .await;
    assert_eq!(chosen.status, 303);
    let on: bool = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT sms_on FROM accounts WHERE username = 'huang'"
    )
    .fetch_one(pool)
    .await)
    .expect("huang");
    assert!(on);
    let audit = app.signed_in("secretary").await.get("/admin/audit").await;
    assert!(audit.body.contains("前台替居民设置了短信通知"));
    let refused = reception
        .post_form(
            "/desk/person/huang/texts",
            &[("sms_on", "1"), ("phone", "86512345")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("86512345"), "what was typed is kept");
    assert!(refused.body.contains("收不到短信"));
    // Bad receipts are no 500.
    for body in ["", "ref=", "not json", r#"{"ref": "gr-x"}"#] {
        let answer = app
            .anonymous()
            .http
            .post(app.url("/api/v1/sms/receipts"))
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(
            answer.status().is_client_error(),
            "{body}: {}",
            answer.status()
        );
    }
}
