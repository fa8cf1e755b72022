//! The rooms' SQL. A booking is written by [`hold`], which refuses a span
//! that overlaps one already holding the room: on SQLite inside a write
//! transaction (which holds the file's write lock from its first
//! statement), on PostgreSQL by the exclusion constraint
//! `bookings_never_overlap` as well, so two instances booking the same
//! hour at the same instant end with one booking.

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;

pub const ROOM_COLUMNS: &str = "r.id, r.community_id, r.place_id, r.code, p.name_zh, p.name_en, \
     r.opens_minute, r.closes_minute, r.longest_minutes, r.who_may_book, r.approver_workgroup_id, \
     r.grace_minutes";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Room {
    pub id: i64,
    pub community_id: i64,
    pub place_id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub opens_minute: i64,
    pub closes_minute: i64,
    pub longest_minutes: i64,
    pub who_may_book: String,
    pub approver_workgroup_id: Option<i64>,
    pub grace_minutes: i64,
}

impl Room {
    pub fn hours(&self) -> super::rules::Hours {
        super::rules::Hours {
            opens_minute: self.opens_minute,
            closes_minute: self.closes_minute,
            longest_minutes: self.longest_minutes,
        }
    }
}

/// A span that holds a room: a person's booking or an activity.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, ToSchema)]
pub struct Held {
    pub id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub state: String,
    #[serde(skip)]
    pub account_id: Option<i64>,
    #[serde(skip)]
    pub checked_in_at: Option<i64>,
    /// The activity holding the room, if it is one.
    pub activity_id: Option<i64>,
    pub activity_zh: Option<String>,
    pub activity_en: Option<String>,
}

/// The states in which a booking holds its room.
pub const HOLDING: &str = "('pending', 'confirmed')";

pub async fn list(db: &Db, community_id: i64) -> Result<Vec<Room>, StoreError> {
    let sql = format!(
        "SELECT {ROOM_COLUMNS} FROM rooms r JOIN places p ON p.id = r.place_id \
         WHERE r.community_id = $1 AND r.active ORDER BY r.code"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Room>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .fetch_all(pool)
    .await)?)
}

pub async fn by_code(db: &Db, community_id: i64, code: &str) -> Result<Option<Room>, StoreError> {
    let sql = format!(
        "SELECT {ROOM_COLUMNS} FROM rooms r JOIN places p ON p.id = r.place_id \
         WHERE r.community_id = $1 AND r.code = $2 AND r.active"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Room>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .bind(code)
    .fetch_optional(pool)
    .await)?)
}

/// The room at a place, if the place is bookable.
pub async fn at_place(db: &Db, place_id: i64) -> Result<Option<Room>, StoreError> {
    let sql = format!(
        "SELECT {ROOM_COLUMNS} FROM rooms r JOIN places p ON p.id = r.place_id \
         WHERE r.place_id = $1 AND r.active"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Room>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(place_id)
    .fetch_optional(pool)
    .await)?)
}

/// What holds the room between two times (a week's view).
pub async fn held_between(
    db: &Db,
    room_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<Held>, StoreError> {
    let sql = format!(
        "SELECT b.id, b.starts_at, b.ends_at, b.state, b.account_id, b.checked_in_at, \
         a.id AS activity_id, a.title_zh AS activity_zh, a.title_en AS activity_en \
         FROM bookings b LEFT JOIN occurrences o ON o.id = b.occurrence_id \
         LEFT JOIN activities a ON a.id = o.activity_id \
         WHERE b.room_id = $1 AND b.state IN {HOLDING} AND b.starts_at < $3 AND b.ends_at > $2 \
         ORDER BY b.starts_at"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Held>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(room_id)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await)?)
}

/// Who holds a span: a person (with what for) or an activity's occurrence.
#[derive(Debug, Clone, Copy)]
pub enum Holder<'a> {
    Person {
        account_id: i64,
        purpose: &'a str,
        pending: bool,
    },
    Occurrence(i64),
}

