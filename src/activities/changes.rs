//! Exceptions to a series: one time cancelled, or moved to another time,
//! with a reason everyone signed up is told; the screens hear at once.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::SignedIn;
use crate::db::{BeginWrite, now};
use crate::hold_room;
use crate::on_db;
use crate::rooms::rules::{at_local, parse_date, parse_time};
use crate::rooms::store::Holder;
use crate::web::{AppError, AppState, Ctx};

/// Walk-ins signed up with a phone (no account, so no inbox) go on
/// reception's list to be told; inside the change's transaction.
#[macro_export]
macro_rules! desk_news_for_walk_ins {
    ($tx:expr, $occurrence_id:expr, $key:expr, $detail:expr) => {
        sqlx::query(
            "UPDATE signups SET desk_news = $2, desk_detail = $3, desk_news_at = $4 \
             WHERE occurrence_id = $1 AND account_id IS NULL AND walk_in_phone <> '' \
             AND state IN ('going', 'waiting')",
        )
        .bind($occurrence_id)
        .bind($key)
        .bind($detail)
        .bind($crate::db::now())
        .execute(&mut *$tx)
        .await
    };
}

/// One walk-in to call with news.
#[derive(Debug, sqlx::FromRow)]
pub struct ToCall {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub news: String,
    pub detail: String,
}

#[derive(askama::Template)]
#[template(path = "activity_calls.html")]
struct CallsPage {
    ctx: Ctx,
    calls: Vec<ToCall>,
}

fn desk(viewer: &crate::auth::Viewer) -> Result<(), AppError> {
    viewer.require(&[crate::auth::Role::Reception, crate::auth::Role::Admin])
}

/// Reception's list of walk-ins to tell of a cancelled or moved time.
pub async fn calls(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    desk(&viewer)?;
    let calls = on_db!(&state.db, |pool| sqlx::query_as::<_, ToCall>(
        "SELECT s.id, s.walk_in_name AS name, s.walk_in_phone AS phone, s.desk_news AS news, \
         s.desk_detail AS detail FROM signups s JOIN occurrences o ON o.id = s.occurrence_id \
         WHERE s.desk_news_at IS NOT NULL AND o.community_id = $1 ORDER BY s.desk_news_at LIMIT 200"
    )
    .bind(viewer.community_id)
    .fetch_all(pool)
    .await)?;
    crate::web::render(&CallsPage { ctx, calls })
}

