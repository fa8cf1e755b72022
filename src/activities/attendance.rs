//! Attendance: the organiser's phone-sized list for one occurrence (check
//! people in, sign up a walk-in or a resident who phoned), the QR code the
//! resident scans at the door (valid on the occurrence's day only), and
//! who came in a month.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::signup::{self, Who};
use super::store::{self, Occurrence};
use crate::auth::{SignedIn, Viewer};
use crate::db::{Db, StoreError, now};
use crate::on_db;
use crate::rooms::rules::local;
use crate::web::{AppError, AppState, Ctx, render};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attendee {
    pub id: i64,
    pub name: String,
    pub state: String,
    pub attended_at: Option<i64>,
    pub walk_in: bool,
}

pub async fn attendees(db: &Db, occurrence_id: i64) -> Result<Vec<Attendee>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Attendee>(
        "SELECT s.id, COALESCE(a.display_name, s.walk_in_name) AS name, s.state, s.attended_at, \
         (s.account_id IS NULL) AS walk_in FROM signups s LEFT JOIN accounts a ON a.id = s.account_id \
         WHERE s.occurrence_id = $1 AND s.state <> 'cancelled' ORDER BY s.state, s.at, s.id"
    )
    .bind(occurrence_id)
    .fetch_all(pool)
    .await
    })?)
}

/// Whether the person may see and keep an occurrence's list: its
/// organisers, and reception (who signs up walk-ins).
async fn keeps_list(db: &Db, viewer: &Viewer, o: &Occurrence) -> Result<bool, StoreError> {
    Ok(viewer.role() == crate::auth::Role::Reception
        || super::organises(db, viewer, o.workgroup_id).await?)
}

/// The occurrence, if the person keeps its list.
async fn kept(state: &AppState, viewer: &Viewer, id: i64) -> Result<Occurrence, AppError> {
    let o = super::pages::occurrence_of(state, viewer, id).await?;
    if !keeps_list(&state.db, viewer, &o).await? {
        return Err(AppError::Forbidden);
    }
    Ok(o)
}

#[derive(Template)]
#[template(path = "occurrence.html")]
struct OccurrencePage {
    ctx: Ctx,
    o: Occurrence,
    people: Vec<Attendee>,
    qr: String,
    organiser: bool,
}

impl OccurrencePage {
    fn when(&self) -> String {
        crate::rooms::span_text(&self.ctx, self.o.starts_at, self.o.ends_at)
    }
    fn came(&self) -> usize {
        self.people
            .iter()
            .filter(|p| p.attended_at.is_some())
            .count()
    }
}

fn same_day(ctx: &Ctx, a: i64, b: i64) -> bool {
    let tz = ctx.community.tz();
    match (local(&tz, a), local(&tz, b)) {
        (Some(x), Some(y)) => x.date() == y.date(),
        _ => false,
    }
}

