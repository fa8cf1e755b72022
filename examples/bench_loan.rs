//! The desk's loans under load: many desks (clients) at once lend copies
//! of the demo estate's corner by their codes through `POST /api/v1/loans`
//! and take them back through `POST /api/v1/loans/return`, for a while;
//! then the database is asked for copies lent twice (there must be none)
//! and loans left open (there must be none). Run by `bench/run`; prints
//! `name value unit` lines.
//!
//! Usage: bench_loan BASE_URL DATABASE_URL SECONDS CLIENTS

use std::time::{Duration, Instant};

use grassroots::db::Db;
use grassroots::on_db;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, db_url, seconds, clients] = args.as_slice() else {
        eprintln!("usage: bench_loan BASE_URL DATABASE_URL SECONDS CLIENTS");
        std::process::exit(2);
    };
    let seconds: u64 = seconds.parse()?;
    let clients: usize = clients.parse()?;
    let db = Db::connect(db_url).await?;
    let community = grassroots::web::Community::default_one(&db).await?.id;
    let desk: i64 = on_db!(&db, |pool| sqlx::query_scalar(
        "SELECT id FROM accounts WHERE username = 'reception'"
    )
    .fetch_one(pool)
    .await)?;
    let token = grassroots::auth::tokens::create(&db, desk, "bench").await?;
    let codes: Vec<String> = on_db!(&db, |pool| sqlx::query_scalar(
        "SELECT c.code FROM book_copies c WHERE c.community_id = $1 AND NOT c.withdrawn \
         AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.copy_id = c.id AND l.returned_at IS NULL) \
         ORDER BY c.id LIMIT $2"
    )
    .bind(community)
    .bind((clients * 40) as i64)
    .fetch_all(pool)
    .await)?;
    let residents: Vec<String> = on_db!(&db, |pool| {
        sqlx::query_scalar(
        "SELECT username FROM accounts WHERE community_id = $1 AND role = 'resident' AND active ORDER BY id LIMIT 50"
    )
    .bind(community)
    .fetch_all(pool)
    .await
    })?;
    anyhow::ensure!(
        codes.len() >= clients && !residents.is_empty(),
        "the corner is too small"
    );
    let began = grassroots::db::now();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut all = tokio::task::JoinSet::new();
    for client in 0..clients {
        let http = http.clone();
        let base = base.clone();
        let token = token.clone();
        // Each desk has its own shelf of copies, as two desks never hold
        // the same book; a resident may borrow at any of them.
        let mine: Vec<String> = codes
            .iter()
            .skip(client)
            .step_by(clients)
            .cloned()
            .collect();
        let residents = residents.clone();
        all.spawn(async move {
            let mut lent: Vec<(u16, f64)> = Vec::new();
            let mut back: Vec<(u16, f64)> = Vec::new();
            let mut turn = 0usize;
            while Instant::now() < deadline {
                let code = &mine[turn % mine.len()];
                let who = &residents[(turn + client) % residents.len()];
                turn += 1;
                let sent = Instant::now();
                let status = http
                    .post(format!("{base}/api/v1/loans"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({ "code": code, "username": who }))
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0);
                lent.push((status, sent.elapsed().as_secs_f64() * 1000.0));
                let sent = Instant::now();
                let status = http
                    .post(format!("{base}/api/v1/loans/return"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({ "code": code }))
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0);
                back.push((status, sent.elapsed().as_secs_f64() * 1000.0));
            }
            (lent, back)
        });
    }
    let (mut lent, mut back) = (Vec::new(), Vec::new());
    while let Some(done) = all.join_next().await {
        let (l, b) = done?;
        lent.extend(l);
        back.extend(b);
    }
    let elapsed = started.elapsed().as_secs_f64();
    for (name, seen, ok) in [("loan", &lent, 201), ("loan_return", &back, 200)] {
        let mut ms: Vec<f64> = seen.iter().map(|(_, ms)| *ms).collect();
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| {
            ms.get(((ms.len() as f64 - 1.0) * q).round() as usize)
                .copied()
                .unwrap_or(f64::NAN)
        };
        let n = format!("{name}_c{clients}");
        let good = seen.iter().filter(|(s, _)| *s == ok).count();
        println!("{n}_throughput {:.0} req/s", seen.len() as f64 / elapsed);
        println!("{n}_p50 {:.1} ms", at(0.50));
        println!("{n}_p95 {:.1} ms", at(0.95));
        println!("{n}_p99 {:.1} ms", at(0.99));
        println!("{n}_failed {} answers", seen.len() - good);
    }
    let (twice, open): (i64, i64) = on_db!(&db, |pool| {
        sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM (SELECT copy_id FROM loans WHERE returned_at IS NULL \
                 GROUP BY copy_id HAVING COUNT(*) > 1) AS t), \
                (SELECT COUNT(*) FROM loans l JOIN book_copies c ON c.id = l.copy_id \
                 WHERE l.returned_at IS NULL AND c.community_id = $1 AND l.lent_by = $2 AND l.lent_at >= $3)"
    )
    .bind(community)
    .bind(desk)
    .bind(began)
    .fetch_one(pool)
    .await
    })?;
    println!("loan_copies_lent_twice {twice} copies");
    println!("loan_left_open {open} loans");
    Ok(())
}
