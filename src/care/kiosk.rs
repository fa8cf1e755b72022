//! The kiosk's "I'm fine": one big button; the resident types their phone
//! number. Whoever types a number hears the same thanks, so the kiosk
//! never tells a passer-by whether a neighbour is in care. A phone shared
//! by a household checks in everyone in care there.

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

pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let kiosk = crate::screen::kiosk(&state, &token).await?;
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
    let kiosk = crate::screen::kiosk(&state, &token).await?;
    let phone: String = form.phone.chars().filter(char::is_ascii_digit).collect();
    if !crate::web::forms::valid_phone(&phone) {
        return show(&state, lang, kiosk, Some(("care-kiosk-phone", false))).await;
    }
    // A household's shared phone speaks for everyone in care there.
    let plans: Vec<i64> = on_db!(&state.db, |pool| sqlx::query_scalar(
        "SELECT p.id FROM care_plans p JOIN accounts a ON a.id = p.account_id \
         WHERE a.community_id = $1 AND a.phone = $2 AND a.active AND p.closed_at IS NULL"
    )
    .bind(kiosk.community_id)
    .bind(&phone)
    .fetch_all(pool)
    .await)?;
    for id in plans {
        if let Some(plan) = store::plan(&state.db, kiosk.community_id, id).await? {
            store::check_in(&state.db, &plan, CheckIn::Fine, None, "kiosk", "", now()).await?;
        }
    }
    show(&state, lang, kiosk, Some(("care-kiosk-thanks", true))).await
}
