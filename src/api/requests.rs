//! Requests through the API: categories, places, filing, reading, handling,
//! confirming, following.

use crate::web::once::SubmissionKey;
use axum::Extension;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ErrorJson, field_errors};
use crate::auth::{MaybeViewer, SignedIn};
use crate::community::{Category, Community, Place};
use crate::requests::handling::handle_step;
use crate::requests::intake::{self, Door, Draft, Filed};
use crate::requests::model::{Channel, Status};
use crate::requests::page::{Access, ActForm};
use crate::requests::record::RequestRow;
use crate::requests::reporter::{confirm_step, reply_step};
use crate::requests::search::QueueFilter;
use crate::requests::{followers, photos, record, search};
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState};

pub async fn community_of(state: &AppState, viewer: &MaybeViewer) -> Result<Community, AppError> {
    match &viewer.0 {
        Some(v) => Ok(Community::by_id(&state.db, v.community_id).await?),
        None => Ok(Community::default_one(&state.db).await?),
    }
}

#[derive(Serialize, ToSchema)]
pub struct CategoryJson {
    code: String,
    name_zh: String,
    name_en: String,
    icon: String,
    response_hours: i64,
    resolution_days: i64,
    notice_zh: String,
    notice_en: String,
    /// Danger to life: show the emergency numbers first.
    danger_stopper: bool,
    /// Requests in it are always private (e.g. a legal question).
    private_by_nature: bool,
    /// Requests in it start private unless the resident chooses public
    /// (e.g. a complaint about neighbours).
    private_by_default: bool,
}

