//! Legal education: the legal team's classes (times of its activities),
//! each with the month's topic, the corner's books on it, and a short
//! summary written after; and the team's monthly report, where the
//! classes' attendance counts beside the cases (by topic only) and loans.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::{Role, SignedIn};
use crate::db::{Db, StoreError, now};
use crate::library::rules::{TOPICS, topic_key};
use crate::library::store::Book;
use crate::on_db;
use crate::web::{AppError, AppState, Ctx, render, render_form};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Class {
    pub occurrence_id: i64,
    pub title_zh: String,
    pub title_en: String,
    pub starts_at: i64,
    pub cancelled: bool,
    pub topic: Option<String>,
    pub summary: Option<String>,
    pub attended: i64,
}

const CLASS_SELECT: &str = "SELECT o.id AS occurrence_id, a.title_zh, a.title_en, o.starts_at, \
    (o.cancelled_at IS NOT NULL) AS cancelled, c.topic, c.summary, \
    (SELECT COUNT(*) FROM signups s WHERE s.occurrence_id = o.id AND s.attended_at IS NOT NULL) AS attended \
    FROM occurrences o JOIN activities a ON a.id = o.activity_id LEFT JOIN legal_classes c ON c.occurrence_id = o.id";

/// The legal team's classes between two times.
pub async fn between(
    db: &Db,
    community_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<Class>, StoreError> {
    let Some(team) = crate::library::legal_team(db, community_id).await? else {
        return Ok(Vec::new());
    };
    let sql = format!(
        "{CLASS_SELECT} WHERE o.community_id = $1 AND a.workgroup_id = $2 AND o.starts_at >= $3 AND o.starts_at < $4 \
         ORDER BY o.starts_at LIMIT 60"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Class>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .bind(team)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await)?)
}

async fn one(db: &Db, community_id: i64, occurrence_id: i64) -> Result<Option<Class>, StoreError> {
    let Some(team) = crate::library::legal_team(db, community_id).await? else {
        return Ok(None);
    };
    let sql =
        format!("{CLASS_SELECT} WHERE o.community_id = $1 AND a.workgroup_id = $2 AND o.id = $3");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Class>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .bind(team)
    .bind(occurrence_id)
    .fetch_optional(pool)
    .await)?)
}

