//! A voice message in a real browser: at the kiosk, a resident taps the big
//! button, speaks (Chromium's fake microphone plays a tone), taps again and
//! sends it with no words typed; the property lead opens the request on a
//! phone, plays the recording, and writes its summary — in Chinese, then in
//! English. Every page is checked by axe-core.

use std::time::Duration;

use fantoccini::Locator;

use crate::browser::{
    click, click_to_next_page, fill, phone_and_app, screenshot, sign_in_as, text_of,
};

async fn wait_for_value(c: &fantoccini::Client, css: &str) -> String {
    for _ in 0..200 {
        let value = c
            .find(Locator::Css(css))
            .await
            .expect("the field")
            .prop("value")
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        if !value.is_empty() {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = text_of(c, ".voice-status").await;
    panic!("the recording was not kept: {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voice_message_from_the_kiosk_is_played_on_the_staff_page() {
    let Some((browser, app)) = phone_and_app().await else {
        return;
    };
    let c = &browser.client;
    let kiosk = crate::screen::token(&app, "kiosk").await;

    c.goto(&app.url(&format!("/lang/zh?back=/kiosk/{kiosk}/water")))
        .await
        .expect("the kiosk");
    c.wait()
        .for_element(Locator::Css(".voice:not([hidden]) button.record"))
        .await
        .expect("the record button, where the browser can record");
    screenshot(c, "voice-kiosk").await;

    // Tap, speak, tap again.
    click(c, "button.record").await;
    let mut said = String::new();
    for _ in 0..100 {
        said = text_of(c, ".voice-status").await;
        if said.contains("正在录音") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        said.contains("正在录音"),
        "the kiosk says it is recording: {said}"
    );
    tokio::time::sleep(Duration::from_millis(2500)).await;
    click(c, "button.record").await;
    let key = wait_for_value(c, "#voice-key").await;
    assert!(key.len() > 10);
    let said = text_of(c, ".voice-status").await;
    assert!(said.contains("录好了"), "{said}");
    screenshot(c, "voice-kiosk-recorded").await;

    click(c, "input[name=place][value=FOYER]").await;
    click_to_next_page(c, "#send").await;
    let code = text_of(c, "#code").await.replace(' ', "");
    assert!(!code.is_empty(), "the kiosk gives a code");
    let (description, seconds): (String, i64) = grassroots::on_db!(&app.db, |pool| sqlx::query_as(
        "SELECT r.description, v.duration_ms / 1000 FROM requests r \
             JOIN recordings v ON v.request_id = r.id WHERE r.tracking_code = $1"
    )
    .bind(&code)
    .fetch_one(pool)
    .await)
    .expect("the request and its recording");
    assert_eq!(description, grassroots::requests::recordings::VOICE_ONLY);
    assert!((1..=4).contains(&seconds), "{seconds} s");

    // The property lead plays it.
    sign_in_as(c, &app, "zh", "zhang").await;
    c.goto(&app.url(&format!("/r/{code}"))).await.expect("page");
    let heard = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const a = document.querySelector('.voice-messages audio');
             if (!a) { done(['no player']); return; }
             if (a.autoplay) { done(['autoplay']); return; }
             a.play().then(() => setTimeout(() =>
                 done([a.error ? 'error ' + a.error.code : 'ok', a.currentTime]), 1200))
               .catch(e => done(['play failed: ' + e]));",
            vec![],
        )
        .await
        .expect("play");
    assert_eq!(heard[0], "ok", "{heard}");
    assert!(
        heard[1].as_f64().unwrap_or(0.0) > 0.2,
        "the recording plays: {heard}"
    );
    screenshot(c, "voice-staff-zh").await;

    fill(c, "#summary", "大厅洗手间漏水").await;
    click_to_next_page(c, ".voice-messages form button").await;
    assert!(text_of(c, ".description").await.contains("大厅洗手间漏水"));
    assert!(text_of(c, ".summary-by").await.contains("根据语音留言整理"));

    // In English.
    c.goto(&app.url(&format!("/lang/en?back=/r/{code}")))
        .await
        .expect("English");
    assert_eq!(text_of(c, "#voice-title").await, "Voice messages");
    assert!(
        text_of(c, ".summary-by")
            .await
            .contains("from the voice message")
    );
    screenshot(c, "voice-staff-en").await;
}
