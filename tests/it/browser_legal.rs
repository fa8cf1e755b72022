//! The rule of law in a real browser on a 360-pixel phone, in Chinese and
//! in English: a visitor finds books by two Chinese characters; reception
//! finds Huang by her flat and lends her a book by its ISBN; Huang sees it
//! with its due date and asks for legal help; the legal team's lead gives
//! the case to Li; Huang picks Li's free hour; Li closes it with the
//! outcome; the secretary reads who opened it. Every page is checked by
//! axe-core.

use crate::browser::{
    click_to_next_page, phone_and_app, screenshot, sign_in_as, text_of, type_into,
};

async fn one(app: &crate::support::TestApp, sql: &'static str) -> String {
    grassroots::on_db!(&app.db, |pool| sqlx::query_scalar::<_, String>(sql)
        .fetch_one(pool)
        .await)
    .expect(sql)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rule_of_law_in_a_real_browser() {
    let Some((browser, app)) = phone_and_app().await else {
        return;
    };
    let c = &browser.client;

    // A visitor, in English, searches the corner with two Chinese characters.
    c.goto(&app.url("/lang/en?back=/library"))
        .await
        .expect("library");
    screenshot(c, "library-en").await;
    type_into(c, "#q", "婚姻").await;
    click_to_next_page(c, "form[role='search'] button").await;
    let found = text_of(c, "#books").await;
    assert!(found.contains("婚姻"), "{found}");
    screenshot(c, "library-found-en").await;
    c.goto(&app.url("/legal/classes")).await.expect("classes");
    screenshot(c, "legal-classes-en").await;

    // Reception, in Chinese, lends Huang a book by its ISBN.
    let isbn = one(
        &app,
        "SELECT b.isbn FROM books b WHERE b.isbn <> '' AND NOT EXISTS \
         (SELECT 1 FROM loans l WHERE l.book_id = b.id) ORDER BY b.id LIMIT 1",
    )
    .await;
    let title = one(&app, "SELECT title FROM books WHERE isbn <> '' AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.book_id = books.id) ORDER BY id LIMIT 1").await;
    sign_in_as(c, &app, "zh", "reception").await;
    c.goto(&app.url("/library/desk")).await.expect("desk");
    screenshot(c, "library-desk-zh").await;
    type_into(c, "#find", "B1-101").await;
    click_to_next_page(c, "form[method='get'][action='/library/desk'] button").await;
    type_into(c, "#lend-code", &isbn).await;
    click_to_next_page(c, "form:has(#lend-code) button").await;
    let said = text_of(c, "main").await;
    assert!(said.contains("已借出") && said.contains(&title), "{said}");
    screenshot(c, "library-lent-zh").await;
    c.goto(&app.url("/library/overdue")).await.expect("overdue");
    screenshot(c, "library-overdue-zh").await;

    // Huang, in English, sees it, then asks for legal help.
    sign_in_as(c, &app, "en", "huang").await;
    c.goto(&app.url("/library/mine")).await.expect("mine");
    let mine = text_of(c, "#loans").await;
    assert!(mine.contains(&title) && mine.contains("due back"), "{mine}");
    screenshot(c, "library-mine-en").await;
    c.goto(&app.url("/legal")).await.expect("legal");
    screenshot(c, "legal-en").await;
    c.goto(&app.url("/legal/new")).await.expect("ask");
    screenshot(c, "legal-new-en").await;
    type_into(
        c,
        "#description",
        "My landlord keeps my deposit after the lease ended.",
    )
    .await;
    type_into(c, "#reach_detail", "13911112222").await;
    click_to_next_page(c, "form button.big").await;
    let case_url = c.current_url().await.expect("url");
    assert!(case_url.path().starts_with("/legal/cases/"), "{case_url}");
    screenshot(c, "legal-case-asked-en").await;

    // The lead, in Chinese, gives it to Li (the first of the team listed
    // after the lead).
    sign_in_as(c, &app, "zh", "zhou").await;
    c.goto(case_url.as_str()).await.expect("case");
    screenshot(c, "legal-case-lead-zh").await;
    c.execute(
        "const s = document.getElementById('volunteer'); \
         for (const o of s.options) { if (o.text.startsWith('李律师')) { s.value = o.value; } }",
        vec![],
    )
    .await
    .expect("choose Li");
    click_to_next_page(c, "form:has(#volunteer) button").await;
    assert!(text_of(c, "main").await.contains("李律师"));

    // Huang picks Li's first free hour.
    sign_in_as(c, &app, "en", "huang").await;
    c.goto(case_url.as_str()).await.expect("case");
    screenshot(c, "legal-case-book-en").await;
    click_to_next_page(c, "form:has(input[name='slot']) button").await;
    let booked = text_of(c, "#appointments").await;
    assert!(booked.contains("李律师"), "{booked}");

    // Li closes it with the outcome.
    sign_in_as(c, &app, "zh", "li").await;
    c.goto(&app.url("/legal/slots")).await.expect("slots");
    screenshot(c, "legal-slots-zh").await;
    c.goto(case_url.as_str()).await.expect("case");
    screenshot(c, "legal-case-volunteer-zh").await;
    type_into(c, "#outcome", "建议书面催告房东，保留租赁合同和转账记录。").await;
    click_to_next_page(c, "form:has(#outcome) button").await;
    assert!(text_of(c, "#case-state").await.contains("已结案"));

    // The secretary reads who opened it, and nothing of it.
    sign_in_as(c, &app, "en", "secretary").await;
    c.goto(&app.url("/legal/log")).await.expect("log");
    let log = text_of(c, "main").await;
    assert!(log.contains("李律师") && !log.contains("deposit"), "{log}");
    screenshot(c, "legal-log-en").await;
    c.goto(&app.url("/legal/report")).await.expect("report");
    screenshot(c, "legal-report-en").await;
}
