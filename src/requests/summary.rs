//! A request told by voice alone gets words from staff: a short summary,
//! so it can be searched and read at a glance, marked as theirs.

use crate::db::BeginWrite;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::page::{Access, ActForm, page};
use super::record::{self, Audience};
use crate::auth::{SignedIn, Viewer};
use crate::db::{Db, StoreError, now};
use crate::on_db;
use crate::web::{AppError, AppState, Ctx};

pub const MAX_SUMMARY: usize = 500;

/// The summary as typed, checked: its words, or the message to show.
pub fn check(typed: &str) -> Result<&str, &'static str> {
    let words = typed.trim();
    match words.chars().count() {
        0 => Err("summary-required"),
        n if n > MAX_SUMMARY => Err("field-too-long"),
        _ => Ok(words),
    }
}

/// The summary becomes the request's words (and so its search text); the
/// history notes who wrote it, for staff.
async fn store(db: &Db, request_id: i64, by: &Viewer, words: &str) -> Result<(), StoreError> {
    let at = now();
    let role = by.role().as_str();
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE requests SET description = $1, summary_by = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(words)
            .bind(by.id)
            .bind(at)
            .bind(request_id)
            .execute(&mut *tx)
            .await?;
            insert_event!(
                tx,
                request_id,
                at,
                Some(by.id),
                role,
                "summarised",
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

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
    Form(form): Form<ActForm>,
) -> Result<Response, AppError> {
    let request = record::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let access = Access::of(&state, &request, Some(&viewer), None).await?;
    if !access.may_read(&request) {
        return Err(AppError::NotFound);
    }
    if !access.staff() {
        return Err(AppError::Forbidden);
    }
    if super::recordings::of_request(&state.db, request.id)
        .await?
        .is_empty()
    {
        return Err(AppError::Conflict("summary-no-voice"));
    }
    // Only words that stand in for a voice are replaced, never a
    // resident's own.
    if request.description != super::recordings::VOICE_ONLY {
        return Err(AppError::Conflict("summary-has-words"));
    }
    match check(&form.summary) {
        Ok(words) => {
            store(&state.db, request.id, &viewer, words).await?;
            Ok(Redirect::to(&format!("/r/{}", request.tracking_code)).into_response())
        }
        Err(key) => page(&state, ctx, request, "", key, form, String::new(), false).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_has_words_and_not_too_many() {
        assert_eq!(check("   "), Err("summary-required"));
        assert_eq!(check(""), Err("summary-required"));
        assert_eq!(check(" 3栋电梯停了 "), Ok("3栋电梯停了"));
        assert_eq!(
            check(&"漏".repeat(MAX_SUMMARY)).map(|w| w.chars().count()),
            Ok(MAX_SUMMARY)
        );
        assert_eq!(check(&"漏".repeat(MAX_SUMMARY + 1)), Err("field-too-long"));
    }
}
