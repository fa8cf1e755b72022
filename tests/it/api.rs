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
    let doc = app.public_json("/api/v1/openapi.json").await;
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')));
    for path in [
        "/api/v1/requests",
        "/api/v1/requests/{code}/actions",
        "/api/v1/requests/{code}/confirm",
        "/api/v1/categories",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
    // What OpenAPI requires and validators check (CI also runs
    // openapi-spec-validator): every answer described, the sign-in schemes
    // declared where operations name them.
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer", "{schemes}");
    assert_eq!(schemes["session"]["in"], "cookie", "{schemes}");
    let paths = doc["paths"].as_object().expect("paths");
    let mut operation_ids = std::collections::HashSet::new();
    for (path, operations) in paths {
        for (method, operation) in operations.as_object().expect("operations") {
            let id = operation["operationId"].as_str().unwrap_or_default();
            assert!(
                operation_ids.insert(id.to_string()),
                "{method} {path}: operationId {id} is not unique"
            );
            for (status, answer) in operation["responses"].as_object().expect("responses") {
                assert!(
                    answer["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{method} {path} {status} has a description"
                );
            }
        }
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

on_both_engines!(the_estate_is_set_up_through_the_api);

async fn the_estate_is_set_up_through_the_api(app: Arc<TestApp>) {
    let doc = app.public_json("/api/v1/openapi.json").await;
    for path in [
        "/api/v1/places",
        "/api/v1/workgroups/{code}/members",
        "/api/v1/accounts/{username}",
        "/api/v1/desk/requests",
        "/api/v1/register",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
    let secretary = bearer(&app, "secretary").await;
    let huang = bearer(&app, "huang").await;
    let forbidden = huang
        .post(app.url("/api/v1/places"))
        .json(&json!({"kind": "common", "code": "ROOF", "name_zh": "屋顶"}))
        .send()
        .await
        .expect("post");
    assert_eq!(forbidden.status(), 403);

    let place = secretary
        .post(app.url("/api/v1/places"))
        .json(&json!({"kind": "common", "code": "ROOF", "name_zh": "屋顶", "name_en": "Roof"}))
        .send()
        .await
        .expect("post");
    assert_eq!(place.status(), 201);
    let again = secretary
        .post(app.url("/api/v1/places"))
        .json(&json!({"kind": "common", "code": "ROOF", "name_zh": "屋顶"}))
        .send()
        .await
        .expect("post");
    assert_eq!(again.status(), 422);

    let group = secretary
        .post(app.url("/api/v1/workgroups"))
        .json(&json!({"code": "garden", "name_zh": "绿化组", "name_en": "Gardens"}))
        .send()
        .await
        .expect("post");
    assert_eq!(group.status(), 201);
    let group_id = group.json::<serde_json::Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let account = secretary
        .post(app.url("/api/v1/accounts"))
        .json(&json!({"username": "gardener", "display_name": "花匠", "role": "lead"}))
        .send()
        .await
        .expect("post");
    assert_eq!(account.status(), 201);
    let made = account.json::<serde_json::Value>().await.expect("json");
    assert!(
        made["signin_link"]
            .as_str()
            .is_some_and(|l| l.starts_with("/signin/link/"))
    );
    let member = secretary
        .post(app.url("/api/v1/workgroups/garden/members"))
        .json(&json!({"username": "gardener", "lead": true}))
        .send()
        .await
        .expect("post");
    assert_eq!(member.status(), 204);
    let groups: serde_json::Value = secretary
        .get(app.url("/api/v1/workgroups"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let garden = groups
        .as_array()
        .expect("list")
        .iter()
        .find(|g| g["code"] == "garden")
        .expect("garden")
        .clone();
    assert_eq!(garden["leads"], json!(["gardener"]));

    let category = secretary
        .post(app.url("/api/v1/categories"))
        .json(&json!({"code": "trees", "workgroup": group_id.to_string(), "name_zh": "树木修剪", "name_en": "Trees", "icon": "🌳", "response_hours": "48", "resolution_days": "10"}))
        .send()
        .await
        .expect("post");
    assert_eq!(
        category.status(),
        201,
        "{}",
        category.text().await.unwrap_or_default()
    );
    let template = secretary
        .post(app.url("/api/v1/categories/trees/templates"))
        .json(&json!({"status": "responded", "text_zh": "我们会安排修剪。", "text_en": "We will trim it."}))
        .send()
        .await
        .expect("post");
    assert_eq!(template.status(), 201);
    let cats: serde_json::Value = huang
        .get(app.url("/api/v1/categories"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert!(
        cats.as_array()
            .expect("list")
            .iter()
            .any(|c| c["code"] == "trees")
    );

    let reception = bearer(&app, "reception").await;
    let walk_in = reception
        .post(app.url("/api/v1/desk/requests"))
        .json(&json!({"channel": "phone", "name": "周大爷", "category": "trees", "place": "ROOF", "description": "屋顶的树枝碰到电线了"}))
        .send()
        .await
        .expect("post");
    assert_eq!(walk_in.status(), 201);
    let invitation = reception
        .post(app.url("/api/v1/desk/invitations"))
        .json(&json!({"place": "B6-302"}))
        .send()
        .await
        .expect("post");
    assert_eq!(invitation.status(), 201);
    let code = invitation.json::<serde_json::Value>().await.expect("json")["value"]
        .as_str()
        .expect("code")
        .to_string();
    let registered = reqwest::Client::new()
        .post(app.url("/api/v1/register"))
        .json(&json!({"code": code, "username": "newbie", "display_name": "新邻居", "password": "lily pond 2026"}))
        .send()
        .await
        .expect("post");
    assert_eq!(registered.status(), 201);
    let not_desk = huang
        .post(app.url("/api/v1/desk/password-resets"))
        .json(&json!({"username": "newbie"}))
        .send()
        .await
        .expect("post");
    assert_eq!(not_desk.status(), 403);
    let unchecked = reception
        .post(app.url("/api/v1/desk/password-resets"))
        .json(&json!({"username": "newbie"}))
        .send()
        .await
        .expect("post");
    assert_eq!(unchecked.status(), 422, "the identity check comes first");
    let reset = reception
        .post(app.url("/api/v1/desk/password-resets"))
        .json(&json!({"username": "newbie", "identity_checked": true}))
        .send()
        .await
        .expect("post");
    assert_eq!(reset.status(), 201);
    let reset: serde_json::Value = reset.json().await.expect("json");
    assert!(
        reset["link"]
            .as_str()
            .is_some_and(|l| l.contains("/signin/link/")),
        "a link for the resident, never a password: {reset}"
    );
    assert!(reset["expires_at"].as_i64().is_some());

    let off = secretary
        .put(app.url("/api/v1/accounts/newbie"))
        .json(&json!({"role": "resident", "active": false}))
        .send()
        .await
        .expect("put");
    assert_eq!(off.status(), 204);
    let me = reqwest::Client::new()
        .post(app.url("/api/v1/tokens"))
        .json(&json!({"username": "newbie", "password": "lily pond 2026"}))
        .send()
        .await
        .expect("post");
    assert_eq!(
        me.status(),
        422,
        "a switched-off account cannot get a token"
    );
    let lockout = secretary
        .put(app.url("/api/v1/accounts/secretary"))
        .json(&json!({"role": "resident", "active": true}))
        .send()
        .await
        .expect("put");
    assert_eq!(
        lockout.status(),
        422,
        "the administrator cannot lock themselves out"
    );
}
