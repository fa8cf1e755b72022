//! Comments on an idea, and residents' reports of an idea or a comment:
//! as stored, and their handlers.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::moderation::{self, Kind};
use super::pages::{AnswerForm, back, find, idea_page};
use super::rules::COMMENT_MAX;
use super::store;
use crate::auth::{SignedIn, Viewer};
use crate::db::{Db, StoreError, now};
use crate::on_db;
use crate::web::forms::{FieldErrors, required_text};
use crate::web::{AppError, AppState, Ctx, render_form};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Comment {
    pub id: i64,
    pub idea_id: i64,
    pub author_id: i64,
    pub author_name: String,
    pub body: String,
    pub moderation: String,
    pub moderation_reason: String,
    pub created_at: i64,
}

/// An idea's comments: the shown ones, and `viewer`'s own whatever their
/// state (or all, for a moderator).
pub async fn comments(
    db: &Db,
    idea_id: i64,
    viewer: Option<i64>,
    moderator: bool,
) -> Result<Vec<Comment>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Comment>(
        "SELECT c.id, c.idea_id, c.author_id, CASE WHEN c.author_named THEN a.display_name ELSE '' END AS author_name, \
         c.body, c.moderation, \
         c.moderation_reason, c.created_at FROM idea_comments c JOIN accounts a ON a.id = c.author_id \
         WHERE c.idea_id = $1 AND (c.moderation = 'shown' OR c.author_id = $2 OR $3) ORDER BY c.id"
    )
    .bind(idea_id)
    .bind(viewer.unwrap_or(0))
    .bind(moderator)
    .fetch_all(pool)
    .await
    })?)
}

pub async fn add(
    db: &Db,
    idea_id: i64,
    author_id: i64,
    body: &str,
    held: bool,
) -> Result<i64, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_scalar::<_, i64>(
        "INSERT INTO idea_comments (idea_id, author_id, body, moderation, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id"
    )
    .bind(idea_id)
    .bind(author_id)
    .bind(body)
    .bind(if held { "held" } else { "shown" })
    .bind(now())
    .fetch_one(pool)
    .await)?)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CommentForm {
    body: String,
}

pub async fn comment(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CommentForm>,
) -> Result<Response, AppError> {
    let idea = find(&state, &ctx, id).await?;
    let mut errors = FieldErrors::default();
    let body = required_text(&mut errors, "comment", &form.body, COMMENT_MAX);
    if !errors.is_empty() {
        let mut page = idea_page(&state, ctx, idea, "", errors, AnswerForm::default()).await?;
        page.answer_form.comment = form.body;
        return render_form(&page, true);
    }
    let held = store::holds(&state.db, viewer.community_id, &body).await?;
    add(&state.db, idea.id, viewer.id, &body, held).await?;
    Ok(if held {
        back(id, "idea-said-held")
    } else {
        Redirect::to(&format!("/ideas/{id}#comments")).into_response()
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct FlagForm {
    reason: String,
}

/// `POST /ideas/{id}/flag` and `/ideas/comments/{id}/flag`.
pub async fn flag_idea(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<FlagForm>,
) -> Result<Response, AppError> {
    let idea = find(&state, &ctx, id).await?;
    flag(&state, &viewer, Kind::Idea, idea.id, idea.id, &form.reason).await
}

pub async fn flag_comment(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<FlagForm>,
) -> Result<Response, AppError> {
    let Some((community_id, _, idea_id, _)) =
        moderation::owner_of(&state.db, Kind::Comment, id).await?
    else {
        return Err(AppError::NotFound);
    };
    if community_id != viewer.community_id {
        return Err(AppError::NotFound);
    }
    flag(&state, &viewer, Kind::Comment, id, idea_id, &form.reason).await
}

async fn flag(
    state: &AppState,
    viewer: &Viewer,
    kind: Kind,
    id: i64,
    idea_id: i64,
    reason: &str,
) -> Result<Response, AppError> {
    let reason: String = reason.trim().chars().take(300).collect();
    moderation::flag(&state.db, kind, id, viewer.id, &reason).await?;
    Ok(back(idea_id, "idea-said-flagged"))
}

/// The author edits a hidden comment and asks again.
pub async fn edit_comment(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CommentForm>,
) -> Result<Response, AppError> {
    let Some((community_id, author, idea_id, _)) =
        moderation::owner_of(&state.db, Kind::Comment, id).await?
    else {
        return Err(AppError::NotFound);
    };
    if community_id != viewer.community_id || author != viewer.id {
        return Err(AppError::NotFound);
    }
    let body = form.body.trim();
    if body.is_empty() || body.chars().count() > COMMENT_MAX {
        let idea = find(&state, &ctx, idea_id).await?;
        let mut page = idea_page(
            &state,
            ctx,
            idea,
            "",
            FieldErrors::default(),
            AnswerForm::default(),
        )
        .await?;
        page.edit_error = Some((id, form.body.clone(), "idea-comment-length"));
        return render_form(&page, true);
    }
    let held = store::holds(&state.db, viewer.community_id, body).await?;
    moderation::edit(&state.db, Kind::Comment, id, "", body, held).await?;
    Ok(back(idea_id, "idea-said-held"))
}
