//! Booking under load: many clients book random hours of the demo estate's
//! rooms at once through `POST /api/v1/rooms/{code}/bookings`, for a while;
//! then the database is asked whether any two bookings holding a room
//! overlap (there must be none). Run by `bench/run`; prints `name value
//! unit` lines.
//!
//! Usage: bench_book BASE_URL DATABASE_URL SECONDS CLIENTS TOKEN[,TOKEN…]

use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, db_url, seconds, clients, tokens] = args.as_slice() else {
        eprintln!("usage: bench_book BASE_URL DATABASE_URL SECONDS CLIENTS TOKEN[,TOKEN…]");
        std::process::exit(2);
    };
    let seconds: u64 = seconds.parse()?;
    let clients: usize = clients.parse()?;
    let tokens: Vec<String> = tokens.split(',').map(str::to_string).collect();
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai")?;
    let today = jiff::Timestamp::now().to_zoned_datetime(tz.clone()).date();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut all = tokio::task::JoinSet::new();
    for client in 0..clients {
        let http = http.clone();
        let token = tokens[client % tokens.len()].clone();
        let base = base.clone();
        let tz = tz.clone();
        all.spawn(async move {
            let mut rng = SmallRng::seed_from_u64(client as u64);
            let mut seen: Vec<(u16, f64)> = Vec::new();
            while Instant::now() < deadline {
                let room = if rng.random_range(0..2) == 0 {
                    "dance"
                } else {
                    "meeting"
                };
                let day = today
                    .checked_add(jiff::Span::new().days(rng.random_range(1..=60)))
                    .unwrap_or(today);
                let hour: i8 = rng.random_range(8..=19);
                let at = |h: i8| {
                    day.to_datetime(jiff::civil::Time::new(h, 0, 0, 0).unwrap_or_default())
                        .to_zoned_datetime(tz.clone())
                        .map(|z| z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
                        .unwrap_or_default()
                };
                let body = serde_json::json!({"starts_at": at(hour), "ends_at": at(hour + 1)});
                let sent = Instant::now();
                let status = http
                    .post(format!("{base}/api/v1/rooms/{room}/bookings"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0);
                seen.push((status, sent.elapsed().as_secs_f64() * 1000.0));
            }
            seen
        });
    }
    let mut seen = Vec::new();
    while let Some(done) = all.join_next().await {
        seen.extend(done?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut ms: Vec<f64> = seen.iter().map(|(_, ms)| *ms).collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| {
        ms.get(((ms.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    let count = |s: u16| seen.iter().filter(|(status, _)| *status == s).count();
    let n = format!("booking_c{clients}");
    println!("{n}_throughput {:.0} req/s", seen.len() as f64 / elapsed);
    println!("{n}_p50 {:.1} ms", at(0.50));
    println!("{n}_p95 {:.1} ms", at(0.95));
    println!("{n}_p99 {:.1} ms", at(0.99));
    println!("{n}_booked {} answers", count(201));
    println!("{n}_taken {} answers", count(409));
    println!(
        "{n}_failed {} answers",
        seen.len() - count(201) - count(409)
    );

    let db = grassroots::db::Db::connect(db_url).await?;
    let overlaps: i64 = grassroots::on_db!(&db, |pool| {
        sqlx::query_scalar(
        "SELECT COUNT(*) FROM bookings a JOIN bookings b ON b.room_id = a.room_id AND b.id > a.id \
         AND b.starts_at < a.ends_at AND a.starts_at < b.ends_at \
         WHERE a.state IN ('pending', 'confirmed') AND b.state IN ('pending', 'confirmed')"
    )
    .fetch_one(pool)
    .await
    })?;
    println!("booking_overlapping_pairs {overlaps} pairs");
    Ok(())
}
