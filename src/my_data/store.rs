//! What the system holds about a person, and taking their name off it.
//! The requests themselves stay (with their times, statuses and ratings), so
//! the community's figures do not change; only who sent them is forgotten.

use std::future::Future;
use std::pin::Pin;

use serde_json::{Value, json};

use crate::db::{BeginWrite, Db, StoreError, iso, now};
use crate::on_db;
use crate::web::AppError;

/// Statuses a request no longer leaves: the resident has nothing left to
/// do on it. A solved one waits for their confirmation, so it is not past.
const PAST: &str = "('closed', 'rejected', 'duplicate', 'referred')";

type AccountRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    i64,
    String,
);

#[derive(sqlx::FromRow)]
struct Reported {
    confidential: bool,
    id: i64,
    tracking_code: String,
    kind: String,
    urgency: String,
    status: String,
    category: String,
    place: Option<String>,
    location_note: String,
    description: String,
    visibility: String,
    reporter_name: String,
    reporter_phone: String,
    reporter_email: String,
    contact_preference: String,
    created_at: i64,
    rating: Option<i64>,
    rating_comment: String,
    appointment_at: Option<i64>,
    appointment_state: String,
}

/// Who is taking the copy: the person, or reception for them. Confidential
/// requests (legal questions) are left out of reception's copy, as are
/// anonymous ones (and the news about either): their team keeps them
/// between themselves and the resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copy {
    Own,
    AtTheDesk,
}

/// A capability's part of a person's own-data download: what it holds for
/// the account, under its own key in the document.
pub type Section =
    for<'a> fn(
        &'a Db,
        i64,
        Copy,
    ) -> Pin<Box<dyn Future<Output = Result<Value, StoreError>> + Send + 'a>>;

/// Every capability's part, handed in by the entry (`src/app.rs`).
#[derive(Clone, Default)]
pub struct Sections(pub Vec<(&'static str, Section)>);

/// Everything held about the account, as one JSON document.
pub async fn export(
    db: &Db,
    account_id: i64,
    copy: Copy,
    sections: &Sections,
) -> Result<Value, AppError> {
    let account: Option<AccountRow> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT a.username, a.display_name, a.role, a.phone, a.email, a.email_mode, a.created_at, c.name_zh \
         FROM accounts a JOIN communities c ON c.id = a.community_id WHERE a.id = $1"
    )
    .bind(account_id)
    .fetch_optional(pool)
    .await
    })?;
    let Some((username, display_name, role, phone, email, email_mode, created_at, community)) =
        account
    else {
        return Err(AppError::NotFound);
    };
    let homes: Vec<String> = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT p.name_zh FROM household_members h JOIN places p ON p.id = h.place_id \
         WHERE h.account_id = $1 ORDER BY p.name_zh"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await)?;

    let rows: Vec<Reported> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT c.private_by_nature AS confidential, r.id, r.tracking_code, r.kind, r.urgency, r.status, c.name_zh AS category, p.name_zh AS place, \
         r.location_note, r.description, r.visibility, r.reporter_name, r.reporter_phone, r.reporter_email, \
         r.contact_preference, r.created_at, r.rating, r.rating_comment, r.appointment_at, r.appointment_state \
         FROM requests r JOIN categories c ON c.id = r.category_id LEFT JOIN places p ON p.id = r.place_id \
         WHERE r.reporter_account_id = $1 ORDER BY r.created_at"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
    })?;
    let mut reported = Vec::new();
    for r in rows {
        // Listed under the person's name, an anonymous request would tell
        // reception who sent it. Not even how many are left out is said:
        // that too would tell.
        let kept_from_the_desk = r.confidential || r.visibility == "anonymous";
        if kept_from_the_desk && copy == Copy::AtTheDesk {
            continue;
        }
        reported.push(request_json(db, r).await?);
    }
    let followed: Vec<String> = on_db!(db, |pool| {
        sqlx::query_scalar(
        "SELECT r.tracking_code FROM request_followers f JOIN requests r ON r.id = f.request_id \
         WHERE f.account_id = $1 AND (r.reporter_account_id IS NULL OR r.reporter_account_id <> $1) \
         ORDER BY f.at"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
    })?;
    let tokens: Vec<(String, i64, Option<i64>)> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT name, created_at, revoked_at FROM api_tokens WHERE account_id = $1 ORDER BY created_at"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
    })?;
    let sessions: i64 = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM sessions WHERE account_id = $1 AND expires_at > $2"
    )
    .bind(account_id)
    .bind(now())
    .fetch_one(pool)
    .await)?;

    let mut document = json!({
        "exported_at": iso(now()),
        "account": {
            "username": username, "display_name": display_name, "role": role,
            "phone": phone, "email": email, "email_news": email_mode,
            "created_at": iso(created_at), "community": community, "households": homes,
        },
        "requests_reported": reported,
        "requests_followed": followed,
        "api_tokens": tokens.into_iter().map(|(name, at, revoked)| json!({
            "name": name, "created_at": iso(at), "revoked": revoked.is_some(),
        })).collect::<Vec<_>>(),
        "signed_in_sessions": sessions,
    });
    if copy == Copy::AtTheDesk {
        document["made_at_the_desk"] = json!(
            "Legal questions and anonymous requests are never in a copy made at the desk: \
             the person downloads them under \"Your data\" (/account/data)."
        );
    }
    for (key, section) in &sections.0 {
        document[*key] = section(db, account_id, copy).await?;
    }
    Ok(document)
}

