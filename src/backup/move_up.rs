//! `grassroots migrate-to URL`: moving an estate from its embedded SQLite
//! file up to PostgreSQL, into a fresh database or into a district's as
//! one more community.
//!
//! The SQLite file is never written: a snapshot (`VACUUM INTO`, so a
//! running estate can be moved too) is brought up to this version and
//! read. Everything is written in one PostgreSQL transaction and checked
//! before it commits, table by table, by the count of rows and a checksum
//! of their values; a move that is interrupted or fails leaves nothing
//! behind and can simply be run again. A community whose code the target
//! already holds is refused, so the same estate is never moved twice.
//!
//! Into a fresh database every id is kept. Into a district's database,
//! which has ids of its own, each table's ids are moved up past the
//! target's (the same for every row of a table, so every reference still
//! points where it did); codes, tracking codes, history and times are kept,
//! and a username another community already uses gets the community's code
//! after a dot (`huang.hexie`), which the move prints.

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::postgres::PgPool;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{Postgres, Row};

use crate::db::Db;

/// What to move, and where.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub target_url: String,
    /// The moved community's code in the district (when the estate's own,
    /// often `home`, is taken or unhelpful).
    pub rename_as: Option<String>,
    /// The street (by code) to place the moved community under.
    pub street: Option<String>,
}

/// What the move did.
#[derive(Debug, Default)]
pub struct Moved {
    pub communities: Vec<String>,
    pub tables: Vec<(String, u64)>,
    pub renamed: Vec<(String, String)>,
    /// Rows left behind because the district already holds their key
    /// (an invitation code, say): (table, key).
    pub left_behind: Vec<(String, String)>,
    pub kept_ids: bool,
}

/// A column's kind, as PostgreSQL declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Text,
    Bool,
    Bytes,
    Float,
}

#[derive(Debug, Clone)]
struct Column {
    name: String,
    kind: Kind,
    /// The table this column refers to by id.
    refers_to: Option<String>,
}

#[derive(Debug, Clone)]
struct Table {
    name: String,
    columns: Vec<Column>,
    /// Has an identity `id`, which ids are counted by.
    has_id: bool,
    /// Its primary key, when that is one text column (a code, a token).
    text_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Null,
    Int(i64),
    Text(String),
    Bool(bool),
    Bytes(Vec<u8>),
    Float(f64),
}

/// Tables that belong to the district, not to an estate: not carried into
/// a district's database (the move places the community itself).
const DISTRICT_TABLES: [&str; 3] = ["districts", "streets", "office_staff"];

/// A snapshot file, removed when the move ends however it ends.
struct Snapshot(PathBuf);

