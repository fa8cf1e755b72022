//! What connections keep between queries, given back once the server is
//! idle: after `bench/run`'s loads the process held 107 MB a minute later
//! (SQLite), most of it each connection's page cache (up to 2 MB), its 100
//! prepared statements and its grown buffers, none of which the allocator
//! can return while a connection holds it.

use sqlx::Connection;

use super::{Db, writer_of};

impl Db {
    /// Empties the page cache (SQLite), the prepared statements and the
    /// buffers of every connection not in use; the next queries prepare
    /// and read again. Connections busy meanwhile are left as they are.
    /// Says how many connections let go.
    pub async fn release_memory(&self) -> usize {
        match self {
            Db::Sqlite(pool) => {
                let readers = release(pool, Some("PRAGMA shrink_memory")).await;
                let writer = match writer_of(pool) {
                    Some(writer) => release(&writer.pool, Some("PRAGMA shrink_memory")).await,
                    None => 0,
                };
                readers + writer
            }
            Db::Postgres(pool) => release(pool, None).await,
        }
    }
}

async fn release<DB: sqlx::Database + sqlx::database::HasStatementCache>(
    pool: &sqlx::Pool<DB>,
    pragma: Option<&'static str>,
) -> usize
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    <DB as sqlx::Database>::Arguments: sqlx::IntoArguments<DB>,
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
    held.len()
}
