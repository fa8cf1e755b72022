//! A request's own page: what neighbours may read, what the reporter may do
//! (answer, confirm, rate), and the workgroup's handling panel.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::{SignedIn, Viewer};
use crate::community::{Member, Workgroup};
use crate::db::now;
use crate::i18n::cookie_value;
use crate::web::{AppError, AppState, Ctx, render};

use super::model::{ContactPreference, Visibility};
use super::photos::PhotoRef;
use super::record::{Audience, EventRow, RequestRow, Template as ResponseTemplate};
use super::{followers, photos, record};

/// The cookie that remembers an anonymous reporter's secret in this browser.
pub fn key_cookie(code: &str, secret: &str, secure: bool) -> String {
    format!(
        "gr_k_{code}={secret}; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

/// What the viewer is to this request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Access {
    pub reporter: bool,
    pub handler: bool,
    /// Leads the workgroup: routes work.
    pub lead: bool,
    /// Reception or the administrator of its community: reads everything.
    pub desk: bool,
}

impl Access {
    pub async fn of(
        state: &AppState,
        request: &RequestRow,
        viewer: Option<&Viewer>,
        key: Option<&str>,
    ) -> Result<Access, AppError> {
        let by_account = match (viewer, request.reporter_account_id) {
            (Some(v), Some(reporter)) => v.id == reporter,
            _ => false,
        };
        let by_key = match key {
            Some(k) => record::key_opens(&state.db, request, k).await?,
            None => false,
        };
        let handler = match viewer {
            Some(v) => followers::can_handle(&state.db, request, v).await?,
            None => false,
        };
        // Legal questions and the like stay with the team that handles them.
        let desk = !request.category_private
            && viewer.is_some_and(|v| {
                v.community_id == request.community_id && v.role().sees_all_requests()
            });
        let lead = match viewer {
            Some(v) if handler => followers::is_lead(&state.db, request, v).await?,
            _ => false,
        };
        Ok(Access {
            lead,
            reporter: by_account || by_key,
            handler,
            desk,
        })
    }

    pub fn staff(&self) -> bool {
        self.handler || self.desk
    }

    pub fn may_read(&self, request: &RequestRow) -> bool {
        request.is_listed() || self.reporter || self.staff()
    }

    pub fn audience(&self) -> Audience {
        if self.staff() {
            Audience::Staff
        } else if self.reporter {
            Audience::Reporter
        } else {
            Audience::Public
        }
    }
}

/// The secret an anonymous reporter holds: from the link or this browser.
pub(super) fn reporter_key(
    code: &str,
    query_key: Option<&str>,
    headers: &HeaderMap,
) -> Option<String> {
    query_key
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .or_else(|| cookie_value(headers, &format!("gr_k_{code}")))
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ShowQuery {
    pub key: String,
    pub new: String,
    pub template: Option<i64>,
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ActForm {
    pub action: String,
    pub message: String,
    pub note: String,
    pub reason: String,
    pub to: String,
    pub of: String,
    /// "1": merge even though that request is finished.
    pub even_if_closed: String,
    pub assignee: Option<i64>,
    pub key: String,
    pub solved: String,
    pub rating: Option<i64>,
    pub comment: String,
    /// A visit's time, as a `datetime-local` field sends it.
    pub slot: String,
    /// The resident's answer to a visit's time: agree or move.
    pub answer: String,
    /// The outside body a request is referred to (its id in the list).
    pub body: String,
    /// In how many days the outside body's answer is expected.
    pub expect_days: String,
    /// A voice message recorded with the reporter's answer.
    pub voice: String,
    /// Staff's words for a request told by voice alone.
    pub summary: String,
}

#[derive(Template)]
#[template(path = "request.html")]
struct RequestPage {
    ctx: Ctx,
    r: RequestRow,
    access: Access,
    events: Vec<EventRow>,
    photos: Vec<PhotoRef>,
    /// Voice messages: for staff and the reporter only.
    recordings: Vec<super::recordings::RecordingRef>,
    /// Who typed the words of a request told by voice alone.
    summary_by: Option<String>,
    templates: Vec<ResponseTemplate>,
    members: Vec<Member>,
    /// The outside bodies a lead can refer it to.
    outside_bodies: Vec<crate::referrals::OutsideBody>,
    /// The category questions' answers: for staff and the reporter.
    answers: Vec<crate::community::attributes::ShownAnswer>,
    /// The reporter's account and the flats of their household: for staff,
    /// unless the request is anonymous.
    reporter_account: Option<ReporterAccount>,
    following: bool,
    /// Shown once after an anonymous submission.
    secret_link: String,
    just_created: bool,
    key: String,
    error: &'static str,
    form: ActForm,
    now: i64,
}

impl RequestPage {
    /// Staff and the reporter see the flat; neighbours the building.
    fn place_label(&self) -> &str {
        if self.access.staff() || self.access.reporter {
            self.r.place_name(self.ctx.lang)
        } else {
            self.r.public_place_name(self.ctx.lang)
        }
    }
    fn show_reporter_name(&self) -> bool {
        self.access.staff() && self.r.visibility() != Visibility::Anonymous
    }
    /// Who sent an anonymous request stays unknown, unless they asked to be
    /// called back.
    fn show_contact(&self) -> bool {
        self.r.visibility() != Visibility::Anonymous
            || self.r.contact_preference() == ContactPreference::Phone
    }
    /// The team's latest question, shown beside the answer box.
    fn team_question(&self) -> &str {
        self.events
            .iter()
            .rev()
            .find(|e| e.to_status.as_deref() == Some("waiting"))
            .map_or("", |e| e.public_message.as_str())
    }
    fn can_follow(&self) -> bool {
        self.ctx.viewer.is_some()
            && !self.access.reporter
            && self.r.visibility().is_listed()
            && self.r.status().is_open()
            && !self.following
    }
    fn event_text(&self, e: &EventRow) -> String {
        // An assignment's note holds the member's name.
        let assigned = e.kind == "assigned";
        let self_assigned = assigned && e.actor_name.as_deref() == Some(e.internal_note.as_str());
        if assigned && !self_assigned && !e.internal_note.is_empty() {
            return self
                .ctx
                .t_args("event-assigned-to", &[("name", e.internal_note.clone())]);
        }
        let key = super::timeline::event_key(
            &e.kind,
            e.to_status.as_deref(),
            &e.actor_role,
            self_assigned,
        );
        self.ctx.t(key)
    }
    fn appointment_state_key(&self) -> String {
        format!("appointment-state-{}", self.r.appointment_state)
    }

    /// A visit can be offered, agreed or moved only while the request is
    /// being handled.
    fn visit_can_be_arranged(&self) -> bool {
        super::appointment::may_arrange(self.r.status())
    }

    /// The photos of one stage: before (the resident's), after (with the
    /// solution).
    /// The voice messages the request was sent with (not an answer's).
    fn voice_of_request(&self) -> Vec<&super::recordings::RecordingRef> {
        self.recordings
            .iter()
            .filter(|v| v.event_id.is_none())
            .collect()
    }
    fn voice_of_step(&self, event_id: &i64) -> Vec<&super::recordings::RecordingRef> {
        self.recordings
            .iter()
            .filter(|v| v.event_id == Some(*event_id))
            .collect()
    }
    /// Where the player finds a recording: the reporter by their link's key.
    fn audio_src(&self, v: &super::recordings::RecordingRef) -> String {
        match self.key.as_str() {
            "" => format!("/recordings/{}", v.id),
            key => format!(
                "/recordings/{}?key={}",
                v.id,
                crate::web::forms::url_encode(key)
            ),
        }
    }
    /// Staff are asked for words while a voice message stands alone.
    fn wants_summary(&self) -> bool {
        self.access.staff() && self.r.description == super::recordings::VOICE_ONLY
    }

    fn photos_at(&self, stage: &str) -> Vec<&PhotoRef> {
        self.photos.iter().filter(|p| p.stage == stage).collect()
    }

    /// The photos sent with one step of the history, except the solution's
    /// (shown beside the resident's).
    fn photos_of_step(&self, event_id: &i64) -> Vec<&PhotoRef> {
        self.photos
            .iter()
            .filter(|p| p.event_id == Some(*event_id) && p.stage == "progress")
            .collect()
    }

    fn actor_label(&self, e: &EventRow) -> String {
        match e.actor_role.as_str() {
            // The reporter's step taken down by reception, by phone or in
            // person: the step's account is not the reporter's.
            "reporter" if e.actor_id.is_some() && e.actor_id != self.r.reporter_account_id => {
                self.ctx.t("actor-reporter-via-desk")
            }
            "reporter" => self.ctx.t("actor-reporter"),
            "system" => self.ctx.t("actor-system"),
            role => {
                let role_name = self.ctx.t(format!("role-{role}"));
                match (&e.actor_name, self.access.staff()) {
                    (Some(name), true) => format!("{name} · {role_name}"),
                    _ => role_name,
                }
            }
        }
    }
    fn rate_label(&self, n: &i64) -> String {
        self.ctx.t(format!("rate-{n}"))
    }
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<ShowQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let request = record::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFoundSaying("request-not-found"))?;
    let key = reporter_key(&request.tracking_code, Some(&q.key), &headers).unwrap_or_default();
    let mut form = ActForm::default();
    if let Some(id) = q.template {
        let templates = record::templates_for(&state.db, request.category_id).await?;
        if let Some(t) = templates.into_iter().find(|t| t.id == id) {
            // The ready answer goes to the resident: in the language they
            // wrote in, not the handler's.
            form.message = residents_language(&request)
                .pick(&t.text_zh, &t.text_en)
                .to_string();
        }
    }
    let secret_link = if q.new == "1" && !q.key.is_empty() {
        format!("/r/{}?key={}", request.tracking_code, q.key)
    } else {
        String::new()
    };
    page(
        &state,
        ctx,
        request,
        &key,
        "",
        form,
        secret_link,
        q.new == "1",
    )
    .await
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn page(
    state: &AppState,
    ctx: Ctx,
    r: RequestRow,
    key: &str,
    error: &'static str,
    form: ActForm,
    secret_link: String,
    just_created: bool,
) -> Result<Response, AppError> {
    let access = Access::of(state, &r, ctx.viewer.as_ref(), Some(key)).await?;
    if !access.may_read(&r) {
        // Word for word as a code that does not exist.
        return Err(AppError::NotFoundSaying("request-not-found"));
    }
    let events = record::timeline(&state.db, r.id, access.audience()).await?;
    let photos = photos::photos_of(&state.db, r.id).await?;
    let recordings = if access.staff() || access.reporter {
        super::recordings::of_request(&state.db, r.id).await?
    } else {
        Vec::new()
    };
    let summary_by = match r.summary_by {
        Some(id) => super::recordings::author(&state.db, id).await?,
        None => None,
    };
    let (templates, members) = if access.handler {
        (
            record::templates_for(&state.db, r.category_id).await?,
            Workgroup::members(&state.db, r.workgroup_id).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let following = match &ctx.viewer {
        Some(v) => followers::is_follower(&state.db, r.id, v.id).await?,
        None => false,
    };
    let answers = if access.staff() || access.reporter {
        answers_shown(state, &r).await?
    } else {
        Vec::new()
    };
    let reporter_account = reporter_account_seen(state, &r, &access).await?;
    let outside_bodies = if access.lead {
        crate::referrals::list(&state.db, r.community_id)
            .await?
            .into_iter()
            .filter(|b| b.active)
            .collect()
    } else {
        Vec::new()
    };
    let status = match error {
        "" => StatusCode::OK,
        _ => StatusCode::CONFLICT,
    };
    let page = RequestPage {
        ctx,
        r,
        access,
        events,
        photos,
        recordings,
        summary_by,
        templates,
        members,
        outside_bodies,
        answers,
        reporter_account,
        following,
        secret_link,
        just_created,
        key: key.to_string(),
        error,
        form,
        now: now(),
    };
    let mut response = (status, render(&page)?).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// A tracking code typed on the home page.
pub async fn track(Query(q): Query<std::collections::HashMap<String, String>>) -> Response {
    let code = record::normalise_code(q.get("code").map(String::as_str).unwrap_or(""));
    if code.is_empty() {
        Redirect::to("/").into_response()
    } else {
        Redirect::to(&format!("/r/{code}")).into_response()
    }
}

/// The language the resident wrote their request in: Chinese if it holds
/// any Chinese character, else English.
pub fn residents_language(r: &RequestRow) -> crate::i18n::Lang {
    let chinese = r
        .description
        .chars()
        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c));
    if chinese {
        crate::i18n::Lang::Zh
    } else {
        crate::i18n::Lang::En
    }
}

/// Who sent a request, by their account: what the team may know of them.
#[derive(Debug, Clone)]
pub struct ReporterAccount {
    pub username: String,
    pub display_name: String,
    /// Their household's flats: code, name in Chinese and in English.
    pub flats: Vec<(String, String, String)>,
}

/// The reporter's account and household, for staff, unless the request
/// was sent anonymously.
pub async fn reporter_account_seen(
    state: &AppState,
    r: &RequestRow,
    access: &Access,
) -> Result<Option<ReporterAccount>, AppError> {
    match r.reporter_account_id {
        Some(id) if access.staff() && r.visibility() != Visibility::Anonymous => {
            reporter_account(&state.db, id).await
        }
        _ => Ok(None),
    }
}

async fn reporter_account(
    db: &crate::db::Db,
    id: i64,
) -> Result<Option<ReporterAccount>, AppError> {
    let account: Option<(String, String)> = crate::on_db!(db, |pool| sqlx::query_as(
        "SELECT username, display_name FROM accounts WHERE id = $1 AND active"
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?;
    let Some((username, display_name)) = account else {
        return Ok(None);
    };
    let flats: Vec<(String, String, String)> = crate::on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT p.code, p.name_zh, p.name_en FROM household_members h JOIN places p ON p.id = h.place_id \
         WHERE h.account_id = $1 ORDER BY p.name_zh"
    )
    .bind(id)
    .fetch_all(pool)
    .await
    })?;
    Ok(Some(ReporterAccount {
        username,
        display_name,
        flats,
    }))
}

/// The category questions' answers of a request, danger first.
pub async fn answers_shown(
    state: &AppState,
    r: &RequestRow,
) -> Result<Vec<crate::community::attributes::ShownAnswer>, AppError> {
    use crate::community::attributes::{answers_of, for_category, shown_answers};
    let given = answers_of(&state.db, r.id).await?;
    if given.is_empty() {
        return Ok(Vec::new());
    }
    let defs = for_category(&state.db, r.category_id).await?;
    Ok(shown_answers(&defs, &given))
}

/// "Me too" from a signed-in neighbour.
pub async fn follow(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let request = record::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    if request.community_id != viewer.community_id || !request.visibility().is_listed() {
        return Err(AppError::NotFound);
    }
    followers::follow(&state.db, &request, viewer.id).await?;
    Ok(Redirect::to(&format!("/r/{}", request.tracking_code)).into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PhotoQuery {
    thumb: Option<u8>,
    upload: String,
    key: String,
}

/// A photo, to whoever may read its request (or, while the form is still
/// being filled in, to whoever holds its upload key).
pub async fn photo(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<PhotoQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (bytes, request_id, upload_key) = photos::photo_bytes(&state.db, id, q.thumb.is_some())
        .await?
        .ok_or(AppError::NotFound)?;
    let allowed = match request_id {
        None => !q.upload.is_empty() && q.upload == upload_key,
        Some(request_id) => {
            let request = record::by_id(&state.db, request_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let key = reporter_key(&request.tracking_code, Some(&q.key), &headers);
            Access::of(&state, &request, ctx.viewer.as_ref(), key.as_deref())
                .await?
                .may_read(&request)
        }
    };
    if !allowed {
        return Err(AppError::NotFound);
    }
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, max-age=86400"),
        ],
        bytes,
    )
        .into_response())
}
