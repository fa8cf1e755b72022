//! In a real browser: the team reads the category answers (danger first)
//! and the reporter's household on the request page; a resident with only
//! the secret link from the desk answers the team's question and keeps the
//! link. Every page is checked by axe-core.

use fantoccini::Locator;

use crate::browser::{
    click_to_next_page, phone_and_app, screenshot, sign_in_as, text_of, type_into,
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
    assert!(staff.contains("黄奶奶 (huang)"), "{staff}");
    screenshot(c, "staff-answers-zh").await;

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
    click_to_next_page(c, "form[action$='/reply'] button").await;
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
