//! Holds: a resident waits in a title's queue when no copy is on the
//! shelf; a copy that comes back is kept a week for the first one waiting
//! (`loans::pass_on!`), who is told; leaving the queue passes a kept copy
//! on.

use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;

use super::loans::pass_on;

/// A resident's place in a title's queue.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Hold {
    pub id: i64,
    pub book_id: i64,
    pub title: String,
    pub state: String,
    pub ready_until: Option<i64>,
    pub copy_code: Option<String>,
    /// How many wait before them.
    pub ahead: i64,
    pub created_at: i64,
}

pub async fn holds_of(db: &Db, account_id: i64) -> Result<Vec<Hold>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Hold>(
        "SELECT h.id, h.book_id, b.title, h.state, h.ready_until, c.code AS copy_code, \
         (SELECT COUNT(*) FROM book_holds o WHERE o.book_id = h.book_id AND o.state = 'waiting' \
            AND (o.created_at < h.created_at OR (o.created_at = h.created_at AND o.id < h.id))) AS ahead, \
         h.created_at \
         FROM book_holds h JOIN books b ON b.id = h.book_id LEFT JOIN book_copies c ON c.id = h.copy_id \
         WHERE h.account_id = $1 AND h.state IN ('waiting', 'ready') ORDER BY h.created_at"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
    })?)
}

/// Why a hold was refused.
pub const HOLD_ON_SHELF: &str = "library-error-on-shelf";
pub const HOLD_ALREADY: &str = "library-error-hold-already";
pub const HOLD_BORROWING: &str = "library-error-borrowing";

/// Joins the queue for a title with no copy on the shelf.
pub async fn hold(db: &Db, book: &super::store::Book, account_id: i64) -> Result<(), StoreError> {
    if book.on_shelf > 0 {
        return Err(StoreError::Conflict(HOLD_ON_SHELF));
    }
    let at = now();
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let borrowing: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM loans WHERE book_id = $1 AND account_id = $2 AND returned_at IS NULL)",
            )
            .bind(book.id)
            .bind(account_id)
            .fetch_one(&mut *tx)
            .await?;
            if borrowing {
                return Ok(Err(HOLD_BORROWING));
            }
            let added = sqlx::query(
                "INSERT INTO book_holds (community_id, book_id, account_id, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(book.community_id)
            .bind(book.id)
            .bind(account_id)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            Ok::<_, sqlx::Error>(if added == 0 { Err(HOLD_ALREADY) } else { Ok(()) })
        }
        .await
    })?
    .map_err(StoreError::Conflict)
}

/// Leaves a queue; a copy kept for the person goes to the next one.
pub async fn cancel_hold(db: &Db, hold_id: i64, account_id: i64) -> Result<(), StoreError> {
    let at = now();
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let hold: Option<(i64, Option<i64>)> = sqlx::query_as(
                "UPDATE book_holds SET state = 'cancelled' WHERE id = $1 AND account_id = $2 \
                 AND state IN ('waiting', 'ready') RETURNING book_id, copy_id",
            )
            .bind(hold_id)
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((book_id, Some(copy_id))) = hold {
                pass_on!(tx, book_id, copy_id, at);
            }
            tx.commit().await?;
            Ok::<(), sqlx::Error>(())
        }
        .await
    })?;
    Ok(())
}
