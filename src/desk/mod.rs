//! The reception desk in the foyer: a walk-in's or a caller's request in
//! under a minute, invitations for new residents, links to choose a new
//! password.

pub mod api;
pub mod people;
pub mod reset;

use crate::web::once::SubmissionKey;
use askama::Template;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};

use crate::auth::{Role, SignedIn, Viewer};
use crate::community::{Category, Place};
use crate::db::{Db, now};
use crate::on_db;
use crate::requests::intake::{self, Door, Draft, Filed};
use crate::requests::model::{Channel, ContactPreference, Kind, Urgency, Visibility};
use crate::requests::record::RequestRow;
use crate::requests::{inbox, record, search};
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState, Ctx, render, render_form};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/desk", get(desk_page).post(desk_submit))
        .route("/desk/done/{code}", get(done_page))
        .route("/desk/invitations", post(invitation_page))
        .route("/desk/reset", post(reset_page))
        .route("/desk/callback/{code}", post(record_callback))
        .route("/desk/told/{code}", post(news_passed_on))
        .route("/api/v1/desk/requests", post(api::create_request))
        .route("/api/v1/desk/invitations", post(api::create_invitation))
        .route("/api/v1/desk/password-resets", post(api::reset_password))
}

pub fn require_desk(viewer: &Viewer) -> Result<(), AppError> {
    viewer.require(&[Role::Reception, Role::Admin])
}

#[derive(Template)]
#[template(path = "desk.html")]
struct DeskPage {
    ctx: Ctx,
    draft: Draft,
    errors: FieldErrors,
    categories: Vec<Category>,
    places: Vec<Place>,
    kinds: &'static [Kind],
    urgencies: &'static [Urgency],
    visibilities: &'static [Visibility],
    contacts: &'static [ContactPreference],
    channels: &'static [Channel],
    recent: Vec<RequestRow>,
    /// Residents to phone for their verdict.
    callbacks: Vec<inbox::Callback>,
    /// News a text could not bring: reception tells them instead.
    failed_texts: Vec<crate::sms::outbox::Logged>,
    /// A fresh invitation code to read out, or a password link to scan.
    handout: String,
    handout_label: &'static str,
    desk_error: &'static str,
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    draft: Draft,
    errors: FieldErrors,
    handout: (String, &'static str),
    desk_error: &'static str,
) -> Result<Response, AppError> {
    let community_id = ctx.community.id;
    let mistakes = !(errors.is_empty() && desk_error.is_empty());
    let texts = crate::sms::offered(&state.db, community_id).await?;
    let page = DeskPage {
        categories: Category::list(&state.db, community_id, true).await?,
        places: Place::list(&state.db, community_id).await?,
        recent: recent_desk_entries(&state.db, community_id).await?,
        callbacks: inbox::callback_list(&state.db, community_id, &ctx.t("event-problem-fixed"))
            .await?,
        ctx,
        draft,
        errors,
        kinds: Kind::ALL,
        urgencies: Urgency::ALL,
        visibilities: Visibility::ALL,
        contacts: ContactPreference::offered(texts),
        failed_texts: crate::sms::outbox::failed(&state.db, community_id).await?,
        channels: &[Channel::Reception, Channel::Phone],
        handout: handout.0,
        handout_label: handout.1,
        desk_error,
    };
    render_form(&page, mistakes)
}

async fn recent_desk_entries(db: &Db, community_id: i64) -> Result<Vec<RequestRow>, AppError> {
    let mut recent =
        search::queue(db, community_id, &search::QueueFilter::default(), 200, 0).await?;
    recent.retain(|r| matches!(r.channel(), Channel::Reception | Channel::Phone));
    recent.sort_by_key(|r| std::cmp::Reverse(r.created_at));
    recent.truncate(10);
    Ok(recent)
}

async fn desk_page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    require_desk(&viewer)?;
    // What a caller tells the desk is between them and the team unless
    // they want it on the pavilion's screen.
    let draft = Draft {
        channel: "reception".into(),
        contact: "phone".into(),
        visibility: "private".into(),
        ..Draft::default()
    };
    page(
        &state,
        ctx,
        draft,
        FieldErrors::default(),
        (String::new(), ""),
        "",
    )
    .await
}

async fn desk_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    submission: Option<Extension<SubmissionKey>>,
    Form(mut draft): Form<Draft>,
) -> Result<Response, AppError> {
    require_desk(&viewer)?;
    // Texts to the resident are in the language the desk serves them in.
    draft.lang = ctx.lang.code().to_string();
    let mut errors = FieldErrors::default();
    let door = Door::on_behalf(&viewer).once(submission.map(|Extension(k)| k));
    match intake::file(&state.db, viewer.community_id, &draft, door, &mut errors).await? {
        Filed::Created(created) => {
            // The secret link goes on the ticket: with it the resident
            // answers questions and confirms the result without an account.
            let to = format!(
                "/desk/done/{}?key={}",
                created.tracking_code, created.secret
            );
            Ok(Redirect::to(&to).into_response())
        }
        Filed::Mistakes | Filed::Similar(_) => {
            page(&state, ctx, draft, errors, (String::new(), ""), "").await
        }
    }
}

#[derive(Template)]
#[template(path = "desk_done.html")]
struct DonePage {
    ctx: Ctx,
    r: RequestRow,
    /// The resident's own link, printed on the ticket.
    link: String,
}

