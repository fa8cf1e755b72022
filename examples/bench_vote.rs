//! Voting under load: a household poll is opened in the demo estate with
//! 300 new flats of two residents each; many clients vote at once through
//! `POST /api/v1/polls/{id}/votes`, each as a random resident changing
//! their household's vote, for a while; then the ballots are counted: one
//! per household whose vote was acknowledged, with one mark each. Run by
//! `bench/run`; prints `name value unit` lines.
//!
//! Usage: bench_vote BASE_URL DATABASE_URL SECONDS CLIENTS

use std::collections::HashSet;
use std::time::{Duration, Instant};

use grassroots::db::{Db, now};
use grassroots::on_db;
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

const FLATS: i64 = 300;

/// Makes the flats, their residents (with API tokens) and the poll.
async fn prepare(db: &Db) -> anyhow::Result<(i64, Vec<i64>, Vec<(String, i64)>)> {
    let community = grassroots::web::Community::default_one(db).await?.id;
    let building: i64 = on_db!(db, |pool| sqlx::query_scalar(
        "INSERT INTO places (community_id, kind, code, name_zh, name_en) \
         VALUES ($1, 'building', 'BV', '投票楼', 'Voting block') RETURNING id"
    )
    .bind(community)
    .fetch_one(pool)
    .await)?;
    let mut voters = Vec::new();
    for flat in 0..FLATS {
        let unit: i64 = on_db!(db, |pool| sqlx::query_scalar(
            "INSERT INTO places (community_id, kind, code, name_zh, name_en, parent_id) \
             VALUES ($1, 'unit', $2, $2, $2, $3) RETURNING id"
        )
        .bind(community)
        .bind(format!("BV-{flat:04}"))
        .bind(building)
        .fetch_one(pool)
        .await)?;
        for member in ["a", "b"] {
            let username = format!("voter-{flat}-{member}");
            let account = grassroots::community::create_account(
                db,
                community,
                &username,
                &username,
                grassroots::auth::Role::Resident,
                None,
                None,
            )
            .await?
            .ok_or_else(|| anyhow::anyhow!("{username} exists"))?;
            on_db!(db, |pool| sqlx::query(
                "INSERT INTO household_members (place_id, account_id) VALUES ($1, $2)"
            )
            .bind(unit)
            .bind(account)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
            let token = grassroots::auth::tokens::create(db, account, "bench").await?;
            voters.push((token, unit));
        }
    }
    let at = now();
    let poll = grassroots::polls::store::NewPoll {
        title_zh: "投票压力测试".into(),
        title_en: "Voting under load".into(),
        body_zh: String::new(),
        body_en: String::new(),
        per: "household",
        live_results: false,
        opens_at: at - 60,
        closes_at: at + 3600,
        questions: vec![grassroots::polls::store::NewQuestion {
            text_zh: "选哪个？".into(),
            text_en: "Which?".into(),
            multiple: false,
            choices: ["甲", "乙", "丙"]
                .map(|c| (c.to_string(), c.to_string()))
                .to_vec(),
        }],
    };
    let id = grassroots::polls::store::create(db, community, 1, &poll).await?;
    let choices = grassroots::polls::store::choices(db, id, false)
        .await?
        .iter()
        .map(|c| c.id)
        .collect();
    Ok((id, choices, voters))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, db_url, seconds, clients] = args.as_slice() else {
        eprintln!("usage: bench_vote BASE_URL DATABASE_URL SECONDS CLIENTS");
        std::process::exit(2);
    };
    let seconds: u64 = seconds.parse()?;
    let clients: usize = clients.parse()?;
    let db = Db::connect(db_url).await?;
    let (poll, choices, voters) = prepare(&db).await?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut all = tokio::task::JoinSet::new();
    for client in 0..clients {
        let http = http.clone();
        let base = base.clone();
        let voters = voters.clone();
        let choices = choices.clone();
        all.spawn(async move {
            let mut rng = SmallRng::seed_from_u64(client as u64);
            let mut seen: Vec<(u16, f64, i64)> = Vec::new();
            while Instant::now() < deadline {
                let (token, flat) = &voters[rng.random_range(0..voters.len())];
                let choice = choices[rng.random_range(0..choices.len())];
                let sent = Instant::now();
                let status = http
                    .post(format!("{base}/api/v1/polls/{poll}/votes"))
                    .bearer_auth(token)
                    .json(&serde_json::json!({ "choices": [choice] }))
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0);
                seen.push((status, sent.elapsed().as_secs_f64() * 1000.0, *flat));
            }
            seen
        });
    }
    let mut seen = Vec::new();
    while let Some(done) = all.join_next().await {
        seen.extend(done?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut ms: Vec<f64> = seen.iter().map(|(_, ms, _)| *ms).collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| {
        ms.get(((ms.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    let acknowledged = seen.iter().filter(|(s, _, _)| *s == 201).count();
    let households: HashSet<i64> = seen
        .iter()
        .filter(|(s, _, _)| *s == 201)
        .map(|(_, _, flat)| *flat)
        .collect();
    let n = format!("vote_c{clients}");
    println!("{n}_throughput {:.0} req/s", seen.len() as f64 / elapsed);
    println!("{n}_p50 {:.1} ms", at(0.50));
    println!("{n}_p95 {:.1} ms", at(0.95));
    println!("{n}_p99 {:.1} ms", at(0.99));
    println!("{n}_acknowledged {acknowledged} votes");
    println!("{n}_failed {} answers", seen.len() - acknowledged);
    let stored: Vec<String> = on_db!(&db, |pool| sqlx::query_scalar(
        "SELECT choices FROM poll_ballots WHERE poll_id = $1"
    )
    .bind(poll)
    .fetch_all(pool)
    .await)?;
    let ballots = stored.len() as i64;
    let marks: i64 = grassroots::polls::rules::tally(stored.iter().map(String::as_str))
        .values()
        .sum();
    println!(
        "vote_households_acknowledged {} households",
        households.len()
    );
    println!("vote_ballots_counted {ballots} ballots");
    println!("vote_marks_counted {marks} marks");
    println!(
        "vote_count_matches {} (1 = one ballot and one mark per acknowledged household)",
        i64::from(ballots == households.len() as i64 && marks == ballots)
    );
    Ok(())
}