pub async fn set(
    db: &Db,
    community_id: i64,
    occurrence_id: i64,
    topic: &str,
    summary: &str,
    by: i64,
) -> Result<(), StoreError> {
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO legal_classes (occurrence_id, community_id, topic, summary, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (occurrence_id) DO UPDATE SET topic = excluded.topic, summary = excluded.summary, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at"
    )
    .bind(occurrence_id)
    .bind(community_id)
    .bind(topic)
    .bind(summary)
    .bind(by)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

const DAY: i64 = 86_400;

#[derive(Template)]
#[template(path = "legal_classes.html")]
struct ClassesPage {
    ctx: Ctx,
    classes: Vec<Class>,
}

impl ClassesPage {
    fn topic_name(&self, c: &Class) -> String {
        c.topic
            .as_deref()
            .map(|t| self.ctx.t(topic_key(t)))
            .unwrap_or_default()
    }
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let at = now();
    let classes = between(&state.db, ctx.community.id, at - 180 * DAY, at + 100 * DAY).await?;
    render(&ClassesPage { ctx, classes })
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ClassForm {
    topic: String,
    summary: String,
}

#[derive(Template)]
#[template(path = "legal_class.html")]
struct ClassPage {
    ctx: Ctx,
    class: Class,
    books: Vec<Book>,
    team: bool,
    form: ClassForm,
    topics: &'static [&'static str],
    problem: Option<&'static str>,
}

impl ClassPage {
    fn topic_key(&self, t: &str) -> String {
        topic_key(t)
    }
}

async fn class_page(
    state: &AppState,
    ctx: Ctx,
    class: Class,
    form: Option<ClassForm>,
    problem: Option<&'static str>,
) -> Result<Response, AppError> {
    let books = match &class.topic {
        Some(t) => crate::library::store::on_topic(&state.db, ctx.community.id, t, 12).await?,
        None => Vec::new(),
    };
    let team = match &ctx.viewer {
        Some(v) => crate::library::on_legal_team(&state.db, v).await?.is_some(),
        None => false,
    };
    let form = form.unwrap_or_else(|| ClassForm {
        topic: class.topic.clone().unwrap_or_default(),
        summary: class.summary.clone().unwrap_or_default(),
    });
    let page = ClassPage {
        ctx,
        class,
        books,
        team,
        form,
        topics: &TOPICS,
        problem,
    };
    render_form(&page, problem.is_some())
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let class = one(&state.db, ctx.community.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    class_page(&state, ctx, class, None, None).await
}

/// The team sets a class's topic, and writes its summary afterwards.
pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<ClassForm>,
) -> Result<Response, AppError> {
    if crate::library::on_legal_team(&state.db, &viewer)
        .await?
        .is_none()
    {
        return Err(AppError::Forbidden);
    }
    let class = one(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let problem = if !TOPICS.contains(&form.topic.as_str()) {
        Some("library-error-topic")
    } else if form.summary.trim().chars().count() > 2000 {
        Some("field-too-long")
    } else {
        None
    };
    if problem.is_some() {
        return class_page(&state, ctx, class, Some(form), problem).await;
    }
    set(
        &state.db,
        viewer.community_id,
        id,
        &form.topic,
        form.summary.trim(),
        viewer.id,
    )
    .await?;
    Ok(Redirect::to(&format!("/legal/classes/{id}")).into_response())
}

// --- the monthly report ---------------------------------------------------

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MonthQuery {
    /// YYYY-MM; this month when empty.
    month: String,
}

#[derive(Template)]
#[template(path = "legal_report.html")]
struct ReportPage {
    ctx: Ctx,
    month: String,
    previous: String,
    cases: Vec<(String, i64)>,
    appointments: i64,
    closed: i64,
    rating: Option<f64>,
    classes: Vec<Class>,
    attended: i64,
    loans: i64,
}

impl ReportPage {
    fn topic_name(&self, topic: &str) -> String {
        self.ctx.t(super::rules::topic_key(topic))
    }

    fn rating_text(&self) -> String {
        self.rating
            .map(|r| format!("{r:.1}"))
            .unwrap_or_else(|| "—".into())
    }
}

/// The legal team's month: leads of the team and the secretary.
pub async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Query(q): Query<MonthQuery>,
) -> Result<Response, AppError> {
    if viewer.role() != Role::Admin
        && crate::library::on_legal_team(&state.db, &viewer).await? != Some(true)
    {
        return Err(AppError::Forbidden);
    }
    let tz = ctx.community.tz();
    let today = crate::rooms::rules::local(&tz, ctx.now())
        .map(|t| t.date())
        .unwrap_or_default();
    let first = crate::rooms::rules::parse_date(&format!("{}-01", q.month.trim()))
        .unwrap_or_else(|| today.first_of_month());
    let next = first
        .checked_add(jiff::Span::new().months(1))
        .unwrap_or(first);
    let previous = first
        .checked_sub(jiff::Span::new().months(1))
        .unwrap_or(first);
    let midnight = jiff::civil::Time::midnight();
    let from = crate::rooms::rules::at_local(&tz, first, midnight).unwrap_or(0);
    let to = crate::rooms::rules::at_local(&tz, next, midnight).unwrap_or(from);
    let community_id = viewer.community_id;
    let cases = super::store::counts(&state.db, community_id, from, to).await?;
    let (appointments, closed, rating, loans): (i64, i64, Option<f64>, i64) = on_db!(
        &state.db,
        |pool| {
            sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM legal_slots WHERE community_id = $1 AND case_id IS NOT NULL AND starts_at >= $2 AND starts_at < $3), \
                (SELECT COUNT(*) FROM legal_cases WHERE community_id = $1 AND state = 'closed' AND closed_at >= $2 AND closed_at < $3), \
                (SELECT AVG(CAST(rating AS DOUBLE PRECISION)) FROM legal_cases WHERE community_id = $1 AND rating IS NOT NULL AND closed_at >= $2 AND closed_at < $3), \
                (SELECT COUNT(*) FROM loans WHERE community_id = $1 AND lent_at >= $2 AND lent_at < $3)"
    )
    .bind(community_id)
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await
        }
    )?;
    let classes = between(&state.db, community_id, from, to).await?;
    let attended = classes.iter().map(|c| c.attended).sum();
    render(&ReportPage {
        month: first.strftime("%Y-%m").to_string(),
        previous: previous.strftime("%Y-%m").to_string(),
        ctx,
        cases,
        appointments,
        closed,
        rating,
        classes,
        attended,
        loans,
    })
}
