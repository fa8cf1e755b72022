//! Open311 GeoReport v2 as a civic app would use it: every endpoint, its
//! parameters and its errors, in JSON and XML.

use std::sync::Arc;

use reqwest::multipart;
use serde_json::Value;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(
    discovery_and_services_in_json_and_xml,
    filing_a_request_with_attributes_and_a_photo,
    posting_errors_have_the_spec_shape,
    reading_requests_with_every_filter,
    a_category_that_needs_review_answers_with_a_token,
    the_updates_feed_follows_changes,
    private_and_anonymous_requests_never_leave,
    a_key_files_only_into_its_own_community,
);

async fn a_key_files_only_into_its_own_community(app: Arc<TestApp>) {
    let other = grassroots::community::Community::create(&app.db, "hexie", "和谐小区", "Hexie")
        .await
        .expect("second community");
    let (_, theirs) = grassroots::open311::keys::create(&app.db, other, "hexie app")
        .await
        .expect("key");
    let fields = [
        ("api_key", theirs.as_str()),
        ("jurisdiction_id", "jinyuan"),
        ("service_code", "light"),
        ("address_id", "PAVILION"),
        ("description", "另一个小区的钥匙"),
    ];
    let (status, body) = post(&app, &format!("{V2}/requests.json"), &fields).await;
    assert_error(status, &body, 403);
}

const V2: &str = "/open311/v2";

/// An API key and the lift category with three extra fields.
pub(crate) async fn prepare(app: &TestApp) -> String {
    let (_, key) = grassroots::open311::keys::create(&app.db, 1, "test app")
        .await
        .expect("key");
    let lift = grassroots::community::Category::by_code(&app.db, 1, "lift")
        .await
        .expect("query")
        .expect("lift");
    use grassroots::community::attributes::{AttributeForm, add, for_category, remove};
    // The demo's own questions make way for these.
    for existing in for_category(&app.db, lift.id).await.expect("questions") {
        remove(&app.db, lift.id, existing.id).await.expect("remove");
    }
    for form in [
        AttributeForm {
            code: "floor".into(),
            datatype: "number".into(),
            required: "1".into(),
            description_zh: "几楼？".into(),
            description_en: "Which floor?".into(),
            ..Default::default()
        },
        AttributeForm {
            code: "side".into(),
            datatype: "singlevaluelist".into(),
            description_zh: "哪部电梯？".into(),
            description_en: "Which lift?".into(),
            choices: "east | 东边 | East\nwest | 西边 | West".into(),
            ..Default::default()
        },
        AttributeForm {
            code: "signs".into(),
            datatype: "multivaluelist".into(),
            description_zh: "有什么情况？".into(),
            description_en: "What do you see?".into(),
            choices: "noise | 异响 | Noise\nstuck | 卡住 | Stuck\ndark | 不亮 | Dark".into(),
            ..Default::default()
        },
    ] {
        add(&app.db, lift.id, &form)
            .await
            .expect("query")
            .expect("attribute");
    }
    key
}

async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let r = reqwest::get(app.url(path)).await.expect("get");
    let status = r.status().as_u16();
    (status, r.text().await.unwrap_or_default())
}

