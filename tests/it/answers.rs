//! The category questions' answers are shown to those handling the request
//! and to the reporter, in the reader's language, with an answer that means
//! danger first; that answer makes the request urgent. And the team knows
//! who reported by their account and household, even with no name typed.

use std::sync::Arc;

use serde_json::Value;

use crate::on_both_engines;
use crate::support::{Person, TestApp};

on_both_engines!(
    someone_trapped_is_urgent_and_shown_first,
    the_team_knows_who_reported_by_their_account,
    a_ready_answer_is_in_the_residents_language,
);

async fn report_lift(huang: &Person, trapped: &str) -> String {
    let sent = huang
        .report(
            &[
                ("category", "lift"),
                ("place", "B3"),
                ("description", "3号楼电梯停了"),
                ("urgency", "general"),
                ("attribute[floor]", "3"),
                ("attribute[trapped]", trapped),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    sent.code()
}

async fn urgency_of(app: &TestApp, code: &str) -> String {
    grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT urgency FROM requests WHERE tracking_code = $1"
    )
    .bind(code)
    .fetch_one(pool)
    .await)
    .expect("urgency")
}

async fn someone_trapped_is_urgent_and_shown_first(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let calm = report_lift(&huang, "no").await;
    assert_eq!(urgency_of(&app, &calm).await, "general");
    let trapped = report_lift(&huang, "yes").await;
    assert_eq!(
        urgency_of(&app, &trapped).await,
        "danger",
        "someone trapped is danger, whatever was chosen"
    );

    // The team sees the answers, danger first.
    let zhang = app.signed_in("zhang").await;
    let page = zhang.get(&format!("/r/{trapped}")).await;
    let trapped_at = page.body.find("有人被困吗？").expect("the safety question");
    let floor_at = page
        .body
        .find("电梯停在几楼？")
        .expect("the floor question");
    assert!(trapped_at < floor_at, "danger first");
    assert!(page.body.contains("有人被困</dd>") && page.body.contains("危险"));
    // In English for a reader of English.
    let english = app.signed_in("zhang").await;
    english.get("/lang/en?back=/").await;
    let page = english.get(&format!("/r/{trapped}")).await;
    assert!(
        page.body.contains("Is anyone trapped inside?")
            && page.body.contains("Yes, someone is trapped")
    );

    // The reporter sees them; a neighbour does not.
    assert!(
        huang
            .get(&format!("/r/{trapped}"))
            .await
            .body
            .contains("有人被困吗？")
    );
    let neighbour = app
        .signed_in("sun")
        .await
        .get(&format!("/r/{trapped}"))
        .await;
    assert_eq!(neighbour.status, 200);
    assert!(!neighbour.body.contains("有人被困吗？"));

    // And through the API.
    let json: Value = serde_json::from_str(
        &huang
            .get_json(&format!("/api/v1/requests/{trapped}"))
            .await
            .body,
    )
    .expect("json");
    assert_eq!(json["answers"][0]["code"], "trapped", "{}", json["answers"]);
    assert_eq!(json["answers"][0]["urgent"], true);
    assert_eq!(json["answers"][1]["answer"], "3");
}

async fn the_team_knows_who_reported_by_their_account(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let form = huang.get("/report/light").await;
    assert!(
        form.body.contains("value=\"黄奶奶\""),
        "the form offers her name"
    );
    let sent = huang
        .report(
            &[
                ("category", "light"),
                ("place", "PAVILION"),
                ("description", "凉亭灯坏了（没填称呼）"),
                ("name", ""),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let code = sent.code();
    let zhang = app.signed_in("zhang").await;
    let page = zhang.get(&format!("/r/{code}")).await;
    assert!(
        page.body.contains("<dd>黄奶奶</dd>"),
        "the reporter is named"
    );
    assert!(page.body.contains("黄奶奶 (huang)"), "by their account");
    assert!(
        page.body.contains("1号楼101") || page.body.contains("B1-101"),
        "and their flat"
    );
    let json: Value = serde_json::from_str(
        &zhang
            .get_json(&format!("/api/v1/requests/{code}"))
            .await
            .body,
    )
    .expect("json");
    assert_eq!(json["reporter_name"], "黄奶奶");
    // An anonymous report stays anonymous to the team.
    let hidden = huang
        .report(
            &[
                ("category", "light"),
                ("place", "PAVILION"),
                ("description", "凉亭灯又坏了（匿名）"),
                ("visibility", "anonymous"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    let page = zhang.get(&format!("/r/{hidden}")).await;
    assert!(!page.body.contains("黄奶奶") && !page.body.contains("(huang)"));

    // Solved: she is asked to confirm and rate her own request, not told
    // as if she only followed it.
    let resolved = zhang
        .act(&code, &[("action", "resolve"), ("message", "灯修好了")])
        .await;
    assert_eq!(resolved.status, 303, "{}", resolved.body);
    let news = huang.get("/my").await.body;
    assert!(news.contains("工作组说您的诉求已经办好了。请告诉我们是否真的解决了，并打个分。"));
    assert!(!news.contains("您关注的诉求已办结"));
}

/// A handler reading Chinese picks a ready answer for a resident who wrote
/// in English: the answer is offered in English.
async fn a_ready_answer_is_in_the_residents_language(app: Arc<TestApp>) {
    let sun = app.signed_in("sun").await;
    let sent = sun
        .report(
            &[
                ("category", "lift"),
                ("place", "B3"),
                (
                    "description",
                    "The lift in building 3 makes a grinding noise",
                ),
                ("attribute[trapped]", "no"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let code = sent.code();
    let (id, text_zh, text_en): (i64, String, String) = grassroots::on_db!(&app.db, |pool| sqlx::query_as(
        "SELECT t.id, t.text_zh, t.text_en FROM response_templates t JOIN categories c ON c.id = t.category_id \
         WHERE c.code = 'lift' AND t.text_en <> '' ORDER BY t.id LIMIT 1"
    )
    .fetch_one(pool)
    .await)
    .expect("a ready answer for lifts in the demo");
    let zhang = app.signed_in("zhang").await;
    let page = zhang.get(&format!("/r/{code}?template={id}")).await;
    assert!(page.body.contains("工作组"), "zhang reads Chinese");
    let text_en = text_en.replace('\'', "&#39;").replace('"', "&quot;");
    assert!(
        page.body.contains(&text_en),
        "offered in English: {text_en}"
    );
    assert!(!page.body.contains(&format!(">{text_zh}<")));
    // Chinese labels take a full-width colon.
    let start: String = text_zh.chars().take(4).collect();
    assert!(page.body.contains(&format!("：{start}")), "{start}");
}
