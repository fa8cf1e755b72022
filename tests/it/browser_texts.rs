//! Text messages in a real browser on a 360-pixel phone: the secretary sets
//! up the gateway (in Chinese), a resident chooses texts (in English), the
//! gateway is down, and reception finds the news on its list and marks it
//! told. Every page is checked by axe-core.

use crate::browser::{
    click, click_to_next_page, fill, phone_and_app, screenshot, sign_in_as, text_of,
};
use crate::sms_sink::{Answer, SmsSink};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn texts_in_a_real_browser() {
    let Some((browser, app)) = phone_and_app().await else {
        return;
    };
    let c = &browser.client;
    let sink = SmsSink::start().await;

    sign_in_as(c, &app, "zh", "secretary").await;
    c.goto(&app.url("/admin/texts")).await.expect("texts");
    screenshot(c, "texts-admin-zh").await;
    fill(c, "#url", &sink.url).await;
    fill(c, "#secret", "s3cret").await;
    click_to_next_page(c, "form[action='/admin/texts'] > button").await;
    assert!(text_of(c, "main").await.contains("短信通知已开通"));
    screenshot(c, "texts-admin-on-zh").await;

    sign_in_as(c, &app, "en", "huang").await;
    c.goto(&app.url("/account/news")).await.expect("news");
    click(c, "input[name=sms][value=on]").await;
    fill(c, "#phone", "0851-86512345").await;
    click(c, "input[name=language][value=en]").await;
    click_to_next_page(c, "form[action='/account/news'] > button").await;
    assert!(
        text_of(c, "#phone-error")
            .await
            .contains("cannot receive text messages"),
        "a landline is refused"
    );
    fill(c, "#phone", "138 0013 8000").await;
    click_to_next_page(c, "form[action='/account/news'] > button").await;
    screenshot(c, "texts-chosen-en").await;

    // News for her; the gateway is down three times.
    let code: String = grassroots::on_db!(&app.db, |pool| {
        sqlx::query_scalar(
        "SELECT r.tracking_code FROM requests r JOIN accounts a ON a.id = r.reporter_account_id \
         JOIN categories c ON c.id = r.category_id \
         WHERE a.username = 'huang' AND c.code = 'lift' AND r.status = 'submitted'"
    )
    .fetch_one(pool)
    .await
    })
    .expect("huang's lift request");
    let zhang = app.signed_in("zhang").await;
    let answered = zhang
        .act(&code, &[("action", "respond"), ("message", "明天来修")])
        .await;
    assert_eq!(answered.status, 303);
    sink.answer(Answer::Fail);
    let client = grassroots::sms::gateway::client().expect("client");
    let noon = jiff::Timestamp::now().as_second() + 86_400;
    let noon = noon - noon.rem_euclid(86_400) + 4 * 3600; // 12:00 in Shanghai
    for later in [0, 61, 400] {
        grassroots::sms::send_due(&app.db, &client, &app.base, noon + later)
            .await
            .expect("send");
    }
    assert_eq!(sink.received().len(), 3);

    sign_in_as(c, &app, "zh", "reception").await;
    c.goto(&app.url("/desk#texts")).await.expect("desk");
    assert!(text_of(c, "#texts").await.contains(&code));
    screenshot(c, "texts-desk-zh").await;
    click_to_next_page(c, "#texts form button").await;
    assert!(
        c.find(fantoccini::Locator::Css("#texts")).await.is_err(),
        "told: the list is empty"
    );
}