impl Drop for Snapshot {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Moves the estate at `source_url` (a `sqlite:` URL) as `options` say.
pub async fn move_up(source_url: &str, options: &Options) -> anyhow::Result<Moved> {
    super::embedded_only(source_url)
        .context("migrate-to moves an embedded (SQLite) estate; --database-url names it")?;
    let target_url = options.target_url.trim();
    if !(target_url.starts_with("postgres://") || target_url.starts_with("postgresql://")) {
        bail!("the target must be a PostgreSQL URL (postgres://USER@HOST/DATABASE)");
    }
    let file = super::database_file(source_url)?;
    if !file.is_file() {
        bail!("there is no estate at {}: nothing to move", file.display());
    }
    super::check(&file).await?;
    let snapshot = snapshot_of(&file).await?;
    let source = Db::connect(&format!("sqlite://{}", snapshot.0.display())).await?;
    source
        .migrate()
        .await
        .context("bringing the snapshot up to this version")?;
    let Db::Sqlite(source) = source else {
        bail!("the snapshot did not open as SQLite");
    };
    let target = connect_target(target_url).await?;
    let moved = copy(&source, &target, options).await;
    source.close().await;
    target.close().await;
    drop(snapshot);
    moved
}

async fn snapshot_of(file: &Path) -> anyhow::Result<Snapshot> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let path =
        std::env::temp_dir().join(format!("grassroots-move-{}-{nanos}.db", std::process::id()));
    let snapshot = Snapshot(path.clone());
    let options = SqliteConnectOptions::new().filename(file).read_only(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .with_context(|| format!("opening {}", file.display()))?;
    let into = path
        .to_str()
        .context("the temporary folder's name must be UTF-8")?;
    sqlx::query("VACUUM INTO $1")
        .bind(into)
        .execute(&pool)
        .await
        .with_context(|| format!("taking a snapshot of {}", file.display()))?;
    pool.close().await;
    Ok(snapshot)
}

/// The server and database a URL names, without its password.
fn shown(url: &str) -> String {
    match url.parse::<sqlx::postgres::PgConnectOptions>() {
        Ok(o) => format!(
            "{}:{}/{}",
            o.get_host(),
            o.get_port(),
            o.get_database().unwrap_or("")
        ),
        Err(_) => "the target".to_string(),
    }
}

async fn connect_target(url: &str) -> anyhow::Result<PgPool> {
    let options: sqlx::postgres::PgConnectOptions =
        url.parse().context("reading the PostgreSQL URL")?;
    // One connection first: its error says what is wrong (refused, no such
    // database, password), where a pool only says it timed out.
    let first = tokio::time::timeout(
        Duration::from_secs(20),
        sqlx::ConnectOptions::connect(&options),
    )
    .await
    .map_err(|_| anyhow::anyhow!("no answer within 20 seconds"))
    .and_then(|r: Result<sqlx::PgConnection, sqlx::Error>| r.map_err(anyhow::Error::from))
    .with_context(|| {
        format!(
            "cannot reach PostgreSQL at {}; nothing was written",
            shown(url)
        )
    })?;
    sqlx::Connection::close(first).await.ok();
    let pool = tokio::time::timeout(
        Duration::from_secs(20),
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options),
    )
    .await
    .map_err(|_| anyhow::anyhow!("no answer within 20 seconds"))
    .and_then(|r| r.map_err(anyhow::Error::from))
    .with_context(|| {
        format!(
            "cannot reach PostgreSQL at {}; nothing was written",
            shown(url)
        )
    })?;
    let (tables, ours): (i64, bool) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(BOOL_OR(table_name = '_sqlx_migrations'), FALSE) \
         FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .fetch_one(&pool)
    .await?;
    if tables > 0 && !ours {
        bail!(
            "{} is not empty and is not a Grassroots database; choose an empty database. Nothing was written",
            shown(url)
        );
    }
    sqlx::migrate!("migrations/postgres")
        .run(&pool)
        .await
        .context("bringing the target database up to this version (is it from a newer Grassroots?); nothing was copied")?;
    Ok(pool)
}

/// The tables of the target, their columns and what each refers to; not
/// the database's own bookkeeping (its migrations, its settings' version).
async fn schema(pg: &PgPool) -> anyhow::Result<Vec<Table>> {
    let columns: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_identity::text \
         FROM information_schema.columns c JOIN information_schema.tables t \
         ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' \
         AND c.table_name NOT IN ('_sqlx_migrations', 'settings_version') \
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(pg)
    .await?;
    let references: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT cl.relname::text, a.attname::text, f.relname::text FROM pg_constraint c \
         JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_class f ON f.oid = c.confrelid \
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
         WHERE c.contype = 'f' AND cl.relnamespace = current_schema()::regnamespace",
    )
    .fetch_all(pg)
    .await?;
    let text_keys: HashMap<String, String> = sqlx::query_as::<_, (String, String)>(
        "SELECT cl.relname::text, a.attname::text FROM pg_constraint c \
         JOIN pg_class cl ON cl.oid = c.conrelid \
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
         WHERE c.contype = 'p' AND array_length(c.conkey, 1) = 1 AND a.atttypid = 'text'::regtype \
         AND cl.relnamespace = current_schema()::regnamespace",
    )
    .fetch_all(pg)
    .await?
    .into_iter()
    .collect();
    let refers: HashMap<(String, String), String> = references
        .into_iter()
        .map(|(t, c, r)| ((t, c), r))
        .collect();
    let mut tables: Vec<Table> = Vec::new();
    for (table, column, data_type, identity) in columns {
        let kind = match data_type.as_str() {
            "bigint" | "integer" | "smallint" => Kind::Int,
            "text" | "character varying" => Kind::Text,
            "boolean" => Kind::Bool,
            "bytea" => Kind::Bytes,
            "double precision" | "real" => Kind::Float,
            other => bail!("{table}.{column} has a type the move does not know: {other}"),
        };
        if tables.last().is_none_or(|t| t.name != table) {
            tables.push(Table {
                name: table.clone(),
                columns: Vec::new(),
                has_id: false,
                text_key: text_keys.get(&table).cloned(),
            });
        }
        let Some(t) = tables.last_mut() else { continue };
        if column == "id" && identity == "YES" {
            t.has_id = true;
        }
        t.columns.push(Column {
            refers_to: refers.get(&(table.clone(), column.clone())).cloned(),
            name: column,
            kind,
        });
    }
    in_order(tables)
}

