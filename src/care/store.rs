//! Care as stored: consent, plans, check-ins, events and alerts. Every
//! write that changes when the next contact is due recomputes it with
//! `rules::due_at` in the same transaction, so the scheduler only reads
//! `care_plans.due_at`.

use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;

use super::rules::{self, CheckIn, Level};

/// A care plan with the names the pages show.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Plan {
    pub id: i64,
    pub community_id: i64,
    pub account_id: i64,
    pub name: String,
    pub flat: Option<String>,
    pub level: String,
    pub every_days: i64,
    pub carer_id: i64,
    pub carer_name: String,
    pub backup_id: Option<i64>,
    pub backup_name: Option<String>,
    pub grace_hours: i64,
    pub notes: String,
    pub began_at: i64,
    pub last_contact_at: Option<i64>,
    pub last_event_at: Option<i64>,
    pub due_at: i64,
    pub closed_at: Option<i64>,
    pub consent_how: String,
    pub consent_by: String,
    pub consent_at: i64,
    /// When the open alert was raised, if one is open.
    pub alert_at: Option<i64>,
}

impl Plan {
    pub fn level(&self) -> Level {
        Level::parse(&self.level).unwrap_or(Level::Other)
    }

    pub fn overdue(&self, at: i64) -> bool {
        self.closed_at.is_none() && self.due_at < at
    }
}

const PLAN_SELECT: &str = "SELECT p.id, p.community_id, p.account_id, a.display_name AS name, \
    (SELECT MIN(pl.code) FROM household_members h JOIN places pl ON pl.id = h.place_id WHERE h.account_id = p.account_id) AS flat, \
    p.level, p.every_days, p.carer_id, c.display_name AS carer_name, p.backup_id, b.display_name AS backup_name, \
    p.grace_hours, p.notes, p.began_at, p.last_contact_at, p.last_event_at, p.due_at, p.closed_at, \
    k.how AS consent_how, kb.display_name AS consent_by, k.recorded_at AS consent_at, \
    (SELECT al.raised_at FROM care_alerts al WHERE al.plan_id = p.id AND al.closed_at IS NULL) AS alert_at \
    FROM care_plans p JOIN accounts a ON a.id = p.account_id JOIN accounts c ON c.id = p.carer_id \
    LEFT JOIN accounts b ON b.id = p.backup_id JOIN care_consents k ON k.id = p.consent_id \
    JOIN accounts kb ON kb.id = k.recorded_by";

async fn plans_where(db: &Db, filter: &str, a: i64, b: i64) -> Result<Vec<Plan>, StoreError> {
    let sql = format!("{PLAN_SELECT} WHERE {filter} ORDER BY p.due_at, p.id");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Plan>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(a)
    .bind(b)
    .fetch_all(pool)
    .await)?)
}

/// The community's open plans, the most overdue first.
pub async fn open_plans(db: &Db, community_id: i64) -> Result<Vec<Plan>, StoreError> {
    plans_where(
        db,
        "p.community_id = $1 AND p.closed_at IS NULL AND $2 = 0",
        community_id,
        0,
    )
    .await
}

/// The open plans a person is the carer or the backup of.
pub async fn plans_of_carer(db: &Db, account_id: i64) -> Result<Vec<Plan>, StoreError> {
    plans_where(
        db,
        "(p.carer_id = $1 OR p.backup_id = $1) AND p.closed_at IS NULL AND $2 = 0",
        account_id,
        0,
    )
    .await
}

/// A resident's own plans, open and closed.
pub async fn plans_of_resident(db: &Db, account_id: i64) -> Result<Vec<Plan>, StoreError> {
    plans_where(db, "p.account_id = $1 AND $2 = 0", account_id, 0).await
}

pub async fn plan(db: &Db, community_id: i64, id: i64) -> Result<Option<Plan>, StoreError> {
    Ok(
        plans_where(db, "p.id = $1 AND p.community_id = $2", id, community_id)
            .await?
            .pop(),
    )
}

/// What a new plan holds; consent is recorded with it.
pub struct NewPlan<'a> {
    pub community_id: i64,
    pub account_id: i64,
    pub consent_how: &'a str,
    pub recorded_by: i64,
    pub level: Level,
    pub every_days: i64,
    pub carer_id: i64,
    pub backup_id: Option<i64>,
    pub grace_hours: i64,
    pub notes: &'a str,
}

/// Records consent and the plan in one transaction. A resident has one
/// open plan (the unique index refuses a second).
pub async fn create(db: &Db, new: &NewPlan<'_>, at: i64) -> Result<i64, StoreError> {
    let due = rules::due_at(new.level, new.every_days, at, None, None);
    let id = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let consent: i64 = sqlx::query_scalar(
                "INSERT INTO care_consents (community_id, account_id, how, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(new.community_id)
            .bind(new.account_id)
            .bind(new.consent_how)
            .bind(new.recorded_by)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO care_plans (community_id, account_id, consent_id, level, every_days, carer_id, backup_id, grace_hours, notes, began_at, due_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(new.community_id)
            .bind(new.account_id)
            .bind(consent)
            .bind(new.level.as_str())
            .bind(new.every_days)
            .bind(new.carer_id)
            .bind(new.backup_id)
            .bind(new.grace_hours)
            .bind(new.notes)
            .bind(at)
            .bind(due)
            .fetch_optional(&mut *tx)
            .await?;
            if id.is_some() {
                tx.commit().await?;
            }
            Ok::<_, sqlx::Error>(id)
        }
        .await
    })?;
    id.ok_or(StoreError::Conflict("care-error-has-plan"))
}

