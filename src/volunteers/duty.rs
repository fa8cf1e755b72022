//! Who is on duty now (`/duty`), for reception and workgroup staff, and
//! requests handed to a volunteer on duty as tasks: they see the task on
//! their phone, act, and close it; the request's history says both.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::{Role, SignedIn, Viewer};
use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;
use crate::requests::plan::Change;
use crate::requests::record::{self, RequestRow};
use crate::web::{AppError, AppState, Ctx, render, render_form};

/// Someone on a shift going on now.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OnDuty {
    pub account_id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub team_id: i64,
    pub team_zh: String,
    pub team_en: String,
    pub title: String,
    pub place: String,
    pub route: String,
    pub ends_at: i64,
    pub checked_in_at: Option<i64>,
}

/// Shifts are at most a day long, so the ones going on began within a day.
const LONGEST_SHIFT: i64 = 86_400;

pub async fn on_duty(db: &Db, community_id: i64, at: i64) -> Result<Vec<OnDuty>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, OnDuty>(
        "SELECT g.account_id, a.display_name AS name, a.phone, s.team_id, w.name_zh AS team_zh, w.name_en AS team_en, \
         s.title, s.place, s.route, s.ends_at, g.checked_in_at FROM shifts s \
         JOIN shift_signups g ON g.shift_id = s.id AND g.state = 'on' JOIN accounts a ON a.id = g.account_id \
         JOIN workgroups w ON w.id = s.team_id \
         WHERE s.community_id = $1 AND s.starts_at > $3 AND s.starts_at <= $2 AND s.ends_at > $2 \
         ORDER BY s.starts_at, a.display_name"
    )
    .bind(community_id)
    .bind(at)
    .bind(at - LONGEST_SHIFT)
    .fetch_all(pool)
    .await
    })?)
}

/// Who may see the duty view and hand requests: reception, the
/// administrator and workgroup staff; not residents.
fn require_duty_viewer(viewer: &Viewer) -> Result<(), AppError> {
    if viewer.is_staff() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Volunteers' phone numbers are for reception, the administrator and
/// their own team.
fn sees_phone(viewer: &Viewer, my_teams: &[i64], team_id: i64) -> bool {
    matches!(viewer.role(), Role::Reception | Role::Admin) || my_teams.contains(&team_id)
}

#[derive(Template)]
#[template(path = "duty.html")]
struct DutyPage {
    ctx: Ctx,
    on_duty: Vec<OnDuty>,
    phones: Vec<bool>,
    code: String,
    to: i64,
    error: &'static str,
    said: &'static str,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DutyQuery {
    said: String,
}

async fn show(
    state: &AppState,
    ctx: Ctx,
    viewer: &Viewer,
    form: HandForm,
    error: &'static str,
    said: &'static str,
) -> Result<Response, AppError> {
    let on_duty = on_duty(&state.db, viewer.community_id, now()).await?;
    let my_teams: Vec<i64> = super::store::teams_of(&state.db, viewer.id)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect();
    let phones = on_duty
        .iter()
        .map(|d| sees_phone(viewer, &my_teams, d.team_id))
        .collect();
    render_form(
        &DutyPage {
            ctx,
            on_duty,
            phones,
            code: form.code,
            to: form.to,
            error,
            said,
        },
        !error.is_empty(),
    )
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Query(q): Query<DutyQuery>,
) -> Result<Response, AppError> {
    require_duty_viewer(&viewer)?;
    let said = ["duty-said-handed"]
        .into_iter()
        .find(|k| *k == q.said)
        .unwrap_or("");
    show(&state, ctx, &viewer, HandForm::default(), "", said).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct HandForm {
    /// The request's tracking code.
    code: String,
    /// The volunteer on duty.
    to: i64,
}

/// Hands a request to a volunteer on duty now.
pub async fn hand(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<HandForm>,
) -> Result<Response, AppError> {
    require_duty_viewer(&viewer)?;
    let request = record::by_code(&state.db, form.code.trim().to_uppercase().as_str())
        .await?
        .filter(|r| r.community_id == viewer.community_id);
    let Some(request) = request else {
        return show(&state, ctx, &viewer, form, "duty-error-no-request", "").await;
    };
    if request.category_private
        || !crate::requests::model::Status::parse(&request.status).is_some_and(|s| s.is_open())
    {
        return show(&state, ctx, &viewer, form, "duty-error-not-handable", "").await;
    }
    let on = on_duty(&state.db, viewer.community_id, now()).await?;
    let Some(person) = on.iter().find(|d| d.account_id == form.to) else {
        return show(&state, ctx, &viewer, form, "duty-error-not-on-duty", "").await;
    };
    match hand_over(
        &state.db,
        &request,
        person.account_id,
        &person.name,
        &viewer,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/duty?said=duty-said-handed").into_response()),
        Err(StoreError::Conflict(key)) => show(&state, ctx, &viewer, form, key, "").await,
        Err(e) => Err(e.into()),
    }
}

/// Writes the task, the request's history and the volunteer's news in one
/// transaction; a request has one open task at a time.
pub(super) async fn hand_over(
    db: &Db,
    request: &RequestRow,
    to: i64,
    to_name: &str,
    by: &Viewer,
) -> Result<(), StoreError> {
    let at = now();
    let role = by.role().as_str();
    let made = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO duty_tasks (community_id, request_id, account_id, handed_by, handed_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(request.community_id)
            .bind(request.id)
            .bind(to)
            .bind(by.id)
            .bind(at)
            .fetch_optional(&mut *tx)
            .await?;
            if id.is_none() {
                return Ok::<bool, sqlx::Error>(false);
            }
            crate::requests::history::insert_event!(tx, request.id, at, Some(by.id), role, "handed_to_duty",
                None::<String>, None::<String>, "", to_name, "staff")?;
            sqlx::query(
                "INSERT INTO notifications (account_id, request_id, message_key, created_at) VALUES ($1, $2, 'notify-duty-task', $3)",
            )
            .bind(to)
            .bind(request.id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(true)
        }
        .await
    })?;
    if made {
        Ok(())
    } else {
        Err(StoreError::Conflict("duty-error-already-handed"))
    }
}

/// A request handed to a volunteer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Task {
    pub id: i64,
    pub request_id: i64,
    pub account_id: i64,
    pub handed_at: i64,
    pub done_at: Option<i64>,
    pub note: String,
    pub minutes: i64,
    pub tracking_code: String,
    pub description: String,
    pub status: String,
}

