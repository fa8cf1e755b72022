//! Photos from the field: the team sends photos with an update and with
//! the solution; the solution's show as "after" beside the resident's
//! "before", on the page and in the API. A photo cannot ride on a note
//! for staff, and a resident cannot add the team's photos.

use std::sync::Arc;

use reqwest::multipart::{Form, Part};

use crate::on_both_engines;
use crate::support::{Person, TestApp, photo_with_gps};

on_both_engines!(the_team_sends_photos_with_an_update_and_the_solution);

async fn step_with_photo(
    who: &Person,
    app: &TestApp,
    code: &str,
    fields: &[(&str, &str)],
    photo: Vec<u8>,
) -> (u16, String) {
    let mut form = Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    form = form.part("photo", Part::bytes(photo).file_name("site.jpg"));
    let r = who
        .http
        .post(app.url(&format!("/r/{code}/act")))
        .multipart(form)
        .send()
        .await
        .expect("POST act");
    let status = r.status().as_u16();
    (status, r.text().await.unwrap_or_default())
}

async fn the_team_sends_photos_with_an_update_and_the_solution(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let code = huang
        .report(
            &[
                ("category", "water"),
                ("place", "B1"),
                ("description", "一楼水管接口滴水"),
                ("go_ahead", "1"),
            ],
            &[photo_with_gps()],
        )
        .await
        .code();
    let zhang = app.signed_in("zhang").await;

    // A note for staff cannot carry a photo: it is refused, the note kept.
    let (status, page) = step_with_photo(
        &zhang,
        &app,
        &code,
        &[("action", "note"), ("note", "要带新的接头")],
        photo_with_gps(),
    )
    .await;
    assert_eq!(status, 409);
    assert!(page.contains("照片要和给居民的回复") && page.contains("要带新的接头"));
    // Nor a file that is not a photo.
    let (status, page) = step_with_photo(
        &zhang,
        &app,
        &code,
        &[("action", "update"), ("message", "明天上午来换接头")],
        b"not a photo at all".to_vec(),
    )
    .await;
    assert_eq!(status, 409);
    assert!(page.contains("明天上午来换接头"), "what was typed is kept");

    let (status, _) = step_with_photo(
        &zhang,
        &app,
        &code,
        &[
            ("action", "update"),
            ("message", "已经关了总阀，明天换接头"),
        ],
        photo_with_gps(),
    )
    .await;
    assert_eq!(status, 303);
    let (status, _) = step_with_photo(
        &zhang,
        &app,
        &code,
        &[("action", "resolve"), ("message", "接头换好了，请您看看")],
        photo_with_gps(),
    )
    .await;
    assert_eq!(status, 303);

    // The resident sees her photo beside the team's, and the update's photo
    // in the history.
    let page = huang.get(&format!("/r/{code}")).await;
    assert!(
        page.body.contains("class=\"before-after\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("处理后的照片 1") && page.body.contains("工作人员拍的照片 1"));
    assert!(page.body.contains("照片 1"), "her own photo, before");

    let api = huang.get_json(&format!("/api/v1/requests/{code}")).await;
    let json: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(json["photos"].as_array().map(Vec::len), Some(1));
    let stages: Vec<&str> = json["field_photos"]
        .as_array()
        .expect("field photos")
        .iter()
        .filter_map(|p| p["stage"].as_str())
        .collect();
    assert_eq!(stages, ["progress", "after"]);
    let first = json["field_photos"][0]["url"].as_str().expect("url");
    let image = huang.http.get(app.url(first)).send().await.expect("photo");
    assert_eq!(image.status().as_u16(), 200);
    assert!(
        !image
            .bytes()
            .await
            .expect("bytes")
            .windows(11)
            .any(|w| w == b"GPSLatitude"),
        "the site's location is stripped"
    );

    // A program adds one more; a resident may not.
    let upload = |who: &Person| {
        who.http
            .post(app.url(&format!("/api/v1/requests/{code}/photos")))
            .multipart(
                Form::new()
                    .text("stage", "after")
                    .part("photo", Part::bytes(photo_with_gps()).file_name("a.jpg")),
            )
            .send()
    };
    let added = upload(&zhang).await.expect("upload");
    assert_eq!(added.status().as_u16(), 200);
    let added: serde_json::Value = added.json().await.expect("json");
    assert_eq!(added["field_photos"].as_array().map(Vec::len), Some(3));
    let refused = upload(&huang).await.expect("upload");
    assert_eq!(refused.status().as_u16(), 403);
}
