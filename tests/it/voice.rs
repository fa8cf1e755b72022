//! Residents' voice: an idea reaches the agenda and its answers reach its
//! supporters and the screen; a household poll counts one ballot per
//! household and keeps every ballot secret; reception sees who in a
//! building has not heard of an important notice; a flagged comment is
//! hidden with a reason and its author told; a good deed shows once
//! approved. Bad input gets a message in the person's language.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::{TestApp, photo_with_gps};

on_both_engines!(
    an_idea_reaches_the_agenda_and_its_answers_reach_supporters,
    a_household_poll_counts_one_ballot_per_household_in_secret,
    reception_sees_who_in_building_3_has_not_heard,
    a_flagged_comment_is_hidden_with_a_reason_and_its_author_told,
    a_good_deed_shows_once_approved,
);

async fn scalar(app: &TestApp, sql: &'static str, bind: &str) -> i64 {
    grassroots::on_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(sql)
        .bind(bind)
        .fetch_one(pool)
        .await)
    .expect("count")
}

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let client = reqwest::Client::new();
    let url = app.url(path);
    let request = match method {
        "POST" => client.post(url),
        "DELETE" => client.delete(url),
        _ => client.get(url),
    };
    let request = request.bearer_auth(token).header("accept-language", "en");
    let request = match body {
        Some(b) => request.json(&b),
        None => request,
    };
    let response = request.send().await.expect("call");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The demo's idea one support short of its threshold.
async fn benches(app: &TestApp) -> Value {
    let ideas = app.public_json("/api/v1/ideas?view=supported").await;
    ideas
        .as_array()
        .expect("a list")
        .iter()
        .find(|i| i["title"].as_str().unwrap_or_default().contains("长椅"))
        .cloned()
        .expect("the benches idea")
}

