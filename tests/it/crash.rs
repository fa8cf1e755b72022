//! Crash safety, proven: the real binary serves while residents submit from
//! several clients at once, and is killed with SIGKILL at random moments,
//! then started again. Every submission that was answered with success must
//! be there exactly once; one whose answer was lost is retried with the
//! same key and must then be there exactly once too. The database must pass
//! its integrity check after every kill and the server must start cleanly.
//!
//! CI runs a short form (`GRASSROOTS_KILLS`, 25 by default, per engine);
//! `GRASSROOTS_KILLS=300 cargo test --test it crash -- --nocapture` runs it
//! at length and prints what it saw.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::on_both_engines;
use crate::support::TestApp;

pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) base: String,
}

impl Server {
    /// Starts the binary on a free port and waits for the line saying
    /// where it serves: no sleeping for readiness.
    pub(crate) fn start(db_url: &str, data_dir: &std::path::Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_grassroots"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env("GRASSROOTS_DATABASE_URL", db_url)
            .env("GRASSROOTS_DATA_DIR", data_dir)
            .env("GRASSROOTS_RATE_LIMITS", "off")
            .env("RUST_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the grassroots binary");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("Grassroots serves ") {
                    let base = rest.split('/').take(3).collect::<Vec<_>>().join("/");
                    let _ = tx.send(base);
                }
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server said where it serves");
        Server { child, base }
    }

    pub(crate) fn kill(mut self) {
        // `Child::kill` sends SIGKILL: no shutdown code runs.
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }
}

/// A server left running by a failed test does not outlive it.
impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Door {
    Api,
    Form,
}

#[derive(Default)]
struct Ledger {
    /// marker → the tracking code the success answer named.
    acknowledged: BTreeMap<String, String>,
    /// Sent, answer lost: retried with the same key after the restart.
    unanswered: Vec<(String, Door)>,
    /// Answers lost to a kill (each retried later with its key).
    lost_answers: u64,
}

fn description(marker: &str) -> String {
    format!("断电测试 {marker} 的诉求")
}

/// One submission; `Some(code)` when the server answered with success.
async fn submit(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    marker: &str,
    door: Door,
) -> Option<String> {
    let answer = match door {
        Door::Api => {
            http.post(format!("{base}/api/v1/requests"))
                .bearer_auth(token)
                .header("idempotency-key", format!("key-{marker}"))
                .json(&json!({"category": "light", "place": "PAVILION", "description": description(marker)}))
                .send()
                .await
        }
        Door::Form => {
            let form = reqwest::multipart::Form::new()
                .text("once", format!("once-{marker}"))
                .text("category", "clean")
                .text("place", "POND")
                .text("description", description(marker))
                .text("go_ahead", "1");
            http.post(format!("{base}/report")).multipart(form).send().await
        }
    };
    let answer = answer.ok()?;
    let status = answer.status().as_u16();
    match (door, status) {
        (Door::Api, 201) => {
            let body: Value = answer.json().await.ok()?;
            body["tracking_code"].as_str().map(str::to_string)
        }
        (Door::Form, 303) => {
            let location = answer.headers().get("location")?.to_str().ok()?.to_string();
            Some(
                location
                    .trim_start_matches("/r/")
                    .split(['?', '/'])
                    .next()?
                    .to_string(),
            )
        }
        // The server was going down, or a claim from before the kill is
        // still settling: retried later with the same key.
        (_, 409 | 500..=599) => None,
        (_, other) => panic!("{door:?} submission of {marker} answered {other}"),
    }
}

