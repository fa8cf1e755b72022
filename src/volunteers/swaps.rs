//! Swaps as stored: a member offers their place on a shift to a teammate,
//! who takes it (the place passes in one transaction) or declines.

use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;

/// A swap waiting for, or given an answer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Swap {
    pub id: i64,
    pub signup_id: i64,
    pub shift_id: i64,
    pub from_account: i64,
    pub from_name: String,
    pub to_account: i64,
    pub to_name: String,
    pub title: String,
    pub starts_at: i64,
    pub ends_at: i64,
}

const SWAP_SELECT: &str = "SELECT w.id, w.signup_id, g.shift_id, g.account_id AS from_account, fa.display_name AS from_name, \
    w.to_account, ta.display_name AS to_name, s.title, s.starts_at, s.ends_at FROM shift_swaps w \
    JOIN shift_signups g ON g.id = w.signup_id JOIN shifts s ON s.id = g.shift_id \
    JOIN accounts fa ON fa.id = g.account_id JOIN accounts ta ON ta.id = w.to_account";

/// The swaps offered to, or asked by, a person that are still open.
pub async fn open_swaps(db: &Db, account_id: i64) -> Result<Vec<Swap>, StoreError> {
    let sql = format!(
        "{SWAP_SELECT} WHERE w.state = 'asked' AND (w.to_account = $1 OR g.account_id = $1) ORDER BY s.starts_at"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Swap>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(account_id)
    .fetch_all(pool)
    .await)?)
}

pub async fn swap(db: &Db, id: i64) -> Result<Option<Swap>, StoreError> {
    let sql = format!("{SWAP_SELECT} WHERE w.id = $1 AND w.state = 'asked'");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Swap>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?)
}

/// Offers a sign-up to another member, and tells them.
pub async fn ask_swap(
    db: &Db,
    signup_id: i64,
    to_account: i64,
    title: &str,
) -> Result<(), StoreError> {
    let at = now();
    let made = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO shift_swaps (signup_id, to_account, state, created_at) VALUES ($1, $2, 'asked', $3) \
                 ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(signup_id)
            .bind(to_account)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
            if id.is_some() {
                sqlx::query(
                    "INSERT INTO notifications (account_id, message_key, detail, created_at) VALUES ($1, 'notify-duty-swap', $2, $3)",
                )
                .bind(to_account)
                .bind(title)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(id.is_some())
        }
        .await
    })?;
    if made {
        Ok(())
    } else {
        Err(StoreError::Conflict("duty-error-swap-open"))
    }
}

/// Answers a swap: accepted, the shift passes to the one asked (the first
/// sign-up goes, a new one comes, in one transaction); otherwise it stays.
pub async fn answer_swap(db: &Db, swap: &Swap, accept: bool) -> Result<bool, StoreError> {
    let at = now();
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let answered = sqlx::query(
                "UPDATE shift_swaps SET state = $2, answered_at = $3 WHERE id = $1 AND state = 'asked'",
            )
            .bind(swap.id)
            .bind(if accept { "accepted" } else { "declined" })
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if answered == 0 {
                return Ok::<_, sqlx::Error>(false);
            }
            if accept {
                // The place passes as it was: a sign-up still waiting for
                // the lead's approval stays waiting.
                let state: Option<String> = sqlx::query_scalar(
                    "SELECT state FROM shift_signups WHERE id = $1 AND state <> 'gone' AND checked_in_at IS NULL \
                     AND EXISTS (SELECT 1 FROM shifts s WHERE s.id = shift_signups.shift_id AND s.starts_at > $2)",
                )
                .bind(swap.signup_id)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(state) = state else {
                    return Ok(false);
                };
                sqlx::query("UPDATE shift_signups SET state = 'gone' WHERE id = $1")
                    .bind(swap.signup_id)
                    .execute(&mut *tx)
                    .await?;
                // Someone already on the shift cannot take a second place.
                let taken = sqlx::query(
                    "INSERT INTO shift_signups (shift_id, account_id, state, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(swap.shift_id)
                .bind(swap.to_account)
                .bind(&state)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if taken == 0 {
                    return Ok(false);
                }
            }
            sqlx::query(
                "INSERT INTO notifications (account_id, message_key, detail, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(swap.from_account)
            .bind(if accept { "notify-duty-swap-accepted" } else { "notify-duty-swap-declined" })
            .bind(&swap.title)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(true)
        }
        .await
    })?)
}
