//! Registering screens and kiosks, seeing that they are alive, and telling
//! the administrator when a screen has gone quiet.

use crate::db::BeginWrite;
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::{PANELS, Screen};
use crate::auth::{Role, SignedIn};
use crate::community::Place;
use crate::db::{Db, now};
use crate::on_db;
use crate::web::forms::{FieldErrors, required_text};
use crate::web::{AppError, AppState, Ctx, render_form};

/// A screen silent this long (seconds) is reported to the administrator.
pub const SILENT_AFTER: i64 = 10 * 60;

#[derive(Template)]
#[template(path = "admin/screens.html")]
struct ScreensPage {
    ctx: Ctx,
    screens: Vec<Screen>,
    places: Vec<Place>,
    form: ScreenForm,
    errors: FieldErrors,
    panels: [&'static str; 9],
    now: i64,
}

impl ScreensPage {
    fn silent(&self, s: &Screen) -> bool {
        s.kind == "screen" && s.active && s.last_seen_at.is_none_or(|t| self.now - t > SILENT_AFTER)
    }
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ScreenForm {
    name: String,
    kind: String,
    place: String,
    language: String,
    panels: String,
}

async fn screens_page(
    db: &Db,
    ctx: Ctx,
    form: ScreenForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let community_id = ctx.community.id;
    let mistakes = !(errors.is_empty());
    let page = ScreensPage {
        screens: Screen::list(db, community_id).await?,
        places: Place::list(db, community_id).await?,
        ctx,
        form,
        errors,
        panels: PANELS,
        now: now(),
    };
    render_form(&page, mistakes)
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    let form = ScreenForm {
        kind: "screen".into(),
        language: "both".into(),
        ..ScreenForm::default()
    };
    screens_page(&state.db, ctx, form, FieldErrors::default()).await
}

pub async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<ScreenForm>,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    let mut errors = FieldErrors::default();
    let name = required_text(&mut errors, "name", &form.name, 60);
    if !matches!(form.kind.as_str(), "screen" | "kiosk") {
        errors.add("kind", "field-invalid-choice");
    }
    if !matches!(form.language.as_str(), "zh" | "en" | "both") {
        errors.add("language", "field-invalid-choice");
    }
    let place = match form.place.trim() {
        "" => None,
        code => match Place::by_code(&state.db, viewer.community_id, code).await? {
            Some(p) => Some(p.id),
            None => {
                errors.add("place", "field-unknown-place");
                None
            }
        },
    };
    if form.panels.chars().count() > 500 {
        errors.add("panels", "field-too-long");
    }
    if !errors.is_empty() {
        return screens_page(&state.db, ctx, form, errors).await;
    }
    Screen::create(
        &state.db,
        viewer.community_id,
        &form.kind,
        &name,
        place,
        &form.language,
        form.panels.trim(),
    )
    .await?;
    Ok(Redirect::to("/admin/screens").into_response())
}

pub async fn switch_off(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    on_db!(&state.db, |pool| sqlx::query(
        "UPDATE screens SET active = FALSE WHERE id = $1 AND community_id = $2"
    )
    .bind(id)
    .bind(viewer.community_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(Redirect::to("/admin/screens").into_response())
}

/// Tells each community's administrators about screens that went quiet,
/// once per silence. Returns how many screens were reported.
pub async fn check_silent_screens(db: &Db) -> Result<u64, AppError> {
    let at = now();
    let silent: Vec<(i64, i64)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT id, community_id FROM screens WHERE active AND kind = 'screen' \
         AND COALESCE(last_seen_at, created_at) < $1 \
         AND (silent_alert_at IS NULL OR silent_alert_at < COALESCE(last_seen_at, created_at))"
    )
    .bind(at - SILENT_AFTER)
    .fetch_all(pool)
    .await)?;
    for (id, community_id) in &silent {
        on_db!(db, |pool| {
            async {
                let mut tx = pool.begin_write().await?;
                sqlx::query("UPDATE screens SET silent_alert_at = $1 WHERE id = $2")
                    .bind(at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO notifications (account_id, message_key, created_at) \
                     SELECT id, 'notify-screen-silent', $1 FROM accounts WHERE community_id = $2 AND role = 'admin' AND active",
                )
                .bind(at)
                .bind(community_id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await
            }
            .await
        })?;
    }
    Ok(silent.len() as u64)
}
