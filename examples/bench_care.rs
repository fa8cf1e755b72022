//! The care scheduler's pass over the seeded district (two hundred
//! communities, fifty plans each, a fifth overdue): every open alert is
//! first closed, as though the carers had all been told and the plans
//! were still overdue, so the pass has every overdue plan to raise again;
//! then the pass runs batch by batch, each batch one write transaction,
//! timed; then an idle pass (nothing to raise), as the scheduler runs each
//! minute. Run by `bench/run` while the server runs; prints `name value
//! unit` lines.
//!
//! Usage: bench_care DATABASE_URL

use std::time::Instant;

use grassroots::db::{Db, now};
use grassroots::on_db;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Some(db_url) = std::env::args().nth(1) else {
        eprintln!("usage: bench_care DATABASE_URL");
        std::process::exit(2);
    };
    let db = Db::connect(&db_url).await?;
    let plans: i64 = on_db!(&db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM care_plans WHERE closed_at IS NULL"
    )
    .fetch_one(pool)
    .await)?;
    on_db!(&db, |pool| sqlx::query(
        "UPDATE care_alerts SET closed_at = $1 WHERE closed_at IS NULL"
    )
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    let at = now();
    let started = Instant::now();
    let (mut raised, mut longest, mut batches) = (0u64, 0f64, 0);
    loop {
        let batch = Instant::now();
        let n = grassroots::care::alerts::raise_batch(&db, at).await?;
        longest = longest.max(batch.elapsed().as_secs_f64() * 1000.0);
        batches += 1;
        raised += n;
        if n == 0 {
            break;
        }
    }
    let pass = started.elapsed().as_secs_f64() * 1000.0;
    let idle = Instant::now();
    let again = grassroots::care::alerts::sweep(&db, at).await?;
    let idle = idle.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(again == 0, "a second pass raised {again} alerts again");
    println!("care_plans {plans} plans");
    println!("care_pass_alerts_raised {raised} alerts");
    println!("care_pass {pass:.1} ms");
    println!("care_pass_batches {batches} transactions");
    println!("care_pass_longest_transaction {longest:.1} ms");
    println!("care_pass_idle {idle:.1} ms");
    Ok(())
}
