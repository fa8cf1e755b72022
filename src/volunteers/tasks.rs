//! Requests handed to a volunteer on duty: they see the task on their
//! phone, act, and close it with a word of what they did; the request is
//! resolved with their words, its history says so, and the resident is
//! asked to confirm (which counts the minutes as service hours).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::{Role, SignedIn, Viewer};
use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;
use crate::requests::plan::Change;
use crate::requests::record::{self, RequestRow};
use crate::web::{AppError, AppState, Ctx, render, render_form};

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
