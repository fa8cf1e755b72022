//! Backups of the embedded database. `grassroots backup FILE` copies it
//! while the server keeps serving: `VACUUM INTO` writes one consistent
//! snapshot, so a copy never holds half a transaction. `grassroots restore
//! FILE` checks that a file is a whole Grassroots backup this version can
//! read, then puts it in place of the database (with the server stopped).
//! PostgreSQL has its own tools (`pg_dump`, `pg_restore`).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use crate::db::Db;

pub mod move_up;

const ON_POSTGRES: &str = "on PostgreSQL use its own tools: pg_dump --format=custom --file=FILE DATABASE_URL, \
     and pg_restore --clean --dbname=DATABASE_URL FILE";

/// Copies the database to `to`, which must not exist yet.
pub async fn backup(db: &Db, to: &Path) -> anyhow::Result<()> {
    let Db::Sqlite(pool) = db else {
        bail!("grassroots backup and restore are for the embedded database; {ON_POSTGRES}");
    };
    if to.exists() {
        bail!("{} already exists: choose a new file name", to.display());
    }
    let target = to
        .to_str()
        .context("the backup's file name must be valid UTF-8")?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(pool)
        .await
        .with_context(|| format!("writing the backup to {}", to.display()))?;
    Ok(())
}

/// The newest migration this version of Grassroots knows.
pub fn newest_known() -> i64 {
    sqlx::migrate!("migrations/sqlite")
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

/// Checks that `file` is a whole Grassroots backup, not from a newer
/// version; answers the migration it was made at.
pub async fn check(file: &Path) -> anyhow::Result<i64> {
    if !file.is_file() {
        bail!("{} is not a file", file.display());
    }
    let options = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .immutable(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .with_context(|| format!("{} cannot be opened as a database", file.display()))?;
    let outcome = check_open(&pool, file).await;
    pool.close().await;
    outcome
}

async fn check_open(pool: &sqlx::SqlitePool, file: &Path) -> anyhow::Result<i64> {
    let not_ours = || format!("{} is not a Grassroots backup", file.display());
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(pool)
        .await
        .with_context(not_ours)?;
    if integrity != "ok" {
        bail!("{} is damaged: {integrity}", file.display());
    }
    // Our own first migration, byte for byte: another program's database
    // with the same table names is not taken for ours.
    let first = sqlx::migrate!("migrations/sqlite")
        .iter()
        .find(|m| m.version == 1)
        .map(|m| m.checksum.to_vec())
        .unwrap_or_default();
    let theirs: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT checksum FROM _sqlx_migrations WHERE version = 1 AND success")
            .fetch_optional(pool)
            .await
            .with_context(not_ours)?;
    if theirs.as_deref() != Some(first.as_slice()) {
        bail!(not_ours());
    }
    let version: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success")
            .fetch_one(pool)
            .await
            .with_context(not_ours)?;
    let newest = newest_known();
    if version > newest {
        bail!(
            "{} was made by a newer Grassroots (database version {version}; this one knows up to {newest}): \
             restore it with that version or a later one",
            file.display()
        );
    }
    Ok(version)
}

/// Backups and restores are for the embedded database only.
pub fn embedded_only(url: &str) -> anyhow::Result<()> {
    if !url.starts_with("sqlite:") {
        bail!("grassroots backup and restore are for the embedded database; {ON_POSTGRES}");
    }
    Ok(())
}

/// The SQLite file behind a `sqlite:` URL.
fn database_file(url: &str) -> anyhow::Result<PathBuf> {
    embedded_only(url)?;
    let options = SqliteConnectOptions::from_str(url).context("reading the SQLite URL")?;
    Ok(options.get_filename().to_path_buf())
}

/// Puts the backup `from` in place of the database at `url`, then brings it
/// up to this version's migrations. Stop the server first.
pub async fn restore(url: &str, from: &Path) -> anyhow::Result<i64> {
    let version = check(from).await?;
    let target = database_file(url)?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    // Copy beside the target, make it durable, then swap it in at once.
    let incoming = target.with_extension("restoring");
    std::fs::copy(from, &incoming).with_context(|| format!("copying to {}", incoming.display()))?;
    std::fs::File::open(&incoming)?.sync_all()?;
    for stale in ["db-wal", "db-shm"] {
        let _ = std::fs::remove_file(target.with_extension(stale));
    }
    std::fs::rename(&incoming, &target)
        .with_context(|| format!("putting the backup in place of {}", target.display()))?;
    let db = Db::connect(url).await?;
    db.migrate().await?;
    db.close().await;
    Ok(version)
}

/// The daily backups to delete so that only the newest `keep` remain.
/// Names are `grassroots-YYYY-MM-DD.db`, so their order is their age.
pub fn to_prune(mut names: Vec<String>, keep: usize) -> Vec<String> {
    names.retain(|n| is_daily_name(n));
    names.sort();
    let extra = names.len().saturating_sub(keep.max(1));
    names.truncate(extra);
    names
}

fn is_daily_name(name: &str) -> bool {
    name.strip_prefix("grassroots-")
        .and_then(|rest| rest.strip_suffix(".db"))
        .is_some_and(|day| day.parse::<jiff::civil::Date>().is_ok())
}

/// Today's backup into `dir` unless it is there already, then the oldest
/// beyond `keep` removed. Answers whether a backup was made.
pub async fn daily(db: &Db, dir: &Path, keep: usize, now: i64) -> anyhow::Result<bool> {
    let day = jiff::Timestamp::from_second(now)?
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let file = dir.join(format!("grassroots-{day}.db"));
    let made = if file.exists() {
        false
    } else {
        // Written under another name first: a half-made copy is never
        // mistaken for a day's backup.
        let partial = dir.join(format!("partial-{day}.db"));
        let _ = std::fs::remove_file(&partial);
        backup(db, &partial).await?;
        std::fs::rename(&partial, &file)?;
        true
    };
    let names = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    for old in to_prune(names, keep) {
        std::fs::remove_file(dir.join(&old)).with_context(|| format!("removing {old}"))?;
    }
    Ok(made)
}

/// In the binary, when a backup folder is configured: checks every ten
/// minutes whether today's backup is there.
pub async fn run_daily(db: Db, dir: PathBuf, keep: usize) {
    loop {
        match daily(&db, &dir, keep, crate::db::now()).await {
            Ok(true) => tracing::info!(dir = %dir.display(), "daily backup made"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "daily backup"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(600)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_newest_are_kept_and_other_files_left_alone() {
        let found = names(&[
            "grassroots-2026-11-27.db",
            "notes.txt",
            "grassroots-2026-11-25.db",
            "partial-2026-11-28.db",
            "grassroots-2026-11-26.db",
            "grassroots-latest.db",
        ]);
        assert_eq!(
            to_prune(found.clone(), 2),
            names(&["grassroots-2026-11-25.db"])
        );
        assert!(to_prune(found.clone(), 3).is_empty());
        // Keeping none would delete the only copy: at least one stays.
        assert_eq!(to_prune(found, 0).len(), 2);
        assert!(to_prune(Vec::new(), 2).is_empty());
    }
}
