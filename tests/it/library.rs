//! The legal book corner: the catalogue found by two Chinese characters or
//! English words; a loan at the desk, its reminder, its one renewal and
//! its return; a hold that keeps the returned copy for the first in the
//! queue; a CSV imported whole or not at all, and exported. Bad input is
//! answered in the person's language with what they typed kept.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(
    the_catalogue_is_found_by_two_characters_and_english_words,
    a_resident_borrows_is_reminded_renews_once_and_returns,
    a_returned_copy_is_kept_for_the_first_in_the_queue,
    a_catalogue_is_imported_whole_or_not_at_all,
);

async fn scalar(app: &TestApp, sql: &'static str, bind: &str) -> i64 {
    grassroots::on_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(sql)
        .bind(bind)
        .fetch_one(pool)
        .await)
    .expect("a number")
}

async fn scalar_for(app: &TestApp, sql: &'static str, id: i64) -> i64 {
    grassroots::on_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(sql)
        .bind(id)
        .fetch_one(pool)
        .await)
    .expect("a number")
}

async fn account(app: &TestApp, username: &str) -> i64 {
    scalar(app, "SELECT id FROM accounts WHERE username = $1", username).await
}

async fn call(app: &TestApp, method: &str, path: &str, token: &str, body: Value) -> (u16, Value) {
    let client = reqwest::Client::new();
    let request = match method {
        "POST" => client.post(app.url(path)).json(&body),
        _ => client.get(app.url(path)),
    };
    let response = request
        .bearer_auth(token)
        .header("accept-language", "en")
        .send()
        .await
        .expect("call");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn books(app: &TestApp, q: &str) -> Vec<Value> {
    let url = format!("/api/v1/books?q={}", grassroots::web::forms::url_encode(q));
    app.public_json(&url)
        .await
        .as_array()
        .expect("a list of books")
        .clone()
}

/// A title of the demo corner with exactly `copies` copies, all on the shelf.
async fn title_with(app: &TestApp, copies: i64) -> Value {
    let mut page = 1;
    loop {
        let list = app.public_json(&format!("/api/v1/books?page={page}")).await;
        let list = list.as_array().expect("books").clone();
        assert!(
            !list.is_empty(),
            "no title with {copies} copies on the shelf"
        );
        if let Some(b) = list
            .iter()
            .find(|b| b["copies"] == copies && b["on_shelf"] == copies && b["isbn"] != "")
        {
            return b.clone();
        }
        page += 1;
    }
}

async fn the_catalogue_is_found_by_two_characters_and_english_words(app: Arc<TestApp>) {
    let labour = books(&app, "劳动").await;
    assert!(!labour.is_empty(), "two Chinese characters find titles");
    assert!(
        labour
            .iter()
            .all(|b| b["title"].as_str().unwrap_or("").contains("劳动")
                || b["title_alt"].as_str().unwrap_or("").contains("劳动")
                || b["author"].as_str().unwrap_or("").contains("劳动")
                || b["topic"] == "labour"),
        "{labour:?}"
    );
    let code = books(&app, "civil code").await;
    assert!(
        code.iter()
            .any(|b| b["title"].as_str().unwrap_or("").contains("民法典")),
        "English words find a Chinese title by its other title: {code:?}"
    );
    // A topic's name, in either language, finds its titles.
    let family = books(&app, "inheritance").await;
    assert!(!family.is_empty() && family.iter().any(|b| b["topic"] == "family"));
    let family_zh = books(&app, "婚姻家庭").await;
    assert!(family_zh.iter().any(|b| b["topic"] == "family"));
    // LIKE's own characters are only characters.
    assert!(books(&app, "%").await.is_empty());
    assert!(books(&app, "_").await.is_empty());
    // The page, for anyone, in both languages.
    let visitor = app.client("zh-CN");
    let page = visitor.get("/library?q=%E5%8A%B3%E5%8A%A8").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("劳动") && page.body.contains("法律图书角"));
    let page = app.client("en").get("/library?q=nothing-like-this").await;
    assert!(page.body.contains("No book matches"), "{}", page.body);
    // A topic filter narrows the list.
    let page = app.client("en").get("/library?topic=elderly").await;
    assert!(page.body.contains("Older people"));
    let one = &labour[0];
    let page = visitor.get(&format!("/library/books/{}", one["id"])).await;
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains("借给了"),
        "who has a copy is the desk's to know"
    );
}

