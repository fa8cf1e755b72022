//! Deadlines that chase: reminders before a deadline, escalation to the
//! lead at it and to the secretary at twice the time, a nudge to confirm a
//! resolved request, closing it as not confirmed after a while, and a
//! reminder when an outside body has not answered a referral in time.
//!
//! Each job is recorded in `jobs_done` under a key naming the request, the
//! clock and the deadline, in the same transaction as its notifications:
//! it happens once, however many instances share the database and however
//! long they were down (they catch up on the next tick).

pub mod rules;

use crate::db::BeginWrite;
use crate::db::Db;
use crate::on_db;
use crate::requests::lifecycle::{Action, Actor};
use crate::web::AppError;

use crate::requests::plan::Change;
use crate::requests::{record, store};
use rules::{Step, due_steps};

/// What one run did, for logs and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Ran {
    pub jobs: u64,
    pub closed: u64,
    /// Open requests read because a step of theirs may be due.
    pub looked_at: u64,
}

/// The open requests a step may be due for: a clock still running (not
/// answered, not paused), within a day of its deadline (no reminder comes
/// earlier), and not yet escalated to both the lead and the secretary
/// (the last two steps; their keys as `deadline_jobs` writes them). Read
/// every minute: with all open requests, a million-request district read
/// 73,000 rows and checked 290,000 keys a minute, five seconds under load,
/// and filled the connections' caches while the server was otherwise quiet.
const STILL_TO_CHASE: &str = "\
SELECT id, workgroup_id, assignee_id, created_at, response_due_at, resolution_due_at, responded_at, paused_since
FROM requests r
WHERE status IN ('submitted', 'responded', 'in_progress', 'waiting') AND paused_since IS NULL
  AND ((responded_at IS NULL AND response_due_at <= $1
        AND (SELECT count(*) FROM jobs_done WHERE job_key IN ('lead:response:' || r.id || ':' || r.response_due_at,
                                                           'secretary:response:' || r.id || ':' || r.response_due_at)) < 2)
    OR (resolution_due_at <= $1
        AND (SELECT count(*) FROM jobs_done WHERE job_key IN ('lead:resolution:' || r.id || ':' || r.resolution_due_at,
                                                           'secretary:resolution:' || r.id || ':' || r.resolution_due_at)) < 2))";

#[derive(Debug, sqlx::FromRow)]
struct Open {
    id: i64,
    workgroup_id: i64,
    assignee_id: Option<i64>,
    created_at: i64,
    response_due_at: i64,
    resolution_due_at: i64,
    responded_at: Option<i64>,
    paused_since: Option<i64>,
}

#[derive(Debug, sqlx::FromRow)]
struct Resolved {
    id: i64,
    community_id: i64,
    reporter_account_id: Option<i64>,
    contact_preference: String,
    resolved_at: i64,
    confirm_nudge_days: i64,
    auto_close_days: i64,
    workgroup_id: i64,
    /// Legal questions and the like: reception does not see them.
    category_private: bool,
    /// The resident asked for texts, with a number.
    by_text: bool,
}

/// Who hears of a job.
enum Audience {
    /// The assignee, or every member of the workgroup when nobody has it.
    Handlers {
        workgroup_id: i64,
        assignee_id: Option<i64>,
    },
    Leads {
        workgroup_id: i64,
    },
    Secretaries,
    Account(i64),
    Reception {
        community_id: i64,
    },
    /// The message goes by text alone.
    Nobody,
}

const ASSIGNEE: &str = "SELECT id FROM accounts WHERE id = $1 AND active";
const TEAM: &str = "SELECT a.id FROM accounts a JOIN workgroup_members m ON m.account_id = a.id \
     WHERE m.workgroup_id = $1 AND a.active";
const LEADS: &str = "SELECT a.id FROM accounts a JOIN workgroup_members m ON m.account_id = a.id \
     WHERE m.workgroup_id = $1 AND m.is_lead AND a.active";
/// Bound to the request, so any audience can fall back to it.
const SECRETARIES_OF_REQUEST: &str = "SELECT id FROM accounts WHERE role = 'admin' AND active \
     AND community_id = (SELECT community_id FROM requests WHERE id = $1)";
const RECEPTION: &str =
    "SELECT id FROM accounts WHERE community_id = $1 AND role = 'reception' AND active";

/// One thing to do once: its key in `jobs_done`, who hears, what they are
/// told, and the event it leaves in the request's history, if any.
struct Job {
    key: String,
    request_id: i64,
    audience: Audience,
    message: &'static str,
    event: Option<&'static str>,
    /// The resident asked for texts: they get the message by text as well.
    text: bool,
}

