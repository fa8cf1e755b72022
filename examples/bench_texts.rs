//! Texts through a local gateway: N texts waiting in the first community
//! (marked danger, so the night's quiet hours hold none whenever the bench
//! runs), sent pass by pass as the sender does, each claimed and recorded;
//! the gateway is an HTTP server in this process that answers at once.
//! Prints `name value unit` lines; fails if any text was sent twice or not
//! at all.
//!
//! Usage: bench_texts DATABASE_URL COUNT

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::Router;
use axum::routing::post;
use grassroots::db::{Db, now};
use grassroots::on_db;
use grassroots::sms::gateway::Gateway;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(db_url), Some(count)) = (args.next(), args.next()) else {
        eprintln!("usage: bench_texts DATABASE_URL COUNT");
        std::process::exit(2);
    };
    let count: i64 = count.parse()?;
    let db = Db::connect(&db_url).await?;

    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    let sink = Router::new().route(
        "/send",
        post(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                r#"{"code":0}"#
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/send", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, sink).await });

    let community: i64 = on_db!(&db, |pool| sqlx::query_scalar(
        "SELECT MIN(id) FROM communities"
    )
    .fetch_one(pool)
    .await)?;
    let gateway = Gateway {
        url,
        method: "POST".into(),
        content_type: "json".into(),
        body_template: r#"{"mobile": "{phone}", "content": "{text}", "uid": "{ref}"}"#.into(),
        secret: "bench".into(),
        success_marker: r#""code":0"#.into(),
        per_person_day: 100,
        per_day: 100_000,
    };
    let account: i64 = on_db!(&db, |pool| sqlx::query_scalar(
        "SELECT MIN(id) FROM accounts WHERE community_id = $1"
    )
    .bind(community)
    .fetch_one(pool)
    .await)?;
    Gateway::save(&db, community, &gateway, account).await?;
    let at = now();
    on_db!(&db, |pool| sqlx::query("DELETE FROM sms_messages")
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    for i in 0..count {
        on_db!(&db, |pool| sqlx::query(
            "INSERT INTO sms_messages (community_id, account_id, phone, lang, message_key, danger, \
             created_at, next_try_at) VALUES ($1, $2, $3, 'zh', 'notify-update', TRUE, $4, $4)"
        )
        .bind(community)
        .bind(account)
        .bind(format!("138{:08}", i))
        .bind(at)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    }

    let client = grassroots::sms::gateway::client().map_err(anyhow::Error::msg)?;
    let started = Instant::now();
    let mut sent = 0;
    loop {
        let pass = grassroots::sms::send_due(&db, &client, "https://bench.example", now()).await?;
        anyhow::ensure!(pass.failed == 0, "texts failed: {pass:?}");
        sent += pass.sent;
        if pass.sent == 0 {
            break;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    // The server's own sender may have taken a pass meanwhile: what counts
    // is that every text went once.
    let arrived = received.load(Ordering::Relaxed);
    let recorded: i64 = on_db!(&db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM sms_messages WHERE status = 'sent'"
    )
    .fetch_one(pool)
    .await)?;
    anyhow::ensure!(
        recorded == count && arrived == count as u64,
        "{count} texts waiting, {recorded} recorded sent, {arrived} arrived ({sent} by this sender)"
    );
    Gateway::remove(&db, community).await?;
    println!("texts_sent {sent} texts");
    println!("texts_per_second {:.0} texts/s", count as f64 / seconds);
    Ok(())
}
