//! A write transaction known in full before it starts, run with as few
//! trips to the database as each engine allows.
//!
//! sqlx runs each SQLite connection on a thread of its own, and every
//! statement is a hand-off from the task to that thread and back (about
//! 150 µs each under load on two cores, BENCHMARKS.md). A creation of
//! seven statements held the file's one writer for seven hand-offs, and
//! each commit wrote every page it touched (about 185 kB). On SQLite,
//! scripts that wait for the writer are run together, up to 64 in one
//! transaction, each as one multi-statement call (one hand-off), by a task
//! on a thread of its own; all are answered once the batch is on disk. One
//! that fails undoes its batch, and each then runs alone. On PostgreSQL the
//! statements run one after another in a transaction.
//!
//! Each statement is written with its own `$1 … $n`, as everywhere else;
//! for SQLite they are renumbered into one list (sqlx binds every `$n` of a
//! multi-statement query from the whole list; it calls this SQLite-only
//! behaviour deprecated, and this module is its only user). A statement
//! that needs an id made earlier in the script finds it by a value the
//! script chose (a new request's tracking code and secret), so the SQL is
//! the same on both engines.

use std::sync::Arc;

use sqlx::{PgPool, SqlitePool};

use super::{Writer, writer_of};

/// One value bound to a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
    Float(Option<f64>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Arg {
        Arg::Int(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(Some(v.to_string()))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Arg {
        Arg::Text(Some(v.clone()))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(Some(v))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Arg {
        Arg::Text(v)
    }
}
impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Arg {
        Arg::Text(v.clone())
    }
}
impl From<Option<f64>> for Arg {
    fn from(v: Option<f64>) -> Arg {
        Arg::Float(v)
    }
}

/// Statements that run as one transaction, in order. The first column of
/// the first row any of them returns (an id, by `RETURNING`) is the
/// script's answer.
#[derive(Debug, Default, Clone)]
pub struct Script {
    statements: Vec<(&'static str, Vec<Arg>)>,
}

impl Script {
    pub fn new() -> Script {
        Script::default()
    }

    /// Adds a statement with its `$1 … $n` values.
    pub fn push(&mut self, sql: &'static str, args: Vec<Arg>) -> &mut Script {
        self.statements.push((sql, args));
        self
    }

    /// The statements as one SQLite call, `$n` renumbered into one list.
    fn for_sqlite(&self) -> (String, Vec<&Arg>) {
        let mut sql = String::from("BEGIN IMMEDIATE;\n");
        let mut args = Vec::new();
        for (statement, values) in &self.statements {
            sql.push_str(&renumbered(statement, args.len()));
            sql.push_str(";\n");
            args.extend(values);
        }
        sql.push_str("COMMIT");
        (sql, args)
    }

    /// The statements as one SQLite call inside a transaction already
    /// begun.
    fn for_batch(&self) -> (String, Vec<&Arg>) {
        let mut sql = String::new();
        let mut args = Vec::new();
        for (statement, values) in &self.statements {
            sql.push_str(&renumbered(statement, args.len()));
            sql.push_str(";\n");
            args.extend(values);
        }
        (sql, args)
    }

    /// Runs the script; returns once it is durable. Runs to its end even if
    /// the caller stops waiting (a client that hangs up), so a transaction
    /// is never left open on the writer.
    pub async fn run(self, db: &super::Db) -> Result<Option<i64>, sqlx::Error> {
        let task = match db {
            super::Db::Sqlite(pool) => tokio::spawn(run_sqlite(pool.clone(), self)),
            super::Db::Postgres(pool) => tokio::spawn(run_postgres(pool.clone(), self)),
        };
        task.await
            .map_err(|e| sqlx::Error::Io(std::io::Error::other(e)))?
    }
}

macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for arg in $args {
            q = match arg {
                Arg::Int(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.as_deref()),
                Arg::Float(v) => q.bind(*v),
            };
        }
        q
    }};
}

