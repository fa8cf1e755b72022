//! The secretary's view of legal aid: who opened which case and when (the
//! access log, never the case), and how long a closed account's cases
//! keep their legal record.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::access_log::{self, Opening};
use super::keeping;
use crate::auth::{Role, SignedIn};
use crate::web::{AppError, AppState, Ctx, render, render_form};

#[derive(Template)]
#[template(path = "legal_log.html")]
struct LogPage {
    ctx: Ctx,
    openings: Vec<Opening>,
    keep_days: String,
    problem: Option<&'static str>,
}

impl LogPage {
    fn role_key(&self, o: &Opening) -> String {
        match o.role.as_deref() {
            Some("owner") => "legal-log-owner".to_string(),
            role => format!("role-{}", role.unwrap_or("resident")),
        }
    }

    fn door_key(&self, o: &Opening) -> String {
        format!("legal-door-{}", o.door)
    }

    fn what_key(&self, o: &Opening) -> String {
        format!("legal-log-{}", o.what)
    }
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    let openings = access_log::openings(&state.db, viewer.community_id, 500).await?;
    let keep_days = keeping::keep_days(&state.db, viewer.community_id)
        .await?
        .to_string();
    render(&LogPage {
        ctx,
        openings,
        keep_days,
        problem: None,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct KeepForm {
    keep_days: String,
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<KeepForm>,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    match form.keep_days.trim().parse::<i64>() {
        Ok(days) if (0..=36_500).contains(&days) => {
            keeping::save_keep_days(&state.db, viewer.community_id, days).await?;
            Ok(Redirect::to("/legal/log").into_response())
        }
        _ => {
            let openings = access_log::openings(&state.db, viewer.community_id, 500).await?;
            let page = LogPage {
                ctx,
                openings,
                keep_days: form.keep_days,
                problem: Some("legal-error-keep-days"),
            };
            render_form(&page, true)
        }
    }
}
