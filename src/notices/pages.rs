//! Notices for residents: those for them on `/notices` and the home page,
//! marked read; the attachment; and reception's list, building by
//! building, of who has not heard of an important notice yet.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

use super::store::{self, Notice, Reader, Seen, ToTell};
use crate::auth::{Role, SignedIn, Viewer};
use crate::community::Place;
use crate::web::{AppError, AppState, Ctx, render};

/// The notices a person (or a visitor) sees now.
pub async fn seen_by(
    state: &AppState,
    community_id: i64,
    viewer: Option<&Viewer>,
) -> Result<Vec<Seen>, AppError> {
    Ok(match viewer {
        Some(v) => store::for_reader(&state.db, community_id, &Reader::of(v)).await?,
        None => Notice::current(&state.db, community_id)
            .await?
            .into_iter()
            .map(|notice| Seen {
                notice,
                read_at: None,
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    ctx: Ctx,
    notices: Vec<Seen>,
    in_person: bool,
    desk: bool,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let notices = seen_by(&state, ctx.community.id, ctx.viewer.as_ref()).await?;
    let in_person = match &ctx.viewer {
        Some(v) => store::in_person(&state.db, v.id).await?,
        None => false,
    };
    let desk = ctx
        .viewer
        .as_ref()
        .is_some_and(|v| matches!(v.role(), Role::Admin | Role::Reception));
    render(&NoticesPage {
        ctx,
        notices,
        in_person,
        desk,
    })
}

/// A notice the person may see, or not found.
async fn visible(state: &AppState, ctx: &Ctx, id: i64) -> Result<Notice, AppError> {
    let notice = Notice::by_id(&state.db, ctx.community.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Those who post see every notice; others only what shows now.
    let poster = ctx
        .viewer
        .as_ref()
        .is_some_and(|v| matches!(v.role(), Role::Admin | Role::Reception | Role::Lead));
    if notice.public() && (poster || notice.showing(ctx.now())) {
        return Ok(notice);
    }
    let seen = seen_by(state, ctx.community.id, ctx.viewer.as_ref()).await?;
    if seen.iter().any(|s| s.notice.id == id) {
        Ok(notice)
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn read(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    visible(&state, &ctx, id).await?;
    store::mark_read(&state.db, id, viewer.id).await?;
    Ok(Redirect::to("/notices").into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct InPersonForm {
    on: String,
}

/// `POST /notices/in-person`: tell me important notices at the desk.
pub async fn in_person(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Form(form): Form<InPersonForm>,
) -> Result<Response, AppError> {
    store::set_in_person(&state.db, viewer.id, form.on == "1").await?;
    Ok(Redirect::to("/notices").into_response())
}

pub async fn attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    visible(&state, &ctx, id).await?;
    let (kind, bytes) = store::attachment(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let kind = if kind == "application/pdf" {
        "application/pdf"
    } else {
        "image/jpeg"
    };
    Ok((
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "notice_unread.html")]
struct UnreadPage {
    ctx: Ctx,
    notice: Notice,
    buildings: Vec<Place>,
    building: Option<Place>,
    people: Vec<ToTell>,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct UnreadQuery {
    building: String,
}

/// `GET /notices/{id}/unread?building=B3`: reception's list for one
/// building of who has not heard of the notice yet.
pub async fn unread(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<UnreadQuery>,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Reception, Role::Admin])?;
    // Reception follows up important notices for everyone or for some
    // buildings; the others are not theirs to chase.
    let notice = Notice::by_id(&state.db, viewer.community_id, id)
        .await?
        .filter(|n| n.important && n.public())
        .ok_or(AppError::NotFound)?;
    let chosen: Vec<&str> = notice
        .buildings
        .split(',')
        .filter(|b| !b.is_empty())
        .collect();
    let buildings: Vec<Place> = Place::list(&state.db, viewer.community_id)
        .await?
        .into_iter()
        .filter(|p| p.kind == "building")
        .filter(|p| notice.audience != "buildings" || chosen.contains(&p.code.as_str()))
        .collect();
    let building = buildings.iter().find(|b| b.code == q.building).cloned();
    let people = match &building {
        Some(b) => store::to_tell(&state.db, id, b.id).await?,
        None => Vec::new(),
    };
    render(&UnreadPage {
        ctx,
        notice,
        buildings,
        building,
        people,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ToldForm {
    who: String,
    building: String,
}

/// `POST /notices/{id}/told`: reception told someone in person.
pub async fn told(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<ToldForm>,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Reception, Role::Admin])?;
    Notice::by_id(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let valid = form
        .who
        .split_once(':')
        .is_some_and(|(k, n)| (k == "a" || k == "p") && n.parse::<i64>().is_ok());
    if !valid {
        return Err(AppError::BadRequest("error-bad-input"));
    }
    store::told(&state.db, id, &form.who, viewer.id).await?;
    let building = crate::web::forms::url_encode(&form.building);
    Ok(Redirect::to(&format!("/notices/{id}/unread?building={building}")).into_response())
}
