//! The resident's journey: submit in Chinese with a photo, a workgroup member
//! handles it, the resident confirms and rates it, every step in the timeline.

use std::sync::Arc;

use crate::on_both_engines;
use crate::support::{TestApp, photo_with_gps};

on_both_engines!(
    a_resident_replies_by_secret_link_and_keeps_it,
    resident_submits_member_handles_resident_confirms,
    a_low_rating_reopens_to_the_lead,
    anonymous_reporter_uses_the_secret_link,
    waiting_on_the_resident_pauses_and_resumes,
    a_duplicate_carries_its_followers_over,
    similar_open_requests_are_offered_first,
);

async fn resident_submits_member_handles_resident_confirms(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let sent = huang
        .report(
            &[
                ("category", "lift"),
                ("place", "B1"),
                ("description", "1号楼电梯门关不上，已经两天了。"),
                ("kind", "report"),
                ("urgency", "general"),
                ("visibility", "public"),
                ("contact", "site"),
                ("go_ahead", "1"),
            ],
            &[photo_with_gps()],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert!(sent.location.contains("new=1"));
    let code = sent.code();
    assert_eq!(code.len(), 8);

    let page = huang.get(&format!("/r/{code}?new=1")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("1号楼电梯门关不上"));
    assert!(page.body.contains("已收到"), "status shown in Chinese");
    let photo_path = page
        .body
        .split("src=\"/photos/")
        .nth(1)
        .and_then(|s| s.split('?').next())
        .map(|id| format!("/photos/{id}"))
        .expect("the page shows the photo");
    let photo = huang
        .http
        .get(app.url(&photo_path))
        .send()
        .await
        .expect("photo");
    assert_eq!(photo.status(), 200);
    let bytes = photo.bytes().await.expect("bytes");
    assert_eq!(&bytes[..2], &[0xFF, 0xD8]);
    assert!(!bytes.windows(4).any(|w| w == b"Exif"), "EXIF removed");
    assert!(
        !bytes.windows(11).any(|w| w == b"GPSLatitude"),
        "GPS removed"
    );

    // Liu, of the property team, finds it in his queue and handles it.
    let liu = app.signed_in("liu").await;
    let queue = liu.get("/queue").await;
    assert_eq!(queue.status, 200);
    assert!(
        queue.body.contains(&format!("/r/{code}")),
        "in the property queue"
    );
    assert_eq!(liu.act(&code, &[("action", "take")]).await.status, 303);
    let answered = liu
        .act(
            &code,
            &[("action", "update"), ("message", "师傅明天上午来修。")],
        )
        .await;
    assert_eq!(answered.status, 303, "{}", answered.body);
    assert_eq!(liu.act(&code, &[("action", "start")]).await.status, 303);
    let noted = liu
        .act(&code, &[("action", "note"), ("note", "需要订门机零件")])
        .await;
    assert_eq!(noted.status, 303);
    let resolved = liu
        .act(
            &code,
            &[("action", "resolve"), ("message", "门机已经换好了。")],
        )
        .await;
    assert_eq!(resolved.status, 303, "{}", resolved.body);

    // Neighbours see the public timeline, never the internal note.
    let public = app.anonymous().get(&format!("/r/{code}")).await;
    assert_eq!(public.status, 200);
    assert!(public.body.contains("师傅明天上午来修。"));
    assert!(public.body.contains("门机已经换好了。"));
    assert!(
        !public.body.contains("需要订门机零件"),
        "internal note leaked"
    );
    assert!(
        !public.body.contains("13800138000"),
        "reporter's phone leaked"
    );

    // Huang is told, confirms and rates.
    let my = huang.get("/my").await;
    assert!(
        my.body
            .contains("工作组说您的诉求已经办好了。请告诉我们是否真的解决了，并打个分。"),
        "notified of the resolution, and asked to confirm and rate"
    );
    let page = huang.get(&format!("/r/{code}")).await;
    assert!(page.body.contains("真的解决了吗"), "asked to confirm");
    let rated = huang
        .post_form(
            &format!("/r/{code}/confirm"),
            &[
                ("solved", "yes"),
                ("rating", "5"),
                ("comment", "谢谢师傅！"),
            ],
        )
        .await;
    assert_eq!(rated.status, 303, "{}", rated.body);

    let page = huang.get(&format!("/r/{code}")).await;
    assert!(page.body.contains("已关闭"));
    for step in [
        "已收到诉求",
        "工作组已答复",
        "工作组正在办理",
        "工作组表示已办结",
        "居民已确认并评价",
        "谢谢师傅！",
    ] {
        assert!(page.body.contains(step), "timeline lacks {step}");
    }
    let staff_view = liu.get(&format!("/r/{code}")).await;
    assert!(
        staff_view.body.contains("需要订门机零件"),
        "staff see their notes"
    );
    assert!(staff_view.body.contains("5 / 5"));

    // The history is the audit log: one row per change.
    let kinds = event_kinds(&app, &code).await;
    assert_eq!(
        kinds,
        [
            "created", "assigned", "respond", "start", "note", "resolve", "rated"
        ]
    );
}

pub async fn event_kinds(app: &TestApp, code: &str) -> Vec<String> {
    grassroots::on_db!(&app.db, |pool| sqlx::query_scalar::<_, String>(
        "SELECT e.kind FROM request_events e JOIN requests r ON r.id = e.request_id WHERE r.tracking_code = $1 ORDER BY e.id"
    )
    .bind(code)
    .fetch_all(pool)
    .await)
    .expect("events")
}

pub async fn status_of(app: &TestApp, code: &str) -> String {
    grassroots::on_db!(&app.db, |pool| sqlx::query_scalar::<_, String>(
        "SELECT status FROM requests WHERE tracking_code = $1"
    )
    .bind(code)
    .fetch_one(pool)
    .await)
    .expect("status")
}

/// Files a public lift request as Huang and has Zhang resolve it.
pub async fn resolved_request(app: &TestApp) -> String {
    let huang = app.signed_in("huang").await;
    let sent = huang
        .report(
            &[
                ("category", "lift"),
                ("place", "B2"),
                ("description", "电梯有异响"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let code = sent.code();
    let zhang = app.signed_in("zhang").await;
    let done = zhang
        .act(&code, &[("action", "resolve"), ("message", "已修好")])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    code
}

async fn a_low_rating_reopens_to_the_lead(app: Arc<TestApp>) {
    let code = resolved_request(&app).await;
    let huang = app.signed_in("huang").await;
    let rated = huang
        .post_form(
            &format!("/r/{code}/confirm"),
            &[
                ("solved", "yes"),
                ("rating", "2"),
                ("comment", "还是有响声"),
            ],
        )
        .await;
    assert_eq!(rated.status, 303, "{}", rated.body);
    assert_eq!(status_of(&app, &code).await, "in_progress");
    let zhang = app.signed_in("zhang").await;
    let page = zhang.get(&format!("/r/{code}")).await;
    assert!(page.body.contains("张师傅"), "assigned to the lead");
    assert!(page.body.contains("还是有响声"));
    let my = zhang.get("/my").await;
    assert!(my.body.contains("有居民给了较低的评价"), "the lead is told");
}

async fn anonymous_reporter_uses_the_secret_link(app: Arc<TestApp>) {
    let visitor = app.anonymous();
    let sent = visitor
        .report(
            &[
                ("category", "clean"),
                ("place", "POND"),
                ("description", "荷花池里有很多垃圾"),
                ("phone", "139 0000 1111"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert!(
        sent.location.contains("key="),
        "the secret link is handed over"
    );
    let code = sent.code();
    let key = sent.location.split("key=").nth(1).expect("key").to_string();
    let shown = visitor.get(&sent.location).await;
    assert!(shown.body.contains("请保存这个链接"));

    let zhang = app.signed_in("zhang").await;
    assert_eq!(
        zhang
            .act(&code, &[("action", "resolve"), ("message", "已清理")])
            .await
            .status,
        303
    );
    let staff_page = zhang.get(&format!("/r/{code}")).await;
    assert!(
        staff_page.body.contains("139 0000 1111"),
        "staff see the phone given"
    );

    // A stranger with only the code cannot confirm; the key holder can.
    let stranger = app.anonymous();
    let refused = stranger
        .post_form(
            &format!("/r/{code}/confirm"),
            &[("solved", "yes"), ("rating", "5")],
        )
        .await;
    assert_eq!(refused.status, 403);
    let public = stranger.get(&format!("/r/{code}")).await;
    assert!(
        !public.body.contains("139 0000 1111"),
        "phone leaked to the public"
    );
    let fresh = app.anonymous();
    let rated = fresh
        .post_form(
            &format!("/r/{code}/confirm"),
            &[("key", &key), ("solved", "yes"), ("rating", "4")],
        )
        .await;
    assert_eq!(rated.status, 303, "{}", rated.body);
    assert_eq!(status_of(&app, &code).await, "closed");
}

async fn waiting_on_the_resident_pauses_and_resumes(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let code = huang
        .report(
            &[
                ("category", "noise"),
                ("place", "B1"),
                ("description", "晚上有人唱歌"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    let chen = app.signed_in("chen").await;
    let asked = chen
        .act(&code, &[("action", "ask"), ("message", "大概几点？")])
        .await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    assert_eq!(status_of(&app, &code).await, "waiting");
    let paused: Option<i64> = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT paused_since FROM requests WHERE tracking_code = $1"
    )
    .bind(&code)
    .fetch_one(pool)
    .await)
    .expect("paused");
    assert!(paused.is_some(), "the clock is paused");
    let page = huang.get(&format!("/r/{code}")).await;
    assert!(page.body.contains("工作组有个问题想问您"));
    let replied = huang
        .post_form(&format!("/r/{code}/reply"), &[("message", "晚上十点以后")])
        .await;
    assert_eq!(replied.status, 303, "{}", replied.body);
    assert_eq!(status_of(&app, &code).await, "in_progress");
    // The resident's answer is for the team, not for neighbours.
    assert!(
        chen.get(&format!("/r/{code}"))
            .await
            .body
            .contains("晚上十点以后")
    );
    assert!(
        !app.anonymous()
            .get(&format!("/r/{code}"))
            .await
            .body
            .contains("晚上十点以后")
    );
}

async fn a_duplicate_carries_its_followers_over(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let first = huang
        .report(
            &[
                ("category", "light"),
                ("place", "B4"),
                ("description", "4号楼门口的灯坏了"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    let sun = app.signed_in("sun").await;
    let second = sun
        .report(
            &[
                ("category", "light"),
                ("place", "B4"),
                ("description", "4号楼前面很黑"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    let zhang = app.signed_in("zhang").await;
    let merged = zhang
        .act(&second, &[("action", "duplicate"), ("of", &first)])
        .await;
    assert_eq!(merged.status, 303, "{}", merged.body);
    assert_eq!(status_of(&app, &second).await, "duplicate");
    let resolved = zhang
        .act(&first, &[("action", "resolve"), ("message", "灯已换")])
        .await;
    assert_eq!(resolved.status, 303);
    let news = sun.get("/my").await;
    assert!(
        news.body.contains("您关注的诉求已办结"),
        "the second reporter is told too"
    );
    assert!(news.body.contains(&first));
    // Marking a request as a duplicate of itself is refused with a message.
    let third = sun
        .report(
            &[
                ("category", "light"),
                ("place", "B5"),
                ("description", "5号楼的灯"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    let refused = zhang
        .act(&third, &[("action", "duplicate"), ("of", &third)])
        .await;
    assert_eq!(refused.status, 409);
    assert!(refused.body.contains("诉求不能和自己合并"));
    // Into a finished request only when the lead says so knowingly.
    let closed: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT r.tracking_code FROM requests r JOIN categories c ON c.id = r.category_id \
         WHERE r.status = 'closed' AND r.visibility = 'public' AND NOT c.private_by_nature ORDER BY r.id LIMIT 1"
    )
    .fetch_one(pool)
    .await)
    .expect("a closed public request in the demo");
    let warned = zhang
        .act(&third, &[("action", "duplicate"), ("of", &closed)])
        .await;
    assert_eq!(warned.status, 409);
    assert!(
        warned.body.contains("那件诉求已经办结了")
            && warned.body.contains("name=\"even_if_closed\"")
    );
    assert_eq!(status_of(&app, &third).await, "submitted");
    // Nor into a request the lead cannot read: a legal question answers
    // exactly as a code that does not exist, and gets no entry.
    let legal: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT r.tracking_code FROM requests r JOIN categories c ON c.id = r.category_id \
         WHERE c.code = 'legal' ORDER BY r.id LIMIT 1"
    )
    .fetch_one(pool)
    .await)
    .expect("a legal question in the demo");
    let events_before = events_of(&app, &legal).await;
    let hidden = zhang
        .act(&third, &[("action", "duplicate"), ("of", &legal)])
        .await;
    let unknown = zhang
        .act(&third, &[("action", "duplicate"), ("of", "ZZZZ2222")])
        .await;
    assert_eq!(hidden.status, unknown.status, "{}", hidden.body);
    assert!(hidden.body.contains("没有这个受理编号的诉求"));
    assert_eq!(
        crate::support::without_once_tokens(&hidden.body).replace(&legal, "CODE"),
        crate::support::without_once_tokens(&unknown.body).replace("ZZZZ2222", "CODE"),
        "nobody learns that the code exists"
    );
    assert_eq!(events_of(&app, &legal).await, events_before);
    assert_eq!(status_of(&app, &third).await, "submitted");
}

async fn events_of(app: &TestApp, code: &str) -> i64 {
    grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM request_events e JOIN requests r ON r.id = e.request_id WHERE r.tracking_code = $1"
    )
    .bind(code)
    .fetch_one(pool)
    .await)
    .expect("events")
}

async fn similar_open_requests_are_offered_first(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let first = huang
        .report(
            &[
                ("category", "water"),
                ("place", "B6"),
                ("description", "6号楼停水了"),
            ],
            &[],
        )
        .await;
    assert_eq!(first.status, 303, "nothing similar yet: {}", first.body);
    let sun = app.signed_in("sun").await;
    let offered = sun
        .report(
            &[
                ("category", "water"),
                ("place", "B6"),
                ("description", "我家也没水"),
            ],
            &[],
        )
        .await;
    assert_eq!(
        offered.status, 200,
        "similar requests shown instead of saving"
    );
    assert!(offered.body.contains("已经有人反映过了"));
    assert!(offered.body.contains(&format!("/r/{}", first.code())));
    assert!(
        offered.body.contains("我家也没水"),
        "what was typed is kept"
    );
    let me_too = sun
        .post_form(&format!("/r/{}/follow", first.code()), &[])
        .await;
    assert_eq!(me_too.status, 303);
    let page = app.anonymous().get(&format!("/r/{}", first.code())).await;
    assert!(page.body.contains("关注的邻居"));
    let anyway = sun
        .report(
            &[
                ("category", "water"),
                ("place", "B6"),
                ("description", "我家也没水"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(anyway.status, 303);
}

/// A walk-in entered at the desk holds only the secret link on the ticket:
/// answering the team's question by it keeps it, so the confirm form is
/// there when the request is solved.
/// A walk-in entered at the desk (4号楼's flickering light), and the
/// team's question to her: the code and the secret link on her ticket.
pub(crate) async fn walk_in_with_a_question(app: &TestApp) -> (String, String) {
    let reception = app.signed_in("reception").await;
    let saved = reception
        .post_form(
            "/desk",
            &[
                ("name", "钱奶奶"),
                ("category", "light"),
                ("place", "B4"),
                ("description", "4号楼楼道灯一闪一闪"),
                ("contact", "desk"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let code = saved.code();
    let key = saved
        .location
        .split("key=")
        .nth(1)
        .expect("the secret link on the ticket")
        .to_string();
    let asked = app
        .signed_in("zhang")
        .await
        .act(&code, &[("action", "ask"), ("message", "是几楼的灯？")])
        .await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    (code, key)
}

async fn a_resident_replies_by_secret_link_and_keeps_it(app: Arc<TestApp>) {
    let (code, key) = walk_in_with_a_question(&app).await;
    let zhang = app.signed_in("zhang").await;
    let resident = app.anonymous();
    let page = resident.get(&format!("/r/{code}?key={key}")).await;
    assert!(
        page.body.contains(&format!("/r/{code}/reply")),
        "{}",
        page.body
    );
    let replied = resident
        .post_form(
            &format!("/r/{code}/reply"),
            &[("key", key.as_str()), ("message", "三楼")],
        )
        .await;
    assert_eq!(replied.status, 303, "{}", replied.body);
    assert_eq!(
        replied.location,
        format!("/r/{code}?key={key}"),
        "the secret link is kept"
    );
    let resolved = zhang
        .act(&code, &[("action", "resolve"), ("message", "换了灯管")])
        .await;
    assert_eq!(resolved.status, 303, "{}", resolved.body);
    let later = app.anonymous().get(&replied.location).await;
    assert!(
        later.body.contains("name=\"solved\""),
        "the confirm form is there for them"
    );
    // Not solved yet, she says; the history says it was her, not the team.
    let not_yet = app
        .anonymous()
        .post_form(
            &format!("/r/{code}/confirm"),
            &[
                ("key", key.as_str()),
                ("solved", "no"),
                ("comment", "还是一闪一闪"),
            ],
        )
        .await;
    assert_eq!(not_yet.status, 303, "{}", not_yet.body);
    let taken = zhang.act(&code, &[("action", "take")]).await;
    assert_eq!(taken.status, 303, "{}", taken.body);
    let history = zhang.get(&format!("/r/{code}")).await.body;
    assert!(
        history.contains("居民回答了工作组的问题"),
        "her answer is hers"
    );
    assert!(history.contains("居民说还没有解决"), "her verdict is hers");
    assert!(
        history.contains("组员已接手办理"),
        "taking it on is not handing it over"
    );
    assert!(!history.contains("已交给组员办理"));
}
