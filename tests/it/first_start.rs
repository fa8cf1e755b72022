//! A new estate: the binary's subcommands, and the first administrator's
//! one-time sign-in link on an empty database.

use std::process::Command;

use crate::support::TestApp;

fn grassroots(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_grassroots"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("GRASSROOTS_DATABASE_URL")
        .output()
        .expect("run grassroots")
}

#[test]
fn the_command_line_migrates_and_manages_accounts() {
    let dir = tempfile::tempdir().expect("dir");
    let migrated = grassroots(dir.path(), &["migrate"]);
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    assert!(
        dir.path().join("grassroots.db").exists(),
        "the SQLite file is made in the data folder"
    );

    let weak = grassroots(
        dir.path(),
        &[
            "admin",
            "create-account",
            "--username",
            "li",
            "--name",
            "李书记",
            "--role",
            "admin",
            "--password",
            "12345678",
        ],
    );
    assert!(!weak.status.success(), "a common password is refused");
    let bad_role = grassroots(
        dir.path(),
        &[
            "admin",
            "create-account",
            "--username",
            "li",
            "--name",
            "李",
            "--role",
            "mayor",
            "--password",
            "lily pond 2026",
        ],
    );
    assert!(!bad_role.status.success());
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("unknown role"));
    let made = grassroots(
        dir.path(),
        &[
            "admin",
            "create-account",
            "--username",
            "li",
            "--name",
            "李书记",
            "--role",
            "admin",
            "--password",
            "lily pond 2026",
        ],
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let again = grassroots(
        dir.path(),
        &[
            "admin",
            "create-account",
            "--username",
            "li",
            "--name",
            "李书记",
            "--role",
            "admin",
            "--password",
            "lily pond 2026",
        ],
    );
    assert!(!again.status.success(), "a taken username is refused");
    let reset = grassroots(
        dir.path(),
        &[
            "admin",
            "reset-password",
            "--username",
            "li",
            "--password",
            "a new pond 2027",
        ],
    );
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    let unknown = grassroots(
        dir.path(),
        &[
            "admin",
            "reset-password",
            "--username",
            "nobody",
            "--password",
            "a new pond 2027",
        ],
    );
    assert!(!unknown.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_estate_prints_a_one_time_link_for_its_first_administrator() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("fresh.db").display());
    let db = grassroots::db::Db::connect(&url).await.expect("connect");
    db.migrate().await.expect("migrate");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let args = grassroots::config::ServeArgs::default();
    let startup = grassroots::server::prepare(&db, &args, &base)
        .await
        .expect("prepare");
    let line = startup
        .lines
        .iter()
        .find(|l| l.contains("/signin/link/"))
        .expect("a sign-in link is printed");
    let link = line
        .split(&base)
        .nth(1)
        .expect("link path")
        .trim()
        .to_string();
    let again = grassroots::server::prepare(&db, &args, &base)
        .await
        .expect("prepare again");
    assert!(
        !again.lines.iter().any(|l| l.contains("/signin/link/")),
        "only while there is no administrator… and one exists now"
    );
    tokio::spawn(grassroots::server::serve(
        db.clone(),
        listener,
        grassroots::web::WebConfig::default(),
    ));

    let app = TestApp::client_for(&base);
    let shown = app.get(&link).await;
    assert_eq!(
        shown.status, 200,
        "the link shows where to choose a password, it does not sign in on GET"
    );
    assert!(shown.body.contains("autocomplete=\"new-password\""));
    let weak = app.post_form(&link, &[("password", "password123")]).await;
    assert_eq!(
        weak.status, 422,
        "a weak password is refused and the link kept"
    );
    let used = app
        .post_form(&link, &[("password", "lily pond 2026")])
        .await;
    assert_eq!(used.status, 303, "{}", used.body);
    assert!(used.location.starts_with("/account/password"));
    assert_eq!(
        app.get("/admin").await.status,
        200,
        "the first administrator runs the estate"
    );
    let reuse = TestApp::client_for(&base)
        .post_form(&link, &[("password", "another pond 2027")])
        .await;
    assert_eq!(reuse.status, 422, "the link works once");
    let admin = TestApp::client_for(&base);
    let signed = admin
        .post_form(
            "/signin",
            &[("username", "admin"), ("password", "lily pond 2026")],
        )
        .await;
    assert_eq!(signed.status, 303, "the chosen password signs in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_with_demo_prints_the_accounts_and_addresses_again() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let db = grassroots::db::Db::connect(&url).await.expect("connect");
    db.migrate().await.expect("migrate");
    let args = grassroots::config::ServeArgs {
        demo: true,
        ..Default::default()
    };
    let base = "http://127.0.0.1:9";
    let first = grassroots::server::prepare(&db, &args, base)
        .await
        .expect("prepare");
    let again = grassroots::server::prepare(&db, &args, base)
        .await
        .expect("prepare again");
    let kiosk = |lines: &[String]| {
        lines
            .iter()
            .find(|l| l.contains("/kiosk/"))
            .cloned()
            .expect("the kiosk's address")
    };
    assert_eq!(kiosk(&again.lines), kiosk(&first.lines), "the same kiosk");
    assert!(again.lines.iter().any(|l| l.contains("Demo accounts")));
    assert!(again.lines.iter().any(|l| l.contains("/screen/")));
    assert!(again.lines.iter().any(|l| l.contains("already loaded")));
}
