//! The activities' SQL: an activity and its occurrences written ahead for
//! a horizon (each holding its room, if its place is bookable), kept ahead
//! daily; reading what happens when; cancelling or moving one occurrence.

use crate::db::{BeginWrite, Db, StoreError, now};
use crate::hold_room;
use crate::on_db;
use crate::rooms::store::{Holder, Room};

use super::recurrence::{self, HORIZON_DAYS, Timing};

pub const ACTIVITY_COLUMNS: &str = "a.id, a.community_id, a.workgroup_id, w.code AS workgroup_code, \
     w.name_zh AS workgroup_zh, w.name_en AS workgroup_en, a.place_id, \
     COALESCE(p.name_zh, '') AS place_zh, COALESCE(p.name_en, '') AS place_en, a.title_zh, a.title_en, \
     a.description, a.teacher, a.capacity, a.starts_local, a.minutes, a.rrule, a.closes_minutes_before, \
     a.cancelled_at";
pub const ACTIVITY_FROM: &str = "FROM activities a JOIN workgroups w ON w.id = a.workgroup_id \
     LEFT JOIN places p ON p.id = a.place_id";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Activity {
    pub id: i64,
    pub community_id: i64,
    pub workgroup_id: i64,
    pub workgroup_code: String,
    pub workgroup_zh: String,
    pub workgroup_en: String,
    pub place_id: Option<i64>,
    pub place_zh: String,
    pub place_en: String,
    pub title_zh: String,
    pub title_en: String,
    pub description: String,
    pub teacher: String,
    pub capacity: i64,
    pub starts_local: String,
    pub minutes: i64,
    pub rrule: String,
    pub closes_minutes_before: i64,
    pub cancelled_at: Option<i64>,
}

impl Activity {
    pub fn timing(&self) -> Option<Timing> {
        Some(Timing {
            starts_local: self.starts_local.parse().ok()?,
            minutes: self.minutes,
            rule: self.rrule.clone(),
        })
    }
    /// The title in the person's language (the Chinese one when there is
    /// no English).
    pub fn title(&self, lang: &crate::i18n::Lang) -> &str {
        lang.pick(&self.title_zh, &self.title_en)
    }
}

/// One occurrence with its activity's names and how full it is.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Occurrence {
    pub id: i64,
    pub activity_id: i64,
    pub community_id: i64,
    pub original_at: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub cancelled_at: Option<i64>,
    pub reason: String,
    pub checkin_code: String,
    pub title_zh: String,
    pub title_en: String,
    pub place_zh: String,
    pub place_en: String,
    pub workgroup_id: i64,
    pub capacity: i64,
    pub closes_minutes_before: i64,
    pub going: i64,
    pub waiting: i64,
    /// The viewer's state on it (`going`, `waiting`), when asked for.
    pub mine: Option<String>,
}

impl Occurrence {
    /// Moved from the time its rule gave.
    pub fn moved(&self) -> bool {
        self.starts_at != self.original_at
    }
    pub fn places_left(&self) -> i64 {
        (self.capacity - self.going).max(0)
    }
}

/// An occurrence's columns; `{mine}` is the viewer's state on it.
const OCCURRENCE_COLUMNS: &str = "SELECT o.id, o.activity_id, o.community_id, o.original_at, o.starts_at, o.ends_at, \
     o.cancelled_at, o.reason, o.checkin_code, a.title_zh, a.title_en, \
     COALESCE(p.name_zh, '') AS place_zh, COALESCE(p.name_en, '') AS place_en, a.workgroup_id, \
     a.capacity, a.closes_minutes_before, \
     (SELECT COUNT(*) FROM signups s WHERE s.occurrence_id = o.id AND s.state = 'going') AS going, \
     (SELECT COUNT(*) FROM signups s WHERE s.occurrence_id = o.id AND s.state = 'waiting') AS waiting";
const OCCURRENCE_FROM: &str = "FROM occurrences o JOIN activities a ON a.id = o.activity_id LEFT JOIN places p ON p.id = a.place_id";
/// One occurrence, with no viewer's state.
const NOBODY_MINE: &str = "CAST(NULL AS TEXT) AS mine";

pub async fn activity(db: &Db, community_id: i64, id: i64) -> Result<Option<Activity>, StoreError> {
    let sql = format!(
        "SELECT {ACTIVITY_COLUMNS} {ACTIVITY_FROM} WHERE a.id = $1 AND a.community_id = $2"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Activity>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(id)
    .bind(community_id)
    .fetch_optional(pool)
    .await)?)
}

