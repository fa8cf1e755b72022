//! In a real browser: the team reads the category answers (danger first)
//! and the reporter's household on the request page; a resident with only
//! the secret link from the desk answers the team's question and keeps the
//! link. Every page is checked by axe-core.

use fantoccini::Locator;

use crate::browser::{
    click, click_to_next_page, phone_and_app, screenshot, sign_in_as, text_of, type_into,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_team_reads_the_answers_and_a_resident_replies_by_link() {
    let Some((browser, app)) = phone_and_app().await else {
        return;
    };
    let c = &browser.client;

    // Huang reports a stuck lift with someone inside, leaving her name out.
    let huang = app.signed_in("huang").await;
    let sent = huang
        .report(
            &[
                ("category", "lift"),
                ("place", "B1"),
                ("description", "1号楼电梯停在三楼，里面有人"),
                ("name", ""),
                ("attribute[floor]", "3"),
                ("attribute[trapped]", "yes"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let lift = sent.code();

    sign_in_as(c, &app, "zh", "zhang").await;
    c.goto(&app.url(&format!("/r/{lift}")))
        .await
        .expect("request");
    let answers = text_of(c, "section.answers").await;
    assert!(
        answers.find("有人被困吗？") < answers.find("电梯停在几楼？") && answers.contains("危险"),
        "{answers}"
    );
    let staff = text_of(c, "section.staff").await;
    assert!(
        staff.contains("黄奶奶 (huang)") && staff.contains("1号楼101室"),
        "{staff}"
    );
    screenshot(c, "staff-answers-zh").await;
    // The household's history is a tap away: a leak that keeps coming back
    // shows there.
    click_to_next_page(c, "section.staff a[href^='/queue?household=']").await;
    assert!(text_of(c, "#household-title").await.contains("1号楼101室"));
    assert!(
        c.find(Locator::Css(&format!("a[href='/r/{lift}']")))
            .await
            .is_ok(),
        "the lift report is in the household's history"
    );
    screenshot(c, "household-zh").await;

    // A walk-in at the desk; the team asks her a question.
    let (code, key) = crate::journey::walk_in_with_a_question(&app).await;

    // She opens the link from her slip on her own phone.
    c.delete_all_cookies().await.expect("a new person");
    c.goto(&app.url(&format!("/r/{code}?key={key}")))
        .await
        .expect("the secret link");
    assert_eq!(text_of(c, "blockquote.question").await, "是几楼的灯？");
    screenshot(c, "reply-by-link-zh").await;
    type_into(c, "#reply", "三楼").await;
    click_to_next_page(c, "form[action$='/reply'] > button").await;
    let url = c.current_url().await.expect("url");
    assert!(
        url.query().is_some_and(|q| q.contains(&key)),
        "the link is kept: {url}"
    );
    assert!(
        c.find(Locator::Css("blockquote.question")).await.is_err(),
        "answered: no question waits"
    );
    screenshot(c, "replied-by-link-zh").await;
}

/// A noisy picture, as large as a phone's: `width`×`height` pixels of PNG
/// that does not compress.
fn large_png(width: u32, height: u32) -> Vec<u8> {
    use image::ImageEncoder;
    let mut seed: u32 = 12_345;
    let img = image::RgbImage::from_fn(width, height, |_, _| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let [a, b, c, _] = seed.to_le_bytes();
        image::Rgb([a, b, c])
    });
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new_with_quality(
        &mut png,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::NoFilter,
    )
    .write_image(&img, width, height, image::ExtendedColorType::Rgb8)
    .expect("encode");
    png
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_too_large_to_send_lose_nothing_written() {
    let Some((browser, app)) = phone_and_app().await else {
        return;
    };
    let c = &browser.client;
    sign_in_as(c, &app, "zh", "huang").await;
    let dir = tempfile::tempdir().expect("dir");

    // A 9 MB photo straight from the phone is made smaller and goes.
    let big = dir.path().join("big.png");
    let png = large_png(2_000, 1_500);
    assert!(png.len() > 8 * 1024 * 1024, "{} bytes", png.len());
    std::fs::write(&big, png).expect("write");
    c.goto(&app.url("/report/noise")).await.expect("form");
    c.find(Locator::Css("#place"))
        .await
        .expect("place")
        .select_by_value("B5")
        .await
        .expect("select");
    type_into(c, "#description", "5号楼楼下晚上有人打牌，声音很大").await;
    type_into(c, "#photo", &big.display().to_string()).await;
    click_to_next_page(c, "form.stack button.big").await;
    if c.find(Locator::Css("#similar-title")).await.is_ok() {
        click_to_next_page(c, "form.stack button.big").await;
    }
    let code = text_of(c, ".code-big").await.replace(' ', "");
    assert_eq!(code.len(), 8, "sent");
    assert!(
        c.find(Locator::Css(".photos img")).await.is_ok(),
        "the photo went, smaller"
    );

    // A file that cannot be made smaller stops the form on the page, with
    // everything typed still there.
    let unshrinkable = dir.path().join("broken.jpg");
    std::fs::write(&unshrinkable, vec![0x5a_u8; 9 * 1024 * 1024]).expect("write");
    c.goto(&app.url("/report/noise")).await.expect("form");
    type_into(c, "#description", "晚上十点以后还很吵").await;
    type_into(c, "#photo", &unshrinkable.display().to_string()).await;
    click(c, "form.stack button.big").await;
    let problem = c
        .wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(Locator::Css(
            "#photo-problem[data-state=too-large]:not([hidden])",
        ))
        .await
        .expect("the problem is said")
        .text()
        .await
        .expect("text");
    assert!(problem.contains("照片太大"), "{problem}");
    let kept = c
        .find(Locator::Css("#description"))
        .await
        .expect("description")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(kept.as_deref(), Some("晚上十点以后还很吵"));
    assert!(
        c.current_url()
            .await
            .expect("url")
            .path()
            .starts_with("/report"),
        "still on the form"
    );
    screenshot(c, "photo-too-large-zh").await;
}

/// The words of `css` elements that a line break cuts in two.
async fn words_cut(c: &fantoccini::Client, css: &str) -> Vec<String> {
    let found = c
        .execute(
            "const cut = [];
             for (const el of document.querySelectorAll(arguments[0])) {
               const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
               for (let node = walk.nextNode(); node; node = walk.nextNode()) {
                 for (const m of node.data.matchAll(/[A-Za-z]{2,}/g)) {
                   const r = document.createRange();
                   r.setStart(node, m.index);
                   r.setEnd(node, m.index + m[0].length);
                   const lines = new Set([...r.getClientRects()].map(q => Math.round(q.top)));
                   if (lines.size > 1) cut.push(m[0]);
                 }
               }
             }
             return cut;",
            vec![serde_json::json!(css)],
        )
        .await
        .expect("measure");
    serde_json::from_value(found).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_narrow_phone_words_break_only_between_words() {
    let Some((browser, app)) = phone_and_app().await else {
        return;
    };
    let c = &browser.client;
    sign_in_as(c, &app, "en", "huang").await;
    c.goto(&app.url("/rates")).await.expect("rates");
    assert_eq!(
        words_cut(c, "th").await,
        Vec::<String>::new(),
        "/rates headings"
    );
    c.goto(&app.url("/report/lift")).await.expect("form");
    assert_eq!(
        words_cut(c, "label.option").await,
        Vec::<String>::new(),
        "the report form's choices"
    );
    screenshot(c, "report-narrow-en").await;
}
