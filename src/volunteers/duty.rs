//! Who is on duty now (`/duty`), for reception and workgroup staff, and
//! handing a request to one of them as a task (see `tasks`); the request's
//! history says so.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::{Role, SignedIn, Viewer};
use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;
use crate::requests::record::{self, RequestRow};
use crate::web::{AppError, AppState, Ctx, render_form};

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

/// Who is on duty now, as `viewer` sees them: a volunteer's phone only for
/// reception, the administrator and the volunteer's own team (it never
/// leaves the database for anyone else).
pub async fn on_duty(db: &Db, viewer: &Viewer, at: i64) -> Result<Vec<OnDuty>, StoreError> {
    let desk = matches!(viewer.role(), Role::Reception | Role::Admin);
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, OnDuty>(
        "SELECT g.account_id, a.display_name AS name, \
         CASE WHEN $4 OR EXISTS (SELECT 1 FROM workgroup_members m WHERE m.workgroup_id = s.team_id AND m.account_id = $5) \
         THEN a.phone END AS phone, s.team_id, w.name_zh AS team_zh, w.name_en AS team_en, \
         s.title, s.place, s.route, s.ends_at, g.checked_in_at FROM shifts s \
         JOIN shift_signups g ON g.shift_id = s.id AND g.state = 'on' JOIN accounts a ON a.id = g.account_id \
         JOIN workgroups w ON w.id = s.team_id \
         WHERE s.community_id = $1 AND s.starts_at > $3 AND s.starts_at <= $2 AND s.ends_at > $2 \
         ORDER BY s.starts_at, a.display_name"
    )
    .bind(viewer.community_id)
    .bind(at)
    .bind(at - LONGEST_SHIFT)
    .bind(desk)
    .bind(viewer.id)
    .fetch_all(pool)
    .await
    })?)
}

/// Reception and the secretary hand any request of the community; the
/// staff of a workgroup hand only their own workgroup's (others are told
/// there is no such request).
async fn may_hand(db: &Db, viewer: &Viewer, request: &RequestRow) -> Result<bool, StoreError> {
    if matches!(viewer.role(), Role::Reception | Role::Admin) {
        return Ok(true);
    }
    Ok(on_db!(db, |pool| {
        sqlx::query_scalar::<_, bool>(
        "SELECT EXISTS (SELECT 1 FROM workgroup_members WHERE workgroup_id = $1 AND account_id = $2)"
    )
    .bind(request.workgroup_id)
    .bind(viewer.id)
    .fetch_one(pool)
    .await
    })?)
}

#[derive(Template)]
#[template(path = "duty.html")]
struct DutyPage {
    ctx: Ctx,
    on_duty: Vec<OnDuty>,
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
    let on_duty = on_duty(&state.db, viewer, now()).await?;
    render_form(
        &DutyPage {
            ctx,
            on_duty,
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
    // Reception, the administrator and workgroup staff; not residents.
    viewer.require_staff()?;
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
    // Reception, the administrator and workgroup staff; not residents.
    viewer.require_staff()?;
    let request = record::by_code(&state.db, form.code.trim().to_uppercase().as_str())
        .await?
        .filter(|r| r.community_id == viewer.community_id);
    let request = match request {
        Some(r) if may_hand(&state.db, &viewer, &r).await? => r,
        _ => return show(&state, ctx, &viewer, form, "duty-error-no-request", "").await,
    };
    if request.category_private
        || !crate::requests::model::Status::parse(&request.status).is_some_and(|s| s.is_open())
    {
        return show(&state, ctx, &viewer, form, "duty-error-not-handable", "").await;
    }
    let on = on_duty(&state.db, &viewer, now()).await?;
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