/// Writes a booking on a connection inside a write transaction, unless the
/// span overlaps one already holding the room: `Ok(None)` then. On
/// PostgreSQL the exclusion constraint answers for bookings being written
/// at the same instant by other transactions.
#[macro_export]
macro_rules! hold_room {
    ($tx:expr, $community_id:expr, $room_id:expr, $starts:expr, $ends:expr, $holder:expr) => {
        async {
            let taken = sqlx::query_scalar::<_, i64>(
                "SELECT id FROM bookings WHERE room_id = $1 AND state IN ('pending', 'confirmed') \
                 AND starts_at < $3 AND ends_at > $2 LIMIT 1",
            )
            .bind($room_id)
            .bind($starts)
            .bind($ends)
            .fetch_optional(&mut *$tx)
            .await?;
            if taken.is_some() {
                return Ok::<Option<i64>, sqlx::Error>(None);
            }
            let (account_id, occurrence_id, purpose, state) = match $holder {
                $crate::rooms::store::Holder::Person { account_id, purpose, pending } => {
                    (Some(account_id), None, purpose, if pending { "pending" } else { "confirmed" })
                }
                $crate::rooms::store::Holder::Occurrence(id) => (None, Some(id), "", "confirmed"),
            };
            let inserted = sqlx::query_scalar::<_, i64>(
                "INSERT INTO bookings (community_id, room_id, starts_at, ends_at, account_id, occurrence_id, purpose, state, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind($community_id)
            .bind($room_id)
            .bind($starts)
            .bind($ends)
            .bind(account_id)
            .bind(occurrence_id)
            .bind(purpose)
            .bind(state)
            .bind($crate::db::now())
            .fetch_one(&mut *$tx)
            .await;
            match inserted {
                Ok(id) => Ok(Some(id)),
                Err(e) if $crate::rooms::store::is_overlap(&e) => Ok(None),
                Err(e) => Err(e),
            }
        }
    };
}

/// PostgreSQL refused a booking for overlapping another (SQLSTATE 23P01,
/// an exclusion violation).
pub fn is_overlap(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.code().as_deref() == Some("23P01"))
}

/// Books a room for a person; `Conflict("booking-taken")` when the span
/// overlaps one holding it.
pub async fn book(
    db: &Db,
    room: &Room,
    starts_at: i64,
    ends_at: i64,
    holder: Holder<'_>,
) -> Result<i64, StoreError> {
    let written = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            match hold_room!(tx, room.community_id, room.id, starts_at, ends_at, holder).await {
                Ok(Some(id)) => {
                    tx.commit().await?;
                    Ok(Some(id))
                }
                Ok(None) => Ok(None),
                // PostgreSQL reports the overlap at commit time too when
                // the constraint is checked late; it never is here, but a
                // refused commit is still a taken slot, not a failure.
                Err(e) if is_overlap(&e) => Ok(None),
                Err(e) => Err(e),
            }
        }
        .await
    });
    match written {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(StoreError::Conflict("booking-taken")),
        Err(e) if is_overlap(&e) => Err(StoreError::Conflict("booking-taken")),
        Err(e) => Err(e.into()),
    }
}

/// A person's booking, with its room.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, ToSchema)]
pub struct Booking {
    pub id: i64,
    /// The room's code.
    pub room: String,
    #[serde(skip)]
    pub room_zh: String,
    #[serde(skip)]
    pub room_en: String,
    pub starts_at: i64,
    pub ends_at: i64,
    /// `pending` (waiting for a lead), `confirmed`, `released` (nobody
    /// checked in), `cancelled` or `refused`.
    pub state: String,
    pub purpose: String,
    pub checked_in_at: Option<i64>,
    #[serde(skip)]
    pub account_id: Option<i64>,
    #[serde(skip)]
    pub booker: String,
}

const BOOKING_SELECT: &str = "SELECT b.id, r.code AS room, p.name_zh AS room_zh, p.name_en AS room_en, \
     b.starts_at, b.ends_at, b.state, b.purpose, b.checked_in_at, b.account_id, \
     COALESCE(a.display_name, '') AS booker \
     FROM bookings b JOIN rooms r ON r.id = b.room_id JOIN places p ON p.id = r.place_id \
     LEFT JOIN accounts a ON a.id = b.account_id";

pub async fn booking(db: &Db, community_id: i64, id: i64) -> Result<Option<Booking>, StoreError> {
    let sql = format!("{BOOKING_SELECT} WHERE b.id = $1 AND b.community_id = $2");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Booking>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(id)
    .bind(community_id)
    .fetch_optional(pool)
    .await)?)
}

/// A person's bookings that have not ended yet.
pub async fn upcoming_of(db: &Db, account_id: i64, at: i64) -> Result<Vec<Booking>, StoreError> {
    let sql = format!(
        "{BOOKING_SELECT} WHERE b.account_id = $1 AND b.ends_at > $2 AND b.state IN {HOLDING} \
         ORDER BY b.starts_at LIMIT 50"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Booking>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(account_id)
    .bind(at)
    .fetch_all(pool)
    .await)?)
}

