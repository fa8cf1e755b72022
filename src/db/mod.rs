//! Storage: one concrete store over SQLite (embedded, the default) or
//! PostgreSQL (a district's scale engine), chosen by the URL's scheme.
//!
//! SQL is written once with `$1` placeholders, which both engines accept; the
//! [`on_db!`](crate::on_db) macro expands a body once per engine so the same
//! code runs on either pool without `sqlx::Any`.

mod error;
mod idle;
mod memo;
mod script;
pub use error::StoreError;
pub use memo::{Memo, listen, settings_changed, watch_settings};
pub use script::{Arg, Script};

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$p` bound to the engine's pool (or any value inside the
/// enum), compiled once for each engine.
#[macro_export]
macro_rules! on_db {
    ($db:expr, |$p:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($p) => $body,
            $crate::db::Db::Postgres($p) => $body,
        }
    };
}

impl Db {
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // A request's row joins eight tables, and a page's rows are
            // chosen in a subquery: past PostgreSQL's default collapse
            // limits (8) the planner keeps the written join order and joins
            // every request before choosing the page's 50 (2 s on a million
            // requests, against 4 ms when it may reorder; bench/run).
            let options = PgConnectOptions::from_str(url)
                .context("reading the PostgreSQL URL")?
                .options([("join_collapse_limit", "16"), ("from_collapse_limit", "16")]);
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .context("connecting to PostgreSQL")?;
            Ok(Db::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .context("reading the SQLite URL")?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                // A connection to a file in this process cannot hang up, and
                // the test is a round trip to its thread on every query.
                .test_before_acquire(false)
                .connect_with(options)
                .await
                .context("opening the SQLite database")?;
            Ok(Db::Sqlite(pool))
        } else {
            anyhow::bail!("the database URL must start with sqlite: or postgres:// (got {url:?})")
        }
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Db::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    pub async fn ping(&self) -> bool {
        on_db!(self, |pool| sqlx::query("SELECT 1")
            .execute(pool)
            .await
            .is_ok())
    }

    /// Which database this is (its file, or its server and name): what
    /// tells one database's memos from another's in one process.
    pub fn identity(&self) -> std::sync::Arc<str> {
        match self {
            Db::Sqlite(pool) => pool
                .connect_options()
                .get_filename()
                .to_string_lossy()
                .into(),
            Db::Postgres(pool) => {
                let o = pool.connect_options();
                format!(
                    "{}:{}/{}",
                    o.get_host(),
                    o.get_port(),
                    o.get_database().unwrap_or("")
                )
                .into()
            }
        }
    }

    pub fn engine(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        on_db!(self, |pool| pool.close().await)
    }
}

/// Current time as Unix seconds.
pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// A LIKE pattern that finds `words` anywhere in lower-cased text, with
/// LIKE's own characters escaped: use it with `ESCAPE '\\'`. Chinese needs
/// no spaces, and two characters are enough.
pub fn like_pattern(words: &str) -> String {
    let escaped = words
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// A stored time as RFC 3339 in UTC, e.g. `2026-11-27T00:00:00Z`; empty
/// when out of range.
pub fn iso(at: i64) -> String {
    jiff::Timestamp::from_second(at)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// A transaction that will write. On SQLite it runs on the file's one
/// writer connection, so writers queue in the process in order instead of
/// polling SQLite's busy handler (whose sleeps of up to 100 ms made the
/// slowest creations under load, bench/run), and it takes the write lock at
/// `BEGIN IMMEDIATE`, so one that reads before it writes cannot fail with
/// "database is locked". Its commit is made durable by a shared `fsync`
/// of the write-ahead log (see [`Writer`]). PostgreSQL begins as usual.
pub trait BeginWrite {
    type Database: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<WriteTx<Self::Database>, sqlx::Error>> + Send;
}

/// A write transaction: use `&mut *tx` as the connection, then `commit`.
pub struct WriteTx<DB: sqlx::Database> {
    tx: sqlx::Transaction<'static, DB>,
    writer: Option<std::sync::Arc<Writer>>,
}

impl<DB: sqlx::Database> WriteTx<DB> {
    /// Returns once the transaction is durable against power loss.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await?;
        match self.writer {
            Some(writer) => writer.durable().await.map_err(sqlx::Error::Io),
            None => Ok(()),
        }
    }
}

impl<DB: sqlx::Database> std::ops::Deref for WriteTx<DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &DB::Connection {
        &self.tx
    }
}

impl<DB: sqlx::Database> std::ops::DerefMut for WriteTx<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.tx
    }
}

/// Group commit for one SQLite file. Its single connection commits with
/// `synchronous=NORMAL`: a commit appends to the write-ahead log without
/// waiting for the disk. Before a commit is reported, [`Writer::durable`]
/// `fsync`s the log, and one `fsync` covers every commit made before it
/// began, so writers that commit while one is under way share the next.
/// Every transaction reported committed is on disk, as with
/// `synchronous=FULL`, at one disk flush per group instead of one per
/// transaction: the commit was bound by that flush (about 2.3 ms here, so
/// about 450 creations a second, bench/run).
///
/// Writes outside a `WriteTx` go through the ordinary pool, whose
/// connections keep `synchronous=FULL`.
pub struct Writer {
    pool: SqlitePool,
    log: std::path::PathBuf,
    /// Commits counted so far; a commit counts itself after it returns.
    committed: std::sync::atomic::AtomicU64,
    /// How many counted commits are known to be on disk.
    synced: tokio::sync::Mutex<u64>,
    /// Scripts waiting to be run together.
    queue: script::Queue,
}

impl Writer {
    fn for_file(pool: &SqlitePool, file: &std::path::Path) -> Writer {
        let options = (*pool.connect_options())
            .clone()
            .synchronous(SqliteSynchronous::Normal);
        let mut log = file.as_os_str().to_owned();
        log.push("-wal");
        Writer {
            pool: SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(0)
                .test_before_acquire(false)
                .idle_timeout(Duration::from_secs(60))
                .acquire_timeout(Duration::from_secs(60))
                .connect_lazy_with(options),
            log: log.into(),
            committed: Default::default(),
            synced: Default::default(),
            queue: Default::default(),
        }
    }

    async fn durable(&self) -> std::io::Result<()> {
        use std::sync::atomic::Ordering::SeqCst;
        let mine = self.committed.fetch_add(1, SeqCst) + 1;
        let mut synced = self.synced.lock().await;
        if *synced >= mine {
            return Ok(());
        }
        // Every commit counted by now is already in the log.
        let upto = self.committed.load(SeqCst);
        let log = self.log.clone();
        // Opened afresh each time: SQLite may delete the log when its last
        // connection closes (after copying it into the database and syncing
        // both), and a kept descriptor would then sync a deleted file.
        tokio::task::spawn_blocking(move || match std::fs::File::open(&log) {
            Ok(file) => file.sync_data(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        })
        .await
        .map_err(std::io::Error::other)??;
        *synced = upto;
        Ok(())
    }
}

/// The writer of each SQLite file this process has open; a database in
/// memory has none (its pool is the only way to reach it).
fn writer_of(pool: &SqlitePool) -> Option<std::sync::Arc<Writer>> {
    static WRITERS: std::sync::LazyLock<
        std::sync::Mutex<std::collections::HashMap<std::path::PathBuf, std::sync::Arc<Writer>>>,
    > = std::sync::LazyLock::new(Default::default);
    let options = pool.connect_options();
    let file = options.get_filename();
    let mut writers = WRITERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(writer) = writers.get(file) {
        return Some(writer.clone());
    }
    if !file.is_file() {
        return None;
    }
    let writer = std::sync::Arc::new(Writer::for_file(pool, file));
    writers.insert(file.to_path_buf(), writer.clone());
    Some(writer)
}

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<WriteTx<sqlx::Sqlite>, sqlx::Error> {
        let writer = writer_of(self);
        let pool = writer.as_ref().map_or(self, |w| &w.pool);
        Ok(WriteTx {
            tx: pool.begin_with("BEGIN IMMEDIATE").await?,
            writer,
        })
    }
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;
    async fn begin_write(&self) -> Result<WriteTx<sqlx::Postgres>, sqlx::Error> {
        Ok(WriteTx {
            tx: self.begin().await?,
            writer: None,
        })
    }
}