pub(crate) async fn post(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let r = reqwest::Client::new()
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .expect("post");
    let status = r.status().as_u16();
    (status, r.text().await.unwrap_or_default())
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

fn assert_error(status: u16, body: &str, expected: u16) {
    assert_eq!(status, expected, "{body}");
    let v = json(body);
    let first = &v.as_array().expect("a bare list of errors")[0];
    assert_eq!(first["code"], expected);
    assert!(first["description"].as_str().is_some_and(|d| !d.is_empty()));
}

async fn discovery_and_services_in_json_and_xml(app: Arc<TestApp>) {
    prepare(&app).await;
    for path in ["/open311/discovery.json", "/open311/v2/discovery.json"] {
        let (status, body) = get(&app, path).await;
        assert_eq!(status, 200);
        let d = json(&body);
        assert!(
            d["endpoints"][0]["url"]
                .as_str()
                .is_some_and(|u| u.ends_with("/open311/v2"))
        );
        assert_eq!(
            d["endpoints"][0]["specification"],
            "http://wiki.open311.org/GeoReport_v2"
        );
    }
    let (status, xml) = get(&app, "/open311/discovery.xml").await;
    assert_eq!(status, 200);
    assert!(xml.contains("<discovery>") && xml.contains("<format>text/xml</format>"));

    let (status, body) = get(&app, &format!("{V2}/services.json")).await;
    assert_eq!(status, 200);
    let services = json(&body);
    let list = services.as_array().expect("a bare array");
    let lift = list
        .iter()
        .find(|s| s["service_code"] == "lift")
        .expect("lift");
    assert_eq!(lift["metadata"], true);
    assert_eq!(lift["service_name"], "Lift broken");
    assert_eq!(lift["group"], "Property and maintenance");
    assert_eq!(lift["type"], "realtime");
    let light = list
        .iter()
        .find(|s| s["service_code"] == "light")
        .expect("light");
    assert_eq!(light["metadata"], false);
    let (_, chinese) = {
        let r = reqwest::Client::new()
            .get(app.url(&format!("{V2}/services.json")))
            .header("accept-language", "zh-CN")
            .send()
            .await
            .expect("get");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    };
    assert!(chinese.contains("电梯故障"), "names follow Accept-Language");

    let (status, xml) = get(&app, &format!("{V2}/services.xml")).await;
    assert_eq!(status, 200);
    assert!(xml.starts_with("<?xml") && xml.contains("<services><service><service_code>"));

    let (status, body) = get(&app, &format!("{V2}/services/lift.json")).await;
    assert_eq!(status, 200);
    let def = json(&body);
    assert_eq!(def["service_code"], "lift");
    let attrs = def["attributes"].as_array().expect("attributes");
    assert_eq!(attrs.len(), 3);
    assert_eq!(attrs[0]["code"], "floor");
    assert_eq!(attrs[0]["datatype"], "number");
    assert_eq!(attrs[0]["required"], true);
    assert_eq!(attrs[0]["variable"], true);
    assert_eq!(attrs[0]["order"], 1);
    assert_eq!(attrs[1]["values"][0]["key"], "east");
    assert_eq!(attrs[1]["values"][0]["name"], "East");
    let (status, xml) = get(&app, &format!("{V2}/services/lift.xml")).await;
    assert_eq!(status, 200);
    assert!(
        xml.contains("<service_definition>")
            && xml.contains("<values><value><key>east</key><name>East</name></value>")
    );

    let (status, body) = get(&app, &format!("{V2}/services/nothing.json")).await;
    assert_error(status, &body, 404);
    let (status, xml) = get(&app, &format!("{V2}/services/nothing.xml")).await;
    assert_eq!(status, 404);
    assert!(xml.contains("<errors><error><code>404</code><description>"));
    let (status, body) = get(&app, &format!("{V2}/services.html")).await;
    assert_error(status, &body, 400);
    let (status, body) = get(
        &app,
        &format!("{V2}/services.json?jurisdiction_id=elsewhere"),
    )
    .await;
    assert_error(status, &body, 400);
    let (status, _) = get(&app, &format!("{V2}/services.json?jurisdiction_id=jinyuan")).await;
    assert_eq!(status, 200);
    let (status, _) = get(&app, &format!("{V2}/services.json?jurisdiction_id=")).await;
    assert_eq!(
        status, 200,
        "an empty jurisdiction_id is no jurisdiction_id"
    );
    // The suffix decides, whatever the Accept header says.
    let r = reqwest::Client::new()
        .get(app.url(&format!("{V2}/services.json")))
        .header("accept", "text/xml")
        .send()
        .await
        .expect("get");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("application/json")
    );
}