async fn run_sqlite(pool: SqlitePool, script: Script) -> Result<Option<i64>, sqlx::Error> {
    let Some(writer) = writer_of(&pool) else {
        return run_alone(&pool, script).await;
    };
    let (answer, answered) = tokio::sync::oneshot::channel();
    if writer.queue.push(Job { script, answer }) {
        writer_runtime().spawn(drain(writer.clone()));
    }
    answered
        .await
        .map_err(|_| sqlx::Error::Io(std::io::Error::other("the writer stopped")))?
}

/// A database in memory has no writer: the script runs on the pool.
async fn run_alone(pool: &SqlitePool, script: Script) -> Result<Option<i64>, sqlx::Error> {
    let (sql, args) = script.for_sqlite();
    let mut conn = pool.acquire().await?;
    let query = bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)), args.iter().copied());
    match query.fetch_all(&mut *conn).await {
        Ok(rows) => first_id(&rows),
        Err(e) => {
            // A statement failed: the ones after it, COMMIT among them, did
            // not run.
            if sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await.is_err() {
                let _ = conn.close().await;
            }
            Err(e)
        }
    }
}

fn first_id(rows: &[sqlx::sqlite::SqliteRow]) -> Result<Option<i64>, sqlx::Error> {
    use sqlx::Row;
    rows.first().map(|row| row.try_get::<i64, _>(0)).transpose()
}

/// A thread of its own for running the writer's batches: each statement
/// waits for the database's thread, and on the server's runtime each wait
/// then waited again behind the requests being served (bench/run).
fn writer_runtime() -> tokio::runtime::Handle {
    static RUNTIME: std::sync::LazyLock<Option<tokio::runtime::Handle>> =
        std::sync::LazyLock::new(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .thread_name("grassroots-writer")
                .build()
                .ok()?;
            let handle = runtime.handle().clone();
            std::thread::Builder::new()
                .name("grassroots-writer".into())
                .spawn(move || runtime.block_on(std::future::pending::<()>()))
                .ok()?;
            Some(handle)
        });
    RUNTIME
        .clone()
        .unwrap_or_else(tokio::runtime::Handle::current)
}

/// Scripts waiting for the writer, and whether one task is running them.
#[derive(Default)]
pub(super) struct Queue {
    state: std::sync::Mutex<(Vec<Job>, bool)>,
}

struct Job {
    script: Script,
    answer: tokio::sync::oneshot::Sender<Result<Option<i64>, sqlx::Error>>,
}

/// Scripts taken together into one transaction, at most.
const BATCH: usize = 64;

impl Queue {
    /// Adds a job; true when nobody is running the queue (the caller starts).
    fn push(&self, job: Job) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.0.push(job);
        !std::mem::replace(&mut state.1, true)
    }

    /// The next jobs in order; none, and nobody running, when it is empty.
    fn take(&self) -> Vec<Job> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.0.is_empty() {
            state.1 = false;
            return Vec::new();
        }
        let n = state.0.len().min(BATCH);
        state.0.drain(..n).collect()
    }
}

/// Runs what waits, a batch at a time, until nothing does. Scripts that
/// arrive while a batch runs form the next one: under load, many
/// creations share one transaction, and so the pages they all change
/// (the table's last page, each index's) are written to the log once, not
/// once each (an Open311 creation wrote about 185 kB, bench/run). Each
/// script keeps its own savepoint, so one that fails takes nothing else
/// with it. Each is answered once the batch is on disk.
async fn drain(writer: Arc<Writer>) {
    loop {
        let jobs = writer.queue.take();
        if jobs.is_empty() {
            return;
        }
        let (scripts, answers): (Vec<Script>, Vec<_>) =
            jobs.into_iter().map(|j| (j.script, j.answer)).unzip();
        let results = run_batch(&writer, &scripts).await;
        // The next batch starts while this one's flush is under way; the
        // flush covers every commit made before it began.
        let writer = writer.clone();
        tokio::spawn(async move {
            let durable = writer.durable().await;
            for (answer, result) in answers.into_iter().zip(results) {
                let result = match (&durable, result) {
                    (Err(e), Ok(_)) => Err(sqlx::Error::Io(std::io::Error::new(
                        e.kind(),
                        e.to_string(),
                    ))),
                    (_, result) => result,
                };
                // A caller that stopped waiting is fine: its work is done.
                let _ = answer.send(result);
            }
        });
    }
}

