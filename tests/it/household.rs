//! A household's history: staff and reception look up every request about
//! a flat or sent by the people living there (a leak that keeps coming
//! back), finished ones too — but never one sent anonymously, and a legal
//! question only for its own team.

use std::sync::Arc;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(a_households_requests_are_found_by_its_flat);

async fn a_households_requests_are_found_by_its_flat(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await; // lives in B1-101
    let file = |fields: Vec<(&'static str, &'static str)>| {
        let huang = &huang;
        async move {
            let mut all = fields;
            all.push(("go_ahead", "1"));
            let sent = huang.report(&all, &[]).await;
            assert_eq!(sent.status, 303, "{}", sent.body);
            sent.code()
        }
    };
    let leak = file(vec![
        ("category", "water"),
        ("place", "B1"),
        ("description", "厨房水管第三次漏水了"),
    ])
    .await;
    let anonymous = file(vec![
        ("category", "noise"),
        ("place", "B4"),
        ("description", "匿名反映四号楼的噪音"),
        ("visibility", "anonymous"),
    ])
    .await;
    let legal = file(vec![
        ("category", "legal"),
        ("description", "想咨询遗产继承的问题"),
    ])
    .await;
    // A neighbour reports about the flat itself.
    let sun = app.signed_in("sun").await;
    let about_the_flat = sun
        .report(
            &[
                ("category", "water"),
                ("place", "B1-101"),
                ("description", "101室的水渗到楼下墙上"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    // The leak was fixed once already: finished requests are history too.
    grassroots::on_db!(&app.db, |pool| sqlx::query(
        "UPDATE requests SET status = 'closed', closed_at = created_at + 60 WHERE tracking_code = $1"
    )
    .bind(&leak)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .expect("close it");

    let reception = app.signed_in("reception").await;
    let page = reception.get("/queue?household=B1-101").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("1号楼101室：这套房和住户反映过的全部诉求"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("厨房水管第三次漏水了"),
        "a finished one too"
    );
    assert!(
        page.body.contains("101室的水渗到楼下墙上"),
        "about the flat"
    );
    assert!(
        !page.body.contains("匿名反映四号楼的噪音"),
        "an anonymous request would tell who sent it"
    );
    assert!(
        !page.body.contains("想咨询遗产继承的问题"),
        "legal: its team only"
    );

    let api = reception
        .get_json("/api/v1/requests?household=B1-101")
        .await;
    assert_eq!(api.status, 200);
    let list: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    let codes: Vec<&str> = list
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|r| r["tracking_code"].as_str())
        .collect();
    assert!(
        codes.contains(&leak.as_str()) && codes.contains(&about_the_flat.as_str()),
        "{codes:?}"
    );
    assert!(
        !codes.contains(&anonymous.as_str()) && !codes.contains(&legal.as_str()),
        "{codes:?}"
    );

    // The request says which household sent it, to staff.
    let one = reception
        .get_json(&format!("/api/v1/requests/{leak}"))
        .await;
    let one: serde_json::Value = serde_json::from_str(&one.body).expect("json");
    assert_eq!(one["reporter_household"], serde_json::json!(["B1-101"]));
    let staff_page = reception.get(&format!("/r/{leak}")).await;
    assert!(staff_page.body.contains("/queue?household=B1-101"));

    let nowhere = reception.get("/queue?household=B9-909").await;
    assert!(nowhere.body.contains("没有这个房号"));
    assert!(
        !nowhere.body.contains("厨房水管"),
        "an unknown flat lists nothing"
    );

    let resident = huang.get("/queue?household=B1-101").await;
    assert_eq!(resident.status, 403, "residents have their own list");
    let english = app.client("en").get("/queue?household=B1-101").await;
    assert_ne!(english.status, 200, "not for someone signed out");
}
