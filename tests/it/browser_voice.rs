//! Residents' voice in a real browser on a 360-pixel phone, in Chinese and
//! in English: Ma supports the benches idea, which reaches the agenda;
//! she votes in the household poll and reads the water notice; reception
//! sees who in building 3 has not heard of it and works the moderation
//! queue; the secretary decides a good deed. On the community screen (a
//! television) the team's done answer and the approved good deed appear
//! live, without reloading. Every page is checked by axe-core.

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::browser::{
    click, click_to_next_page, open_browser_sized, phone_and_app, screenshot, sign_in_as, text_of,
    type_into,
};
use crate::support::{TestApp, photo_with_gps};

async fn look(c: &Client, app: &TestApp, lang: &str, path: &str, name: &str) {
    c.goto(&app.url(&format!("/lang/{lang}?back={path}")))
        .await
        .expect("open the page");
    screenshot(c, &format!("{name}-{lang}")).await;
}

async fn id(app: &TestApp, sql: &'static str) -> i64 {
    grassroots::on_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await)
    .expect(sql)
}

/// Waits until the screen's list holds the words, whether or not its
/// panel is the one showing: twenty looks 50 ms apart, about a second.
async fn screen_shows(s: &Client, list: &str, words: &str) {
    let script =
        format!("return (document.getElementById('{list}') || {{textContent: ''}}).textContent;");
    for _ in 0..20 {
        let text = s.execute(&script, vec![]).await.expect("read the screen");
        if text.as_str().unwrap_or_default().contains(words) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the screen's {list} did not show {words} within about a second");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn residents_voice_in_a_real_browser() {
    let Some((browser, app)) = phone_and_app().await else {
        return;
    };
    let Some(tv) = open_browser_sized(1600, 900).await else {
        return;
    };
    let c = &browser.client;
    let benches = id(&app, "SELECT id FROM ideas WHERE title LIKE '%长椅%'").await;
    let roses = id(&app, "SELECT id FROM ideas WHERE state = 'done'").await;

    // Ma, in Chinese: the ideas, the benches idea, her support.
    sign_in_as(c, &app, "zh", "ma").await;
    c.goto(&app.url("/ideas")).await.expect("ideas");
    screenshot(c, "ideas-zh").await;
    c.goto(&app.url(&format!("/ideas/{benches}")))
        .await
        .expect("idea");
    screenshot(c, "idea-zh").await;
    click_to_next_page(c, "form[action$='/support'] button").await;
    let page = text_of(c, "main").await;
    assert!(
        page.contains("您的支持已记上") && page.contains("已进入支部议程"),
        "{page}"
    );
    screenshot(c, "idea-supported-zh").await;
    // Her own idea, with words typed on the phone.
    c.goto(&app.url("/ideas/new")).await.expect("new");
    screenshot(c, "idea-new-zh").await;
    type_into(c, "#title", "楼道装扶手").await;
    type_into(c, "#body", "老人上下楼需要扶手。").await;
    click_to_next_page(c, "form button.big").await;
    assert!(text_of(c, "h1").await.contains("楼道装扶手"));
    // The household poll: one tap and vote.
    c.goto(&app.url("/polls")).await.expect("polls");
    screenshot(c, "polls-zh").await;
    click_to_next_page(c, "main .card a").await;
    screenshot(c, "poll-zh").await;
    click(c, "input[type=radio]").await;
    click_to_next_page(c, "form[action$='/vote'] button").await;
    assert!(text_of(c, "[role=status]").await.contains("您的票已计入"));
    // The water notice, marked read; then she asks to be told in person.
    c.goto(&app.url("/notices")).await.expect("notices");
    screenshot(c, "notices-zh").await;
    click_to_next_page(c, "form[action$='/read'] button").await;
    c.goto(&app.url("/recognitions")).await.expect("deeds");
    screenshot(c, "recognitions-zh").await;
    c.goto(&app.url("/recognitions/new"))
        .await
        .expect("nominate");
    screenshot(c, "recognition-new-zh").await;
    type_into(c, "#person_name", "王师傅").await;
    type_into(c, "#what", "雨夜帮我们修好了楼道灯。").await;
    click_to_next_page(c, "form button.big").await;
    assert!(text_of(c, "[role=status]").await.contains("书记会看的"));

    // Sun, in English: the same pages.
    sign_in_as(c, &app, "en", "sun").await;
    for (path, name) in [
        ("/ideas".to_string(), "ideas"),
        (format!("/ideas/{benches}"), "idea"),
        (format!("/ideas/{roses}"), "idea-done"),
        ("/ideas/we-did".to_string(), "we-did"),
        ("/ideas/new".to_string(), "idea-new"),
        ("/polls".to_string(), "polls"),
        ("/notices".to_string(), "notices"),
        ("/recognitions".to_string(), "recognitions"),
        ("/recognitions/new".to_string(), "recognition-new"),
    ] {
        look(c, &app, "en", &path, name).await;
    }
    let poll = id(&app, "SELECT MIN(id) FROM polls").await;
    look(c, &app, "en", &format!("/polls/{poll}"), "poll").await;
    // He comments on the benches idea.
    c.goto(&app.url(&format!("/ideas/{benches}")))
        .await
        .expect("idea");
    type_into(c, "#comment", "Near the willow, please.").await;
    click_to_next_page(c, "form[action$='/comments'] button").await;

    // Reception: who in building 3 has not heard of the water notice, and
    // the moderation queue.
    sign_in_as(c, &app, "zh", "reception").await;
    let water = id(
        &app,
        "SELECT id FROM notices WHERE important ORDER BY id LIMIT 1",
    )
    .await;
    for lang in ["zh", "en"] {
        look(
            c,
            &app,
            lang,
            &format!("/notices/{water}/unread?building=B3"),
            "notice-unread",
        )
        .await;
        look(c, &app, lang, "/moderation", "moderation").await;
        look(c, &app, lang, &format!("/polls/{poll}"), "poll-desk").await;
    }
    let unread = {
        c.goto(&app.url(&format!(
            "/lang/zh?back=/notices/{water}/unread?building=B3"
        )))
        .await
        .expect("list");
        text_of(c, "main").await
    };
    assert!(
        unread.contains("B3-101") && !unread.contains("马阿姨"),
        "{unread}"
    );
    click_to_next_page(c, "form[action$='/told'] button").await;

    // The secretary's pages.
    sign_in_as(c, &app, "en", "secretary").await;
    for (path, name) in [
        ("/admin/ideas", "admin-ideas"),
        ("/admin/notices", "admin-notices"),
        ("/polls/new", "poll-new"),
        ("/recognitions", "recognitions-secretary"),
        ("/dashboard", "dashboard-ideas"),
    ] {
        look(c, &app, "en", path, name).await;
        look(c, &app, "zh", path, name).await;
    }

    // The community screen, on a television: answers and good deeds appear
    // as they happen.
    let t = &tv.client;
    t.set_window_size(1600, 900).await.expect("size");
    let token: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT token FROM screens WHERE kind = 'screen' AND active ORDER BY id LIMIT 1"
    )
    .fetch_one(pool)
    .await)
    .expect("the demo's screen");
    t.goto(&app.url(&format!("/screen/{token}")))
        .await
        .expect("screen");
    t.wait()
        .for_element(Locator::Css("body.live"))
        .await
        .expect("the screen's script runs");
    screenshot(t, "screen-voice").await;
    // The page's stream starts after the last event it was drawn with, so
    // nothing written from here on can be missed.
    let zhang = app.signed_in("zhang").await;
    let ramp = id(
        &app,
        "SELECT id FROM ideas WHERE state = 'planned' ORDER BY id LIMIT 1",
    )
    .await;
    let done = zhang
        .post_multipart(
            &format!("/ideas/{ramp}/answers"),
            &[("state", "done"), ("body", "坡道修好了RP9")],
            &[photo_with_gps()],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    screen_shows(t, "idea-list", "坡道修好了RP9").await;
    let nomination = id(
        &app,
        "SELECT MAX(id) FROM recognitions WHERE state = 'proposed'",
    )
    .await;
    let secretary = app.signed_in("secretary").await;
    let approved = secretary
        .post_form(
            &format!("/recognitions/{nomination}/decide"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(approved.status, 303);
    screen_shows(t, "deed-list", "雨夜帮我们修好了楼道灯").await;
    screenshot(t, "screen-voice-live").await;
    let _ = tv.client.clone().close().await;
}
