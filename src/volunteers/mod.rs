//! Volunteers on duty: teams that keep a roster (the Red Armband patrol),
//! recurring shifts with sign-ups, a lead's approval where the team wants
//! it, swaps within the team, reminders before a shift, who is on duty now,
//! requests handed to them as tasks, and service hours.

mod api;
pub mod duty;
pub mod hours;
mod pages;
mod report;
pub mod roster;
pub mod rules;
mod shifts;
pub mod store;
pub mod swaps;
pub mod tasks;

use axum::Router;
use axum::routing::{get, post};

use crate::db::{BeginWrite, Db, StoreError, iso, now};
use crate::on_db;
use crate::web::AppState;

pub use api::VolunteersApi;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/volunteers", get(pages::home))
        .route("/volunteers/profile", post(pages::save_profile))
        .route(
            "/volunteers/shifts/new",
            get(shifts::new_shift_form).post(shifts::new_shift),
        )
        .route(
            "/volunteers/shifts/{id}",
            get(shifts::shift_page).post(shifts::shift_act),
        )
        .route("/volunteers/swaps/{id}", post(pages::answer_swap))
        .route(
            "/volunteers/teams",
            get(pages::teams).post(pages::save_team),
        )
        .route("/volunteers/hours", get(hours::page).post(hours::claim))
        .route("/volunteers/hours/certificate", get(hours::certificate))
        .route("/volunteers/report", get(report::report))
        .route("/volunteers/claims/{id}", post(report::decide))
        .route(
            "/volunteers/tasks/{id}",
            get(tasks::show_task).post(tasks::done),
        )
        .route("/duty", get(duty::page).post(duty::hand))
        .route("/api/v1/volunteers/shifts", get(api::shifts))
        .route("/api/v1/volunteers/tasks", get(api::tasks))
}

/// How long before a shift its people are reminded.
const REMIND_BEFORE: i64 = 2 * 3600;

/// Reminds the people on shifts that begin within two hours, once each:
/// the reminder is claimed by the same statement that finds it, so two
/// instances never both send it, and a pass after downtime catches up on
/// shifts that have not begun.
pub async fn remind(db: &Db, at: i64) -> Result<u64, StoreError> {
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let due: Vec<(i64, String)> = sqlx::query_as(
                "UPDATE shift_signups SET reminded_at = $1 WHERE reminded_at IS NULL AND state = 'on' \
                 AND shift_id IN (SELECT id FROM shifts WHERE starts_at > $1 AND starts_at <= $2) \
                 RETURNING account_id, (SELECT title FROM shifts WHERE shifts.id = shift_signups.shift_id)",
            )
            .bind(at)
            .bind(at + REMIND_BEFORE)
            .fetch_all(&mut *tx)
            .await?;
            for (account_id, title) in &due {
                sqlx::query(
                    "INSERT INTO notifications (account_id, message_key, detail, created_at) VALUES ($1, 'notify-duty-soon', $2, $3)",
                )
                .bind(account_id)
                .bind(title)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(due.len() as u64)
        }
        .await
    })?)
}

/// Once a minute: the reminders before shifts.
pub async fn run_forever(db: Db) {
    loop {
        if let Err(e) = remind(&db, now()).await {
            tracing::warn!(error = ?e, "reminding volunteers of their shifts");
        }
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
}

/// A person's part of their own-data download: their profile, shifts,
/// tasks and hours written by hand.
pub async fn own_duty(db: &Db, account_id: i64) -> Result<serde_json::Value, StoreError> {
    let profile = store::profile(db, account_id).await?;
    let shifts: Vec<(String, String, i64, i64, String, i64)> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT s.title, s.place, s.starts_at, s.ends_at, g.state, g.minutes FROM shift_signups g \
         JOIN shifts s ON s.id = g.shift_id WHERE g.account_id = $1 ORDER BY s.starts_at"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
    })?;
    let tasks = tasks::tasks_of(db, account_id).await?;
    let served = hours::served(db, account_id).await?;
    Ok(serde_json::json!({
        "profile": { "skills": profile.skills, "languages": profile.languages, "available": profile.available },
        "shifts": shifts.iter().map(|(title, place, starts, ends, state, minutes)| serde_json::json!({
            "title": title, "place": place, "starts_at": iso(*starts), "ends_at": iso(*ends), "state": state, "minutes": minutes,
        })).collect::<Vec<_>>(),
        "tasks": tasks.iter().map(|t| serde_json::json!({
            "request": t.tracking_code, "handed_at": iso(t.handed_at), "done_at": t.done_at.map(iso), "note": t.note, "minutes": t.minutes,
        })).collect::<Vec<_>>(),
        "hours": served.iter().map(|s| serde_json::json!({
            "at": iso(s.at), "minutes": s.minutes, "source": s.source,
        })).collect::<Vec<_>>(),
    }))
}

