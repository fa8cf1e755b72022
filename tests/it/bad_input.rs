//! Bad input gets a clear message in the person's language, keeps what they
//! typed, loses nothing saved, and never yields a 500.

use std::sync::Arc;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(
    a_form_with_mistakes_comes_back_with_the_input_kept,
    a_bad_photo_is_refused_with_a_message,
    illegal_steps_are_refused_with_a_message,
    garbage_never_yields_a_server_error,
);

async fn a_form_with_mistakes_comes_back_with_the_input_kept(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let answer = huang
        .report(
            &[
                ("category", "lift"),
                ("place", "NOWHERE"),
                ("description", "   "),
                ("name", "黄奶奶"),
                ("phone", "abc"),
            ],
            &[],
        )
        .await;
    assert_eq!(answer.status, 422);
    assert!(
        answer.body.contains("请填写这一项"),
        "description message in Chinese"
    );
    assert!(answer.body.contains("没有这个地点"));
    assert!(answer.body.contains("请填写正确的电话号码"));
    assert!(answer.body.contains("value=\"黄奶奶\""), "the name is kept");
    assert!(
        answer.body.contains("value=\"abc\""),
        "the phone as typed is kept"
    );

    let english = app.client("en");
    let answer = english
        .report(&[("category", "lift"), ("description", "")], &[])
        .await;
    assert_eq!(answer.status, 422);
    assert!(
        answer.body.contains("Please fill this in."),
        "message in English"
    );

    let too_long = "长".repeat(2001);
    let answer = huang
        .report(&[("category", "lift"), ("description", &too_long)], &[])
        .await;
    assert_eq!(answer.status, 422);
    assert!(answer.body.contains("内容太长了"));
}

async fn a_bad_photo_is_refused_with_a_message(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let good = crate::support::photo_with_gps();
    let answer = huang
        .report(
            &[
                ("category", "lift"),
                ("place", "B1"),
                ("description", "电梯坏了"),
            ],
            &[b"this is not a picture".to_vec(), good],
        )
        .await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert!(answer.body.contains("只能附上 JPEG、PNG 或 WebP"));
    assert!(answer.body.contains("电梯坏了"), "the description is kept");
    assert!(
        answer.body.contains("已附上 1 张照片"),
        "the good photo is kept"
    );
    let key = crate::support::quoted_after(&answer.body, "name=\"upload\" value=\"")
        .expect("staged photo key")
        .to_string();
    let sent = huang
        .report(
            &[
                ("category", "lift"),
                ("place", "B1"),
                ("description", "电梯坏了"),
                ("upload", &key),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let count: i64 = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM photos p JOIN requests r ON r.id = p.request_id WHERE r.tracking_code = $1"
    )
    .bind(sent.code())
    .fetch_one(pool)
    .await)
    .expect("count");
    assert_eq!(count, 1, "the kept photo is attached");
}

async fn illegal_steps_are_refused_with_a_message(app: Arc<TestApp>) {
    let code = crate::journey::resolved_request(&app).await;
    let zhang = app.signed_in("zhang").await;
    let again = zhang
        .act(&code, &[("action", "resolve"), ("message", "再办结一次")])
        .await;
    assert_eq!(again.status, 409);
    assert!(again.body.contains("这条诉求现在不能做这一步"));
    assert!(
        again.body.contains("再办结一次"),
        "the message typed is kept"
    );
    let no_reason = zhang.act(&code, &[("action", "reopen")]).await;
    assert_eq!(no_reason.status, 303);
    let reject = zhang
        .act(&code, &[("action", "reject"), ("reason", "  ")])
        .await;
    assert_eq!(reject.status, 409);
    assert!(reject.body.contains("请写明原因"));
    let huang = app.signed_in("huang").await;
    let no_rating = huang
        .post_form(&format!("/r/{code}/confirm"), &[("solved", "yes")])
        .await;
    assert_eq!(no_rating.status, 409);
    assert_eq!(
        crate::journey::status_of(&app, &code).await,
        "in_progress",
        "nothing saved was lost"
    );
}

async fn garbage_never_yields_a_server_error(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let code = crate::journey::resolved_request(&app).await;
    let weird = [
        "",
        "%",
        "'; DROP TABLE requests; --",
        "<script>alert(1)</script>",
        "999999999999999999999",
        "路灯",
        "\u{0}",
    ];
    for w in weird {
        for path in [
            format!("/r/{}", urlencode(w)),
            format!(
                "/queue?group={}&status={}&category={}&place={}",
                urlencode(w),
                urlencode(w),
                urlencode(w),
                urlencode(w)
            ),
            format!("/report/{}", urlencode(w)),
            format!("/photos/{}", urlencode(w)),
            format!("/track?code={}", urlencode(w)),
            format!("/api/v1/requests/{}", urlencode(w)),
        ] {
            huang.get(&path).await.assert_no_server_error(&path);
        }
        for (path, fields) in [
            (
                format!("/r/{code}/act"),
                vec![("action", w), ("message", w), ("assignee", w), ("of", w)],
            ),
            (
                format!("/r/{code}/confirm"),
                vec![("solved", w), ("rating", w), ("comment", w)],
            ),
            (
                "/signin".to_string(),
                vec![("username", w), ("password", w)],
            ),
            (
                "/register".to_string(),
                vec![("code", w), ("username", w), ("password", w)],
            ),
        ] {
            huang
                .post_form(&path, &fields)
                .await
                .assert_no_server_error(&path);
        }
        huang
            .report(
                &[
                    ("category", w),
                    ("kind", w),
                    ("urgency", w),
                    ("visibility", w),
                    ("contact", w),
                ],
                &[],
            )
            .await
            .assert_no_server_error("/report");
    }
    let raw = huang
        .http
        .post(app.url("/report"))
        .header("content-type", "multipart/form-data; boundary=x")
        .body("--x\r\nbroken")
        .send()
        .await
        .expect("send");
    assert!(raw.status().as_u16() < 500);
    let json = huang
        .http
        .post(app.url("/api/v1/requests"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("send");
    assert!(json.status().as_u16() < 500 && json.status().as_u16() >= 400);
    let body = json.text().await.unwrap_or_default();
    assert!(
        body.contains("\"code\""),
        "API errors are structured: {body}"
    );
    let big = vec![b'a'; 41 * 1024 * 1024];
    let too_big = huang
        .http
        .post(app.url("/report"))
        .header("content-type", "multipart/form-data; boundary=x")
        .body(big)
        .send()
        .await;
    if let Ok(r) = too_big {
        assert_eq!(r.status().as_u16(), 413);
        let page = r.text().await.unwrap_or_default();
        assert!(
            page.is_empty() || page.contains("您写的内容还在"),
            "the page says what to do: {page}"
        );
    }
}

fn urlencode(s: &str) -> String {
    grassroots::web::forms::url_encode(s)
}
