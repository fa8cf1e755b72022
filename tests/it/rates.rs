//! The public rates: `/rates` and `/rates.json` count exactly what the
//! definitions say, checked against a hand count.

use std::sync::Arc;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(the_rates_match_a_hand_count);

async fn rates(app: &TestApp) -> serde_json::Value {
    let r = reqwest::get(app.url("/rates.json")).await.expect("rates");
    assert_eq!(r.status().as_u16(), 200);
    r.json().await.expect("json")
}

fn n(v: &serde_json::Value, rate: &str, part: &str) -> i64 {
    v["this_month"][rate][part].as_i64().unwrap_or(-1)
}

async fn the_rates_match_a_hand_count(app: Arc<TestApp>) {
    let before = rates(&app).await;
    let community = grassroots::community::Community::by_id(&app.db, 1)
        .await
        .expect("community");
    let (month_start, next_month) =
        grassroots::rates::month_of(grassroots::db::now(), &community.tz());
    let t = |hours: i64| month_start + hours * 3600;
    let huang = app.signed_in("huang").await;
    let mut codes = Vec::new();
    for (i, place) in ["B2", "B3", "B4", "B5", "B6"].iter().enumerate() {
        let code = huang
            .report(
                &[
                    ("category", "clean"),
                    ("place", place),
                    ("description", &format!("第{i}件")),
                    ("go_ahead", "1"),
                ],
                &[],
            )
            .await
            .code();
        codes.push(code);
    }
    // (status, response due, answered, resolved/closed, resolution due, rating)
    type Case = (
        &'static str,
        i64,
        Option<i64>,
        Option<i64>,
        i64,
        Option<i64>,
    );
    let just_now = grassroots::db::now() - 60;
    let cases: [Case; 5] = [
        ("closed", t(5), Some(t(4)), Some(t(10)), t(20), Some(5)), // answered in time, solved, satisfied
        ("closed", t(5), Some(t(7)), Some(t(12)), t(20), Some(3)), // answered late, solved, not satisfied
        ("submitted", t(5), None, None, next_month + 3600, None), // never answered; due to be solved next month
        ("duplicate", t(5), Some(t(4)), Some(t(6)), t(20), None), // counts nowhere
        // answered in time a minute ago, its deadline still to come: counts now
        (
            "responded",
            just_now + 86_400,
            Some(just_now),
            None,
            next_month + 3600,
            None,
        ),
    ];
    for (code, (status, response_due, answered, done, resolution_due, rating)) in
        codes.iter().zip(cases)
    {
        grassroots::on_db!(&app.db, |pool| sqlx::query(
            "UPDATE requests SET status = $1, created_at = $2, response_due_at = $3, responded_at = $4, resolved_at = $5, \
             closed_at = $5, resolution_due_at = $6, rating = $7, rated_at = CASE WHEN $7 IS NULL THEN NULL ELSE $5 END \
             WHERE tracking_code = $8"
        )
        .bind(status)
        .bind(t(1))
        .bind(response_due)
        .bind(answered)
        .bind(done)
        .bind(resolution_due)
        .bind(rating)
        .bind(code)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .expect("set the case");
    }
    let after = rates(&app).await;
    let delta = |rate: &str, part: &str| n(&after, rate, part) - n(&before, rate, part);
    assert_eq!(
        (delta("response", "count"), delta("response", "out_of")),
        (2, 4),
        "answered in time: 2 of 4"
    );
    assert_eq!(
        (delta("resolution", "count"), delta("resolution", "out_of")),
        (2, 2),
        "solved: 2 of 2"
    );
    assert_eq!(
        (
            delta("satisfaction", "count"),
            delta("satisfaction", "out_of")
        ),
        (1, 2),
        "satisfied: 1 of 2"
    );
    for rate in ["response_rate", "resolution_rate", "satisfaction_rate"] {
        let f = &after["this_month"][rate];
        assert!(
            f.is_null() || f.as_f64().is_some_and(|f| (0.0..=1.0).contains(&f)),
            "{rate} is a fraction"
        );
    }
    assert!(after["last_month"]["response"]["out_of"].as_i64().is_some());
    assert!(
        after["definitions"]["resolution_rate"]
            .as_str()
            .is_some_and(|d| d.contains("Duplicates"))
    );

    // The district's table counts in the database what `/rates.json`
    // counts row by row: the same figures, both months.
    let district = app.public_json("/rates/communities.json").await;
    let ours = district["communities"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["community"] == after["community"]))
        .expect("our community is in the district's table");
    for month in ["this_month", "last_month"] {
        for rate in ["response", "resolution", "satisfaction"] {
            assert_eq!(
                ours[month][rate], after[month][rate],
                "{month} {rate}: the district's count is the community's"
            );
        }
        assert_eq!(ours[month]["from"], after[month]["from"]);
    }

    // A community is named by its code; another community, with no
    // requests yet, has no figure yet; a code nobody has is not found.
    let named = app.public_json("/rates.json?community=jinyuan").await;
    assert_eq!(named["this_month"], after["this_month"]);
    grassroots::web::Community::create(&app.db, "hexie", "和谐小区", "Hexie Estate")
        .await
        .expect("a second community");
    let other = app.public_json("/rates.json?community=hexie").await;
    assert_eq!(other["community"], "hexie");
    for rate in ["response", "resolution", "satisfaction"] {
        assert_eq!(
            other["this_month"][rate]["out_of"], 0,
            "{rate}: nothing counted"
        );
        assert!(
            other["this_month"][format!("{rate}_rate")].is_null(),
            "{rate}: no figure yet"
        );
    }
    assert_eq!(
        app.anonymous()
            .get("/rates.json?community=nowhere")
            .await
            .status,
        404
    );

    let page = app.anonymous().get("/rates").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("按时答复率")
            && page.body.contains("怎么算的")
            && page.body.contains("物业维修组")
    );
    assert!(!page.body.contains("13800138000"), "no personal data");
    let english = app.client("en").get("/rates").await;
    assert!(
        english.body.contains("Answered in time") && english.body.contains("How they are counted")
    );
}
