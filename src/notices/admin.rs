//! Posting notices: the secretary, reception or a workgroup lead writes
//! one in both languages for an audience, with dates, importance, pinning
//! and a photo or PDF. Only the secretary may take over every screen.

use askama::Template;
use axum::Form;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

use super::store::{self, AUDIENCES, NewNotice, Notice};
use crate::auth::{Role, SignedIn};
use crate::community::{Place, Workgroup};
use crate::db::Db;
use crate::web::forms::{FieldErrors, optional_text, required_text};
use crate::web::{AppError, AppState, Ctx, render_form};

/// Who posts notices.
pub const POSTERS: [Role; 3] = [Role::Admin, Role::Reception, Role::Lead];

/// The largest attachment, in bytes (a PDF; photos are made smaller).
pub const MAX_ATTACHMENT: usize = 8 * 1024 * 1024;

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct NoticeForm {
    pub title_zh: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_en: String,
    pub emergency: String,
    pub audience: String,
    /// Building codes, for an audience of buildings.
    pub buildings: Vec<String>,
    pub workgroup: String,
    /// Local dates, YYYY-MM-DD.
    pub starts: String,
    pub ends: String,
    pub important: String,
    pub pinned: String,
}

#[derive(Template)]
#[template(path = "admin/notices.html")]
struct NoticesPage {
    ctx: Ctx,
    notices: Vec<Notice>,
    form: NoticeForm,
    errors: FieldErrors,
    buildings: Vec<Place>,
    workgroups: Vec<Workgroup>,
}

impl NoticesPage {
    fn building_chosen(&self, code: &str) -> bool {
        self.form.buildings.iter().any(|b| b == code)
    }
    fn audiences(&self) -> &'static [&'static str] {
        &AUDIENCES
    }
    fn may_withdraw(&self, n: &Notice) -> bool {
        self.ctx.viewer.as_ref().is_some_and(|v| n.may_withdraw(v))
    }
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    community_id: i64,
    form: NoticeForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    // A lead sees the notices for everyone and their own, not another
    // workgroup's.
    let notices = Notice::recent(&state.db, community_id)
        .await?
        .into_iter()
        .filter(|n| match &ctx.viewer {
            Some(v) if v.role() == Role::Lead => n.public() || n.created_by == Some(v.id),
            _ => true,
        })
        .collect();
    let buildings = Place::list(&state.db, community_id)
        .await?
        .into_iter()
        .filter(|p| p.kind == "building")
        .collect();
    let workgroups = Workgroup::list(&state.db, community_id).await?;
    let mistakes = !errors.is_empty();
    render_form(
        &NoticesPage {
            ctx,
            notices,
            form,
            errors,
            buildings,
            workgroups,
        },
        mistakes,
    )
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    viewer.require(&POSTERS)?;
    let form = NoticeForm {
        audience: "all".into(),
        ..NoticeForm::default()
    };
    page(
        &state,
        ctx,
        viewer.community_id,
        form,
        FieldErrors::default(),
    )
    .await
}

impl NoticeForm {
    /// Takes one field of the posting form.
    fn set(&mut self, name: &str, value: String) {
        match name {
            "title_zh" => self.title_zh = value,
            "title_en" => self.title_en = value,
            "body_zh" => self.body_zh = value,
            "body_en" => self.body_en = value,
            "emergency" => self.emergency = value,
            "audience" => self.audience = value,
            "workgroup" => self.workgroup = value,
            "starts" => self.starts = value,
            "ends" => self.ends = value,
            "important" => self.important = value,
            "pinned" => self.pinned = value,
            other => {
                if let Some(code) = other.strip_prefix("b_") {
                    self.buildings.push(code.to_string());
                }
            }
        }
    }
}

/// Reads the posting form, plain (from scripts) or with a file: its
/// fields, and the attachment checked (a photo made small and stripped,
/// or a PDF as it is).
async fn read_form(
    state: &AppState,
    request: Request,
    errors: &mut FieldErrors,
) -> Result<(NoticeForm, Option<(&'static str, Vec<u8>)>), AppError> {
    let mut form = NoticeForm::default();
    let with_files = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !with_files {
        let Form(fields) = Form::<Vec<(String, String)>>::from_request(request, state)
            .await
            .map_err(|_| AppError::BadRequest("error-bad-input"))?;
        for (name, value) in fields {
            form.set(&name, value);
        }
        return Ok((form, None));
    }
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|_| AppError::BadRequest("error-bad-input"))?;
    let mut attachment = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("error-bad-input"))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "attachment" {
            let bytes = field.bytes().await.map_err(|_| AppError::TooLarge)?;
            if bytes.is_empty() {
                continue;
            }
            if bytes.starts_with(b"%PDF-") {
                if bytes.len() > MAX_ATTACHMENT {
                    errors.add("attachment", "notice-attachment-large");
                } else {
                    attachment = Some(("application/pdf", bytes.to_vec()));
                }
                continue;
            }
            let photo = tokio::task::spawn_blocking(move || crate::photos::process_photo(&bytes))
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            match photo {
                Ok(p) => attachment = Some(("image/jpeg", p.jpeg)),
                Err(_) => errors.add("attachment", "notice-attachment-kind"),
            }
            continue;
        }
        let value = field
            .text()
            .await
            .map_err(|_| AppError::BadRequest("error-bad-input"))?
            .replace('\0', "");
        form.set(&name, value);
    }
    Ok((form, attachment))
}