async fn filing_a_request_with_attributes_and_a_photo(app: Arc<TestApp>) {
    let key = prepare(&app).await;
    let (status, body) = post(
        &app,
        &format!("{V2}/requests.json"),
        &[
            ("api_key", &key),
            ("jurisdiction_id", ""),
            ("service_code", "lift"),
            ("lat", "26.6470"),
            ("long", "106.6302"),
            ("address_string", "1号楼东侧电梯"),
            ("address_id", "B1"),
            ("email", "li@example.cn"),
            ("device_id", "phone-42"),
            ("account_id", "civic-7"),
            ("first_name", "Li"),
            ("last_name", "Ming"),
            ("phone", "13800001111"),
            ("description", "电梯一直响，还卡在三楼。"),
            ("media_url", "https://photos.example.cn/lift.jpg"),
            ("attribute[floor]", "3"),
            ("attribute[side]", "east"),
            ("attribute[signs][]", "noise"),
            ("attribute[signs][]", "stuck"),
        ],
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let answer = json(&body);
    let id = answer[0]["service_request_id"]
        .as_str()
        .expect("the id is a string")
        .to_string();
    assert_eq!(answer[0]["account_id"], "civic-7");
    assert!(answer[0].get("service_notice").is_some());

    let (status, body) = get(&app, &format!("{V2}/requests/{id}.json")).await;
    assert_eq!(status, 200);
    let r = &json(&body)[0];
    assert_eq!(r["service_request_id"], id.as_str());
    assert_eq!(r["status"], "open");
    assert_eq!(r["service_code"], "lift");
    assert_eq!(r["description"], "电梯一直响，还卡在三楼。");
    assert_eq!(r["address_id"], "B1");
    assert_eq!(r["lat"], 26.647);
    assert_eq!(r["long"], 106.6302);
    assert_eq!(r["media_url"], "https://photos.example.cn/lift.jpg");
    assert_eq!(r["agency_responsible"], "Property and maintenance");
    assert!(
        r["requested_datetime"]
            .as_str()
            .is_some_and(|t| t.ends_with("+08:00"))
    );
    assert!(r["expected_datetime"].as_str().is_some());
    assert!(r.get("zipcode").is_some());
    for secret in ["13800001111", "li@example.cn", "Ming"] {
        assert!(!body.contains(secret), "{secret} left through Open311");
    }
    let (channel, key_id, visibility): (String, Option<i64>, String) =
        grassroots::on_db!(&app.db, |pool| sqlx::query_as(
            "SELECT channel, api_key_id, visibility FROM requests WHERE tracking_code = $1"
        )
        .bind(&id)
        .fetch_one(pool)
        .await)
        .expect("row");
    assert_eq!((channel.as_str(), visibility.as_str()), ("api", "public"));
    assert!(key_id.is_some(), "the request records its key");
    let answers: Vec<(String, String)> = grassroots::on_db!(&app.db, |pool| sqlx::query_as(
        "SELECT a.code, a.value FROM request_attributes a JOIN requests r ON r.id = a.request_id WHERE r.tracking_code = $1 ORDER BY a.code, a.value"
    )
    .bind(&id)
    .fetch_all(pool)
    .await)
    .expect("answers");
    let answers: Vec<(&str, &str)> = answers
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(
        answers,
        [
            ("floor", "3"),
            ("side", "east"),
            ("signs", "noise"),
            ("signs", "stuck")
        ]
    );

    // XML, the key in the query string, and a photo sent as multipart.
    let form = multipart::Form::new()
        .text("service_code", "light")
        .text("address_id", "PAVILION")
        .text("description", "凉亭灯坏了")
        .part(
            "media",
            multipart::Part::bytes(crate::support::photo_with_gps()).file_name("lamp.jpg"),
        );
    let r = reqwest::Client::new()
        .post(app.url(&format!("{V2}/requests.xml?api_key={key}")))
        .multipart(form)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 201);
    let xml = r.text().await.unwrap_or_default();
    assert!(
        xml.contains("<service_requests><request><service_request_id>"),
        "{xml}"
    );
    let id2 = xml
        .split("<service_request_id>")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("id")
        .to_string();
    let (_, body) = get(&app, &format!("{V2}/requests/{id2}.xml")).await;
    assert!(
        body.contains("<media_url>http://") && body.contains("/photos/"),
        "our copy of the photo: {body}"
    );

    // A client on another site may post (no cookies, an API key instead).
    let r = reqwest::Client::new()
        .post(app.url(&format!("{V2}/requests.json")))
        .header("origin", "https://civic-app.example")
        .header("sec-fetch-site", "cross-site")
        .form(&[
            ("api_key", key.as_str()),
            ("service_code", "clean"),
            ("address_id", "POND"),
            ("description", "垃圾"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 201);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
}

async fn posting_errors_have_the_spec_shape(app: Arc<TestApp>) {
    let key = prepare(&app).await;
    let url = format!("{V2}/requests.json");
    let base: Vec<(&str, &str)> = vec![
        ("service_code", "lift"),
        ("address_id", "B1"),
        ("attribute[floor]", "2"),
        ("description", "坏了"),
    ];
    let with =
        |extra: &[(&'static str, &'static str)], key: Option<&str>| -> Vec<(String, String)> {
            let mut v: Vec<(String, String)> = base
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
            if let Some(k) = key {
                v.push(("api_key".into(), k.to_string()));
            }
            for (a, b) in extra {
                v.retain(|(k, _)| k != a);
                v.push((a.to_string(), b.to_string()));
            }
            v
        };
    let send = |fields: Vec<(String, String)>| {
        let url = app.url(&url);
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .form(&fields)
                .send()
                .await
                .expect("post");
            let status = r.status().as_u16();
            (status, r.text().await.unwrap_or_default())
        }
    };
    let (s, b) = send(with(&[], None)).await;
    assert_error(s, &b, 403);
    let (s, b) = send(with(&[], Some("gr_wrong"))).await;
    assert_error(s, &b, 403);
    let (s, b) = send(with(&[("service_code", "")], Some(&key))).await;
    assert_error(s, &b, 400);
    let (s, b) = send(with(&[("service_code", "nothing")], Some(&key))).await;
    assert_error(s, &b, 404);
    let (s, b) = send(with(&[("address_id", "")], Some(&key))).await;
    assert_error(s, &b, 400);
    assert!(b.contains("location"));
    let (s, b) = send(with(&[("address_id", "NOWHERE")], Some(&key))).await;
    assert_error(s, &b, 400);
    assert!(b.contains("address_id"));
    let (s, b) = send(with(&[("lat", "26.6")], Some(&key))).await;
    assert_error(s, &b, 400);
    let (s, b) = send(with(&[("lat", "north"), ("long", "1")], Some(&key))).await;
    assert_error(s, &b, 400);
    let (s, b) = send(with(&[("lat", "95"), ("long", "1")], Some(&key))).await;
    assert_error(s, &b, 400);
    let (s, b) = send(with(&[("attribute[floor]", "")], Some(&key))).await;
    assert_error(s, &b, 400);
    assert!(b.contains("attribute[floor]"));
    let (s, b) = send(with(&[("attribute[floor]", "three")], Some(&key))).await;
    assert_error(s, &b, 400);
    let (s, b) = send(with(&[("attribute[side]", "north")], Some(&key))).await;
    assert_error(s, &b, 400);
    let (s, b) = send(with(&[("email", "not an email")], Some(&key))).await;
    assert_error(s, &b, 400);
    let (s, b) = send(with(&[("media_url", "javascript:alert(1)")], Some(&key))).await;
    assert_error(s, &b, 400);
    let (s, b) = send(with(&[("jurisdiction_id", "elsewhere")], Some(&key))).await;
    assert_error(s, &b, 400);
    // XML errors.
    let r = reqwest::Client::new()
        .post(app.url(&format!("{V2}/requests.xml")))
        .form(&[("service_code", "lift")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status().as_u16(), 403);
    assert!(
        r.text()
            .await
            .unwrap_or_default()
            .contains("<errors><error><code>403</code>")
    );
    // A revoked key stops working.
    let (id, revoked) = grassroots::open311::keys::create(&app.db, 1, "old app")
        .await
        .expect("key");
    grassroots::open311::keys::revoke(&app.db, 1, id)
        .await
        .expect("revoke");
    let (s, b) = send(with(&[], Some(&revoked))).await;
    assert_error(s, &b, 403);
    // Huge bodies and broken ones get the spec's shape too.
    let big = "a".repeat(2 * 1024 * 1024);
    let r = reqwest::Client::new()
        .post(app.url(&url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("api_key={key}&description={big}"))
        .send()
        .await
        .expect("post");
    let status = r.status().as_u16();
    assert_error(status, &r.text().await.unwrap_or_default(), 413);
    let r = reqwest::Client::new()
        .post(app.url(&url))
        .header("content-type", "multipart/form-data; boundary=x")
        .body("--x\r\nbroken")
        .send()
        .await
        .expect("post");
    let status = r.status().as_u16();
    assert!((400..500).contains(&status));
    let (s, b) = post(&app, &format!("{V2}/services.json"), &[("api_key", &key)]).await;
    assert_error(s, &b, 404);
    // Nothing was filed by all of that.
    let count: i64 = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM requests WHERE channel = 'api'"
    )
    .fetch_one(pool)
    .await)
    .expect("count");
    assert_eq!(count, 0);
}

async fn file(app: &TestApp, key: &str, code: &str, place: &str, description: &str) -> String {
    let (status, body) = post(
        app,
        &format!("{V2}/requests.json"),
        &[
            ("api_key", key),
            ("service_code", code),
            ("address_id", place),
            ("description", description),
            ("attribute[floor]", "1"),
        ],
    )
    .await;
    assert_eq!(status, 201, "{body}");
    json(&body)[0]["service_request_id"]
        .as_str()
        .expect("id")
        .to_string()
}

fn ids(body: &str) -> Vec<String> {
    json(body)
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["service_request_id"].as_str().map(String::from))
        .collect()
}

