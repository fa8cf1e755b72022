//! The dashboards: the secretary sees the estate, a lead their teams, and
//! the charts come with their tables.

use std::sync::Arc;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(dashboards_for_the_secretary_and_the_leads);

async fn dashboards_for_the_secretary_and_the_leads(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let code = huang
        .report(
            &[
                ("category", "lift"),
                ("place", "B2-101"),
                ("description", "二号楼电梯"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    // Make it overdue.
    grassroots::on_db!(&app.db, |pool| sqlx::query(
        "UPDATE requests SET response_due_at = $1, resolution_due_at = $1 WHERE tracking_code = $2"
    )
    .bind(grassroots::db::now() - 60)
    .bind(&code)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .expect("overdue");
    let secretary = app.signed_in("secretary").await;
    let page = secretary.get("/dashboard").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("全小区"));
    assert!(
        page.body.contains(&format!("/r/{code}")),
        "the overdue list"
    );
    assert!(
        page.body.matches("<svg").count() >= 4,
        "charts drawn on the server"
    );
    assert!(
        page.body.contains("<table>") && page.body.contains("2号楼"),
        "tables beside the charts; buildings named"
    );
    let monthly = secretary.get("/dashboard/monthly").await;
    assert_eq!(monthly.status, 200);
    assert!(monthly.body.contains("月度报告") && monthly.body.contains("主要问题"));
    assert!(
        secretary
            .get("/dashboard/monthly?month=2026-13")
            .await
            .status
            < 500,
        "a bad month falls back to this one"
    );
    // The secretary's figures leave out what only the legal team may see.
    let sun = app.signed_in("sun").await;
    sun.report(
        &[
            ("category", "legal"),
            ("place", "B3-202"),
            ("description", "合同纠纷"),
        ],
        &[],
    )
    .await;
    let figures = secretary.get("/dashboard").await;
    assert!(
        !figures.body.contains("法律咨询"),
        "no legal category in the secretary's slices"
    );
    assert!(
        !secretary
            .get("/dashboard/monthly")
            .await
            .body
            .contains("法律咨询")
    );
    assert!(
        !app.anonymous()
            .get("/rates")
            .await
            .body
            .contains("法律服务组"),
        "the public page leaves the legal team out"
    );
    let zhou = app.signed_in("zhou").await;
    assert!(
        zhou.get("/dashboard").await.body.contains("法律咨询"),
        "the legal team sees its own"
    );
    let zhang = app.signed_in("zhang").await;
    let lead = zhang.get("/dashboard").await;
    assert_eq!(lead.status, 200);
    assert!(lead.body.contains("物业维修组") && lead.body.contains(&format!("/r/{code}")));
    let chen = app.signed_in("chen").await;
    assert!(
        !chen
            .get("/dashboard")
            .await
            .body
            .contains(&format!("/r/{code}")),
        "another team's lead"
    );
    assert_eq!(
        app.signed_in("liu").await.get("/dashboard").await.status,
        403,
        "members have the queue"
    );
    assert_eq!(huang.get("/dashboard").await.status, 403);
}
