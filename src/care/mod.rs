//! Care for residents who live alone: with the resident's recorded
//! consent, a plan by level of need, contacts by a named carer and a
//! backup, the resident's own "I'm fine" (phone or kiosk) and "I need
//! help", an alert raised by itself when a contact is missed, and the
//! visit rate. Only the resident, their carers, the care team and the
//! secretary open a plan, and every opening by someone else is logged.

pub mod access_log;
pub mod alerts;
mod api;
mod kiosk;
mod pages;
mod plans;
pub mod rules;
pub mod store;

use axum::Router;
use axum::routing::{get, post};

use crate::auth::Viewer;
use crate::db::{Db, StoreError, iso, now};
use crate::on_db;
use crate::web::AppState;

pub use api::CareApi;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/care", get(pages::home))
        .route("/care/new", get(plans::new_form).post(plans::create))
        .route(
            "/care/plans/{id}",
            get(plans::plan_page).post(plans::plan_act),
        )
        .route("/care/fine", post(pages::fine))
        .route("/care/withdraw", post(pages::withdraw))
        .route("/care/log", get(pages::log))
        .route("/kiosk/{token}/fine", get(kiosk::page).post(kiosk::fine))
        .route("/api/v1/care/plans", get(api::plans))
        .route("/api/v1/care/checkins", post(api::check_in))
}

/// Whether the person is on the care team: `Some(true)` for one of its
/// leads.
pub async fn on_care_team(db: &Db, viewer: &Viewer) -> Result<Option<bool>, StoreError> {
    let sql = format!(
        "SELECT is_lead FROM workgroup_members WHERE workgroup_id = {} AND account_id = $2",
        alerts::care_team_sql("$1")
    );
    Ok(on_db!(db, |pool| sqlx::query_scalar::<_, bool>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(viewer.community_id)
    .bind(viewer.id)
    .fetch_optional(pool)
    .await)?)
}

/// Raises the alerts of missed contacts: once a minute, and at once on
/// start, which catches up after downtime.
pub async fn run_forever(db: Db) {
    loop {
        if let Err(e) = alerts::sweep(&db, now()).await {
            tracing::warn!(error = ?e, "raising care alerts");
        }
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
}

/// A person's part of their own-data download: their own care record
/// (consent, plan, contacts). Reception's copy holds none of it.
pub async fn own_care(
    db: &Db,
    account_id: i64,
    at_the_desk: bool,
) -> Result<serde_json::Value, StoreError> {
    let mut out = Vec::new();
    if at_the_desk {
        return Ok(serde_json::json!(out));
    }
    for p in store::plans_of_resident(db, account_id).await? {
        let history = store::history(db, p.id).await?;
        out.push(serde_json::json!({
            "id": p.id, "level": p.level, "every_days": p.every_days, "carer": p.carer_name, "backup": p.backup_name,
            "consent": { "how": p.consent_how, "recorded_by": p.consent_by, "at": iso(p.consent_at) },
            "began_at": iso(p.began_at), "next_contact_due": iso(p.due_at), "closed_at": p.closed_at.map(iso),
            "notes": p.notes,
            "contacts": history.iter().map(|c| serde_json::json!({
                "kind": c.kind, "by": c.who, "door": c.door, "note": c.note, "at": iso(c.at),
            })).collect::<Vec<_>>(),
        }));
    }
    Ok(serde_json::json!(out))
}

/// A closed account's plan closes with it.
pub async fn close_with_account(db: &Db, account_id: i64) -> Result<(), StoreError> {
    for plan in store::plans_of_resident(db, account_id).await? {
        if plan.closed_at.is_none() {
            store::close(db, &plan, "account closed", true, account_id).await?;
        }
    }
    Ok(())
}

/// The demo estate's care: Huang at high risk, weekly, last visited nine
/// days ago (overdue, so an alert is open); Sun in a key group, monthly;
/// Ma quarterly, visited forty days ago. Wu (the recreation group's lead)
/// cares, Zhao backs up.
pub async fn demo(
    db: &Db,
    community_id: i64,
    residents: [i64; 3],
    carer: i64,
    backup: i64,
    recorded_by: i64,
) -> Result<(), StoreError> {
    let at = now();
    let day = 86_400;
    let plans = [
        (
            residents[0],
            rules::Level::High,
            7,
            20 * day,
            Some(9 * day),
            "独居，有高血压；女儿在外地。 Lives alone, high blood pressure; her daughter lives in another city.",
        ),
        (
            residents[1],
            rules::Level::Key,
            30,
            40 * day,
            Some(5 * day),
            "退休独居，白天一个人在家。 Retired, alone during the day.",
        ),
        (
            residents[2],
            rules::Level::Other,
            90,
            60 * day,
            Some(40 * day),
            "",
        ),
    ];
    for (resident, level, every, began, last, notes) in plans {
        let id = store::create(
            db,
            &store::NewPlan {
                community_id,
                account_id: resident,
                consent_how: "written",
                recorded_by,
                level,
                every_days: every,
                carer_id: carer,
                backup_id: Some(backup),
                grace_hours: 24,
                notes,
            },
            at - began,
        )
        .await?;
        if let (Some(ago), Some(plan)) = (last, store::plan(db, community_id, id).await?) {
            store::check_in(
                db,
                &plan,
                rules::CheckIn::Visited,
                Some(carer),
                "page",
                "",
                at - ago,
            )
            .await?;
        }
    }
    alerts::sweep(db, at).await?;
    Ok(())
}
