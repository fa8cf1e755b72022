//! People's own data: a resident downloads everything held about them,
//! takes their name off their past requests, or closes their account —
//! themselves, or at the reception desk, where staff check who they are.

pub mod store;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::audit::Action;
use crate::auth::{Role, SignIn, SignedIn, Viewer, check_password};
use crate::db::Db;
use crate::desk::require_desk;
use crate::on_db;
use crate::web::address::ClientAddress;
use crate::web::{AppError, AppState, Ctx, render, render_form};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/data", get(own_page))
        .route("/account/data.json", get(own_download))
        .route("/account/data/anonymise", post(own_anonymise))
        .route("/account/data/close", post(own_close))
        .route("/api/v1/me/data", get(own_download))
        .route("/desk/person", get(desk_page))
        .route("/desk/person/{username}/data.json", post(desk_download))
        .route("/desk/person/{username}/anonymise", post(desk_anonymise))
        .route("/desk/person/{username}/close", post(desk_close))
}

/// The capabilities' parts of the download, as the entry handed them in.
fn sections(state: &AppState) -> &store::Sections {
    static NONE: store::Sections = store::Sections(Vec::new());
    state.part::<store::Sections>().unwrap_or(&NONE)
}

#[derive(Template)]
#[template(path = "my_data.html")]
struct OwnPage {
    ctx: Ctx,
    /// How many requests were just anonymised, if that was the step.
    anonymised: Option<u64>,
    error: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct Done {
    anonymised: Option<u64>,
}

async fn own_page(
    ctx: Ctx,
    SignedIn(_viewer): SignedIn,
    Query(done): Query<Done>,
) -> Result<Response, AppError> {
    render(&OwnPage {
        ctx,
        anonymised: done.anonymised,
        error: String::new(),
    })
}

fn download(value: &serde_json::Value, username: &str) -> Result<Response, AppError> {
    let body = serde_json::to_string_pretty(value).map_err(|e| AppError::Internal(e.into()))?;
    let mut response = (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response();
    let name = format!("attachment; filename=\"grassroots-{username}.json\"");
    if let Ok(value) = HeaderValue::from_str(&name) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn own_download(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    let value = store::export(&state.db, viewer.id, store::Copy::Own, sections(&state)).await?;
    download(&value, &viewer.username)
}

async fn own_anonymise(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    let n = store::anonymise_everywhere(&state.db, state.part::<store::Anonymisers>(), viewer.id)
        .await?;
    tracing::info!(
        account = viewer.id,
        requests = n,
        "anonymised by the person"
    );
    Ok(Redirect::to(&format!("/account/data?anonymised={n}")).into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct CloseForm {
    password: String,
}

#[derive(Template)]
#[template(path = "my_data_closed.html")]
struct ClosedPage {
    ctx: Ctx,
}

async fn own_close(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    ClientAddress(address): ClientAddress,
    Form(form): Form<CloseForm>,
) -> Result<Response, AppError> {
    // Staff accounts are closed by the administrator.
    viewer.require(&[Role::Resident])?;
    // The password again: a borrowed phone left signed in cannot do this.
    let checked = check_password(&state.db, &viewer.username, &form.password, &address).await?;
    let refused = match checked {
        SignIn::Accepted { .. } => None,
        SignIn::Wait { until } => Some(ctx.t_args("signin-locked", &[("time", ctx.time(until))])),
        SignIn::Wrong => Some(ctx.t("my-data-close-wrong-password")),
    };
    if let Some(error) = refused {
        let page = OwnPage {
            ctx,
            anonymised: None,
            error,
        };
        return render_form(&page, true);
    }
    store::close_account_everywhere(&state.db, state.part::<store::Closers>(), viewer.id).await?;
    tracing::info!(account = viewer.id, "account closed by the person");
    Ok(crate::auth::routes::signed_out(
        render(&ClosedPage { ctx })?.into_response(),
    ))
}

#[derive(Template)]
#[template(path = "desk_person.html")]
struct DeskPersonPage {
    ctx: Ctx,
    username: String,
    person: Option<Viewer>,
    /// The codes of the flats the person's household lives in.
    flats: Vec<String>,
    /// Several residents fit what was typed: reception picks one.
    candidates: Vec<crate::desk::people::Candidate>,
    anonymised: Option<u64>,
    closed: bool,
    /// Texts on or off and the number, where the community sends texts.
    texts: Option<(bool, String)>,
    /// Why the texts form was refused.
    texts_problem: &'static str,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PersonQuery {
    pub username: String,
    pub anonymised: Option<u64>,
    pub closed: Option<String>,
}

/// A resident of the desk's own community, found by username.
async fn resident(db: &Db, desk: &Viewer, username: &str) -> Result<Option<Viewer>, AppError> {
    let id: Option<i64> = on_db!(db, |pool| {
        sqlx::query_scalar(
        "SELECT id FROM accounts WHERE username = $1 AND community_id = $2 AND role = 'resident' AND active"
    )
    .bind(username.trim())
    .bind(desk.community_id)
    .fetch_optional(pool)
    .await
    })?;
    match id {
        Some(id) => crate::auth::viewer_by_id(db, id).await,
        None => Ok(None),
    }
}

async fn desk_page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Query(q): Query<PersonQuery>,
) -> Result<Response, AppError> {
    person_page(&state, ctx, &viewer, q, None).await
}

/// The texts form refused: its message and the number as typed.
pub type TextsProblem = (&'static str, String);

/// The desk's page for one resident; with a problem in the texts form,
/// shown again with the message and what was typed (422).
pub async fn person_page(
    state: &AppState,
    ctx: Ctx,
    viewer: &Viewer,
    q: PersonQuery,
    texts_problem: Option<TextsProblem>,
) -> Result<Response, AppError> {
    require_desk(viewer)?;
    let mut candidates = Vec::new();
    let person = if q.username.trim().is_empty() {
        None
    } else if let Some(found) = resident(&state.db, viewer, &q.username).await? {
        Some(found)
    } else {
        candidates = crate::desk::people::find(&state.db, viewer.community_id, &q.username).await?;
        match candidates.as_slice() {
            [one] => resident(&state.db, viewer, &one.username).await?,
            _ => None,
        }
    };
    let mut flats = Vec::new();
    if let Some(p) = &person {
        candidates.clear();
        flats = on_db!(&state.db, |pool| sqlx::query_scalar::<_, String>(
            "SELECT p.code FROM household_members h JOIN places p ON p.id = h.place_id \
             WHERE h.account_id = $1 ORDER BY p.code"
        )
        .bind(p.id)
        .fetch_all(pool)
        .await)?;
    }
    let status = if texts_problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else if person.is_none()
        && candidates.is_empty()
        && !q.username.trim().is_empty()
        && q.closed.is_none()
    {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    // Texts, where the community sends them: on or off, and the number.
    let texts = match &person {
        Some(p) if crate::sms::offered(&state.db, viewer.community_id).await? => {
            let kept = on_db!(&state.db, |pool| sqlx::query_as::<_, (bool, String)>(
                "SELECT sms_on, COALESCE(phone, '') FROM accounts WHERE id = $1"
            )
            .bind(p.id)
            .fetch_optional(pool)
            .await)?;
            match &texts_problem {
                Some((_, typed)) => Some((true, typed.clone())),
                None => kept,
            }
        }
        _ => None,
    };
    let page = DeskPersonPage {
        texts,
        texts_problem: texts_problem.map(|(key, _)| key).unwrap_or(""),
        ctx,
        username: q.username,
        person,
        flats,
        candidates,
        anonymised: q.anonymised,
        closed: q.closed.is_some(),
    };
    Ok((status, render(&page)?).into_response())
}

async fn desk_resident(
    state: &AppState,
    viewer: &Viewer,
    username: &str,
) -> Result<Viewer, AppError> {
    require_desk(viewer)?;
    resident(&state.db, viewer, username)
        .await?
        .ok_or(AppError::NotFound)
}

/// Logs reception's step for the person: written before the step is
/// taken, so nothing is done unrecorded.
async fn log_step(
    state: &AppState,
    desk: &Viewer,
    person: &Viewer,
    step: Action,
) -> Result<(), AppError> {
    crate::audit::record(&state.db, desk.community_id, person.id, desk.id, step).await?;
    Ok(())
}

/// Reception hands over a copy, after checking the person's identity card;
/// every copy is logged where the person and the secretary see it.
async fn desk_download(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(username): Path<String>,
    Form(form): Form<DeskCheckForm>,
) -> Result<Response, AppError> {
    let person = desk_resident(&state, &viewer, &username).await?;
    if form.checked.is_empty() {
        return Err(AppError::BadRequest("desk-check-identity"));
    }
    log_step(&state, &viewer, &person, Action::DataHandedOver).await?;
    let value = store::export(
        &state.db,
        person.id,
        store::Copy::AtTheDesk,
        sections(&state),
    )
    .await?;
    tracing::info!(
        account = person.id,
        desk = viewer.id,
        "data handed over at the desk"
    );
    download(&value, &person.username)
}

async fn desk_anonymise(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(username): Path<String>,
    Form(form): Form<DeskCheckForm>,
) -> Result<Response, AppError> {
    let person = desk_resident(&state, &viewer, &username).await?;
    if form.checked.is_empty() {
        return Err(AppError::BadRequest("desk-check-identity"));
    }
    log_step(&state, &viewer, &person, Action::Anonymised).await?;
    let n = store::anonymise_everywhere(&state.db, state.part::<store::Anonymisers>(), person.id)
        .await?;
    tracing::info!(
        account = person.id,
        desk = viewer.id,
        requests = n,
        "anonymised at the desk"
    );
    Ok(Redirect::to(&format!(
        "/desk/person?username={}&anonymised={n}",
        crate::web::forms::url_encode(&person.username)
    ))
    .into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct DeskCheckForm {
    /// Reception ticks that they have seen the person's identity card.
    checked: String,
}

async fn desk_close(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(username): Path<String>,
    Form(form): Form<DeskCheckForm>,
) -> Result<Response, AppError> {
    let person = desk_resident(&state, &viewer, &username).await?;
    if form.checked.is_empty() {
        return Err(AppError::BadRequest("my-data-desk-check-identity"));
    }
    log_step(&state, &viewer, &person, Action::Closed).await?;
    store::close_account_everywhere(&state.db, state.part::<store::Closers>(), person.id).await?;
    tracing::info!(
        account = person.id,
        desk = viewer.id,
        "account closed at the desk"
    );
    Ok(Redirect::to("/desk/person?closed=1").into_response())
}
