//! Limits: too many submissions get 429 with Retry-After, in the person's
//! language, without touching what was saved; wrong passwords slow down
//! and then lock sign-in, on the pages and the API alike.

use std::sync::Arc;

use grassroots::web::WebConfig;
use grassroots::web::limits::{Limiter, RateLimits};
use serde_json::{Value, json};

use crate::support::{Engine, TestApp, run, run_with};

fn limited() -> WebConfig {
    let limits = RateLimits::parse("submit=2/h,signin=30/10min")
        .expect("valid")
        .expect("on");
    WebConfig {
        limiter: Limiter::new(limits),
        ..WebConfig::default()
    }
}

async fn count_requests(app: &TestApp) -> i64 {
    grassroots::on_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM requests"
    )
    .fetch_one(pool)
    .await)
    .expect("count")
}

async fn too_many_submissions_wait_their_turn(app: Arc<TestApp>) {
    let token = app.api_token("huang").await;
    let api = reqwest::Client::new();
    let submit = |description: &'static str| {
        api.post(app.url("/api/v1/requests"))
            .bearer_auth(&token)
            .json(&json!({"category": "light", "place": "PAVILION", "description": description}))
            .send()
    };
    assert_eq!(submit("第一件").await.expect("post").status(), 201);
    assert_eq!(submit("第二件").await.expect("post").status(), 201);
    let before = count_requests(&app).await;
    let third = submit("第三件").await.expect("post");
    assert_eq!(third.status(), 429);
    let wait: u64 = third.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((60..=1800).contains(&wait), "wait {wait} s");
    let body: Value = third.json().await.expect("json");
    assert_eq!(body["error"]["code"], "too_many");
    assert_eq!(count_requests(&app).await, before, "nothing half-made");

    // The same person on the form, in Chinese: the page says to wait.
    let huang = app.signed_in("huang").await;
    let form = huang
        .report(
            &[
                ("category", "light"),
                ("place", "PAVILION"),
                ("description", "第三件，用表单"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(form.status, 429);
    assert!(form.body.contains("请过几分钟再试"), "{}", form.body);
    // Reading is never limited, and a neighbour still gets through.
    assert_eq!(huang.get("/my").await.status, 200);
    let sun = app.signed_in("sun").await;
    let neighbour = sun
        .report(
            &[
                ("category", "light"),
                ("place", "PAVILION"),
                ("description", "邻居的一件"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(neighbour.status, 303, "{}", neighbour.body);
}

async fn wrong_passwords_lock_sign_in_for_a_while(app: Arc<TestApp>) {
    let someone = app.client("zh-CN");
    let mut last = None;
    for _ in 0..grassroots::auth::FREE_TRIES {
        last = Some(
            someone
                .post_form(
                    "/signin",
                    &[("username", "sun"), ("password", "not it at all")],
                )
                .await,
        );
    }
    let last = last.expect("tried");
    assert_eq!(last.status, 422);
    assert!(last.body.contains("暂停登录"), "{}", last.body);
    assert!(
        !last.body.contains("not it at all"),
        "the password is not shown again"
    );
    assert!(last.body.contains("value=\"sun\""), "the username is kept");

    // Locked: even the right password waits, on the page and the API.
    let right = someone
        .post_form(
            "/signin",
            &[
                ("username", "sun"),
                ("password", grassroots::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(right.status, 422);
    assert!(right.body.contains("暂停登录"));
    let api = reqwest::Client::new()
        .post(app.url("/api/v1/tokens"))
        .json(&json!({"username": "sun", "password": grassroots::demo::DEMO_PASSWORD}))
        .send()
        .await
        .expect("post");
    assert_eq!(api.status(), 429);
    assert!(api.headers().contains_key("retry-after"));
    // Another account is not affected.
    app.signed_in("huang").await;

    // The minute passes: the right password works and the count starts again.
    grassroots::on_db!(&app.db, |pool| sqlx::query(
        "UPDATE accounts SET signin_locked_until = signin_locked_until - 120 WHERE username = 'sun'"
    )
    .execute(pool)
    .await
    .map(|_| ()))
    .expect("let time pass");
    app.signed_in("sun").await;
    let failures: i64 = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT failed_signins FROM accounts WHERE username = 'sun'"
    )
    .fetch_one(pool)
    .await)
    .expect("count");
    assert_eq!(failures, 0);
}

mod too_many_submissions_wait_their_turn {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run_with(
            Engine::Sqlite,
            limited(),
            super::too_many_submissions_wait_their_turn,
        )
        .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        run_with(
            Engine::Postgres,
            limited(),
            super::too_many_submissions_wait_their_turn,
        )
        .await
    }
}

mod wrong_passwords_lock_sign_in_for_a_while {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run(
            Engine::Sqlite,
            super::wrong_passwords_lock_sign_in_for_a_while,
        )
        .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        run(
            Engine::Postgres,
            super::wrong_passwords_lock_sign_in_for_a_while,
        )
        .await
    }
}
