//! Community life: activities and recurring classes organised by a
//! workgroup, at a place (holding its room when it is bookable), with a
//! capacity; sign-up per occurrence or for the series with a waiting list
//! that moves up by itself; attendance by the organiser's list or the QR
//! code at the door; calendar feeds; the screen's panel; reminders.

mod api;
pub mod attendance;
mod changes;
mod demo;
mod feeds;
mod organise;
mod pages;
pub mod recurrence;
pub mod signup;
pub mod store;

use axum::Router;
use axum::routing::{get, post};

use crate::auth::{Role, Viewer};
use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;
use crate::web::AppState;

pub use api::ActivitiesApi;

/// A link another capability puts on an activity's page, as (message key,
/// address): for the legal team's class, its topic and books.
pub type PageLink = Option<(&'static str, String)>;

/// Finding a capability's link, given the community, the activity and its
/// workgroup. Registered by the entry, so activities know no capability
/// above them.
pub type PageLinkOf = for<'a> fn(&'a Db, i64, i64, i64) -> LinkFuture<'a>;

pub type LinkFuture<'a> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<PageLink, StoreError>> + Send + 'a>>;

/// The links registered for activities' pages.
#[derive(Clone, Default)]
pub struct PageLinks(pub Vec<PageLinkOf>);
pub use attendance::resident;
pub use demo::demo;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/activities", get(pages::list))
        .route("/activities/mine", get(pages::mine))
        .route("/activities/calls", get(changes::calls))
        .route("/activities/calls/{id}/told", post(changes::told))
        .route("/activities/mine/feed", post(feeds::reset_feed))
        .route(
            "/activities/new",
            get(organise::new_page).post(organise::create),
        )
        .route("/activities/{id}", get(pages::activity))
        .route("/activities/{id}/series", post(pages::join_series))
        .route("/activities/{id}/series/leave", post(pages::leave_series))
        .route("/activities/{id}/attendance", get(attendance::month))
        .route("/activities/occurrences/{id}", get(attendance::occurrence))
        .route("/activities/occurrences/{id}/signup", post(pages::sign_up))
        .route("/activities/occurrences/{id}/leave", post(pages::leave))
        .route(
            "/activities/occurrences/{id}/walk-in",
            post(attendance::walk_in),
        )
        .route(
            "/activities/occurrences/{id}/attended",
            post(attendance::attended),
        )
        .route(
            "/activities/occurrences/{id}/cancel",
            post(changes::cancel_occurrence),
        )
        .route(
            "/activities/occurrences/{id}/move",
            post(changes::move_occurrence),
        )
        .route(
            "/activities/check-in/{code}",
            get(attendance::check_in_page).post(attendance::check_in),
        )
        .route("/calendar/{file}", get(feeds::feed))
        .route("/api/v1/activities", get(api::list))
        .route("/api/v1/activities/{id}/signups", post(api::sign_up))
}

/// Whether the person organises the workgroup's activities: its members
/// and leads, and the secretary.
pub async fn organises(db: &Db, viewer: &Viewer, workgroup_id: i64) -> Result<bool, StoreError> {
    if viewer.role() == Role::Admin {
        return Ok(true);
    }
    if !viewer.is_staff() {
        return Ok(false);
    }
    let member: Option<i64> = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT account_id FROM workgroup_members WHERE workgroup_id = $1 AND account_id = $2"
    )
    .bind(workgroup_id)
    .bind(viewer.id)
    .fetch_optional(pool)
    .await)?;
    Ok(member.is_some())
}

/// The workgroups whose activities the person organises.
pub async fn organised_by(
    db: &Db,
    viewer: &Viewer,
) -> Result<Vec<crate::community::Workgroup>, StoreError> {
    let all = crate::community::Workgroup::list(db, viewer.community_id).await?;
    organised_among(db, viewer, &all).await
}

/// Those of `groups` whose activities the person organises.
pub async fn organised_among(
    db: &Db,
    viewer: &Viewer,
    groups: &[crate::community::Workgroup],
) -> Result<Vec<crate::community::Workgroup>, StoreError> {
    let mut mine = Vec::new();
    for w in groups {
        if organises(db, viewer, w.id).await? {
            mine.push(w.clone());
        }
    }
    Ok(mine)
}

