//! The district in a real browser on a 360-pixel phone, in English and in
//! Chinese: the street office sees its estates ranked, ranks them another
//! way and opens one read-only; the secretary sets up the next community,
//! works in it, and switches back; signing in again, she is first asked
//! which community she works in. Every page is checked by axe-core.

use crate::browser::{click_to_next_page, fill, phone_and_app, screenshot, sign_in_as, text_of};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_district_in_a_real_browser() {
    let Some((browser, app)) = phone_and_app().await else {
        return;
    };
    let c = &browser.client;

    // Tang, of the Jinyang street office, in English.
    sign_in_as(c, &app, "en", "tang").await;
    assert_eq!(
        c.current_url().await.expect("url").path(),
        "/district",
        "an office's staff land on their figures"
    );
    let streets = text_of(c, "#district-streets").await;
    assert!(streets.contains("Jinyang Street"), "{streets}");
    assert!(
        !text_of(c, "main").await.contains("The whole district"),
        "a street's office sees its street, not the district's total"
    );
    screenshot(c, "district-en").await;
    click_to_next_page(c, "a[href$='by=overdue']").await;
    assert!(text_of(c, "main").await.contains("Ranked by"));
    click_to_next_page(
        c,
        "#district-communities a[href='/district/communities/jinyuan']",
    )
    .await;
    let page = text_of(c, "main").await;
    assert!(
        page.contains("Jinyuan Estate") && page.contains("to read"),
        "{page}"
    );
    assert!(
        c.find(fantoccini::Locator::Css("main form")).await.is_err(),
        "read-only: no form on a community's district page"
    );
    screenshot(c, "district-community-en").await;

    // The secretary, in Chinese, sets up the next community and works in it.
    sign_in_as(c, &app, "zh", "secretary").await;
    c.goto(&app.url("/admin/communities/new"))
        .await
        .expect("new community");
    screenshot(c, "district-new-community-zh").await;
    // A code with a space: said, and what she typed is kept.
    fill(c, "#code", "he xie").await;
    fill(c, "#name_zh", "和谐小区").await;
    fill(c, "#name_en", "Hexie Estate").await;
    click_to_next_page(c, "form.stack button").await;
    assert!(text_of(c, "main").await.contains("请用 1 到 24 个字母"));
    screenshot(c, "district-new-community-mistake-zh").await;
    fill(c, "#code", "hexie").await;
    click_to_next_page(c, "form.stack button").await;
    assert!(
        text_of(c, "body").await.contains("和谐小区"),
        "working in the new community"
    );
    c.goto(&app.url("/my/communities"))
        .await
        .expect("my communities");
    assert!(
        text_of(c, "#my-communities")
            .await
            .contains("您现在在这里工作")
    );
    screenshot(c, "district-my-communities-zh").await;
    click_to_next_page(c, "#my-communities form button").await;
    assert!(text_of(c, "body").await.contains("金苑"), "back in Jinyuan");

    // Signing in again, she first chooses where she works.
    sign_in_as(c, &app, "zh", "secretary").await;
    assert_eq!(
        c.current_url().await.expect("url").path(),
        "/my/communities"
    );
}