/// The community's activities not cancelled (for a workgroup, if given).
pub async fn activities(
    db: &Db,
    community_id: i64,
    workgroup: Option<i64>,
) -> Result<Vec<Activity>, StoreError> {
    let sql = format!(
        "SELECT {ACTIVITY_COLUMNS} {ACTIVITY_FROM} WHERE a.community_id = $1 AND a.cancelled_at IS NULL \
         AND ($2 IS NULL OR a.workgroup_id = $2) ORDER BY a.id"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Activity>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .bind(workgroup)
    .fetch_all(pool)
    .await)?)
}

/// The occurrences starting in `[from, to)` in a community (of one
/// activity, if given), cancelled ones included.
pub async fn occurrences(
    db: &Db,
    community_id: i64,
    activity: Option<i64>,
    from: i64,
    to: i64,
    limit: i64,
) -> Result<Vec<Occurrence>, StoreError> {
    occurrences_seen_by(db, community_id, activity, from, to, limit, None).await
}

/// Like [`occurrences`], each with the viewer's own state on it (`mine`).
pub async fn occurrences_seen_by(
    db: &Db,
    community_id: i64,
    activity: Option<i64>,
    from: i64,
    to: i64,
    limit: i64,
    viewer: Option<i64>,
) -> Result<Vec<Occurrence>, StoreError> {
    let sql = format!(
        "{OCCURRENCE_COLUMNS}, (SELECT s.state FROM signups s WHERE s.occurrence_id = o.id AND s.account_id = $6 \
         AND s.state <> 'cancelled' LIMIT 1) AS mine {OCCURRENCE_FROM} WHERE o.community_id = $1 AND o.starts_at >= $2 AND o.starts_at < $3 \
         AND ($4 IS NULL OR o.activity_id = $4) AND a.cancelled_at IS NULL ORDER BY o.starts_at, o.id LIMIT $5"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Occurrence>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .bind(from)
    .bind(to)
    .bind(activity)
    .bind(limit)
    .bind(viewer)
    .fetch_all(pool)
    .await)?)
}

pub async fn occurrence(
    db: &Db,
    community_id: i64,
    id: i64,
) -> Result<Option<Occurrence>, StoreError> {
    let sql = format!(
        "{OCCURRENCE_COLUMNS}, {NOBODY_MINE} {OCCURRENCE_FROM} WHERE o.id = $1 AND o.community_id = $2"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Occurrence>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(id)
    .bind(community_id)
    .fetch_optional(pool)
    .await)?)
}

pub async fn occurrence_by_code(db: &Db, code: &str) -> Result<Option<Occurrence>, StoreError> {
    let sql =
        format!("{OCCURRENCE_COLUMNS}, {NOBODY_MINE} {OCCURRENCE_FROM} WHERE o.checkin_code = $1");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Occurrence>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(code)
    .fetch_optional(pool)
    .await)?)
}

/// What the organiser's form gives.
#[derive(Debug, Clone)]
pub struct NewActivity {
    pub workgroup_id: i64,
    pub place_id: Option<i64>,
    pub title_zh: String,
    pub title_en: String,
    pub description: String,
    pub teacher: String,
    pub capacity: i64,
    pub timing: Timing,
    pub closes_minutes_before: i64,
    pub created_by: Option<i64>,
}

/// Writes an activity and its occurrences up to the horizon, each holding
/// the room at its place; `Conflict("activity-room-taken")` when the room
/// is booked at one of those times (nothing is written then).
pub async fn create(
    db: &Db,
    community_id: i64,
    zone: &str,
    room: Option<&Room>,
    new: &NewActivity,
) -> Result<i64, StoreError> {
    let at = now();
    let starts = recurrence::starts_between(
        &new.timing,
        zone,
        at - new.timing.minutes * 60,
        at + HORIZON_DAYS * 86_400,
        2000,
    )
    .map_err(StoreError::Invalid)?;
    let length = new.timing.minutes * 60;
    let starts_local = new
        .timing
        .starts_local
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    let written = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO activities (community_id, workgroup_id, place_id, title_zh, title_en, description, teacher, \
                 capacity, starts_local, minutes, rrule, closes_minutes_before, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
            )
            .bind(community_id)
            .bind(new.workgroup_id)
            .bind(new.place_id)
            .bind(&new.title_zh)
            .bind(&new.title_en)
            .bind(&new.description)
            .bind(&new.teacher)
            .bind(new.capacity)
            .bind(&starts_local)
            .bind(new.timing.minutes)
            .bind(&new.timing.rule)
            .bind(new.closes_minutes_before)
            .bind(new.created_by)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            for start in &starts {
                let occurrence: i64 = sqlx::query_scalar(
                    "INSERT INTO occurrences (activity_id, community_id, original_at, starts_at, ends_at, checkin_code) \
                     VALUES ($1, $2, $3, $3, $4, $5) RETURNING id",
                )
                .bind(id)
                .bind(community_id)
                .bind(*start)
                .bind(*start + length)
                .bind(crate::auth::random_token())
                .fetch_one(&mut *tx)
                .await?;
                if let Some(room) = room {
                    let held = hold_room!(tx, community_id, room.id, *start, *start + length, Holder::Occurrence(occurrence)).await?;
                    if held.is_none() {
                        return Ok::<Option<i64>, sqlx::Error>(None);
                    }
                }
            }
            tx.commit().await?;
            Ok(Some(id))
        }
        .await
    });
    match written {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(StoreError::Conflict("activity-room-taken")),
        Err(e) if crate::rooms::store::is_overlap(&e) => {
            Err(StoreError::Conflict("activity-room-taken"))
        }
        Err(e) => Err(e.into()),
    }
}

