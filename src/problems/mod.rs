//! From many requests to one problem: staff group recurring requests (the
//! same lift breaking every month) into a problem with an owner and a plan.
//! It stays on the dashboard until its root cause is fixed; fixing it tells
//! everyone whose request it holds. Candidates are suggested: the same kind
//! at the same place, more than once within eight weeks.

use crate::db::BeginWrite;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};

use crate::auth::{Role, SignedIn, Viewer};
use crate::community::Workgroup;
use crate::db::{Db, now};
use crate::on_db;
use crate::requests::record::{REQUEST_COLUMNS, REQUEST_FROM, RequestRow};
use crate::requests::{followers, record};
use crate::web::forms::{FieldErrors, optional_text, required_text};
use crate::web::{AppError, AppState, Ctx, render, render_form};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/problems", get(list).post(create))
        .route("/problems/{id}", get(show).post(update))
        .route("/problems/{id}/fixed", post(fixed))
}

/// Leads and the secretary track problems.
async fn require_tracker(db: &Db, viewer: &Viewer) -> Result<(), AppError> {
    if viewer.role() == Role::Admin {
        return Ok(());
    }
    let leads = Workgroup::of_member(db, viewer.id)
        .await?
        .iter()
        .any(|m| m.is_lead);
    if leads {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Problem {
    pub id: i64,
    pub title: String,
    pub plan: String,
    pub owner_name: Option<String>,
    pub created_at: i64,
    pub fixed_at: Option<i64>,
    pub fix_note: String,
    pub requests: i64,
}

const PROBLEM_SELECT: &str = "SELECT p.id, p.title, p.plan, a.display_name AS owner_name, p.created_at, p.fixed_at, p.fix_note, \
    (SELECT COUNT(*) FROM problem_requests pr WHERE pr.problem_id = p.id) AS requests \
    FROM problems p LEFT JOIN accounts a ON a.id = p.owner_id";

/// Problems a viewer follows: all for the secretary (`lead` = None); for a
/// lead, those they own or that hold requests of the teams they lead.
const IN_SCOPE: &str = "($2 IS NULL OR p.owner_id = $2 OR p.id IN (SELECT pr.problem_id FROM problem_requests pr \
    JOIN requests r ON r.id = pr.request_id WHERE r.workgroup_id IN \
    (SELECT workgroup_id FROM workgroup_members WHERE account_id = $2 AND is_lead)))";

/// None for the secretary, who sees the whole estate; else the lead's id.
pub fn lead_scope(viewer: &Viewer) -> Option<i64> {
    (viewer.role() != Role::Admin).then_some(viewer.id)
}

pub async fn open_problems(
    db: &Db,
    community_id: i64,
    lead: Option<i64>,
) -> Result<Vec<Problem>, AppError> {
    let sql = format!(
        "{PROBLEM_SELECT} WHERE p.community_id = $1 AND {IN_SCOPE} AND p.fixed_at IS NULL ORDER BY p.id DESC"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Problem>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .bind(lead)
    .fetch_all(pool)
    .await)?)
}

async fn problem(db: &Db, viewer: &Viewer, id: i64) -> Result<Problem, AppError> {
    let sql = format!("{PROBLEM_SELECT} WHERE p.community_id = $1 AND {IN_SCOPE} AND p.id = $3");
    on_db!(db, |pool| sqlx::query_as::<_, Problem>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(viewer.community_id)
    .bind(lead_scope(viewer))
    .bind(id)
    .fetch_optional(pool)
    .await)?
    .ok_or(AppError::NotFound)
}

/// The problem's requests that the viewer routes (never another team's
/// private ones).
async fn requests_of(
    db: &Db,
    problem_id: i64,
    viewer: &Viewer,
) -> Result<Vec<RequestRow>, AppError> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} {REQUEST_FROM} WHERE r.id IN (SELECT request_id FROM problem_requests WHERE problem_id = $1) \
         ORDER BY r.created_at DESC"
    );
    let all = on_db!(db, |pool| sqlx::query_as::<_, RequestRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(problem_id)
    .fetch_all(pool)
    .await)?;
    let mut mine = Vec::new();
    for r in all {
        if followers::is_lead(db, &r, viewer).await? {
            mine.push(r);
        }
    }
    Ok(mine)
}

/// A suggested problem: a kind at a place that keeps coming back.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Candidate {
    pub category_zh: String,
    pub category_en: String,
    pub place_zh: String,
    pub place_en: String,
    pub times: i64,
    pub codes: String,
}

