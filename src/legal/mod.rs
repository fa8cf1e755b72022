//! Confidential legal aid and legal education. A resident asks for help
//! (or reception asks for them); the legal team's lead assigns a volunteer
//! lawyer; an appointment is booked from the volunteer's free hours;
//! notes, documents and follow-ups are kept; the resident rates the help.
//! Only the resident, the assigned volunteers and the team's lead open a
//! case, and every opening is logged for the secretary. The monthly class
//! is a recurring activity of the team, with its topic's books linked.

mod access_log;
mod api;
mod case;
mod classes;
mod desk;
pub mod keeping;
mod log;
mod pages;
pub mod rules;
mod slots;
pub mod store;

use axum::Router;
use axum::routing::{get, post};

use crate::db::{Db, StoreError, iso, now};
use crate::web::AppState;

pub use api::LegalApi;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/legal", get(pages::home))
        .route("/legal/new", get(pages::ask_form).post(pages::ask))
        .route("/legal/cases/{id}", get(case::show).post(case::act))
        .route("/legal/cases/{id}/documents", post(case::upload))
        .route("/legal/documents/{id}", get(case::document))
        .route("/legal/requests/{id}/move", post(pages::move_request))
        .route("/legal/slots", get(slots::page).post(slots::create))
        .route("/legal/slots/{id}/delete", post(slots::delete))
        .route("/legal/desk", get(desk::page))
        .route(
            "/legal/desk/{person}/cases",
            get(desk::ask_form).post(desk::file),
        )
        .route("/legal/desk/{person}/book", post(desk::book))
        .route("/legal/log", get(log::page).post(log::save))
        .route("/legal/classes", get(classes::list))
        .route(
            "/legal/classes/{id}",
            get(classes::show).post(classes::save),
        )
        .route("/legal/report", get(classes::report))
        .route("/api/v1/legal/cases", get(api::own_cases))
        .route("/api/v1/legal/cases/{id}", get(api::case))
}

/// Removes the personal data of cases whose keeping has ended: once an
/// hour.
pub async fn run_forever(db: Db) {
    loop {
        if let Err(e) = keeping::erase_due(&db).await {
            tracing::warn!(error = ?e, "removing legal aid's personal data");
        }
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
}

/// A person's part of their own-data download: their own cases, with
/// their notes and appointments (not who else opened them). Reception's
/// copy says nothing of legal aid, not even that there is a case.
pub async fn own_cases(
    db: &Db,
    account_id: i64,
    at_the_desk: bool,
) -> Result<serde_json::Value, StoreError> {
    let mut out = Vec::new();
    if at_the_desk {
        return Ok(serde_json::json!(out));
    }
    for c in store::of_resident(db, account_id).await? {
        let notes = store::notes(db, c.id).await?;
        let appointments = slots::of_case(db, c.id).await?;
        out.push(serde_json::json!({
            "id": c.id, "topic": c.topic, "state": c.state, "description": c.description,
            "preferred_times": c.preferred_times, "reach": c.reach, "reach_detail": c.reach_detail,
            "created_at": iso(c.created_at), "closed_at": c.closed_at.map(iso), "outcome": c.outcome,
            "rating": c.rating, "rating_comment": c.rating_comment,
            "notes": notes.iter().map(|n| serde_json::json!({
                "kind": n.kind, "body": n.body, "follow_up_on": n.follow_up_on, "at": iso(n.created_at),
            })).collect::<Vec<_>>(),
            "appointments": appointments.iter().map(|s| serde_json::json!({
                "starts_at": iso(s.starts_at), "ends_at": iso(s.ends_at), "with": s.volunteer, "place": s.place,
            })).collect::<Vec<_>>(),
        }));
    }
    Ok(serde_json::json!(out))
}

/// A closed account's cases keep their legal record for the period the
/// administrator set, then lose their personal data.
pub async fn keep_then_erase(db: &Db, account_id: i64) -> Result<(), StoreError> {
    keeping::keep_then_erase(db, account_id).await
}

/// The legal team's class on its activity's page: the next time's topic
/// and the corner's books on it.
pub async fn class_link(
    db: &Db,
    community_id: i64,
    activity_id: i64,
    workgroup_id: i64,
) -> Result<Option<(&'static str, String)>, StoreError> {
    if crate::library::legal_team(db, community_id).await? != Some(workgroup_id) {
        return Ok(None);
    }
    let next: Option<i64> = crate::on_db!(db, |pool| {
        sqlx::query_scalar(
        "SELECT id FROM occurrences WHERE activity_id = $1 AND ends_at > $2 ORDER BY starts_at LIMIT 1"
    )
    .bind(activity_id)
    .bind(now())
    .fetch_optional(pool)
    .await
    })?;
    Ok(next.map(|id| ("legal-class-link", format!("/legal/classes/{id}"))))
}

/// Legal aid as the dashboard may count it: this month's cases by topic.
pub async fn counts(
    db: &Db,
    community_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    store::counts(db, community_id, from, to).await
}

/// The demo estate's legal aid: two volunteer lawyers' free hours next
/// week, and Ma's open case (family), assigned to Li with an appointment.
pub async fn demo(
    db: &Db,
    community_id: i64,
    ma: i64,
    lawyers: &[i64],
    lead: i64,
) -> Result<(), StoreError> {
    let at = now();
    let day = 86_400;
    let next_week = at - at.rem_euclid(3600) + 7 * day;
    for (n, lawyer) in lawyers.iter().enumerate() {
        for hour in 0..4 {
            let starts = next_week + (n as i64) * day + hour * 3600;
            slots::add(
                db,
                community_id,
                *lawyer,
                starts,
                starts + 3600,
                "法律服务室 Legal aid room",
            )
            .await?;
        }
    }
    let id = store::create(
        db,
        &store::NewCase {
            community_id,
            account_id: ma,
            topic: "family",
            description: "老伴去世后，儿女对房子的继承有争议，想了解遗嘱和法定继承怎么算。",
            preferred_times: "工作日上午 Weekday mornings",
            reach: "phone",
            reach_detail: "13800000202",
            filed_by: None,
            from_request_id: None,
        },
    )
    .await?;
    let case = store::get(db, id).await?.ok_or(StoreError::NotFound)?;
    // The next class's topic, so its page lists the corner's books on it.
    let next = classes::between(db, community_id, at, at + 40 * day).await?;
    if let Some(class) = next.first() {
        classes::set(db, community_id, class.occurrence_id, "housing", "", lead).await?;
    }
    if let Some(first) = lawyers.first() {
        store::assign(db, &case, *first, lead).await?;
        let free = slots::free_for_case(db, id).await?;
        if let Some(slot) = free.first() {
            slots::book(db, slot.id, id, ma).await?;
        }
    }
    Ok(())
}