async fn the_server_survives_being_killed(app: Arc<TestApp>) {
    let kills: usize = std::env::var("GRASSROOTS_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(25);
    let data_dir = tempfile::tempdir().expect("data dir");
    let sqlite_file = app.db_url.strip_prefix("sqlite://").map(str::to_string);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    // Tokens live in the database the killed servers share.
    let token = app.api_token("huang").await;

    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15 ^ u64::from(std::process::id());
    let mut next_random = move |below: u64| {
        // xorshift: a different schedule of kills on every run.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % below
    };
    for round in 0..kills {
        let server = Server::start(&app.db_url, data_dir.path());
        // First the submissions whose answers were lost, with their keys.
        // On PostgreSQL several servers may share the database, so a
        // claim left by a killed one is only taken over once it is stale
        // (35 s): those are retried at the end instead.
        let retry: Vec<(String, Door)> = if sqlite_file.is_some() {
            std::mem::take(&mut ledger.lock().expect("ledger").unanswered)
        } else {
            Vec::new()
        };
        let mut clients = Vec::new();
        for client in 0..4u64 {
            let (http, base, token, ledger) = (
                http.clone(),
                server.base.clone(),
                token.clone(),
                ledger.clone(),
            );
            let mine: Vec<(String, Door)> = retry
                .iter()
                .enumerate()
                .filter(|(i, _)| *i as u64 % 4 == client)
                .map(|(_, r)| r.clone())
                .collect();
            clients.push(tokio::spawn(async move {
                let fresh = (0..).map(|n| {
                    let door = if (n + client) % 2 == 0 {
                        Door::Api
                    } else {
                        Door::Form
                    };
                    (format!("r{round}c{client}n{n}"), door)
                });
                for (marker, door) in mine.into_iter().chain(fresh) {
                    match submit(&http, &base, &token, &marker, door).await {
                        Some(code) => {
                            ledger
                                .lock()
                                .expect("ledger")
                                .acknowledged
                                .insert(marker, code);
                        }
                        None => {
                            {
                                let mut ledger = ledger.lock().expect("ledger");
                                ledger.unanswered.push((marker, door));
                                ledger.lost_answers += 1;
                            }
                            // The server is gone: stop until it is back.
                            if reqwest::get(format!("{base}/healthz")).await.is_err() {
                                return;
                            }
                            tokio::time::sleep(Duration::from_millis(200)).await;
                        }
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(30 + next_random(400))).await;
        server.kill();
        for client in clients {
            client.await.expect("client");
        }
        if let Some(file) = &sqlite_file {
            assert_integrity(file, round).await;
        }
    }

    // Settle: start once more and retry whatever is still unanswered until
    // every submission has its answer.
    let server = Server::start(&app.db_url, data_dir.path());
    if sqlite_file.is_none() {
        tokio::time::sleep(Duration::from_secs(36)).await;
    }
    for _ in 0..120 {
        let retry = std::mem::take(&mut ledger.lock().expect("ledger").unanswered);
        if retry.is_empty() {
            break;
        }
        for (marker, door) in retry {
            match submit(&http, &server.base, &token, &marker, door).await {
                Some(code) => {
                    ledger
                        .lock()
                        .expect("ledger")
                        .acknowledged
                        .insert(marker, code);
                }
                None => ledger
                    .lock()
                    .expect("ledger")
                    .unanswered
                    .push((marker, door)),
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        server.base.starts_with("http://"),
        "the server started cleanly after the last kill"
    );
    server.kill();

    let ledger = std::mem::take(&mut *ledger.lock().expect("ledger"));
    assert!(
        ledger.unanswered.is_empty(),
        "every retry was answered in the end"
    );
    let saved: Vec<(String, String)> = grassroots::on_db!(&app.db, |pool| sqlx::query_as(
        "SELECT description, tracking_code FROM requests WHERE description LIKE '断电测试 %'"
    )
    .fetch_all(pool)
    .await)
    .expect("saved requests");
    let mut by_marker: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (description, code) in saved {
        let marker = description
            .split(' ')
            .nth(1)
            .unwrap_or_default()
            .to_string();
        by_marker.entry(marker).or_default().push(code);
    }
    for (marker, code) in &ledger.acknowledged {
        let codes = by_marker.get(marker).map(Vec::as_slice).unwrap_or_default();
        assert_eq!(
            codes,
            std::slice::from_ref(code),
            "{marker} was acknowledged as {code}: saved exactly once"
        );
    }
    for (marker, codes) in &by_marker {
        assert_eq!(codes.len(), 1, "{marker} saved more than once: {codes:?}");
        assert!(
            ledger.acknowledged.contains_key(marker),
            "{marker} saved but never answered"
        );
    }
    println!(
        "{} kills on {}: {} submissions acknowledged, {} answers lost to a kill and retried, none lost or doubled",
        kills,
        app.db.engine(),
        ledger.acknowledged.len(),
        ledger.lost_answers
    );
}

/// SQLite's own check of the file the killed server left behind.
async fn assert_integrity(file: &str, round: usize) {
    use sqlx::{ConnectOptions, Connection};
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(file)
        .connect()
        .await
        .expect("open the database after the kill");
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .expect("integrity check");
    assert_eq!(check, "ok", "integrity check after kill {round}");
    let _ = conn.close().await;
}

on_both_engines!(the_server_survives_being_killed);
