//! Settings kept in memory: a community's names, categories, places,
//! workgroups and calendar change a few times a year but were read on
//! every page and every new request (seven of an Open311 creation's nine
//! queries, BENCHMARKS.md).
//!
//! Every entry is stamped with the settings' generation when it was read;
//! one change to any setting anywhere starts a new generation, and older
//! entries are read again on their next use. A change starts one:
//! - in this process, at once: the store that wrote it calls
//!   [`settings_changed`];
//! - in another process (another instance, the command line): triggers on
//!   the settings' tables count a version in `settings_version` (migration
//!   0033); [`watch_settings`] hears PostgreSQL's notification of it, or
//!   on SQLite looks at it every second.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, RwLock};
use std::time::Duration;

use super::Db;
use crate::on_db;

static GENERATION: AtomicU64 = AtomicU64::new(1);

/// A setting was written: everything kept is read again on its next use.
pub fn settings_changed() {
    GENERATION.fetch_add(1, Ordering::SeqCst);
}

/// More entries than this (codes typed into addresses, say) and the memo
/// starts again, so what strangers ask for cannot fill memory.
const MAX_ENTRIES: usize = 4096;

type Entries<K, V> = RwLock<HashMap<(Arc<str>, K), (u64, Arc<V>)>>;

/// Values read once per generation, by database and key.
pub struct Memo<K, V> {
    entries: LazyLock<Entries<K, V>>,
}

impl<K: Eq + Hash + Clone, V> Memo<K, V> {
    pub const fn new() -> Memo<K, V> {
        Memo {
            entries: LazyLock::new(Default::default),
        }
    }

    /// The value kept for `key`, or what `load` reads (then kept).
    pub async fn get<E, Fut>(
        &self,
        db: &Db,
        key: K,
        load: impl FnOnce() -> Fut,
    ) -> Result<Arc<V>, E>
    where
        Fut: Future<Output = Result<V, E>>,
    {
        // Read before loading: a change during the load leaves the entry
        // already old.
        let generation = GENERATION.load(Ordering::SeqCst);
        let full = (db.identity(), key);
        if let Ok(entries) = self.entries.read()
            && let Some((stamp, value)) = entries.get(&full)
            && *stamp == generation
        {
            return Ok(value.clone());
        }
        let value = Arc::new(load().await?);
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(full, (generation, value.clone()));
        }
        Ok(value)
    }
}

impl<K: Eq + Hash + Clone, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo::new()
    }
}

async fn version(db: &Db) -> Option<i64> {
    on_db!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT version FROM settings_version WHERE id = 1"
    )
    .fetch_one(pool)
    .await)
    .ok()
}

/// Follows changes made by other processes: PostgreSQL's notifications
/// (`grassroots_settings`), and a look at the version every second on
/// SQLite (every 15 on PostgreSQL, in case a notification was missed).
pub fn watch_settings(db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let poke = Arc::new(tokio::sync::Notify::new());
        let listening = match &db {
            Db::Postgres(pool) => {
                let poke = poke.clone();
                listen(pool.clone(), "grassroots_settings", move || {
                    poke.notify_one()
                })
                .await
            }
            Db::Sqlite(_) => false,
        };
        let tick = Duration::from_secs(if listening { 15 } else { 1 });
        let mut seen = version(&db).await;
        loop {
            tokio::select! {
                _ = poke.notified() => {}
                _ = tokio::time::sleep(tick) => {}
            }
            let now = version(&db).await;
            if now.is_some() && now != seen {
                seen = now;
                settings_changed();
            }
        }
    })
}

/// Listens for `channel` on a connection of its own and calls `wake` at
/// each notification (and after an interruption, when some may have been
/// missed); false when it cannot listen.
pub async fn listen(
    pool: sqlx::PgPool,
    channel: &'static str,
    wake: impl Fn() + Send + 'static,
) -> bool {
    let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
        Ok(listener) => listener,
        Err(e) => {
            tracing::warn!(error = ?e, channel, "cannot LISTEN; looking every second");
            return false;
        }
    };
    if let Err(e) = listener.listen(channel).await {
        tracing::warn!(error = ?e, channel, "cannot LISTEN; looking every second");
        return false;
    }
    tokio::spawn(async move {
        loop {
            match listener.recv().await {
                Ok(_) => wake(),
                // The pool is closing: let its connection go.
                Err(sqlx::Error::PoolClosed) => break,
                Err(e) => {
                    // The listener reconnects on the next call.
                    tracing::warn!(error = ?e, channel, "notifications interrupted");
                    wake();
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_value_is_read_once_per_generation() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = format!("sqlite://{}", dir.path().join("memo.db").display());
        let db = Db::connect(&url).await.expect("a database");
        let memo: Memo<i64, String> = Memo::new();
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let load = |v: &'static str| {
            reads.fetch_add(1, Ordering::SeqCst);
            async move { Ok::<_, ()>(v.to_string()) }
        };
        assert_eq!(*memo.get(&db, 1, || load("a")).await.unwrap(), "a");
        assert_eq!(*memo.get(&db, 1, || load("b")).await.unwrap(), "a", "kept");
        assert_eq!(
            *memo.get(&db, 2, || load("c")).await.unwrap(),
            "c",
            "by key"
        );
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        settings_changed();
        assert_eq!(
            *memo.get(&db, 1, || load("d")).await.unwrap(),
            "d",
            "read again"
        );
        let failed = memo
            .get(&db, 3, || async { Err::<String, _>("down") })
            .await;
        assert_eq!(failed.err(), Some("down"), "a failure is not kept");
        assert_eq!(*memo.get(&db, 3, || load("e")).await.unwrap(), "e");
    }
}
