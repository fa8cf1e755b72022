//! Retries and double clicks: one submission makes one request, and the
//! repeat gets the first answer — from a form's one-time token or an API
//! client's Idempotency-Key, even when the server stopped between saving
//! and answering.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::TestApp;

/// The hidden `once` token the page's form carries.
fn once_token(page: &str) -> String {
    let at = page.find("name=\"once\" value=\"").expect("a once field") + 19;
    page[at..].split('"').next().expect("value").to_string()
}

async fn a_double_clicked_form_makes_one_request(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let page = huang.get("/report/light").await;
    let token = once_token(&page.body);
    let fields = [
        ("category", "light"),
        ("place", "PAVILION"),
        ("description", "凉亭的灯坏了（点了两次）"),
        ("go_ahead", "1"),
        ("once", token.as_str()),
    ];
    // Both clicks arrive together; the browser gives each post its own
    // multipart boundary.
    let (first, second) = tokio::join!(huang.report(&fields, &[]), huang.report(&fields, &[]));
    assert_eq!(first.status, 303, "{}", first.body);
    assert_eq!(second.status, 303, "{}", second.body);
    assert_eq!(
        first.location, second.location,
        "the repeat gets the first answer"
    );
    assert_eq!(app.requests_described("凉亭的灯坏了（点了两次）").await, 1);

    // A form that was wrong does not use up its token: corrected, it goes.
    let page = huang.get("/report/light").await;
    let token = once_token(&page.body);
    let wrong = huang
        .report(
            &[("category", "light"), ("description", ""), ("once", &token)],
            &[],
        )
        .await;
    assert_eq!(wrong.status, 422);
    let fixed = huang
        .report(
            &[
                ("category", "light"),
                ("place", "PAVILION"),
                ("description", "改好了再交"),
                ("go_ahead", "1"),
                ("once", &token),
            ],
            &[],
        )
        .await;
    assert_eq!(fixed.status, 303, "{}", fixed.body);
    assert_eq!(app.requests_described("改好了再交").await, 1);

    // Going back and sending a changed form is a new request, not a repeat.
    let changed = huang
        .report(
            &[
                ("category", "light"),
                ("place", "PAVILION"),
                ("description", "改好了再交，又补充了一句"),
                ("go_ahead", "1"),
                ("once", &token),
            ],
            &[],
        )
        .await;
    assert_eq!(changed.status, 303);
    assert_ne!(changed.location, fixed.location);

    // The same token on a handler's step: one public update, not two.
    let code = first.code();
    let zhang = app.signed_in("zhang").await;
    let page = zhang.get(&format!("/r/{code}")).await;
    let token = once_token(&page.body);
    let step = [
        ("action", "update"),
        ("message", "明天上午来修（只说一次）"),
        ("once", token.as_str()),
    ];
    let (a, b) = tokio::join!(zhang.act(&code, &step), zhang.act(&code, &step));
    assert_eq!((a.status, b.status), (303, 303), "{} {}", a.body, b.body);
    let updates: i64 = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM request_events WHERE public_message = $1"
    )
    .bind("明天上午来修（只说一次）")
    .fetch_one(pool)
    .await)
    .expect("count");
    assert_eq!(updates, 1);
}

async fn an_anonymous_repeat_gets_the_same_secret_link(app: Arc<TestApp>) {
    let someone = app.anonymous();
    let fields = [
        ("category", "clean"),
        ("place", "POND"),
        ("description", "池边有碎玻璃（匿名重试）"),
        ("go_ahead", "1"),
        ("once", "a-token-from-the-page-0001"),
    ];
    let first = someone.report(&fields, &[]).await;
    let again = someone.report(&fields, &[]).await;
    assert_eq!(first.status, 303, "{}", first.body);
    assert!(first.location.contains("key="), "{}", first.location);
    assert_eq!(first.location, again.location);
    assert_eq!(app.requests_described("池边有碎玻璃（匿名重试）").await, 1);

    // The server stopped after saving but before answering: its claim is
    // left unfinished. The retry a minute later still finds the request the
    // first post made, with the same secret link.
    grassroots::on_db!(&app.db, |pool| sqlx::query(
        "UPDATE submissions SET finished_at = NULL, status = NULL, started_at = started_at - 120"
    )
    .execute(pool)
    .await
    .map(|_| ()))
    .expect("pretend a crash");
    let after_crash = someone.report(&fields, &[]).await;
    assert_eq!(after_crash.status, 303, "{}", after_crash.body);
    assert_eq!(after_crash.location, first.location);
    assert_eq!(app.requests_described("池边有碎玻璃（匿名重试）").await, 1);
    // The link works: it opens the reporter's view.
    let page = someone.get(&first.location).await;
    assert_eq!(page.status, 200);
}

async fn api_and_open311_posts_honour_idempotency_keys(app: Arc<TestApp>) {
    let client = reqwest::Client::new();
    let token = app.api_token("huang").await;
    let bearer = format!("Bearer {token}");
    let post = |key: &'static str, description: &'static str| {
        client
            .post(app.url("/api/v1/requests"))
            .header("authorization", &bearer)
            .header("idempotency-key", key)
            .json(&json!({"category": "light", "place": "PAVILION", "description": description}))
            .send()
    };
    let first = post("3f2a9c1e-0b7d-4c55-9e0a-5b1f2d3c4e5f", "API 重试一次")
        .await
        .expect("post");
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.expect("json");
    let again = post("3f2a9c1e-0b7d-4c55-9e0a-5b1f2d3c4e5f", "API 重试一次")
        .await
        .expect("post");
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.expect("json"), first);
    assert_eq!(app.requests_described("API 重试一次").await, 1);

    let reused = post("3f2a9c1e-0b7d-4c55-9e0a-5b1f2d3c4e5f", "另一件事")
        .await
        .expect("post");
    assert_eq!(reused.status(), 422);
    let body: Value = reused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "invalid_input");
    assert_eq!(app.requests_described("另一件事").await, 0);
    let short = post("abc", "太短的 key").await.expect("post");
    assert_eq!(short.status(), 422);

    // Another person's client using the same key makes its own request.
    let other = app.signed_in("sun").await;
    let theirs = other
        .http
        .post(app.url("/api/v1/requests"))
        .header("idempotency-key", "3f2a9c1e-0b7d-4c55-9e0a-5b1f2d3c4e5f")
        .json(&json!({"category": "light", "place": "PAVILION", "description": "API 重试一次"}))
        .send()
        .await
        .expect("post");
    assert_eq!(theirs.status(), 201);
    assert_ne!(theirs.json::<Value>().await.expect("json"), first);

    let (_, api_key) = grassroots::open311::keys::create(&app.db, 1, "retrying app")
        .await
        .expect("key");
    let open311 = || {
        client
            .post(app.url("/open311/v2/requests.json"))
            .header("idempotency-key", "open311-retry-0001")
            .form(&[
                ("api_key", api_key.as_str()),
                ("service_code", "light"),
                ("address_id", "PAVILION"),
                ("description", "Open311 重试"),
            ])
            .send()
    };
    let a = open311().await.expect("post");
    assert_eq!(a.status(), 201);
    let a: Value = a.json().await.expect("json");
    let b: Value = open311().await.expect("post").json().await.expect("json");
    assert_eq!(a, b);
    assert_eq!(app.requests_described("Open311 重试").await, 1);
}

on_both_engines!(
    a_double_clicked_form_makes_one_request,
    an_anonymous_repeat_gets_the_same_secret_link,
    api_and_open311_posts_honour_idempotency_keys,
);
