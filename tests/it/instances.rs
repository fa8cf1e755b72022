//! A district's set-up, proven: two real processes of the binary on one
//! PostgreSQL database, as they run behind a load balancer. A request filed
//! through one reaches the screens connected to the other within half a
//! second (woken by LISTEN/NOTIFY: without it the other would look only
//! every 15 seconds); a session made on one works on the other; a photo
//! sent to one is served by the other; and the care sweep both run at once
//! raises each alert once and tells each person once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::crash::Server;
use crate::support::{Engine, TestApp, photo_with_gps, run};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_serve_one_district() {
    run(Engine::Postgres, two_instances).await
}

async fn two_instances(app: Arc<TestApp>) {
    // Every open care plan is overdue and has no open alert, so each
    // instance's first sweep finds work, at the same moment.
    let now = grassroots::db::now();
    let grassroots::db::Db::Postgres(pool) = &app.db else {
        panic!("this test runs on PostgreSQL");
    };
    sqlx::query("UPDATE care_alerts SET closed_at = $1 WHERE closed_at IS NULL")
        .bind(now)
        .execute(pool)
        .await
        .expect("close open alerts");
    let plans: i64 = sqlx::query_scalar::<_, i64>(
        "UPDATE care_plans SET due_at = $1 - 10 * 86400 WHERE closed_at IS NULL RETURNING id",
    )
    .bind(now)
    .fetch_all(pool)
    .await
    .expect("make plans overdue")
    .len() as i64;
    assert!(plans >= 2, "the demo has care plans");
    let told_before: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM notifications")
        .fetch_one(pool)
        .await
        .expect("notifications so far");
    let data_a = tempfile::tempdir().expect("dir");
    let data_b = tempfile::tempdir().expect("dir");
    let (url_a, url_b) = (app.db_url.clone(), app.db_url.clone());
    let (path_a, path_b) = (data_a.path().to_path_buf(), data_b.path().to_path_buf());
    let a = std::thread::spawn(move || Server::start(&url_a, &path_a));
    let b = std::thread::spawn(move || Server::start(&url_b, &path_b));
    let a = a.join().expect("instance A started");
    let b = b.join().expect("instance B started");

    let outcome = tokio::time::timeout(Duration::from_secs(120), async {
        sweep_runs_once(pool, plans, told_before).await;
        session_made_on_a_works_on_b(&a.base, &b.base).await;
        photo_sent_to_a_is_served_by_b(pool, &a.base, &b.base).await;
        filed_on_a_shows_on_b_at_once(pool, &a.base, &b.base).await;
    })
    .await;
    a.kill();
    b.kill();
    outcome.expect("the two-instance checks finished within two minutes");
}

async fn sweep_runs_once(pool: &sqlx::PgPool, plans: i64, told_before: i64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let told: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM care_alerts WHERE closed_at IS NULL AND told_at IS NOT NULL",
        )
        .fetch_one(pool)
        .await
        .expect("count alerts");
        if told >= plans {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the sweep raised {told} of {plans} alerts"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let alerts: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM care_alerts WHERE closed_at IS NULL")
            .fetch_one(pool)
            .await
            .expect("count alerts");
    assert_eq!(
        alerts, plans,
        "one alert per overdue plan, however many instances swept"
    );
    let doubled: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT account_id, detail FROM notifications \
         WHERE message_key = 'notify-care-alert' AND id > $1 \
         GROUP BY account_id, detail HAVING COUNT(*) > 1) x",
    )
    .bind(told_before)
    .fetch_one(pool)
    .await
    .expect("count notifications");
    assert_eq!(doubled, 0, "nobody is told twice about the same resident");
}

