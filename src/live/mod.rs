//! Live updates: a durable event log (`live_events`, written in the same
//! transaction as the change it reports) and an in-process broadcast that
//! carries new rows to every open stream. A pump reads the log after each
//! write (and once a second, for writes from other processes) and
//! broadcasts what is new; a stream that reconnects replays what it missed
//! from the log by `Last-Event-ID`. On PostgreSQL a trigger on the log
//! notifies `grassroots_live` at every commit, and every instance's pump
//! listens, so a change made through one instance reaches the screens of
//! all of them at once; the tick is then only a safety net.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, broadcast};

use crate::db::{Db, now};
use crate::on_db;
use crate::web::AppError;

/// One public event, as screens receive it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LiveEvent {
    pub id: i64,
    pub community_id: i64,
    pub kind: String,
    pub payload: String,
}

#[derive(Clone)]
pub struct Live {
    tx: broadcast::Sender<Arc<LiveEvent>>,
    poke: Arc<Notify>,
    /// When each screen's heartbeat was last written, to write it rarely.
    seen: Arc<Mutex<HashMap<i64, Instant>>>,
    /// Set when the server is stopping: every stream ends, and browsers
    /// reconnect (to another instance, or this one when it is back) and
    /// resume from their last event.
    stopping: Arc<tokio::sync::watch::Sender<bool>>,
}

impl Default for Live {
    fn default() -> Self {
        Live::new()
    }
}

impl Live {
    pub fn new() -> Live {
        let (tx, _) = broadcast::channel(4096);
        Live {
            tx,
            poke: Arc::new(Notify::new()),
            seen: Arc::new(Mutex::new(HashMap::new())),
            stopping: Arc::new(tokio::sync::watch::channel(false).0),
        }
    }

    /// Tells every open stream to end.
    pub fn stop_streams(&self) {
        self.stopping.send_replace(true);
    }

    /// Resolves when the server starts stopping.
    pub fn stopping(&self) -> tokio::sync::watch::Receiver<bool> {
        self.stopping.subscribe()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.tx.subscribe()
    }

    /// Something may have been written: look at the log now.
    pub fn poke(&self) {
        self.poke.notify_one();
    }

    /// Starts the pump that carries new rows of the log to the broadcast.
    pub fn spawn_pump(&self, db: Db) -> tokio::task::JoinHandle<()> {
        let live = self.clone();
        tokio::spawn(async move {
            let mut last = latest_id(&db).await.unwrap_or(0);
            let listening = match &db {
                Db::Postgres(pool) => {
                    let woken = live.clone();
                    crate::db::listen(pool.clone(), "grassroots_live", move || woken.poke()).await
                }
                Db::Sqlite(_) => false,
            };
            // Without notifications, other processes' writes are found by
            // looking every second.
            let tick = Duration::from_secs(if listening { 15 } else { 1 });
            loop {
                tokio::select! {
                    _ = live.poke.notified() => {}
                    _ = tokio::time::sleep(tick) => {}
                }
                match after(&db, None, last, 1000).await {
                    Ok(events) => {
                        for event in events {
                            last = last.max(event.id);
                            // No receivers is fine: nobody is watching.
                            let _ = live.tx.send(Arc::new(event));
                        }
                    }
                    Err(e) => tracing::warn!(error = ?e, "reading the live event log"),
                }
            }
        })
    }

    /// Whether a screen's heartbeat is due to be written (at most once a
    /// minute per screen, however many streams it has).
    pub fn heartbeat_due(&self, screen_id: i64) -> bool {
        let Ok(mut seen) = self.seen.lock() else {
            return true;
        };
        let due = seen
            .get(&screen_id)
            .is_none_or(|t| t.elapsed() > Duration::from_secs(60));
        if due {
            seen.insert(screen_id, Instant::now());
        }
        due
    }
}

pub async fn latest_id(db: &Db) -> Result<i64, AppError> {
    let id: Option<i64> = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT MAX(id) FROM live_events"
    )
    .fetch_one(pool)
    .await)?;
    Ok(id.unwrap_or(0))
}

/// Events after `after_id`, oldest first; of one community, or of all.
pub async fn after(
    db: &Db,
    community_id: Option<i64>,
    after_id: i64,
    limit: i64,
) -> Result<Vec<LiveEvent>, AppError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, LiveEvent>(
        "SELECT id, community_id, kind, payload FROM live_events \
         WHERE id > $1 AND ($2 IS NULL OR community_id = $2) ORDER BY id LIMIT $3"
    )
    .bind(after_id)
    .bind(community_id)
    .bind(limit)
    .fetch_all(pool)
    .await)?)
}

/// Appends an event to the log; call inside the transaction of the change.
#[macro_export]
macro_rules! record_live_event {
    ($conn:expr, $community_id:expr, $kind:expr, $payload:expr) => {
        sqlx::query(
            "INSERT INTO live_events (community_id, kind, payload, at) VALUES ($1, $2, $3, $4)",
        )
        .bind($community_id)
        .bind($kind)
        .bind($payload.to_string())
        .bind($crate::db::now())
        .execute(&mut *$conn)
        .await
    };
}

/// Appends an event outside any other change (a notice, for example).
pub async fn record(
    db: &Db,
    community_id: i64,
    kind: &str,
    payload: &serde_json::Value,
) -> Result<(), AppError> {
    on_db!(db, |pool| sqlx::query(
        "INSERT INTO live_events (community_id, kind, payload, at) VALUES ($1, $2, $3, $4)"
    )
    .bind(community_id)
    .bind(kind)
    .bind(payload.to_string())
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}
