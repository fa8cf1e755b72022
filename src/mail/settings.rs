//! "How we tell you": a person's email address and whether news comes by
//! email as it happens, once a day, or not at all; and whether it comes by
//! text message too (where the community sends texts), to which mobile
//! number, in which language.

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
    /// Text messages: on or off; empty leaves the choice as it is.
    pub sms: String,
    /// The mobile number texts go to (empty: the one already kept).
    pub phone: String,
    /// zh or en: the language of texts; empty leaves it as it is.
    pub language: String,
}

/// A checked choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub email: Option<String>,
    pub mode: &'static str,
    /// Texts on or off, and the number; none leaves them as they are.
    pub texts: Option<(bool, Option<String>)>,
    pub language: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "account_news.html")]
struct NewsPage {
    ctx: Ctx,
    form: NewsForm,
    errors: FieldErrors,
    modes: [&'static str; 3],
    mail_on: bool,
    /// The community sends texts.
    texts_offered: bool,
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
        "SELECT COALESCE(email, '') AS email, email_mode, \
         CASE WHEN sms_on THEN 'on' ELSE 'off' END AS sms, COALESCE(phone, '') AS phone, language \
         FROM accounts WHERE id = $1"
    )
    .bind(account_id)
    .fetch_optional(pool)
    .await)?
    .ok_or(AppError::NotFound)
}

/// A checked address and choice, or the messages beside the fields.
/// `texts_offered`: the community has a text gateway.
pub fn check(form: &NewsForm, texts_offered: bool) -> Result<Choice, FieldErrors> {
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
    let phone = form.phone.trim();
    let texts = match form.sms.as_str() {
        "" => None,
        "off" => Some((false, crate::web::forms::mobile_number(phone))),
        "on" if !texts_offered => {
            errors.add("sms", "field-texts-not-offered");
            None
        }
        "on" => match crate::web::forms::mobile_number(phone) {
            Some(number) => Some((true, Some(number))),
            None => {
                let key = if phone.is_empty() {
                    "field-phone-for-text"
                } else {
                    "field-phone-not-mobile"
                };
                errors.add("phone", key);
                None
            }
        },
        _ => {
            errors.add("sms", "news-choose");
            None
        }
    };
    let language = match form.language.as_str() {
        "" => None,
        "zh" => Some("zh"),
        "en" => Some("en"),
        _ => {
            errors.add("language", "news-choose");
            None
        }
    };
    match mode {
        Some(mode) if errors.is_empty() => Ok(Choice {
            email: (!email.is_empty()).then(|| email.to_string()),
            mode,
            texts,
            language,
        }),
        _ => Err(errors),
    }
}

/// Stores a checked choice. It counts from now: news already in the inbox
/// is not sent again by email.
pub async fn save_choice(db: &Db, account_id: i64, choice: &Choice) -> Result<(), AppError> {
    let at = now();
    let (email, mode) = (choice.email.as_deref(), choice.mode);
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
    if let Some((on, phone)) = &choice.texts {
        crate::sms::choose_texts(db, account_id, *on, phone.as_deref(), choice.language).await?;
    } else if let Some(language) = choice.language {
        crate::sms::choose_texts_language(db, account_id, language).await?;
    }
    Ok(())
}

async fn show(
    ctx: Ctx,
    state: &AppState,
    form: NewsForm,
    errors: FieldErrors,
    saved: bool,
) -> Result<Response, AppError> {
    let mistakes = !errors.is_empty();
    let texts_offered = crate::sms::offered(&state.db, ctx.community.id).await?;
    let page = NewsPage {
        ctx,
        form,
        errors,
        modes: MODES,
        mail_on: state.part::<super::Mailer>().is_some(),
        texts_offered,
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
    show(ctx, &state, form, FieldErrors::default(), false).await
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<NewsForm>,
) -> Result<Response, AppError> {
    let texts_offered = crate::sms::offered(&state.db, ctx.community.id).await?;
    let choice = match check(&form, texts_offered) {
        Ok(choice) => choice,
        Err(errors) => return show(ctx, &state, form, errors, false).await,
    };
    save_choice(&state.db, viewer.id, &choice).await?;
    let form = current(&state.db, viewer.id).await?;
    show(ctx, &state, form, FieldErrors::default(), true).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(email: &str, mode: &str) -> NewsForm {
        NewsForm {
            email: email.into(),
            email_mode: mode.into(),
            ..NewsForm::default()
        }
    }

    #[test]
    fn an_address_and_a_choice() {
        let choice = check(&form(" wang@example.cn ", "daily"), false).unwrap();
        assert_eq!(
            (choice.email.as_deref(), choice.mode, choice.texts),
            (Some("wang@example.cn"), "daily", None)
        );
        assert_eq!(check(&form("", "off"), false).unwrap().email, None);
    }

    #[test]
    fn mistakes_are_named() {
        assert_eq!(
            check(&form("wang at home", "now"), false)
                .unwrap_err()
                .get("email"),
            "news-bad-email"
        );
        assert_eq!(
            check(&form("wang@example.cn", "hourly"), false)
                .unwrap_err()
                .get("email_mode"),
            "news-choose"
        );
        let long = format!("{}@example.cn", "w".repeat(120));
        assert!(check(&form(&long, "now"), false).is_err());
    }

    #[test]
    fn texts_need_a_mobile_number_and_a_gateway() {
        let texts = |sms: &str, phone: &str| NewsForm {
            sms: sms.into(),
            phone: phone.into(),
            language: "en".into(),
            ..form("", "off")
        };
        let on = check(&texts("on", "138 0013 8000"), true).unwrap();
        assert_eq!(on.texts, Some((true, Some("13800138000".into()))));
        assert_eq!(on.language, Some("en"));
        assert_eq!(
            check(&texts("on", "0851-86512345"), true)
                .unwrap_err()
                .get("phone"),
            "field-phone-not-mobile"
        );
        assert_eq!(
            check(&texts("on", ""), true).unwrap_err().get("phone"),
            "field-phone-for-text"
        );
        assert_eq!(
            check(&texts("on", "13800138000"), false)
                .unwrap_err()
                .get("sms"),
            "field-texts-not-offered"
        );
        assert_eq!(
            check(&texts("off", ""), false).unwrap().texts,
            Some((false, None))
        );
        assert_eq!(
            check(&texts("", ""), false).unwrap().texts,
            None,
            "left as it is"
        );
    }
}
