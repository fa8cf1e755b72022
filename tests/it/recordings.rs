//! Voice messages: checked by the server, attached to the request, heard by
//! the team and the reporter only, summarised by staff, and a voice answer
//! to the team's question.

use std::sync::Arc;

use crate::on_both_engines;
use crate::screen::token;
use crate::support::{Person, TestApp};

on_both_engines!(
    a_voice_message_from_the_kiosk_reaches_the_team_and_nobody_else,
    bad_recordings_are_refused_in_the_persons_language,
    staff_summarise_a_voice_message_and_the_resident_answers_by_voice,
);

pub const WEBM: &[u8] = include_bytes!("../fixtures/voice/tone-3s.webm");
const MP4: &[u8] = include_bytes!("../fixtures/voice/tone-3s.mp4");
const CAMERA: &[u8] = include_bytes!("../fixtures/voice/camera.webm");

async fn upload(person: &Person, base: &str, bytes: &[u8], mime: &str) -> (u16, serde_json::Value) {
    let response = person
        .http
        .post(format!("{base}/api/v1/recordings"))
        .header("content-type", mime)
        .body(bytes.to_vec())
        .send()
        .await
        .expect("POST a recording");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

fn code_on_kiosk_page(body: &str) -> String {
    body.split("id=\"code\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("the code on the kiosk's last page")
        .replace(' ', "")
}

async fn a_voice_message_from_the_kiosk_reaches_the_team_and_nobody_else(app: Arc<TestApp>) {
    let kiosk = token(&app, "kiosk").await;
    let visitor = app.client("zh");
    let (status, staged) = upload(&visitor, &app.base, WEBM, "audio/webm;codecs=opus").await;
    assert_eq!(status, 201, "{staged}");
    let key = staged["key"].as_str().expect("a key").to_string();
    assert_eq!(staged["length"], "0:03");
    let done = visitor
        .post_form(
            &format!("/kiosk/{kiosk}"),
            &[("category", "water"), ("place", "FOYER"), ("voice", &key)],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let code = code_on_kiosk_page(&done.body);
    let (description, lang): (String, String) = grassroots::on_db!(&app.db, |pool| sqlx::query_as(
        "SELECT description, reporter_lang FROM requests WHERE tracking_code = $1"
    )
    .bind(&code)
    .fetch_one(pool)
    .await)
    .expect("the request");
    assert_eq!(description, grassroots::requests::recordings::VOICE_ONLY);
    assert_eq!(lang, "zh");

    // The team hears it.
    let lead = app.signed_in("zhang").await;
    let page = lead.get(&format!("/r/{code}")).await;
    assert_eq!(page.status, 200);
    let src = page
        .body
        .split("<audio controls preload=\"none\" src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a player on the team's page")
        .to_string();
    assert!(!page.body.contains("autoplay"));
    assert!(
        page.body.contains("name=\"summary\""),
        "staff are asked for words"
    );
    let audio = lead
        .http
        .get(app.url(&src))
        .send()
        .await
        .expect("GET audio");
    assert_eq!(audio.status(), 200);
    assert_eq!(
        audio.headers()["content-type"].to_str().unwrap(),
        "audio/webm"
    );
    assert_eq!(audio.bytes().await.unwrap().as_ref(), WEBM);

    // Neighbours, the screen and Open311 do not.
    let neighbour = app.signed_in("zhao").await;
    for person in [&app.anonymous(), &neighbour] {
        assert_eq!(person.get(&src).await.status, 404, "{src}");
        let public = person.get(&format!("/r/{code}")).await;
        assert!(!public.body.contains("<audio"), "{}", public.body);
    }
    let open311 = app
        .anonymous()
        .get(&format!("/open311/v2/requests/{code}.json"))
        .await;
    assert!(!open311.body.contains("/recordings/"), "{}", open311.body);
    let screen = app
        .anonymous()
        .get(&format!("/screen/{}", token(&app, "screen").await))
        .await;
    assert!(!screen.body.contains("/recordings/"));

    // A staged key is used once.
    let again = visitor
        .post_form(
            &format!("/kiosk/{kiosk}"),
            &[("category", "water"), ("place", "FOYER"), ("voice", &key)],
        )
        .await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("语音留言已失效"), "{}", again.body);

    // The phone form takes MP4 too, with words typed beside it.
    let resident = app.signed_in("huang").await;
    let (status, staged) = upload(&resident, &app.base, MP4, "audio/mp4").await;
    assert_eq!(status, 201, "{staged}");
    let filed = resident
        .report(
            &[
                ("category", "water"),
                ("description", "厨房水管漏水，录音里说得更清楚"),
                ("voice", staged["key"].as_str().unwrap()),
            ],
            &[],
        )
        .await;
    assert_eq!(filed.status, 303, "{}", filed.body);
    let own = resident.get(&format!("/r/{}", filed.code())).await;
    assert!(own.body.contains("<audio"), "the reporter hears their own");
    let download = resident.get_json("/account/data.json").await;
    assert!(
        download.body.contains("\"voice_messages\""),
        "{}",
        download.body
    );
    assert!(download.body.contains("/recordings/"));
}

async fn bad_recordings_are_refused_in_the_persons_language(app: Arc<TestApp>) {
    let zh = app.client("zh");
    let en = app.client("en");
    let too_large = vec![0x1A; 2 * 1024 * 1024 + 1];
    for (bytes, status, key) in [
        (&b""[..], 422, "recording-error-empty"),
        (CAMERA, 422, "recording-error-video"),
        (
            &b"I would like to report a leak"[..],
            422,
            "recording-error-not-audio",
        ),
        (
            &b"ID3\x04\0\0\0\0\0\0 an mp3"[..],
            422,
            "recording-error-codec",
        ),
        (&WEBM[..WEBM.len() / 2], 422, "recording-error-unreadable"),
        (&too_large[..], 413, "recording-error-too-large"),
    ] {
        let (answer_zh, json_zh) = upload(&zh, &app.base, bytes, "audio/webm").await;
        assert_eq!(answer_zh, status, "{key}: {json_zh}");
        if status != 201 {
            assert_eq!(json_zh["error"], key);
            let (_, json_en) = upload(&en, &app.base, bytes, "audio/webm").await;
            let (zh_words, en_words) = (
                json_zh["message"].as_str().unwrap(),
                json_en["message"].as_str().unwrap(),
            );
            assert!(
                zh_words
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh_words}"
            );
            assert!(en_words.is_ascii() && en_words.len() > 10, "{en_words}");
        }
    }
    // A key that was never given: the form comes back with what was typed.
    let resident = app.signed_in("huang").await;
    let filed = resident
        .report(
            &[
                ("category", "water"),
                ("description", "楼道有水"),
                ("voice", "not-a-key"),
            ],
            &[],
        )
        .await;
    assert_eq!(filed.status, 422);
    assert!(filed.body.contains("楼道有水"));
    assert!(filed.body.contains("语音留言已失效"));
    // Nothing to play for a staged or unknown recording.
    assert_eq!(resident.get("/recordings/999999").await.status, 404);
    // Staged and never sent: kept a day, then forgotten.
    let (status, _) = upload(&zh, &app.base, WEBM, "audio/webm").await;
    assert_eq!(status, 201);
    let staged = app
        .number(
            "SELECT COUNT(*) FROM recordings WHERE request_id IS NULL AND id > $1",
            0,
        )
        .await;
    assert!(staged >= 1);
    let now = grassroots::db::now();
    let kept = grassroots::requests::recordings::forget_abandoned(&app.db, now)
        .await
        .expect("forget");
    assert_eq!(kept, 0, "not before a day");
    let forgotten = grassroots::requests::recordings::forget_abandoned(&app.db, now + 86_401)
        .await
        .expect("forget");
    assert_eq!(forgotten as i64, staged);
}

async fn staff_summarise_a_voice_message_and_the_resident_answers_by_voice(app: Arc<TestApp>) {
    // A resident without an account, on the phone form, by voice alone.
    let visitor = app.client("en");
    let (_, staged) = upload(&visitor, &app.base, WEBM, "audio/webm").await;
    let filed = visitor
        .report(
            &[
                ("category", "water"),
                ("voice", staged["key"].as_str().unwrap()),
                ("phone", "13800138000"),
                ("contact", "phone"),
            ],
            &[],
        )
        .await;
    assert_eq!(filed.status, 303, "{}", filed.body);
    let code = filed.code();
    let key = filed
        .location
        .split("key=")
        .nth(1)
        .expect("the secret link")
        .to_string();
    let lead = app.signed_in("zhang").await;
    let empty = lead
        .post_form(&format!("/r/{code}/summary"), &[("summary", "  ")])
        .await;
    assert_eq!(empty.status, 409);
    assert!(empty.body.contains("请写下这条语音留言说的是什么"));
    let saved = lead
        .post_form(
            &format!("/r/{code}/summary"),
            &[("summary", "大厅洗手间水龙头一直滴水")],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = lead.get(&format!("/r/{code}")).await;
    assert!(page.body.contains("大厅洗手间水龙头一直滴水"));
    assert!(
        page.body.contains("根据语音留言整理"),
        "marked as staff's words"
    );
    assert!(!page.body.contains("name=\"summary\""));
    let found = lead.get("/queue?q=%E6%B0%B4%E9%BE%99%E5%A4%B4").await;
    assert!(found.body.contains(&code), "the summary is searchable");
    let pair = |q: &str| format!("/queue?q={}", grassroots::web::forms::url_encode(q));
    assert!(
        lead.get(&pair("滴水")).await.body.contains(&code),
        "by two characters too: the pairs index follows the new words"
    );
    assert!(
        !lead.get(&pair("留言")).await.body.contains(&code),
        "and forgets the placeholder's"
    );
    let neighbour = app.signed_in("zhao").await;
    let refused = neighbour
        .post_form(&format!("/r/{code}/summary"), &[("summary", "x")])
        .await;
    assert_eq!(refused.status, 403, "the summary is staff's to write");

    // The team asks; the resident answers by voice with their link.
    let asked = lead
        .act(&code, &[("action", "ask"), ("message", "Which tap is it?")])
        .await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    let (_, answer) = upload(&visitor, &app.base, WEBM, "audio/webm").await;
    let replied = visitor
        .post_form(
            &format!("/r/{code}/reply"),
            &[
                ("key", key.as_str()),
                ("message", ""),
                ("voice", answer["key"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(replied.status, 303, "{}", replied.body);
    let page = lead.get(&format!("/r/{code}")).await;
    assert_eq!(
        page.body.matches("<audio controls").count(),
        2,
        "the request's and the answer's"
    );
    let own = visitor.get(&format!("/r/{code}?key={key}")).await;
    assert_eq!(own.body.matches("<audio controls").count(), 2);
    let status: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT status FROM requests WHERE tracking_code = $1"
    )
    .bind(&code)
    .fetch_one(pool)
    .await)
    .expect("the request");
    assert_eq!(
        status, "in_progress",
        "the answer set the clock going again"
    );
}
