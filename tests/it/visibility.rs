//! Who sees a request: a complaint about a neighbour starts private (the
//! resident may still make it public), whichever door it comes through.

use std::sync::Arc;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(a_complaint_about_a_neighbour_starts_private);

async fn visibility_of(app: &TestApp, code: &str) -> String {
    grassroots::on_db!(&app.db, |pool| sqlx::query_scalar::<_, String>(
        "SELECT visibility FROM requests WHERE tracking_code = $1"
    )
    .bind(code)
    .fetch_one(pool)
    .await)
    .expect("the request")
}

async fn a_complaint_about_a_neighbour_starts_private(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let form = huang.get("/report/noise").await;
    assert!(
        form.body
            .contains(r#"<input type="radio" name="visibility" value="private" checked>"#),
        "the form starts on private"
    );
    let lift_form = huang.get("/report/lift").await;
    assert!(
        lift_form
            .body
            .contains(r#"<input type="radio" name="visibility" value="public" checked>"#),
        "other reports start public"
    );

    let noise = |visibility: &'static str| {
        let mut fields = vec![
            ("category", "noise"),
            ("place", "B4"),
            ("description", "楼上每天半夜拖椅子"),
            ("go_ahead", "1"),
        ];
        if !visibility.is_empty() {
            fields.push(("visibility", visibility));
        }
        fields
    };
    let unsaid = huang.report(&noise(""), &[]).await.code();
    assert_eq!(visibility_of(&app, &unsaid).await, "private");
    let chosen = huang.report(&noise("public"), &[]).await.code();
    assert_eq!(
        visibility_of(&app, &chosen).await,
        "public",
        "the resident may still choose public"
    );

    // An Open311 app does not say: private too, and not in the public list.
    let key = crate::open311::prepare(&app).await;
    let (status, body) = crate::open311::post(
        &app,
        "/open311/v2/requests.json",
        &[
            ("api_key", key.as_str()),
            ("service_code", "noise"),
            ("address_id", "B4"),
            ("description", "Loud music every night after eleven"),
        ],
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let posted: serde_json::Value = serde_json::from_str(&body).expect("json");
    let id = posted[0]["service_request_id"].as_str().expect("an id");
    assert_eq!(visibility_of(&app, id).await, "private");
    let list = app.public_json("/open311/v2/requests.json").await;
    assert!(
        !list.to_string().contains("Loud music every night"),
        "a private complaint is not listed"
    );
}