async fn run_batch(writer: &Writer, scripts: &[Script]) -> Vec<Result<Option<i64>, sqlx::Error>> {
    let mut conn = match writer.pool.acquire().await {
        Ok(conn) => conn,
        Err(e) => return scripts.iter().map(|_| Err(copy(&e))).collect(),
    };
    match together(&mut conn, scripts).await {
        Ok(answers) => answers.into_iter().map(Ok).collect(),
        // One failed (a broken rule, say): the batch is undone, and each
        // runs again alone, so only the one that fails is told so.
        Err(_) if scripts.len() > 1 => {
            let mut results = Vec::with_capacity(scripts.len());
            for script in scripts {
                results.push(alone(&mut conn, script).await);
            }
            results
        }
        Err(e) => vec![Err(e)],
    }
}

/// The scripts in one transaction, in order. No savepoint per script: a
/// savepoint makes each full-text index write out what it holds.
async fn together(
    conn: &mut sqlx::SqliteConnection,
    scripts: &[Script],
) -> Result<Vec<Option<i64>>, sqlx::Error> {
    sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    let mut answers = Vec::with_capacity(scripts.len());
    for script in scripts {
        let (sql, args) = script.for_batch();
        let query = bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)), args.iter().copied());
        match query
            .fetch_all(&mut *conn)
            .await
            .and_then(|rows| first_id(&rows))
        {
            Ok(answer) => answers.push(answer),
            Err(e) => {
                end(conn, "ROLLBACK").await?;
                return Err(e);
            }
        }
    }
    if let Err(e) = sqlx::raw_sql("COMMIT").execute(&mut *conn).await {
        end(conn, "ROLLBACK").await?;
        return Err(e);
    }
    Ok(answers)
}

/// One script as a transaction of its own.
async fn alone(
    conn: &mut sqlx::SqliteConnection,
    script: &Script,
) -> Result<Option<i64>, sqlx::Error> {
    let (sql, args) = script.for_sqlite();
    let query = bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)), args.iter().copied());
    match query
        .fetch_all(&mut *conn)
        .await
        .and_then(|rows| first_id(&rows))
    {
        Ok(answer) => Ok(answer),
        Err(e) => {
            end(conn, "ROLLBACK").await?;
            Err(e)
        }
    }
}

/// Ends a transaction; "no transaction is active" counts as ended.
async fn end(conn: &mut sqlx::SqliteConnection, how: &'static str) -> Result<(), sqlx::Error> {
    match sqlx::raw_sql(how).execute(&mut *conn).await {
        Ok(_) => Ok(()),
        Err(e) if e.to_string().contains("no transaction is active") => Ok(()),
        Err(e) => Err(e),
    }
}

fn copy(e: &sqlx::Error) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other(e.to_string()))
}

async fn run_postgres(pool: PgPool, script: Script) -> Result<Option<i64>, sqlx::Error> {
    use sqlx::Row;
    let mut tx = pool.begin().await?;
    let mut answer = None;
    for (sql, args) in &script.statements {
        let rows = bind_all!(sqlx::query(*sql), args.iter())
            .fetch_all(&mut *tx)
            .await?;
        if answer.is_none()
            && let Some(row) = rows.first()
        {
            answer = Some(row.try_get::<i64, _>(0)?);
        }
    }
    tx.commit().await?;
    Ok(answer)
}