async fn a_resident_borrows_is_reminded_renews_once_and_returns(app: Arc<TestApp>) {
    let desk = app.signed_in("reception").await;
    let book = title_with(&app, 2).await;
    let isbn = book["isbn"].as_str().expect("isbn").to_string();
    let title = book["title"].as_str().expect("title").to_string();
    let huang = account(&app, "huang").await;

    // Reception finds Huang by her flat, then lends by the scanned ISBN.
    let found = desk.get("/library/desk?find=B1-101").await;
    assert!(found.body.contains("黄奶奶"), "{}", found.body);
    let lent = desk
        .post_form(
            "/library/desk",
            &[
                ("action", "lend"),
                ("person", &huang.to_string()),
                ("code", &isbn),
            ],
        )
        .await;
    assert_eq!(lent.status, 200, "{}", lent.body);
    assert!(lent.body.contains("已借出") && lent.body.contains(&title));
    let loan_id = scalar_for(
        &app,
        "SELECT id FROM loans WHERE account_id = $1 AND returned_at IS NULL",
        huang,
    )
    .await;
    let copy: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT c.code FROM loans l JOIN book_copies c ON c.id = l.copy_id WHERE l.id = $1"
    )
    .bind(loan_id)
    .fetch_one(pool)
    .await)
    .expect("copy");

    // The same copy cannot go out twice; what was typed stays in the box.
    let sun = account(&app, "sun").await;
    let twice = desk
        .post_form(
            "/library/desk",
            &[
                ("action", "lend"),
                ("person", &sun.to_string()),
                ("code", &copy),
            ],
        )
        .await;
    assert_eq!(twice.status, 422);
    assert!(twice.body.contains("已经借出"), "{}", twice.body);
    assert!(twice.body.contains(&format!("value=\"{copy}\"")));
    // An ISBN the corner does not have, and a code no copy has.
    let desk_en = app.signed_in_speaking("reception", "en").await;
    for (code, words) in [
        ("978-0-306-40615-7", "No book with this ISBN"),
        ("B99999-9", "No copy has this code"),
        ("", "Scan or type"),
    ] {
        let refused = desk_en
            .post_form(
                "/library/desk",
                &[
                    ("action", "lend"),
                    ("person", &sun.to_string()),
                    ("code", code),
                ],
            )
            .await;
        assert_eq!(refused.status, 422, "{code}");
        assert!(refused.body.contains(words), "{code}: {}", refused.body);
    }

    // Huang sees it with its due date.
    let resident = app.signed_in("huang").await;
    let mine = resident.get("/library/mine").await;
    assert!(
        mine.body.contains(&title) && mine.body.contains("请于"),
        "{}",
        mine.body
    );

    // Late: on the team's overdue list.
    grassroots::on_db!(&app.db, |pool| sqlx::query(
        "UPDATE loans SET due_at = $1 WHERE id = $2"
    )
    .bind(grassroots::db::now() - 3 * 86_400)
    .bind(loan_id)
    .execute(pool)
    .await
    .map(|_| ()))
    .expect("late");
    let late = desk.get("/library/overdue").await;
    assert!(
        late.body.contains("黄奶奶") && late.body.contains(&title),
        "{}",
        late.body
    );

    // Two days before the due date she is told, once.
    let soon = grassroots::db::now() + 86_400;
    grassroots::on_db!(&app.db, |pool| sqlx::query(
        "UPDATE loans SET due_at = $1 WHERE id = $2"
    )
    .bind(soon)
    .bind(loan_id)
    .execute(pool)
    .await
    .map(|_| ()))
    .expect("due soon");
    grassroots::library::loans::sweep(&app.db)
        .await
        .expect("sweep");
    grassroots::library::loans::sweep(&app.db)
        .await
        .expect("sweep again");
    let told = scalar_for(
        &app,
        "SELECT COUNT(*) FROM notifications WHERE account_id = $1 AND message_key = 'notify-library-due'",
        huang,
    )
    .await;
    assert_eq!(told, 1);

    // One renewal; a second is refused with the reason.
    let renewed = resident
        .post_form(&format!("/library/loans/{loan_id}/renew"), &[])
        .await;
    assert_eq!(renewed.status, 303, "{}", renewed.body);
    let again = resident
        .post_form(&format!("/library/loans/{loan_id}/renew"), &[])
        .await;
    assert_eq!(again.status, 409);
    assert!(again.body.contains("续借过一次"), "{}", again.body);
    // Someone else's loan is not hers to renew.
    let other = app.signed_in("sun").await;
    let not_hers = other
        .post_form(&format!("/library/loans/{loan_id}/renew"), &[])
        .await;
    assert_eq!(not_hers.status, 404);

    // Back at the desk by the copy's code.
    let back = desk
        .post_form(
            "/library/desk",
            &[("action", "return"), ("code", &copy.to_lowercase())],
        )
        .await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert!(back.body.contains("已还书"));
    let again = desk
        .post_form("/library/desk", &[("action", "return"), ("code", &copy)])
        .await;
    assert!(again.body.contains("没有借出"), "{}", again.body);

    // Her own-data download holds the loan.
    let data = resident.get("/account/data.json").await;
    let data: Value = serde_json::from_str(&data.body).expect("json");
    let loans = &data["book_loans"]["loans"];
    assert!(
        loans
            .as_array()
            .is_some_and(|l| l.iter().any(|l| l["title"] == title.as_str())),
        "{data}"
    );

    // A resident does not run the desk.
    assert_eq!(resident.get("/library/desk").await.status, 403);
    assert_eq!(resident.get("/library/overdue").await.status, 403);
}

