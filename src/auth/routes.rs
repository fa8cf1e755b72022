//! Signing in and out, registering with an invitation, and the language
//! and text-size toggles.

use crate::db::BeginWrite;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};

use super::{
    Role, SESSION_COOKIE, SESSION_DAYS, SignIn, check_password, create_session, end_session,
    hash_password, password_problem, valid_username,
};
use crate::db::{Db, now};
use crate::i18n::{LANG_COOKIE, Lang, cookie_value};
use crate::on_db;
use crate::web::address::ClientAddress;
use crate::web::forms::{FieldErrors, required_text, safe_next};
use crate::web::{AppError, AppState, Ctx, render, render_form};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signin", get(signin_page).post(signin))
        .route("/signout", post(signout))
        .route("/register", get(register_page).post(register))
        .route("/lang/{code}", get(set_lang))
        .route("/text/{size}", get(set_text_size))
}

fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}",
        SESSION_DAYS * 86_400,
        if secure { "; Secure" } else { "" }
    )
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

pub(super) async fn signed_in_redirect(
    state: &AppState,
    account_id: i64,
    next: &str,
) -> Result<Response, AppError> {
    let token = create_session(&state.db, account_id).await?;
    Ok(with_cookie(
        Redirect::to(next).into_response(),
        &session_cookie(&token, state.config.secure_cookies()),
    ))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct SigninForm {
    username: String,
    password: String,
    next: String,
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SigninPage {
    ctx: Ctx,
    username: String,
    next: String,
    /// What went wrong, already said in the person's language.
    error: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct NextQuery {
    next: String,
}

async fn signin_page(ctx: Ctx, Query(q): Query<NextQuery>) -> Result<Response, AppError> {
    render(&SigninPage {
        ctx,
        username: String::new(),
        next: q.next,
        error: String::new(),
    })
}

async fn signin(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    Form(form): Form<SigninForm>,
) -> Result<Response, AppError> {
    let checked = check_password(&state.db, &form.username, &form.password, &address).await?;
    let (id, role) = match checked {
        SignIn::Accepted { id, role } => (id, role),
        refused => {
            let error = match refused {
                SignIn::Wait { until } => ctx.t_args("signin-locked", &[("time", ctx.time(until))]),
                _ => ctx.t("signin-wrong"),
            };
            let page = SigninPage {
                ctx,
                username: form.username,
                next: form.next,
                error,
            };
            return render_form(&page, true);
        }
    };
    // Someone who works in several communities first chooses one; a
    // street or district office's staff land on their figures.
    let (several, office): (bool, bool) = on_db!(&state.db, |pool| sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM memberships WHERE account_id = $1), \
         EXISTS (SELECT 1 FROM office_staff WHERE account_id = $1)"
    )
    .bind(id)
    .fetch_one(pool)
    .await)?;
    let next = if form.next.is_empty() && several {
        "/my/communities".to_string()
    } else if form.next.is_empty() && office {
        "/district".to_string()
    } else if form.next.is_empty() {
        match Role::parse(&role) {
            Some(Role::Resident) | None => "/my".to_string(),
            Some(Role::Admin) => "/admin".to_string(),
            Some(Role::Reception) => "/desk".to_string(),
            Some(_) => "/queue".to_string(),
        }
    } else {
        safe_next(Some(&form.next))
    };
    signed_in_redirect(&state, id, &next).await
}

async fn signout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    if let Some(token) = cookie_value(&headers, SESSION_COOKIE) {
        end_session(&state.db, &token).await?;
    }
    Ok(signed_out(Redirect::to("/").into_response()))
}

/// The answer with the session cookie cleared in the browser.
pub fn signed_out(response: Response) -> Response {
    with_cookie(
        response,
        &format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"),
    )
}

#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RegisterForm {
    /// The invitation code reception gave the household.
    pub code: String,
    pub username: String,
    pub display_name: String,
    pub phone: String,
    pub password: String,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    ctx: Ctx,
    form: RegisterForm,
    errors: FieldErrors,
}