/// Tables in an order where each comes after those it refers to.
fn in_order(mut left: Vec<Table>) -> anyhow::Result<Vec<Table>> {
    let mut done: HashSet<String> = HashSet::new();
    let mut ordered = Vec::new();
    while !left.is_empty() {
        let (ready, rest): (Vec<Table>, Vec<Table>) = left.into_iter().partition(|t| {
            t.columns.iter().all(|c| {
                c.refers_to
                    .as_ref()
                    .is_none_or(|r| *r == t.name || done.contains(r))
            })
        });
        if ready.is_empty() {
            let names: Vec<&str> = rest.iter().map(|t| t.name.as_str()).collect();
            bail!(
                "these tables refer to each other in a circle: {}",
                names.join(", ")
            );
        }
        done.extend(ready.iter().map(|t| t.name.clone()));
        ordered.extend(ready);
        left = rest;
    }
    Ok(ordered)
}

/// A count of rows and a checksum of their values that does not depend on
/// their order: the sum of each row's SHA-256 (its first 16 bytes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Digest128 {
    rows: i64,
    sum: u128,
}

impl Digest128 {
    fn add(&mut self, row: &[Value]) {
        let mut h = Sha256::new();
        for v in row {
            match v {
                Value::Null => h.update([0u8]),
                Value::Int(i) => {
                    h.update([1u8]);
                    h.update(i.to_le_bytes());
                }
                Value::Text(s) => {
                    h.update([2u8]);
                    h.update((s.len() as u64).to_le_bytes());
                    h.update(s.as_bytes());
                }
                Value::Bool(b) => h.update([3u8, u8::from(*b)]),
                Value::Bytes(b) => {
                    h.update([4u8]);
                    h.update((b.len() as u64).to_le_bytes());
                    h.update(b);
                }
                Value::Float(f) => {
                    h.update([5u8]);
                    h.update(f.to_bits().to_le_bytes());
                }
            }
        }
        let digest = h.finalize();
        let mut first = [0u8; 16];
        first.copy_from_slice(&digest[..16]);
        self.rows += 1;
        self.sum = self.sum.wrapping_add(u128::from_le_bytes(first));
    }

    /// What `self` holds beyond `before`.
    fn since(self, before: Digest128) -> Digest128 {
        Digest128 {
            rows: self.rows - before.rows,
            sum: self.sum.wrapping_sub(before.sum),
        }
    }
}

/// A row's values by the kinds of the columns, from either engine.
fn read_row<'r, R: Row>(row: &'r R, columns: &[Column]) -> Result<Vec<Value>, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Vec<u8>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    f64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Ok(match c.kind {
                Kind::Int => row
                    .try_get::<Option<i64>, _>(i)?
                    .map_or(Value::Null, Value::Int),
                Kind::Text => row
                    .try_get::<Option<String>, _>(i)?
                    .map_or(Value::Null, Value::Text),
                Kind::Bool => row
                    .try_get::<Option<bool>, _>(i)?
                    .map_or(Value::Null, Value::Bool),
                Kind::Bytes => row
                    .try_get::<Option<Vec<u8>>, _>(i)?
                    .map_or(Value::Null, Value::Bytes),
                Kind::Float => row
                    .try_get::<Option<f64>, _>(i)?
                    .map_or(Value::Null, Value::Float),
            })
        })
        .collect()
}

