//! The administrator sets up the estate from the pages.

use std::sync::Arc;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(the_administrator_sets_up_a_category_and_a_member);

async fn the_administrator_sets_up_a_category_and_a_member(app: Arc<TestApp>) {
    let secretary = app.signed_in("secretary").await;
    let page = secretary.get("/admin/categories").await;
    assert_eq!(page.status, 200);
    let property_id = page
        .body
        .split("<option value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a workgroup to choose")
        .to_string();
    let bad = secretary
        .post_form(
            "/admin/categories",
            &[
                ("code", "parking"),
                ("workgroup", &property_id),
                ("name_zh", "停车"),
                ("name_en", ""),
                ("response_hours", "0"),
                ("resolution_days", "x"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("请填 1 到 720 小时"));
    assert!(bad.body.contains("value=\"停车\""), "kept");
    let added = secretary
        .post_form(
            "/admin/categories",
            &[
                ("code", "parking"),
                ("workgroup", &property_id),
                ("name_zh", "停车问题"),
                ("name_en", "Parking"),
                ("icon", "🚗"),
                ("response_hours", "12"),
                ("resolution_days", "3"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let choose = app.anonymous().get("/report").await;
    assert!(choose.body.contains("停车问题") && choose.body.contains("/report/parking"));
    let english = app.client("en").get("/report").await;
    assert!(english.body.contains("Parking"));

    let place = secretary
        .post_form(
            "/admin/places",
            &[
                ("kind", "common"),
                ("code", "GARDEN"),
                ("name_zh", "屋顶花园"),
                ("name_en", "Roof garden"),
            ],
        )
        .await;
    assert_eq!(place.status, 303, "{}", place.body);
    let dup = secretary
        .post_form(
            "/admin/places",
            &[("kind", "common"), ("code", "GARDEN"), ("name_zh", "花园")],
        )
        .await;
    assert_eq!(dup.status, 422);
    assert!(dup.body.contains("这个简码已经用过了"));

    let account = secretary
        .post_form(
            "/admin/accounts",
            &[
                ("username", "qian"),
                ("display_name", "钱师傅"),
                ("role", "member"),
                ("password", "fix it well 2026"),
            ],
        )
        .await;
    assert_eq!(account.status, 303, "{}", account.body);
    let joined = secretary
        .post_form(
            &format!("/admin/workgroups/{property_id}/members"),
            &[("username", "qian")],
        )
        .await;
    assert_eq!(joined.status, 303, "{}", joined.body);
    let qian = app.client("zh-CN");
    let signin = qian
        .post_form(
            "/signin",
            &[("username", "qian"), ("password", "fix it well 2026")],
        )
        .await;
    assert_eq!(signin.status, 303);
    let huang = app.signed_in("huang").await;
    let code = huang
        .report(
            &[
                ("category", "parking"),
                ("place", "PARKING"),
                ("description", "车位被占了"),
            ],
            &[],
        )
        .await
        .code();
    assert!(
        qian.get("/queue").await.body.contains(&code),
        "the new member sees the new category's requests"
    );
    let link = secretary
        .post_form(
            "/admin/accounts",
            &[
                ("username", "newlead"),
                ("display_name", "新组长"),
                ("role", "lead"),
            ],
        )
        .await;
    assert_eq!(link.status, 200);
    assert!(
        link.body.contains("/signin/link/"),
        "a one-time link instead of a password"
    );
}

on_both_engines!(extra_questions_are_asked_on_the_resident_form);

async fn extra_questions_are_asked_on_the_resident_form(app: Arc<TestApp>) {
    let secretary = app.signed_in("secretary").await;
    let id: i64 = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT id FROM categories WHERE code = 'water'"
    )
    .fetch_one(pool)
    .await)
    .expect("water");
    let bad = secretary
        .post_form(
            &format!("/admin/categories/{id}/attributes"),
            &[
                ("code", "since"),
                ("datatype", "singlevaluelist"),
                ("description_zh", "从什么时候开始？"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("列表至少需要一个选项"));
    assert!(
        bad.body.contains("从什么时候开始？"),
        "what was typed is kept"
    );
    let added = secretary
        .post_form(
            &format!("/admin/categories/{id}/attributes"),
            &[
                ("code", "since"),
                ("datatype", "singlevaluelist"),
                ("description_zh", "从什么时候开始？"),
                ("description_en", "Since when?"),
                ("required", "1"),
                (
                    "choices",
                    "today | 今天 | Today\nweek | 一周以上 | Over a week",
                ),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    assert!(
        secretary
            .get(&format!("/admin/categories/{id}"))
            .await
            .body
            .contains("一周以上")
    );

    let huang = app.signed_in("huang").await;
    let form = huang.get("/report/water").await;
    assert!(
        form.body.contains("从什么时候开始？") && form.body.contains("name=\"attribute[since]\"")
    );
    let missing = huang
        .report(
            &[
                ("category", "water"),
                ("place", "B2"),
                ("description", "没水了"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(missing.status, 422);
    assert!(missing.body.contains("请回答这个问题"));
    let sent = huang
        .report(
            &[
                ("category", "water"),
                ("place", "B2"),
                ("description", "没水了"),
                ("attribute[since]", "week"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let value: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT a.value FROM request_attributes a JOIN requests r ON r.id = a.request_id WHERE r.tracking_code = $1 AND a.code = 'since'"
    )
    .bind(sent.code())
    .fetch_one(pool)
    .await)
    .expect("answer");
    assert_eq!(value, "week");
}
