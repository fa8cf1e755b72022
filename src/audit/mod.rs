//! The desk's log: what staff did with a person's account or data on their
//! behalf. The person sees every entry about them in their own data; the
//! secretary reads the community's log at `/admin/audit` and through the
//! API. Entries are written before the thing is done, so nothing is handed
//! over unrecorded.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::{OpenApi, ToSchema};

use crate::auth::{Role, SignedIn};
use crate::db::{Db, StoreError, iso, now};
use crate::on_db;
use crate::web::{AppError, AppState, Ctx, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/audit", get(log_page))
        .route("/api/v1/audit", get(log_json))
}

/// What was done for the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Reception handed over a copy of their data.
    DataHandedOver,
    /// Reception made a link for them to choose a new password.
    PasswordLinkMade,
    /// Reception took their name off their past requests.
    Anonymised,
    /// Reception closed their account.
    Closed,
    /// Reception chose for them whether news comes by text message.
    TextsChosen,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::DataHandedOver,
        Action::PasswordLinkMade,
        Action::Anonymised,
        Action::Closed,
        Action::TextsChosen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::DataHandedOver => "data_handed_over",
            Action::PasswordLinkMade => "password_link_made",
            Action::Anonymised => "anonymised",
            Action::Closed => "closed",
            Action::TextsChosen => "texts_chosen",
        }
    }

    fn parse(text: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// The words for it, in both languages (`audit-<action>`).
    pub fn key(text: &str) -> &'static str {
        match Action::parse(text) {
            Some(Action::DataHandedOver) => "audit-data_handed_over",
            Some(Action::PasswordLinkMade) => "audit-password_link_made",
            Some(Action::Anonymised) => "audit-anonymised",
            Some(Action::Closed) => "audit-closed",
            Some(Action::TextsChosen) => "audit-texts_chosen",
            None => "audit-other",
        }
    }
}

/// Records that `actor` did `action` for the account.
pub async fn record(
    db: &Db,
    community_id: i64,
    account_id: i64,
    actor_id: i64,
    action: Action,
) -> Result<(), StoreError> {
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO audit_log (community_id, account_id, actor_id, action, at) VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(community_id)
    .bind(account_id)
    .bind(actor_id)
    .bind(action.as_str())
    .bind(now())
    .execute(pool)
    .await
    .map(|_| ())
    })?;
    Ok(())
}

/// One entry, as the secretary reads it.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, ToSchema)]
pub struct Entry {
    /// Seconds since 1970 (UTC).
    pub at: i64,
    /// data_handed_over, password_link_made, anonymised or closed
    pub action: String,
    /// The person it was done for.
    pub username: String,
    /// The staff member who did it.
    #[sqlx(rename = "by_name")]
    pub by: String,
}

/// The community's latest entries, newest first.
pub async fn community_log(db: &Db, community_id: i64) -> Result<Vec<Entry>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Entry>(
        "SELECT l.at, l.action, a.username, s.display_name AS by_name FROM audit_log l \
         JOIN accounts a ON a.id = l.account_id JOIN accounts s ON s.id = l.actor_id \
         WHERE l.community_id = $1 ORDER BY l.at DESC, l.id DESC LIMIT 500"
    )
    .bind(community_id)
    .fetch_all(pool)
    .await)?)
}

/// The person's part of their own-data download: everything staff did for
/// them, and who.
pub async fn own_entries(db: &Db, account_id: i64) -> Result<Value, StoreError> {
    let rows: Vec<(i64, String, String)> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT l.at, l.action, s.display_name FROM audit_log l JOIN accounts s ON s.id = l.actor_id \
         WHERE l.account_id = $1 ORDER BY l.at, l.id"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(|(at, action, by)| json!({"at": iso(at), "what": action, "by": by}))
        .collect())
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct LogPage {
    ctx: Ctx,
    entries: Vec<Entry>,
}

async fn log_page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    let entries = community_log(&state.db, viewer.community_id).await?;
    render(&LogPage { ctx, entries })
}

/// The audit log's part of `/api/v1/openapi.json`, merged in by the entry.
#[derive(OpenApi)]
#[openapi(paths(log_json), components(schemas(Entry)))]
pub struct AuditApi;

/// What staff did with residents' accounts and data on their behalf,
/// newest first (the latest 500). For the secretary.
#[utoipa::path(get, path = "/api/v1/audit",
    responses((status = 200, description = "Done; the answer holds the result", body = Vec<Entry>),
        (status = 403, description = "Signed in, but this is not for your role or community", body = crate::api::ErrorJson)))]
pub async fn log_json(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Json<Vec<Entry>>, AppError> {
    viewer.require(&[Role::Admin])?;
    Ok(Json(community_log(&state.db, viewer.community_id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_and_has_words() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(action));
            assert_eq!(
                Action::key(action.as_str()),
                format!("audit-{}", action.as_str())
            );
        }
        assert_eq!(Action::key("something-else"), "audit-other");
    }
}
