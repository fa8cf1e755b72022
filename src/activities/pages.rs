//! The residents' pages: what happens in the coming two weeks, one
//! activity with its next occurrences, signing up and leaving, and what
//! the person joined.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::signup::{self, Who};
use super::store::{self, Activity, Occurrence};
use crate::auth::{MaybeViewer, SignedIn, Viewer};
use crate::db::{Db, StoreError, now};
use crate::on_db;
use crate::rooms::rules::local;
use crate::web::{AppError, AppState, Ctx, render};

/// One day's occurrences.
pub struct DayOf {
    pub label: String,
    pub list: Vec<Occurrence>,
}

/// Occurrences grouped by their local day.
pub fn by_day(ctx: &Ctx, list: Vec<Occurrence>) -> Vec<DayOf> {
    let tz = ctx.community.tz();
    let mut days: Vec<(jiff::civil::Date, DayOf)> = Vec::new();
    for o in list {
        let Some(date) = local(&tz, o.starts_at).map(|t| t.date()) else {
            continue;
        };
        match days.last_mut() {
            Some((d, day)) if *d == date => day.list.push(o),
            _ => days.push((
                date,
                DayOf {
                    label: crate::rooms::day_label(ctx.lang, date),
                    list: vec![o],
                },
            )),
        }
    }
    days.into_iter().map(|(_, d)| d).collect()
}

/// The hours of an occurrence: "07:00–08:00".
pub fn hours(ctx: &Ctx, o: &Occurrence) -> String {
    let tz = ctx.community.tz();
    match (local(&tz, o.starts_at), local(&tz, o.ends_at)) {
        (Some(s), Some(e)) => format!(
            "{}–{}",
            crate::rooms::time_of_day(s.time()),
            crate::rooms::time_of_day(e.time())
        ),
        _ => String::new(),
    }
}

#[derive(Template)]
#[template(path = "activities.html")]
struct ListPage {
    ctx: Ctx,
    days: Vec<DayOf>,
    organiser: bool,
    groups: Vec<crate::community::Workgroup>,
}

impl ListPage {
    fn hours(&self, o: &Occurrence) -> String {
        hours(&self.ctx, o)
    }
    fn my_state(&self, o: &Occurrence) -> String {
        o.mine.clone().unwrap_or_default()
    }
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    MaybeViewer(viewer): MaybeViewer,
) -> Result<Response, AppError> {
    let at = now();
    let list = store::occurrences_seen_by(
        &state.db,
        ctx.community.id,
        None,
        at - 3600,
        at + 14 * 86_400,
        300,
        viewer.as_ref().map(|v| v.id),
    )
    .await?;
    let groups = crate::community::Workgroup::list(&state.db, ctx.community.id).await?;
    // Residents organise nothing: only staff are asked about their groups.
    let organiser = match &viewer {
        Some(v) if v.is_staff() => !super::organised_among(&state.db, v, &groups)
            .await?
            .is_empty(),
        _ => false,
    };
    let days = by_day(&ctx, list);
    render(&ListPage {
        ctx,
        days,
        organiser,
        groups,
    })
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    ctx: Ctx,
    activity: Activity,
    coming: Vec<Occurrence>,
    in_series: bool,
    organiser: bool,
    repeats: String,
    /// Other capabilities' links for this activity: (message key, address).
    links: Vec<(&'static str, String)>,
}

impl ActivityPage {
    fn when(&self, o: &Occurrence) -> String {
        let tz = self.ctx.community.tz();
        let day = local(&tz, o.starts_at)
            .map(|t| crate::rooms::day_label(self.ctx.lang, t.date()))
            .unwrap_or_default();
        format!("{day} {}", hours(&self.ctx, o))
    }
    fn my_state(&self, o: &Occurrence) -> String {
        o.mine.clone().unwrap_or_default()
    }
    fn open(&self, o: &Occurrence) -> bool {
        signup::open_at(o, now()).is_ok()
    }
}

pub async fn activity(
    State(state): State<AppState>,
    ctx: Ctx,
    MaybeViewer(viewer): MaybeViewer,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let activity = store::activity(&state.db, ctx.community.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let at = now();
    let coming = store::occurrences_seen_by(
        &state.db,
        ctx.community.id,
        Some(id),
        at - 3600,
        i64::MAX / 2,
        10,
        viewer.as_ref().map(|v| v.id),
    )
    .await?;
    let (in_series, organiser) = match &viewer {
        Some(v) => (
            in_series(&state.db, id, v.id).await?,
            super::organises(&state.db, v, activity.workgroup_id).await?,
        ),
        None => (false, false),
    };
    let repeats = super::organise::describe(ctx.lang, &activity);
    let mut links = Vec::new();
    if let Some(super::PageLinks(hooks)) = state.part::<super::PageLinks>() {
        for hook in hooks {
            if let Some(link) = hook(
                &state.db,
                ctx.community.id,
                activity.id,
                activity.workgroup_id,
            )
            .await?
            {
                links.push(link);
            }
        }
    }
    render(&ActivityPage {
        ctx,
        activity,
        coming,
        in_series,
        organiser,
        repeats,
        links,
    })
}

async fn in_series(db: &Db, activity: i64, account: i64) -> Result<bool, StoreError> {
    let found: Option<i64> = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT account_id FROM series_signups WHERE activity_id = $1 AND account_id = $2"
    )
    .bind(activity)
    .bind(account)
    .fetch_optional(pool)
    .await)?;
    Ok(found.is_some())
}