/// Keeps every recurring activity's occurrences written up to the horizon:
/// new ones hold their room (one whose room is taken is written cancelled,
/// saying so) and sign up those who joined the whole series. Safe to run
/// on two instances at once: an occurrence is written once.
pub async fn keep_ahead(db: &Db, at: i64) -> Result<u64, StoreError> {
    let mut written = 0;
    let list: Vec<(i64, i64, String)> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT a.id, a.community_id, c.timezone FROM activities a JOIN communities c ON c.id = a.community_id \
         WHERE a.cancelled_at IS NULL AND a.rrule <> ''"
    )
    .fetch_all(pool)
    .await
    })?;
    for (id, community_id, zone) in list {
        let Some(activity) = activity(db, community_id, id).await? else {
            continue;
        };
        let Some(timing) = activity.timing() else {
            continue;
        };
        let last: Option<i64> = on_db!(db, |pool| sqlx::query_scalar(
            "SELECT MAX(original_at) FROM occurrences WHERE activity_id = $1"
        )
        .bind(id)
        .fetch_one(pool)
        .await)?;
        let from = last.map_or(at, |l| l + 1);
        let Ok(starts) =
            recurrence::starts_between(&timing, &zone, from, at + HORIZON_DAYS * 86_400, 500)
        else {
            continue;
        };
        let room = match activity.place_id {
            Some(place) => crate::rooms::store::at_place(db, place).await?,
            None => None,
        };
        for start in starts {
            if let Some(occurrence) = add_occurrence(db, &activity, room.as_ref(), start).await? {
                written += 1;
                super::signup::series_join(db, &activity, occurrence).await?;
            }
        }
    }
    Ok(written)
}

/// Writes one occurrence unless it is there already; its id if written.
async fn add_occurrence(
    db: &Db,
    activity: &Activity,
    room: Option<&Room>,
    start: i64,
) -> Result<Option<i64>, StoreError> {
    let ends = start + activity.minutes * 60;
    let written = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO occurrences (activity_id, community_id, original_at, starts_at, ends_at, checkin_code) \
                 VALUES ($1, $2, $3, $3, $4, $5) ON CONFLICT (activity_id, original_at) DO NOTHING RETURNING id",
            )
            .bind(activity.id)
            .bind(activity.community_id)
            .bind(start)
            .bind(ends)
            .bind(crate::auth::random_token())
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = id else {
                return Ok::<Option<i64>, sqlx::Error>(None);
            };
            tx.commit().await?;
            Ok(Some(id))
        }
        .await
    })?;
    let Some(id) = written else {
        return Ok(None);
    };
    if let Some(room) = room {
        let held = on_db!(db, |pool| {
            async {
                let mut tx = pool.begin_write().await?;
                let held = hold_room!(
                    tx,
                    activity.community_id,
                    room.id,
                    start,
                    ends,
                    Holder::Occurrence(id)
                )
                .await?;
                if held.is_some() {
                    tx.commit().await?;
                }
                Ok::<bool, sqlx::Error>(held.is_some())
            }
            .await
        });
        let held = match held {
            Err(e) if crate::rooms::store::is_overlap(&e) => false,
            other => other?,
        };
        if !held {
            on_db!(db, |pool| sqlx::query(
                "UPDATE occurrences SET cancelled_at = $1, reason = $2 WHERE id = $3"
            )
            .bind(now())
            .bind("场地已被预约 The room is booked at this time")
            .bind(id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        }
    }
    Ok(Some(id))
}
