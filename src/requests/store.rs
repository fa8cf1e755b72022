//! The writes that change a request: a lifecycle step carried out as
//! planned, an update or a note, an assignment. Every write
//! that changes a request appends to its history in the same transaction.

use crate::auth::Viewer;
use crate::db::{BeginWrite, Db, StoreError, now};
use crate::i18n::Lang;
use crate::on_db;

use super::lifecycle::{Action, Actor};
use super::model::Status;
use super::plan::{Change, Plan, Tell, needs_calendar, plan};
use super::record::{Audience, RequestRow};

/// Applies a lifecycle step: decides it (`plan`), then writes the status,
/// its timestamps, the clocks, the history and the news in one transaction.
pub async fn apply(
    db: &Db,
    request: &RequestRow,
    by: Option<&Viewer>,
    change: Change,
) -> Result<Status, StoreError> {
    let calendar = if needs_calendar(request, &change) {
        crate::calendar::for_community(db, request.community_id).await?
    } else {
        None
    };
    let plan = plan(request, &change, now(), calendar.as_ref())
        .map_err(|e| StoreError::Conflict(e.key()))?;
    if carry_out(db, request, by, change.actor, &plan).await? {
        Ok(plan.to)
    } else {
        Err(StoreError::Conflict("transition-changed-meanwhile"))
    }
}

/// Writes a plan. False when the request's status changed meanwhile (two
/// handlers cannot both move the same request).
async fn carry_out(
    db: &Db,
    request: &RequestRow,
    by: Option<&Viewer>,
    actor: Actor,
    plan: &Plan,
) -> Result<bool, StoreError> {
    let at = plan.at;
    let actor_id = by.map(|v| v.id);
    let actor_role = match actor {
        Actor::Reporter => "reporter",
        Actor::System => "system",
        Actor::Staff => by.map(|v| v.role().as_str()).unwrap_or("staff"),
    };
    let (request_id, community_id, workgroup_id) =
        (request.id, request.community_id, request.workgroup_id);
    let resolved_payload = plan.announce_resolved.then(|| {
        serde_json::json!({
            "code": request.tracking_code, "icon": request.icon,
            "category_zh": request.category_zh, "category_en": request.category_en,
            "place_zh": request.public_place_name(Lang::Zh), "place_en": request.public_place_name(Lang::En),
            "description": request.description.chars().take(140).collect::<String>(),
            "message": plan.public_message,
        })
    });
    let written: Result<bool, sqlx::Error> = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            // Compare-and-set on the status.
            let updated = sqlx::query(
                "UPDATE requests SET status = $1, updated_at = $2, response_due_at = $3, resolution_due_at = $4, \
                 responded_at = $5, resolved_at = $6, closed_at = $7, paused_since = $8, duplicate_of = $9, \
                 referred_to = $10, rejection_reason = $11, rating = COALESCE($12, rating), \
                 rating_comment = $13, rated_at = CASE WHEN $12 IS NULL THEN rated_at ELSE $2 END, \
                 assignee_id = CASE WHEN $14 THEN COALESCE((SELECT account_id FROM workgroup_members \
                     WHERE workgroup_id = $15 AND is_lead ORDER BY account_id LIMIT 1), assignee_id) \
                     ELSE assignee_id END, \
                 desk_news_at = CASE WHEN $18 THEN NULL ELSE desk_news_at END \
                 WHERE id = $16 AND status = $17",
            )
            .bind(plan.to.as_str())
            .bind(at)
            .bind(plan.deadlines.response_due)
            .bind(plan.deadlines.resolution_due)
            .bind(plan.responded_at)
            .bind(plan.resolved_at)
            .bind(plan.closed_at)
            .bind(plan.paused_since)
            .bind(plan.duplicate_of)
            .bind(&plan.referred_to)
            .bind(&plan.rejection_reason)
            .bind(plan.rating)
            .bind(&plan.rating_comment)
            .bind(plan.back_to_lead)
            .bind(workgroup_id)
            .bind(request_id)
            .bind(plan.from.as_str())
            .bind(plan.clears_desk_news)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated == 0 {
                return Ok(false);
            }
            insert_event!(tx, request_id, at, actor_id, actor_role, plan.event_kind, Some(plan.from.as_str()),
                Some(plan.to.as_str()), &plan.public_message, &plan.note, Audience::Public.as_str())?;
            if let Some(payload) = &resolved_payload {
                crate::record_live_event!(tx, community_id, "request_resolved", payload.clone())?;
            }
            for tell in &plan.tell {
                match *tell {
                    Tell::Desk => {
                        desk_news!(tx, request_id, community_id, at)?;
                    }
                    Tell::Reporter(reporter, key) => {
                        notify!(tx, reporter, request_id, key, at)?;
                    }
                    Tell::Text(key) => {
                        text_news!(tx, request_id, key, at)?;
                    }
                    Tell::Followers(key) => {
                        sqlx::query(
                            "INSERT INTO notifications (account_id, request_id, message_key, created_at) \
                             SELECT f.account_id, $1, $3, $2 FROM request_followers f JOIN requests r ON r.id = f.request_id \
                             WHERE f.request_id = $1 AND (r.reporter_account_id IS NULL OR f.account_id <> r.reporter_account_id)",
                        )
                        .bind(request_id)
                        .bind(at)
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                    }
                    Tell::Leads(key) => {
                        sqlx::query(
                            "INSERT INTO notifications (account_id, request_id, message_key, created_at) \
                             SELECT account_id, $1, $4, $2 FROM workgroup_members \
                             WHERE workgroup_id = $3 AND is_lead",
                        )
                        .bind(request_id)
                        .bind(at)
                        .bind(workgroup_id)
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
            }
            if let Some(target) = plan.merge_into() {
                // Followers are carried over to the request it duplicates,
                // when neighbours may read that one.
                sqlx::query(
                    "INSERT INTO request_followers (request_id, account_id, at) \
                     SELECT $1, f.account_id, $2 FROM request_followers f WHERE f.request_id = $3 \
                     AND EXISTS (SELECT 1 FROM requests t JOIN categories c ON c.id = t.category_id \
                         WHERE t.id = $1 AND t.visibility <> 'private' AND NOT c.private_by_nature) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(target)
                .bind(at)
                .bind(request_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE requests SET follower_count = \
                     (SELECT COUNT(*) FROM request_followers f WHERE f.request_id = $1 \
                      AND f.account_id <> COALESCE(requests.reporter_account_id, -1)) WHERE id = $1",
                )
                .bind(target)
                .execute(&mut *tx)
                .await?;
                insert_event!(tx, target, at, actor_id, actor_role, "merged", None::<String>, None::<String>,
                    "", "", Audience::Public.as_str())?;
            }
            tx.commit().await?;
            Ok(true)
        }
        .await
    });
    Ok(written?)
}

