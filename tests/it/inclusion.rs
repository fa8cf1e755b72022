//! Pages residents use are light (they open fast on an old phone and a
//! weak connection), and large text is one tap away.

use std::sync::Arc;

use crate::on_both_engines;
use crate::support::{Person, TestApp};

on_both_engines!(resident_pages_weigh_little, large_text_is_one_tap_away);

/// What a first visit downloads before photos: the page, its style sheets
/// and its scripts.
async fn weight(person: &Person, path: &str) -> usize {
    let page = person.get(path).await;
    assert_eq!(page.status, 200, "{path}");
    let mut total = page.body.len();
    for attribute in ["href=\"/static/", "src=\"/static/"] {
        for piece in page.body.split(attribute).skip(1) {
            let file = piece.split('"').next().unwrap_or_default();
            let asset = person.get(&format!("/static/{file}")).await;
            assert_eq!(asset.status, 200, "/static/{file}");
            total += asset.body.len();
        }
    }
    total
}

async fn resident_pages_weigh_little(app: Arc<TestApp>) {
    const BUDGET: usize = 60 * 1024;
    let visitor = app.anonymous();
    let huang = app.signed_in("huang").await;
    let code = huang
        .report(
            &[
                ("category", "light"),
                ("place", "B2"),
                ("description", "2号楼门口的灯不亮"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    let request = format!("/r/{code}");
    let mut seen = Vec::new();
    for (person, path) in [
        (&visitor, "/"),
        (&visitor, "/report"),
        (&visitor, "/report/light"),
        (&visitor, "/requests"),
        (&visitor, "/rates"),
        (&visitor, "/signin"),
        (&visitor, "/register"),
        (&huang, "/my"),
        (&huang, "/account/news"),
        (&huang, request.as_str()),
    ] {
        let bytes = weight(person, path).await;
        assert!(bytes < BUDGET, "{path} weighs {bytes} bytes");
        seen.push((path, bytes));
    }
    eprintln!("page weights: {seen:?}");
}

async fn large_text_is_one_tap_away(app: Arc<TestApp>) {
    let visitor = app.anonymous();
    let home = visitor.get("/report").await;
    assert!(home.body.contains("大字模式") && !home.body.contains("large-text\""));
    let on = visitor.get("/text/large?back=/report").await;
    assert_eq!((on.status, on.location.as_str()), (303, "/report"));
    let large = visitor.get("/report").await;
    assert!(large.body.contains("class=\"large-text\""));
    assert!(large.body.contains("恢复正常字号"));
    let css = visitor.get("/static/app.css").await;
    assert!(css.body.contains("html.large-text"));
    visitor.get("/text/normal?back=/").await;
    assert!(
        !visitor
            .get("/report")
            .await
            .body
            .contains("class=\"large-text\"")
    );
    // Only places on this site to come back to.
    let away = visitor.get("/text/large?back=//evil.example").await;
    assert!(!away.location.contains("evil"));
}
