//! The texts waiting, sent and failed. News for someone who chose texts is
//! claimed from their notifications (by the UPDATE that reads it, so two
//! instances never text it twice); a request's reporter without an account
//! gets theirs from the request's own transaction (`text_news!`). A text is
//! claimed for a minute before each try, tried three times, then given up:
//! its news goes on reception's list.

use crate::db::BeginWrite;
use crate::db::{Db, StoreError};
use crate::on_db;

/// News older than this is not texted (after a long outage, say).
const FRESH_FOR: i64 = 2 * 86_400;
/// Texts tried in one pass.
const BATCH: i64 = 50;
/// How long a pass holds its texts: long enough for every one of them to
/// meet a gateway that hangs to its limit, so no other instance takes one
/// still queued in this pass.
const CLAIM_SECONDS: i64 = BATCH * 10 + 60;

/// Messages whose news is danger: never held by quiet hours or limits.
pub const DANGER_KEYS: [&str; 1] = ["notify-care-alert"];

/// Turns the news of everyone who chose texts into texts to send.
pub async fn take_news(db: &Db, now: i64) -> Result<u64, StoreError> {
    let danger = DANGER_KEYS
        .iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(", ");
    // Only where the community sends texts: with its gateway removed, news
    // waits in the inbox instead of failing onto reception's list.
    let claim = "UPDATE notifications SET texted_at = $1 WHERE texted_at IS NULL AND created_at > $2 \
         AND account_id IN (SELECT id FROM accounts WHERE sms_on AND active AND phone IS NOT NULL AND phone <> '' \
             AND community_id IN (SELECT community_id FROM sms_gateways)) \
         RETURNING id";
    let insert = format!(
        "INSERT INTO sms_messages (community_id, account_id, request_id, phone, lang, message_key, danger, \
         created_at, next_try_at) \
         SELECT a.community_id, a.id, n.request_id, a.phone, a.language, n.message_key, \
         (n.message_key IN ({danger}) OR COALESCE(r.urgency = 'danger', FALSE)), n.created_at, $1 \
         FROM notifications n JOIN accounts a ON a.id = n.account_id \
         LEFT JOIN requests r ON r.id = n.request_id \
         WHERE n.id = $2 \
         AND NOT COALESCE(r.contact_preference = 'text' AND r.reporter_account_id = a.id \
             AND r.reporter_phone <> '', FALSE)"
    );
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let claimed: Vec<i64> = sqlx::query_scalar(claim)
                .bind(now)
                .bind(now - FRESH_FOR)
                .fetch_all(&mut *tx)
                .await?;
            let mut made = 0;
            for id in claimed {
                made += sqlx::query(sqlx::AssertSqlSafe(insert.clone()))
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(made)
        }
        .await
    })?)
}

/// A text claimed for a try.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Due {
    pub id: i64,
    pub community_id: i64,
    pub account_id: Option<i64>,
    pub request_id: Option<i64>,
    pub phone: String,
    pub lang: String,
    pub message_key: String,
    pub danger: bool,
    pub attempts: i64,
    pub tracking_code: Option<String>,
}

/// Claims the texts due at `now` for a minute, counting the try.
pub async fn claim_due(db: &Db, now: i64) -> Result<Vec<Due>, StoreError> {
    let ids: Vec<i64> = on_db!(db, |pool| sqlx::query_scalar(
        "UPDATE sms_messages SET claimed_until = $1 + $3 WHERE id IN \
         (SELECT id FROM sms_messages WHERE status = 'waiting' AND next_try_at <= $1 \
          AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY id LIMIT $2) \
         AND status = 'waiting' AND (claimed_until IS NULL OR claimed_until < $1) RETURNING id"
    )
    .bind(now)
    .bind(BATCH)
    .bind(CLAIM_SECONDS)
    .fetch_all(pool)
    .await)?;
    let mut due = Vec::with_capacity(ids.len());
    for id in ids {
        let row = on_db!(db, |pool| {
            sqlx::query_as::<_, Due>(
            "SELECT m.id, m.community_id, m.account_id, m.request_id, m.phone, m.lang, m.message_key, \
             m.danger, m.attempts, r.tracking_code FROM sms_messages m \
             LEFT JOIN requests r ON r.id = m.request_id WHERE m.id = $1"
        )
        .bind(id)
        .fetch_one(pool)
        .await
        })?;
        due.push(row);
    }
    Ok(due)
}

/// What became of a try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Held by quiet hours until then (not a try).
    Later(i64),
    /// Sent, to the number as the gateway was given it.
    Sent { body: String, number: String },
    /// Failed; tried again then, or given up (none).
    Failed { error: String, again: Option<i64> },
}

