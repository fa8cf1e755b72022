//! Signing up: the rules (a place while there is one, else the waiting
//! list; sign-ups close before the start) and their SQL. Each change runs in
//! one write transaction that first locks the occurrence, so two people
//! taking the last place at once end with one going and one waiting, and a
//! cancellation moves the first in line up in the same transaction.

use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;

use super::store::{Activity, Occurrence};

/// Where a new sign-up goes.
pub fn place_for(going: i64, capacity: i64) -> &'static str {
    if going < capacity { "going" } else { "waiting" }
}

/// Whether one may still sign up (or be signed up) at `at`; the message
/// key saying why not.
pub fn open_at(o: &Occurrence, at: i64) -> Result<(), &'static str> {
    if o.cancelled_at.is_some() {
        return Err("signup-cancelled");
    }
    if at >= o.starts_at - o.closes_minutes_before * 60 {
        return Err("signup-closed");
    }
    Ok(())
}

/// Who takes the place: an account, or a walk-in reception names.
#[derive(Debug, Clone)]
pub enum Who {
    Account(i64),
    WalkIn { name: String, phone: String },
}

/// The statement that locks an occurrence for the rest of the transaction:
/// SQLite's write lock is already held from `BEGIN IMMEDIATE`.
fn lock_sql(db: &Db) -> &'static str {
    match db {
        Db::Postgres(_) => "SELECT id FROM occurrences WHERE id = $1 FOR UPDATE",
        Db::Sqlite(_) => "SELECT id FROM occurrences WHERE id = $1",
    }
}

/// Signs someone up for one occurrence: `going` or `waiting`, or
/// `Conflict("signup-already")` when they are on it already.
pub async fn sign_up(
    db: &Db,
    o: &Occurrence,
    who: &Who,
    series: bool,
    by: Option<i64>,
) -> Result<&'static str, StoreError> {
    let lock = lock_sql(db);
    let (account, name, phone) = match who {
        Who::Account(id) => (Some(*id), "", ""),
        Who::WalkIn { name, phone } => (None, name.as_str(), phone.as_str()),
    };
    let done = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            sqlx::query(lock).bind(o.id).execute(&mut *tx).await?;
            if let Some(account) = account {
                let there: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM signups WHERE occurrence_id = $1 AND account_id = $2 AND state <> 'cancelled'",
                )
                .bind(o.id)
                .bind(account)
                .fetch_optional(&mut *tx)
                .await?;
                if there.is_some() {
                    return Ok::<Option<&'static str>, sqlx::Error>(None);
                }
            }
            let going: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM signups WHERE occurrence_id = $1 AND state = 'going'",
            )
            .bind(o.id)
            .fetch_one(&mut *tx)
            .await?;
            let state = place_for(going, o.capacity);
            sqlx::query(
                "INSERT INTO signups (occurrence_id, account_id, walk_in_name, walk_in_phone, state, series, at, by_account_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(o.id)
            .bind(account)
            .bind(name)
            .bind(phone)
            .bind(state)
            .bind(series)
            .bind(now())
            .bind(by)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Some(state))
        }
        .await
    })?;
    done.ok_or(StoreError::Conflict("signup-already"))
}

/// While a place is free, the first on the waiting list takes it and is
/// told (in their inbox, and by email if they chose it): inside a write
/// transaction that holds the occurrence's lock. The account moved up.
#[macro_export]
macro_rules! move_up {
    ($tx:expr, $occurrence_id:expr, $capacity:expr, $detail:expr) => {
        async {
            let going: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM signups WHERE occurrence_id = $1 AND state = 'going'",
            )
            .bind($occurrence_id)
            .fetch_one(&mut *$tx)
            .await?;
            if going >= $capacity {
                return Ok::<Option<i64>, sqlx::Error>(None);
            }
            let next: Option<(i64, Option<i64>)> = sqlx::query_as(
                "SELECT id, account_id FROM signups WHERE occurrence_id = $1 AND state = 'waiting' \
                 ORDER BY at, id LIMIT 1",
            )
            .bind($occurrence_id)
            .fetch_optional(&mut *$tx)
            .await?;
            let Some((signup, account)) = next else {
                return Ok(None);
            };
            sqlx::query("UPDATE signups SET state = 'going' WHERE id = $1")
                .bind(signup)
                .execute(&mut *$tx)
                .await?;
            if let Some(account) = account {
                sqlx::query(
                    "INSERT INTO notifications (account_id, message_key, detail, created_at) \
                     VALUES ($1, 'notify-activity-moved-up', $2, $3)",
                )
                .bind(account)
                .bind($detail)
                .bind($crate::db::now())
                .execute(&mut *$tx)
                .await?;
            }
            Ok(account)
        }
    };
}

