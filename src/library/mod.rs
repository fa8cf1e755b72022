//! The legal book corner: a public catalogue searched in Chinese and
//! English, loans and returns at the reception desk, one renewal, holds in
//! a queue, a reminder two days before a due date, the overdue list, and
//! the catalogue's import and export as CSV.

mod api;
mod catalogue;
mod demo_books;
mod desk;
pub mod holds;
pub mod loans;
mod pages;
pub mod rules;
pub mod store;

use axum::Router;
use axum::routing::{get, post};

use crate::auth::{Role, Viewer};
use crate::db::{Db, StoreError, iso};
use crate::on_db;
use crate::web::{AppError, AppState};

pub use api::LibraryApi;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/library", get(pages::catalogue))
        .route("/library/books/{id}", get(pages::book))
        .route("/library/books/{id}/cover", get(pages::cover))
        .route("/library/books/{id}/hold", post(pages::hold))
        .route("/library/mine", get(pages::mine))
        .route("/library/loans/{id}/renew", post(pages::renew))
        .route("/library/holds/{id}/cancel", post(pages::cancel_hold))
        .route("/library/desk", get(desk::page).post(desk::act))
        .route("/library/overdue", get(desk::overdue))
        .route(
            "/library/new",
            get(catalogue::new_form).post(catalogue::create),
        )
        .route(
            "/library/books/{id}/edit",
            get(catalogue::edit_form).post(catalogue::edit),
        )
        .route(
            "/library/import",
            get(catalogue::import_form).post(catalogue::import),
        )
        .route("/library/export.csv", get(catalogue::export))
        .route("/api/v1/books", get(api::search))
        .route("/api/v1/books/{id}", get(api::book))
        .route("/api/v1/loans", get(api::open_loans).post(api::lend))
        .route("/api/v1/loans/return", post(api::give_back))
}

/// The workgroup that is the community's legal team: the one the
/// administrator chose, else the one coded `legal`. It keeps the book
/// corner, and legal aid is its work.
pub async fn legal_team(db: &Db, community_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_scalar::<_, Option<i64>>(
        "SELECT COALESCE((SELECT workgroup_id FROM legal_settings WHERE community_id = $1), \
                         (SELECT id FROM workgroups WHERE community_id = $1 AND code = 'legal'))"
    )
    .bind(community_id)
    .fetch_one(pool)
    .await)?)
}

/// Whether the person is on the legal team: `Some(true)` for one of its
/// leads.
pub async fn on_legal_team(db: &Db, viewer: &Viewer) -> Result<Option<bool>, StoreError> {
    let Some(team) = legal_team(db, viewer.community_id).await? else {
        return Ok(None);
    };
    Ok(on_db!(db, |pool| sqlx::query_scalar::<_, bool>(
        "SELECT is_lead FROM workgroup_members WHERE workgroup_id = $1 AND account_id = $2"
    )
    .bind(team)
    .bind(viewer.id)
    .fetch_optional(pool)
    .await)?)
}

/// Reception, the secretary and the legal team run the corner: the desk,
/// the overdue list, the catalogue.
pub async fn require_keeper(db: &Db, viewer: &Viewer) -> Result<(), AppError> {
    if matches!(viewer.role(), Role::Reception | Role::Admin) {
        return Ok(());
    }
    match on_legal_team(db, viewer).await? {
        Some(_) => Ok(()),
        None => Err(AppError::Forbidden),
    }
}

/// Returns a copy that came back, lapses holds kept too long, sends the
/// reminders: once a minute.
pub async fn run_forever(db: Db) {
    loop {
        if let Err(e) = loans::sweep(&db).await {
            tracing::warn!(error = ?e, "the book corner's minute");
        }
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
}

/// A person's part of their own-data download: their loans and holds.
pub async fn own_loans(db: &Db, account_id: i64) -> Result<serde_json::Value, StoreError> {
    let loans = loans::of_account(db, account_id, 1000).await?;
    let waiting = holds::holds_of(db, account_id).await?;
    Ok(serde_json::json!({
        "loans": loans.iter().map(|l| serde_json::json!({
            "title": l.title, "copy": l.copy_code, "lent_at": iso(l.lent_at),
            "due_at": iso(l.due_at), "renewals": l.renewals,
            "returned_at": l.returned_at.map(iso),
        })).collect::<Vec<_>>(),
        "holds": waiting.iter().map(|h| serde_json::json!({
            "title": h.title, "state": h.state, "since": iso(h.created_at),
        })).collect::<Vec<_>>(),
    }))
}

/// The demo estate's corner: about fifty legal titles, and Sun's two
/// loans (the large-print Civil Code, and a book a week overdue).
pub async fn demo(db: &Db, community_id: i64, sun: i64, desk: i64) -> Result<(), StoreError> {
    let rows: Vec<rules::BookRow> = demo_books::DEMO_BOOKS
        .iter()
        .map(|b| rules::BookRow {
            isbn: b.isbn.to_string(),
            title: b.title.to_string(),
            title_alt: b.title_alt.to_string(),
            author: b.author.to_string(),
            topic: b.topic.to_string(),
            language: b.language.to_string(),
            copies: b.copies,
            shelf: b.shelf.to_string(),
        })
        .collect();
    store::add(db, community_id, &rows).await?;
    if let Some(first) = demo_books::DEMO_BOOKS.first() {
        let isbn = rules::Scanned::Isbn(first.isbn.to_string());
        let _ = loans::lend(db, community_id, &isbn, sun, desk).await?;
    }
    // One loan a week late, so the overdue list has someone to phone.
    if let Some(late) = demo_books::DEMO_BOOKS.iter().find(|b| b.topic == "elderly") {
        let isbn = rules::Scanned::Isbn(late.isbn.to_string());
        if let Ok(id) = loans::lend(db, community_id, &isbn, sun, desk).await? {
            let lent = crate::db::now() - 35 * 86_400;
            on_db!(db, |pool| sqlx::query(
                "UPDATE loans SET lent_at = $1, due_at = $2 WHERE id = $3"
            )
            .bind(lent)
            .bind(rules::due(lent))
            .bind(id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        }
    }
    Ok(())
}