/// Records a contact: the plan's clock restarts. An open alert closes when
/// someone known recorded it (`by`): a number typed at the kiosk, which
/// anyone could type, keeps the alert open for a person to see to.
pub async fn check_in(
    db: &Db,
    plan: &Plan,
    kind: CheckIn,
    by: Option<i64>,
    door: &str,
    note: &str,
    at: i64,
) -> Result<(), StoreError> {
    let due = rules::due_at(
        plan.level(),
        plan.every_days,
        plan.began_at,
        Some(at),
        plan.last_event_at,
    );
    let done = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let moved = sqlx::query(
                "UPDATE care_plans SET last_contact_at = $2, due_at = $3 WHERE id = $1 AND closed_at IS NULL",
            )
            .bind(plan.id)
            .bind(at)
            .bind(due)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if moved == 0 {
                return Ok::<_, sqlx::Error>(false);
            }
            sqlx::query("INSERT INTO care_checkins (plan_id, kind, by_account, door, note, at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(plan.id)
                .bind(kind.as_str())
                .bind(by)
                .bind(door)
                .bind(note)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            if by.is_some() {
                sqlx::query("UPDATE care_alerts SET closed_at = $2, closed_by = $3 WHERE plan_id = $1 AND closed_at IS NULL")
                    .bind(plan.id)
                    .bind(at)
                    .bind(by)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(true)
        }
        .await
    })?;
    if done {
        Ok(())
    } else {
        Err(StoreError::Conflict("care-error-closed"))
    }
}

/// A hospital stay or a major change: a high-risk resident is due a
/// contact within a day.
pub async fn record_event(
    db: &Db,
    plan: &Plan,
    kind: &str,
    note: &str,
    by: i64,
    at: i64,
) -> Result<(), StoreError> {
    let due = rules::due_at(
        plan.level(),
        plan.every_days,
        plan.began_at,
        plan.last_contact_at,
        Some(at),
    );
    let recorded = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO care_events (plan_id, kind, note, recorded_by, at) VALUES ($1, $2, $3, $4, $5)")
                .bind(plan.id)
                .bind(kind)
                .bind(note)
                .bind(by)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            let open = sqlx::query(
                "UPDATE care_plans SET last_event_at = $2, due_at = $3 WHERE id = $1 AND closed_at IS NULL",
            )
            .bind(plan.id)
            .bind(at)
            .bind(due)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if open == 0 {
                return Ok(false);
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(true)
        }
        .await
    })?;
    if recorded {
        Ok(())
    } else {
        Err(StoreError::Conflict("care-error-closed"))
    }
}

/// Closes a plan (and its open alert); `withdrawn` also marks the
/// resident's consent withdrawn.
pub async fn close(
    db: &Db,
    plan: &Plan,
    why: &str,
    withdrawn: bool,
    by: i64,
) -> Result<bool, StoreError> {
    let at = now();
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let closed = sqlx::query(
                "UPDATE care_plans SET closed_at = $2, closed_why = $3 WHERE id = $1 AND closed_at IS NULL",
            )
            .bind(plan.id)
            .bind(at)
            .bind(why)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query("UPDATE care_alerts SET closed_at = $2, closed_by = $3 WHERE plan_id = $1 AND closed_at IS NULL")
                .bind(plan.id)
                .bind(at)
                .bind(by)
                .execute(&mut *tx)
                .await?;
            if withdrawn {
                sqlx::query(
                    "UPDATE care_consents SET withdrawn_at = $2 WHERE id = (SELECT consent_id FROM care_plans WHERE id = $1) AND withdrawn_at IS NULL",
                )
                .bind(plan.id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(closed == 1)
        }
        .await
    })?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Contact {
    pub kind: String,
    pub who: Option<String>,
    pub door: String,
    pub note: String,
    pub at: i64,
}

/// The plan's contacts and events, newest first.
pub async fn history(db: &Db, plan_id: i64) -> Result<Vec<Contact>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Contact>(
        "SELECT c.kind, a.display_name AS who, c.door, c.note, c.at FROM care_checkins c \
         LEFT JOIN accounts a ON a.id = c.by_account WHERE c.plan_id = $1 \
         UNION ALL SELECT e.kind, a.display_name AS who, 'page' AS door, e.note, e.at FROM care_events e \
         JOIN accounts a ON a.id = e.recorded_by WHERE e.plan_id = $1 ORDER BY at DESC LIMIT 100"
    )
    .bind(plan_id)
    .fetch_all(pool)
    .await
    })?)
}