async fn reading_requests_with_every_filter(app: Arc<TestApp>) {
    let key = prepare(&app).await;
    let a = file(&app, &key, "lift", "B1", "第一条").await;
    let b = file(&app, &key, "light", "B2", "第二条").await;
    let c = file(&app, &key, "clean", "B3", "第三条").await;
    let zhang = app.signed_in("zhang").await;
    assert_eq!(
        zhang
            .act(&b, &[("action", "resolve"), ("message", "灯已修好")])
            .await
            .status,
        303
    );

    let (status, body) = get(
        &app,
        &format!("{V2}/requests.json?service_request_id={a},{c},99999999"),
    )
    .await;
    assert_eq!(status, 200);
    let mut found = ids(&body);
    found.sort();
    let mut expected = vec![a.clone(), c.clone()];
    expected.sort();
    assert_eq!(found, expected);

    // (The demo estate has requests of its own in every state.)
    let (_, body) = get(&app, &format!("{V2}/requests.json?status=closed")).await;
    let closed_ids = ids(&body);
    assert!(closed_ids.contains(&b) && !closed_ids.contains(&a) && !closed_ids.contains(&c));
    let all = json(&body);
    assert!(
        all.as_array()
            .expect("list")
            .iter()
            .all(|r| r["status"] == "closed")
    );
    let closed = all
        .as_array()
        .expect("list")
        .iter()
        .find(|r| r["service_request_id"] == b.as_str())
        .expect("b")
        .clone();
    assert_eq!(
        closed["status_notes"], "灯已修好",
        "the last public message"
    );
    let (_, body) = get(&app, &format!("{V2}/requests.json?status=open")).await;
    let open = ids(&body);
    assert!(open.contains(&a) && open.contains(&c) && !open.contains(&b));
    let (_, body) = get(
        &app,
        &format!("{V2}/requests.json?status=open,closed&service_code=light"),
    )
    .await;
    let lights = json(&body);
    assert!(
        lights
            .as_array()
            .expect("list")
            .iter()
            .all(|r| r["service_code"] == "light")
    );
    assert!(ids(&body).contains(&b) && !ids(&body).contains(&a));

    // Dates: a request from 100 days ago is outside the default 90 days.
    let old = file(&app, &key, "lift", "B4", "很久以前").await;
    let long_ago = grassroots::db::now() - 100 * 86_400;
    grassroots::on_db!(&app.db, |pool| sqlx::query(
        "UPDATE requests SET created_at = $1, updated_at = $1 WHERE tracking_code = $2"
    )
    .bind(long_ago)
    .bind(&old)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .expect("backdate");
    let (_, body) = get(&app, &format!("{V2}/requests.json")).await;
    assert!(!ids(&body).contains(&old), "the last 90 days by default");
    let start = grassroots::community::Community::by_id(&app.db, 1)
        .await
        .expect("c")
        .iso_time(long_ago - 3600);
    let end = grassroots::community::Community::by_id(&app.db, 1)
        .await
        .expect("c")
        .iso_time(long_ago + 3600);
    let (status, body) = get(
        &app,
        &format!(
            "{V2}/requests.json?start_date={}&end_date={}",
            enc(&start),
            enc(&end)
        ),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body), vec![old.clone()]);
    let (_, body) = get(
        &app,
        &format!("{V2}/requests.json?service_request_id={old}"),
    )
    .await;
    assert_eq!(
        ids(&body),
        vec![old.clone()],
        "asked by id, no date window applies"
    );
    let (_, body) = get(
        &app,
        &format!("{V2}/requests.json?updated_after={}", enc(&end)),
    )
    .await;
    assert!(ids(&body).contains(&a) && !ids(&body).contains(&old));

    // Paging.
    let (_, page1) = get(&app, &format!("{V2}/requests.json?page_size=2&page=1")).await;
    let (_, page2) = get(&app, &format!("{V2}/requests.json?page_size=2&page=2")).await;
    assert_eq!(ids(&page1).len(), 2);
    assert!(ids(&page2).iter().all(|id| !ids(&page1).contains(id)));

    // XML.
    let (status, xml) = get(&app, &format!("{V2}/requests.xml?status=closed")).await;
    assert_eq!(status, 200);
    assert!(
        xml.contains(&format!("<service_request_id>{b}</service_request_id>"))
            && xml.contains("<status>closed</status>")
    );
    let (status, xml) = get(&app, &format!("{V2}/requests/{a}.xml")).await;
    assert_eq!(status, 200);
    assert!(xml.contains("<service_requests><request>"));

    // Errors.
    for bad in [
        "status=done",
        "start_date=yesterday",
        "end_date=2026-13-40",
        "page=0",
        "page_size=5000",
        "page=x",
        "start_date=2026-11-02&end_date=2026-11-01",
    ] {
        let (s, b) = get(&app, &format!("{V2}/requests.json?{bad}")).await;
        assert_error(s, &b, 400);
    }
    let (s, b) = get(&app, &format!("{V2}/requests/99999999.json")).await;
    assert_error(s, &b, 404);
    let (s, b) = get(&app, &format!("{V2}/requests/{a}.csv")).await;
    assert_error(s, &b, 400);
    let (s, _) = get(&app, &format!("{V2}/requests/{a}")).await;
    assert_eq!(s, 400);
}

