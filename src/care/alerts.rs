//! Alerts for missed contacts: the scheduler's sweep raises one for every
//! plan overdue past its grace, and tells the carer, the backup and the
//! care team's leads; recording contact closes it (`store::check_in`).

use crate::db::{BeginWrite, Db, StoreError};
use crate::on_db;

/// The care team: the workgroup coded `care`, else the recreation group,
/// of the community in `{community}`.
pub fn care_team_sql(community: &str) -> String {
    format!(
        "(SELECT id FROM workgroups WHERE community_id = {community} AND code IN ('care', 'recreation') \
         ORDER BY CASE code WHEN 'care' THEN 0 ELSE 1 END LIMIT 1)"
    )
}

/// How many alerts one statement raises at most: each batch is one short
/// write transaction, so the writer is never held for long.
const BATCH: i64 = 500;

/// Raises an alert for every plan whose contact is overdue past its grace
/// and has none open, and tells the carer, the backup and the care team's
/// leads. The unique index on open alerts makes it once per plan even when
/// two instances sweep together; a sweep after downtime catches up, since
/// it reads what is due, not what happened since the last sweep.
pub async fn sweep(db: &Db, at: i64) -> Result<u64, StoreError> {
    let mut raised = 0;
    loop {
        let batch = raise_batch(db, at).await?;
        raised += batch;
        if batch < BATCH as u64 {
            return Ok(raised);
        }
    }
}

/// One batch of the sweep: one short write transaction that raises up to
/// `BATCH` alerts and tells their people. Public so that the benchmark can
/// time each transaction (how long the writer is held).
pub async fn raise_batch(db: &Db, at: i64) -> Result<u64, StoreError> {
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            // A contact recorded on PostgreSQL while this batch runs would
            // not see the alert it raises, which would then stay open: the
            // batch first takes the rows of the plans it will raise (a
            // write that changes nothing), so such a contact waits and then
            // closes the alert, and a contact that came first is read again
            // and its plan left out. On SQLite, whose one writer takes
            // transactions in turn, it is only a little more work.
            sqlx::query(
                "UPDATE care_plans SET due_at = due_at WHERE closed_at IS NULL AND due_at < $1 \
                 AND due_at < $1 - grace_hours * 3600 AND id IN (SELECT p.id FROM care_plans p \
                 WHERE p.closed_at IS NULL AND p.due_at < $1 AND p.due_at < $1 - p.grace_hours * 3600 \
                 AND NOT EXISTS (SELECT 1 FROM care_alerts a WHERE a.plan_id = p.id AND a.closed_at IS NULL) \
                 ORDER BY p.due_at LIMIT $2)",
            )
            .bind(at)
            .bind(BATCH)
            .execute(&mut *tx)
            .await?;
            let n = sqlx::query(
                "INSERT INTO care_alerts (plan_id, community_id, due_at, raised_at) \
                 SELECT p.id, p.community_id, p.due_at, $1 FROM care_plans p \
                 WHERE p.closed_at IS NULL AND p.due_at < $1 AND p.due_at < $1 - p.grace_hours * 3600 \
                 AND NOT EXISTS (SELECT 1 FROM care_alerts a WHERE a.plan_id = p.id AND a.closed_at IS NULL) \
                 ORDER BY p.due_at LIMIT $2 ON CONFLICT DO NOTHING",
            )
            .bind(at)
            .bind(BATCH)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            // Only this transaction's own alerts are untold here: another
            // instance's are either committed and told, or not yet seen.
            let leads = care_team_sql("p.community_id");
            let told = [
                "SELECT p.carer_id AS account_id, al.plan_id FROM care_alerts al JOIN care_plans p ON p.id = al.plan_id \
                 WHERE al.told_at IS NULL".to_string(),
                "SELECT p.backup_id AS account_id, al.plan_id FROM care_alerts al JOIN care_plans p ON p.id = al.plan_id \
                 WHERE al.told_at IS NULL AND p.backup_id IS NOT NULL AND p.backup_id <> p.carer_id".to_string(),
                format!(
                    "SELECT m.account_id, al.plan_id FROM care_alerts al JOIN care_plans p ON p.id = al.plan_id \
                     JOIN workgroup_members m ON m.workgroup_id = {leads} AND m.is_lead \
                     WHERE al.told_at IS NULL AND m.account_id <> p.carer_id AND m.account_id <> COALESCE(p.backup_id, 0)"
                ),
            ];
            for recipients in told {
                let sql = format!(
                    "INSERT INTO notifications (account_id, message_key, detail, created_at) \
                     SELECT t.account_id, 'notify-care-alert', a.display_name, $1 FROM ({recipients}) t \
                     JOIN care_plans p ON p.id = t.plan_id JOIN accounts a ON a.id = p.account_id"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(at).execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE care_alerts SET told_at = $1 WHERE told_at IS NULL")
                .bind(at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(n)
        }
        .await
    })?)
}

/// The open alerts of the community, the oldest first.
pub async fn open_alerts(
    db: &Db,
    community_id: i64,
) -> Result<Vec<(i64, String, i64)>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, (i64, String, i64)>(
        "SELECT p.id, a.display_name, al.raised_at FROM care_alerts al JOIN care_plans p ON p.id = al.plan_id \
         JOIN accounts a ON a.id = p.account_id WHERE al.community_id = $1 AND al.closed_at IS NULL ORDER BY al.raised_at"
    )
    .bind(community_id)
    .fetch_all(pool)
    .await
    })?)
}