pub async fn candidates(
    db: &Db,
    community_id: i64,
    lead: Option<i64>,
) -> Result<Vec<Candidate>, AppError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Candidate>(
        "SELECT c.name_zh AS category_zh, c.name_en AS category_en, p.name_zh AS place_zh, p.name_en AS place_en, \
         COUNT(*) AS times, MIN(r.tracking_code) AS codes FROM requests r JOIN categories c ON c.id = r.category_id \
         JOIN places p ON p.id = r.place_id WHERE r.community_id = $1 AND r.created_at >= $2 AND r.status <> 'duplicate' \
         AND NOT c.private_by_nature AND r.id NOT IN (SELECT request_id FROM problem_requests) \
         AND ($3 IS NULL OR r.workgroup_id IN (SELECT workgroup_id FROM workgroup_members WHERE account_id = $3 AND is_lead)) \
         GROUP BY c.name_zh, c.name_en, p.name_zh, p.name_en HAVING COUNT(*) >= 2 ORDER BY COUNT(*) DESC LIMIT 10"
    )
    .bind(community_id)
    .bind(now() - 8 * 7 * 86_400)
    .bind(lead)
    .fetch_all(pool)
    .await
    })?)
}

#[derive(Template)]
#[template(path = "problems.html")]
struct ListPage {
    ctx: Ctx,
    problems: Vec<Problem>,
    candidates: Vec<Candidate>,
    form: ProblemForm,
    errors: FieldErrors,
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ProblemForm {
    title: String,
    plan: String,
    /// Tracking codes of the requests it holds, separated by spaces or commas.
    codes: String,
}

async fn list_page(
    state: &AppState,
    ctx: Ctx,
    viewer: &Viewer,
    form: ProblemForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let community_id = ctx.community.id;
    let mistakes = !(errors.is_empty());
    let page = ListPage {
        problems: open_problems(&state.db, community_id, lead_scope(viewer)).await?,
        candidates: candidates(&state.db, community_id, lead_scope(viewer)).await?,
        ctx,
        form,
        errors,
    };
    render_form(&page, mistakes)
}

async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    require_tracker(&state.db, &viewer).await?;
    list_page(
        &state,
        ctx,
        &viewer,
        ProblemForm::default(),
        FieldErrors::default(),
    )
    .await
}

/// The requests named by their codes, all of the viewer's community.
/// The requests named by their codes that the viewer routes; any other
/// code (unknown, or not theirs) gets the same answer.
async fn requests_by_codes(
    db: &Db,
    viewer: &Viewer,
    codes: &str,
    errors: &mut FieldErrors,
) -> Result<Vec<RequestRow>, AppError> {
    let mut found = Vec::new();
    for code in codes
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|c| !c.is_empty())
        .take(100)
    {
        let request = record::by_code(db, code).await?;
        match request {
            Some(r) if followers::is_lead(db, &r, viewer).await? => found.push(r),
            _ => errors.add("codes", "act-duplicate-unknown"),
        }
    }
    Ok(found)
}