/// A public update (or, with `internal`, a note for staff only). A first
/// public update answers a submitted request.
pub async fn post_update(
    db: &Db,
    request: &RequestRow,
    by: &Viewer,
    message: &str,
    internal: bool,
) -> Result<(), StoreError> {
    if !internal && request.status() == Status::Submitted {
        apply(
            db,
            request,
            Some(by),
            Change {
                action: Action::Respond,
                actor: Actor::Staff,
                public_message: message.to_string(),
                internal_note: String::new(),
                rating: None,
            },
        )
        .await?;
        return Ok(());
    }
    let at = now();
    let (kind, public, note, audience) = if internal {
        ("note", "", message, Audience::Staff)
    } else {
        ("update", message, "", Audience::Public)
    };
    let request_id = request.id;
    let community_id = request.community_id;
    let role = by.role().as_str();
    let through_desk = request.news_through_desk();
    let by_text = request.news_by_text();
    let reporter = request.reporter_account_id;
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            if !internal && by_text {
                text_news!(tx, request_id, "notify-update", at)?;
            }
            if !internal && through_desk {
                desk_news!(tx, request_id, community_id, at)?;
            } else if !internal && let Some(reporter) = reporter {
                notify!(tx, reporter, request_id, "notify-update", at)?;
            }
            insert_event!(
                tx,
                request_id,
                at,
                Some(by.id),
                role,
                kind,
                None::<String>,
                None::<String>,
                public,
                note,
                audience.as_str()
            )?;
            sqlx::query("UPDATE requests SET updated_at = $1 WHERE id = $2")
                .bind(at)
                .bind(request_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        }
        .await
    })?;
    Ok(())
}

/// Takes the request (`assignee` = the viewer) or hands it to a member.
pub async fn assign(
    db: &Db,
    request: &RequestRow,
    by: &Viewer,
    assignee: i64,
) -> Result<(), StoreError> {
    let at = now();
    let request_id = request.id;
    let role = by.role().as_str();
    let ok: bool = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            // Write first: on SQLite a transaction that reads before it
            // writes can be refused when another writer got in between.
            let updated = sqlx::query(
                "UPDATE requests SET assignee_id = $1, updated_at = $2 WHERE id = $3 AND EXISTS \
                 (SELECT 1 FROM workgroup_members m WHERE m.workgroup_id = requests.workgroup_id AND m.account_id = $1)",
            )
            .bind(assignee)
            .bind(at)
            .bind(request_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated == 0 {
                return Ok::<bool, sqlx::Error>(false);
            }
            let name: Option<String> = sqlx::query_scalar("SELECT display_name FROM accounts WHERE id = $1")
                .bind(assignee)
                .fetch_optional(&mut *tx)
                .await?;
            insert_event!(tx, request_id, at, Some(by.id), role, "assigned", None::<String>, None::<String>,
                "", name.unwrap_or_default(), Audience::Staff.as_str())?;
            tx.commit().await?;
            Ok(true)
        }
        .await
    })?;
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid("assign-not-a-member"))
    }
}
