//! How long a closed account's cases keep their legal record, and the
//! removal of their personal data when that time is over.

use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;

use super::rules;
use super::store::{free_hours_ahead, of_resident};

/// How many days a closed account's cases keep their legal record.
pub async fn keep_days(db: &Db, community_id: i64) -> Result<i64, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT keep_days FROM legal_settings WHERE community_id = $1"
    )
    .bind(community_id)
    .fetch_optional(pool)
    .await)?
    .unwrap_or(1095))
}

pub async fn save_keep_days(db: &Db, community_id: i64, days: i64) -> Result<(), StoreError> {
    on_db!(db, |pool| sqlx::query(
        "INSERT INTO legal_settings (community_id, keep_days) VALUES ($1, $2) \
         ON CONFLICT (community_id) DO UPDATE SET keep_days = excluded.keep_days"
    )
    .bind(community_id)
    .bind(days)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A closed account's cases keep their legal record for the community's
/// keeping period, then lose their personal data.
pub async fn keep_then_erase(db: &Db, account_id: i64) -> Result<(), StoreError> {
    let at = now();
    let cases = of_resident(db, account_id).await?;
    for case in cases.iter().filter(|c| c.erased_at.is_none()) {
        let days = keep_days(db, case.community_id).await?;
        on_db!(db, |pool| {
            async {
                let mut tx = pool.begin_write().await?;
                sqlx::query(
                    "UPDATE legal_cases SET erase_after = $1, \
                     state = CASE WHEN state IN ('asked', 'assigned') THEN 'withdrawn' ELSE state END WHERE id = $2",
                )
                .bind(rules::erase_after(at, days))
                .bind(case.id)
                .execute(&mut *tx)
                .await?;
                free_hours_ahead!(tx, case.id, at);
                tx.commit().await?;
                Ok::<(), sqlx::Error>(())
            }
            .await
        })?;
    }
    Ok(())
}

/// Removes the personal data of cases whose keeping has ended: who asked,
/// what they said, how to reach them, the notes and documents. The topic,
/// the month and the rating stay, for the counts.
pub async fn erase_due(db: &Db) -> Result<u64, StoreError> {
    let at = now();
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let due: Vec<i64> = sqlx::query_scalar(
                "SELECT id FROM legal_cases WHERE erase_after <= $1 AND erased_at IS NULL",
            )
            .bind(at)
            .fetch_all(&mut *tx)
            .await?;
            for id in &due {
                sqlx::query(
                    "UPDATE legal_access_log SET account_id = NULL WHERE case_id = $1 \
                     AND account_id = (SELECT account_id FROM legal_cases WHERE id = $1)",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                for sql in [
                    "DELETE FROM legal_notes WHERE case_id = $1",
                    "DELETE FROM legal_documents WHERE case_id = $1",
                    "UPDATE legal_slots SET booked_by = NULL WHERE case_id = $1",
                ] {
                    sqlx::query(sql).bind(id).execute(&mut *tx).await?;
                }
                sqlx::query(
                    "UPDATE legal_cases SET account_id = NULL, description = '', preferred_times = '', reach_detail = '', \
                     outcome = '', rating_comment = '', from_request_id = NULL, filed_by = NULL, erased_at = $1 WHERE id = $2",
                )
                .bind(at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(due.len() as u64)
        }
        .await
    })?)
}
