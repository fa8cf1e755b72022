//! Operations: Prometheus metrics with counts only, a request id on every
//! answer, and a graceful stop that ends event streams so screens
//! reconnect.

use std::sync::Arc;
use std::time::Duration;

use crate::crash::Server;
use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(
    metrics_count_without_names,
    every_answer_has_a_request_id,
    a_stop_finishes_and_ends_the_streams,
);

async fn metrics_count_without_names(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let sent = huang
        .report(
            &[
                ("category", "light"),
                ("place", "PAVILION"),
                ("description", "凉亭的灯（计数）"),
                ("phone", "13912340000"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    let code = sent.code();
    assert_eq!(huang.get(&format!("/r/{code}")).await.status, 200);
    // The durations drained into the histograms (every five seconds in a
    // server) are still counted.
    grassroots::web::metrics::drain();
    let metrics = app.client("zh-CN").get("/metrics").await;
    assert_eq!(metrics.status, 200);
    let body = metrics.body;
    assert!(
        body.contains("http_requests_total{route=\"/r/{code}\",method=\"GET\",status=\"200\"}"),
        "{body}"
    );
    assert!(
        body.contains("http_request_duration_seconds_bucket{route=\"/report\",method=\"POST\"")
    );
    let page_views = body
        .lines()
        .find(|l| {
            l.starts_with("http_request_duration_seconds_count{route=\"/r/{code}\",method=\"GET\"}")
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse::<f64>().ok());
    assert!(page_views.is_some_and(|n| n >= 1.0), "{body}");
    assert!(body.contains("grassroots_requests_waiting{status=\"submitted\"}"));
    assert!(body.contains("grassroots_scheduler_seconds_since_run"));
    assert!(
        !body.contains(&code) && !body.contains("13912340000"),
        "counts only"
    );
    // From outside (through a proxy on this machine), there is no such page.
    let outside = app
        .anonymous()
        .http
        .get(app.url("/metrics"))
        .header("x-forwarded-for", "203.0.113.7")
        .send()
        .await
        .expect("get");
    assert_eq!(outside.status(), 404);
}

async fn every_answer_has_a_request_id(app: Arc<TestApp>) {
    let http = reqwest::Client::new();
    let mut ids = Vec::new();
    for path in ["/", "/no/such/page", "/api/v1/categories"] {
        let answer = http.get(app.url(path)).send().await.expect("get");
        let id = answer.headers()["x-request-id"]
            .to_str()
            .expect("ascii")
            .to_string();
        assert_eq!(id.len(), 16, "{path}: {id}");
        ids.push(id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 3, "each request its own");
    let kept = http
        .get(app.url("/"))
        .header("x-request-id", "from-the-proxy-42")
        .send()
        .await
        .expect("get");
    assert_eq!(kept.headers()["x-request-id"], "from-the-proxy-42");
}

async fn a_stop_finishes_and_ends_the_streams(app: Arc<TestApp>) {
    let token: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT token FROM screens WHERE kind = 'screen' AND active ORDER BY id LIMIT 1"
    )
    .fetch_one(pool)
    .await)
    .expect("a demo screen");
    let data_dir = tempfile::tempdir().expect("dir");
    let mut server = Server::start(&app.db_url, data_dir.path());
    let stream = reqwest::get(format!("{}/screen/{token}/events", server.base))
        .await
        .expect("events");
    assert_eq!(stream.status(), 200);
    let mut body = stream;
    let hello = body.chunk().await.expect("bytes").expect("first bytes");
    assert!(
        String::from_utf8_lossy(&hello).contains("retry:"),
        "told when to reconnect"
    );

    let pid = server.child.id().to_string();
    let term = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill -TERM");
    assert!(term.success());
    // The stream ends (the browser then reconnects, after the retry it was
    // given, and resumes from its last event).
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(Some(_)) = body.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the event stream ended on stop");
    let exited = tokio::task::spawn_blocking(move || {
        for _ in 0..150 {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = server.child.kill();
        None
    })
    .await
    .expect("wait");
    let status = exited.expect("the server stopped within 15 s");
    assert!(status.success(), "a clean stop: {status:?}");
}
