//! Private stays private: private requests, contact details and internal
//! notes reach only those who handle them; roles and communities are
//! checked on every page.

use std::sync::Arc;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(
    a_public_request_names_the_building_not_the_flat,
    only_leads_route_work,
    a_new_password_ends_other_sessions_and_tokens,
    tokens_end_when_idle_revoked_or_signed_out_everywhere,
    a_legal_question_is_seen_only_by_the_reporter_and_the_legal_team,
    staff_of_another_community_see_nothing_private,
    pages_check_the_role,
);

async fn a_legal_question_is_seen_only_by_the_reporter_and_the_legal_team(app: Arc<TestApp>) {
    let sun = app.signed_in("sun").await;
    // Even asked to be public, a legal question is private by nature.
    let sent = sun
        .report(
            &[
                ("category", "legal"),
                ("place", "B3-202"),
                ("description", "房东不退押金三千元"),
                ("visibility", "public"),
                ("phone", "13712345678"),
            ],
            &[],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    let code = sent.code();
    let secret_words = "房东不退押金三千元";

    assert!(
        sun.get(&format!("/r/{code}"))
            .await
            .body
            .contains(secret_words),
        "the reporter sees it"
    );
    let zhou = app.signed_in("zhou").await;
    let legal = zhou.get(&format!("/r/{code}")).await;
    assert!(
        legal.body.contains(secret_words) && legal.body.contains("13712345678"),
        "the legal team sees it"
    );

    for who in ["huang", "zhang", "liu", "zhao", "reception", "secretary"] {
        let person = app.signed_in(who).await;
        let page = person.get(&format!("/r/{code}")).await;
        assert_eq!(page.status, 404, "{who} must not see a legal question");
        assert!(!page.body.contains(secret_words));
        let acted = person
            .act(&code, &[("action", "resolve"), ("message", "x")])
            .await;
        assert_eq!(acted.status, 404, "{who} must not act on it");
        let api = person.get_json(&format!("/api/v1/requests/{code}")).await;
        assert_eq!(api.status, 404);
    }
    let visitor = app.anonymous();
    assert_eq!(visitor.get(&format!("/r/{code}")).await.status, 404);
    for public_page in ["/", "/requests", "/requests?all=1"] {
        let page = visitor.get(public_page).await;
        assert!(
            !page.body.contains(secret_words),
            "{public_page} leaks a legal question"
        );
        assert!(
            !page.body.contains(&code),
            "{public_page} lists a private request"
        );
    }
    let huang = app.signed_in("huang").await;
    let theirs = huang.get_json("/api/v1/requests").await;
    assert!(!theirs.body.contains(secret_words));
    // Photos of a private request follow the request.
    let follow = huang.post_form(&format!("/r/{code}/follow"), &[]).await;
    assert_eq!(follow.status, 404);
}

async fn staff_of_another_community_see_nothing_private(app: Arc<TestApp>) {
    use grassroots::auth::Role;
    use grassroots::community::{Community, create_account};
    let other = Community::create(&app.db, "hexie", "和谐小区", "Hexie Estate")
        .await
        .expect("community");
    create_account(
        &app.db,
        other,
        "outsider",
        "外小区书记",
        Role::Admin,
        Some(grassroots::demo::DEMO_PASSWORD),
        None,
    )
    .await
    .expect("account")
    .expect("new");
    let huang = app.signed_in("huang").await;
    let code = huang
        .report(
            &[
                ("category", "help"),
                ("place", "B1-101"),
                ("description", "我一个人住，腿脚不便"),
                ("visibility", "private"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    let outsider = app.signed_in("outsider").await;
    let page = outsider.get(&format!("/r/{code}")).await;
    assert_eq!(page.status, 404);
    assert!(!page.body.contains("腿脚不便"));
    let acted = outsider
        .act(&code, &[("action", "resolve"), ("message", "x")])
        .await;
    assert_eq!(acted.status, 404);
    let queue = outsider.get("/queue").await;
    assert_eq!(queue.status, 200);
    assert!(!queue.body.contains(&code), "another community's queue");
    let api = outsider.get_json("/api/v1/requests").await;
    assert!(!api.body.contains(&code));
    // Even a public request is not theirs to handle.
    let public = huang
        .report(
            &[
                ("category", "clean"),
                ("place", "B1"),
                ("description", "楼道很脏"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    assert_eq!(
        outsider
            .act(&public, &[("action", "resolve"), ("message", "x")])
            .await
            .status,
        403
    );
}

async fn pages_check_the_role(app: Arc<TestApp>) {
    let visitor = app.anonymous();
    for path in [
        "/queue",
        "/desk",
        "/admin",
        "/admin/accounts",
        "/my",
        "/account/password",
        "/account/news",
        "/admin/calendar",
    ] {
        let answer = visitor.get(path).await;
        assert_eq!(answer.status, 303, "{path} without signing in");
        assert!(
            answer.location.starts_with("/signin?next="),
            "{path} → {}",
            answer.location
        );
    }
    let huang = app.signed_in("huang").await;
    for path in [
        "/queue",
        "/desk",
        "/admin",
        "/admin/places",
        "/admin/categories",
        "/admin/calendar",
    ] {
        assert_eq!(
            huang.get(path).await.status,
            403,
            "a resident opened {path}"
        );
    }
    let liu = app.signed_in("liu").await;
    for path in ["/desk", "/admin", "/admin/calendar"] {
        assert_eq!(liu.get(path).await.status, 403, "a member opened {path}");
    }
    let reception = app.signed_in("reception").await;
    assert_eq!(reception.get("/desk").await.status, 200);
    assert_eq!(reception.get("/admin").await.status, 403);
    // A member of another team may not handle the property team's request.
    let code = crate::journey::resolved_request(&app).await;
    let chen = app.signed_in("chen").await;
    assert_eq!(chen.act(&code, &[("action", "reopen")]).await.status, 403);
    // A resident may not confirm someone else's request.
    let sun = app.signed_in("sun").await;
    let refused = sun
        .post_form(
            &format!("/r/{code}/confirm"),
            &[("solved", "yes"), ("rating", "5")],
        )
        .await;
    assert_eq!(refused.status, 403);
    // Security headers on every page.
    let home = app
        .anonymous()
        .http
        .get(app.url("/"))
        .send()
        .await
        .expect("home");
    let csp = home
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(csp.contains("default-src 'self'"));
    assert_eq!(
        home.headers()
            .get("x-frame-options")
            .and_then(|v| v.to_str().ok()),
        Some("DENY")
    );
}

async fn a_public_request_names_the_building_not_the_flat(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let code = huang
        .report(
            &[
                ("category", "water"),
                ("place", "B1-101"),
                ("description", "厨房漏水"),
                ("visibility", "public"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    let own = huang.get(&format!("/r/{code}")).await;
    assert!(
        own.body.contains("1号楼101室"),
        "the reporter sees the flat"
    );
    let zhang = app.signed_in("zhang").await;
    assert!(
        zhang
            .get(&format!("/r/{code}"))
            .await
            .body
            .contains("1号楼101室"),
        "staff see the flat"
    );
    for path in [
        format!("/r/{code}"),
        "/requests".to_string(),
        "/".to_string(),
    ] {
        let page = app.anonymous().get(&path).await;
        assert!(!page.body.contains("1号楼101室"), "{path} names the flat");
    }
    assert!(
        app.anonymous()
            .get(&format!("/r/{code}"))
            .await
            .body
            .contains("1号楼"),
        "neighbours see the building"
    );
    let api = app
        .anonymous()
        .get_json(&format!("/api/v1/requests/{code}"))
        .await;
    assert!(!api.body.contains("B1-101") && !api.body.contains("101室"));
}

async fn only_leads_route_work(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    let code = huang
        .report(
            &[
                ("category", "lift"),
                ("place", "B5"),
                ("description", "电梯不动"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await
        .code();
    let liu = app.signed_in("liu").await;
    let page = liu.get(&format!("/r/{code}")).await;
    assert!(
        !page.body.contains("value=\"reject\""),
        "members are not offered to reject"
    );
    for step in [
        vec![("action", "reject"), ("reason", "不归我们管")],
        vec![("action", "refer"), ("to", "街道办")],
    ] {
        let refused = liu.act(&code, &step).await;
        assert_eq!(refused.status, 409);
        assert!(refused.body.contains("只有组长可以"));
    }
    assert_eq!(
        liu.act(&code, &[("action", "take")]).await.status,
        303,
        "members take work"
    );
    let zhang = app.signed_in("zhang").await;
    assert!(
        zhang
            .get(&format!("/r/{code}"))
            .await
            .body
            .contains("value=\"reject\"")
    );
    assert_eq!(
        zhang
            .act(&code, &[("action", "refer"), ("to", "电梯维保公司")])
            .await
            .status,
        303
    );
    // Reopening takes the referral back.
    assert_eq!(zhang.act(&code, &[("action", "reopen")]).await.status, 303);
    let page = zhang.get(&format!("/r/{code}")).await;
    assert!(
        !page.body.contains("已转交</dt>"),
        "the referral no longer stands"
    );
}

async fn a_new_password_ends_other_sessions_and_tokens(app: Arc<TestApp>) {
    let phone = app.signed_in("sun").await;
    let laptop = app.signed_in("sun").await;
    let token = app.api_token("sun").await;
    let without_current = laptop
        .post_form("/account/password", &[("password", "a brand new pond 9")])
        .await;
    assert_eq!(
        without_current.status, 422,
        "a session alone cannot change the password"
    );
    let wrong_current = laptop
        .post_form(
            "/account/password",
            &[
                ("current", "not my password"),
                ("password", "a brand new pond 9"),
            ],
        )
        .await;
    assert_eq!(wrong_current.status, 422);
    assert_eq!(phone.get("/my").await.status, 200, "nothing changed yet");
    let changed = laptop
        .post_form(
            "/account/password",
            &[
                ("current", grassroots::demo::DEMO_PASSWORD),
                ("password", "a brand new pond 9"),
            ],
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(laptop.get("/my").await.status, 200, "this session goes on");
    assert_eq!(phone.get("/my").await.status, 303, "the other session ends");
    let api = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("me");
    assert_eq!(api.status().as_u16(), 401, "old tokens stop working");
    let redirect = app.anonymous().get("/lang/en?back=/%09/evil.example").await;
    assert_eq!(redirect.location, "/", "no way off the site");
    let newline = app.anonymous().get("/lang/en?back=/%0A").await;
    assert!(newline.status < 500);
}

async fn me_status(app: &TestApp, token: &str) -> u16 {
    reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .expect("me")
        .status()
        .as_u16()
}

async fn tokens_end_when_idle_revoked_or_signed_out_everywhere(app: Arc<TestApp>) {
    // A month unused, a token stops working.
    let idle = app.api_token("huang").await;
    assert_eq!(me_status(&app, &idle).await, 200);
    grassroots::on_db!(&app.db, |pool| sqlx::query(
        "UPDATE api_tokens SET created_at = created_at - 31 * 86400, last_used_at = last_used_at - 31 * 86400"
    )
    .execute(pool)
    .await
    .map(|_| ()))
    .expect("a month passes");
    assert_eq!(me_status(&app, &idle).await, 401, "an idle token ends");

    // The owner sees their tokens on /account and revokes one there, or
    // through the API.
    let phone = app.api_token("huang").await;
    let laptop = app.api_token("huang").await;
    let huang = app.signed_in("huang").await;
    let listed: serde_json::Value =
        serde_json::from_str(&huang.get_json("/api/v1/me/tokens").await.body).expect("json");
    let live: Vec<&serde_json::Value> = listed
        .as_array()
        .expect("list")
        .iter()
        .filter(|t| t["live"] == true)
        .collect();
    assert_eq!(live.len(), 2, "{listed}");
    assert!(
        !listed.to_string().contains(&phone),
        "tokens are never shown again"
    );
    let page = huang.get("/account/tokens").await;
    assert_eq!(page.status, 200);
    let first_id = live[0]["id"].as_str().expect("id").to_string();
    assert!(
        page.body
            .contains(&format!("/account/tokens/{first_id}/revoke"))
    );
    let revoked = huang
        .post_form(&format!("/account/tokens/{first_id}/revoke"), &[])
        .await;
    assert_eq!(revoked.status, 303);
    let statuses = [
        me_status(&app, &phone).await,
        me_status(&app, &laptop).await,
    ];
    assert!(
        statuses.contains(&401) && statuses.contains(&200),
        "{statuses:?}"
    );
    let sun = app.signed_in("sun").await;
    let not_theirs = sun
        .post_form(
            &format!(
                "/account/tokens/{}/revoke",
                live[1]["id"].as_str().expect("id")
            ),
            &[],
        )
        .await;
    assert_eq!(not_theirs.status, 404, "nobody revokes another's token");

    // Signing out everywhere ends every session and every token, and a
    // password link the person did not ask for.
    let reception = app.signed_in("reception").await;
    let made = reception
        .post_form("/desk/reset", &[("username", "huang"), ("checked", "1")])
        .await;
    let link = made
        .body
        .split("<p class=\"secret\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .and_then(|url| url.split(&app.base).nth(1))
        .expect("a link")
        .to_string();
    assert_eq!(app.anonymous().get(&link).await.status, 200);
    let other_session = app.signed_in("huang").await;
    let out = huang
        .post_form("/account/signout-everywhere", &[("everywhere", "yes")])
        .await;
    assert_eq!(out.status, 303);
    assert_eq!(me_status(&app, &phone).await, 401);
    assert_eq!(me_status(&app, &laptop).await, 401);
    assert_eq!(
        other_session.get("/my").await.status,
        303,
        "the other session ends"
    );
    assert_eq!(huang.get("/my").await.status, 303, "and this one");
    assert_eq!(
        app.anonymous().get(&link).await.status,
        422,
        "the unasked-for link is gone too"
    );
}