/// The occurrence a form names, in the person's community.
pub async fn occurrence_of(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> Result<Occurrence, AppError> {
    store::occurrence(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Signs the person up; the state they got, or why not.
pub async fn sign_up_self(
    state: &AppState,
    viewer: &Viewer,
    o: &Occurrence,
) -> Result<&'static str, AppError> {
    signup::open_at(o, now()).map_err(AppError::Conflict)?;
    Ok(signup::sign_up(&state.db, o, &Who::Account(viewer.id), false, None).await?)
}

pub async fn sign_up(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let o = occurrence_of(&state, &viewer, id).await?;
    sign_up_self(&state, &viewer, &o).await?;
    Ok(Redirect::to(&format!("/activities/{}#o{}", o.activity_id, o.id)).into_response())
}

pub async fn leave(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let o = occurrence_of(&state, &viewer, id).await?;
    if o.starts_at <= now() {
        return Err(AppError::Conflict("signup-started"));
    }
    let detail = signup::detail(&o, &ctx.community.tz());
    signup::cancel(&state.db, &o, viewer.id, &detail).await?;
    Ok(Redirect::to(&format!("/activities/{}#o{}", o.activity_id, o.id)).into_response())
}

pub async fn join_series(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let activity = store::activity(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    super::join_series(&state.db, &activity, viewer.id).await?;
    Ok(Redirect::to(&format!("/activities/{id}")).into_response())
}

pub async fn leave_series(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let activity = store::activity(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    super::leave_series(&state.db, &activity, viewer.id, &ctx.community.tz()).await?;
    Ok(Redirect::to(&format!("/activities/{id}")).into_response())
}

/// What the person joined, soonest first.
#[derive(sqlx::FromRow)]
pub struct Joined {
    pub occurrence_id: i64,
    pub activity_id: i64,
    pub title_zh: String,
    pub title_en: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub state: String,
    pub cancelled_at: Option<i64>,
    pub reason: String,
}

pub async fn joined(db: &Db, account_id: i64, from: i64) -> Result<Vec<Joined>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Joined>(
        "SELECT o.id AS occurrence_id, o.activity_id, a.title_zh, a.title_en, o.starts_at, o.ends_at, s.state, \
         o.cancelled_at, o.reason FROM signups s JOIN occurrences o ON o.id = s.occurrence_id \
         JOIN activities a ON a.id = o.activity_id \
         WHERE s.account_id = $1 AND s.state <> 'cancelled' AND o.ends_at > $2 ORDER BY o.starts_at LIMIT 60"
    )
    .bind(account_id)
    .bind(from)
    .fetch_all(pool)
    .await
    })?)
}

#[derive(Template)]
#[template(path = "activities_mine.html")]
struct MinePage {
    ctx: Ctx,
    joined: Vec<Joined>,
    bookings: Vec<crate::rooms::store::Booking>,
    feed: String,
}

impl MinePage {
    fn when(&self, starts: &i64, ends: &i64) -> String {
        crate::rooms::span_text(&self.ctx, *starts, *ends)
    }
}

pub async fn mine(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    headers: axum::http::HeaderMap,
) -> Result<Response, AppError> {
    let at = now();
    let joined = joined(&state.db, viewer.id, at).await?;
    let bookings = crate::rooms::store::upcoming_of(&state.db, viewer.id, at).await?;
    let token = super::feeds::token_of(&state.db, viewer.id).await?;
    let feed = format!(
        "{}/calendar/me-{token}.ics",
        crate::web::base_url(&state, &headers)
    );
    render(&MinePage {
        ctx,
        joined,
        bookings,
        feed,
    })
}