/// The jobs not recorded as done. Read in bulk first: after a while nearly
/// every overdue request's jobs are done, and trying each again in a
/// transaction of its own every minute kept the writer busy (bench/run,
/// tens of thousands of open requests).
async fn not_done(db: &Db, mut jobs: Vec<Job>) -> Result<Vec<Job>, AppError> {
    let mut done = std::collections::HashSet::new();
    for chunk in jobs.chunks(500) {
        let keys = on_db!(db, |pool| {
            let mut q = sqlx::QueryBuilder::new("SELECT job_key FROM jobs_done WHERE job_key IN (");
            let mut list = q.separated(", ");
            for job in chunk {
                list.push_bind(job.key.as_str());
            }
            q.push(")");
            q.build_query_scalar::<String>().fetch_all(pool).await
        })?;
        done.extend(keys);
    }
    jobs.retain(|job| !done.contains(&job.key));
    Ok(jobs)
}

/// Who hears, in order: the first query that finds anyone active is used.
fn recipients(audience: &Audience, request_id: i64) -> Vec<(&'static str, i64)> {
    let secretaries = (SECRETARIES_OF_REQUEST, request_id);
    match audience {
        Audience::Handlers {
            workgroup_id,
            assignee_id: Some(a),
        } => vec![(ASSIGNEE, *a), (TEAM, *workgroup_id), secretaries],
        Audience::Handlers {
            workgroup_id,
            assignee_id: None,
        } => vec![(TEAM, *workgroup_id), secretaries],
        Audience::Leads { workgroup_id } => vec![(LEADS, *workgroup_id), secretaries],
        Audience::Secretaries => vec![secretaries],
        Audience::Reception { community_id } => vec![(RECEPTION, *community_id), secretaries],
        // A resident who closed their account is not replaced by anyone.
        Audience::Account(id) => vec![(ASSIGNEE, *id)],
        Audience::Nobody => Vec::new(),
    }
}

/// Does one job unless it was done before: records the key, tells the
/// audience, and (for escalations) notes it in the request's history.
async fn once(db: &Db, job: &Job) -> Result<bool, AppError> {
    let (key, request_id, message_key, event, text) = (
        job.key.as_str(),
        job.request_id,
        job.message,
        job.event,
        job.text,
    );
    let at = crate::db::now();
    let chain = recipients(&job.audience, request_id);
    let done = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let fresh = sqlx::query("INSERT INTO jobs_done (job_key, done_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(key)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if fresh == 0 {
                return Ok::<bool, sqlx::Error>(false);
            }
            // Nobody active where the message should go (the assignee left,
            // the team has no lead): the next in line hears instead.
            for (sql, who) in &chain {
                let insert = format!(
                    "INSERT INTO notifications (account_id, request_id, message_key, created_at) \
                     SELECT id, $2, $3, $4 FROM ({sql}) AS audience"
                );
                let told = sqlx::query(sqlx::AssertSqlSafe(insert))
                    .bind(*who)
                    .bind(request_id)
                    .bind(message_key)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if told > 0 {
                    break;
                }
            }
            if text {
                crate::requests::history::text_news!(tx, request_id, message_key, at)?;
            }
            if let Some(kind) = event {
                sqlx::query(
                    "INSERT INTO request_events (request_id, at, actor_id, actor_role, kind, public_message, internal_note, audience) \
                     VALUES ($1, $2, NULL, 'system', $3, '', '', 'staff')",
                )
                .bind(request_id)
                .bind(at)
                .bind(kind)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(true)
        }
        .await
    })?;
    Ok(done)
}

/// Runs every job due at `now`.
pub async fn run_due(db: &Db, now: i64) -> Result<Ran, AppError> {
    let mut ran = Ran::default();
    let open = on_db!(db, |pool| {
        sqlx::query_as::<_, Open>(STILL_TO_CHASE)
            .bind(now + rules::EARLIEST_REMINDER)
            .fetch_all(pool)
            .await
    })?;
    ran.looked_at = open.len() as u64;
    // A chunk at a time, so a district's thousands of open requests never
    // hold all their keys in memory at once.
    for chunk in open.chunks(500) {
        let jobs = chunk.iter().flat_map(|r| deadline_jobs(r, now)).collect();
        ran.jobs += run_jobs(db, jobs).await?;
    }

    let resolved = on_db!(db, |pool| {
        sqlx::query_as::<_, Resolved>(
        "SELECT r.id, r.community_id, r.reporter_account_id, r.contact_preference, r.resolved_at, \
         co.confirm_nudge_days, co.auto_close_days, r.workgroup_id, ca.private_by_nature AS category_private, \
         (r.contact_preference = 'text' AND r.reporter_phone <> '' AND NOT ca.private_by_nature) AS by_text \
         FROM requests r JOIN communities co ON co.id = r.community_id JOIN categories ca ON ca.id = r.category_id \
         WHERE r.status = 'resolved' AND r.resolved_at IS NOT NULL"
    )
    .fetch_all(pool)
    .await
    })?;
    let mut jobs = Vec::new();
    for r in &resolved {
        if now >= r.resolved_at + r.auto_close_days * 86_400 {
            if let Some(request) = record::by_id(db, r.id).await? {
                let change = Change {
                    action: Action::CloseUnconfirmed,
                    actor: Actor::System,
                    public_message: String::new(),
                    internal_note: String::new(),
                    rating: None,
                };
                // The status check inside `apply` makes this happen once.
                if store::apply(db, &request, None, change).await.is_ok() {
                    ran.closed += 1;
                }
            }
            continue;
        }
        if now >= r.resolved_at + r.confirm_nudge_days * 86_400 {
            let key = format!("nudge:{}:{}", r.id, r.resolved_at);
            let by_desk = !r.by_text
                && (r.reporter_account_id.is_none()
                    || matches!(r.contact_preference.as_str(), "phone" | "desk"));
            let audience = match (by_desk, r.reporter_account_id) {
                (false, Some(account)) => Audience::Account(account),
                // Texted alone: nobody else is told.
                (false, None) => Audience::Nobody,
                // Their own team asks the resident, not reception.
                _ if r.category_private => Audience::Handlers {
                    workgroup_id: r.workgroup_id,
                    assignee_id: None,
                },
                _ => Audience::Reception {
                    community_id: r.community_id,
                },
            };
            let message = if by_desk {
                "notify-callback"
            } else {
                "notify-please-confirm"
            };
            jobs.push(Job {
                key,
                request_id: r.id,
                audience,
                message,
                event: None,
                text: r.by_text,
            });
        }
    }
    jobs.extend(referral_jobs(db, now).await?);
    ran.jobs += run_jobs(db, jobs).await?;
    Ok(ran)
}

