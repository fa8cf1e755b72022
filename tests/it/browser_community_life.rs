//! In a real browser on a 360-pixel phone, in Chinese and in English: a
//! resident finds the daily tai chi class and signs up, books the dance
//! room with a tap on a free hour, and sees both under "My activities"; an
//! organiser makes a weekly class and opens its attendance list; the
//! secretary sets a room's rules. Every page is checked by axe-core.

use fantoccini::Client;

use crate::browser::{click, click_to_next_page, phone_and_app, screenshot, sign_in_as, text_of};

/// Opens a page in a language and checks it as a person would.
async fn look(c: &Client, app: &crate::support::TestApp, lang: &str, path: &str, name: &str) {
    c.goto(&app.url(&format!("/lang/{lang}?back={path}")))
        .await
        .expect("open the page");
    screenshot(c, &format!("{name}-{lang}")).await;
}

fn next_week() -> String {
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone");
    let today = jiff::Timestamp::now().to_zoned_datetime(tz).date();
    today
        .checked_add(jiff::Span::new().days(7))
        .expect("day")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn community_life_in_a_real_browser() {
    let Some((browser, app)) = phone_and_app().await else {
        return;
    };
    let c = &browser.client;

    // Huang, in Chinese: the activities, the tai chi class, a sign-up.
    sign_in_as(c, &app, "zh", "huang").await;
    c.goto(&app.url("/activities")).await.expect("activities");
    screenshot(c, "activities-zh").await;
    assert!(text_of(c, "main").await.contains("太极拳"));
    click_to_next_page(c, "main .card a").await;
    screenshot(c, "activity-zh").await;
    // The first time still open: the page comes back with her place on it.
    click_to_next_page(c, "form[action$='/signup'] button").await;
    assert!(
        text_of(c, "main").await.contains("已报名"),
        "the time shows her place"
    );

    // The dance room next week: a tap on a free hour books it.
    c.goto(&app.url("/rooms")).await.expect("rooms");
    screenshot(c, "rooms-zh").await;
    c.goto(&app.url(&format!("/rooms/dance?week={}", next_week())))
        .await
        .expect("week");
    screenshot(c, "room-week-zh").await;
    click_to_next_page(c, ".slot-free button").await;
    let said = text_of(c, "[role=status]").await;
    assert!(said.contains("已预约"), "{said}");
    screenshot(c, "room-booked-zh").await;
    c.goto(&app.url("/activities/mine")).await.expect("mine");
    let mine = text_of(c, "main").await;
    assert!(mine.contains("太极拳") && mine.contains("舞蹈室"), "{mine}");
    screenshot(c, "activities-mine-zh").await;

    // Sun, in English: the same pages.
    sign_in_as(c, &app, "en", "sun").await;
    for (path, name) in [
        ("/activities".to_string(), "activities"),
        ("/activities/mine".to_string(), "activities-mine"),
        ("/rooms".to_string(), "rooms"),
        (format!("/rooms/dance?week={}", next_week()), "room-week"),
    ] {
        look(c, &app, "en", &path, name).await;
    }
    c.goto(&app.url("/activities")).await.expect("activities");
    click_to_next_page(c, "main .card a").await;
    screenshot(c, "activity-en").await;

    // Wu, who organises the recreation group's classes: a weekly class.
    sign_in_as(c, &app, "en", "wu").await;
    c.goto(&app.url("/activities/new")).await.expect("new");
    screenshot(c, "activity-new-en").await;
    crate::browser::type_into(c, "#title_zh", "模型制作").await;
    crate::browser::type_into(c, "#title_en", "Model making").await;
    click(c, "input[name=repeat][value=weekly]").await;
    click(c, "input[name=day_SA]").await;
    click_to_next_page(c, "form.stack > button").await;
    let page = text_of(c, "main").await;
    assert!(
        page.contains("Model making") && page.contains("Every week on Sat"),
        "{page}"
    );
    click_to_next_page(c, "a[href^='/activities/occurrences/']").await;
    screenshot(c, "occurrence-en").await;
    let occurrence = c.current_url().await.expect("url").path().to_string();
    look(c, &app, "zh", &occurrence, "occurrence").await;
    look(c, &app, "zh", "/activities/new", "activity-new").await;
    let activity: i64 = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT id FROM activities WHERE title_zh = '模型制作'"
    )
    .fetch_one(pool)
    .await)
    .expect("made");
    for lang in ["zh", "en"] {
        look(
            c,
            &app,
            lang,
            &format!("/activities/{activity}/attendance"),
            "attendance",
        )
        .await;
    }

    // Reception's calls to walk-ins about cancelled or moved times.
    sign_in_as(c, &app, "zh", "reception").await;
    for lang in ["zh", "en"] {
        look(c, &app, lang, "/activities/calls", "activity-calls").await;
    }

    // The secretary's rooms.
    sign_in_as(c, &app, "en", "secretary").await;
    for lang in ["en", "zh"] {
        look(c, &app, lang, "/admin/rooms", "admin-rooms").await;
    }
    // The kiosk's list of today's activities, for anyone passing.
    let kiosk: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT token FROM screens WHERE kind = 'kiosk'"
    )
    .fetch_one(pool)
    .await)
    .expect("kiosk");
    c.delete_all_cookies().await.expect("nobody signed in");
    for lang in ["zh", "en"] {
        look(
            c,
            &app,
            lang,
            &format!("/kiosk/{kiosk}/activities"),
            "kiosk-activities",
        )
        .await;
    }
    let _ = browser.client.clone().close().await;
}