fn enc(s: &str) -> String {
    grassroots::web::forms::url_encode(s)
}

async fn a_category_that_needs_review_answers_with_a_token(app: Arc<TestApp>) {
    let key = prepare(&app).await;
    grassroots::on_db!(&app.db, |pool| sqlx::query(
        "UPDATE categories SET needs_review = TRUE WHERE code = 'idea'"
    )
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .expect("update");
    // As a store in this process would say after writing a setting.
    grassroots::db::settings_changed();
    let (_, services) = get(&app, &format!("{V2}/services.json")).await;
    let idea = json(&services)
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["service_code"] == "idea")
        .cloned()
        .expect("idea");
    assert_eq!(idea["type"], "batch");
    let (status, body) = post(
        &app,
        &format!("{V2}/requests.json"),
        &[
            ("api_key", &key),
            ("service_code", "idea"),
            ("address_id", "POND"),
            ("description", "在荷花池边种些柳树"),
        ],
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let answer = json(&body);
    assert!(answer[0].get("service_request_id").is_none());
    let token = answer[0]["token"].as_str().expect("token").to_string();
    let (status, body) = get(&app, &format!("{V2}/tokens/{token}.json")).await;
    assert_eq!(status, 200);
    assert!(
        json(&body)[0]["service_request_id"].is_null(),
        "not reviewed yet"
    );
    let code: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT r.tracking_code FROM open311_tokens t JOIN requests r ON r.id = t.request_id WHERE t.token = $1"
    )
    .bind(&token)
    .fetch_one(pool)
    .await)
    .expect("code");
    let zhang = app.signed_in("zhang").await;
    assert_eq!(
        zhang
            .act(
                &code,
                &[("action", "respond"), ("message", "好主意，我们研究一下。")]
            )
            .await
            .status,
        303
    );
    let (_, body) = get(&app, &format!("{V2}/tokens/{token}.json")).await;
    assert_eq!(json(&body)[0]["service_request_id"], code.as_str());
    let (status, xml) = get(&app, &format!("{V2}/tokens/{token}.xml")).await;
    assert_eq!(status, 200);
    assert!(xml.contains(&format!("<token>{token}</token>")));
    let (s, b) = get(&app, &format!("{V2}/tokens/nothing.json")).await;
    assert_error(s, &b, 404);
}