pub async fn record(db: &Db, id: i64, outcome: &Outcome, now: i64) -> Result<(), StoreError> {
    match outcome {
        Outcome::Later(at) => {
            on_db!(db, |pool| sqlx::query(
                "UPDATE sms_messages SET next_try_at = $1, claimed_until = NULL WHERE id = $2"
            )
            .bind(*at)
            .bind(id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        }
        Outcome::Sent { body, number } => {
            on_db!(db, |pool| {
                sqlx::query(
                "UPDATE sms_messages SET status = 'sent', body = $1, sent_at = $2, attempts = attempts + 1, \
                 last_error = '', claimed_until = NULL, phone = $4 WHERE id = $3"
            )
            .bind(body)
            .bind(now)
            .bind(id)
            .bind(number)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
            })?;
        }
        Outcome::Failed { error, again } => {
            on_db!(db, |pool| {
                sqlx::query(
                "UPDATE sms_messages SET attempts = attempts + 1, last_error = $1, claimed_until = NULL, \
                 next_try_at = COALESCE($2, next_try_at), \
                 status = CASE WHEN $2 IS NULL THEN 'failed' ELSE status END, \
                 failed_at = CASE WHEN $2 IS NULL THEN $3 ELSE failed_at END WHERE id = $4"
            )
            .bind(error)
            .bind(*again)
            .bind(now)
            .bind(id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
            })?;
        }
    }
    Ok(())
}

/// Texts to this number, and by the community, since `since`.
pub async fn counts_since(
    db: &Db,
    community_id: i64,
    phone: &str,
    since: i64,
) -> Result<super::rules::Counts, StoreError> {
    let (to_this_number, by_community): (i64, i64) = on_db!(db, |pool| sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(CASE WHEN phone = $2 THEN 1 ELSE 0 END), 0) AS BIGINT), \
         COUNT(*) FROM sms_messages WHERE community_id = $1 AND sent_at >= $3"
    )
    .bind(community_id)
    .bind(phone)
    .bind(since)
    .fetch_one(pool)
    .await)?;
    Ok(super::rules::Counts {
        to_this_number,
        by_community,
    })
}

/// A line of the log or of reception's list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Logged {
    pub id: i64,
    pub phone: String,
    pub message_key: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub tracking_code: Option<String>,
    pub name: Option<String>,
}

impl Logged {
    pub fn masked_phone(&self) -> String {
        super::rules::masked(&self.phone)
    }
    pub fn status_key(&self) -> String {
        format!("sms-status-{}", self.status)
    }
    pub fn news_key(&self) -> &str {
        &self.message_key
    }
}

const LOGGED: &str = "SELECT m.id, m.phone, m.message_key, m.status, m.attempts, m.last_error, m.created_at, \
     m.sent_at, m.delivered_at, m.failed_at, r.tracking_code, \
     COALESCE(a.display_name, NULLIF(r.reporter_name, '')) AS name \
     FROM sms_messages m LEFT JOIN requests r ON r.id = m.request_id \
     LEFT JOIN accounts a ON a.id = m.account_id";

/// The community's latest texts, for the administrator.
pub async fn log(db: &Db, community_id: i64) -> Result<Vec<Logged>, StoreError> {
    let sql = format!("{LOGGED} WHERE m.community_id = $1 ORDER BY m.id DESC LIMIT 100");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Logged>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .fetch_all(pool)
    .await)?)
}

/// Texts given up whose news reception has not yet passed on. News about a
/// legal question never reaches the list (its own team tells the resident;
/// an account holder has it in their inbox).
pub async fn failed(db: &Db, community_id: i64) -> Result<Vec<Logged>, StoreError> {
    let sql = format!(
        "{LOGGED} LEFT JOIN categories c ON c.id = r.category_id \
         WHERE m.community_id = $1 AND m.status = 'failed' AND m.told_at IS NULL \
         AND NOT COALESCE(c.private_by_nature, FALSE) ORDER BY m.failed_at LIMIT 100"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Logged>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .fetch_all(pool)
    .await)?)
}

/// Reception passed the news on.
pub async fn told(
    db: &Db,
    community_id: i64,
    id: i64,
    by: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let changed = on_db!(db, |pool| sqlx::query(
        "UPDATE sms_messages SET told_at = $1, told_by = $2 \
         WHERE id = $3 AND community_id = $4 AND status = 'failed' AND told_at IS NULL"
    )
    .bind(now)
    .bind(by)
    .bind(id)
    .bind(community_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(changed > 0)
}

/// Someone stopped texts (or their account closed): what still waits for
/// them is not sent, and nothing of theirs stays on reception's list.
pub async fn withdraw(db: &Db, account_id: i64, now: i64) -> Result<(), StoreError> {
    on_db!(db, |pool| sqlx::query(
        "UPDATE sms_messages SET \
         last_error = CASE WHEN status = 'waiting' THEN 'withdrawn' ELSE last_error END, \
         failed_at = CASE WHEN status = 'waiting' THEN $2 ELSE failed_at END, \
         status = 'failed', told_at = COALESCE(told_at, $2) \
         WHERE account_id = $1 AND status IN ('waiting', 'failed')"
    )
    .bind(account_id)
    .bind(now)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A gateway's delivery report: the text arrived, or it did not (then it
/// goes on reception's list like any text given up).
pub async fn delivered(db: &Db, id: i64, arrived: bool, now: i64) -> Result<bool, StoreError> {
    let changed = on_db!(db, |pool| sqlx::query(
        "UPDATE sms_messages SET status = CASE WHEN $1 THEN 'delivered' ELSE 'failed' END, \
         delivered_at = CASE WHEN $1 THEN $2 ELSE NULL END, \
         failed_at = CASE WHEN $1 THEN NULL ELSE $2 END, \
         last_error = CASE WHEN $1 THEN '' ELSE 'not delivered' END \
         WHERE id = $3 AND status IN ('sent', 'delivered')"
    )
    .bind(arrived)
    .bind(now)
    .bind(id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(changed > 0)
}

/// The person's texts, for their own download: what kind, when, how it went.
pub async fn own(db: &Db, account_id: i64) -> Result<serde_json::Value, StoreError> {
    let rows: Vec<(String, String, i64, Option<i64>)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT message_key, status, created_at, sent_at FROM sms_messages \
         WHERE account_id = $1 ORDER BY id"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(kind, status, at, sent)| {
            serde_json::json!({
                "kind": kind, "status": status, "at": crate::db::iso(at), "sent_at": sent.map(crate::db::iso),
            })
        })
        .collect())
}