fn column_list(table: &Table) -> String {
    table
        .columns
        .iter()
        .map(|c| format!("\"{}\"", c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The digest of the target's rows of a table, or of those with ids in
/// `(from, to]`.
async fn digest_target(
    conn: &mut sqlx::PgConnection,
    table: &Table,
    ids: Option<(i64, i64)>,
) -> anyhow::Result<Digest128> {
    let mut sql = format!("SELECT {} FROM \"{}\"", column_list(table), table.name);
    if ids.is_some() {
        sql.push_str(" WHERE id > $1 AND id <= $2");
    }
    let (from, to) = ids.unwrap_or((0, 0));
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    if ids.is_some() {
        query = query.bind(from).bind(to);
    }
    let mut rows = query.fetch(&mut *conn);
    let mut digest = Digest128::default();
    while let Some(row) = rows.try_next().await? {
        digest.add(&read_row(&row, &table.columns)?);
    }
    Ok(digest)
}

async fn insert(
    conn: &mut sqlx::PgConnection,
    table: &Table,
    batch: &[Vec<Value>],
) -> anyhow::Result<()> {
    let overriding = if table.has_id {
        " OVERRIDING SYSTEM VALUE "
    } else {
        " "
    };
    let mut q = sqlx::QueryBuilder::<Postgres>::new(format!(
        "INSERT INTO \"{}\" ({}){overriding}",
        table.name,
        column_list(table)
    ));
    q.push_values(batch, |mut b, row| {
        for (c, v) in table.columns.iter().zip(row) {
            match (c.kind, v) {
                (_, Value::Int(i)) => b.push_bind(*i),
                (_, Value::Text(s)) => b.push_bind(s.clone()),
                (_, Value::Bool(x)) => b.push_bind(*x),
                (_, Value::Bytes(x)) => b.push_bind(x.clone()),
                (_, Value::Float(x)) => b.push_bind(*x),
                (Kind::Int, Value::Null) => b.push_bind(None::<i64>),
                (Kind::Text, Value::Null) => b.push_bind(None::<String>),
                (Kind::Bool, Value::Null) => b.push_bind(None::<bool>),
                (Kind::Bytes, Value::Null) => b.push_bind(None::<Vec<u8>>),
                (Kind::Float, Value::Null) => b.push_bind(None::<f64>),
            };
        }
    });
    match q.build().execute(&mut *conn).await {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => bail!(
            "the district already holds one of this estate's {} ({}): was this estate, or a copy of it, \
             moved before? Nothing was written",
            table.name,
            e.constraint().unwrap_or("a unique key")
        ),
        Err(e) => Err(anyhow::Error::from(e).context(format!("writing {}", table.name))),
    }
}

/// Into a district, rows keyed by a text the district already holds (the
/// same invitation code in two estates) cannot come: they are taken out of
/// the batch and said.
async fn keep_new_keys(
    conn: &mut sqlx::PgConnection,
    table: &Table,
    batch: &mut Vec<Vec<Value>>,
    left_behind: &mut Vec<(String, String)>,
    fresh: bool,
) -> anyhow::Result<()> {
    let Some(key) = table
        .text_key
        .as_ref()
        .filter(|_| !fresh && !batch.is_empty())
    else {
        return Ok(());
    };
    let Some(at) = table.columns.iter().position(|c| c.name == *key) else {
        return Ok(());
    };
    let keys: Vec<String> = batch
        .iter()
        .filter_map(|row| match &row[at] {
            Value::Text(k) => Some(k.clone()),
            _ => None,
        })
        .collect();
    let taken: HashSet<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT \"{key}\" FROM \"{}\" WHERE \"{key}\" = ANY($1)",
        table.name
    )))
    .bind(&keys)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .collect();
    batch.retain(|row| match &row[at] {
        Value::Text(k) if taken.contains(k) => {
            left_behind.push((table.name.clone(), k.clone()));
            false
        }
        _ => true,
    });
    Ok(())
}