async fn an_idea_reaches_the_agenda_and_its_answers_reach_supporters(app: Arc<TestApp>) {
    let idea = benches(&app).await;
    let id = idea["id"].as_i64().expect("id");
    let threshold = idea["threshold"].as_i64().expect("a threshold");
    assert_eq!(idea["supports"].as_i64(), Some(threshold - 1), "{idea}");
    assert!(idea["on_agenda_since"].is_null());

    // Ma supports: the threshold is reached, the property team is told.
    let ma = app.api_token("ma").await;
    let (status, body) = call(
        &app,
        "POST",
        &format!("/api/v1/ideas/{id}/support"),
        &ma,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["supports"].as_i64(), Some(threshold));
    assert_eq!(body["on_agenda"], json!(true));
    let told = scalar(
        &app,
        "SELECT COUNT(*) FROM notifications n JOIN accounts a ON a.id = n.account_id \
         WHERE n.message_key = 'notify-idea-agenda' AND a.username = $1",
        "zhang",
    )
    .await;
    assert_eq!(told, 1, "the property lead hears of it once");
    // A second support is refused, in the person's language.
    let (status, body) = call(
        &app,
        "POST",
        &format!("/api/v1/ideas/{id}/support"),
        &ma,
        None,
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(
        body["error"]["message"],
        json!("You support this idea already.")
    );
    // Taking it back and giving it again counts once, and tells nobody twice.
    let announced = scalar(
        &app,
        "SELECT COUNT(*) FROM notifications WHERE message_key = $1",
        "notify-idea-agenda",
    )
    .await;
    let (status, _) = call(
        &app,
        "DELETE",
        &format!("/api/v1/ideas/{id}/support"),
        &ma,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, body) = call(
        &app,
        "POST",
        &format!("/api/v1/ideas/{id}/support"),
        &ma,
        None,
    )
    .await;
    assert_eq!((status, body["supports"].as_i64()), (200, Some(threshold)));
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM notifications WHERE message_key = $1",
            "notify-idea-agenda"
        )
        .await,
        announced,
        "the agenda is announced once, not again"
    );

    // The property lead answers: a plan needs its day; the words stay.
    let zhang = app.signed_in("zhang").await;
    let path = format!("/ideas/{id}/answers");
    let refused = zhang
        .post_multipart(
            &path,
            &[("state", "planned"), ("body", "明年春天装XQ1")],
            &[],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("请填写计划日期"), "{}", refused.body);
    assert!(refused.body.contains("明年春天装XQ1"), "the words are kept");
    let planned = zhang
        .post_multipart(
            &path,
            &[
                ("state", "planned"),
                ("body", "明年春天装XQ1"),
                ("planned_for", "2027-04-01"),
            ],
            &[],
        )
        .await;
    assert_eq!(planned.status, 303, "{}", planned.body);
    // Every supporter is told (Huang, Sun and Zhao from the demo, and Ma).
    for who in ["huang", "sun", "zhao", "ma"] {
        let n = scalar(
            &app,
            "SELECT COUNT(*) FROM notifications n JOIN accounts a ON a.id = n.account_id \
             WHERE n.message_key = 'notify-idea-planned' AND n.detail LIKE '%长椅%' AND a.username = $1",
            who,
        )
        .await;
        assert_eq!(n, 1, "{who} is told of the plan");
    }
    // Done needs a photo of the work.
    let no_photo = zhang
        .post_multipart(&path, &[("state", "done"), ("body", "装好了")], &[])
        .await;
    assert_eq!(no_photo.status, 422);
    assert!(
        no_photo.body.contains("请附上完工照片"),
        "{}",
        no_photo.body
    );
    let done = zhang
        .post_multipart(
            &path,
            &[("state", "done"), ("body", "三张长椅装好了DN7")],
            &[photo_with_gps()],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    // A done idea takes no further answer.
    let again = zhang
        .post_multipart(
            &path,
            &[("state", "planned"), ("planned_for", "2027-05-01")],
            &[],
        )
        .await;
    assert_eq!(again.status, 422);

    let one = app.public_json(&format!("/api/v1/ideas/{id}")).await;
    assert_eq!(one["state"], json!("done"));
    assert_eq!(one["answers"].as_array().map(Vec::len), Some(2), "{one}");
    // "You said, we did", on the page and the screen's panel.
    let we_did = app.anonymous().get("/ideas/we-did").await;
    assert!(we_did.body.contains("三张长椅装好了DN7"));
    let screen_token = scalar(
        &app,
        "SELECT COUNT(*) FROM screens WHERE kind = $1",
        "screen",
    )
    .await;
    assert!(screen_token > 0);
    let events = scalar(
        &app,
        "SELECT COUNT(*) FROM live_events WHERE kind = 'idea_answered' AND payload LIKE $1",
        "%DN7%",
    )
    .await;
    assert_eq!(events, 1, "the done answer went to the screens");
    // The answer's photo is public with its idea, and stripped of GPS.
    let page = app.anonymous().get(&format!("/ideas/{id}")).await;
    let photo = page
        .body
        .split("/ideas/photos/")
        .nth(1)
        .and_then(|rest| rest.split(['?', '"']).next())
        .expect("a photo link")
        .to_string();
    let bytes = reqwest::get(app.url(&format!("/ideas/photos/{photo}")))
        .await
        .expect("photo")
        .bytes()
        .await
        .expect("bytes");
    assert!(!bytes.windows(11).any(|w| w == b"GPSLatitude"));

    // Bad input: an empty idea and a huge one, in English.
    let huang = app.api_token("huang").await;
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/ideas",
        &huang,
        Some(json!({"title": " ", "body": "x"})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"]["message"].as_str().unwrap_or_default().len() > 5);
    let (status, _) = call(
        &app,
        "POST",
        "/api/v1/ideas",
        &huang,
        Some(json!({"title": "Fine", "body": "长".repeat(2001)})),
    )
    .await;
    assert_eq!(status, 422);
    // Huang's own data holds her ideas and supports; asking for her name
    // to come off her past posts signs her ideas "a resident".
    let huang_page = app.signed_in("huang").await;
    let own = huang_page.get("/account/data.json").await;
    let own: Value = serde_json::from_str(&own.body).expect("json");
    assert!(
        own.to_string().contains("长椅"),
        "her ideas are in her data"
    );
    assert!(
        own.get("ideas").is_some() && own.get("recognitions").is_some(),
        "{own}"
    );
    assert!(
        app.anonymous()
            .get(&format!("/ideas/{id}"))
            .await
            .body
            .contains("黄奶奶")
    );
    let done = huang_page.post_form("/account/data/anonymise", &[]).await;
    assert_eq!(done.status, 303);
    let page = app.anonymous().get(&format!("/ideas/{id}")).await;
    assert!(!page.body.contains("黄奶奶") && page.body.contains("一位居民"));
    // The dashboard counts ideas.
    let secretary = app.signed_in("secretary").await;
    let dash = secretary.get("/dashboard").await;
    assert!(
        dash.body.contains("dash-ideas"),
        "the dashboard has its ideas section"
    );
}

/// The demo's household poll: its id, its question's id and its choices.
async fn poll_id(app: &TestApp) -> (i64, i64, Vec<i64>) {
    let polls = app.public_json("/api/v1/polls").await;
    let poll = &polls[0];
    let question = poll["questions"][0]["id"].as_i64().expect("a question");
    let choices = poll["questions"][0]["choices"]
        .as_array()
        .expect("choices")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    (poll["id"].as_i64().expect("id"), question, choices)
}

async fn a_household_poll_counts_one_ballot_per_household_in_secret(app: Arc<TestApp>) {
    let (id, q, choices) = poll_id(&app).await;
    let votes = format!("/api/v1/polls/{id}/votes");
    // Sun and his wife Ma share flat B3-202: the latest ballot counts.
    let sun = app.api_token("sun").await;
    let ma = app.api_token("ma").await;
    let huang = app.api_token("huang").await;
    let (status, body) = call(
        &app,
        "POST",
        &votes,
        &sun,
        Some(json!({"choices": [choices[0]]})),
    )
    .await;
    assert_eq!((status, &body["replaced"]), (201, &json!(false)), "{body}");
    let (status, body) = call(
        &app,
        "POST",
        &votes,
        &ma,
        Some(json!({"choices": [choices[1]]})),
    )
    .await;
    assert_eq!((status, &body["replaced"]), (201, &json!(true)), "{body}");
    let (status, _) = call(
        &app,
        "POST",
        &votes,
        &huang,
        Some(json!({"choices": [choices[1]]})),
    )
    .await;
    assert_eq!(status, 201);
    // Bad ballots: a choice of no question, two where one is allowed, a
    // household vote without a household.
    let (status, body) = call(
        &app,
        "POST",
        &votes,
        &huang,
        Some(json!({"choices": [999_999]})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["error"]["message"],
        json!("That choice is not in this poll.")
    );
    let (status, _) = call(
        &app,
        "POST",
        &votes,
        &huang,
        Some(json!({"choices": [choices[0], choices[1]]})),
    )
    .await;
    assert_eq!(status, 422);
    let reception = app.api_token("reception").await;
    let (status, body) = call(
        &app,
        "POST",
        &votes,
        &reception,
        Some(json!({"choices": [choices[0]]})),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("household"),
        "{body}"
    );
    // Reception records a paper ballot for a flat without an account.
    let desk = app.signed_in("reception").await;
    let paper = desk
        .post_form(
            &format!("/polls/{id}/paper"),
            &[
                ("who", "B3-101"),
                (&format!("q{q}"), &choices[2].to_string()),
            ],
        )
        .await;
    assert_eq!(paper.status, 303, "{}", paper.body);
    let unknown = desk
        .post_form(
            &format!("/polls/{id}/paper"),
            &[
                ("who", "nobody-here"),
                (&format!("q{q}"), &choices[2].to_string()),
            ],
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("找不到居民"));

    // Results are hidden while the poll runs.
    let open = app.public_json("/api/v1/polls").await;
    assert!(open[0]["ballots"].is_null(), "{open}");
    // Close it: a late ballot is refused; the results are public.
    grassroots::on_db!(&app.db, |pool| sqlx::query(
        "UPDATE polls SET closes_at = opens_at + 1 WHERE id = $1"
    )
    .bind(id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .expect("close");
    let (status, body) = call(
        &app,
        "POST",
        &votes,
        &sun,
        Some(json!({"choices": [choices[0]]})),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(
        body["error"]["message"],
        json!("The poll is closed: votes are no longer counted.")
    );
    let closed = app.public_json("/api/v1/polls").await;
    assert_eq!(
        closed[0]["ballots"],
        json!(3),
        "one per household: {closed}"
    );
    let counts: Vec<i64> = closed[0]["questions"][0]["choices"]
        .as_array()
        .expect("choices")
        .iter()
        .filter_map(|c| c["votes"].as_i64())
        .collect();
    assert_eq!(counts, vec![0, 2, 1], "Ma's ballot replaced Sun's");
    // Secret: no page says who chose what, not even to the secretary.
    let secretary = app.signed_in("secretary").await;
    for path in [
        format!("/polls/{id}"),
        "/polls".to_string(),
        "/api/v1/polls".to_string(),
    ] {
        let page = secretary.get(&path).await;
        for name in ["孙大爷", "马阿姨", "黄奶奶"] {
            assert!(!page.body.contains(name), "{path} names {name}");
        }
    }
    let mine = app.signed_in("ma").await.get("/account/data.json").await;
    assert!(mine.body.contains("poll_votes"), "{}", mine.body);
    assert!(
        !mine.body.contains("Main hall") && !mine.body.contains("主楼大厅"),
        "own data names the poll, never the choice"
    );
    // The results reach the screens once.
    assert_eq!(
        grassroots::polls::announce_closed(&app.db)
            .await
            .expect("announce"),
        1
    );
    assert_eq!(
        grassroots::polls::announce_closed(&app.db)
            .await
            .expect("again"),
        0
    );
}

async fn reception_sees_who_in_building_3_has_not_heard(app: Arc<TestApp>) {
    let notices = app.public_json("/api/v1/notices").await;
    let water = notices
        .as_array()
        .expect("a list")
        .iter()
        .find(|n| n["important"] == json!(true))
        .cloned()
        .expect("the important notice");
    let id = water["id"].as_i64().expect("id");
    let desk = app.signed_in("reception").await;
    let list = desk.get(&format!("/notices/{id}/unread?building=B3")).await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("马阿姨"), "Ma has not read it");
    assert!(!list.body.contains("孙大爷"), "Sun read it");
    assert!(
        list.body.contains("B3-101"),
        "a flat without an account is listed"
    );
    // Ma reads it; reception tells flat B3-101 in person.
    let ma = app.signed_in("ma").await;
    assert_eq!(
        ma.post_form(&format!("/notices/{id}/read"), &[])
            .await
            .status,
        303
    );
    let flat = scalar(&app, "SELECT id FROM places WHERE code = $1", "B3-101").await;
    let told = desk
        .post_form(
            &format!("/notices/{id}/told"),
            &[("who", &format!("p:{flat}")), ("building", "B3")],
        )
        .await;
    assert_eq!(told.status, 303);
    let list = desk.get(&format!("/notices/{id}/unread?building=B3")).await;
    assert!(!list.body.contains("马阿姨"));
    assert!(
        !list.body.contains(
            "data-who=\"p:{flat}\""
                .replace("{flat}", &flat.to_string())
                .as_str()
        )
    );
    // Someone who asked to be told in person stays listed, first.
    assert_eq!(
        ma.post_form("/notices/in-person", &[("on", "1")])
            .await
            .status,
        303
    );
    let list = desk.get(&format!("/notices/{id}/unread?building=B3")).await;
    assert!(
        list.body.contains("马阿姨"),
        "asked in person: listed though read"
    );
    // A resident of building 1 does not get building 3's notice.
    let huang = app.api_token("huang").await;
    let (_, hers) = call(&app, "GET", "/api/v1/notices", &huang, None).await;
    assert!(
        !hers
            .to_string()
            .contains(water["title_en"].as_str().unwrap_or("?")),
        "{hers}"
    );
    // Residents may not see reception's list.
    assert_eq!(
        ma.get(&format!("/notices/{id}/unread?building=B3"))
            .await
            .status,
        403
    );
}

async fn a_flagged_comment_is_hidden_with_a_reason_and_its_author_told(app: Arc<TestApp>) {
    let idea = benches(&app).await["id"].as_i64().expect("id");
    let sun = app.signed_in("sun").await;
    let posted = sun
        .post_form(
            &format!("/ideas/{idea}/comments"),
            &[("body", "楼下那家人太吵了KC4")],
        )
        .await;
    assert_eq!(posted.status, 303);
    let comment = scalar(
        &app,
        "SELECT id FROM idea_comments WHERE body LIKE $1",
        "%KC4%",
    )
    .await;
    // An empty comment is refused; nothing is lost.
    let empty = sun
        .post_form(&format!("/ideas/{idea}/comments"), &[("body", "  ")])
        .await;
    assert_eq!(empty.status, 422);
    let huang = app.signed_in("huang").await;
    let flagged = huang
        .post_form(
            &format!("/ideas/comments/{comment}/flag"),
            &[("reason", "说邻居坏话")],
        )
        .await;
    assert_eq!(flagged.status, 303);
    let desk = app.signed_in("reception").await;
    let queue = desk.get("/moderation").await;
    assert!(
        queue.body.contains("KC4") && queue.body.contains("说邻居坏话"),
        "{}",
        queue.body
    );
    // Hiding needs a reason.
    let no_reason = desk
        .post_form(
            &format!("/moderation/comment/{comment}"),
            &[("decision", "hide"), ("reason", "")],
        )
        .await;
    assert_eq!(no_reason.status, 422);
    assert!(no_reason.body.contains("请填写隐藏的理由"));
    let hidden = desk
        .post_form(
            &format!("/moderation/comment/{comment}"),
            &[("decision", "hide"), ("reason", "请不要点名批评邻居")],
        )
        .await;
    assert_eq!(hidden.status, 303);
    assert!(
        !huang
            .get(&format!("/ideas/{idea}"))
            .await
            .body
            .contains("KC4"),
        "hidden from others"
    );
    let own = sun.get(&format!("/ideas/{idea}")).await;
    assert!(
        own.body.contains("KC4") && own.body.contains("请不要点名批评邻居"),
        "the author sees why"
    );
    let told = scalar(
        &app,
        "SELECT COUNT(*) FROM notifications n JOIN accounts a ON a.id = n.account_id \
         WHERE n.message_key = 'notify-voice-hidden' AND a.username = $1",
        "sun",
    )
    .await;
    assert_eq!(told, 1);
    // He edits it and asks again; a moderator shows it.
    let edited = sun
        .post_form(
            &format!("/ideas/comments/{comment}/edit"),
            &[("body", "晚上十点后希望大家小声些KC5")],
        )
        .await;
    assert_eq!(edited.status, 303);
    assert!(desk.get("/moderation").await.body.contains("KC5"));
    let shown = desk
        .post_form(
            &format!("/moderation/comment/{comment}"),
            &[("decision", "show")],
        )
        .await;
    assert_eq!(shown.status, 303);
    assert!(
        huang
            .get(&format!("/ideas/{idea}"))
            .await
            .body
            .contains("KC5")
    );
    // A held word holds a new idea back from the list.
    let token = app.api_token("huang").await;
    let (status, body) = call(
        &app,
        "POST",
        "/api/v1/ideas",
        &token,
        Some(json!({"title": "便宜广告位HW1", "body": "联系我"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert!(
        !app.public_json("/api/v1/ideas")
            .await
            .to_string()
            .contains("HW1")
    );
}

async fn a_good_deed_shows_once_approved(app: Arc<TestApp>) {
    let before = app.public_json("/api/v1/recognitions").await;
    assert_eq!(before.as_array().map(Vec::len), Some(2), "the demo's two");
    let sun = app.signed_in("sun").await;
    let future = sun
        .post_multipart(
            "/recognitions",
            &[
                ("person_name", "王师傅"),
                ("what", "修好了楼道灯GD2"),
                ("happened_on", "2999-01-01"),
            ],
            &[],
        )
        .await;
    assert_eq!(future.status, 422);
    assert!(
        future.body.contains("修好了楼道灯GD2"),
        "the words are kept"
    );
    let sent = sun
        .post_multipart(
            "/recognitions",
            &[
                ("person_name", "王师傅"),
                ("what", "修好了楼道灯GD2"),
                ("happened_on", "2026-01-05"),
            ],
            &[photo_with_gps()],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert!(
        !app.public_json("/api/v1/recognitions")
            .await
            .to_string()
            .contains("GD2")
    );
    let id = scalar(
        &app,
        "SELECT id FROM recognitions WHERE what LIKE $1",
        "%GD2%",
    )
    .await;
    // Only the secretary decides.
    assert_eq!(
        sun.post_form(
            &format!("/recognitions/{id}/decide"),
            &[("decision", "approve")]
        )
        .await
        .status,
        403
    );
    let secretary = app.signed_in("secretary").await;
    let approved = secretary
        .post_form(
            &format!("/recognitions/{id}/decide"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(approved.status, 303);
    let after = app.public_json("/api/v1/recognitions").await;
    assert!(after.to_string().contains("GD2"), "{after}");
    let events = scalar(
        &app,
        "SELECT COUNT(*) FROM live_events WHERE kind = 'recognition' AND payload LIKE $1",
        "%GD2%",
    )
    .await;
    assert_eq!(events, 1, "the screens hear of it");
    // Zhao agreed to show her commendation on her profile.
    let zhao = scalar(&app, "SELECT id FROM accounts WHERE username = $1", "zhao").await;
    assert_eq!(
        app.anonymous().get(&format!("/people/{zhao}")).await.status,
        200
    );
    let sun_id = scalar(&app, "SELECT id FROM accounts WHERE username = $1", "sun").await;
    assert_eq!(
        app.anonymous()
            .get(&format!("/people/{sun_id}"))
            .await
            .status,
        404
    );
}
