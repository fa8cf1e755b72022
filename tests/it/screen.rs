//! The community screen and the kiosk: public information only, live
//! updates that survive a restart, the kiosk flow, notices, posters.

use std::sync::Arc;
use std::time::Duration;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(
    the_screen_shows_public_things_only,
    the_stream_carries_new_and_solved_requests,
    a_restarted_server_replays_what_a_screen_missed,
    the_kiosk_takes_a_request_in_a_few_taps,
    an_emergency_takes_over_every_screen,
    posters_and_silent_screens,
);

pub async fn token(app: &TestApp, kind: &str) -> String {
    grassroots::on_db!(&app.db, |pool| sqlx::query_scalar::<_, String>(
        "SELECT token FROM screens WHERE kind = $1 ORDER BY id LIMIT 1"
    )
    .bind(kind)
    .fetch_one(pool)
    .await)
    .expect("a demo screen")
}

/// A Server-Sent Events reader over a streamed response.
pub struct Sse {
    response: reqwest::Response,
    buffer: String,
}

#[derive(Debug)]
pub struct SseEvent {
    pub id: String,
    pub kind: String,
    pub data: String,
}

impl Sse {
    pub async fn open(url: &str, last_event_id: Option<&str>) -> Sse {
        let mut request = reqwest::Client::new()
            .get(url)
            .header("accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().await.expect("stream");
        assert_eq!(response.status().as_u16(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap_or("")
                .starts_with("text/event-stream")
        );
        Sse {
            response,
            buffer: String::new(),
        }
    }

    /// The next event with an id (comments and keep-alives are skipped),
    /// waiting at most `within`.
    pub async fn next(&mut self, within: Duration) -> Option<SseEvent> {
        tokio::time::timeout(within, async {
            loop {
                while let Some(end) = self.buffer.find("\n\n") {
                    let block: String = self.buffer.drain(..end + 2).collect();
                    let (mut id, mut kind, mut data) =
                        (String::new(), String::new(), String::new());
                    for line in block.lines() {
                        if let Some(v) = line.strip_prefix("id:") {
                            id = v.trim().to_string();
                        } else if let Some(v) = line.strip_prefix("event:") {
                            kind = v.trim().to_string();
                        } else if let Some(v) = line.strip_prefix("data:") {
                            data.push_str(v.trim_start());
                        }
                    }
                    if !id.is_empty() {
                        return Some(SseEvent { id, kind, data });
                    }
                }
                match self.response.chunk().await {
                    Ok(Some(bytes)) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                    _ => return None,
                }
            }
        })
        .await
        .ok()
        .flatten()
    }
}

async fn the_screen_shows_public_things_only(app: Arc<TestApp>) {
    let screen = token(&app, "screen").await;
    let huang = app.signed_in("huang").await;
    huang
        .report(
            &[
                ("category", "help"),
                ("place", "B1-101"),
                ("description", "私密：请人帮我取药"),
                ("visibility", "private"),
                ("phone", "13766665555"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    huang
        .report(
            &[
                ("category", "clean"),
                ("place", "B1-101"),
                ("description", "公开：一号楼门口很脏"),
                ("phone", "13766665555"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    let page = app.anonymous().get(&format!("/screen/{screen}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("公开：一号楼门口很脏"));
    assert!(
        page.body.contains("1号楼") && !page.body.contains("1号楼101室"),
        "the building, not the flat"
    );
    for secret in ["私密", "13766665555", "黄奶奶"] {
        assert!(!page.body.contains(secret), "{secret} reached the screen");
    }
    assert!(page.body.contains("<svg"), "a QR code to report from here");
    assert!(page.body.contains("您说了，我们办了") && page.body.contains("You said, we did"));
    assert_eq!(
        app.anonymous().get("/screen/not-a-screen").await.status,
        404
    );
    let kiosk = token(&app, "kiosk").await;
    assert_eq!(
        app.anonymous()
            .get(&format!("/screen/{kiosk}"))
            .await
            .status,
        404,
        "a kiosk token is not a screen"
    );
}

async fn the_stream_carries_new_and_solved_requests(app: Arc<TestApp>) {
    let screen = token(&app, "screen").await;
    let kiosk = token(&app, "kiosk").await;
    let mut sse = Sse::open(&app.url(&format!("/screen/{screen}/events")), None).await;
    let huang = app.signed_in("huang").await;
    huang
        .report(
            &[
                ("category", "help"),
                ("place", "B1"),
                ("description", "私密的事"),
                ("visibility", "private"),
                ("phone", "13900001234"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    let filed = app
        .anonymous()
        .post_form(
            &format!("/kiosk/{kiosk}"),
            &[
                ("category", "light"),
                ("place", "PAVILION"),
                ("phrase", "坏了，需要修理。"),
            ],
        )
        .await;
    assert_eq!(filed.status, 200, "{}", filed.body);
    let event = sse
        .next(Duration::from_secs(5))
        .await
        .expect("an event for the kiosk's request");
    assert_eq!(
        event.kind, "request_new",
        "the private request never reaches the stream"
    );
    assert!(
        event.data.contains("坏了，需要修理。")
            && !event.data.contains("私密")
            && !event.data.contains("13900001234")
    );
    let code = serde_json::from_str::<serde_json::Value>(&event.data).expect("json")["code"]
        .as_str()
        .expect("code")
        .to_string();
    let zhang = app.signed_in("zhang").await;
    assert_eq!(
        zhang
            .act(&code, &[("action", "resolve"), ("message", "换了新灯泡")])
            .await
            .status,
        303
    );
    let solved = sse
        .next(Duration::from_secs(5))
        .await
        .expect("an event for the resolution");
    assert_eq!(solved.kind, "request_resolved");
    assert!(solved.data.contains("换了新灯泡"));
    assert!(
        solved.id.parse::<i64>().expect("numeric id")
            > event.id.parse::<i64>().expect("numeric id")
    );
}

async fn a_restarted_server_replays_what_a_screen_missed(app: Arc<TestApp>) {
    let screen = token(&app, "screen").await;
    let mut sse = Sse::open(&app.url(&format!("/screen/{screen}/events")), None).await;
    let huang = app.signed_in("huang").await;
    huang
        .report(
            &[
                ("category", "clean"),
                ("place", "B2"),
                ("description", "第一件"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    let first = sse.next(Duration::from_secs(5)).await.expect("first");
    drop(sse);
    // While the screen is away, two more things happen.
    huang
        .report(
            &[
                ("category", "clean"),
                ("place", "B3"),
                ("description", "第二件"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    huang
        .report(
            &[
                ("category", "clean"),
                ("place", "B4"),
                ("description", "第三件"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    // A second server on the same database stands in for the restarted one.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let restarted = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(grassroots::server::serve(
        app.db.clone(),
        listener,
        grassroots::web::WebConfig::default(),
    ));
    let mut again = Sse::open(
        &format!("{restarted}/screen/{screen}/events"),
        Some(&first.id),
    )
    .await;
    let second = again
        .next(Duration::from_secs(5))
        .await
        .expect("the second, replayed");
    let third = again
        .next(Duration::from_secs(5))
        .await
        .expect("the third, replayed");
    assert!(
        second.data.contains("第二件") && third.data.contains("第三件"),
        "{second:?} {third:?}"
    );
    // And it goes on live.
    huang
        .report(
            &[
                ("category", "clean"),
                ("place", "B5"),
                ("description", "第四件"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    let fourth = again
        .next(Duration::from_secs(5))
        .await
        .expect("the fourth, live");
    assert!(fourth.data.contains("第四件"));
}

async fn the_kiosk_takes_a_request_in_a_few_taps(app: Arc<TestApp>) {
    let kiosk = token(&app, "kiosk").await;
    let visitor = app.anonymous();
    let start = visitor.get(&format!("/kiosk/{kiosk}")).await;
    assert_eq!(start.status, 200);
    assert!(
        start.body.contains(&format!("/kiosk/{kiosk}/lift")),
        "big category buttons"
    );
    let describe = visitor.get(&format!("/kiosk/{kiosk}/water")).await;
    assert!(
        describe
            .body
            .contains(r#"<input type="radio" name="place" value="FOYER">"#)
            && describe
                .body
                .contains(r#"<input type="radio" name="place" value="B3">"#)
            && !describe
                .body
                .contains(r#"name="place" value="FOYER" checked"#),
        "the place is asked, the kiosk's own offered first but not chosen"
    );
    assert!(
        describe.body.contains("家里停水了。") && !describe.body.contains("很脏，需要打扫。"),
        "the category's own phrases to tap"
    );
    let nowhere = visitor
        .post_form(
            &format!("/kiosk/{kiosk}"),
            &[("category", "water"), ("phrase", "家里停水了。")],
        )
        .await;
    assert_eq!(nowhere.status, 422);
    assert!(nowhere.body.contains("请点一下在哪里"));
    let unsure = visitor
        .post_form(
            &format!("/kiosk/{kiosk}"),
            &[
                ("category", "water"),
                ("place", "none"),
                ("phrase", "家里停水了。"),
            ],
        )
        .await;
    assert_eq!(unsure.status, 200, "no particular place is an answer");
    let bad = visitor
        .post_form(
            &format!("/kiosk/{kiosk}"),
            &[
                ("category", "water"),
                ("place", "FOYER"),
                ("description", ""),
                ("phone", "abc"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("请填写正确的电话号码"));
    let done = visitor
        .post_form(
            &format!("/kiosk/{kiosk}"),
            &[
                ("category", "water"),
                ("place", "FOYER"),
                ("description", "大厅洗手间没水"),
                ("phone", ""),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body.contains("class=\"code-big\"") && done.body.contains("<svg"),
        "the code, large, with a QR code"
    );
    let code: String = done
        .body
        .split("id=\"code\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("code")
        .replace(' ', "");
    let (channel, place): (String, String) = grassroots::on_db!(&app.db, |pool| sqlx::query_as(
        "SELECT r.channel, p.code FROM requests r JOIN places p ON p.id = r.place_id WHERE r.tracking_code = $1"
    )
    .bind(&code)
    .fetch_one(pool)
    .await)
    .expect("row");
    assert_eq!((channel.as_str(), place.as_str()), ("screen", "FOYER"));
    // One person cannot flood it.
    let mut refused = 0;
    for i in 0..14 {
        let r = visitor
            .post_form(
                &format!("/kiosk/{kiosk}"),
                &[
                    ("category", "clean"),
                    ("place", "FOYER"),
                    ("description", &format!("第{i}次")),
                ],
            )
            .await;
        if r.status == 429 {
            refused += 1;
            assert!(r.body.contains("请过几分钟再试"));
        }
    }
    assert!(refused > 0, "the kiosk stops taking requests for a while");
}

async fn an_emergency_takes_over_every_screen(app: Arc<TestApp>) {
    let screen = token(&app, "screen").await;
    let mut sse = Sse::open(&app.url(&format!("/screen/{screen}/events")), None).await;
    let reception = app.signed_in("reception").await;
    let refused = reception
        .post_form(
            "/admin/notices",
            &[("title_zh", "停水"), ("emergency", "1")],
        )
        .await;
    assert_eq!(
        refused.status, 403,
        "only the secretary takes over the screens"
    );
    let secretary = app.signed_in("secretary").await;
    let empty = secretary
        .post_form("/admin/notices", &[("title_zh", ""), ("emergency", "1")])
        .await;
    assert_eq!(empty.status, 422);
    let posted = secretary
        .post_form(
            "/admin/notices",
            &[
                ("title_zh", "今晚 8 点到 10 点停水"),
                ("title_en", "No water tonight 8–10 pm"),
                ("body_zh", "请提前储水。"),
                ("emergency", "1"),
            ],
        )
        .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let event = sse
        .next(Duration::from_secs(5))
        .await
        .expect("the notice arrives");
    assert_eq!(event.kind, "notice");
    assert!(event.data.contains("\"emergency\":true"));
    let page = app.anonymous().get(&format!("/screen/{screen}")).await;
    assert!(page.body.contains("今晚 8 点到 10 点停水"));
    assert!(
        !page.body.contains("id=\"emergency\" role=\"alert\" hidden"),
        "the overlay shows"
    );
    let id: i64 = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT id FROM notices WHERE emergency ORDER BY id DESC LIMIT 1"
    )
    .fetch_one(pool)
    .await)
    .expect("id");
    assert_eq!(
        secretary
            .post_form(&format!("/admin/notices/{id}/withdraw"), &[])
            .await
            .status,
        303
    );
    let withdrawn = sse
        .next(Duration::from_secs(5))
        .await
        .expect("the withdrawal arrives");
    assert_eq!(withdrawn.kind, "notice_withdrawn");
    let page = app.anonymous().get(&format!("/screen/{screen}")).await;
    assert!(!page.body.contains("今晚 8 点到 10 点停水"));
}

async fn posters_and_silent_screens(app: Arc<TestApp>) {
    let poster = reqwest::get(app.url("/posters/PAVILION.svg"))
        .await
        .expect("poster");
    assert_eq!(poster.status().as_u16(), 200);
    assert!(
        poster.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("image/svg+xml")
    );
    let svg = poster.text().await.unwrap_or_default();
    assert!(
        svg.contains("荷花池凉亭")
            && svg.contains("report?place=PAVILION")
            && svg.contains("<path")
    );
    assert_eq!(
        reqwest::get(app.url("/posters/NOWHERE.svg"))
            .await
            .expect("poster")
            .status()
            .as_u16(),
        404
    );

    let secretary = app.signed_in("secretary").await;
    let bad = secretary
        .post_form(
            "/admin/screens",
            &[("name", ""), ("kind", "tv"), ("language", "fr")],
        )
        .await;
    assert_eq!(bad.status, 422);
    let added = secretary
        .post_form(
            "/admin/screens",
            &[
                ("name", "东门大屏"),
                ("kind", "screen"),
                ("place", "GATE-E"),
                ("language", "zh"),
                ("panels", "new\nrates 07:00-10:00"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let list = secretary.get("/admin/screens").await;
    assert!(list.body.contains("东门大屏"));
    // Every screen has been quiet for an hour.
    let hour_ago = grassroots::db::now() - 3600;
    grassroots::on_db!(&app.db, |pool| sqlx::query(
        "UPDATE screens SET last_seen_at = $1, created_at = $1"
    )
    .bind(hour_ago)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .expect("age");
    let reported = grassroots::screen::check_silent_screens(&app.db)
        .await
        .expect("check");
    assert_eq!(reported, 2, "both screens, not the kiosk");
    assert_eq!(
        grassroots::screen::check_silent_screens(&app.db)
            .await
            .expect("check"),
        0,
        "once per silence"
    );
    assert!(
        secretary
            .get("/my")
            .await
            .body
            .contains("有一块社区大屏已经十分钟没有联系了")
    );
    assert!(secretary.get("/admin/screens").await.body.contains("失联"));
}
