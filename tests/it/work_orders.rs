//! Work orders and the queue's selection: printed orders carry what the
//! worker needs (and nothing the printer may not see); a lead assigns a
//! selection, or closes it as duplicates of one, each checked as if done
//! alone.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::{Person, TestApp};

on_both_engines!(orders_are_printed_and_a_selection_handled_at_once);

async fn file(huang: &Person, category: &str, place: &str, words: &str) -> String {
    let sent = huang
        .report(
            &[
                ("category", category),
                ("place", place),
                ("description", words),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    sent.code()
}

async fn column(app: &TestApp, sql: &'static str, code: &str) -> Option<String> {
    grassroots::on_db!(&app.db, |pool| sqlx::query_scalar::<_, Option<String>>(sql)
        .bind(code)
        .fetch_one(pool)
        .await)
    .expect("row")
}

async fn orders_are_printed_and_a_selection_handled_at_once(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let tap = file(&huang, "water", "B1", "厨房水龙头关不紧ORD1").await;
    let pipe = file(&huang, "water", "B5", "五号楼水管冻裂ORD2").await;
    let legal = file(&huang, "legal", "", "遗嘱怎么写ORD3").await;
    let zhang = app.signed_in("zhang").await;

    let orders = zhang
        .get(&format!("/work-orders?code={tap}&code={pipe}&code={legal}"))
        .await;
    assert_eq!(orders.status, 200);
    assert!(
        orders.body.contains("厨房水龙头关不紧ORD1") && orders.body.contains("五号楼水管冻裂ORD2")
    );
    assert!(orders.body.contains("黄奶奶"), "who to see");
    assert!(orders.body.contains("居民签字"), "room to write");
    assert!(
        !orders.body.contains("遗嘱怎么写ORD3"),
        "a legal question is not his"
    );
    assert!(orders.body.contains("有 1 件不归您打印"));
    let typed = zhang
        .get(&format!("/work-orders?code={}+{}", &tap[..4], &tap[4..]))
        .await;
    assert!(typed.body.contains("ORD1"), "a code as displayed");
    assert_eq!(
        huang.get(&format!("/work-orders?code={tap}")).await.status,
        403
    );
    let page = zhang.get(&format!("/r/{tap}")).await;
    assert!(
        page.body.contains(&format!("/work-orders?code={tap}")),
        "one order from the request"
    );

    // The lead hands both to Liu in one go.
    let liu: i64 = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT id FROM accounts WHERE username = 'liu'"
    )
    .fetch_one(pool)
    .await)
    .expect("liu");
    let liu_id = liu.to_string();
    let nothing = zhang
        .post_form(
            "/queue/bulk",
            &[("action", "assign"), ("assignee", &liu_id)],
        )
        .await;
    assert!(nothing.body.contains("请先勾选诉求"));
    let assigned = zhang
        .post_form(
            "/queue/bulk",
            &[
                ("code", &tap),
                ("code", &pipe),
                ("action", "assign"),
                ("assignee", &liu_id),
            ],
        )
        .await;
    assert_eq!(assigned.status, 200);
    assert!(assigned.body.contains("已办 2 件"), "{}", assigned.body);
    let assignee = "SELECT a.username FROM requests r LEFT JOIN accounts a ON a.id = r.assignee_id WHERE r.tracking_code = $1";
    assert_eq!(column(&app, assignee, &tap).await.as_deref(), Some("liu"));
    assert_eq!(column(&app, assignee, &pipe).await.as_deref(), Some("liu"));

    // Two more reports of the same tap, merged into the first.
    let again = file(&huang, "water", "B1", "厨房水龙头还是滴水").await;
    let and_again = file(&huang, "water", "B1", "水龙头滴水第三次说").await;
    let merged = zhang
        .post_form(
            "/queue/bulk",
            &[
                ("code", &again),
                ("code", &and_again),
                ("code", &tap),
                ("action", "duplicate"),
                ("of", &tap),
            ],
        )
        .await;
    assert!(merged.body.contains("已办 2 件"), "{}", merged.body);
    let status = "SELECT status FROM requests WHERE tracking_code = $1";
    assert_eq!(
        column(&app, status, &again).await.as_deref(),
        Some("duplicate")
    );
    assert_eq!(
        column(&app, status, &and_again).await.as_deref(),
        Some("duplicate")
    );
    assert_ne!(
        column(&app, status, &tap).await.as_deref(),
        Some("duplicate"),
        "not into itself"
    );

    // By the API: what may not be done is said, the rest done.
    let answer: Value = zhang
        .http
        .post(app.url("/api/v1/requests/bulk"))
        .json(&json!({"codes": [pipe, legal], "action": "assign", "assignee": liu}))
        .send()
        .await
        .expect("bulk")
        .json()
        .await
        .expect("json");
    assert_eq!(answer["done"], json!([pipe]));
    assert_eq!(answer["refused"][0]["code"], legal.as_str());
}