/// Every booking of a person, for their own-data download and their feed.
pub async fn all_of(db: &Db, account_id: i64) -> Result<Vec<Booking>, StoreError> {
    let sql = format!("{BOOKING_SELECT} WHERE b.account_id = $1 ORDER BY b.starts_at");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Booking>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(account_id)
    .fetch_all(pool)
    .await)?)
}

/// Bookings waiting for a lead of one of the person's workgroups.
pub async fn awaiting_lead(db: &Db, lead_id: i64) -> Result<Vec<Booking>, StoreError> {
    let sql = format!(
        "{BOOKING_SELECT} WHERE b.state = 'pending' AND r.approver_workgroup_id IN \
         (SELECT workgroup_id FROM workgroup_members WHERE account_id = $1 AND is_lead) \
         ORDER BY b.starts_at LIMIT 100"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Booking>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(lead_id)
    .fetch_all(pool)
    .await)?)
}

/// Moves a booking from one of (at most two) states to another, if it is
/// still in one of them; whether it moved.
pub async fn set_state(db: &Db, id: i64, from: &[&str], to: &str) -> Result<bool, StoreError> {
    let first = from.first().copied().unwrap_or(to);
    let second = from.get(1).copied().unwrap_or(first);
    let moved = on_db!(db, |pool| sqlx::query(
        "UPDATE bookings SET state = $1 WHERE id = $2 AND (state = $3 OR state = $4)"
    )
    .bind(to)
    .bind(id)
    .bind(first)
    .bind(second)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(moved > 0)
}

pub async fn check_in(db: &Db, id: i64, at: i64) -> Result<bool, StoreError> {
    let moved = on_db!(db, |pool| {
        sqlx::query(
        "UPDATE bookings SET checked_in_at = $1 WHERE id = $2 AND state = 'confirmed' AND checked_in_at IS NULL"
    )
    .bind(at)
    .bind(id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(moved > 0)
}

/// Releases every person's booking that nobody checked into within its
/// room's grace period: the room shows free again. One statement, so two
/// instances running it at once release each booking once.
pub async fn release_unchecked(db: &Db, at: i64) -> Result<u64, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query(
        "UPDATE bookings SET state = 'released' WHERE state = 'confirmed' AND checked_in_at IS NULL \
         AND occurrence_id IS NULL AND starts_at <= $1 \
         AND starts_at + 60 * (SELECT grace_minutes FROM rooms WHERE rooms.id = bookings.room_id) <= $1"
    )
    .bind(at)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?)
}

/// Cancels a person's future bookings (their account is closing).
pub async fn cancel_future_of(db: &Db, account_id: i64) -> Result<u64, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query(
        "UPDATE bookings SET state = 'cancelled' WHERE account_id = $1 AND ends_at > $2 \
         AND state IN ('pending', 'confirmed')"
    )
    .bind(account_id)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?)
}

/// What the administrator sets to make a place bookable.
#[derive(Debug, Clone)]
pub struct RoomSettings {
    pub place_id: i64,
    pub code: String,
    pub opens_minute: i64,
    pub closes_minute: i64,
    pub longest_minutes: i64,
    pub who_may_book: String,
    pub approver_workgroup_id: Option<i64>,
    pub grace_minutes: i64,
}

/// Makes a place bookable, or changes its settings.
pub async fn save(db: &Db, community_id: i64, s: &RoomSettings) -> Result<(), StoreError> {
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO rooms (community_id, place_id, code, opens_minute, closes_minute, longest_minutes, \
         who_may_book, approver_workgroup_id, grace_minutes, active) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, TRUE) \
         ON CONFLICT (place_id) DO UPDATE SET code = excluded.code, opens_minute = excluded.opens_minute, \
         closes_minute = excluded.closes_minute, longest_minutes = excluded.longest_minutes, \
         who_may_book = excluded.who_may_book, approver_workgroup_id = excluded.approver_workgroup_id, \
         grace_minutes = excluded.grace_minutes, active = TRUE"
    )
    .bind(community_id)
    .bind(s.place_id)
    .bind(&s.code)
    .bind(s.opens_minute)
    .bind(s.closes_minute)
    .bind(s.longest_minutes)
    .bind(&s.who_may_book)
    .bind(s.approver_workgroup_id)
    .bind(s.grace_minutes)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}