async fn done_page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    require_desk(&viewer)?;
    // Only tickets of requests entered at the desk: the desk does not look
    // up what residents sent themselves (a legal question, say).
    let r = record::by_code(&state.db, &code)
        .await?
        .filter(|r| r.community_id == viewer.community_id)
        .filter(|r| r.channel == "reception" || r.channel == "phone")
        .ok_or(AppError::NotFound)?;
    let key = q
        .get("key")
        .filter(|k| crate::auth::token_hash(k) == r.secret_hash);
    let link = match key {
        Some(key) => format!(
            "{}/r/{}?key={key}",
            crate::web::base_url(&state, &headers),
            r.tracking_code
        ),
        None => String::new(),
    };
    render(&DonePage { ctx, r, link })
}

/// Readable codes to read out or write down: no 0/O or 1/I.
fn readable_code(len: usize) -> String {
    use rand::RngExt;
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct InvitationForm {
    /// The code of the flat the new resident lives in.
    pub place: String,
}

/// A new invitation code for a flat, valid thirty days; or why not.
pub async fn create_invitation(
    db: &Db,
    by: &Viewer,
    place_code: &str,
) -> Result<Result<String, &'static str>, AppError> {
    let place = Place::by_code(db, by.community_id, place_code)
        .await?
        .filter(|p| p.kind == "unit");
    let Some(place) = place else {
        return Ok(Err("desk-invite-unit-error"));
    };
    let code = readable_code(8);
    let at = now();
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO invitations (code, community_id, place_id, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(&code)
    .bind(by.community_id)
    .bind(place.id)
    .bind(by.id)
    .bind(at)
    .bind(at + 30 * 86_400)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(Ok(code))
}

async fn invitation_page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<InvitationForm>,
) -> Result<Response, AppError> {
    require_desk(&viewer)?;
    let draft = Draft {
        channel: "reception".into(),
        ..Draft::default()
    };
    match create_invitation(&state.db, &viewer, &form.place).await? {
        Ok(code) => {
            page(
                &state,
                ctx,
                draft,
                FieldErrors::default(),
                (code, "desk-invite-made"),
                "",
            )
            .await
        }
        Err(key) => {
            page(
                &state,
                ctx,
                draft,
                FieldErrors::default(),
                (String::new(), ""),
                key,
            )
            .await
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct ResetForm {
    username: String,
    /// Reception ticks that they have seen the person's identity card.
    checked: String,
}

/// A one-time link for the resident to choose a new password, shown as a
/// QR code to scan at the desk.
async fn reset_page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    headers: axum::http::HeaderMap,
    Form(form): Form<ResetForm>,
) -> Result<Response, AppError> {
    require_desk(&viewer)?;
    let draft = Draft {
        channel: "reception".into(),
        ..Draft::default()
    };
    let checked = !form.checked.is_empty();
    let (handout, desk_error) =
        match reset::make_link(&state.db, &viewer, &form.username, checked).await? {
            Ok(link) => {
                let url = format!("{}{}", crate::web::base_url(&state, &headers), link.path);
                ((url, "desk-reset-done"), "")
            }
            Err((_, key)) => ((String::new(), ""), key),
        };
    page(
        &state,
        ctx,
        draft,
        FieldErrors::default(),
        handout,
        desk_error,
    )
    .await
}

/// A request of reception's list, by its code: one of this community's,
/// and never a legal question.
async fn callback_request(
    state: &AppState,
    viewer: &Viewer,
    code: &str,
) -> Result<record::RequestRow, AppError> {
    record::by_code(&state.db, code)
        .await?
        .filter(|r| r.community_id == viewer.community_id && !r.category_private)
        .ok_or(AppError::NotFound)
}

/// Reception told the resident the team's news.
async fn news_passed_on(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    require_desk(&viewer)?;
    let request = callback_request(&state, &viewer, &code).await?;
    inbox::news_passed_on(&state.db, &request, &viewer).await?;
    Ok(Redirect::to("/desk").into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct CallbackForm {
    /// The resident's answer to the team's question (waiting requests).
    answer: String,
    solved: String,
    /// Empty when the resident gave no rating.
    rating: String,
    comment: String,
}

/// Reception records what the resident said on the phone, as the
/// resident's own answer.
async fn record_callback(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
    Form(form): Form<CallbackForm>,
) -> Result<Response, AppError> {
    require_desk(&viewer)?;
    let request = callback_request(&state, &viewer, &code).await?;
    // The resident's words as they said them; that reception wrote them
    // down is recorded with the step (its account), and said in each
    // reader's own language.
    let comment = form.comment.trim().to_string();
    let outcome = if request.status() == crate::requests::model::Status::Waiting {
        let words = form.answer.trim();
        crate::requests::reporter::reply_step(&state, &request, Some(&viewer), words).await
    } else {
        let answer = crate::requests::page::ActForm {
            solved: form.solved,
            rating: form.rating.trim().parse().ok(),
            comment,
            ..Default::default()
        };
        crate::requests::reporter::confirm_step(&state, &request, Some(&viewer), &answer).await
    };
    match outcome {
        Ok(()) => Ok(Redirect::to("/desk").into_response()),
        Err(AppError::BadRequest(key)) | Err(AppError::Conflict(key)) => {
            let draft = Draft {
                channel: "reception".into(),
                ..Draft::default()
            };
            page(
                &state,
                ctx,
                draft,
                FieldErrors::default(),
                (String::new(), ""),
                key,
            )
            .await
        }
        Err(e) => Err(e),
    }
}
