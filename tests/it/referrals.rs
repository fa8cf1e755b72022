//! Referrals that come back: the secretary keeps the list of outside
//! bodies; a lead refers a request to one, expecting an answer by a day;
//! it stays on the team's list, the team is reminded once when the day
//! passes, and the answer brings it back to the team (or it is solved).

use std::sync::Arc;

use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(a_referral_waits_on_its_answer_and_comes_back);

async fn body_id(app: &TestApp, name_zh: &str) -> String {
    grassroots::on_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM outside_bodies WHERE name_zh = $1"
    )
    .bind(name_zh)
    .fetch_one(pool)
    .await)
    .expect("the body")
    .to_string()
}

async fn state_of(app: &TestApp, code: &str) -> (String, Option<i64>, i64) {
    grassroots::on_db!(&app.db, |pool| sqlx::query_as::<
        _,
        (String, Option<i64>, i64),
    >(
        "SELECT status, referral_due_at, resolution_due_at FROM requests WHERE tracking_code = $1"
    )
    .bind(code)
    .fetch_one(pool)
    .await)
    .expect("request")
}

async fn reminders(app: &TestApp, code: &str) -> i64 {
    grassroots::on_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM request_events e JOIN requests r ON r.id = e.request_id \
         WHERE r.tracking_code = $1 AND e.kind = 'referral_due'"
    )
    .bind(code)
    .fetch_one(pool)
    .await)
    .expect("count")
}

async fn a_referral_waits_on_its_answer_and_comes_back(app: Arc<TestApp>) {
    // The secretary's list.
    let secretary = app.signed_in("secretary").await;
    let added = secretary
        .post_form(
            "/admin/outside-bodies",
            &[
                ("name_zh", "有线电视公司"),
                ("name_en", "Cable TV company"),
                ("phone", "96655"),
            ],
        )
        .await;
    assert_eq!(added.status, 303);
    let again = secretary
        .post_form("/admin/outside-bodies", &[("name_zh", "有线电视公司")])
        .await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("这个单位已经在列表里了"));
    let zhang = app.signed_in("zhang").await;
    let listed = zhang.get_json("/api/v1/outside-bodies").await;
    assert!(listed.body.contains("供电局") && listed.body.contains("Cable TV company"));
    let not_his = zhang
        .http
        .post(app.url("/api/v1/outside-bodies"))
        .json(&json!({"name_zh": "某公司"}))
        .send()
        .await
        .expect("post");
    assert_eq!(not_his.status().as_u16(), 403);

    let huang = app.signed_in("huang").await;
    let code = huang
        .report(
            &[
                ("category", "light"),
                ("place", "B2"),
                ("description", "2号楼门口的电表箱有火花"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    let power = body_id(&app, "供电局").await;
    let act = |fields: Vec<(&'static str, String)>| {
        let zhang = &zhang;
        let code = code.clone();
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            zhang.post_form(&format!("/r/{code}/act"), &fields).await
        }
    };
    let unknown = act(vec![("action", "refer".into()), ("body", "999999".into())]).await;
    assert!(
        unknown.body.contains("请从列表里选择单位"),
        "{}",
        unknown.status
    );
    let referred = act(vec![
        ("action", "refer".into()),
        ("body", power.clone()),
        ("expect_days", "2".into()),
        ("message", "电表箱归供电局管，我们已经报给他们了".into()),
    ])
    .await;
    assert_eq!(referred.status, 303, "{}", referred.body);
    let (status, due, _) = state_of(&app, &code).await;
    assert_eq!(status, "referred");
    let due = due.expect("an answer is expected");
    assert!((due - grassroots::db::now() - 2 * 86_400).abs() < 60);
    let page = huang.get(&format!("/r/{code}")).await;
    assert!(page.body.contains("供电局") && page.body.contains("预计答复日期"));
    let queue = zhang.get("/queue").await;
    assert!(
        queue.body.contains(&format!("/r/{code}")),
        "still on the team's list"
    );

    // The day passes without an answer: one reminder, however often it runs.
    grassroots::on_db!(&app.db, |pool| sqlx::query(
        "UPDATE requests SET referral_due_at = $1 WHERE tracking_code = $2"
    )
    .bind(grassroots::db::now() - 60)
    .bind(&code)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .expect("time passes");
    for _ in 0..2 {
        grassroots::chase::run_due(&app.db, grassroots::db::now())
            .await
            .expect("chase");
    }
    assert_eq!(reminders(&app, &code).await, 1);
    let inbox = zhang.get("/my").await;
    assert!(
        inbox.body.contains("到预计日期还没有答复"),
        "the team is told"
    );
    let staff_page = zhang.get(&format!("/r/{code}")).await;
    assert!(staff_page.body.contains("外部单位到预计日期还没有答复"));
    assert!(staff_page.body.contains("对方逾期未答复"));

    // The answer comes back: the team takes it from here, with time to do it.
    let bare = act(vec![("action", "referral_answered".into())]).await;
    assert_ne!(bare.status, 303, "the answer is said");
    let back = act(vec![
        ("action", "referral_answered".into()),
        ("message", "供电局说明天上午来换电表箱".into()),
    ])
    .await;
    assert_eq!(back.status, 303);
    let (status, _, resolution_due) = state_of(&app, &code).await;
    assert_eq!(status, "in_progress");
    assert!(resolution_due > grassroots::db::now(), "time to finish it");
    let page = huang.get(&format!("/r/{code}")).await;
    assert!(page.body.contains("供电局说明天上午来换电表箱"));

    // By the API: a body no longer used cannot be chosen; one in use can,
    // and the request is solved straight from the referral.
    let cable = body_id(&app, "有线电视公司").await;
    let off = secretary
        .post_form(
            &format!("/admin/outside-bodies/{cable}/active"),
            &[("active", "0")],
        )
        .await;
    assert_eq!(off.status, 303);
    let other = huang
        .report(
            &[
                ("category", "light"),
                ("place", "B3"),
                ("description", "3号楼的有线电视线掉下来了"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    let post = |body: Value| {
        zhang
            .http
            .post(app.url(&format!("/api/v1/requests/{other}/actions")))
            .json(&body)
            .send()
    };
    let refused = post(json!({"action": "refer", "body": cable}))
        .await
        .expect("post");
    let status = refused.status().as_u16();
    let said = refused.text().await.unwrap_or_default();
    assert_eq!(status, 422, "{said}");
    let water = body_id(&app, "街道办事处").await;
    let ok: Value = post(
        json!({"action": "refer", "body": water, "expect_days": "5", "message": "转街道办处理"}),
    )
    .await
    .expect("post")
    .json()
    .await
    .expect("json");
    assert_eq!(ok["status"], "referred");
    assert!(ok["referral_due_at"].as_str().is_some());
    let solved: Value = post(json!({"action": "resolve", "message": "街道办已派人修好"}))
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    assert_eq!(solved["status"], "resolved");
}
