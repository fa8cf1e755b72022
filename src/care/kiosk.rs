//! The kiosk's "I'm fine": one big button; the resident types their phone
//! number. Whoever types a number hears the same thanks, so the kiosk
//! never tells a passer-by whether a neighbour is in care.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;

use super::rules::CheckIn;
use super::store;
use crate::community::Community;
use crate::db::now;
use crate::i18n::Lang;
use crate::on_db;
use crate::screen::Screen;
use crate::web::{AppError, AppState, render_form};

#[derive(Template)]
#[template(path = "kiosk_fine.html")]
struct FinePage {
    lang: Lang,
    community: Community,
    kiosk: Screen,
    said: Option<(&'static str, bool)>,
}

async fn show(
    state: &AppState,
    lang: Lang,
    kiosk: Screen,
    said: Option<(&'static str, bool)>,
) -> Result<Response, AppError> {
    let community = Community::by_id(&state.db, kiosk.community_id).await?;
    let mistakes = said.is_some_and(|(_, ok)| !ok);
    render_form(
        &FinePage {
            lang,
            community,
            kiosk,
            said,
        },
        mistakes,
    )
}

async fn kiosk(state: &AppState, token: &str) -> Result<Screen, AppError> {
    Screen::by_token(&state.db, token, "kiosk")
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let kiosk = kiosk(&state, &token).await?;
    show(&state, lang, kiosk, None).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct FineForm {
    phone: String,
}

pub async fn fine(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
    Form(form): Form<FineForm>,
) -> Result<Response, AppError> {
    let kiosk = kiosk(&state, &token).await?;
    let phone: String = form.phone.chars().filter(char::is_ascii_digit).collect();
    if !crate::web::forms::valid_phone(&phone) {
        return show(&state, lang, kiosk, Some(("care-kiosk-phone", false))).await;
    }
    let resident: Option<i64> = on_db!(&state.db, |pool| {
        sqlx::query_scalar(
        "SELECT id FROM accounts WHERE community_id = $1 AND phone = $2 AND active AND role = 'resident'"
    )
    .bind(kiosk.community_id)
    .bind(&phone)
    .fetch_optional(pool)
    .await
    })?;
    if let Some(resident) = resident {
        let plan = store::plans_of_resident(&state.db, resident)
            .await?
            .into_iter()
            .find(|p| p.closed_at.is_none() && p.community_id == kiosk.community_id);
        if let Some(plan) = plan {
            store::check_in(&state.db, &plan, CheckIn::Fine, None, "kiosk", "", now()).await?;
        }
    }
    show(&state, lang, kiosk, Some(("care-kiosk-thanks", true))).await
}