/// `sql` with every `$n` outside quotes made `$(n + offset)`.
fn renumbered(sql: &str, offset: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        out.push(c);
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '$' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                match digits.parse::<usize>() {
                    Ok(n) => out.push_str(&(n + offset).to_string()),
                    Err(_) => out.push_str(&digits),
                }
            }
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_renumbered_outside_quotes() {
        assert_eq!(renumbered("SELECT $1, $2, $1", 0), "SELECT $1, $2, $1");
        assert_eq!(renumbered("SELECT $1, $10", 3), "SELECT $4, $13");
        assert_eq!(
            renumbered("SELECT '$1', \"$2\", $3 ESCAPE '\\'", 5),
            "SELECT '$1', \"$2\", $8 ESCAPE '\\'"
        );
        assert_eq!(
            renumbered("SELECT 'it''s $1', $1", 1),
            "SELECT 'it''s $1', $2"
        );
        assert_eq!(renumbered("a $ b $x", 2), "a $ b $x");
        assert_eq!(renumbered("", 9), "");
    }

    #[test]
    fn a_script_is_one_transaction_with_one_list_of_values() {
        let mut script = Script::new();
        script
            .push(
                "INSERT INTO a (x, y) VALUES ($1, $2)",
                vec![1.into(), "b".into()],
            )
            .push(
                "INSERT INTO c (z) SELECT id FROM a WHERE x = $1",
                vec![1.into()],
            );
        let (sql, args) = script.for_sqlite();
        assert_eq!(
            sql,
            "BEGIN IMMEDIATE;\nINSERT INTO a (x, y) VALUES ($1, $2);\n\
             INSERT INTO c (z) SELECT id FROM a WHERE x = $3;\nCOMMIT"
        );
        assert_eq!(
            args,
            vec![&Arg::Int(Some(1)), &Arg::from("b"), &Arg::Int(Some(1))]
        );
    }

    /// Many scripts at once on a file share transactions; the one that
    /// breaks a rule is refused alone, and every other is kept once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn scripts_run_together_and_fail_alone() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = format!("sqlite://{}", dir.path().join("script.db").display());
        let db = crate::db::Db::connect(&url).await.expect("a database");
        crate::on_db!(&db, |pool| sqlx::raw_sql(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL CHECK (n <> 13), code TEXT UNIQUE);\
             CREATE TABLE u (t_id INTEGER NOT NULL, at INTEGER NOT NULL);"
        )
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))
        .expect("tables");
        let mut tasks = Vec::new();
        for n in 0..200_i64 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let code = format!("c{n}");
                let mut script = Script::new();
                script
                    .push(
                        "INSERT INTO t (n, code) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id",
                        vec![n.into(), (&code).into()],
                    )
                    .push(
                        "INSERT INTO u (t_id, at) SELECT id, $2 FROM t WHERE code = $1",
                        vec![(&code).into(), n.into()],
                    );
                (n, script.run(&db).await)
            }));
        }
        let mut kept = 0;
        for task in tasks {
            let (n, result) = task.await.expect("the task");
            match result {
                Ok(Some(_)) => kept += 1,
                Ok(None) => panic!("{n}: no id"),
                Err(e) => assert_eq!(n, 13, "only 13 breaks the rule: {e}"),
            }
        }
        assert_eq!(kept, 199);
        let counts: (i64, i64) = crate::on_db!(&db, |pool| sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM t), (SELECT COUNT(*) FROM u)"
        )
        .fetch_one(pool)
        .await)
        .expect("counts");
        assert_eq!(
            counts,
            (199, 199),
            "each kept once, with its second statement"
        );
        let mut again = Script::new();
        again.push(
            "INSERT INTO t (n, code) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id",
            vec![1.into(), "c1".into()],
        );
        assert_eq!(
            again.run(&db).await.expect("runs"),
            None,
            "a repeat makes nothing"
        );
    }
}