/// Shows how far the move has come: a bar per table on a terminal, a line
/// per table otherwise.
struct Progress {
    terminal: bool,
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new() -> Progress {
        Progress {
            terminal: std::io::stderr().is_terminal(),
            bar: None,
        }
    }

    fn start(&mut self, table: &str, rows: u64) {
        if self.terminal {
            let bar = indicatif::ProgressBar::new(rows);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{prefix:>22} [{bar:30}] {pos}/{len} {msg}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(table.to_string());
            self.bar = Some(bar);
        }
    }

    fn advance(&self, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(rows);
        }
    }

    fn finish(&mut self, table: &str, rows: u64) {
        match self.bar.take() {
            Some(bar) => bar.finish_with_message("checked"),
            None => println!("{table}: {rows} rows copied, count and checksum match"),
        }
    }
}

/// Moves the ids written inside texts along with their tables: the keys
/// of work done once (`nudge:{request}:…`, `remind:signup:{signup}`,
/// `digest:{account}:{day}`, `poll-closed:{poll}`, and the chase's
/// `{step}:{clock}:{request}:{due}`) and a ballot's voter (`h:{flat}`,
/// `a:{account}`). A text of another shape is kept as it is.
fn shift_ids_in(table: &str, column: &str, text: &str, offset: &dyn Fn(&str) -> i64) -> String {
    let mut parts: Vec<String> = text.split(':').map(str::to_string).collect();
    let at: Option<(usize, &str)> = match (table, column, parts.first().map(String::as_str)) {
        ("poll_ballots", "voter", Some("h")) => Some((1, "places")),
        ("poll_ballots", "voter", Some("a")) => Some((1, "accounts")),
        ("jobs_done", "job_key", Some("nudge" | "referral")) => Some((1, "requests")),
        ("jobs_done", "job_key", Some("poll-closed")) => Some((1, "polls")),
        ("jobs_done", "job_key", Some("digest")) => Some((1, "accounts")),
        ("jobs_done", "job_key", Some("remind")) => match parts.get(1).map(String::as_str) {
            Some("signup") => Some((2, "signups")),
            Some("booking") => Some((2, "bookings")),
            _ => None,
        },
        ("jobs_done", "job_key", Some(_)) if parts.len() == 4 => Some((2, "requests")),
        _ => None,
    };
    if let Some((i, refers_to)) = at
        && let Some(id) = parts.get(i).and_then(|p| p.parse::<i64>().ok())
    {
        parts[i] = (id + offset(refers_to)).to_string();
    }
    parts.join(":")
}