/// Reception told them: off the list.
pub async fn told(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    desk(&viewer)?;
    on_db!(&state.db, |pool| sqlx::query(
        "UPDATE signups SET desk_news_at = NULL WHERE id = $1 \
         AND occurrence_id IN (SELECT id FROM occurrences WHERE community_id = $2)"
    )
    .bind(id)
    .bind(viewer.community_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(Redirect::to("/activities/calls").into_response())
}

/// The occurrence, if the person organises its activity.
async fn organised(
    state: &AppState,
    viewer: &crate::auth::Viewer,
    id: i64,
) -> Result<crate::activities::store::Occurrence, AppError> {
    let o = super::pages::occurrence_of(state, viewer, id).await?;
    if !super::organises(&state.db, viewer, o.workgroup_id).await? {
        return Err(AppError::Forbidden);
    }
    Ok(o)
}

/// The reason everyone is told: a few words, required.
fn reason_given(typed: &str) -> Result<&str, AppError> {
    let reason = typed.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(AppError::BadRequest("activity-reason-required"));
    }
    Ok(reason)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CancelForm {
    reason: String,
}

/// Cancels one occurrence: its room is freed, everyone on it is told the
/// reason, and the screens take it off today's list at once.
pub async fn cancel_occurrence(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<CancelForm>,
) -> Result<Response, AppError> {
    let o = organised(&state, &viewer, id).await?;
    let reason = reason_given(&form.reason)?;
    if o.cancelled_at.is_some() {
        return Ok(Redirect::to(&format!("/activities/occurrences/{id}")).into_response());
    }
    let detail = format!(
        "{} — {reason}",
        super::signup::detail(&o, &ctx.community.tz())
    );
    let payload = serde_json::json!({"occurrence": o.id, "reason": reason});
    let community_id = viewer.community_id;
    on_db!(&state.db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE occurrences SET cancelled_at = $1, reason = $2 WHERE id = $3 AND cancelled_at IS NULL")
                .bind(now())
                .bind(reason)
                .bind(o.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE bookings SET state = 'cancelled' WHERE occurrence_id = $1 AND state IN ('pending', 'confirmed')")
                .bind(o.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO notifications (account_id, message_key, detail, created_at) \
                 SELECT account_id, 'notify-activity-cancelled', $2, $3 FROM signups \
                 WHERE occurrence_id = $1 AND account_id IS NOT NULL AND state IN ('going', 'waiting')",
            )
            .bind(o.id)
            .bind(&detail)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            crate::desk_news_for_walk_ins!(tx, o.id, "notify-activity-cancelled", &detail)?;
            crate::record_live_event!(tx, community_id, "activity_cancelled", payload)?;
            tx.commit().await
        }
        .await
    })?;
    Ok(Redirect::to(&format!("/activities/occurrences/{id}")).into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MoveForm {
    date: String,
    time: String,
    reason: String,
}

/// Moves one time to another day or hour (the same length): its room is
/// held at the new time (refused if taken there), everyone on it is told
/// the new time and the reason, and the feeds carry it as an exception.
pub async fn move_occurrence(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<MoveForm>,
) -> Result<Response, AppError> {
    let o = organised(&state, &viewer, id).await?;
    let reason = reason_given(&form.reason)?;
    let tz = ctx.community.tz();
    let (Some(date), Some(time)) = (parse_date(&form.date), parse_time(&form.time)) else {
        return Err(AppError::BadRequest("booking-time-wrong"));
    };
    let starts = at_local(&tz, date, time).ok_or(AppError::BadRequest("booking-time-wrong"))?;
    if starts < now() {
        return Err(AppError::BadRequest("booking-in-the-past"));
    }
    if o.cancelled_at.is_some() {
        return Err(AppError::Conflict("signup-cancelled"));
    }
    let ends = starts + (o.ends_at - o.starts_at);
    let room: Option<(i64, i64)> = on_db!(&state.db, |pool| {
        sqlx::query_as(
        "SELECT room_id, community_id FROM bookings WHERE occurrence_id = $1 AND state = 'confirmed' LIMIT 1"
    )
    .bind(o.id)
    .fetch_optional(pool)
    .await
    })?;
    let mut moved = o.clone();
    moved.starts_at = starts;
    moved.ends_at = ends;
    let detail = format!("{} — {reason}", super::signup::detail(&moved, &tz));
    let payload = serde_json::json!({"occurrence": o.id, "starts_at": crate::db::iso(starts), "reason": reason});
    let community_id = viewer.community_id;
    let done = on_db!(&state.db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            if let Some((room_id, community)) = room {
                sqlx::query("UPDATE bookings SET state = 'cancelled' WHERE occurrence_id = $1 AND state = 'confirmed'")
                    .bind(o.id)
                    .execute(&mut *tx)
                    .await?;
                let held = hold_room!(tx, community, room_id, starts, ends, Holder::Occurrence(o.id)).await?;
                if held.is_none() {
                    return Ok::<bool, sqlx::Error>(false);
                }
            }
            sqlx::query("UPDATE occurrences SET starts_at = $1, ends_at = $2, reason = $3 WHERE id = $4")
                .bind(starts)
                .bind(ends)
                .bind(reason)
                .bind(o.id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO notifications (account_id, message_key, detail, created_at) \
                 SELECT account_id, 'notify-activity-moved', $2, $3 FROM signups \
                 WHERE occurrence_id = $1 AND account_id IS NOT NULL AND state IN ('going', 'waiting')",
            )
            .bind(o.id)
            .bind(&detail)
            .bind(now())
            .execute(&mut *tx)
            .await?;
            crate::desk_news_for_walk_ins!(tx, o.id, "notify-activity-moved", &detail)?;
            crate::record_live_event!(tx, community_id, "activity_moved", payload)?;
            tx.commit().await?;
            Ok(true)
        }
        .await
    });
    match done {
        Ok(true) => Ok(Redirect::to(&format!("/activities/occurrences/{id}")).into_response()),
        Ok(false) => Err(AppError::Conflict("activity-room-taken")),
        Err(e) if crate::rooms::store::is_overlap(&e) => {
            Err(AppError::Conflict("activity-room-taken"))
        }
        Err(e) => Err(crate::db::StoreError::from(e).into()),
    }
}