#[derive(Debug, sqlx::FromRow)]
struct Referred {
    id: i64,
    workgroup_id: i64,
    assignee_id: Option<i64>,
    referral_due_at: i64,
}

/// Referrals whose outside body's answer was expected by `now` and has not
/// come: the one handling it (or the team) is reminded to call them, once
/// for each day expected.
async fn referral_jobs(db: &Db, now: i64) -> Result<Vec<Job>, AppError> {
    let late = on_db!(db, |pool| {
        sqlx::query_as::<_, Referred>(
            "SELECT id, workgroup_id, assignee_id, referral_due_at FROM requests \
         WHERE status = 'referred' AND referral_due_at <= $1",
        )
        .bind(now)
        .fetch_all(pool)
        .await
    })?;
    Ok(late
        .into_iter()
        .map(|r| Job {
            key: format!("referral:{}:{}", r.id, r.referral_due_at),
            request_id: r.id,
            audience: Audience::Handlers {
                workgroup_id: r.workgroup_id,
                assignee_id: r.assignee_id,
            },
            message: "notify-referral-due",
            event: Some("referral_due"),
            text: false,
        })
        .collect())
}

/// What an open request's two clocks call for at `now`.
fn deadline_jobs(r: &Open, now: i64) -> Vec<Job> {
    let mut jobs = Vec::new();
    let paused = r.paused_since.is_some();
    let clocks = [
        (
            "response",
            r.response_due_at,
            r.responded_at.is_some() || paused,
        ),
        ("resolution", r.resolution_due_at, paused),
    ];
    for (clock, due, stopped) in clocks {
        for step in due_steps(r.created_at, due, stopped, now) {
            let (name, audience, message, escalated) = match step {
                Step::Remind => (
                    "remind",
                    Audience::Handlers {
                        workgroup_id: r.workgroup_id,
                        assignee_id: r.assignee_id,
                    },
                    if clock == "response" {
                        "notify-remind-response"
                    } else {
                        "notify-remind-resolution"
                    },
                    None,
                ),
                Step::EscalateToLead => (
                    "lead",
                    Audience::Leads {
                        workgroup_id: r.workgroup_id,
                    },
                    "notify-overdue-lead",
                    Some("escalated_lead"),
                ),
                Step::EscalateToSecretary => (
                    "secretary",
                    Audience::Secretaries,
                    "notify-overdue-secretary",
                    Some("escalated_secretary"),
                ),
            };
            jobs.push(Job {
                // `STILL_TO_CHASE` builds the same keys in SQL.
                key: format!("{name}:{clock}:{}:{due}", r.id),
                request_id: r.id,
                audience,
                message,
                event: escalated,
                text: false,
            });
        }
    }
    jobs
}

/// Does the jobs not done before; how many it did.
async fn run_jobs(db: &Db, jobs: Vec<Job>) -> Result<u64, AppError> {
    let mut did = 0;
    for job in not_done(db, jobs).await? {
        if once(db, &job).await? {
            did += 1;
        }
    }
    Ok(did)
}

/// The scheduler in the binary: a run every minute.
pub async fn run_forever(db: Db) {
    loop {
        match run_due(&db, crate::db::now()).await {
            Ok(ran) => {
                crate::web::metrics::scheduler_ran();
                if ran.jobs + ran.closed > 0 {
                    tracing::info!(jobs = ran.jobs, closed = ran.closed, "deadlines chased")
                }
            }
            Err(e) => tracing::warn!(error = ?e, "chasing deadlines"),
        }
        if let Err(e) = crate::web::once::forget_old(&db).await {
            tracing::warn!(error = ?e, "forgetting old submissions");
        }
        if let Err(e) = crate::requests::recordings::forget_abandoned(&db, crate::db::now()).await {
            tracing::warn!(error = ?e, "forgetting voice messages never sent");
        }
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
}
