//! Memory given back once the server is quiet: after ten seconds without
//! an answered request ([`super::metrics::answered`]), the database's idle
//! connections give back their caches ([`crate::db::Db::release_memory`])
//! and `main.rs` has the allocator return what is free to the system.
//!
//! Again every two seconds while it stays quiet, not once a quiet spell:
//! the background passes (the deadline chase, rooms, care, each once a
//! minute) fill the page caches again while no one asks for anything;
//! looked at every ten seconds, a quiet server on bench/run's million held
//! 15–20 MB more for up to ten seconds after each pass, and a reading of
//! its memory depended on when it was taken (80 or 99.5 MB a quiet minute
//! after the loads, two runs of the same code).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long without an answer before the server counts as quiet.
const QUIET_AFTER: Duration = Duration::from_secs(10);
/// How often a quiet server gives its caches back.
const RELEASE_EVERY: Duration = Duration::from_secs(2);

/// Times the server has given memory back after going quiet; `main.rs`
/// trims the allocator after each.
static RELEASED: AtomicU64 = AtomicU64::new(0);

pub fn released() -> u64 {
    RELEASED.load(Ordering::Acquire)
}

pub async fn release_when_idle(db: crate::db::Db) {
    let mut seen = super::metrics::answered();
    let mut last_answer = Instant::now();
    loop {
        tokio::time::sleep(RELEASE_EVERY).await;
        let now = super::metrics::answered();
        if now != seen {
            (seen, last_answer) = (now, Instant::now());
        } else if last_answer.elapsed() >= QUIET_AFTER {
            let connections = db.release_memory().await;
            let times = RELEASED.fetch_add(1, Ordering::Release) + 1;
            // At debug: a quiet server would otherwise log every two seconds.
            tracing::debug!(connections, times, "quiet: caches released");
        }
    }
}