/// Joins the whole series: every occurrence still open, and the ones
/// written later. The states given, in order.
pub async fn join_series(
    db: &Db,
    activity: &store::Activity,
    account_id: i64,
) -> Result<usize, StoreError> {
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO series_signups (activity_id, account_id, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
    )
    .bind(activity.id)
    .bind(account_id)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    let at = now();
    let coming = store::occurrences(
        db,
        activity.community_id,
        Some(activity.id),
        at,
        i64::MAX / 2,
        1000,
    )
    .await?;
    let mut joined = 0;
    for o in coming.iter().filter(|o| signup::open_at(o, at).is_ok()) {
        match signup::sign_up(db, o, &signup::Who::Account(account_id), true, None).await {
            Ok(_) => joined += 1,
            Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(joined)
}

/// Leaves the series: every future occurrence, and the ones written later.
pub async fn leave_series(
    db: &Db,
    activity: &store::Activity,
    account_id: i64,
    zone: &jiff::tz::TimeZone,
) -> Result<(), StoreError> {
    on_db!(db, |pool| sqlx::query(
        "DELETE FROM series_signups WHERE activity_id = $1 AND account_id = $2"
    )
    .bind(activity.id)
    .bind(account_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    let coming = store::occurrences(
        db,
        activity.community_id,
        Some(activity.id),
        now(),
        i64::MAX / 2,
        1000,
    )
    .await?;
    for o in &coming {
        signup::cancel(db, o, account_id, &signup::detail(o, zone)).await?;
    }
    Ok(())
}

/// Cancels every future sign-up of the person (their account is closing);
/// the waiting lists move up.
pub async fn cancel_future_of(db: &Db, account_id: i64) -> Result<(), StoreError> {
    let at = now();
    let ids: Vec<(i64, i64)> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT o.id, o.community_id FROM signups s JOIN occurrences o ON o.id = s.occurrence_id \
         WHERE s.account_id = $1 AND s.state <> 'cancelled' AND o.starts_at > $2"
    )
    .bind(account_id)
    .bind(at)
    .fetch_all(pool)
    .await
    })?;
    on_db!(db, |pool| sqlx::query(
        "DELETE FROM series_signups WHERE account_id = $1"
    )
    .bind(account_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    for (id, community_id) in ids {
        if let Some(o) = store::occurrence(db, community_id, id).await? {
            let zone = crate::web::Community::by_id(db, community_id).await?.tz();
            signup::cancel(db, &o, account_id, &signup::detail(&o, &zone)).await?;
        }
    }
    crate::rooms::store::cancel_future_of(db, account_id).await?;
    Ok(())
}

/// One sign-up, as the person's own-data download gives it.
#[derive(sqlx::FromRow)]
struct OwnSignup {
    title_zh: String,
    title_en: String,
    starts_at: i64,
    ends_at: i64,
    state: String,
    series: bool,
    attended_at: Option<i64>,
}

/// A person's part of their own-data download: their sign-ups.
pub async fn own_signups(db: &Db, account_id: i64) -> Result<serde_json::Value, StoreError> {
    let rows: Vec<OwnSignup> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT a.title_zh, a.title_en, o.starts_at, o.ends_at, s.state, s.series, s.attended_at \
         FROM signups s JOIN occurrences o ON o.id = s.occurrence_id JOIN activities a ON a.id = o.activity_id \
         WHERE s.account_id = $1 ORDER BY o.starts_at"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
    })?;
    let list: Vec<serde_json::Value> = rows
        .into_iter()
        .map(|r| {
            serde_json::json!({
                "activity_zh": r.title_zh,
                "activity_en": r.title_en,
                "starts_at": crate::db::iso(r.starts_at),
                "ends_at": crate::db::iso(r.ends_at),
                "state": r.state,
                "whole_series": r.series,
                "attended_at": r.attended_at.map(crate::db::iso),
            })
        })
        .collect();
    Ok(serde_json::json!(list))
}

/// Reminders, once each however many instances run them: the day before
/// an occurrence one is going to, and an hour before a booking.
pub async fn remind(db: &Db, at: i64) -> Result<u64, StoreError> {
    let due: Vec<(String, i64, String, String)> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT 'signup:' || CAST(s.id AS TEXT), s.account_id, 'notify-activity-tomorrow', \
         a.title_zh || ' ' || a.title_en FROM signups s JOIN occurrences o ON o.id = s.occurrence_id \
         JOIN activities a ON a.id = o.activity_id \
         WHERE s.state = 'going' AND s.account_id IS NOT NULL AND o.cancelled_at IS NULL \
         AND o.starts_at > $1 AND o.starts_at <= $1 + 86400 \
         UNION ALL \
         SELECT 'booking:' || CAST(b.id AS TEXT), b.account_id, 'notify-booking-soon', p.name_zh || ' ' || p.name_en \
         FROM bookings b JOIN rooms r ON r.id = b.room_id JOIN places p ON p.id = r.place_id \
         WHERE b.state = 'confirmed' AND b.account_id IS NOT NULL AND b.starts_at > $1 AND b.starts_at <= $1 + 3600"
    )
    .bind(at)
    .fetch_all(pool)
    .await
    })?;
    let mut sent = 0;
    for (key, account, message, detail) in due {
        let key = format!("remind:{key}");
        let fresh = on_db!(db, |pool| {
            async {
                let mut tx = pool.begin_write().await?;
                let fresh = sqlx::query("INSERT INTO jobs_done (job_key, done_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(&key)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if fresh > 0 {
                    sqlx::query("INSERT INTO notifications (account_id, message_key, detail, created_at) VALUES ($1, $2, $3, $4)")
                        .bind(account)
                        .bind(&message)
                        .bind(&detail)
                        .bind(at)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok::<u64, sqlx::Error>(fresh)
            }
            .await
        })?;
        sent += fresh;
    }
    Ok(sent)
}

/// Every few minutes: occurrences kept written ahead, and reminders.
pub async fn run_forever(db: Db) {
    loop {
        let at = now();
        if let Err(e) = store::keep_ahead(&db, at).await {
            tracing::warn!(error = ?e, "writing occurrences ahead");
        }
        match remind(&db, at).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(reminders = n, "activity and booking reminders"),
            Err(e) => tracing::warn!(error = ?e, "reminding of activities"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(300)).await;
    }
}

/// The words a sign-up's state is shown with.
pub fn state_key(state: &str) -> String {
    format!("signup-state-{state}")
}

pub const SIGNUP_STATES: [&str; 3] = ["going", "waiting", "cancelled"];
