//! Choosing a password: with a one-time link (the first administrator's,
//! an account made without a password, a reset at the desk), or by giving
//! the current one.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};

use super::routes::signed_in_redirect;
use super::{
    SESSION_COOKIE, SignIn, SignedIn, check_password, hash_password, password_problem, token_hash,
};
use crate::db::{Db, now};
use crate::i18n::cookie_value;
use crate::on_db;
use crate::web::address::ClientAddress;
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState, Ctx, render, render_form};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signin/link/{token}", get(link_page).post(use_link))
        .route(
            "/account/password",
            get(password_page).post(change_password),
        )
}

/// Makes a one-time sign-in link for an account; returns its path.
pub async fn create_signin_link(
    db: &Db,
    account_id: i64,
    valid_hours: i64,
) -> Result<String, AppError> {
    let token = super::random_token();
    on_db!(db, |pool| sqlx::query(
        "INSERT INTO signin_links (token_hash, account_id, expires_at) VALUES ($1, $2, $3)"
    )
    .bind(token_hash(&token))
    .bind(account_id)
    .bind(now() + valid_hours * 3_600)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(format!("/signin/link/{token}"))
}

#[derive(Template)]
#[template(path = "signin_link.html")]
struct LinkPage {
    ctx: Ctx,
    token: String,
    /// The account the link is for, so the person knows which one.
    username: String,
    errors: FieldErrors,
}

/// The account a one-time link is for, while it is unused and fresh.
async fn link_account(db: &Db, token: &str) -> Result<Option<(i64, String)>, AppError> {
    Ok(on_db!(db, |pool| sqlx::query_as(
        "SELECT a.id, a.username FROM signin_links l JOIN accounts a ON a.id = l.account_id \
         WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > $2 AND a.active"
    )
    .bind(token_hash(token))
    .bind(now())
    .fetch_optional(pool)
    .await)?)
}

/// The page where the person chooses their password. Only saving it uses
/// up the link, so a link preview or prefetch cannot.
async fn link_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let (_, username) = link_account(&state.db, &token)
        .await?
        .ok_or(AppError::BadRequest("signin-link-used"))?;
    render(&LinkPage {
        ctx,
        token,
        username,
        errors: FieldErrors::default(),
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct LinkForm {
    password: String,
}

/// Sets the password the person chose and signs them in; the link is used
/// up, and every other session and token of the account ends.
async fn use_link(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(form): Form<LinkForm>,
) -> Result<Response, AppError> {
    let (_, username) = link_account(&state.db, &token)
        .await?
        .ok_or(AppError::BadRequest("signin-link-used"))?;
    if let Some(problem) = password_problem(&form.password, &[&username]) {
        let mut errors = FieldErrors::default();
        errors.add("password", problem);
        let page = LinkPage {
            ctx,
            token,
            username,
            errors,
        };
        return render_form(&page, true);
    }
    let at = now();
    let account: Option<i64> = on_db!(&state.db, |pool| {
        sqlx::query_scalar(
        "UPDATE signin_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING account_id"
    )
    .bind(at)
    .bind(token_hash(&token))
    .fetch_optional(pool)
    .await
    })?;
    let Some(id) = account else {
        return Err(AppError::BadRequest("signin-link-used"));
    };
    set_password(&state.db, id, &form.password, None).await?;
    signed_in_redirect(&state, id, "/account/password?saved=1").await
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    ctx: Ctx,
    errors: FieldErrors,
    done: bool,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct PasswordForm {
    /// The password now: a phone left signed in cannot change it.
    current: String,
    password: String,
}

async fn password_page(
    ctx: Ctx,
    SignedIn(_): SignedIn,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    render(&PasswordPage {
        ctx,
        errors: FieldErrors::default(),
        done: q.contains_key("saved"),
    })
}

async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    match check_password(&state.db, &viewer.username, &form.current, &address).await? {
        SignIn::Accepted { .. } => {}
        SignIn::Wrong => errors.add("current", "password-current-wrong"),
        SignIn::Wait { .. } => errors.add("current", "password-current-wait"),
    }
    if let Some(problem) =
        password_problem(&form.password, &[&viewer.username, &viewer.display_name])
    {
        errors.add("password", problem);
    }
    if !errors.is_empty() {
        return render_form(
            &PasswordPage {
                ctx,
                errors,
                done: false,
            },
            true,
        );
    }
    set_password(
        &state.db,
        viewer.id,
        &form.password,
        cookie_value(&headers, SESSION_COOKIE).as_deref(),
    )
    .await?;
    render(&PasswordPage {
        ctx,
        errors,
        done: true,
    })
}

/// A new password; every other session and API token of the account ends.
pub async fn set_password(
    db: &Db,
    account_id: i64,
    password: &str,
    keep_session: Option<&str>,
) -> Result<(), AppError> {
    let hash = hash_password(password)?;
    on_db!(db, |pool| {
        sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(account_id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
    })?;
    super::end_other_access(db, account_id, keep_session).await
}
