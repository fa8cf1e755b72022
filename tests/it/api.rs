//! The JSON API: the same journey with a bearer token, structured errors,
//! and the OpenAPI document.

use std::sync::Arc;

use serde_json::json;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(the_journey_through_the_api);

async fn bearer(app: &TestApp, username: &str) -> reqwest::Client {
    let client = reqwest::Client::new();
    let answer = client
        .post(app.url("/api/v1/tokens"))
        .json(&json!({"username": username, "password": grassroots::demo::DEMO_PASSWORD, "name": "test"}))
        .send()
        .await
        .expect("token");
    assert_eq!(answer.status(), 201);
    let token = answer.json::<serde_json::Value>().await.expect("json")["token"]
        .as_str()
        .expect("token")
        .to_string();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("header"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("client")
}

async fn the_journey_through_the_api(app: Arc<TestApp>) {
    let doc: serde_json::Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .expect("doc")
        .json()
        .await
        .expect("json");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')));
    for path in [
        "/api/v1/requests",
        "/api/v1/requests/{code}/actions",
        "/api/v1/requests/{code}/confirm",
        "/api/v1/categories",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }

    let wrong = reqwest::Client::new()
        .post(app.url("/api/v1/tokens"))
        .json(&json!({"username": "huang", "password": "wrong"}))
        .send()
        .await
        .expect("token");
    assert_eq!(wrong.status(), 422);

    let huang = bearer(&app, "huang").await;
    let invalid = huang
        .post(app.url("/api/v1/requests"))
        .json(&json!({"category": "nope", "description": ""}))
        .send()
        .await
        .expect("post");
    assert_eq!(invalid.status(), 422);
    let body: serde_json::Value = invalid.json().await.expect("json");
    assert_eq!(body["error"]["code"], "invalid_input");
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert!(
        fields.contains(&"category") && fields.contains(&"description"),
        "{fields:?}"
    );

    let created = huang
        .post(app.url("/api/v1/requests"))
        .json(&json!({"category": "light", "place": "PAVILION", "description": "凉亭的灯一闪一闪"}))
        .send()
        .await
        .expect("post");
    assert_eq!(created.status(), 201);
    let code = created.json::<serde_json::Value>().await.expect("json")["tracking_code"]
        .as_str()
        .expect("code")
        .to_string();

    let zhang = bearer(&app, "zhang").await;
    let queue: serde_json::Value = zhang
        .get(app.url("/api/v1/requests"))
        .send()
        .await
        .expect("queue")
        .json()
        .await
        .expect("json");
    assert!(
        queue
            .as_array()
            .expect("list")
            .iter()
            .any(|r| r["tracking_code"] == code.as_str())
    );
    let illegal = zhang
        .post(app.url(&format!("/api/v1/requests/{code}/actions")))
        .json(&json!({"action": "reopen"}))
        .send()
        .await
        .expect("act");
    assert_eq!(illegal.status(), 409);
    let err: serde_json::Value = illegal.json().await.expect("json");
    assert_eq!(err["error"]["code"], "conflict");
    let resolved = zhang
        .post(app.url(&format!("/api/v1/requests/{code}/actions")))
        .json(&json!({"action": "resolve", "message": "换了新灯泡"}))
        .send()
        .await
        .expect("act");
    assert_eq!(resolved.status(), 200);
    let r: serde_json::Value = resolved.json().await.expect("json");
    assert_eq!(r["status"], "resolved");
    assert_eq!(r["channel"], "api");

    let sun = bearer(&app, "sun").await;
    let not_theirs = sun
        .post(app.url(&format!("/api/v1/requests/{code}/confirm")))
        .json(&json!({"solved": "yes", "rating": 5}))
        .send()
        .await
        .expect("confirm");
    assert_eq!(not_theirs.status(), 403);
    let public: serde_json::Value = sun
        .get(app.url(&format!("/api/v1/requests/{code}")))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert!(
        public["reporter_phone"].is_null(),
        "contact hidden from neighbours"
    );

    let confirmed = huang
        .post(app.url(&format!("/api/v1/requests/{code}/confirm")))
        .json(&json!({"solved": "yes", "rating": 4, "comment": "很亮"}))
        .send()
        .await
        .expect("confirm");
    assert_eq!(confirmed.status(), 200);
    let r: serde_json::Value = confirmed.json().await.expect("json");
    assert_eq!(r["status"], "closed");
    assert_eq!(r["rating"], 4);
    let steps: Vec<&str> = r["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(steps, ["created", "resolve", "rated"]);
    assert!(
        r["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with("+08:00")),
        "times carry the offset"
    );
}
