//! "How we tell you": a person's email address and whether news comes by
//! email as it happens, once a day, or not at all.

use crate::db::BeginWrite;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};

use crate::auth::SignedIn;
use crate::db::{Db, now};
use crate::on_db;
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState, Ctx, render_form};

pub fn routes() -> Router<AppState> {
    Router::new().route("/account/news", get(page).post(save))
}

pub const MODES: [&str; 3] = ["now", "daily", "off"];

#[derive(
    Debug, Default, Clone, serde::Deserialize, serde::Serialize, sqlx::FromRow, utoipa::ToSchema,
)]
#[serde(default)]
pub struct NewsForm {
    /// Empty for none.
    pub email: String,
    /// now, daily (at 08:00) or off
    pub email_mode: String,
}

#[derive(Template)]
#[template(path = "account_news.html")]
struct NewsPage {
    ctx: Ctx,
    form: NewsForm,
    errors: FieldErrors,
    modes: [&'static str; 3],
    mail_on: bool,
    saved: bool,
}

impl NewsPage {
    fn mode_key(&self, mode: &&str) -> &'static str {
        match *mode {
            "now" => "news-mode-now",
            "daily" => "news-mode-daily",
            _ => "news-mode-off",
        }
    }
}

pub async fn current(db: &Db, account_id: i64) -> Result<NewsForm, AppError> {
    on_db!(db, |pool| sqlx::query_as::<_, NewsForm>(
        "SELECT COALESCE(email, '') AS email, email_mode FROM accounts WHERE id = $1"
    )
    .bind(account_id)
    .fetch_optional(pool)
    .await)?
    .ok_or(AppError::NotFound)
}

/// A checked address and choice, or the messages beside the fields.
pub fn check(form: &NewsForm) -> Result<(Option<String>, &'static str), FieldErrors> {
    let mut errors = FieldErrors::default();
    let email = form.email.trim();
    if email.chars().count() > 120
        || (!email.is_empty() && email.parse::<lettre::Address>().is_err())
    {
        errors.add("email", "news-bad-email");
    }
    let mode = MODES
        .iter()
        .find(|m| **m == form.email_mode.as_str())
        .copied();
    if mode.is_none() {
        errors.add("email_mode", "news-choose");
    }
    match mode {
        Some(mode) if errors.is_empty() => {
            Ok(((!email.is_empty()).then(|| email.to_string()), mode))
        }
        _ => Err(errors),
    }
}

/// Stores a checked choice. It counts from now: news already in the inbox
/// is not sent again by email.
pub async fn save_choice(
    db: &Db,
    account_id: i64,
    email: Option<&str>,
    mode: &str,
) -> Result<(), AppError> {
    let at = now();
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE accounts SET email = $1, email_mode = $2 WHERE id = $3")
                .bind(email)
                .bind(mode)
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE notifications SET emailed_at = $1 WHERE account_id = $2 AND emailed_at IS NULL",
            )
            .bind(at)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        }
        .await
    })?;
    Ok(())
}

fn show(
    ctx: Ctx,
    state: &AppState,
    form: NewsForm,
    errors: FieldErrors,
    saved: bool,
) -> Result<Response, AppError> {
    let mistakes = !errors.is_empty();
    let page = NewsPage {
        ctx,
        form,
        errors,
        modes: MODES,
        mail_on: state.part::<super::Mailer>().is_some(),
        saved,
    };
    render_form(&page, mistakes)
}

async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    let form = current(&state.db, viewer.id).await?;
    show(ctx, &state, form, FieldErrors::default(), false)
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<NewsForm>,
) -> Result<Response, AppError> {
    let (email, mode) = match check(&form) {
        Ok(checked) => checked,
        Err(errors) => return show(ctx, &state, form, errors, false),
    };
    save_choice(&state.db, viewer.id, email.as_deref(), mode).await?;
    let form = current(&state.db, viewer.id).await?;
    show(ctx, &state, form, FieldErrors::default(), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(email: &str, mode: &str) -> NewsForm {
        NewsForm {
            email: email.into(),
            email_mode: mode.into(),
        }
    }

    #[test]
    fn an_address_and_a_choice() {
        assert_eq!(
            check(&form(" wang@example.cn ", "daily")).unwrap(),
            (Some("wang@example.cn".into()), "daily")
        );
        assert_eq!(check(&form("", "off")).unwrap(), (None, "off"));
    }

    #[test]
    fn mistakes_are_named() {
        assert_eq!(
            check(&form("wang at home", "now"))
                .unwrap_err()
                .get("email"),
            "news-bad-email"
        );
        assert_eq!(
            check(&form("wang@example.cn", "hourly"))
                .unwrap_err()
                .get("email_mode"),
            "news-choose"
        );
        let long = format!("{}@example.cn", "w".repeat(120));
        assert!(check(&form(&long, "now")).is_err());
    }
}
