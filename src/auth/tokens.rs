//! API tokens: made by signing in through `POST /api/v1/tokens`, ended
//! after a month unused, listed on `/account/tokens` where their owner
//! revokes one or signs out everywhere (every session and every token).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Serialize;

use super::{SignedIn, Viewer, random_token, token_hash};
use crate::db::{Db, StoreError, now};
use crate::on_db;
use crate::web::{AppError, AppState, Ctx, render};

/// A token unused this long stops working.
pub const IDLE_DAYS: i64 = 30;

/// When a token was used is written at most this often, so that using the
/// API does not mean a write for every call.
const USE_WRITTEN_EVERY: i64 = 3_600;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/tokens", get(tokens_page))
        .route("/account/tokens/{id}/revoke", post(revoke_on_page))
        .route("/account/signout-everywhere", post(sign_out_everywhere))
}

/// Makes a token for the account; returns it (only its hash is kept).
pub async fn create(db: &Db, account_id: i64, name: &str) -> Result<String, StoreError> {
    let token = random_token();
    let name: String = name.trim().chars().take(80).collect();
    let at = now();
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO api_tokens (token_hash, account_id, name, created_at, last_used_at) VALUES ($1, $2, $3, $4, $4)"
    )
    .bind(token_hash(&token))
    .bind(account_id)
    .bind(name)
    .bind(at)
    .execute(pool)
    .await
    .map(|_| ())
    })?;
    Ok(token)
}

#[derive(sqlx::FromRow)]
struct TokenViewer {
    #[sqlx(flatten)]
    viewer: Viewer,
    last_used: i64,
}

/// The account a bearer token signs in, while it is live and not idle.
pub(super) async fn viewer(db: &Db, token: &str) -> Result<Option<Viewer>, AppError> {
    let at = now();
    let hash = token_hash(token);
    let sql = format!(
        "SELECT {}, COALESCE(t.last_used_at, t.created_at) AS last_used \
         FROM api_tokens t JOIN accounts a ON a.id = t.account_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND a.active \
         AND COALESCE(t.last_used_at, t.created_at) > $2",
        super::VIEWER_COLUMNS
    );
    let found = on_db!(db, |pool| sqlx::query_as::<_, TokenViewer>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(&hash)
    .bind(at - IDLE_DAYS * 86_400)
    .fetch_optional(pool)
    .await)?;
    let Some(found) = found else {
        return Ok(None);
    };
    if at - found.last_used > USE_WRITTEN_EVERY {
        on_db!(db, |pool| sqlx::query(
            "UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1"
        )
        .bind(&hash)
        .bind(at)
        .execute(pool)
        .await
        .map(|_| ()))?;
    }
    Ok(Some(found.viewer))
}

/// One of the person's tokens, as they see it.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    /// Names the token for revoking it; not the token itself.
    pub id: String,
    pub name: String,
    /// Seconds since 1970 (UTC).
    pub created_at: i64,
    pub last_used_at: i64,
    /// Still signs in: not revoked and not idle too long.
    #[sqlx(skip)]
    pub live: bool,
}

/// The account's tokens, newest first.
pub async fn list(db: &Db, account_id: i64) -> Result<Vec<TokenInfo>, StoreError> {
    type Row = (String, String, i64, i64, Option<i64>);
    let rows: Vec<Row> = on_db!(db, |pool| sqlx::query_as(
        "SELECT token_hash, name, created_at, COALESCE(last_used_at, created_at), revoked_at \
         FROM api_tokens WHERE account_id = $1 ORDER BY created_at DESC"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await)?;
    let idle_since = now() - IDLE_DAYS * 86_400;
    Ok(rows
        .into_iter()
        .map(
            |(hash, name, created_at, last_used_at, revoked)| TokenInfo {
                id: hash.chars().take(16).collect(),
                name,
                created_at,
                last_used_at,
                live: revoked.is_none() && last_used_at > idle_since,
            },
        )
        .collect())
}

/// Revokes one of the account's tokens by its id; false when there is no
/// such live token of theirs.
pub async fn revoke(db: &Db, account_id: i64, id: &str) -> Result<bool, StoreError> {
    if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(false);
    }
    let changed = on_db!(db, |pool| {
        sqlx::query(
        "UPDATE api_tokens SET revoked_at = $3 WHERE account_id = $1 AND SUBSTR(token_hash, 1, 16) = $2 \
         AND revoked_at IS NULL"
    )
    .bind(account_id)
    .bind(id.to_ascii_lowercase())
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(changed > 0)
}

#[derive(Template)]
#[template(path = "account_tokens.html")]
struct TokensPage {
    ctx: Ctx,
    tokens: Vec<TokenInfo>,
}

async fn tokens_page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    let tokens = list(&state.db, viewer.id).await?;
    render(&TokensPage { ctx, tokens })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct Nothing {}

async fn revoke_on_page(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<String>,
    Form(_): Form<Nothing>,
) -> Result<Response, AppError> {
    if !revoke(&state.db, viewer.id, &id).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/account/tokens").into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct EverywhereForm {
    /// The form's button sends `yes`; a post without it changes nothing.
    everywhere: String,
}

/// Every session (this one too) and every token of the account end: for a
/// phone lost or a computer left signed in somewhere.
async fn sign_out_everywhere(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Form(form): Form<EverywhereForm>,
) -> Result<Response, AppError> {
    if form.everywhere != "yes" {
        return Err(AppError::BadRequest("error-bad-input"));
    }
    super::end_other_access(&state.db, viewer.id, None).await?;
    tracing::info!(account = viewer.id, "signed out everywhere");
    Ok(super::routes::signed_out(
        Redirect::to("/signin").into_response(),
    ))
}
