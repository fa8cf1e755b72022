//! Limits: too many submissions get 429 with Retry-After, in the person's
//! language, without touching what was saved; wrong passwords slow down
//! the guesser (not the owner), on the pages and the API alike; forwarded
//! addresses are believed only from a named proxy.

use std::sync::Arc;

use grassroots::web::WebConfig;
use grassroots::web::address::{ProxyNet, TrustedProxies};
use grassroots::web::limits::{Limiter, RateLimits};
use serde_json::{Value, json};

use crate::support::{Engine, TestApp, run_with};

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

/// Tests reach the server from one machine: a proxy named in configuration
/// lets each caller say where it is.
fn behind_a_proxy() -> WebConfig {
    WebConfig {
        trusted_proxies: TrustedProxies(vec![ProxyNet::parse("127.0.0.1").expect("net")]),
        ..WebConfig::default()
    }
}

fn from_address(address: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", address.parse().expect("header value"));
    headers.insert("accept-language", "zh-CN".parse().expect("header value"));
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn sign_in(
    client: &reqwest::Client,
    app: &TestApp,
    username: &str,
    password: &str,
) -> (u16, String) {
    let answer = client
        .post(app.url("/signin"))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .expect("post");
    let status = answer.status().as_u16();
    (status, answer.text().await.expect("body"))
}

async fn wrong_passwords_slow_the_guesser_not_the_owner(app: Arc<TestApp>) {
    let guesser = from_address("203.0.113.66");
    let mut last = (0, String::new());
    for _ in 0..grassroots::auth::FREE_TRIES {
        last = sign_in(&guesser, &app, "sun", "not it at all").await;
    }
    assert_eq!(last.0, 422);
    assert!(last.1.contains("才能再试"), "{}", last.1);
    assert!(
        !last.1.contains("not it at all"),
        "the password is not shown again"
    );
    assert!(last.1.contains("value=\"sun\""), "the username is kept");

    // An unknown name answers exactly alike: nobody learns which names exist.
    let mut unknown = (0, String::new());
    for _ in 0..grassroots::auth::FREE_TRIES {
        unknown = sign_in(&guesser, &app, "nobody-by-this-name", "not it at all").await;
    }
    assert_eq!(unknown.0, last.0);
    assert!(unknown.1.contains("才能再试"), "{}", unknown.1);
    let first_wrong_known = sign_in(&from_address("203.0.113.67"), &app, "sun", "nope nope").await;
    let first_wrong_unknown = sign_in(
        &from_address("203.0.113.67"),
        &app,
        "nobody-else",
        "nope nope",
    )
    .await;
    assert_eq!(first_wrong_known.0, first_wrong_unknown.0);
    assert_eq!(
        crate::support::without_once_tokens(&first_wrong_known.1).replace("sun", "NAME"),
        crate::support::without_once_tokens(&first_wrong_unknown.1).replace("nobody-else", "NAME"),
        "a wrong password and an unknown name get the same page"
    );

    // The guesser waits, even with the right password, on the page and the API.
    let right = sign_in(&guesser, &app, "sun", grassroots::demo::DEMO_PASSWORD).await;
    assert_eq!(right.0, 422);
    let api = guesser
        .post(app.url("/api/v1/tokens"))
        .json(&json!({"username": "sun", "password": grassroots::demo::DEMO_PASSWORD}))
        .send()
        .await
        .expect("post");
    assert_eq!(api.status(), 429);
    assert!(api.headers().contains_key("retry-after"));

    // Guesses sent all at once do not slip past the count: at most the
    // free tries are checked.
    let mut burst = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let app = app.clone();
        burst.spawn(async move {
            sign_in(
                &from_address("203.0.113.99"),
                &app,
                "zhao",
                "a wrong one 12",
            )
            .await
        });
    }
    let answers = burst.join_all().await;
    let checked = answers
        .iter()
        .filter(|(_, body)| body.contains("用户名或密码不对"))
        .count();
    assert!(
        checked < grassroots::auth::FREE_TRIES as usize,
        "{checked} of 12 were checked"
    );

    // The owner, at home, signs in as always.
    let owner = sign_in(
        &from_address("198.51.100.7"),
        &app,
        "sun",
        grassroots::demo::DEMO_PASSWORD,
    )
    .await;
    assert_eq!(owner.0, 303, "the owner is not locked out: {}", owner.1);

    // The wait passes: the right password works and the count starts again.
    grassroots::on_db!(&app.db, |pool| sqlx::query(
        "UPDATE signin_failures SET wait_until = wait_until - 4000"
    )
    .execute(pool)
    .await
    .map(|_| ()))
    .expect("let time pass");
    let later = sign_in(&guesser, &app, "sun", grassroots::demo::DEMO_PASSWORD).await;
    assert_eq!(later.0, 303);
    let left: i64 = grassroots::on_db!(&app.db, |pool| {
        sqlx::query_scalar(
        "SELECT COUNT(*) FROM signin_failures WHERE username = 'sun' AND address = '203.0.113.66'"
    )
    .fetch_one(pool)
    .await
    })
    .expect("count");
    assert_eq!(left, 0);
}

