//! The administrator's settings for ideas: the agenda's threshold, the
//! workgroup that answers, and the words that hold a post for review.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::store::{self, Settings};
use crate::auth::{Role, SignedIn};
use crate::community::Workgroup;
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState, Ctx, render_form};

#[derive(Template)]
#[template(path = "admin/ideas.html")]
struct SettingsPage {
    ctx: Ctx,
    form: SettingsForm,
    errors: FieldErrors,
    workgroups: Vec<Workgroup>,
    households: i64,
    threshold: Option<i64>,
}

impl SettingsPage {
    fn chosen(&self, id: &i64) -> bool {
        self.form.workgroup == id.to_string()
    }
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    supports: String,
    percent: String,
    workgroup: String,
    held_words: String,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    let s = store::settings(&state.db, viewer.community_id).await?;
    let form = SettingsForm {
        supports: s.idea_supports.to_string(),
        percent: s.idea_percent.to_string(),
        workgroup: s
            .idea_workgroup_id
            .map(|w| w.to_string())
            .unwrap_or_default(),
        held_words: s.held_words,
    };
    show(
        &state,
        ctx,
        viewer.community_id,
        form,
        FieldErrors::default(),
    )
    .await
}

async fn show(
    state: &AppState,
    ctx: Ctx,
    community_id: i64,
    form: SettingsForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let workgroups = Workgroup::list(&state.db, community_id).await?;
    let households = store::households(&state.db, community_id).await?;
    let threshold = store::threshold(&state.db, community_id).await?;
    let mistakes = !errors.is_empty();
    render_form(
        &SettingsPage {
            ctx,
            form,
            errors,
            workgroups,
            households,
            threshold,
        },
        mistakes,
    )
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<SettingsForm>,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    let mut errors = FieldErrors::default();
    let supports = form
        .supports
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (0..=100_000).contains(n));
    if supports.is_none() {
        errors.add("supports", "ideas-settings-number");
    }
    let percent = form
        .percent
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (0..=100).contains(n));
    if percent.is_none() {
        errors.add("percent", "ideas-settings-percent");
    }
    let workgroups = Workgroup::list(&state.db, viewer.community_id).await?;
    let workgroup = match form.workgroup.trim() {
        "" => None,
        id => match workgroups.iter().find(|w| w.id.to_string() == id) {
            Some(w) => Some(w.id),
            None => {
                errors.add("workgroup", "error-bad-input");
                None
            }
        },
    };
    if form.held_words.chars().count() > 4000 {
        errors.add("held_words", "field-too-long");
    }
    let (Some(supports), Some(percent), true) = (supports, percent, errors.is_empty()) else {
        return show(&state, ctx, viewer.community_id, form, errors).await;
    };
    let settings = Settings {
        idea_supports: supports,
        idea_percent: percent,
        idea_workgroup_id: workgroup,
        held_words: form.held_words.trim().to_string(),
    };
    store::save_settings(&state.db, viewer.community_id, &settings).await?;
    // A lower threshold puts on the agenda the ideas it now reaches.
    store::sweep_agenda(&state.db, viewer.community_id).await?;
    Ok(Redirect::to("/admin/ideas?saved=1").into_response())
}
