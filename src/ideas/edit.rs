//! The author edits their idea (after it was hidden: and asks again).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::moderation::{self, Kind};
use super::pages::{IdeaForm, check_idea, find};
use super::store::{self, Idea};
use crate::auth::SignedIn;
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState, Ctx, render, render_form};

#[derive(Template)]
#[template(path = "idea_edit.html")]
struct EditPage {
    ctx: Ctx,
    idea: Idea,
    form: IdeaForm,
    errors: FieldErrors,
}

/// The author edits their idea (after it was hidden: and asks again).
pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let idea = find(&state, &ctx, id).await?;
    if idea.author_id != viewer.id {
        return Err(AppError::Forbidden);
    }
    let form = IdeaForm {
        title: idea.title.clone(),
        body: idea.body.clone(),
        place: String::new(),
    };
    render(&EditPage {
        ctx,
        idea,
        form,
        errors: FieldErrors::default(),
    })
}

pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<IdeaForm>,
) -> Result<Response, AppError> {
    let idea = find(&state, &ctx, id).await?;
    if idea.author_id != viewer.id {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::default();
    let (title, body, _) = check_idea(&form, &[], &mut errors);
    if !errors.is_empty() {
        return render_form(
            &EditPage {
                ctx,
                idea,
                form,
                errors,
            },
            true,
        );
    }
    let held = store::holds(&state.db, viewer.community_id, &format!("{title}\n{body}")).await?;
    moderation::edit(&state.db, Kind::Idea, id, &title, &body, held).await?;
    Ok(Redirect::to(&format!("/ideas/{id}")).into_response())
}