/// The demo estate's roster: the Red Armband team (the security
/// workgroup) with an evening patrol every day for a week, its two
/// volunteers signed up, one on duty now with a request handed to them.
pub async fn demo(
    db: &Db,
    community_id: i64,
    team: i64,
    lead: &crate::auth::Viewer,
    volunteers: &[i64],
    request: Option<&crate::requests::record::RequestRow>,
) -> Result<(), StoreError> {
    store::set_team(db, community_id, team, false).await?;
    for v in volunteers {
        store::save_profile(
            db,
            *v,
            &store::Profile {
                skills: "巡逻、陪老人看病 Patrol, going to the doctor with elderly neighbours"
                    .into(),
                languages: "普通话、上海话 Mandarin, Shanghainese".into(),
                available: "工作日晚上 Weekday evenings".into(),
            },
        )
        .await?;
    }
    let at = now();
    let hour = 3600;
    // Today's patrol is going on now, so the duty view has someone on it.
    let now_starts = at - at.rem_euclid(hour) - hour;
    let now_shift = roster::add_shifts(
        db,
        &roster::NewShift {
            community_id,
            team_id: team,
            title: "巡逻 Patrol",
            place: "南门岗亭 South gate booth",
            route: "南门—1号楼—荷花池—3号楼 South gate, building 1, lily pond, building 3",
            places: 2,
            created_by: lead.id,
        },
        &[(now_starts, now_starts + 3 * hour)],
    )
    .await?
    .first()
    .copied()
    .unwrap_or_default();
    // A week of evening patrols, 19:00 to 21:00 from tomorrow.
    let tz = crate::community::Community::by_id(db, community_id)
        .await?
        .tz();
    let tomorrow = crate::rooms::rules::local(&tz, at).and_then(|t| t.date().tomorrow().ok());
    let seven = |h| jiff::civil::Time::new(h, 0, 0, 0).unwrap_or(jiff::civil::Time::midnight());
    let evenings: Vec<rules::Span> = (0..7)
        .filter_map(|d| tomorrow.and_then(|t| t.checked_add(jiff::Span::new().days(d)).ok()))
        .flat_map(|day| rules::weekly(&tz, day, seven(19), seven(21), 1))
        .collect();
    let week = roster::add_shifts(
        db,
        &roster::NewShift {
            community_id,
            team_id: team,
            title: "晚间巡逻 Evening patrol",
            place: "南门岗亭 South gate booth",
            route: "南门—1号楼—荷花池—3号楼 South gate, building 1, lily pond, building 3",
            places: 2,
            created_by: lead.id,
        },
        &evenings,
    )
    .await?;
    if let Some(on_duty) = volunteers.first()
        && let Some(shift) = roster::shift(db, community_id, now_shift, *on_duty).await?
    {
        roster::sign_up(db, &shift, *on_duty).await?;
        if let Some(request) = request {
            let name: String = on_db!(db, |pool| sqlx::query_scalar(
                "SELECT display_name FROM accounts WHERE id = $1"
            )
            .bind(*on_duty)
            .fetch_one(pool)
            .await)?;
            duty::hand_over(db, request, *on_duty, &name, lead).await?;
        }
    }
    for (n, v) in volunteers.iter().enumerate() {
        for id in week.iter().skip(n).step_by(2) {
            if let Some(shift) = roster::shift(db, community_id, *id, *v).await? {
                roster::sign_up(db, &shift, *v).await?;
            }
        }
    }
    Ok(())
}
