//! Deadlines that chase: escalation into the right inboxes, once only even
//! with two instances, the nudge to confirm, closing unconfirmed requests,
//! and reception's callback list.

use std::sync::Arc;

use grassroots::chase::run_due;
use grassroots::db::now;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(
    overdue_requests_escalate_into_the_right_inboxes,
    two_instances_chase_each_deadline_once,
    resolved_requests_are_nudged_then_closed_unconfirmed,
    reception_records_a_residents_answer_by_phone,
    a_legal_callback_goes_to_the_legal_team_not_reception,
    when_a_team_has_no_active_lead_the_secretary_hears,
);

const DAY: i64 = 86_400;

async fn count(app: &TestApp, sql: &str) -> i64 {
    grassroots::on_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        sqlx::AssertSqlSafe(sql.to_string())
    )
    .fetch_one(pool)
    .await)
    .expect("count")
}

async fn overdue_requests_escalate_into_the_right_inboxes(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let code = huang
        .report(
            &[
                ("category", "lift"),
                ("place", "B6"),
                ("description", "六号楼电梯不动"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    // Lifts are answered within 2 hours: at 1h40 the team is reminded.
    let ran = run_due(&app.db, now() + 100 * 60).await.expect("run");
    assert!(ran.jobs > 0);
    let liu = app.signed_in("liu").await;
    assert!(
        liu.get("/my").await.body.contains("快到答复期限"),
        "the team hears before the deadline"
    );
    // Three days on, nobody answered: the lead and then the secretary hear.
    run_due(&app.db, now() + 3 * DAY).await.expect("run");
    let zhang = app.signed_in("zhang").await;
    assert!(
        zhang.get("/").await.body.contains("class=\"bell\""),
        "the bell shows a count"
    );
    let news = zhang.get("/my").await;
    assert!(news.body.contains("您工作组的一条诉求已经超期") && news.body.contains(&code));
    let secretary = app.signed_in("secretary").await;
    assert!(secretary.get("/my").await.body.contains("超期很久"));
    assert!(
        !zhang.get("/").await.body.contains("class=\"bell\""),
        "read news leave the bell"
    );
    let chen = app.signed_in("chen").await;
    assert!(
        !chen.get("/my").await.body.contains(&code),
        "another team's lead is not told"
    );
    let history = zhang.get(&format!("/r/{code}")).await;
    assert!(
        history.body.contains("已超期：已告知组长"),
        "the history says so, for staff"
    );
    assert!(
        !app.anonymous()
            .get(&format!("/r/{code}"))
            .await
            .body
            .contains("已告知组长"),
        "not for neighbours"
    );
    // Running again (another tick, or after downtime) sends nothing twice.
    assert_eq!(
        run_due(&app.db, now() + 3 * DAY).await.expect("run").jobs,
        0
    );
    // Once the lead and the secretary have heard of every open request's
    // clocks, a pass reads none of them again.
    let far = now() + 400 * DAY;
    assert!(run_due(&app.db, far).await.expect("run").looked_at > 0);
    let again = run_due(&app.db, far).await.expect("run");
    assert_eq!((again.looked_at, again.jobs), (0, 0));
    // A deadline set anew is a new clock: chased again.
    let replanned = grassroots::on_db!(&app.db, |pool| sqlx::query(
        "UPDATE requests SET resolution_due_at = resolution_due_at + 1 WHERE tracking_code = $1"
    )
    .bind(&code)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))
    .expect("replan");
    assert_eq!(replanned, 1);
    let after = run_due(&app.db, far).await.expect("run");
    assert_eq!(after.looked_at, 1);
    assert!(
        after.jobs >= 2,
        "the lead and the secretary hear of the new deadline"
    );
}

async fn two_instances_chase_each_deadline_once(app: Arc<TestApp>) {
    let other = grassroots::db::Db::connect(&app.db_url)
        .await
        .expect("a second instance");
    let later = now() + 40 * DAY;
    let (a, b) = tokio::join!(run_due(&app.db, later), run_due(&other, later));
    let (a, b) = (a.expect("first"), b.expect("second"));
    assert!(a.jobs + b.jobs > 0, "there was work to do");
    // (The activities' reminders keep their keys in the same table.)
    let jobs = count(
        &app,
        "SELECT COUNT(*) FROM jobs_done WHERE job_key NOT LIKE 'remind:%'",
    )
    .await;
    assert_eq!(
        jobs,
        (a.jobs + b.jobs) as i64,
        "every job done by exactly one instance"
    );
    // The same work done by one instance alone tells exactly as many.
    let chased = "SELECT COUNT(*) FROM notifications WHERE message_key IN ('notify-remind-response', \
        'notify-remind-resolution', 'notify-overdue-lead', 'notify-overdue-secretary', 'notify-please-confirm', 'notify-callback')";
    let escalations = "SELECT COUNT(*) FROM request_events WHERE kind IN ('escalated_lead', 'escalated_secretary')";
    let (by_two, escalated_by_two) = (count(&app, chased).await, count(&app, escalations).await);
    grassroots::on_db!(&app.db, |pool| sqlx::raw_sql(
        "DELETE FROM notifications WHERE message_key LIKE 'notify-remind-%' OR message_key LIKE 'notify-overdue-%' \
         OR message_key IN ('notify-please-confirm', 'notify-callback'); \
         DELETE FROM request_events WHERE kind IN ('escalated_lead', 'escalated_secretary'); DELETE FROM jobs_done;"
    )
    .execute(pool)
    .await
    .map(|_| ()))
    .expect("reset");
    let alone = run_due(&app.db, later).await.expect("alone");
    assert_eq!(alone.jobs, a.jobs + b.jobs);
    assert_eq!(
        count(&app, chased).await,
        by_two,
        "nobody was told anything twice"
    );
    assert_eq!(count(&app, escalations).await, escalated_by_two);
    assert_eq!(run_due(&other, later).await.expect("again").jobs, 0);
    other.close().await;
}

async fn resolved_requests_are_nudged_then_closed_unconfirmed(app: Arc<TestApp>) {
    let code = crate::journey::resolved_request(&app).await;
    run_due(&app.db, now() + 4 * DAY).await.expect("run");
    let huang = app.signed_in("huang").await;
    assert!(
        huang
            .get("/my")
            .await
            .body
            .contains("请告诉我们是否真的解决了"),
        "the resident is nudged"
    );
    assert_eq!(crate::journey::status_of(&app, &code).await, "resolved");
    let ran = run_due(&app.db, now() + 11 * DAY).await.expect("run");
    assert!(ran.closed >= 1);
    assert_eq!(crate::journey::status_of(&app, &code).await, "closed");
    assert!(
        huang
            .get(&format!("/r/{code}"))
            .await
            .body
            .contains("居民未确认，已自动关闭")
    );
    assert_eq!(
        run_due(&app.db, now() + 12 * DAY)
            .await
            .expect("run")
            .closed,
        0,
        "closed once"
    );
}

async fn reception_records_a_residents_answer_by_phone(app: Arc<TestApp>) {
    let reception = app.signed_in("reception").await;
    let saved = reception
        .post_form(
            "/desk",
            &[
                ("channel", "phone"),
                ("name", "钱奶奶"),
                ("phone", "13900139001"),
                ("category", "help"),
                ("place", "B2"),
                ("description", "想请人帮忙搬花盆"),
                ("contact", "phone"),
            ],
        )
        .await;
    let code = saved.code();
    let chen = app.signed_in("chen").await;
    // The team has a question; the caller asked to be phoned: reception hears.
    assert_eq!(
        chen.act(&code, &[("action", "ask"), ("message", "花盆放在哪里？")])
            .await
            .status,
        303
    );
    assert!(
        reception
            .get("/my")
            .await
            .body
            .contains("有一位要求电话联系或到前台告知的居民有新消息")
    );
    let desk = reception.get("/desk").await;
    assert!(
        desk.body.contains("居民的回答"),
        "the question is on the callback list"
    );
    let answered = reception
        .post_form(
            &format!("/desk/callback/{code}"),
            &[("answer", "放在一楼大厅")],
        )
        .await;
    assert_eq!(answered.status, 303, "{}", answered.body);
    assert_eq!(crate::journey::status_of(&app, &code).await, "in_progress");
    assert!(
        chen.get(&format!("/r/{code}"))
            .await
            .body
            .contains("放在一楼大厅")
    );
    assert_eq!(
        chen.act(
            &code,
            &[("action", "resolve"), ("message", "志愿者已经帮忙搬好了")]
        )
        .await
        .status,
        303
    );
    let desk = reception.get("/desk").await;
    assert!(desk.body.contains("待回访") && desk.body.contains(&format!("/desk/callback/{code}")));
    let missing = reception
        .post_form(
            &format!("/desk/callback/{code}"),
            &[("solved", "yes"), ("rating", "")],
        )
        .await;
    assert_eq!(missing.status, 422);
    assert!(missing.body.contains("请选择 1 到 5 分"));
    let recorded = reception
        .post_form(
            &format!("/desk/callback/{code}"),
            &[("solved", "yes"), ("rating", "5"), ("comment", "很满意")],
        )
        .await;
    assert_eq!(recorded.status, 303, "{}", recorded.body);
    assert_eq!(crate::journey::status_of(&app, &code).await, "closed");
    let page = chen.get(&format!("/r/{code}")).await;
    assert!(page.body.contains("很满意") && page.body.contains("电话回访，由前台记录"));
    // Who took it down is said in the reader's language; her words stay hers.
    let english = app.signed_in("chen").await;
    english.get("/lang/en?back=/").await;
    let page = english.get(&format!("/r/{code}")).await;
    assert!(
        page.body
            .contains("The resident (by phone, recorded by reception)")
    );
    assert!(page.body.contains("很满意") && !page.body.contains("电话回访"));
    assert!(page.body.contains("5 / 5"));
    assert!(
        !reception
            .get("/desk")
            .await
            .body
            .contains(&format!("/desk/callback/{code}")),
        "off the list"
    );
}

async fn a_legal_callback_goes_to_the_legal_team_not_reception(app: Arc<TestApp>) {
    let sun = app.signed_in("sun").await;
    let sent = sun
        .report(
            &[
                ("category", "legal"),
                ("place", "B3-202"),
                ("description", "物业合同到期怎么续签"),
                ("contact", "phone"),
                ("phone", "13712345678"),
            ],
            &[],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let code = sent.code();
    let zhou = app.signed_in("zhou").await;
    let done = zhou
        .act(
            &code,
            &[("action", "resolve"), ("message", "已电话说明续签流程")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    run_due(&app.db, now() + 4 * DAY).await.expect("run");
    let heard = |who: &'static str| {
        format!(
            "SELECT COUNT(*) FROM notifications n JOIN requests r ON r.id = n.request_id \
             JOIN accounts a ON a.id = n.account_id \
             WHERE r.tracking_code = '{code}' AND n.message_key = 'notify-callback' AND a.username = '{who}'"
        )
    };
    assert_eq!(
        count(&app, &heard("reception")).await,
        0,
        "reception hears nothing of a legal question"
    );
    let told = count(&app, &heard("zhou")).await;
    assert_eq!(told, 1, "the legal team is asked to phone the resident");
}

async fn when_a_team_has_no_active_lead_the_secretary_hears(app: Arc<TestApp>) {
    let zhang_id = count(&app, "SELECT id FROM accounts WHERE username = 'zhang'").await;
    let secretary = app.signed_in("secretary").await;
    let left = secretary
        .post_form(
            &format!("/admin/accounts/{zhang_id}"),
            &[("role", "lead"), ("active", "0")],
        )
        .await;
    assert_eq!(left.status, 303, "{}", left.body);
    let huang = app.signed_in("huang").await;
    let code = huang
        .report(
            &[
                ("category", "lift"),
                ("place", "B6"),
                ("description", "电梯按钮失灵"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    // Past the response deadline but not yet twice the time.
    run_due(&app.db, now() + 3 * 3600).await.expect("run");
    let heard = |message: &str| {
        format!(
            "SELECT COUNT(*) FROM notifications n JOIN requests r ON r.id = n.request_id \
             JOIN accounts a ON a.id = n.account_id \
             WHERE r.tracking_code = '{code}' AND n.message_key = '{message}' AND a.username = 'secretary'"
        )
    };
    assert_eq!(
        count(&app, &heard("notify-overdue-lead")).await,
        1,
        "with no lead to tell, the secretary is told"
    );
    assert_eq!(count(&app, &heard("notify-overdue-secretary")).await, 0);
}