fn valid_code(code: &str) -> bool {
    (1..=24).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

async fn copy(source: &SqlitePool, pg: &PgPool, options: &Options) -> anyhow::Result<Moved> {
    let tables = schema(pg).await?;
    let source_communities: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, code FROM communities ORDER BY id")
            .fetch_all(source)
            .await?;
    if source_communities.is_empty() {
        bail!("the estate has no community yet: nothing to move");
    }
    let rename_as = match &options.rename_as {
        Some(code) => {
            let code = code.trim().to_lowercase();
            if !valid_code(&code) {
                bail!("--as takes 1 to 24 letters, digits or dashes");
            }
            if source_communities.len() != 1 {
                bail!(
                    "--as renames an estate's one community; this file holds {}",
                    source_communities.len()
                );
            }
            Some(code)
        }
        None => None,
    };
    // Each community's code in the target, by its id in the estate.
    let new_codes: HashMap<i64, String> = source_communities
        .iter()
        .map(|(id, code)| (*id, rename_as.clone().unwrap_or_else(|| code.clone())))
        .collect();
    let taken: HashSet<String> = sqlx::query_scalar("SELECT code FROM communities")
        .fetch_all(pg)
        .await?
        .into_iter()
        .collect();
    for code in new_codes.values() {
        if taken.contains(code) {
            bail!(
                "the target already holds a community {code}: this estate was moved before, or another \
                 community has its code (give it another with --as CODE). Nothing was written"
            );
        }
    }
    let districts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM districts")
        .fetch_one(pg)
        .await?;
    let fresh = taken.is_empty() && districts == 0;
    let street_id: Option<i64> = match &options.street {
        Some(code) => Some(
            sqlx::query_scalar("SELECT id FROM streets WHERE code = $1")
                .bind(code.trim())
                .fetch_optional(pg)
                .await?
                .with_context(|| {
                    format!(
                        "the target has no street {code}: create it first (grassroots admin street create). \
                         Nothing was written"
                    )
                })?,
        ),
        None => None,
    };
    let copied = |t: &Table| fresh || !DISTRICT_TABLES.contains(&t.name.as_str());
    // Into a district, each table's ids move up past the target's own; the
    // range is taken from the sequence first, so instances serving the
    // district meanwhile never hand out an id the move will use.
    let mut offsets: HashMap<String, i64> = HashMap::new();
    let mut highest: HashMap<String, i64> = HashMap::new();
    for t in tables.iter().filter(|t| t.has_id && copied(t)) {
        let max: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COALESCE(MAX(id), 0) FROM \"{}\"",
            t.name
        )))
        .fetch_one(source)
        .await
        .with_context(|| format!("reading {} in the estate", t.name))?;
        highest.insert(t.name.clone(), max);
        if fresh || max == 0 {
            offsets.insert(t.name.clone(), 0);
            continue;
        }
        let sequence = format!("pg_get_serial_sequence('\"{}\"', 'id')", t.name);
        let offset: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT GREATEST(nextval({sequence}), COALESCE((SELECT MAX(id) FROM \"{}\"), 0))",
            t.name
        )))
        .fetch_one(pg)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT setval({sequence}, $1)"
        )))
        .bind(offset + max)
        .execute(pg)
        .await?;
        offsets.insert(t.name.clone(), offset);
    }
    let usernames: HashSet<String> = if fresh {
        HashSet::new()
    } else {
        sqlx::query_scalar("SELECT username FROM accounts")
            .fetch_all(pg)
            .await?
            .into_iter()
            .collect()
    };
    let mut moved = Moved {
        communities: new_codes.values().cloned().collect(),
        kept_ids: fresh,
        ..Moved::default()
    };
    let mut progress = Progress::new();
    let mut tx = pg.begin().await?;
    // One snapshot of the target throughout, so the checks see exactly what
    // this move wrote, whatever else the district does meanwhile.
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        .execute(&mut *tx)
        .await?;
    for table in tables.iter().filter(|t| copied(t)) {
        let present: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{}')",
            table.name
        )))
        .fetch_all(source)
        .await?;
        if let Some(missing) = table.columns.iter().find(|c| !present.contains(&c.name)) {
            bail!(
                "the estate has no {}.{}: it does not match this version. Nothing was written",
                table.name,
                missing.name
            );
        }
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM \"{}\"",
            table.name
        )))
        .fetch_one(source)
        .await?;
        progress.start(&table.name, total.max(0) as u64);
        let range = (table.has_id && !fresh).then(|| {
            let offset = offsets.get(&table.name).copied().unwrap_or(0);
            (
                offset,
                offset + highest.get(&table.name).copied().unwrap_or(0),
            )
        });
        let before = match range {
            Some(_) => Digest128::default(),
            None => digest_target(&mut tx, table, None).await?,
        };
        let order = if table.has_id { " ORDER BY id" } else { "" };
        let select = format!(
            "SELECT {} FROM \"{}\"{order}",
            column_list(table),
            table.name
        );
        let per_batch = (30_000 / table.columns.len().max(1)).max(1);
        let mut written = Digest128::default();
        let mut batch: Vec<Vec<Value>> = Vec::with_capacity(per_batch);
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(select)).fetch(source);
        while let Some(row) = rows.try_next().await? {
            let mut values = read_row(&row, &table.columns)
                .with_context(|| format!("reading {} in the estate", table.name))?;
            let community_id = table
                .columns
                .iter()
                .position(|c| c.name == "community_id")
                .and_then(|i| match values[i] {
                    Value::Int(id) => Some(id),
                    _ => None,
                });
            for (c, v) in table.columns.iter().zip(values.iter_mut()) {
                match v {
                    Value::Text(name)
                        if !fresh
                            && table.name == "accounts"
                            && c.name == "username"
                            && usernames.contains(name.as_str()) =>
                    {
                        let code = community_id
                            .and_then(|id| new_codes.get(&id))
                            .cloned()
                            .unwrap_or_default();
                        let new = format!("{name}.{code}");
                        if usernames.contains(&new) {
                            bail!(
                                "both {name} and {new} are taken in the target. Nothing was written"
                            );
                        }
                        moved.renamed.push((name.clone(), new.clone()));
                        *name = new;
                    }
                    Value::Text(text)
                        if !fresh
                            && matches!(
                                (table.name.as_str(), c.name.as_str()),
                                ("jobs_done", "job_key") | ("poll_ballots", "voter")
                            ) =>
                    {
                        let offset = |t: &str| offsets.get(t).copied().unwrap_or(0);
                        *text = shift_ids_in(&table.name, &c.name, text, &offset);
                    }
                    Value::Int(n) if c.name == "id" && table.has_id => {
                        *n += offsets.get(&table.name).copied().unwrap_or(0);
                    }
                    Value::Int(n) => {
                        if let Some(target) = &c.refers_to {
                            if !fresh && DISTRICT_TABLES.contains(&target.as_str()) {
                                *v = Value::Null;
                            } else {
                                *n += offsets.get(target).copied().unwrap_or(0);
                            }
                        }
                    }
                    _ => {}
                }
            }
            if table.name == "communities" {
                for (c, v) in table.columns.iter().zip(values.iter_mut()) {
                    match c.name.as_str() {
                        "code" => {
                            if let Some(code) = &rename_as {
                                *v = Value::Text(code.clone());
                            }
                        }
                        "street_id" => {
                            if let Some(street) = street_id {
                                *v = Value::Int(street);
                            }
                        }
                        _ => {}
                    }
                }
            }
            batch.push(values);
            if batch.len() >= per_batch {
                keep_new_keys(&mut tx, table, &mut batch, &mut moved.left_behind, fresh).await?;
                batch.iter().for_each(|row| written.add(row));
                insert(&mut tx, table, &batch).await?;
                progress.advance(batch.len() as u64);
                batch.clear();
            }
        }
        drop(rows);
        keep_new_keys(&mut tx, table, &mut batch, &mut moved.left_behind, fresh).await?;
        batch.iter().for_each(|row| written.add(row));
        if !batch.is_empty() {
            insert(&mut tx, table, &batch).await?;
            progress.advance(batch.len() as u64);
        }
        let arrived = digest_target(&mut tx, table, range).await?.since(before);
        if arrived != written {
            bail!(
                "checking {}: {} rows were read from the estate and {} arrived, or their values differ. \
                 Nothing was written",
                table.name,
                written.rows,
                arrived.rows
            );
        }
        progress.finish(&table.name, written.rows as u64);
        moved.tables.push((table.name.clone(), written.rows as u64));
    }
    if fresh {
        for t in tables.iter().filter(|t| t.has_id) {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('\"{0}\"', 'id'), m) FROM (SELECT MAX(id) AS m FROM \"{0}\") x \
                 WHERE m IS NOT NULL",
                t.name
            )))
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await.context("committing the move")?;
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offsets(table: &str) -> i64 {
        match table {
            "requests" => 1000,
            "accounts" => 200,
            "places" => 30,
            "signups" => 4000,
            "bookings" => 500,
            "polls" => 60,
            _ => 0,
        }
    }

    #[test]
    fn ids_inside_keys_move_with_their_tables() {
        let shift = |t: &str, c: &str, text: &str| shift_ids_in(t, c, text, &offsets);
        assert_eq!(
            shift("jobs_done", "job_key", "nudge:7:1796000000"),
            "nudge:1007:1796000000"
        );
        assert_eq!(
            shift("jobs_done", "job_key", "referral:7:99"),
            "referral:1007:99"
        );
        assert_eq!(
            shift("jobs_done", "job_key", "warn:response:7:99"),
            "warn:response:1007:99"
        );
        assert_eq!(
            shift("jobs_done", "job_key", "remind:signup:3"),
            "remind:signup:4003"
        );
        assert_eq!(
            shift("jobs_done", "job_key", "remind:booking:3"),
            "remind:booking:503"
        );
        assert_eq!(
            shift("jobs_done", "job_key", "digest:5:2026-12-05"),
            "digest:205:2026-12-05"
        );
        assert_eq!(
            shift("jobs_done", "job_key", "poll-closed:2"),
            "poll-closed:62"
        );
        assert_eq!(shift("poll_ballots", "voter", "h:12"), "h:42");
        assert_eq!(shift("poll_ballots", "voter", "a:12"), "a:212");
    }

    #[test]
    fn texts_of_other_shapes_are_kept() {
        let shift = |t: &str, c: &str, text: &str| shift_ids_in(t, c, text, &offsets);
        assert_eq!(shift("jobs_done", "job_key", "something"), "something");
        assert_eq!(
            shift("jobs_done", "job_key", "remind:other:3"),
            "remind:other:3"
        );
        assert_eq!(
            shift("jobs_done", "job_key", "nudge:not-a-number:1"),
            "nudge:not-a-number:1"
        );
        assert_eq!(shift("poll_ballots", "voter", "x:12"), "x:12");
        assert_eq!(shift("requests", "description", "nudge:7:1"), "nudge:7:1");
    }

    #[test]
    fn tables_come_after_those_they_refer_to() {
        let table = |name: &str, refers: &[&str]| Table {
            name: name.into(),
            has_id: true,
            text_key: None,
            columns: refers
                .iter()
                .map(|r| Column {
                    name: format!("{r}_id"),
                    kind: Kind::Int,
                    refers_to: Some(r.to_string()),
                })
                .collect(),
        };
        let ordered = in_order(vec![
            table("requests", &["communities", "requests"]),
            table("communities", &[]),
            table("photos", &["requests"]),
        ])
        .expect("an order");
        let names: Vec<&str> = ordered.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["communities", "requests", "photos"]);
        assert!(in_order(vec![table("a", &["b"]), table("b", &["a"])]).is_err());
    }

    #[test]
    fn the_checksum_does_not_depend_on_the_order_of_rows_but_on_every_value() {
        let rows = [
            vec![Value::Int(1), Value::Text("甲".into()), Value::Null],
            vec![Value::Int(2), Value::Bytes(vec![1, 2]), Value::Bool(true)],
        ];
        let mut forward = Digest128::default();
        rows.iter().for_each(|r| forward.add(r));
        let mut backward = Digest128::default();
        rows.iter().rev().for_each(|r| backward.add(r));
        assert_eq!(forward, backward);
        let mut changed = Digest128::default();
        changed.add(&[Value::Int(1), Value::Text("乙".into()), Value::Null]);
        changed.add(&rows[1]);
        assert_ne!(forward, changed);
        // A NULL is not an empty text, nor a zero.
        let mut a = Digest128::default();
        a.add(&[Value::Null]);
        let mut b = Digest128::default();
        b.add(&[Value::Text(String::new())]);
        let mut c = Digest128::default();
        c.add(&[Value::Int(0)]);
        assert!(a != b && b != c && a != c);
        assert_eq!(forward.since(Digest128::default()), forward);
    }
}