fn plain_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Signs in on `base` and answers the session cookie (name=value).
async fn session_cookie(base: &str, username: &str) -> String {
    let answer = plain_client()
        .post(format!("{base}/signin"))
        .form(&[
            ("username", username),
            ("password", grassroots::demo::DEMO_PASSWORD),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(answer.status(), 303, "signed in");
    answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("gr_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_string()
}

async fn session_made_on_a_works_on_b(a: &str, b: &str) {
    let cookie = session_cookie(a, "huang").await;
    let page = plain_client()
        .get(format!("{b}/my"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("GET /my on B");
    assert_eq!(page.status(), 200, "the session made on A is known to B");
    let body = page.text().await.expect("body");
    assert!(body.contains("黄奶奶"), "B knows who is signed in");
}

async fn photo_sent_to_a_is_served_by_b(pool: &sqlx::PgPool, a: &str, b: &str) {
    let cookie = session_cookie(a, "huang").await;
    let form = reqwest::multipart::Form::new()
        .text("once", "instances-photo")
        .text("category", "clean")
        .text("place", "POND")
        .text("description", "池塘边有垃圾，照片在A上传 PH2")
        .text("go_ahead", "1")
        .part(
            "photo",
            reqwest::multipart::Part::bytes(photo_with_gps())
                .file_name("pond.jpg")
                .mime_str("image/jpeg")
                .expect("mime"),
        );
    let answer = plain_client()
        .post(format!("{a}/report"))
        .header("cookie", &cookie)
        .multipart(form)
        .send()
        .await
        .expect("report on A");
    assert_eq!(answer.status(), 303, "filed on A");
    let photo: i64 = sqlx::query_scalar(
        "SELECT p.id FROM photos p JOIN requests r ON r.id = p.request_id WHERE r.description LIKE '%PH2%'",
    )
    .fetch_one(pool)
    .await
    .expect("the photo was kept with the request");
    let served = plain_client()
        .get(format!("{b}/photos/{photo}"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("GET the photo on B");
    assert_eq!(served.status(), 200, "B serves the photo A received");
    assert_eq!(
        served
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/jpeg")
    );
    let bytes = served.bytes().await.expect("bytes");
    assert!(bytes.starts_with(&[0xFF, 0xD8]), "a JPEG");
}

async fn filed_on_a_shows_on_b_at_once(pool: &sqlx::PgPool, a: &str, b: &str) {
    let token: String =
        sqlx::query_scalar("SELECT token FROM screens WHERE kind = 'screen' ORDER BY id LIMIT 1")
            .fetch_one(pool)
            .await
            .expect("the demo screen");
    let api: Value = plain_client()
        .post(format!("{a}/api/v1/tokens"))
        .json(&json!({"username": "sun", "password": grassroots::demo::DEMO_PASSWORD, "name": "instances"}))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token JSON");
    let bearer = api["token"].as_str().expect("a token").to_string();
    let mut stream = plain_client()
        .get(format!("{b}/screen/{token}/events"))
        .send()
        .await
        .expect("B's event stream");
    assert_eq!(stream.status(), 200);
    for round in 0..5 {
        let marker = format!("跨实例灯坏了LN{round}");
        let filed = Instant::now();
        let answer = plain_client()
            .post(format!("{a}/api/v1/requests"))
            .bearer_auth(&bearer)
            .json(&json!({"category": "light", "place": "PAVILION", "description": marker}))
            .send()
            .await
            .expect("file on A");
        assert_eq!(answer.status(), 201, "filed on A");
        let code = answer.json::<Value>().await.expect("JSON")["tracking_code"]
            .as_str()
            .expect("a code")
            .to_string();
        let mut seen = String::new();
        while !seen.contains(&code) {
            let left = Duration::from_secs(5).saturating_sub(filed.elapsed());
            match tokio::time::timeout(left, stream.chunk()).await {
                Ok(Ok(Some(chunk))) => seen.push_str(&String::from_utf8_lossy(&chunk)),
                other => panic!("B's stream ended or stalled before {code} arrived: {other:?}"),
            }
        }
        let took = filed.elapsed();
        assert!(
            took < Duration::from_millis(500),
            "request {code} filed on A reached B's screen after {took:?}"
        );
    }
}