async fn the_updates_feed_follows_changes(app: Arc<TestApp>) {
    let key = prepare(&app).await;
    let id = file(&app, &key, "water", "B5", "五号楼停水").await;
    let zhang = app.signed_in("zhang").await;
    assert_eq!(
        zhang
            .act(&id, &[("action", "update"), ("message", "水管工已出发")])
            .await
            .status,
        303
    );
    assert_eq!(
        zhang
            .act(&id, &[("action", "note"), ("note", "内部：阀门老化")])
            .await
            .status,
        303
    );
    assert_eq!(
        zhang
            .act(&id, &[("action", "resolve"), ("message", "已恢复供水")])
            .await
            .status,
        303
    );
    let (status, body) = get(
        &app,
        &format!("{V2}/servicerequestupdates.json?service_request_id={id}"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let updates = json(&body);
    let list = updates.as_array().expect("list");
    let descriptions: Vec<&str> = list
        .iter()
        .filter_map(|u| u["description"].as_str())
        .collect();
    assert!(descriptions.contains(&"水管工已出发") && descriptions.contains(&"已恢复供水"));
    assert!(!body.contains("阀门老化"), "internal notes never leave");
    let last = list.last().expect("last");
    assert_eq!(last["status"], "closed");
    assert_eq!(last["service_request_id"], id.as_str());
    assert!(last["update_id"].as_str().is_some());
    let (status, xml) = get(
        &app,
        &format!("{V2}/servicerequestupdates.xml?service_request_id={id}"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(xml.contains("<service_request_updates><request_update>"));
    let future = "2099-01-01T00:00:00Z";
    let (_, body) = get(
        &app,
        &format!("{V2}/servicerequestupdates.json?start_date={future}"),
    )
    .await;
    assert_eq!(json(&body).as_array().map(Vec::len), Some(0));
    let (s, b) = get(
        &app,
        &format!("{V2}/servicerequestupdates.json?start_date=soon"),
    )
    .await;
    assert_error(s, &b, 400);
}

async fn private_and_anonymous_requests_never_leave(app: Arc<TestApp>) {
    let key = prepare(&app).await;
    let huang = app.signed_in("huang").await;
    let private = huang
        .report(
            &[
                ("category", "help"),
                ("place", "B1-101"),
                ("description", "私事：想请人陪我去医院"),
                ("visibility", "private"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    let anonymous = huang
        .report(
            &[
                ("category", "noise"),
                ("place", "B1"),
                ("description", "匿名：楼上吵"),
                ("visibility", "anonymous"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    let public = huang
        .report(
            &[
                ("category", "clean"),
                ("place", "B1"),
                ("description", "公开：楼道脏"),
                ("name", "黄奶奶"),
                ("phone", "13911112222"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    // A legal question filed through Open311 is private by nature.
    let (status, body) = post(
        &app,
        &format!("{V2}/requests.json"),
        &[
            ("api_key", &key),
            ("service_code", "legal"),
            ("address_id", "B3"),
            ("description", "法律：押金纠纷"),
            ("first_name", "王"),
        ],
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let legal = json(&body)[0]["service_request_id"]
        .as_str()
        .expect("id")
        .to_string();

    let (_, list) = get(&app, &format!("{V2}/requests.json")).await;
    let listed = ids(&list);
    assert!(listed.contains(&public));
    for hidden in [&private, &anonymous, &legal] {
        assert!(!listed.contains(hidden), "{hidden} is listed");
        let (s, _) = get(&app, &format!("{V2}/requests/{hidden}.json")).await;
        assert_eq!(s, 404);
    }
    let (_, by_id) = get(
        &app,
        &format!("{V2}/requests.json?service_request_id={private},{anonymous},{legal}"),
    )
    .await;
    assert_eq!(ids(&by_id).len(), 0);
    let (_, updates) = get(&app, &format!("{V2}/servicerequestupdates.json")).await;
    for words in ["私事", "匿名", "法律", "黄奶奶", "13911112222"] {
        assert!(
            !list.contains(words) && !updates.contains(words),
            "{words} left through Open311"
        );
    }
}
