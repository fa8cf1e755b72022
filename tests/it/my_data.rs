//! People's own data: a resident downloads everything about them (and
//! nothing about anyone else), takes their name off past requests, and
//! closes their account; reception does it for someone at the desk. Their
//! name is readable nowhere afterwards and the community's figures stay.

use std::sync::Arc;

use serde_json::Value;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(
    a_resident_takes_their_data_and_their_name_away,
    the_download_holds_each_capabilitys_part,
    reception_does_it_for_a_resident_in_person,
);

const PHONE: &str = "13877776666";

/// A request of sun's, finished (closed by sun with a rating), and one
/// still open; returns their codes.
async fn two_requests(app: &TestApp) -> (String, String) {
    let sun = app.signed_in("sun").await;
    let done = sun
        .report(
            &[
                ("category", "light"),
                ("place", "PAVILION"),
                ("description", "凉亭灯不亮（孙）"),
                ("name", "孙阿姨"),
                ("phone", PHONE),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let done = done.code();
    let zhang = app.signed_in("zhang").await;
    for step in [
        vec![("action", "take")],
        vec![("action", "resolve"), ("message", "换了灯泡")],
    ] {
        let answer = zhang.act(&done, &step).await;
        assert_eq!(answer.status, 303, "{step:?}: {}", answer.body);
    }
    let confirmed = sun
        .post_form(
            &format!("/r/{done}/confirm"),
            &[("solved", "yes"), ("rating", "5")],
        )
        .await;
    assert!(confirmed.status < 400, "{}", confirmed.body);
    let open = sun
        .report(
            &[
                ("category", "clean"),
                ("place", "POND"),
                ("description", "池塘有垃圾（孙）"),
                ("phone", PHONE),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(open.status, 303, "{}", open.body);
    (done, open.code())
}

/// The requests' part (the person's news) comes into the download through
/// the section the entry hands to the own-data capability.
async fn the_download_holds_each_capabilitys_part(app: Arc<TestApp>) {
    let (done, _open) = two_requests(&app).await;
    let sun = app.signed_in("sun").await;
    let download = sun.get("/account/data.json").await;
    assert_eq!(download.status, 200);
    let data: Value = serde_json::from_str(&download.body).expect("json");
    let news = data["news"].as_array().expect("the news section");
    assert!(
        news.iter()
            .any(|n| n["kind"] == "notify-resolved-yours" && n["tracking_code"] == done.as_str()),
        "told when it was solved: {news:?}"
    );
    assert!(
        news.iter()
            .all(|n| n["at"].as_str().is_some_and(|t| t.ends_with('Z')))
    );
}

async fn status_of(app: &TestApp, code: &str) -> (String, Option<i64>, Option<i64>, String) {
    grassroots::on_db!(&app.db, |pool| sqlx::query_as(
        "SELECT status, rating, reporter_account_id, reporter_phone FROM requests WHERE tracking_code = $1"
    )
    .bind(code)
    .fetch_one(pool)
    .await)
    .expect("request")
}

async fn a_resident_takes_their_data_and_their_name_away(app: Arc<TestApp>) {
    let (done, open) = two_requests(&app).await;
    let huang = app.signed_in("huang").await;
    huang
        .report(
            &[
                ("category", "light"),
                ("place", "PAVILION"),
                ("description", "黄的诉求不该出现在孙的资料里"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    let sun = app.signed_in("sun").await;
    let page = sun.get("/account/data").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("下载我的资料"));

    let download = sun
        .http
        .get(app.url("/account/data.json"))
        .send()
        .await
        .expect("get");
    assert_eq!(download.status(), 200);
    assert!(
        download.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("attachment")
    );
    let data: Value = download.json().await.expect("json");
    assert_eq!(data["account"]["username"], "sun");
    let reported = data["requests_reported"].as_array().expect("requests");
    let codes: Vec<&str> = reported
        .iter()
        .filter_map(|r| r["tracking_code"].as_str())
        .collect();
    assert!(codes.contains(&done.as_str()) && codes.contains(&open.as_str()));
    let text = data.to_string();
    assert!(text.contains(PHONE) && text.contains("凉亭灯不亮（孙）"));
    assert!(!text.contains("黄的诉求"), "nothing of another resident's");
    assert!(!text.contains("password"), "no password hash");
    assert!(
        text.contains("房东不退押金"),
        "their own legal question is theirs"
    );

    let rates_before = sun.get("/rates.json").await.body;
    let anonymised = sun.post_form("/account/data/anonymise", &[]).await;
    assert_eq!(anonymised.status, 303);
    let page = sun.get(&anonymised.location).await;
    assert!(
        page.body.contains("件诉求上不再有您的名字"),
        "{}",
        page.body
    );
    // The finished one forgot who sent it; the open one still reaches sun.
    let (status, rating, reporter, phone) = status_of(&app, &done).await;
    assert_eq!(
        (status.as_str(), rating, reporter, phone.as_str()),
        ("closed", Some(5), None, "")
    );
    let (_, _, reporter, phone) = status_of(&app, &open).await;
    assert!(reporter.is_some() && phone == PHONE);
    let zhang = app.signed_in("zhang").await;
    let staff_view = zhang.get(&format!("/r/{done}")).await;
    assert!(!staff_view.body.contains(PHONE) && !staff_view.body.contains("孙阿姨"));

    // Closing needs the password again.
    let wrong = sun
        .post_form("/account/data/close", &[("password", "not mine")])
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("密码不对"));
    assert_eq!(sun.get("/my").await.status, 200, "still open");
    let closed = sun
        .post_form(
            "/account/data/close",
            &[("password", grassroots::demo::DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert!(closed.body.contains("您的账号已注销"));
    assert_eq!(sun.get("/my").await.status, 303, "signed out");
    let again = app
        .client("zh-CN")
        .post_form(
            "/signin",
            &[
                ("username", "sun"),
                ("password", grassroots::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status, 422, "the account is gone");
    let (_, _, reporter, phone) = status_of(&app, &open).await;
    assert_eq!((reporter, phone.as_str()), (None, ""));
    // Searching for the name or the phone finds nothing of theirs.
    let secretary = app.signed_in("secretary").await;
    for q in [PHONE, "孙阿姨"] {
        let found = secretary
            .get(&format!(
                "/queue?q={}",
                grassroots::web::forms::url_encode(q)
            ))
            .await;
        assert!(
            !found.body.contains(&done) && !found.body.contains(&open),
            "{q}"
        );
    }
    let accounts = secretary.get("/admin/accounts").await;
    assert!(!accounts.body.contains(">sun<") && !accounts.body.contains(PHONE));
    // The community's figures are as they were.
    assert_eq!(
        app.client("zh-CN").get("/rates.json").await.body,
        rates_before
    );
}

async fn reception_does_it_for_a_resident_in_person(app: Arc<TestApp>) {
    let (done, _) = two_requests(&app).await;
    let reception = app.signed_in("reception").await;
    let found = reception.get("/desk/person?username=sun").await;
    assert_eq!(found.status, 200);
    assert!(found.body.contains("/desk/person/sun/data.json"));
    // Found by flat or by name too, as a walk-in gives them: the flat
    // holds Sun and his wife Ma, and reception chooses.
    for typed in ["B3-202", "b3-202"] {
        let by_flat = reception
            .get(&format!("/desk/person?username={typed}"))
            .await;
        assert!(
            by_flat.body.contains("/desk/person?username=sun")
                && by_flat.body.contains("/desk/person?username=ma"),
            "{typed}"
        );
    }
    let by_name = reception.get("/desk/person?username=孙大爷").await;
    assert!(by_name.body.contains("/desk/person/sun/data.json"));
    let missing = reception.get("/desk/person?username=zhang").await;
    assert_eq!(
        missing.status, 404,
        "staff accounts are not closed at the desk"
    );

    // Something reception must not learn: sun's anonymous report, and news
    // about sun's legal question.
    let sun = app.signed_in("sun").await;
    let anonymous = sun
        .report(
            &[
                ("category", "clean"),
                ("place", "POND"),
                ("description", "有人往池塘倒油（匿名）"),
                ("name", "孙阿姨"),
                ("phone", PHONE),
                ("visibility", "anonymous"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(anonymous.status, 303, "{}", anonymous.body);
    let anonymous = anonymous.code();
    let legal: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT r.tracking_code FROM requests r JOIN categories c ON c.id = r.category_id \
         JOIN accounts a ON a.id = r.reporter_account_id WHERE c.code = 'legal' AND a.username = 'sun'"
    )
    .fetch_one(pool)
    .await)
    .expect("sun's legal question");
    let zhou = app.signed_in("zhou").await;
    let answered = zhou
        .act(
            &legal,
            &[("action", "respond"), ("message", "请带上合同来面谈。")],
        )
        .await;
    assert_eq!(answered.status, 303, "{}", answered.body);

    let old_way = reception.get("/desk/person/sun/data.json").await;
    assert_eq!(old_way.status, 405, "no copy without the identity check");
    let unticked = reception.post_form("/desk/person/sun/data.json", &[]).await;
    assert_eq!(unticked.status, 422, "identity must be checked first");
    let data: Value = reception
        .http
        .post(app.url("/desk/person/sun/data.json"))
        .form(&[("checked", "1")])
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    assert_eq!(data["account"]["username"], "sun");
    let text = data.to_string();
    assert!(
        !text.contains("房东不退押金") && !text.contains(&legal),
        "the legal question and its news stay out of the desk's copy"
    );
    assert!(
        !text.contains("倒油") && !text.contains(&anonymous),
        "the anonymous report stays out too: it would say who sent it"
    );
    assert!(
        !text.contains("left_out"),
        "not even how many are left out: that would tell"
    );
    assert!(data["made_at_the_desk"].is_string());

    // The resident sees the copy was handed over, and by whom; so does the
    // secretary. Their own copy has everything.
    let own: Value = serde_json::from_str(&sun.get("/account/data.json").await.body).expect("json");
    assert_eq!(
        own["desk_log"][0]["what"], "data_handed_over",
        "{}",
        own["desk_log"]
    );
    assert!(
        own["desk_log"][0]["by"]
            .as_str()
            .is_some_and(|by| !by.is_empty())
    );
    let own_text = own.to_string();
    assert!(own_text.contains(&anonymous) && own_text.contains(PHONE) && own_text.contains(&legal));
    assert!(
        own["news"]
            .as_array()
            .expect("news")
            .iter()
            .any(|n| n["tracking_code"] == legal.as_str()),
        "the legal team's answer is news in the resident's own copy: {}",
        own["news"]
    );
    let secretary = app.signed_in("secretary").await;
    let log = secretary.get("/admin/audit").await;
    assert!(log.body.contains("交出了一份本人资料"), "{}", log.body);
    let log_json: Value =
        serde_json::from_str(&secretary.get("/api/v1/audit").await.body).expect("json");
    assert_eq!(log_json[0]["action"], "data_handed_over");
    assert_eq!(log_json[0]["username"], "sun");
    assert_eq!(reception.get("/admin/audit").await.status, 403);

    let unticked = reception.post_form("/desk/person/sun/anonymise", &[]).await;
    assert_eq!(unticked.status, 422, "identity must be checked first");
    let anonymised = reception
        .post_form("/desk/person/sun/anonymise", &[("checked", "1")])
        .await;
    assert_eq!(anonymised.status, 303);
    assert_eq!(status_of(&app, &done).await.2, None);

    let unticked = reception.post_form("/desk/person/sun/close", &[]).await;
    assert_eq!(unticked.status, 422, "identity must be checked first");
    let closed = reception
        .post_form("/desk/person/sun/close", &[("checked", "1")])
        .await;
    assert_eq!(closed.status, 303);
    let after = reception.get(&closed.location).await;
    assert!(after.body.contains("账号已注销"));
    assert_eq!(reception.get("/desk/person?username=sun").await.status, 404);

    // Residents and other staff cannot do this for someone else.
    let huang = app.signed_in("huang").await;
    assert_eq!(huang.get("/desk/person?username=huang").await.status, 403);
    assert_eq!(
        huang
            .post_form("/desk/person/huang/close", &[("checked", "1")])
            .await
            .status,
        403
    );
}
