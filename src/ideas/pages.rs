//! The ideas' pages: the list, posting one, an idea with its supports,
//! comments and answers, and "you said, we did".

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::answers::{self, Answer};
use super::comments::{self, Comment};
use super::moderation::is_moderator;
use super::rules::{self, BODY_MAX, TITLE_MAX};
use super::store::{self, Idea, Listing, Supported};
use crate::auth::{MaybeViewer, SignedIn, Viewer};
use crate::community::Place;
use crate::requests::field::read_parts;
use crate::web::forms::{FieldErrors, required_text};
use crate::web::{AppError, AppState, Ctx, render, render_form};

#[derive(Template)]
#[template(path = "ideas.html")]
struct ListPage {
    ctx: Ctx,
    ideas: Vec<Idea>,
    listing: Listing,
    threshold: Option<i64>,
    mine: Vec<Idea>,
    moderator: bool,
    /// This page's number (from 1), and whether another follows.
    page: i64,
    more: bool,
}

/// Ideas on one page of the list: a phone's worth.
const PER_PAGE: i64 = 30;

impl ListPage {
    fn tab_key(&self, l: &Listing) -> String {
        format!("ideas-view-{}", l.as_str())
    }
    fn on(&self, l: &Listing) -> bool {
        *l == self.listing
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ListQuery {
    view: String,
    page: i64,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    viewer: MaybeViewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let listing = Listing::parse(&q.view);
    list_page(state, ctx, viewer.0, listing, q.page).await
}

/// `/ideas/we-did`: the answers, newest first.
pub async fn we_did(
    State(state): State<AppState>,
    ctx: Ctx,
    viewer: MaybeViewer,
) -> Result<Response, AppError> {
    list_page(state, ctx, viewer.0, Listing::Answered, 1).await
}

async fn list_page(
    state: AppState,
    ctx: Ctx,
    viewer: Option<Viewer>,
    listing: Listing,
    page: i64,
) -> Result<Response, AppError> {
    let community_id = ctx.community.id;
    let page = page.clamp(1, 10_000);
    let mut ideas = store::list_from(
        &state.db,
        community_id,
        listing,
        PER_PAGE + 1,
        (page - 1) * PER_PAGE,
    )
    .await?;
    let more = ideas.len() as i64 > PER_PAGE;
    ideas.truncate(PER_PAGE as usize);
    let threshold = store::threshold(&state.db, community_id).await?;
    let mine = match &viewer {
        Some(v) => store::of_author(&state.db, v.id, true).await?,
        None => Vec::new(),
    };
    render(&ListPage {
        ctx,
        ideas,
        listing,
        threshold,
        mine,
        moderator: viewer.as_ref().is_some_and(is_moderator),
        page,
        more,
    })
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct IdeaForm {
    pub title: String,
    pub body: String,
    /// A place's code, or empty.
    pub place: String,
}

#[derive(Template)]
#[template(path = "idea_new.html")]
struct NewPage {
    ctx: Ctx,
    form: IdeaForm,
    errors: FieldErrors,
    places: Vec<Place>,
    photo_problem: &'static str,
}

/// The places an idea can be about: the common places and the buildings
/// (never a flat: that is someone's home).
async fn idea_places(state: &AppState, community_id: i64) -> Result<Vec<Place>, AppError> {
    Ok(Place::list(&state.db, community_id)
        .await?
        .into_iter()
        .filter(|p| p.kind != "unit")
        .collect())
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    let places = idea_places(&state, viewer.community_id).await?;
    render(&NewPage {
        ctx,
        form: IdeaForm::default(),
        errors: FieldErrors::default(),
        places,
        photo_problem: "",
    })
}

/// Checks an idea's words; the place's id when it names one.
pub fn check_idea(
    form: &IdeaForm,
    places: &[Place],
    errors: &mut FieldErrors,
) -> (String, String, Option<i64>) {
    let title = required_text(errors, "title", &form.title, TITLE_MAX);
    let body = required_text(errors, "body", &form.body, BODY_MAX);
    let place = form.place.trim();
    let place_id = if place.is_empty() {
        None
    } else {
        let found = places.iter().find(|p| p.code == place).map(|p| p.id);
        if found.is_none() {
            errors.add("place", "idea-place-unknown");
        }
        found
    };
    (title, body, place_id)
}

/// Posts an idea for the viewer: its id, or what is wrong. A held word
/// makes it wait for a moderator.
pub async fn post_idea(
    state: &AppState,
    viewer: &Viewer,
    form: &IdeaForm,
    photos: &[crate::photos::ProcessedPhoto],
) -> Result<Result<(i64, bool), FieldErrors>, AppError> {
    let places = idea_places(state, viewer.community_id).await?;
    let mut errors = FieldErrors::default();
    let (title, body, place_id) = check_idea(form, &places, &mut errors);
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let settings = store::settings(&state.db, viewer.community_id).await?;
    let held = !rules::held_words(&settings.held_words, &format!("{title}\n{body}")).is_empty();
    let idea = store::NewIdea {
        title: &title,
        body: &body,
        place_id,
        workgroup_id: settings.idea_workgroup_id,
        held,
    };
    let id = store::create(&state.db, viewer.community_id, viewer.id, &idea, photos).await?;
    Ok(Ok((id, held)))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let parts = read_parts(multipart).await?;
    let mut form = IdeaForm::default();
    for (name, value) in parts.fields {
        match name.as_str() {
            "title" => form.title = value,
            "body" => form.body = value,
            "place" => form.place = value,
            _ => {}
        }
    }
    let outcome = match parts.photo_problem {
        // A photo that could not be taken: nothing is saved, the words stay.
        Some(problem) => Err((FieldErrors::default(), problem)),
        None => post_idea(&state, &viewer, &form, &parts.photos)
            .await?
            .map_err(|e| (e, "")),
    };
    match outcome {
        Ok((id, _)) => Ok(Redirect::to(&format!("/ideas/{id}")).into_response()),
        Err((errors, photo_problem)) => {
            let places = idea_places(&state, viewer.community_id).await?;
            render_form(
                &NewPage {
                    ctx,
                    form,
                    errors,
                    places,
                    photo_problem,
                },
                true,
            )
        }
    }
}

#[derive(Template)]
#[template(path = "idea.html")]
pub(super) struct IdeaPage {
    pub(super) ctx: Ctx,
    pub(super) idea: Idea,
    pub(super) photos: Vec<i64>,
    pub(super) answers: Vec<(Answer, Vec<i64>)>,
    pub(super) comments: Vec<Comment>,
    pub(super) supported: bool,
    pub(super) threshold: Option<i64>,
    pub(super) may_answer: bool,
    pub(super) moderator: bool,
    pub(super) said: &'static str,
    pub(super) errors: FieldErrors,
    pub(super) answer_form: AnswerForm,
    /// A refused edit of a comment: which, what was typed, why.
    pub(super) edit_error: Option<(i64, String, &'static str)>,
}

impl IdeaPage {
    fn edit_text(&self, c: &Comment) -> String {
        match &self.edit_error {
            Some((id, typed, _)) if *id == c.id => typed.clone(),
            _ => c.body.clone(),
        }
    }
    fn edit_problem(&self, c: &Comment) -> &'static str {
        match &self.edit_error {
            Some((id, _, key)) if *id == c.id => key,
            _ => "",
        }
    }
    fn mine(&self, author_id: &i64) -> bool {
        self.ctx.viewer.as_ref().is_some_and(|v| v.id == *author_id)
    }
    fn answers_offered(&self) -> Vec<&'static str> {
        rules::ANSWERS
            .into_iter()
            .filter(|to| rules::may_answer(&self.idea.state, to))
            .collect()
    }
}

/// What a redirect back to the idea says, by a fixed key.
const SAID: [&str; 6] = [
    "idea-said-supported",
    "idea-said-already",
    "idea-said-withdrawn",
    "idea-said-flagged",
    "idea-said-held",
    "idea-said-answered",
];

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    said: String,
}

/// Who may see an idea: everyone when it is shown; its author and the
/// moderators otherwise.
pub fn may_see(idea: &Idea, viewer: Option<&Viewer>) -> bool {
    idea.moderation == "shown" || viewer.is_some_and(|v| v.id == idea.author_id || is_moderator(v))
}

/// Who answers an idea: its workgroup's members, and the secretary.
pub async fn may_answer(state: &AppState, idea: &Idea, viewer: &Viewer) -> Result<bool, AppError> {
    if viewer.is_admin() {
        return Ok(true);
    }
    let Some(group) = idea.workgroup_id else {
        return Ok(false);
    };
    Ok(crate::community::Workgroup::of_member(&state.db, viewer.id)
        .await?
        .iter()
        .any(|m| m.workgroup_id == group))
}

pub async fn find(state: &AppState, ctx: &Ctx, id: i64) -> Result<Idea, AppError> {
    let idea = store::get(&state.db, ctx.community.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_see(&idea, ctx.viewer.as_ref()) {
        return Err(AppError::NotFound);
    }
    Ok(idea)
}

pub(super) async fn idea_page(
    state: &AppState,
    ctx: Ctx,
    idea: Idea,
    said: &'static str,
    errors: FieldErrors,
    answer_form: AnswerForm,
) -> Result<IdeaPage, AppError> {
    let db = &state.db;
    let viewer = ctx.viewer.clone();
    let photos = super::photos::photo_ids(db, "idea", idea.id).await?;
    let mut answers = Vec::new();
    for a in answers::answers(db, idea.id).await? {
        let photos = super::photos::photo_ids(db, "answer", a.id).await?;
        answers.push((a, photos));
    }
    let moderator = viewer.as_ref().is_some_and(is_moderator);
    let comments =
        comments::comments(db, idea.id, viewer.as_ref().map(|v| v.id), moderator).await?;
    let supported = match &viewer {
        Some(v) => store::supports(db, idea.id, v.id).await?,
        None => false,
    };
    let may_answer = match &viewer {
        Some(v) => may_answer(state, &idea, v).await?,
        None => false,
    };
    let threshold = store::threshold(db, idea.community_id).await?;
    Ok(IdeaPage {
        ctx,
        idea,
        photos,
        answers,
        comments,
        supported,
        threshold,
        may_answer,
        moderator,
        said,
        errors,
        answer_form,
        edit_error: None,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, AppError> {
    let idea = find(&state, &ctx, id).await?;
    let said = SAID.into_iter().find(|k| *k == q.said).unwrap_or("");
    let page = idea_page(
        &state,
        ctx,
        idea,
        said,
        FieldErrors::default(),
        AnswerForm::default(),
    )
    .await?;
    render(&page)
}

pub(super) fn back(id: i64, said: &str) -> Response {
    Redirect::to(&format!("/ideas/{id}?said={said}")).into_response()
}

pub async fn support(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let idea = find(&state, &ctx, id).await?;
    if idea.moderation != "shown" {
        return Err(AppError::Conflict("idea-not-shown"));
    }
    let threshold = store::threshold(&state.db, idea.community_id).await?;
    Ok(
        match store::support(&state.db, &idea, viewer.id, threshold).await? {
            Supported::Counted { .. } => back(id, "idea-said-supported"),
            Supported::Already => back(id, "idea-said-already"),
        },
    )
}

pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let idea = find(&state, &ctx, id).await?;
    store::withdraw_support(&state.db, idea.id, viewer.id).await?;
    Ok(back(id, "idea-said-withdrawn"))
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    pub state: String,
    pub body: String,
    /// YYYY-MM-DD, for a plan.
    pub planned_for: String,
    /// Kept when a comment was refused.
    pub comment: String,
}