async fn a_returned_copy_is_kept_for_the_first_in_the_queue(app: Arc<TestApp>) {
    let desk = app.api_token("reception").await;
    let book = title_with(&app, 1).await;
    let id = book["id"].as_i64().expect("id");
    let isbn = book["isbn"].as_str().expect("isbn").to_string();

    let (status, loan) = call(
        &app,
        "POST",
        "/api/v1/loans",
        &desk,
        json!({"code": isbn, "username": "huang"}),
    )
    .await;
    assert_eq!(status, 201, "{loan}");
    assert_eq!(loan["borrower"], "黄奶奶");

    // Sun, then Ma, join the queue; a second try is refused.
    let sun = app.signed_in("sun").await;
    let ma = app.signed_in("ma").await;
    assert_eq!(
        sun.post_form(&format!("/library/books/{id}/hold"), &[])
            .await
            .status,
        303
    );
    assert_eq!(
        ma.post_form(&format!("/library/books/{id}/hold"), &[])
            .await
            .status,
        303
    );
    assert_eq!(
        sun.post_form(&format!("/library/books/{id}/hold"), &[])
            .await
            .status,
        409
    );
    let queue = ma.get("/library/mine").await;
    assert!(queue.body.contains("前面还有 1 人"), "{}", queue.body);

    // Someone waits: Huang cannot renew.
    let huang = app.signed_in("huang").await;
    let refused = huang
        .post_form(&format!("/library/loans/{}/renew", loan["id"]), &[])
        .await;
    assert_eq!(refused.status, 409);
    assert!(refused.body.contains("有人在排队"));

    // It comes back by its ISBN: the copy is kept for Sun, who is told.
    let (status, back) = call(
        &app,
        "POST",
        "/api/v1/loans/return",
        &desk,
        json!({"code": isbn}),
    )
    .await;
    assert_eq!(status, 200, "{back}");
    let sun_id = account(&app, "sun").await;
    let told = scalar_for(
        &app,
        "SELECT COUNT(*) FROM notifications WHERE account_id = $1 AND message_key = 'notify-library-hold-ready'",
        sun_id,
    )
    .await;
    assert_eq!(told, 1);
    // Ma cannot have it; Sun can.
    let (status, said) = call(
        &app,
        "POST",
        "/api/v1/loans",
        &desk,
        json!({"code": isbn, "username": "ma"}),
    )
    .await;
    assert_eq!(status, 409, "{said}");
    assert_eq!(said["error"]["code"], "conflict");
    let (status, lent) = call(
        &app,
        "POST",
        "/api/v1/loans",
        &desk,
        json!({"code": isbn, "username": "sun"}),
    )
    .await;
    assert_eq!(status, 201, "{lent}");
    // Returning nothing, or an unknown copy: clear answers, never a 500.
    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/loans/return",
        &desk,
        json!({"code": ""}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/loans/return",
        &desk,
        json!({"code": "NOPE-1"}),
    )
    .await;
    assert_eq!(status, 422);
    // The open loans are the desk's; a resident's token is refused.
    let (status, open) = call(&app, "GET", "/api/v1/loans", &desk, Value::Null).await;
    assert_eq!(status, 200);
    assert!(open.as_array().is_some_and(|l| {
        l.iter()
            .any(|l| l["borrower"] == "孙先生" || l["title"] == book["title"])
    }));
    let resident = app.api_token("sun").await;
    let (status, _) = call(&app, "GET", "/api/v1/loans", &resident, Value::Null).await;
    assert_eq!(status, 403);
}