/// What a notification about an occurrence names: the activity and when.
pub fn detail(o: &Occurrence, zone: &jiff::tz::TimeZone) -> String {
    let when = crate::rooms::rules::local(zone, o.starts_at)
        .map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default();
    let en = if o.title_en.is_empty() {
        String::new()
    } else {
        format!(" {}", o.title_en)
    };
    format!("{}{en} · {when}", o.title_zh)
}

/// Takes the person off an occurrence; if they had a place, the first on
/// the waiting list moves up and is told. The account moved up, if any.
pub async fn cancel(
    db: &Db,
    o: &Occurrence,
    account_id: i64,
    detail: &str,
) -> Result<Option<i64>, StoreError> {
    let lock = lock_sql(db);
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            sqlx::query(lock).bind(o.id).execute(&mut *tx).await?;
            sqlx::query(
                "UPDATE signups SET state = 'cancelled' WHERE occurrence_id = $1 AND account_id = $2 \
                 AND state <> 'cancelled'",
            )
            .bind(o.id)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
            let moved = crate::move_up!(tx, o.id, o.capacity, detail).await?;
            tx.commit().await?;
            Ok::<Option<i64>, sqlx::Error>(moved)
        }
        .await
    })?)
}

/// Someone who joined the whole series is signed up for a new occurrence.
pub async fn series_join(
    db: &Db,
    activity: &Activity,
    occurrence_id: i64,
) -> Result<(), StoreError> {
    let members: Vec<i64> = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT account_id FROM series_signups WHERE activity_id = $1 ORDER BY at"
    )
    .bind(activity.id)
    .fetch_all(pool)
    .await)?;
    if members.is_empty() {
        return Ok(());
    }
    let Some(o) = super::store::occurrence(db, activity.community_id, occurrence_id).await? else {
        return Ok(());
    };
    for account in members {
        match sign_up(db, &o, &Who::Account(account), true, None).await {
            Ok(_) | Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn occurrence(starts_at: i64, closes_minutes_before: i64, cancelled: bool) -> Occurrence {
        Occurrence {
            id: 1,
            activity_id: 1,
            community_id: 1,
            original_at: starts_at,
            starts_at,
            ends_at: starts_at + 3600,
            cancelled_at: cancelled.then_some(0),
            reason: String::new(),
            checkin_code: String::new(),
            title_zh: "太极拳".into(),
            title_en: "Tai chi".into(),
            place_zh: String::new(),
            place_en: String::new(),
            workgroup_id: 1,
            capacity: 2,
            closes_minutes_before,
            going: 0,
            waiting: 0,
            mine: None,
        }
    }

    #[test]
    fn the_last_place_goes_then_the_waiting_list() {
        assert_eq!(place_for(0, 1), "going");
        assert_eq!(place_for(1, 1), "waiting", "the last place is taken");
        assert_eq!(place_for(1, 2), "going");
        assert_eq!(
            place_for(5, 2),
            "waiting",
            "over capacity (the organiser added walk-ins)"
        );
    }

    #[test]
    fn sign_ups_close_before_the_start() {
        let o = occurrence(10_000, 30, false);
        assert_eq!(open_at(&o, 10_000 - 30 * 60 - 1), Ok(()));
        assert_eq!(
            open_at(&o, 10_000 - 30 * 60),
            Err("signup-closed"),
            "closing time itself is closed"
        );
        assert_eq!(open_at(&o, 10_000), Err("signup-closed"));
        let at_start = occurrence(10_000, 0, false);
        assert_eq!(
            open_at(&at_start, 9_999),
            Ok(()),
            "no closing time: open until it starts"
        );
        assert_eq!(open_at(&at_start, 10_000), Err("signup-closed"));
        assert_eq!(
            open_at(&occurrence(10_000, 30, true), 0),
            Err("signup-cancelled"),
            "cancelled first"
        );
    }

    #[test]
    fn a_notification_names_the_activity_and_its_local_time() {
        let zone = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        // 2026-12-07 07:00 in Shanghai.
        let o = occurrence(1_796_598_000, 0, false);
        assert_eq!(detail(&o, &zone), "太极拳 Tai chi · 2026-12-07 07:00");
    }
}