pub async fn occurrence(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let o = kept(&state, &viewer, id).await?;
    let organiser = super::organises(&state.db, &viewer, o.workgroup_id).await?;
    let people = attendees(&state.db, o.id).await?;
    let today = same_day(&ctx, o.starts_at, now());
    let qr = if today && o.cancelled_at.is_none() {
        let url = format!(
            "{}/activities/check-in/{}",
            crate::web::base_url(&state, &headers),
            o.checkin_code
        );
        crate::screen::qr::qr_svg(&url, 260)
    } else {
        String::new()
    };
    render(&OccurrencePage {
        ctx,
        o,
        people,
        qr,
        organiser,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WalkInForm {
    name: String,
    phone: String,
    username: String,
}

/// Reception or the organiser signs someone up: a resident by their
/// account name or phone, or a walk-in by name.
pub async fn walk_in(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<WalkInForm>,
) -> Result<Response, AppError> {
    let o = kept(&state, &viewer, id).await?;
    // The desk may sign someone up after sign-ups close, not to a
    // cancelled time.
    if o.cancelled_at.is_some() {
        return Err(AppError::Conflict("signup-cancelled"));
    }
    let who = match resident(
        &state.db,
        viewer.community_id,
        form.username.trim(),
        form.phone.trim(),
    )
    .await?
    {
        Some(account) => Who::Account(account),
        None => {
            let name = form.name.trim();
            if name.is_empty() || name.chars().count() > 60 {
                return Err(AppError::BadRequest("activity-walk-in-name"));
            }
            let phone = form.phone.trim();
            if !phone.is_empty() && !crate::web::forms::valid_phone(phone) {
                return Err(AppError::BadRequest("field-invalid-phone"));
            }
            Who::WalkIn {
                name: name.to_string(),
                phone: phone.to_string(),
            }
        }
    };
    signup::sign_up(&state.db, &o, &who, false, Some(viewer.id)).await?;
    Ok(Redirect::to(&format!("/activities/occurrences/{id}")).into_response())
}

/// A resident of the community found by account name or phone.
pub async fn resident(
    db: &Db,
    community_id: i64,
    username: &str,
    phone: &str,
) -> Result<Option<i64>, StoreError> {
    if username.is_empty() && phone.is_empty() {
        return Ok(None);
    }
    Ok(on_db!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM accounts WHERE community_id = $1 AND active \
         AND ((username = $2 AND $2 <> '') OR (phone = $3 AND $3 <> '')) ORDER BY id LIMIT 1"
    )
    .bind(community_id)
    .bind(username)
    .bind(phone)
    .fetch_optional(pool)
    .await)?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AttendedForm {
    signup: i64,
    came: String,
}

/// The organiser ticks (or unticks) someone who came.
pub async fn attended(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<AttendedForm>,
) -> Result<Response, AppError> {
    let o = kept(&state, &viewer, id).await?;
    let at = (form.came != "0").then(now);
    on_db!(&state.db, |pool| sqlx::query(
        "UPDATE signups SET attended_at = $1 WHERE id = $2 AND occurrence_id = $3"
    )
    .bind(at)
    .bind(form.signup)
    .bind(o.id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(Redirect::to(&format!("/activities/occurrences/{id}#s{}", form.signup)).into_response())
}

#[derive(Template)]
#[template(path = "check_in.html")]
struct CheckInPage {
    ctx: Ctx,
    o: Occurrence,
    done: bool,
    problem: &'static str,
}

/// The occurrence a scanned code names, if it is today's.
async fn scanned(
    state: &AppState,
    ctx: &Ctx,
    code: &str,
) -> Result<(Occurrence, &'static str), AppError> {
    let o = store::occurrence_by_code(&state.db, code)
        .await?
        .ok_or(AppError::NotFound)?;
    let problem = if o.cancelled_at.is_some() {
        "signup-cancelled"
    } else if !same_day(ctx, o.starts_at, now()) {
        "checkin-not-today"
    } else {
        ""
    };
    Ok((o, problem))
}

pub async fn check_in_page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let (o, problem) = scanned(&state, &ctx, &code).await?;
    if o.community_id != viewer.community_id {
        return Err(AppError::NotFound);
    }
    render(&CheckInPage {
        ctx,
        o,
        done: false,
        problem,
    })
}

/// The resident who scanned the code at the door is checked in (and
/// signed up first, if there is room and they were not).
pub async fn check_in(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let (o, problem) = scanned(&state, &ctx, &code).await?;
    if o.community_id != viewer.community_id {
        return Err(AppError::NotFound);
    }
    if !problem.is_empty() {
        return Err(AppError::Conflict(problem));
    }
    match signup::sign_up(&state.db, &o, &Who::Account(viewer.id), false, None).await {
        Ok(_) | Err(StoreError::Conflict(_)) => {}
        Err(e) => return Err(e.into()),
    }
    on_db!(&state.db, |pool| {
        sqlx::query(
        "UPDATE signups SET attended_at = $1 WHERE occurrence_id = $2 AND account_id = $3 AND state = 'going' AND attended_at IS NULL"
    )
    .bind(now())
    .bind(o.id)
    .bind(viewer.id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    let went: Option<String> = on_db!(&state.db, |pool| {
        sqlx::query_scalar(
        "SELECT state FROM signups WHERE occurrence_id = $1 AND account_id = $2 AND state <> 'cancelled'"
    )
    .bind(o.id)
    .bind(viewer.id)
    .fetch_optional(pool)
    .await
    })?;
    let problem = if went.as_deref() == Some("going") {
        ""
    } else {
        "checkin-full"
    };
    render(&CheckInPage {
        ctx,
        o,
        done: problem.is_empty(),
        problem,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MonthQuery {
    month: String,
}

#[derive(Template)]
#[template(path = "attendance_month.html")]
struct MonthPage {
    ctx: Ctx,
    activity: store::Activity,
    month: String,
    rows: Vec<(Occurrence, Vec<Attendee>)>,
}

impl MonthPage {
    fn when(&self, o: &Occurrence) -> String {
        crate::rooms::span_text(&self.ctx, o.starts_at, o.ends_at)
    }
    fn came(&self, people: &[Attendee]) -> String {
        people
            .iter()
            .filter(|p| p.attended_at.is_some())
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(self.ctx.pick("、", ", "))
    }
    fn came_count(&self, people: &[Attendee]) -> usize {
        people.iter().filter(|p| p.attended_at.is_some()).count()
    }
    fn total(&self) -> usize {
        self.rows.iter().map(|(_, p)| self.came_count(p)).sum()
    }
}

/// Who came to each occurrence of an activity in a month (`2026-12`).
pub async fn month(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<MonthQuery>,
) -> Result<Response, AppError> {
    let activity = store::activity(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !super::organises(&state.db, &viewer, activity.workgroup_id).await? {
        return Err(AppError::Forbidden);
    }
    let tz = ctx.community.tz();
    let this = local(&tz, now())
        .map(|t| t.date().first_of_month())
        .unwrap_or_default();
    let first = format!("{}-01", q.month.trim())
        .parse::<jiff::civil::Date>()
        .unwrap_or(this);
    let next = first.last_of_month().tomorrow().unwrap_or(first);
    let at = |d: jiff::civil::Date| {
        crate::rooms::rules::at_local(&tz, d, jiff::civil::Time::midnight()).unwrap_or_default()
    };
    let list = store::occurrences(
        &state.db,
        viewer.community_id,
        Some(id),
        at(first),
        at(next),
        100,
    )
    .await?;
    let mut rows = Vec::with_capacity(list.len());
    for o in list {
        let people = attendees(&state.db, o.id).await?;
        rows.push((o, people));
    }
    let month = first.strftime("%Y-%m").to_string();
    render(&MonthPage {
        ctx,
        activity,
        month,
        rows,
    })
}
