//! News reaches residents however they chose to hear it: in the inbox, by
//! email as it happens or once a day, or through reception.

use std::sync::Arc;

use grassroots::mail::{Mailer, send_due};

use crate::on_both_engines;
use crate::smtp_sink::SmtpSink;
use crate::support::{Person, TestApp};

on_both_engines!(
    news_is_emailed_once_as_each_person_chose,
    news_for_a_resident_without_a_phone_waits_at_reception,
    reception_is_not_asked_to_call_someone_it_cannot_reach,
);

async fn report_lift(resident: &Person, contact: &str) -> String {
    let sent = resident
        .report(
            &[
                ("category", "lift"),
                ("place", "B3"),
                ("description", "3号楼电梯有异响，13900001111 王先生"),
                ("kind", "report"),
                ("urgency", "general"),
                ("visibility", "private"),
                ("contact", contact),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    sent.code()
}

/// Unix seconds of `hour`:00 tomorrow in Shanghai.
fn tomorrow_at(hour: i8) -> i64 {
    let shanghai = jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone");
    jiff::Timestamp::now()
        .to_zoned_datetime(shanghai.clone())
        .date()
        .tomorrow()
        .expect("tomorrow")
        .at(hour, 0, 0, 0)
        .to_zoned_datetime(shanghai)
        .expect("local time")
        .timestamp()
        .as_second()
}

async fn news_is_emailed_once_as_each_person_chose(app: Arc<TestApp>) {
    let sink = SmtpSink::start().await;
    let mailer =
        Mailer::new(&sink.url, "金苑小区 <noreply@jinyuan.example>", &app.base).expect("a mailer");
    let huang = app.signed_in("huang").await;
    let page = huang.get("/account/news").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("消息提醒方式"));
    let bad = huang
        .post_form(
            "/account/news",
            &[("email", "黄 at home"), ("email_mode", "now")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("这不像电子邮箱地址") && bad.body.contains("黄 at home"));
    let saved = huang
        .post_form(
            "/account/news",
            &[("email", "huang@example.cn"), ("email_mode", "now")],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("已保存") && saved.body.contains("huang@example.cn"));
    let sun = app.signed_in("sun").await;
    let saved = sun
        .post_form(
            "/account/news",
            &[("email", "sun@example.cn"), ("email_mode", "daily")],
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.body);

    let huangs = report_lift(&huang, "site").await;
    let suns = report_lift(&sun, "site").await;
    let liu = app.signed_in("liu").await;
    for code in [&huangs, &suns] {
        let answered = liu
            .act(
                code,
                &[("action", "respond"), ("message", "明天上午派人来看。")],
            )
            .await;
        assert_eq!(answered.status, 303, "{}", answered.body);
    }

    // Before eight in the morning only the news "as it happens" goes out.
    let sent = send_due(&app.db, &mailer, tomorrow_at(7))
        .await
        .expect("send");
    assert_eq!((sent.letters, sent.failed), (1, 0));
    let letters = sink.taken();
    assert_eq!(letters[0].to, vec!["huang@example.cn".to_string()]);
    let body = letters[0].body();
    assert!(
        body.contains("工作组答复了您的诉求") && body.contains("The team answered your request"),
        "the letter says what happened: {body}"
    );
    assert!(body.contains(&format!("{}/r/{huangs}", app.base)), "{body}");
    assert!(
        !body.contains("异响") && !body.contains("13900001111") && !body.contains("明天上午"),
        "nothing of the request itself leaves by email"
    );
    // Once only.
    let again = send_due(&app.db, &mailer, tomorrow_at(7))
        .await
        .expect("send");
    assert_eq!(again.letters, 0);

    // At eight, sun's digest; once that day however often it runs.
    let digest = send_due(&app.db, &mailer, tomorrow_at(8))
        .await
        .expect("send");
    assert_eq!(digest.letters, 1);
    let letters = sink.taken();
    assert_eq!(letters[0].to, vec!["sun@example.cn".to_string()]);
    assert!(letters[0].body().contains(&suns));
    liu.act(&suns, &[("action", "update"), ("message", "零件已订。")])
        .await;
    let later = send_due(&app.db, &mailer, tomorrow_at(9))
        .await
        .expect("send");
    assert_eq!(later.letters, 0, "the next news waits for the next morning");

    // The mail server is down: nothing is lost, it goes out on the next run.
    liu.act(&huangs, &[("action", "update"), ("message", "零件已订。")])
        .await;
    let down =
        Mailer::new("smtp://127.0.0.1:9", "noreply@jinyuan.example", &app.base).expect("a mailer");
    let failed = send_due(&app.db, &down, tomorrow_at(9))
        .await
        .expect("send");
    assert_eq!((failed.letters, failed.failed), (0, 1));
    let retried = send_due(&app.db, &mailer, tomorrow_at(9))
        .await
        .expect("send");
    assert_eq!(retried.letters, 1);
    assert_eq!(sink.taken()[0].to, vec!["huang@example.cn".to_string()]);

    // Choosing "never" stops the email; the inbox still has the news.
    huang
        .post_form(
            "/account/news",
            &[("email", "huang@example.cn"), ("email_mode", "off")],
        )
        .await;
    liu.act(
        &huangs,
        &[("action", "update"), ("message", "师傅在路上。")],
    )
    .await;
    let off = send_due(&app.db, &mailer, tomorrow_at(9))
        .await
        .expect("send");
    assert_eq!(off.letters, 0);
    let inbox = huang.get("/my").await;
    assert!(inbox.body.contains("工作组给您的诉求发来了新消息"));

    // A password link made at the desk is news about the account itself:
    // emailed at once, whatever the choice, so a link the person did not ask
    // for does not go unnoticed. The link itself is never emailed.
    let reception = app.signed_in("reception").await;
    let made = reception
        .post_form("/desk/reset", &[("username", "huang"), ("checked", "1")])
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    let told = send_due(&app.db, &mailer, tomorrow_at(9))
        .await
        .expect("send");
    assert_eq!((told.letters, told.failed), (1, 0));
    let letters = sink.taken();
    assert_eq!(letters[0].to, vec!["huang@example.cn".to_string()]);
    let body = letters[0].body();
    assert!(
        body.contains("前台为您的账号生成了一个设置新密码的链接")
            && body.contains("A link to choose a new password for your account was made"),
        "{body}"
    );
    assert!(!body.contains("/signin/link/"));

    // The same choice through the API.
    let mine: serde_json::Value =
        serde_json::from_str(&huang.get_json("/api/v1/me/news").await.body).expect("json");
    assert_eq!(mine["email_mode"], "off");
    let put = |body: serde_json::Value| {
        huang
            .http
            .put(app.url("/api/v1/me/news"))
            .json(&body)
            .send()
    };
    let refused = put(serde_json::json!({"email": "huang@example.cn", "email_mode": "hourly"}))
        .await
        .expect("PUT");
    assert_eq!(refused.status(), 422);
    let changed = put(serde_json::json!({"email": "", "email_mode": "daily"}))
        .await
        .expect("PUT");
    assert_eq!(changed.status(), 200);
    let changed: serde_json::Value = changed.json().await.expect("json");
    assert_eq!(
        (changed["email"].as_str(), changed["email_mode"].as_str()),
        (Some(""), Some("daily"))
    );
}

async fn news_for_a_resident_without_a_phone_waits_at_reception(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let code = report_lift(&huang, "desk").await;
    let reception = app.signed_in("reception").await;
    let desk = reception.get("/desk").await;
    assert!(
        !desk.body.contains(&format!("/desk/told/{code}")),
        "no news yet"
    );
    let liu = app.signed_in("liu").await;
    liu.act(
        &code,
        &[("action", "respond"), ("message", "明天上午派人来看。")],
    )
    .await;
    let desk = reception.get("/desk").await;
    assert!(desk.body.contains("需要转告"));
    assert!(desk.body.contains("明天上午派人来看。"));
    assert!(desk.body.contains(&format!("/desk/told/{code}")));
    let bell = reception.get("/my").await;
    assert!(
        bell.body.contains("到前台告知的居民有新消息"),
        "reception's bell rang"
    );

    let told = reception
        .post_form(&format!("/desk/told/{code}"), &[])
        .await;
    assert_eq!(told.status, 303);
    let desk = reception.get("/desk").await;
    assert!(!desk.body.contains(&format!("/desk/told/{code}")));
    let history = liu.get(&format!("/r/{code}")).await;
    assert!(history.body.contains("前台已把消息转告居民"));
    let own = huang.get(&format!("/r/{code}")).await;
    assert!(
        !own.body.contains("前台已把消息转告居民"),
        "a note for staff"
    );

    // A legal question's news is passed on by the legal team, not reception.
    let legal = huang
        .report(
            &[
                ("category", "legal"),
                ("description", "房屋继承的问题想咨询"),
                ("kind", "consultation"),
                ("urgency", "general"),
                ("visibility", "private"),
                ("contact", "desk"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(legal.status, 303, "{}", legal.body);
    let legal_code = legal.code();
    let zhou = app.signed_in("zhou").await;
    let answered = zhou
        .act(
            &legal_code,
            &[("action", "respond"), ("message", "周三下午请来法律角。")],
        )
        .await;
    assert_eq!(answered.status, 303, "{}", answered.body);
    let desk = reception.get("/desk").await;
    assert!(!desk.body.contains(&legal_code) && !desk.body.contains("周三下午"));
    assert_eq!(
        reception
            .post_form(&format!("/desk/told/{legal_code}"), &[])
            .await
            .status,
        404
    );
}

/// Someone who left no phone and did not say they would come by cannot be
/// called: their request is not on reception's list. One who said they
/// would come is, and the card says why.
async fn reception_is_not_asked_to_call_someone_it_cannot_reach(app: Arc<TestApp>) {
    let passer_by = app.anonymous();
    let sent = passer_by
        .report(
            &[
                ("category", "light"),
                ("place", "PAVILION"),
                ("description", "凉亭的灯不亮（路过的人）"),
                ("contact", "site"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let unreachable = sent.code();
    let reception = app.signed_in("reception").await;
    let walk_in = reception
        .post_form(
            "/desk",
            &[
                ("name", "钱奶奶"),
                ("category", "light"),
                ("place", "B4"),
                ("description", "4号楼门口的灯不亮（会再来问）"),
                ("contact", "desk"),
            ],
        )
        .await;
    let comes_by = walk_in.code();
    let zhang = app.signed_in("zhang").await;
    for code in [&unreachable, &comes_by] {
        let done = zhang
            .act(code, &[("action", "resolve"), ("message", "灯修好了")])
            .await;
        assert_eq!(done.status, 303, "{}", done.body);
    }
    let desk = reception.get("/desk").await.body;
    assert!(
        !desk.contains(&format!("/desk/callback/{unreachable}")),
        "nobody to call"
    );
    assert!(desk.contains(&format!("/desk/callback/{comes_by}")));
    assert!(desk.contains("居民说会到前台来问"), "and why it is there");
}