/// Checks a notice; what to store, or the fields' mistakes in `errors`.
pub async fn check(
    db: &Db,
    community: &crate::web::Community,
    form: &NoticeForm,
    errors: &mut FieldErrors,
) -> Result<Option<NewNotice>, AppError> {
    let title_zh = required_text(errors, "title_zh", &form.title_zh, 80);
    let title_en = optional_text(errors, "title_en", &form.title_en, 120);
    let body_zh = optional_text(errors, "body_zh", &form.body_zh, 2000);
    let body_en = optional_text(errors, "body_en", &form.body_en, 3000);
    let audience = AUDIENCES
        .into_iter()
        .find(|a| *a == form.audience)
        .unwrap_or("all");
    let places = Place::list(db, community.id).await?;
    let building_ids: Vec<i64> = form
        .buildings
        .iter()
        .filter_map(|code| {
            places
                .iter()
                .find(|p| p.code == *code && p.kind == "building")
        })
        .map(|p| p.id)
        .collect();
    if audience == "buildings" && building_ids.is_empty() {
        errors.add("audience", "notice-choose-buildings");
    }
    let audience_workgroup_id = if audience == "workgroup" {
        let found = Workgroup::list(db, community.id)
            .await?
            .into_iter()
            .find(|w| w.id.to_string() == form.workgroup.trim())
            .map(|w| w.id);
        if found.is_none() {
            errors.add("audience", "notice-choose-workgroup");
        }
        found
    } else {
        None
    };
    let tz = community.tz();
    let day = |text: &str, field: &'static str, errors: &mut FieldErrors, next: i64| {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let at = crate::rooms::rules::parse_date(text)
            .and_then(|d| d.checked_add(jiff::Span::new().days(next)).ok())
            .and_then(|d| crate::rooms::rules::at_local(&tz, d, jiff::civil::Time::midnight()));
        if at.is_none() {
            errors.add(field, "notice-date-wrong");
        }
        at
    };
    let starts_at = day(&form.starts, "starts", errors, 0);
    // A notice shows through its last day.
    let ends_at = day(&form.ends, "ends", errors, 1);
    if let (Some(s), Some(e)) = (starts_at, ends_at)
        && e <= s
    {
        errors.add("ends", "notice-ends-before");
    }
    if !errors.is_empty() {
        return Ok(None);
    }
    Ok(Some(NewNotice {
        title_zh,
        title_en,
        body_zh,
        body_en,
        emergency: form.emergency == "1",
        audience,
        audience_workgroup_id,
        building_ids: if audience == "buildings" {
            building_ids
        } else {
            Vec::new()
        },
        starts_at,
        ends_at,
        important: form.important == "1" || form.emergency == "1",
        pinned: form.pinned == "1",
        attachment: None,
    }))
}

pub async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    request: Request,
) -> Result<Response, AppError> {
    viewer.require(&POSTERS)?;
    // The body is read only once the person may post.
    let mut errors = FieldErrors::default();
    let (form, attachment) = read_form(&state, request, &mut errors).await?;
    // Only the secretary may take over every screen.
    if form.emergency == "1" {
        viewer.require(&[Role::Admin])?;
    }
    match check(&state.db, &ctx.community, &form, &mut errors).await? {
        Some(mut notice) => {
            notice.attachment = attachment;
            store::insert(&state.db, viewer.community_id, viewer.id, &notice).await?;
            Ok(Redirect::to("/admin/notices").into_response())
        }
        None => page(&state, ctx, viewer.community_id, form, errors).await,
    }
}

/// Posts a notice for everyone (the demo's, and scripts'); screens show
/// it at once.
pub async fn post_notice(
    db: &Db,
    community_id: i64,
    by: i64,
    form: &NoticeForm,
) -> Result<Result<i64, FieldErrors>, AppError> {
    let community = crate::web::Community::by_id(db, community_id).await?;
    let mut errors = FieldErrors::default();
    match check(db, &community, form, &mut errors).await? {
        Some(notice) => Ok(Ok(store::insert(db, community_id, by, &notice).await?)),
        None => Ok(Err(errors)),
    }
}

pub async fn withdraw_notice(db: &Db, community_id: i64, id: i64) -> Result<(), AppError> {
    let changed = crate::on_db!(db, |pool| {
        sqlx::query(
            "UPDATE notices SET withdrawn_at = $1 WHERE id = $2 AND community_id = $3 AND withdrawn_at IS NULL",
        )
        .bind(crate::db::now())
        .bind(id)
        .bind(community_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
    })?;
    if changed == 1 {
        crate::live::record(
            db,
            community_id,
            "notice_withdrawn",
            &serde_json::json!({ "id": id }),
        )
        .await?;
    }
    Ok(())
}

pub async fn withdraw(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    viewer.require(&POSTERS)?;
    let notice = Notice::by_id(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !notice.may_withdraw(&viewer) {
        return Err(AppError::Forbidden);
    }
    withdraw_notice(&state.db, viewer.community_id, id).await?;
    Ok(Redirect::to("/admin/notices").into_response())
}
