//! Volunteers and care in a real browser on a 360-pixel phone, in Chinese
//! and in English: a volunteer signs up for a shift and asks a teammate to
//! swap, who accepts; she checks in to the patrol going on now; reception
//! sees who is on duty and hands her a request, which she closes from her
//! phone; she sees her hours and prints her certificate; the care lead
//! sees the overdue visit's alert, records a visit and the visit rate
//! moves; a resident presses "I'm fine" at the kiosk and on the phone.
//! Every page is checked by axe-core.

use crate::browser::{
    choose, click_to_next_page, fill, phone_and_app, screenshot, sign_in_as, text_of, type_into,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn volunteers_and_care_in_a_real_browser() {
    let Some((browser, app)) = phone_and_app().await else {
        return;
    };
    let c = &browser.client;
    let chen = app.account_id("chen").await;

    // Zhao, in English, signs up for an evening patrol and asks Chen, her
    // team's lead, to take it instead.
    sign_in_as(c, &app, "en", "zhao").await;
    c.goto(&app.url("/volunteers")).await.expect("volunteers");
    screenshot(c, "volunteers-en").await;
    click_to_next_page(c, "#roster form button").await;
    let said = text_of(c, "main").await;
    assert!(said.contains("You are on the shift."), "{said}");
    screenshot(c, "volunteers-shift-en").await;
    choose(c, "#to", &chen.to_string()).await;
    click_to_next_page(c, "form:has(#to) button").await;
    assert!(text_of(c, "main").await.contains("Asked."));

    // Chen, in Chinese, takes it.
    sign_in_as(c, &app, "zh", "chen").await;
    c.goto(&app.url("/volunteers")).await.expect("volunteers");
    assert!(text_of(c, "#swaps").await.contains("请您接这个班"));
    screenshot(c, "volunteers-swap-zh").await;
    click_to_next_page(c, "#swaps form:has(input[value='1']) button").await;
    assert!(text_of(c, "main").await.contains("已保存"));
    // The Red Armband lead's pages, in Chinese.
    c.goto(&app.url("/volunteers/shifts/new"))
        .await
        .expect("new shifts");
    screenshot(c, "volunteers-new-shift-zh").await;
    c.goto(&app.url("/volunteers/report"))
        .await
        .expect("report");
    screenshot(c, "volunteers-report-zh").await;

    // Zhao checks in to the patrol going on now.
    let patrol = app
        .number(
            "SELECT s.id FROM shifts s JOIN shift_signups g ON g.shift_id = s.id JOIN accounts a ON a.id = g.account_id \
             WHERE a.username = 'zhao' AND s.starts_at <= $1 AND s.ends_at > $1",
            grassroots::db::now(),
        )
        .await;
    sign_in_as(c, &app, "en", "zhao").await;
    c.goto(&app.url(&format!("/volunteers/shifts/{patrol}")))
        .await
        .expect("patrol");
    click_to_next_page(c, "form:has(input[value='checkin']) button").await;
    assert!(text_of(c, "main").await.contains("checked in at"));
    screenshot(c, "volunteers-checked-in-en").await;

    // Reception, in Chinese, sees her on duty and hands her Huang's request.
    let filed = app
        .signed_in("huang")
        .await
        .report(
            &[
                ("category", "help"),
                ("place", "B1-101"),
                ("description", "家里水龙头拧不紧，想请人看看。"),
            ],
            &[],
        )
        .await;
    let code = filed.code();
    sign_in_as(c, &app, "zh", "reception").await;
    c.goto(&app.url("/duty")).await.expect("duty");
    assert!(text_of(c, "#on-duty").await.contains("赵阿姨"));
    screenshot(c, "duty-zh").await;
    type_into(c, "#code", &code).await;
    click_to_next_page(c, "form[action='/duty'] button").await;
    assert!(text_of(c, "main").await.contains("已交办"));

    // Zhao closes it from her phone.
    sign_in_as(c, &app, "en", "zhao").await;
    let task = app.task_for(&code).await;
    c.goto(&app.url("/volunteers")).await.expect("volunteers");
    click_to_next_page(c, &format!("#tasks a[href='/volunteers/tasks/{task}']")).await;
    let task = text_of(c, "main").await;
    assert!(task.contains("水龙头"), "{task}");
    screenshot(c, "duty-task-en").await;
    fill(c, "#note", "Tightened the tap; it no longer drips.").await;
    click_to_next_page(c, "form:has(#note) button").await;
    assert!(
        text_of(c, "main")
            .await
            .contains("The resident is asked to confirm")
    );
    c.goto(&app.url("/volunteers/hours")).await.expect("hours");
    screenshot(c, "volunteers-hours-en").await;
    c.goto(&app.url("/volunteers/hours/certificate"))
        .await
        .expect("certificate");
    assert!(text_of(c, "#certificate").await.contains("赵阿姨"));
    screenshot(c, "volunteers-certificate-en").await;

    // The care lead, in Chinese: Huang's visit is overdue and alerted; a
    // visit clears it and the rate moves.
    sign_in_as(c, &app, "zh", "wu").await;
    c.goto(&app.url("/care")).await.expect("care");
    assert!(text_of(c, "#visit-rate").await.contains("67%"));
    assert!(text_of(c, "#alerts").await.contains("黄奶奶"));
    screenshot(c, "care-dashboard-zh").await;
    click_to_next_page(c, "#alerts a").await;
    assert!(text_of(c, "#plan-alert").await.contains("已错过联系"));
    screenshot(c, "care-plan-zh").await;
    fill(c, "#contact-note", "上门看过，血压正常。").await;
    click_to_next_page(c, "#record-contact").await;
    c.goto(&app.url("/care")).await.expect("care");
    assert!(text_of(c, "#visit-rate").await.contains("100%"));
    c.goto(&app.url("/care/new?find=B3-202"))
        .await
        .expect("new plan");
    screenshot(c, "care-new-zh").await;

    // At the kiosk, in Chinese, a resident says she is fine.
    let kiosk = app
        .number("SELECT id FROM screens WHERE kind = 'kiosk' AND $1 = $1", 0)
        .await;
    let token: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT token FROM screens WHERE id = $1"
    )
    .bind(kiosk)
    .fetch_one(pool)
    .await)
    .expect("kiosk token");
    c.delete_all_cookies().await.expect("nobody signed in");
    c.goto(&app.url(&format!("/lang/zh?back=/kiosk/{token}")))
        .await
        .expect("kiosk");
    click_to_next_page(c, &format!("a[href='/kiosk/{token}/fine']")).await;
    screenshot(c, "kiosk-fine-zh").await;
    type_into(c, "#phone", "13800138000").await;
    click_to_next_page(c, "#kiosk-fine").await;
    assert!(text_of(c, "#kiosk-said").await.contains("谢谢"));
    screenshot(c, "kiosk-fine-thanks-zh").await;

    // Huang, in English, on her phone.
    sign_in_as(c, &app, "en", "huang").await;
    c.goto(&app.url("/care")).await.expect("care");
    screenshot(c, "care-own-en").await;
    click_to_next_page(c, "#im-fine").await;
    assert!(
        text_of(c, "main")
            .await
            .contains("Your carer knows you are fine")
    );

    // The secretary reads who opened care records.
    sign_in_as(c, &app, "en", "secretary").await;
    c.goto(&app.url("/care/log")).await.expect("log");
    assert!(text_of(c, "#care-log").await.contains("吴老师"));
    screenshot(c, "care-log-en").await;
    c.goto(&app.url("/volunteers/teams")).await.expect("teams");
    screenshot(c, "volunteers-teams-en").await;
}
