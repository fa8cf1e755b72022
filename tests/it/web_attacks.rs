//! The web's usual attacks: security headers on every kind of answer,
//! cross-site form posts refused, session cookies that scripts cannot read
//! and that are new at every sign-in.

use std::sync::Arc;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(
    every_answer_carries_the_security_headers,
    a_cross_site_post_is_refused_and_saves_nothing,
    signing_in_gives_a_new_cookie_scripts_cannot_read,
);

async fn every_answer_carries_the_security_headers(app: Arc<TestApp>) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for path in [
        "/",
        "/report",
        "/api/v1/categories",
        "/open311/v2/services.json?jurisdiction_id=jinyuan",
        "/no/such/page",
        "/queue",
    ] {
        let answer = http.get(app.url(path)).send().await.expect("get");
        let headers = answer.headers();
        let csp = headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{path}: no Content-Security-Policy"));
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
    }
}

async fn a_cross_site_post_is_refused_and_saves_nothing(app: Arc<TestApp>) {
    let huang = app.signed_in("huang").await;
    // Another site's page makes the resident's browser post the form.
    let forged = huang
        .http
        .post(app.url("/report"))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .form(&[
            ("category", "light"),
            ("place", "PAVILION"),
            ("description", "别人网站伪造的提交"),
            ("go_ahead", "1"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), 403);
    assert_eq!(app.requests_described("别人网站伪造的提交").await, 0);
    // The same post from the site itself goes through.
    let own = huang
        .report(
            &[
                ("category", "light"),
                ("place", "PAVILION"),
                ("description", "自己网站的提交"),
                ("go_ahead", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(own.status, 303);
    assert_eq!(app.requests_described("自己网站的提交").await, 1);
}

async fn signing_in_gives_a_new_cookie_scripts_cannot_read(app: Arc<TestApp>) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let sign_in = |planted: &'static str| {
        http.post(app.url("/signin"))
            .header("cookie", format!("gr_session={planted}"))
            .form(&[
                ("username", "huang"),
                ("password", grassroots::demo::DEMO_PASSWORD),
            ])
            .send()
    };
    let first = sign_in("a-session-id-an-attacker-planted")
        .await
        .expect("post");
    assert_eq!(first.status(), 303);
    let cookie = first.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(cookie.starts_with("gr_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("a-session-id-an-attacker-planted"),
        "a planted session is never kept: {cookie}"
    );
    let second = sign_in("x").await.expect("post");
    let again = second.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert_ne!(
        cookie.split(';').next(),
        again.split(';').next(),
        "every sign-in makes a new session"
    );
    // The planted one opens nothing.
    let planted = http
        .get(app.url("/my"))
        .header("cookie", "gr_session=a-session-id-an-attacker-planted")
        .send()
        .await
        .expect("get");
    assert_eq!(planted.status(), 303, "sent to sign in");
}