/// A history entry as the reporter saw it: when, what, the status it led
/// to, the words for them, and the visit's time it names.
type HistoryRow = (i64, String, Option<String>, String, Option<i64>);

async fn request_json(db: &Db, r: Reported) -> Result<Value, AppError> {
    let id = r.id;
    let attributes: Vec<(String, String)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT code, value FROM request_attributes WHERE request_id = $1 ORDER BY code"
    )
    .bind(id)
    .fetch_all(pool)
    .await)?;
    // What the reporter was shown: the public timeline and the words meant
    // for them. The teams' own working notes are not theirs.
    let history: Vec<HistoryRow> = on_db!(db, |pool| sqlx::query_as(
        "SELECT at, kind, to_status, public_message, slot FROM request_events \
         WHERE request_id = $1 AND audience IN ('public', 'reporter') ORDER BY id"
    )
    .bind(id)
    .fetch_all(pool)
    .await)?;
    let photos: Vec<i64> = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT id FROM photos WHERE request_id = $1 ORDER BY id"
    )
    .bind(id)
    .fetch_all(pool)
    .await)?;
    let voice: Vec<(i64, i64)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT id, duration_ms FROM recordings WHERE request_id = $1 ORDER BY id"
    )
    .bind(id)
    .fetch_all(pool)
    .await)?;
    Ok(json!({
        "tracking_code": r.tracking_code, "kind": r.kind, "urgency": r.urgency, "status": r.status,
        "category": r.category, "place": r.place, "location_note": r.location_note,
        "description": r.description, "visibility": r.visibility,
        "your_name": r.reporter_name, "your_phone": r.reporter_phone, "your_email": r.reporter_email,
        "contact_by": r.contact_preference,
        "created_at": iso(r.created_at), "rating": r.rating, "rating_comment": r.rating_comment,
        "answers": attributes.into_iter().map(|(c, v)| json!({"question": c, "answer": v})).collect::<Vec<_>>(),
        "history": history.into_iter().map(|(at, kind, to, message, slot)| json!({
            "at": iso(at), "what": kind, "status": to, "message": message, "visit_at": slot.map(iso),
        })).collect::<Vec<_>>(),
        "visit": r.appointment_at.map(|at| json!({"at": iso(at), "state": r.appointment_state})),
        "photos": photos.into_iter().map(|p| format!("/photos/{p}")).collect::<Vec<_>>(),
        "voice_messages": voice.into_iter().map(|(v, ms)| json!({
            "audio": format!("/recordings/{v}"), "seconds": (ms + 500) / 1000,
        })).collect::<Vec<_>>(),
    }))
}