fn limited_behind(proxies: &[&str]) -> WebConfig {
    let limits = RateLimits::parse("signin=2/h").expect("valid").expect("on");
    WebConfig {
        limiter: Limiter::new(limits),
        trusted_proxies: TrustedProxies(
            proxies
                .iter()
                .map(|p| ProxyNet::parse(p).expect("net"))
                .collect(),
        ),
        ..WebConfig::default()
    }
}

/// Seven sign-ins from one machine, each claiming another address; an
/// address may try six times an hour here.
async fn statuses_with_rotating_forwarded_addresses(app: &TestApp) -> Vec<u16> {
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for i in 0..7 {
        let answer = http
            .post(app.url("/signin"))
            .header("x-forwarded-for", format!("203.0.113.{}", i + 1))
            .form(&[("username", "nobody-here"), ("password", "not it at all")])
            .send()
            .await
            .expect("post");
        statuses.push(answer.status().as_u16());
    }
    statuses
}

async fn a_forwarded_address_from_anyone_is_not_believed(app: Arc<TestApp>) {
    let statuses = statuses_with_rotating_forwarded_addresses(&app).await;
    assert_eq!(
        statuses.last(),
        Some(&429),
        "with no proxy named, the header does not make new addresses: {statuses:?}"
    );
}

async fn a_forwarded_address_from_a_named_proxy_is_believed(app: Arc<TestApp>) {
    let statuses = statuses_with_rotating_forwarded_addresses(&app).await;
    assert!(
        statuses.iter().all(|s| *s == 422),
        "behind a named proxy each forwarded address is its own: {statuses:?}"
    );
}

mod forwarded_addresses {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run_with(
            Engine::Sqlite,
            limited_behind(&[]),
            super::a_forwarded_address_from_anyone_is_not_believed,
        )
        .await;
        run_with(
            Engine::Sqlite,
            limited_behind(&["127.0.0.1"]),
            super::a_forwarded_address_from_a_named_proxy_is_believed,
        )
        .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        run_with(
            Engine::Postgres,
            limited_behind(&[]),
            super::a_forwarded_address_from_anyone_is_not_believed,
        )
        .await;
        run_with(
            Engine::Postgres,
            limited_behind(&["127.0.0.1"]),
            super::a_forwarded_address_from_a_named_proxy_is_believed,
        )
        .await
    }
}

/// Reading requests by their code is limited too: guessing codes or
/// secret links at speed gets 429.
async fn guessing_codes_is_slowed(app: Arc<TestApp>) {
    let guesser = app.client("en");
    let mut statuses = Vec::new();
    for i in 0..7 {
        statuses.push(
            guesser
                .get(&format!("/r/ZZZZ222{i}?key=guess{i}"))
                .await
                .status,
        );
    }
    assert_eq!(&statuses[..6], &[404; 6], "{statuses:?}");
    assert_eq!(statuses[6], 429, "{statuses:?}");
    assert_eq!(
        guesser.get("/requests").await.status,
        200,
        "other pages are not slowed"
    );
}

mod guessing_codes_is_slowed {
    use super::*;

    fn lookups() -> WebConfig {
        let limits = RateLimits::parse("lookup=2/h").expect("valid").expect("on");
        WebConfig {
            limiter: Limiter::new(limits),
            ..WebConfig::default()
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run_with(Engine::Sqlite, lookups(), super::guessing_codes_is_slowed).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        run_with(Engine::Postgres, lookups(), super::guessing_codes_is_slowed).await
    }
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

mod wrong_passwords_slow_the_guesser_not_the_owner {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run_with(
            Engine::Sqlite,
            behind_a_proxy(),
            super::wrong_passwords_slow_the_guesser_not_the_owner,
        )
        .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        run_with(
            Engine::Postgres,
            behind_a_proxy(),
            super::wrong_passwords_slow_the_guesser_not_the_owner,
        )
        .await
    }
}