const TASK_SELECT: &str = "SELECT t.id, t.request_id, t.account_id, t.handed_at, t.done_at, t.note, t.minutes, \
    r.tracking_code, r.description, r.status FROM duty_tasks t JOIN requests r ON r.id = t.request_id";

/// A person's tasks: open ones first, then the last month's done.
pub async fn tasks_of(db: &Db, account_id: i64) -> Result<Vec<Task>, StoreError> {
    let sql = format!(
        "{TASK_SELECT} WHERE t.account_id = $1 AND (t.done_at IS NULL OR t.done_at > $2) \
         ORDER BY t.done_at IS NOT NULL, t.handed_at DESC LIMIT 50"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Task>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(account_id)
    .bind(now() - 30 * 86_400)
    .fetch_all(pool)
    .await)?)
}

async fn task(db: &Db, community_id: i64, id: i64) -> Result<Option<Task>, StoreError> {
    let sql = format!("{TASK_SELECT} WHERE t.id = $1 AND t.community_id = $2");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Task>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(id)
    .bind(community_id)
    .fetch_optional(pool)
    .await)?)
}

/// The volunteer it was handed to; reception and the administrator may
/// look too. Anyone else is told it does not exist.
async fn task_for(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> Result<(Task, RequestRow), AppError> {
    let t = task(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if t.account_id != viewer.id && !matches!(viewer.role(), Role::Reception | Role::Admin) {
        return Err(AppError::NotFound);
    }
    let request = record::by_id(&state.db, t.request_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((t, request))
}

#[derive(Template)]
#[template(path = "duty_task.html")]
struct TaskPage {
    ctx: Ctx,
    task: Task,
    request: RequestRow,
    mine: bool,
    form: DoneForm,
    error: &'static str,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(default)]
pub struct DoneForm {
    note: String,
    minutes: String,
}

impl Default for DoneForm {
    fn default() -> Self {
        DoneForm {
            note: String::new(),
            minutes: "30".into(),
        }
    }
}

pub async fn show_task(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (task, request) = task_for(&state, &viewer, id).await?;
    let mine = task.account_id == viewer.id;
    render(&TaskPage {
        ctx,
        task,
        request,
        mine,
        form: DoneForm::default(),
        error: "",
    })
}

/// The volunteer says the task is done: the request is resolved with
/// their words, and the resident is asked to confirm, which counts the
/// minutes as service hours.
pub async fn done(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<DoneForm>,
) -> Result<Response, AppError> {
    let (task, request) = task_for(&state, &viewer, id).await?;
    if task.account_id != viewer.id {
        return Err(AppError::Forbidden);
    }
    let minutes = super::rules::check_claim(&form.minutes, now(), now());
    let (minutes, error) = match (minutes, form.note.trim().is_empty()) {
        (Err(key), _) => (0, key),
        (Ok(_), true) => (0, "duty-error-note"),
        (Ok(m), false) => (m, ""),
    };
    if !error.is_empty() || task.done_at.is_some() {
        let error = if error.is_empty() {
            "duty-error-task-done"
        } else {
            error
        };
        let page = TaskPage {
            ctx,
            task,
            request,
            mine: true,
            form,
            error,
        };
        return render_form(&page, true);
    }
    finish(
        &state.db,
        &task,
        &request,
        &viewer,
        form.note.trim(),
        minutes,
    )
    .await?;
    Ok(Redirect::to("/volunteers?said=duty-said-done").into_response())
}

async fn finish(
    db: &Db,
    task: &Task,
    request: &RequestRow,
    by: &Viewer,
    note: &str,
    minutes: i64,
) -> Result<(), StoreError> {
    let at = now();
    let role = by.role().as_str();
    let closed = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let closed = sqlx::query(
                "UPDATE duty_tasks SET done_at = $2, note = $3, minutes = $4 WHERE id = $1 AND done_at IS NULL",
            )
            .bind(task.id)
            .bind(at)
            .bind(note)
            .bind(minutes)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if closed == 1 {
                crate::requests::history::insert_event!(tx, task.request_id, at, Some(by.id), role, "task_done",
                    None::<String>, None::<String>, "", note, "staff")?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(closed == 1)
        }
        .await
    })?;
    if !closed {
        return Err(StoreError::Conflict("duty-error-task-done"));
    }
    // Resolving asks the resident to confirm. A request another hand has
    // already resolved or closed stays as it is: the task is still done.
    let change = Change {
        action: crate::requests::lifecycle::Action::Resolve,
        actor: crate::requests::lifecycle::Actor::Staff,
        public_message: note.to_string(),
        internal_note: String::new(),
        rating: None,
    };
    match crate::requests::store::apply(db, request, Some(by), change).await {
        Ok(_) | Err(StoreError::Conflict(_)) => Ok(()),
        Err(e) => Err(e),
    }
}