async fn a_catalogue_is_imported_whole_or_not_at_all(app: Arc<TestApp>) {
    let desk = app.signed_in_speaking("reception", "en").await;
    let count = || {
        scalar(
            &app,
            "SELECT COUNT(*) FROM books WHERE title LIKE $1",
            "%测试书%",
        )
    };
    let broken = "isbn,title,author,topic,copies\n\
                  9780306406157,测试书一,作者甲,family,2\n\
                  ,测试书二,作者乙,劳动与就业,1\n\
                  978-7-111-11111-0,测试书三,作者丙,family,1\n\
                  ,测试书四,作者丁,astrology,99\n";
    let refused = desk
        .post_multipart("/library/import", &[("text", broken)], &[])
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("Nothing was imported"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("<td>4</td><td>isbn</td>"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("<td>5</td><td>topic</td>"));
    assert!(refused.body.contains("<td>5</td><td>copies</td>"));
    assert!(refused.body.contains("测试书一"), "what was pasted stays");
    assert_eq!(count().await, 0, "nothing half-imported");

    let good = "isbn,title,author,topic,copies\n\
                9780306406157,测试书一,作者甲,family,2\n\
                ,测试书二,作者乙,劳动与就业,1\n";
    let done = desk
        .post_multipart("/library/import", &[("text", good)], &[])
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("2 books were added"));
    assert_eq!(count().await, 2);
    let labour = books(&app, "测试书二").await;
    assert_eq!(labour[0]["topic"], "labour", "a topic by its Chinese name");
    // The same file again: its ISBN is already there.
    let again = desk
        .post_multipart("/library/import", &[("text", good)], &[])
        .await;
    assert_eq!(again.status, 422);
    assert_eq!(count().await, 2);

    // The export reads back as CSV with the import's columns.
    let export = app.anonymous().get("/library/export.csv").await;
    assert_eq!(export.status, 200);
    let mut reader =
        csv::Reader::from_reader(export.body.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().expect("headers").clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "isbn",
            "title",
            "title_alt",
            "author",
            "topic",
            "language",
            "copies",
            "shelf"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert!(rows.len() >= 50, "the demo's titles and ours");
    assert!(
        rows.iter()
            .any(|r| &r[1] == "测试书一" && &r[0] == "9780306406157" && &r[6] == "2")
    );

    // A resident does not keep the catalogue.
    let resident = app.signed_in("huang").await;
    assert_eq!(
        resident
            .post_multipart("/library/import", &[("text", good)], &[])
            .await
            .status,
        403
    );
    assert_eq!(resident.get("/library/new").await.status, 403);
}
