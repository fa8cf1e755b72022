//! The neighbours' list: narrowed by words, kind, building and state, with
//! the estate map whose buildings lead to their requests — and still never
//! a private request, a legal question, or which flat a request came from.

use std::sync::Arc;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(neighbours_narrow_the_list_and_find_it_on_the_map);

async fn neighbours_narrow_the_list_and_find_it_on_the_map(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let mut file = Vec::new();
    for (category, place, words, visibility) in [
        ("light", "B1-101", "门口声控灯不亮XYZ", "public"),
        ("water", "B3", "三号楼水管漏水QQ1", "public"),
        ("light", "B1", "私密的事情WWW", "private"),
    ] {
        let sent = huang
            .report(
                &[
                    ("category", category),
                    ("place", place),
                    ("description", words),
                    ("visibility", visibility),
                    ("go_ahead", "1"),
                ],
                &[],
            )
            .await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        file.push(sent.code());
    }
    let neighbour = app.anonymous();
    let list = |query: &'static str| {
        let neighbour = &neighbour;
        async move { neighbour.get(&format!("/requests{query}")).await.body }
    };

    let b1 = list("?building=B1").await;
    assert!(b1.contains("门口声控灯不亮XYZ") && !b1.contains("三号楼水管漏水QQ1"));
    assert!(
        !b1.contains("1号楼101室"),
        "neighbours read the building, not the flat"
    );
    let water = list("?category=water").await;
    assert!(water.contains("三号楼水管漏水QQ1") && !water.contains("门口声控灯不亮XYZ"));
    let words = list("?q=QQ1").await;
    assert!(words.contains("三号楼水管漏水QQ1") && !words.contains("门口声控灯不亮XYZ"));
    let code = list_code(&file[1]);
    assert!(
        list_owned(&neighbour, &format!("?q={code}"))
            .await
            .contains("三号楼水管漏水QQ1"),
        "by its code"
    );
    for private in ["?q=WWW", "?q=WWW&state=all", "?building=B1&state=all"] {
        assert!(!list(private).await.contains("私密的事情WWW"), "{private}");
    }
    let unknown = list("?building=B99&category=nothing").await;
    assert!(
        !unknown.contains("XYZ") && !unknown.contains("QQ1"),
        "an unknown filter finds nothing"
    );

    // Solved ones are found as solved.
    grassroots::on_db!(&app.db, |pool| sqlx::query(
        "UPDATE requests SET status = 'resolved', resolved_at = created_at + 60 WHERE tracking_code = $1"
    )
    .bind(&file[1])
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .expect("solve it");
    assert!(
        !list("?category=water").await.contains("QQ1"),
        "open ones by default"
    );
    assert!(list("?category=water&state=solved").await.contains("QQ1"));

    // The map leads to each building's requests, and so do plain links.
    let page = list("").await;
    assert!(
        page.contains(r#"<a href="/requests?building=B1" tabindex="-1">"#),
        "a tile is a link"
    );
    assert!(
        page.contains(r#"<a href="/requests?building=B1">1号楼 ("#),
        "and a plain link"
    );
    let english = app.client("en").get("/requests?building=B1").await;
    assert!(
        english.body.contains("Open requests by building") && english.body.contains("Building 1")
    );
}

fn list_code(code: &str) -> String {
    format!("{} {}", &code[..4], &code[4..])
}

async fn list_owned(who: &crate::support::Person, query: &str) -> String {
    who.get(&format!("/requests{}", query.replace(' ', "+")))
        .await
        .body
}
