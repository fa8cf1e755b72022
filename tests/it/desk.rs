//! The reception desk: a walk-in's request in under a minute, invitations,
//! password resets.

use std::sync::Arc;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(
    reception_enters_a_walk_in_and_reads_out_the_code,
    a_new_resident_registers_with_an_invitation
);

async fn reception_enters_a_walk_in_and_reads_out_the_code(app: Arc<TestApp>) {
    let reception = app.signed_in("reception").await;
    let form = reception.get("/desk").await;
    assert_eq!(form.status, 200);
    let missing = reception
        .post_form(
            "/desk",
            &[("category", "help"), ("description", "想请人帮忙换灯泡")],
        )
        .await;
    assert_eq!(missing.status, 422);
    assert!(missing.body.contains("请填写对方的称呼或电话"));
    assert!(missing.body.contains("想请人帮忙换灯泡"), "kept");
    let blank = reception.get("/desk").await;
    assert!(
        blank
            .body
            .contains("<option value=\"private\" selected>只有工作组和前台能看到</option>"),
        "a caller's request is private unless they want it shown, said as the desk"
    );
    let saved = reception
        .post_form(
            "/desk",
            &[
                ("channel", "phone"),
                ("name", "钱奶奶"),
                ("phone", "13900139000"),
                ("category", "help"),
                ("place", "B2-102"),
                ("description", "想请人帮忙换灯泡"),
                ("contact", "phone"),
                ("visibility", "private"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert!(saved.location.starts_with("/desk/done/"));
    let code = saved.code();
    let done = reception.get(&saved.location).await;
    assert!(done.body.contains("诉求已收到"));
    assert!(
        done.body
            .contains(&format!("{} {}", &code[..4], &code[4..])),
        "the code, spaced to read out"
    );
    let channel: String = grassroots::on_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT channel FROM requests WHERE tracking_code = $1"
    )
    .bind(&code)
    .fetch_one(pool)
    .await)
    .expect("channel");
    assert_eq!(channel, "phone");
    // The security team sees it with the caller's phone; neighbours do not.
    let chen = app.signed_in("chen").await;
    assert!(
        chen.get(&format!("/r/{code}"))
            .await
            .body
            .contains("13900139000")
    );
    assert_eq!(app.anonymous().get(&format!("/r/{code}")).await.status, 404);
}

async fn a_new_resident_registers_with_an_invitation(app: Arc<TestApp>) {
    let reception = app.signed_in("reception").await;
    let made = reception
        .post_form("/desk/invitations", &[("place", "B5-201")])
        .await;
    assert_eq!(made.status, 200);
    let code = made
        .body
        .split("class=\"code-big\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("invitation code shown")
        .to_string();
    let newcomer = app.anonymous();
    let weak = newcomer
        .post_form(
            "/register",
            &[
                ("code", &code),
                ("username", "lin"),
                ("display_name", "林阿姨"),
                ("password", "12345678"),
            ],
        )
        .await;
    assert_eq!(weak.status, 422);
    assert!(weak.body.contains("这个密码太容易被猜到"));
    assert!(weak.body.contains("value=\"林阿姨\""));
    let ok = newcomer
        .post_form(
            "/register",
            &[
                ("code", &code),
                ("username", "lin"),
                ("display_name", "林阿姨"),
                ("password", "lily pond 2026"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let report = newcomer.get("/report/lift").await;
    assert!(
        report.body.contains("value=\"B5-201\" selected"),
        "the home is the default place"
    );
    let reused = app
        .anonymous()
        .post_form(
            "/register",
            &[
                ("code", &code),
                ("username", "lin2"),
                ("display_name", "林"),
                ("password", "lily pond 2026"),
            ],
        )
        .await;
    assert_eq!(reused.status, 422, "an invitation works once");
    // A forgotten password: reception checks the identity card and makes a
    // link; the resident chooses the password. Reception never sees one.
    let unchecked = reception
        .post_form("/desk/reset", &[("username", "lin")])
        .await;
    assert_eq!(unchecked.status, 422, "the identity check comes first");
    assert!(!unchecked.body.contains("/signin/link/"));
    let reset = reception
        .post_form("/desk/reset", &[("username", "lin"), ("checked", "1")])
        .await;
    assert_eq!(reset.status, 200, "{}", reset.body);
    assert!(reset.body.contains("<svg"), "a code to scan at the desk");
    let link = reset
        .body
        .split("<p class=\"secret\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the link is shown")
        .to_string();
    let path = link
        .split(&app.base)
        .nth(1)
        .expect("a link to this site")
        .to_string();
    assert!(path.starts_with("/signin/link/"), "{path}");
    let still = app
        .anonymous()
        .post_form(
            "/signin",
            &[("username", "lin"), ("password", "lily pond 2026")],
        )
        .await;
    assert_eq!(
        still.status, 303,
        "the old password works until a new one is chosen"
    );
    let lin = app.anonymous();
    assert_eq!(lin.get(&path).await.status, 200);
    let chosen = lin
        .post_form(&path, &[("password", "lin's own pond 1961")])
        .await;
    assert_eq!(chosen.status, 303, "{}", chosen.body);
    let news = lin.get("/my").await;
    assert!(
        news.body
            .contains("前台为您的账号生成了一个设置新密码的链接"),
        "the resident is told"
    );
    let old = app
        .anonymous()
        .post_form(
            "/signin",
            &[("username", "lin"), ("password", "lily pond 2026")],
        )
        .await;
    assert_eq!(old.status, 422, "the old password is gone");
    let secretary = app.signed_in("secretary").await;
    let log = secretary.get("/admin/audit").await;
    assert!(
        log.body.contains("生成了设置新密码的链接") && log.body.contains("lin"),
        "{}",
        log.body
    );
    let staff_reset = reception
        .post_form("/desk/reset", &[("username", "zhang"), ("checked", "1")])
        .await;
    assert_eq!(staff_reset.status, 422, "reception resets residents only");
}