async fn link(db: &Db, problem_id: i64, requests: &[RequestRow]) -> Result<(), AppError> {
    for r in requests {
        on_db!(db, |pool| {
            sqlx::query("INSERT INTO problem_requests (problem_id, request_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(problem_id)
            .bind(r.id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected())
        })?;
    }
    Ok(())
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<ProblemForm>,
) -> Result<Response, AppError> {
    require_tracker(&state.db, &viewer).await?;
    let mut errors = FieldErrors::default();
    let title = required_text(&mut errors, "title", &form.title, 120);
    let plan = optional_text(&mut errors, "plan", &form.plan, 2000);
    let requests = requests_by_codes(&state.db, &viewer, &form.codes, &mut errors).await?;
    if !errors.is_empty() {
        return list_page(&state, ctx, &viewer, form, errors).await;
    }
    let id = on_db!(&state.db, |pool| {
        sqlx::query_scalar::<_, i64>(
        "INSERT INTO problems (community_id, title, plan, owner_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id"
    )
    .bind(viewer.community_id)
    .bind(&title)
    .bind(&plan)
    .bind(viewer.id)
    .bind(now())
    .fetch_one(pool)
    .await
    })?;
    link(&state.db, id, &requests).await?;
    Ok(Redirect::to(&format!("/problems/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "problem.html")]
struct ShowPage {
    ctx: Ctx,
    problem: Problem,
    requests: Vec<RequestRow>,
    errors: FieldErrors,
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_tracker(&state.db, &viewer).await?;
    let problem = problem(&state.db, &viewer, id).await?;
    let requests = requests_of(&state.db, id, &viewer).await?;
    render(&ShowPage {
        ctx,
        problem,
        requests,
        errors: FieldErrors::default(),
    })
}

async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<ProblemForm>,
) -> Result<Response, AppError> {
    require_tracker(&state.db, &viewer).await?;
    let found = problem(&state.db, &viewer, id).await?;
    let mut errors = FieldErrors::default();
    let plan = optional_text(&mut errors, "plan", &form.plan, 2000);
    let requests = requests_by_codes(&state.db, &viewer, &form.codes, &mut errors).await?;
    if !errors.is_empty() {
        let requests = requests_of(&state.db, id, &viewer).await?;
        let page = ShowPage {
            ctx,
            problem: found,
            requests,
            errors,
        };
        return render_form(&page, true);
    }
    on_db!(&state.db, |pool| sqlx::query(
        "UPDATE problems SET plan = $1 WHERE id = $2"
    )
    .bind(&plan)
    .bind(id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    link(&state.db, id, &requests).await?;
    Ok(Redirect::to(&format!("/problems/{id}")).into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct FixedForm {
    note: String,
}

/// The root cause is fixed: the problem leaves the dashboard and everyone
/// whose request it holds is told, in one transaction.
async fn fixed(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<FixedForm>,
) -> Result<Response, AppError> {
    require_tracker(&state.db, &viewer).await?;
    problem(&state.db, &viewer, id).await?;
    let note: String = form.note.trim().chars().take(2000).collect();
    let at = now();
    on_db!(&state.db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let changed = sqlx::query("UPDATE problems SET fixed_at = $1, fix_note = $2 WHERE id = $3 AND fixed_at IS NULL")
                .bind(at)
                .bind(&note)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 1 {
                sqlx::query(
                    "INSERT INTO notifications (account_id, request_id, message_key, created_at) \
                     SELECT DISTINCT f.account_id, f.request_id, 'notify-problem-fixed', $2 FROM request_followers f \
                     WHERE f.request_id IN (SELECT request_id FROM problem_requests WHERE problem_id = $1)",
                )
                .bind(id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                // Each request's history says so, and residents who hear
                // news through reception are on its list again.
                sqlx::query(
                    "INSERT INTO request_events (request_id, at, actor_id, actor_role, kind, public_message, internal_note, audience) \
                     SELECT request_id, $2, $3, $4, 'problem_fixed', '', '', 'public' FROM problem_requests WHERE problem_id = $1",
                )
                .bind(id)
                .bind(at)
                .bind(viewer.id)
                .bind(viewer.role().as_str())
                .execute(&mut *tx)
                .await?;
                let through_desk = "SELECT r.id FROM requests r JOIN categories c ON c.id = r.category_id \
                     WHERE r.id IN (SELECT request_id FROM problem_requests WHERE problem_id = $1) \
                     AND NOT c.private_by_nature \
                     AND r.contact_preference <> 'text' \
                     AND (r.reporter_account_id IS NULL OR r.contact_preference IN ('phone', 'desk'))";
                // Those who asked for texts get one.
                sqlx::query(
                    "INSERT INTO sms_messages (community_id, account_id, request_id, phone, lang, message_key, \
                     danger, created_at, next_try_at) \
                     SELECT r.community_id, r.reporter_account_id, r.id, r.reporter_phone, r.reporter_lang, \
                     'notify-problem-fixed', FALSE, $2, $2 FROM requests r JOIN categories c ON c.id = r.category_id \
                     WHERE r.id IN (SELECT request_id FROM problem_requests WHERE problem_id = $1) \
                     AND NOT c.private_by_nature AND r.contact_preference = 'text' AND r.reporter_phone <> ''",
                )
                .bind(id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO notifications (account_id, request_id, message_key, created_at) \
                     SELECT a.id, d.id, 'notify-tell-resident', $2 FROM ({through_desk}) AS d \
                     JOIN accounts a ON a.community_id = $3 AND a.role = 'reception' AND a.active"
                )))
                .bind(id)
                .bind(at)
                .bind(viewer.community_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE requests SET desk_news_at = $2 WHERE id IN ({through_desk})"
                )))
                .bind(id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await
        }
        .await
    })?;
    Ok(Redirect::to("/problems").into_response())
}
