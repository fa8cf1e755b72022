//! News for people: each account's notifications (the bell), and the
//! reception desk's list of residents to call back.

use serde_json::{Value, json};

use crate::auth::Viewer;
use crate::db::{BeginWrite, Db, StoreError, iso, now};
use crate::on_db;

use super::record::{Audience, REQUEST_COLUMNS, REQUEST_FROM, RequestRow};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Notice {
    pub id: i64,
    pub message_key: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
    pub tracking_code: Option<String>,
    /// What a notification not about a request names (an activity and
    /// its time).
    pub detail: String,
}

pub async fn notifications(db: &Db, account_id: i64) -> Result<Vec<Notice>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Notice>(
        "SELECT n.id, n.message_key, n.created_at, n.read_at, r.tracking_code, n.detail FROM notifications n \
         LEFT JOIN requests r ON r.id = n.request_id WHERE n.account_id = $1 ORDER BY n.id DESC LIMIT 50"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
    })?)
}

/// The unread count as a column of a query over the account `a`: the
/// page header reads it with the session, in one query.
pub const UNREAD_OF_ACCOUNT: &str =
    "(SELECT COUNT(*) FROM notifications n WHERE n.account_id = a.id AND n.read_at IS NULL)";

pub async fn unread_count(db: &Db, account_id: i64) -> Result<i64, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM notifications WHERE account_id = $1 AND read_at IS NULL"
    )
    .bind(account_id)
    .fetch_one(pool)
    .await)?)
}

pub async fn mark_notifications_read(db: &Db, account_id: i64) -> Result<(), StoreError> {
    on_db!(db, |pool| sqlx::query(
        "UPDATE notifications SET read_at = $1 WHERE account_id = $2 AND read_at IS NULL"
    )
    .bind(now())
    .bind(account_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Requests whose residents do not follow them online, with news to pass
/// on or an answer to ask for: reception phones them (or tells them at the
/// desk) and records their answer as theirs. A request with no phone whose
/// resident did not say they would come to the desk is not listed: nobody
/// could be called about it.
/// `problem_fixed` is the words to pass on when the cause behind a request
/// was fixed (that step has no words of its own).
pub async fn callback_list(
    db: &Db,
    community_id: i64,
    problem_fixed: &str,
) -> Result<Vec<Callback>, StoreError> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS}, \
         (SELECT CASE WHEN e.kind = 'problem_fixed' THEN $2 ELSE e.public_message END FROM request_events e \
          WHERE e.request_id = r.id AND e.audience = 'public' AND e.actor_role <> 'reporter' \
          AND (e.public_message <> '' OR e.kind = 'problem_fixed') ORDER BY e.at DESC, e.id DESC LIMIT 1) AS news \
         {REQUEST_FROM} WHERE r.community_id = $1 \
         AND NOT c.private_by_nature \
         AND (r.reporter_account_id IS NULL OR r.contact_preference IN ('phone', 'desk')) \
         AND (r.reporter_phone <> '' OR r.contact_preference = 'desk') \
         AND NOT (r.contact_preference = 'text' AND r.reporter_phone <> '') \
         AND (r.status IN ('resolved', 'waiting') OR r.desk_news_at IS NOT NULL) \
         ORDER BY COALESCE(r.desk_news_at, r.resolved_at) LIMIT 100"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Callback>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .bind(problem_fixed)
    .fetch_all(pool)
    .await)?)
}

/// A request on reception's list, with the team's latest public words.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Callback {
    #[sqlx(flatten)]
    pub r: RequestRow,
    pub news: Option<String>,
}

/// Reception passed the news on: the request leaves the list, and its
/// history says so (for staff).
pub async fn news_passed_on(db: &Db, request: &RequestRow, by: &Viewer) -> Result<(), StoreError> {
    let at = now();
    let request_id = request.id;
    let role = by.role().as_str();
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE requests SET desk_news_at = NULL WHERE id = $1")
                .bind(request_id)
                .execute(&mut *tx)
                .await?;
            insert_event!(
                tx,
                request_id,
                at,
                Some(by.id),
                role,
                "told_resident",
                None::<String>,
                None::<String>,
                "",
                "",
                Audience::Staff.as_str()
            )?;
            tx.commit().await
        }
        .await
    })?;
    Ok(())
}

/// The person's news, for their own-data download: what it was about, when,
/// and whether they read it. Reception's copy leaves out news about legal
/// questions, legal aid cases and anonymous requests, as it leaves out the
/// requests and the cases.
pub async fn own_news(db: &Db, account_id: i64, at_the_desk: bool) -> Result<Value, StoreError> {
    let news: Vec<(String, i64, Option<i64>, Option<String>)> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT n.message_key, n.created_at, n.read_at, r.tracking_code FROM notifications n \
         LEFT JOIN requests r ON r.id = n.request_id LEFT JOIN categories c ON c.id = r.category_id \
         WHERE n.account_id = $1 \
         AND NOT ($2 AND r.id IS NOT NULL AND (c.private_by_nature OR r.visibility = 'anonymous')) \
         AND NOT ($2 AND n.message_key LIKE 'notify-legal-%') \
         ORDER BY n.created_at"
    )
    .bind(account_id)
    .bind(at_the_desk)
    .fetch_all(pool)
    .await
    })?;
    Ok(news
        .into_iter()
        .map(|(key, at, read, code)| {
            json!({
                "kind": key, "at": iso(at), "read": read.is_some(), "tracking_code": code,
            })
        })
        .collect())
}