/// Takes the person's name and contact details off their past requests (or
/// all of them); returns how many.
pub async fn anonymise_requests(db: &Db, account_id: i64, all: bool) -> Result<u64, AppError> {
    let which = if all {
        String::new()
    } else {
        format!(" AND status IN {PAST}")
    };
    let sql = format!(
        "UPDATE requests SET reporter_account_id = NULL, reporter_name = '', reporter_phone = '', \
         reporter_email = '', external_account_id = '', device_id = '', desk_news_at = NULL \
         WHERE reporter_account_id = $1{which}"
    );
    let changed = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            // Their following of these requests goes with them.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM request_followers WHERE account_id = $1 AND request_id IN \
                 (SELECT id FROM requests WHERE reporter_account_id = $1{which})"
            )))
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
            // A voice is as telling as a name: their recordings go.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM recordings WHERE request_id IN \
                 (SELECT id FROM requests WHERE reporter_account_id = $1{which})"
            )))
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
            let changed = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(account_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            Ok::<u64, sqlx::Error>(changed)
        }
        .await
    })?;
    Ok(changed)
}

/// What a capability undoes when an account closes (future sign-ups and
/// bookings given up, so the places go to others), handed in by the entry.
pub type Closer =
    for<'a> fn(&'a Db, i64) -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 'a>>;

/// Every capability's [`Closer`].
#[derive(Clone, Default)]
pub struct Closers(pub Vec<Closer>);

/// What each capability does when a person asks for their name to come
/// off what they gave (their ideas and comments signed "a resident"), as
/// it comes off their past requests.
#[derive(Clone, Default)]
pub struct Anonymisers(pub Vec<Closer>);

/// Takes the person's name off their past requests and, through every
/// capability's [`Anonymisers`], off the rest; returns how many requests.
pub async fn anonymise_everywhere(
    db: &Db,
    anonymisers: Option<&Anonymisers>,
    account_id: i64,
) -> Result<u64, AppError> {
    for anonymise in anonymisers.map(|a| a.0.as_slice()).unwrap_or_default() {
        anonymise(db, account_id).await?;
    }
    anonymise_requests(db, account_id, false).await
}

/// Runs every capability's closer, then closes the account.
pub async fn close_account_everywhere(
    db: &Db,
    closers: Option<&Closers>,
    account_id: i64,
) -> Result<(), AppError> {
    for closer in closers.map(|c| c.0.as_slice()).unwrap_or_default() {
        closer(db, account_id).await?;
    }
    close_account(db, account_id).await
}

/// Closes the account: every request of theirs loses their name, and the
/// account keeps only a number, so the history and the figures still add up.
pub async fn close_account(db: &Db, account_id: i64) -> Result<(), AppError> {
    anonymise_requests(db, account_id, true).await?;
    let at = now();
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            for sql in [
                "DELETE FROM sessions WHERE account_id = $1",
                "DELETE FROM signin_links WHERE account_id = $1",
                "DELETE FROM api_tokens WHERE account_id = $1",
                "DELETE FROM notifications WHERE account_id = $1",
                "DELETE FROM household_members WHERE account_id = $1",
                "DELETE FROM request_followers WHERE account_id = $1",
                "DELETE FROM workgroup_members WHERE account_id = $1",
            ] {
                sqlx::query(sql).bind(account_id).execute(&mut *tx).await?;
            }
            sqlx::query(
                "UPDATE accounts SET username = 'closed-' || CAST(id AS TEXT) || '-' || CAST($2 AS TEXT), \
                 display_name = '已注销 Closed', phone = NULL, email = NULL, password_hash = NULL, \
                 active = FALSE, email_mode = 'off' \
                 WHERE id = $1",
            )
            .bind(account_id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        }
        .await
    })?;
    Ok(())
}
