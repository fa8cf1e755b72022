//! What connections keep between queries, given back once the server is
//! quiet: after `bench/run`'s loads the process held 107 MB a minute later
//! (SQLite), most of it each connection's page cache (up to 2 MB), its 100
//! prepared statements, its parsed schema, its thread's stack and its
//! grown buffers, none of which the allocator can return while a
//! connection holds it.

use sqlx::Connection;

use super::{Db, writer_of};

impl Db {
    /// SQLite: closes the connections not in use (the next query opens one
    /// again, a millisecond); a database in memory instead empties their
    /// page caches and statements, since closing its last connection would
    /// lose it. PostgreSQL: empties the prepared statements and buffers of
    /// the connections not in use (the server's sessions stay open).
    pub async fn release_memory(&self) {
        match self {
            Db::Sqlite(pool) => match writer_of(pool) {
                Some(writer) => {
                    close_idle(pool).await;
                    close_idle(&writer.pool).await;
                }
                None => empty_idle(pool, Some("PRAGMA shrink_memory")).await,
            },
            Db::Postgres(pool) => empty_idle(pool, None).await,
        }
    }
}

async fn close_idle<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) {
    // Only those idle now: others may open while this runs.
    for _ in 0..pool.num_idle() {
        match pool.try_acquire() {
            Some(conn) => {
                let _ = conn.close().await;
            }
            None => break,
        }
    }
}

async fn empty_idle<DB: sqlx::Database + sqlx::database::HasStatementCache>(
    pool: &sqlx::Pool<DB>,
    pragma: Option<&'static str>,
) where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
{
    // Held until all are done, so each idle connection is taken once.
    let mut held = Vec::new();
    while let Some(mut conn) = pool.try_acquire() {
        if let Some(pragma) = pragma {
            let _ = sqlx::query(pragma).execute(&mut *conn).await;
        }
        let _ = conn.clear_cached_statements().await;
        conn.shrink_buffers();
        held.push(conn);
    }
}
