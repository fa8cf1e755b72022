//! The kiosk's list of today's activities: a resident taps one and signs up
//! with their phone number (or account name); someone without an account
//! is put down as a walk-in with the phone they gave.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use super::Screen;
use crate::activities::signup::{self, Who};
use crate::activities::store::{self, Occurrence};
use crate::community::Community;
use crate::db::{StoreError, now};
use crate::i18n::Lang;
use crate::web::{AppError, AppState, render_form};

#[derive(Template)]
#[template(path = "kiosk_activities.html")]
struct TodayPage {
    lang: Lang,
    community: Community,
    kiosk: Screen,
    today: Vec<Occurrence>,
    /// The outcome of a sign-up: a message key, and whether it went well.
    said: Option<(&'static str, bool)>,
}

impl TodayPage {
    fn starts(&self, o: &Occurrence) -> String {
        crate::rooms::rules::local(&self.community.tz(), o.starts_at)
            .map(|t| crate::rooms::time_of_day(t.time()))
            .unwrap_or_default()
    }
}

async fn show(
    state: &AppState,
    lang: Lang,
    kiosk: Screen,
    said: Option<(&'static str, bool)>,
) -> Result<Response, AppError> {
    let community = Community::by_id(&state.db, kiosk.community_id).await?;
    let tz = community.tz();
    let at = now();
    let midnight = crate::rooms::rules::local(&tz, at)
        .and_then(|t| t.date().tomorrow().ok())
        .and_then(|d| crate::rooms::rules::at_local(&tz, d, jiff::civil::Time::midnight()))
        .unwrap_or(at + 86_400);
    let today = store::occurrences(&state.db, community.id, None, at - 3600, midnight, 30)
        .await?
        .into_iter()
        .filter(|o| o.ends_at > at && o.cancelled_at.is_none())
        .collect();
    let mistakes = said.is_some_and(|(_, ok)| !ok);
    render_form(
        &TodayPage {
            lang,
            community,
            kiosk,
            today,
            said,
        },
        mistakes,
    )
}

pub async fn today(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let kiosk = super::kiosk::kiosk(&state, &token).await?;
    show(&state, lang, kiosk, None).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignUpForm {
    occurrence: i64,
    /// A phone number or an account name.
    who: String,
}

pub async fn sign_up(
    State(state): State<AppState>,
    lang: Lang,
    Path(token): Path<String>,
    Form(form): Form<SignUpForm>,
) -> Result<Response, AppError> {
    let kiosk = super::kiosk::kiosk(&state, &token).await?;
    let said = sign_up_by_phone(&state, &kiosk, &form).await?;
    show(&state, lang, kiosk, Some(said)).await
}

/// Signs the person up; the message key to show, and whether it went well.
async fn sign_up_by_phone(
    state: &AppState,
    kiosk: &Screen,
    form: &SignUpForm,
) -> Result<(&'static str, bool), AppError> {
    let Some(o) = store::occurrence(&state.db, kiosk.community_id, form.occurrence).await? else {
        return Ok(("kiosk-activity-gone", false));
    };
    let typed = form.who.trim();
    if typed.is_empty() {
        return Ok(("kiosk-activity-who", false));
    }
    let phone = typed.replace([' ', '-'], "");
    let account = crate::activities::resident(&state.db, kiosk.community_id, typed, &phone).await?;
    let who = match account {
        Some(id) => Who::Account(id),
        None if crate::web::forms::valid_phone(typed) => Who::WalkIn {
            name: format!("☎ {}", &phone[phone.len().saturating_sub(4)..]),
            phone,
        },
        None => return Ok(("kiosk-activity-who", false)),
    };
    if o.cancelled_at.is_some() || o.ends_at <= now() {
        return Ok(("kiosk-activity-gone", false));
    }
    match signup::sign_up(&state.db, &o, &who, false, None).await {
        Ok("going") => Ok(("kiosk-activity-going", true)),
        Ok(_) => Ok(("kiosk-activity-waiting", true)),
        Err(StoreError::Conflict(_)) => Ok(("signup-already", false)),
        Err(e) => Err(e.into()),
    }
}