async fn register_page(
    ctx: Ctx,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let form = RegisterForm {
        code: q.get("code").cloned().unwrap_or_default(),
        ..RegisterForm::default()
    };
    render(&RegisterPage {
        ctx,
        form,
        errors: FieldErrors::default(),
    })
}

async fn register(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(mut form): Form<RegisterForm>,
) -> Result<Response, AppError> {
    match register_resident(&state.db, &form).await? {
        Ok(id) => signed_in_redirect(&state, id, "/my").await,
        Err(errors) => {
            form.password.clear();
            render_form(&RegisterPage { ctx, form, errors }, true)
        }
    }
}

/// Checks a registration and makes the resident's account, in the household
/// of the invitation's flat.
pub async fn register_resident(
    db: &Db,
    form: &RegisterForm,
) -> Result<Result<i64, FieldErrors>, AppError> {
    let mut errors = FieldErrors::default();
    let code = form.code.trim().to_uppercase();
    let invitation: Option<(i64, i64)> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT community_id, place_id FROM invitations WHERE code = $1 AND used_at IS NULL AND expires_at > $2"
    )
    .bind(&code)
    .bind(now())
    .fetch_optional(pool)
    .await
    })?;
    if invitation.is_none() {
        errors.add("code", "register-bad-code");
    }
    let username = form.username.trim().to_string();
    if !valid_username(&username) {
        errors.add("username", "field-invalid-username");
    }
    let display_name = required_text(&mut errors, "display_name", &form.display_name, 40);
    if let Some(problem) = password_problem(&form.password, &[&username, &display_name]) {
        errors.add("password", problem);
    }
    let phone = form.phone.trim().to_string();
    if !phone.is_empty() && !crate::web::forms::valid_phone(&phone) {
        errors.add("phone", "field-invalid-phone");
    }
    let Some((community_id, place_id)) = invitation.filter(|_| errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let hash = hash_password(&form.password)?;
    match create_resident(
        db,
        community_id,
        place_id,
        &code,
        &username,
        &display_name,
        &phone,
        &hash,
    )
    .await?
    {
        Some(id) => Ok(Ok(id)),
        None => {
            errors.add("username", "field-username-taken");
            Ok(Err(errors))
        }
    }
}

/// The account, its household and the used invitation, together; `None`
/// when the username is taken or the invitation was used meanwhile.
#[allow(clippy::too_many_arguments)]
async fn create_resident(
    db: &Db,
    community_id: i64,
    place_id: i64,
    code: &str,
    username: &str,
    display_name: &str,
    phone: &str,
    hash: &str,
) -> Result<Option<i64>, AppError> {
    let at = now();
    let id = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO accounts (community_id, username, display_name, role, phone, password_hash, created_at) \
                 VALUES ($1, $2, $3, 'resident', $4, $5, $6) ON CONFLICT (username) DO NOTHING RETURNING id",
            )
            .bind(community_id)
            .bind(username)
            .bind(display_name)
            .bind((!phone.is_empty()).then_some(phone))
            .bind(hash)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = id else { return Ok::<Option<i64>, sqlx::Error>(None) };
            let used = sqlx::query("UPDATE invitations SET used_by = $1, used_at = $2 WHERE code = $3 AND used_at IS NULL")
                .bind(id)
                .bind(at)
                .bind(code)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if used == 0 {
                return Ok(None);
            }
            sqlx::query("INSERT INTO household_members (place_id, account_id) VALUES ($1, $2)")
                .bind(place_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Some(id))
        }
        .await
    })?;
    Ok(id)
}

async fn set_lang(
    Path(code): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    let back = safe_next(q.get("back").map(String::as_str));
    with_cookie(
        Redirect::to(&back).into_response(),
        &format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            lang.code()
        ),
    )
}

/// Large text on or off, remembered for a year on this device.
async fn set_text_size(
    Path(size): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let size = if size == "large" { "large" } else { "normal" };
    let back = safe_next(q.get("back").map(String::as_str));
    with_cookie(
        Redirect::to(&back).into_response(),
        &format!(
            "{}={size}; Path=/; Max-Age=31536000; SameSite=Lax",
            crate::web::page::TEXT_COOKIE
        ),
    )
}
