//! Legal aid at the reception desk: file a request for a resident, book an
//! appointment for a case waiting for one, see the appointments ahead.
//! Reception learns that a case and an appointment exist, never what a
//! case is about.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::pages::{self, AskPage};
use super::rules::{Asked, REACH, TOPICS};
use super::slots::{self, Slot};
use super::store;
use crate::auth::SignedIn;
use crate::desk::people::{self, Candidate};
use crate::desk::require_desk;
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState, Ctx, render};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DeskQuery {
    find: String,
    person: Option<i64>,
    said: String,
}

#[derive(Template)]
#[template(path = "legal_desk.html")]
struct DeskPage {
    ctx: Ctx,
    find: String,
    candidates: Vec<Candidate>,
    person: Option<Candidate>,
    /// The person's cases waiting for an appointment, with the free hours
    /// of their volunteers: numbers and times only.
    waiting: Vec<(i64, Vec<Slot>)>,
    ahead: Vec<Slot>,
    said: &'static str,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Query(q): Query<DeskQuery>,
) -> Result<Response, AppError> {
    require_desk(&viewer)?;
    let (candidates, person) =
        people::choose(&state.db, viewer.community_id, &q.find, q.person).await?;
    let mut waiting = Vec::new();
    if let Some(p) = &person {
        for case in store::waiting_for_appointment(&state.db, p.id).await? {
            waiting.push((case, slots::free_for_case(&state.db, case).await?));
        }
    }
    let ahead = slots::booked_ahead(&state.db, viewer.community_id).await?;
    let said = ["legal-said-filed", "legal-said-booked"]
        .into_iter()
        .find(|k| *k == q.said)
        .unwrap_or("");
    render(&DeskPage {
        ctx,
        find: q.find,
        candidates,
        person,
        waiting,
        ahead,
        said,
    })
}

pub async fn ask_form(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(person): Path<i64>,
) -> Result<Response, AppError> {
    require_desk(&viewer)?;
    let p = people::by_id(&state.db, viewer.community_id, person)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = Asked {
        topic: "other".into(),
        reach: "phone".into(),
        ..Asked::default()
    };
    render(&AskPage {
        ctx,
        form,
        errors: FieldErrors::default(),
        person: Some((p.id, p.display_name)),
        topics: &TOPICS,
        reach: &REACH,
    })
}

pub async fn file(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(person): Path<i64>,
    Form(form): Form<Asked>,
) -> Result<Response, AppError> {
    require_desk(&viewer)?;
    let p = people::by_id(&state.db, viewer.community_id, person)
        .await?
        .ok_or(AppError::NotFound)?;
    pages::file(&state, ctx, &viewer, (p.id, p.display_name), form).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct BookForm {
    case: i64,
    slot: i64,
}

/// Reception books a free hour for a resident's case waiting for one.
pub async fn book(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(person): Path<i64>,
    Form(form): Form<BookForm>,
) -> Result<Response, AppError> {
    require_desk(&viewer)?;
    let p = people::by_id(&state.db, viewer.community_id, person)
        .await?
        .ok_or(AppError::NotFound)?;
    if !store::waiting_for_appointment(&state.db, p.id)
        .await?
        .contains(&form.case)
    {
        return Err(AppError::NotFound);
    }
    if !slots::book(&state.db, form.slot, form.case, viewer.id).await? {
        return Err(AppError::Conflict("legal-error-slot"));
    }
    Ok(Redirect::to(&format!(
        "/legal/desk?person={}&said=legal-said-booked",
        p.id
    ))
    .into_response())
}