/// The categories a request can be filed under.
#[utoipa::path(get, path = "/api/v1/categories", security(()), responses((status = 200, description = "Done; the answer holds the result", body = Vec<CategoryJson>)))]
pub async fn categories(
    State(state): State<AppState>,
    viewer: MaybeViewer,
) -> Result<Json<Vec<CategoryJson>>, AppError> {
    let community = community_of(&state, &viewer).await?;
    let list = Category::list(&state.db, community.id, true).await?;
    Ok(Json(
        list.into_iter()
            .map(|c| CategoryJson {
                code: c.code,
                name_zh: c.name_zh,
                name_en: c.name_en,
                icon: c.icon,
                response_hours: c.response_hours,
                resolution_days: c.resolution_days,
                notice_zh: c.notice_zh,
                notice_en: c.notice_en,
                danger_stopper: c.danger_stopper,
                private_by_nature: c.private_by_nature,
                private_by_default: c.private_by_default,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct PlaceJson {
    code: String,
    /// building, unit or common
    kind: String,
    name_zh: String,
    name_en: String,
}

/// The community's places: buildings, units and common places.
#[utoipa::path(get, path = "/api/v1/places", security(()), responses((status = 200, description = "Done; the answer holds the result", body = Vec<PlaceJson>)))]
pub async fn places(
    State(state): State<AppState>,
    viewer: MaybeViewer,
) -> Result<Json<Vec<PlaceJson>>, AppError> {
    let community = community_of(&state, &viewer).await?;
    let list = Place::list(&state.db, community.id).await?;
    Ok(Json(
        list.into_iter()
            .map(|p| PlaceJson {
                code: p.code,
                kind: p.kind,
                name_zh: p.name_zh,
                name_en: p.name_en,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct NewRequestJson {
    /// A category code from `/api/v1/categories`.
    category: String,
    /// consultation, help, complaint, report (default) or suggestion
    kind: String,
    /// danger, utilities, general (default) or complex
    urgency: String,
    /// A place code from `/api/v1/places`.
    place: String,
    location_note: String,
    /// Required unless `voice_key` is given.
    description: String,
    /// The key `POST /api/v1/recordings` answered with: a voice message
    /// sent with the request (staff write its words if there are none).
    voice_key: String,
    /// zh (default) or en: the language of text messages to the reporter.
    language: String,
    /// public, private or anonymous; left out, public unless the category
    /// starts private (`private_by_default`)
    visibility: String,
    name: String,
    phone: String,
    email: String,
    /// site (default), phone, desk, or text (where the community sends
    /// text messages; needs a mobile number)
    contact: String,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedJson {
    pub tracking_code: String,
    /// The page that follows it.
    pub url: String,
}

impl CreatedJson {
    /// 201 with the new request's code and page, as every door answers.
    pub fn answer(tracking_code: String) -> Response {
        let url = format!("/r/{tracking_code}");
        (
            StatusCode::CREATED,
            Json(CreatedJson { tracking_code, url }),
        )
            .into_response()
    }
}

/// Files a request as the signed-in account (channel api).
#[utoipa::path(post, path = "/api/v1/requests", request_body = NewRequestJson,
    responses((status = 201, description = "Made; the answer says what was made", body = CreatedJson), (status = 422, description = "The input was refused; `error.fields` says what to change", body = ErrorJson), (status = 401, description = "Not signed in: send a bearer token or a session cookie", body = ErrorJson)))]
pub async fn create_request(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    submission: Option<Extension<SubmissionKey>>,
    Json(body): Json<NewRequestJson>,
) -> Result<Response, AppError> {
    let draft = Draft {
        category: body.category,
        kind: body.kind,
        urgency: body.urgency,
        place: body.place,
        location_note: body.location_note,
        description: body.description,
        visibility: body.visibility,
        name: body.name,
        phone: body.phone,
        email: body.email,
        contact: body.contact,
        voice: body.voice_key,
        lang: body.language,
        ..Draft::default()
    };
    let mut errors = FieldErrors::default();
    let door = Door::resident(Channel::Api, Some(&viewer)).once(submission.map(|Extension(k)| k));
    let Filed::Created(created) =
        intake::file(&state.db, viewer.community_id, &draft, door, &mut errors).await?
    else {
        return Ok(field_errors(&headers, &errors));
    };
    Ok(CreatedJson::answer(created.tracking_code))
}

#[derive(Serialize, ToSchema)]
pub struct RequestJson {
    tracking_code: String,
    kind: String,
    urgency: String,
    status: String,
    category: String,
    category_name: String,
    workgroup_name: String,
    place: Option<String>,
    place_name: Option<String>,
    location_note: String,
    description: String,
    visibility: String,
    channel: String,
    created_at: String,
    updated_at: String,
    response_due_at: String,
    resolution_due_at: String,
    responded_at: Option<String>,
    resolved_at: Option<String>,
    closed_at: Option<String>,
    follower_count: i64,
    rating: Option<i64>,
    duplicate_of: Option<String>,
    /// The outside body it was referred to, in the caller's language.
    referred_to: String,
    /// While referred: when the outside body's answer is expected.
    referral_due_at: Option<String>,
    rejection_reason: String,
    /// Staff only.
    assignee_name: Option<String>,
    /// Staff only; never for anonymous requests.
    reporter_name: Option<String>,
    /// Staff only.
    reporter_phone: Option<String>,
    /// Staff only, never for anonymous requests, on one request (not in
    /// lists): the codes of the flats the reporter's household lives in.
    reporter_household: Vec<String>,
    /// Staff and the reporter: the visit offered or agreed.
    appointment: Option<AppointmentJson>,
    /// The resident's photos ("before").
    photos: Vec<String>,
    /// The team's photos from the site, with the step they went with.
    field_photos: Vec<FieldPhotoJson>,
    timeline: Vec<EventJson>,
    /// The category questions' answers, danger first: for staff and the
    /// reporter, on one request (not in lists).
    answers: Vec<AnswerJson>,
}

#[derive(Serialize, ToSchema)]
pub struct AppointmentJson {
    at: String,
    /// proposed (by the team, waiting for the resident) or agreed
    state: String,
}

#[derive(Serialize, ToSchema)]
pub struct FieldPhotoJson {
    url: String,
    /// progress (with an update) or after (with the solution)
    stage: String,
}

#[derive(Serialize, ToSchema)]
pub struct AnswerJson {
    /// The question's code, as in the Open311 service definition.
    code: String,
    /// The question, in the caller's language.
    question: String,
    /// The answer (a list's choice by its name), in the caller's language.
    answer: String,
    /// This answer means danger (someone is trapped, say).
    urgent: bool,
}

#[derive(Serialize, ToSchema)]
pub struct EventJson {
    at: String,
    kind: String,
    actor_role: String,
    from_status: Option<String>,
    to_status: Option<String>,
    public_message: String,
    /// Staff, or the reporter's own words.
    note: String,
}

fn request_json(
    c: &Community,
    r: &RequestRow,
    access: &Access,
    lang: crate::i18n::Lang,
    events: Vec<record::EventRow>,
    photos: Vec<photos::PhotoRef>,
    answers: Vec<crate::community::attributes::ShownAnswer>,
) -> RequestJson {
    let staff = access.staff();
    RequestJson {
        tracking_code: r.tracking_code.clone(),
        kind: r.kind.clone(),
        urgency: r.urgency.clone(),
        status: r.status.clone(),
        category: r.category_code.clone(),
        category_name: r.category_name(lang).to_string(),
        workgroup_name: r.workgroup_name(lang).to_string(),
        place: if staff || access.reporter {
            r.place_code.clone()
        } else {
            r.public_place_code()
        },
        place_name: r.place_code.as_ref().map(|_| {
            if staff || access.reporter {
                r.place_name(lang)
            } else {
                r.public_place_name(lang)
            }
            .to_string()
        }),
        location_note: r.location_note.clone(),
        description: r.description.clone(),
        visibility: r.visibility.clone(),
        channel: r.channel.clone(),
        created_at: c.iso_time(r.created_at),
        updated_at: c.iso_time(r.updated_at),
        response_due_at: c.iso_time(r.response_due_at),
        resolution_due_at: c.iso_time(r.resolution_due_at),
        responded_at: r.responded_at.map(|t| c.iso_time(t)),
        resolved_at: r.resolved_at.map(|t| c.iso_time(t)),
        closed_at: r.closed_at.map(|t| c.iso_time(t)),
        follower_count: r.follower_count,
        rating: if staff || access.reporter {
            r.rating
        } else {
            None
        },
        duplicate_of: r.duplicate_code.clone(),
        referred_to: r.referred_name(lang).to_string(),
        referral_due_at: r
            .referral_due_at
            .filter(|_| r.status == "referred")
            .map(|t| c.iso_time(t)),
        rejection_reason: r.rejection_reason.clone(),
        assignee_name: if staff { r.assignee_name.clone() } else { None },
        reporter_name: (staff && r.visibility() != crate::requests::model::Visibility::Anonymous)
            .then(|| r.reporter_name.clone()),
        reporter_phone: (staff
            && (r.visibility() != crate::requests::model::Visibility::Anonymous
                || r.contact_preference() == crate::requests::model::ContactPreference::Phone))
            .then(|| r.reporter_phone.clone()),
        reporter_household: Vec::new(),
        appointment: r
            .appointment_at
            .filter(|_| staff || access.reporter)
            .map(|at| AppointmentJson {
                at: c.iso_time(at),
                state: r.appointment_state.clone(),
            }),
        photos: photos
            .iter()
            .filter(|p| p.is_before())
            .map(|p| format!("/photos/{}", p.id))
            .collect(),
        field_photos: photos
            .iter()
            .filter(|p| !p.is_before())
            .map(|p| FieldPhotoJson {
                url: format!("/photos/{}", p.id),
                stage: p.stage.clone(),
            })
            .collect(),
        timeline: events
            .into_iter()
            .map(|e| EventJson {
                at: c.iso_time(e.at),
                kind: e.kind,
                actor_role: e.actor_role,
                from_status: e.from_status,
                to_status: e.to_status,
                public_message: e.public_message,
                note: e.internal_note,
            })
            .collect(),
        answers: answers
            .into_iter()
            .map(|a| AnswerJson {
                question: a.question(lang).to_string(),
                answer: a.answer(lang).to_string(),
                code: a.code,
                urgent: a.urgent,
            })
            .collect(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct KeyQuery {
    key: String,
}

/// One request with the timeline the caller may see.
#[utoipa::path(get, path = "/api/v1/requests/{code}", security((), ("bearer" = []), ("session" = [])),
    params(("code" = String, Path, description = "tracking code"),
        ("key" = Option<String>, Query, description = "the reporter's secret link key, for a request sent without an account")),
    responses((status = 200, description = "Done; the answer holds the result", body = RequestJson), (status = 404, description = "No such thing that you may see", body = ErrorJson)))]
pub async fn get_request(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<KeyQuery>,
) -> Result<Json<RequestJson>, AppError> {
    reload(&state, viewer.0.as_ref(), &headers, &code, &q.key).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    /// Words to search for (Chinese needs no spaces), or a tracking code.
    q: String,
    status: String,
    category: String,
    /// "1" or "true": only those assigned to me.
    mine: String,
    /// "1" or "true": only overdue ones.
    overdue: String,
    /// Staff: a flat's code; every request about it or from its household
    /// (not anonymous ones), in every state unless one is given.
    household: String,
}

fn yes(flag: &str) -> bool {
    matches!(flag, "1" | "true" | "yes" | "on")
}

/// Staff: the queue of their workgroups (open requests unless a status is
/// given). Residents: their own and followed requests.
#[utoipa::path(get, path = "/api/v1/requests",
    params(("q" = Option<String>, Query, description = "staff: words to find, or a tracking code"),
        ("status" = Option<String>, Query, description = "staff: one state (submitted, responded, in_progress, waiting, resolved, closed, rejected, referred, duplicate)"),
        ("category" = Option<String>, Query, description = "staff: a category's code"),
        ("mine" = Option<String>, Query, description = "staff: 1 for only those assigned to me"),
        ("overdue" = Option<String>, Query, description = "staff: 1 for only overdue ones"),
        ("household" = Option<String>, Query, description = "staff: a flat's code; every request about it or from its household, in every state unless one is given")),
    responses((status = 200, description = "Done; the answer holds the result", body = Vec<RequestJson>)))]
pub async fn list_requests(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Json<Vec<RequestJson>>, AppError> {
    let community = Community::by_id(&state.db, viewer.community_id).await?;
    let lang = crate::i18n::Lang::from_headers(&headers);
    let rows = if viewer.is_staff() {
        let status = Status::parse(&q.status);
        let category = match q.category.trim() {
            "" => None,
            code => Some(
                Category::by_code(&state.db, community.id, code)
                    .await?
                    .map(|c| c.id)
                    .unwrap_or(-1),
            ),
        };
        let (household, _) =
            crate::requests::queue::household_flat(&state, community.id, &q.household).await?;
        let filter = QueueFilter {
            member_of: (!viewer.role().sees_all_requests()).then_some(viewer.id),
            status,
            category_id: category,
            assignee_id: yes(&q.mine).then_some(viewer.id),
            overdue_only: yes(&q.overdue),
            household,
            open_only: status.is_none() && q.q.trim().is_empty() && household.is_none(),
            viewer_id: Some(viewer.id),
            words: Some(q.q.trim().chars().take(100).collect::<String>()).filter(|w| !w.is_empty()),
            ..QueueFilter::default()
        };
        search::queue(&state.db, community.id, &filter, 500, 0).await?
    } else {
        record::reported_by(&state.db, viewer.id).await?
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let access = Access::of(&state, &r, Some(&viewer), None).await?;
        out.push(request_json(
            &community,
            &r,
            &access,
            lang,
            Vec::new(),
            Vec::new(),
            Vec::new(),
        ));
    }
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ActionJson {
    /// take, assign, update, note, respond, start, ask, resume, resolve,
    /// reopen, reject, refer, duplicate or appoint
    action: String,
    /// The public message (required for update, respond, ask and resolve).
    message: String,
    /// A note for staff only.
    note: String,
    /// Why it is rejected.
    reason: String,
    /// The outside body it is referred to, in words, when it is not on the
    /// list (`body`).
    to: String,
    /// For refer: the id of an outside body from `/api/v1/outside-bodies`.
    body: String,
    /// For refer: in how many days their answer is expected (1 to 60;
    /// empty: 7). The team is reminded then.
    expect_days: String,
    /// The tracking code it duplicates.
    of: String,
    /// Account id of the member to assign.
    assignee: Option<i64>,
    /// For appoint: the visit's time in the community's time zone, as
    /// "2026-12-06T09:00".
    slot: String,
}

/// The request as the viewer may see it; 404 when they may not.
pub(super) async fn reload(
    state: &AppState,
    viewer: Option<&crate::auth::Viewer>,
    headers: &HeaderMap,
    code: &str,
    key: &str,
) -> Result<Json<RequestJson>, AppError> {
    let r = record::by_code(&state.db, code)
        .await?
        .ok_or(AppError::NotFound)?;
    let access = Access::of(state, &r, viewer, Some(key)).await?;
    if !access.may_read(&r) {
        return Err(AppError::NotFound);
    }
    let events = record::timeline(&state.db, r.id, access.audience()).await?;
    let photos = photos::photos_of(&state.db, r.id).await?;
    let community = Community::by_id(&state.db, r.community_id).await?;
    let lang = crate::i18n::Lang::from_headers(headers);
    let answers = if access.staff() || access.reporter {
        crate::requests::page::answers_shown(state, &r).await?
    } else {
        Vec::new()
    };
    let mut json = request_json(&community, &r, &access, lang, events, photos, answers);
    if let Some(account) = crate::requests::page::reporter_account_seen(state, &r, &access).await? {
        json.reporter_household = account.flats.into_iter().map(|f| f.0).collect();
    }
    Ok(Json(json))
}

/// The request and what the viewer may do with it; 404 when they may not
/// even read it.
pub(super) async fn readable(
    state: &AppState,
    viewer: &crate::auth::Viewer,
    code: &str,
) -> Result<(RequestRow, Access), AppError> {
    let r = record::by_code(&state.db, code)
        .await?
        .ok_or(AppError::NotFound)?;
    let access = Access::of(state, &r, Some(viewer), None).await?;
    if !access.may_read(&r) {
        return Err(AppError::NotFound);
    }
    Ok((r, access))
}

/// A handler's step on a request.
#[utoipa::path(post, path = "/api/v1/requests/{code}/actions", request_body = ActionJson,
    params(("code" = String, Path, description = "tracking code")),
    responses((status = 200, description = "Done; the answer holds the result", body = RequestJson), (status = 409, description = "Not possible in the request's present state", body = ErrorJson), (status = 403, description = "Signed in, but this is not for your role or community", body = ErrorJson)))]
pub async fn act(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(body): Json<ActionJson>,
) -> Result<Json<RequestJson>, AppError> {
    let (r, access) = readable(&state, &viewer, &code).await?;
    if !(access.handler || body.action == "note" && access.desk) {
        return Err(AppError::Forbidden);
    }
    let form = ActForm {
        action: body.action,
        message: body.message,
        note: body.note,
        reason: body.reason,
        to: body.to,
        body: body.body,
        expect_days: body.expect_days,
        of: body.of,
        assignee: body.assignee,
        slot: body.slot,
        ..ActForm::default()
    };
    handle_step(&state, &r, &viewer, &form).await?;
    reload(&state, Some(&viewer), &headers, &code, "").await
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ConfirmJson {
    /// yes or no
    solved: String,
    /// 1 to 5; required when solved is yes. 2 or less reopens it.
    rating: Option<i64>,
    comment: String,
    /// The secret from the reporter's link, when not signed in.
    key: String,
}

/// The request, when the caller is its reporter (signed in, or holding the
/// secret from the reporter's link). Others who may read it are refused;
/// the rest do not learn it exists.
pub(super) async fn reporters_request(
    state: &AppState,
    viewer: Option<&crate::auth::Viewer>,
    code: &str,
    key: &str,
) -> Result<record::RequestRow, AppError> {
    let r = record::by_code(&state.db, code)
        .await?
        .ok_or(AppError::NotFound)?;
    let access = Access::of(state, &r, viewer, Some(key)).await?;
    if access.reporter {
        Ok(r)
    } else if access.may_read(&r) {
        Err(AppError::Forbidden)
    } else {
        Err(AppError::NotFound)
    }
}

/// The reporter says whether it is solved, and rates it.
#[utoipa::path(post, path = "/api/v1/requests/{code}/confirm", request_body = ConfirmJson, security((), ("bearer" = []), ("session" = [])),
    params(("code" = String, Path, description = "tracking code")),
    responses((status = 200, description = "Done; the answer holds the result", body = RequestJson), (status = 409, description = "Not possible in the request's present state", body = ErrorJson)))]
pub async fn confirm(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(body): Json<ConfirmJson>,
) -> Result<Json<RequestJson>, AppError> {
    let r = reporters_request(&state, viewer.0.as_ref(), &code, &body.key).await?;
    let form = ActForm {
        solved: body.solved,
        rating: body.rating,
        comment: body.comment,
        ..ActForm::default()
    };
    confirm_step(&state, &r, viewer.0.as_ref(), &form).await?;
    reload(&state, viewer.0.as_ref(), &headers, &code, &body.key).await
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ReplyJson {
    message: String,
    key: String,
}

/// The reporter answers the workgroup's question.
#[utoipa::path(post, path = "/api/v1/requests/{code}/reply", request_body = ReplyJson, security((), ("bearer" = []), ("session" = [])),
    params(("code" = String, Path, description = "tracking code")),
    responses((status = 200, description = "Done; the answer holds the result", body = RequestJson), (status = 409, description = "Not possible in the request's present state", body = ErrorJson)))]
pub async fn reply(
    State(state): State<AppState>,
    viewer: MaybeViewer,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(body): Json<ReplyJson>,
) -> Result<Json<RequestJson>, AppError> {
    let r = reporters_request(&state, viewer.0.as_ref(), &code, &body.key).await?;
    reply_step(&state, &r, viewer.0.as_ref(), &body.message).await?;
    reload(&state, viewer.0.as_ref(), &headers, &code, &body.key).await
}

/// "Me too": follow a public request and be told when it is solved.
#[utoipa::path(post, path = "/api/v1/requests/{code}/follow", params(("code" = String, Path, description = "tracking code")),
    responses((status = 200, description = "Done; the answer holds the result", body = RequestJson), (status = 404, description = "No such thing that you may see", body = ErrorJson)))]
pub async fn follow(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Result<Json<RequestJson>, AppError> {
    let r = record::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    if r.community_id != viewer.community_id || !r.visibility().is_listed() {
        return Err(AppError::NotFound);
    }
    followers::follow(&state.db, &r, viewer.id).await?;
    reload(&state, Some(&viewer), &headers, &code, "").await
}
