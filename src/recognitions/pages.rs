//! The recognitions' pages: good deeds shown to all, nominating one, the
//! secretary's decision, the person's consent to show it on their profile.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::store::{self, KINDS, Nomination, Recognition};
use crate::auth::{MaybeViewer, Role, SignedIn};
use crate::requests::field::read_parts;
use crate::web::forms::{FieldErrors, required_text};
use crate::web::{AppError, AppState, Ctx, render, render_form};

#[derive(Template)]
#[template(path = "recognitions.html")]
struct ListPage {
    ctx: Ctx,
    approved: Vec<Recognition>,
    proposed: Vec<Recognition>,
    mine: Vec<Recognition>,
    said: &'static str,
}

impl ListPage {
    fn kind_key(&self, r: &Recognition) -> String {
        format!("recognition-kind-{}", r.kind.replace('_', "-"))
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ListQuery {
    said: String,
}

const SAID: [&str; 3] = [
    "recognition-said-nominated",
    "recognition-said-decided",
    "recognition-said-profile",
];

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let community_id = ctx.community.id;
    let approved = store::approved(&state.db, community_id, 60).await?;
    let proposed = if ctx.is_admin() {
        store::proposed(&state.db, community_id).await?
    } else {
        Vec::new()
    };
    let mine = match &ctx.viewer {
        Some(v) => store::involving(&state.db, v.id)
            .await?
            .into_iter()
            .filter(|r| r.person_account_id == Some(v.id) && r.state == "approved")
            .collect(),
        None => Vec::new(),
    };
    let said = SAID.into_iter().find(|k| *k == q.said).unwrap_or("");
    render(&ListPage {
        ctx,
        approved,
        proposed,
        mine,
        said,
    })
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct NominationForm {
    pub kind: String,
    pub person_name: String,
    /// The person's user name, when they have an account (optional).
    pub person: String,
    pub what: String,
    /// YYYY-MM-DD
    pub happened_on: String,
}

#[derive(Template)]
#[template(path = "recognition_new.html")]
struct NewPage {
    ctx: Ctx,
    form: NominationForm,
    errors: FieldErrors,
    kinds: &'static [&'static str],
}

pub async fn new_form(ctx: Ctx, SignedIn(_): SignedIn) -> Result<Response, AppError> {
    let today = crate::rooms::rules::local(&ctx.community.tz(), ctx.now())
        .map(|t| t.date().to_string())
        .unwrap_or_default();
    let form = NominationForm {
        kind: "deed".into(),
        happened_on: today,
        ..NominationForm::default()
    };
    render(&NewPage {
        ctx,
        form,
        errors: FieldErrors::default(),
        kinds: &KINDS,
    })
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let parts = read_parts(multipart).await?;
    let mut form = NominationForm::default();
    for (name, value) in parts.fields {
        match name.as_str() {
            "kind" => form.kind = value,
            "person_name" => form.person_name = value,
            "person" => form.person = value,
            "what" => form.what = value,
            "happened_on" => form.happened_on = value,
            _ => {}
        }
    }
    let mut errors = FieldErrors::default();
    if let Some(problem) = parts.photo_problem {
        errors.add("photo", problem);
    }
    if parts.photos.len() > 1 {
        errors.add("photo", "photo-error-too-many");
    }
    let person_name = required_text(&mut errors, "person_name", &form.person_name, 60);
    let what = required_text(&mut errors, "what", &form.what, 1000);
    let kind = KINDS
        .into_iter()
        .find(|k| *k == form.kind)
        .unwrap_or("deed");
    // The Red Armband commendation is given by the team, not proposed by anyone.
    if kind == "red_armband" && !viewer.is_staff() {
        errors.add("kind", "recognition-kind-staff");
    }
    let today = crate::rooms::rules::local(&ctx.community.tz(), ctx.now()).map(|t| t.date());
    let day = crate::rooms::rules::parse_date(form.happened_on.trim());
    match (day, today) {
        (Some(d), Some(t)) if d <= t => {}
        (Some(_), _) => errors.add("happened_on", "recognition-date-future"),
        (None, _) => errors.add("happened_on", "notice-date-wrong"),
    }
    let person_account_id = match form.person.trim() {
        "" => None,
        username => {
            let found = crate::activities::attendance::resident(
                &state.db,
                viewer.community_id,
                username,
                "",
            )
            .await?;
            if found.is_none() {
                errors.add("person", "recognition-person-unknown");
            }
            found
        }
    };
    if !errors.is_empty() {
        return render_form(
            &NewPage {
                ctx,
                form,
                errors,
                kinds: &KINDS,
            },
            true,
        );
    }
    let nomination = Nomination {
        kind,
        person_name: &person_name,
        person_account_id,
        what: &what,
        happened_on: form.happened_on.trim(),
    };
    store::nominate(
        &state.db,
        viewer.community_id,
        Some(viewer.id),
        &nomination,
        &parts.photos,
    )
    .await?;
    Ok(Redirect::to("/recognitions?said=recognition-said-nominated").into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DecideForm {
    /// `approve` or `decline`
    decision: String,
    reason: String,
}

/// `POST /recognitions/{id}/decide`: the secretary's decision; declining
/// needs a reason.
pub async fn decide(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<DecideForm>,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    let r = store::get(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reason = form.reason.trim();
    let approve = match form.decision.as_str() {
        "approve" => true,
        "decline" if reason.is_empty() => {
            return Err(AppError::BadRequest("recognition-reason-required"));
        }
        "decline" => false,
        _ => return Err(AppError::BadRequest("error-bad-input")),
    };
    if reason.chars().count() > 300 {
        return Err(AppError::BadRequest("field-too-long"));
    }
    if !store::decide(&state.db, &r, viewer.id, approve, reason).await? {
        return Err(AppError::Conflict("recognition-decided-already"));
    }
    Ok(Redirect::to("/recognitions?said=recognition-said-decided").into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ProfileForm {
    on: String,
}

/// `POST /recognitions/{id}/profile`: the person recognised agrees to show
/// it on their profile, or takes that back.
pub async fn profile(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<ProfileForm>,
) -> Result<Response, AppError> {
    let theirs = store::get(&state.db, viewer.community_id, id)
        .await?
        .is_some_and(|r| r.person_account_id == Some(viewer.id));
    if !theirs {
        return Err(AppError::NotFound);
    }
    let on = match form.on.as_str() {
        "1" => true,
        "0" => false,
        _ => return Err(AppError::BadRequest("error-bad-input")),
    };
    if !store::set_on_profile(&state.db, id, viewer.id, on).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/recognitions?said=recognition-said-profile").into_response())
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    ctx: Ctx,
    name: String,
    shown: Vec<Recognition>,
}

/// `GET /people/{id}`: a person's profile: only what they agreed to show.
pub async fn person(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let shown = store::on_profile_of(&state.db, id).await?;
    let first = shown
        .first()
        .filter(|r| r.community_id == ctx.community.id)
        .ok_or(AppError::NotFound)?;
    let name = first.person_name.clone();
    render(&PersonPage { ctx, name, shown })
}

/// `GET /recognitions/photos/{id}`: a recognition's photo, once approved
/// (before that: to the secretary and the nominator).
pub async fn photo(
    State(state): State<AppState>,
    ctx: Ctx,
    viewer: MaybeViewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let photo = crate::ideas::photos::load(&state.db, id, false)
        .await?
        .filter(|p| p.owner == "recognition" && p.community_id == ctx.community.id)
        .ok_or(AppError::NotFound)?;
    let r = store::get(&state.db, ctx.community.id, photo.owner_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let allowed = r.state == "approved"
        || viewer
            .0
            .as_ref()
            .is_some_and(|v| v.is_admin() || Some(v.id) == r.nominated_by);
    if !allowed {
        return Err(AppError::NotFound);
    }
    Ok(crate::ideas::photos::jpeg(photo.bytes))
}
