//! Districts, streets, the offices that look after them, the communities
//! under them, and the figures each community counts.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::rules::{Figures, Office, Seat};
use crate::community::Community;
use crate::db::{Db, StoreError, now};
use crate::on_db;
use crate::rates::district::every_community;
use crate::web::{AppError, AppState};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct District {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Street {
    pub id: i64,
    pub district_id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

/// The offices someone works in.
pub async fn offices_of(db: &Db, account_id: i64) -> Result<Vec<Office>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Office>(
        "SELECT district_id, street_id FROM office_staff WHERE account_id = $1 ORDER BY id"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await)?)
}

pub async fn district_by_code(db: &Db, code: &str) -> Result<Option<District>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, District>(
        "SELECT id, code, name_zh, name_en FROM districts WHERE code = $1"
    )
    .bind(code.trim())
    .fetch_optional(pool)
    .await)?)
}

pub async fn district(db: &Db, id: i64) -> Result<District, StoreError> {
    on_db!(db, |pool| sqlx::query_as::<_, District>(
        "SELECT id, code, name_zh, name_en FROM districts WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?
    .ok_or(StoreError::NotFound)
}

/// The first district, for addresses that name none.
pub async fn first_district(db: &Db) -> Result<Option<District>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, District>(
        "SELECT id, code, name_zh, name_en FROM districts ORDER BY id LIMIT 1"
    )
    .fetch_optional(pool)
    .await)?)
}

pub async fn streets_of(db: &Db, district_id: i64) -> Result<Vec<Street>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Street>(
        "SELECT id, district_id, code, name_zh, name_en FROM streets WHERE district_id = $1 ORDER BY code"
    )
    .bind(district_id)
    .fetch_all(pool)
    .await
    })?)
}

pub async fn street_by_code(db: &Db, code: &str) -> Result<Option<Street>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Street>(
        "SELECT id, district_id, code, name_zh, name_en FROM streets WHERE code = $1"
    )
    .bind(code.trim())
    .fetch_optional(pool)
    .await)?)
}

/// Where a community sits, if it has been placed under a street.
pub async fn seat_of(db: &Db, community_id: i64) -> Result<Option<Seat>, StoreError> {
    let row: Option<(i64, i64)> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT s.district_id, s.id FROM communities c JOIN streets s ON s.id = c.street_id WHERE c.id = $1"
    )
    .bind(community_id)
    .fetch_optional(pool)
    .await
    })?;
    Ok(row.map(|(district_id, street_id)| Seat {
        district_id,
        street_id,
    }))
}

/// The communities under a district's streets: (street id, community).
pub async fn communities_of(
    db: &Db,
    district_id: i64,
) -> Result<Vec<(i64, Community)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        street_id: i64,
        #[sqlx(flatten)]
        community: Community,
    }
    let rows: Vec<Row> = on_db!(db, |pool| {
        sqlx::query_as::<_, Row>(
        "SELECT c.street_id AS street_id, c.id, c.code, c.name_zh, c.name_en, c.timezone, c.emergency_numbers \
         FROM communities c JOIN streets s ON s.id = c.street_id WHERE s.district_id = $1 ORDER BY c.code"
    )
    .bind(district_id)
    .fetch_all(pool)
    .await
    })?;
    Ok(rows
        .into_iter()
        .map(|r| (r.street_id, r.community))
        .collect())
}

/// Every community's figures as last counted, kept for a minute: a
/// district holds millions of requests and counting them takes seconds
/// (measured by bench/run), so however many ask at once, one counts. Each
/// instance keeps its own; none is more than a minute behind.
#[derive(Clone, Default)]
pub struct FiguresCache(Arc<tokio::sync::Mutex<Option<(Instant, Counted)>>>);

/// Every community's figures, by community id.
pub type Counted = Arc<HashMap<i64, Figures>>;

const FRESH_FOR: Duration = Duration::from_secs(60);

pub async fn cached_figures(state: &AppState) -> Result<Counted, AppError> {
    let Some(cache) = state.part::<FiguresCache>() else {
        return Ok(Arc::new(figures(&state.db).await?));
    };
    let mut held = cache.0.lock().await;
    if let Some((at, counted)) = held.as_ref()
        && at.elapsed() < FRESH_FOR
    {
        return Ok(counted.clone());
    }
    let counted = Arc::new(figures(&state.db).await?);
    *held = Some((Instant::now(), counted.clone()));
    Ok(counted)
}

/// What every community counts now: this month's and last month's rates
/// (as `/rates.json` defines them), overdue requests, ideas, care visits.
pub async fn figures(db: &Db) -> Result<HashMap<i64, Figures>, AppError> {
    let at = now();
    let mut all: HashMap<i64, Figures> = HashMap::new();
    for c in every_community(db).await? {
        let f = all.entry(c.community.id).or_default();
        f.this_month = c.this_month.2;
        f.last_month = c.last_month.2;
    }
    let overdue: Vec<(i64, i64)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT community_id, COUNT(*) FROM requests \
         WHERE status IN ('submitted', 'responded', 'in_progress') \
         AND ((responded_at IS NULL AND response_due_at < $1) OR resolution_due_at < $1) \
         GROUP BY community_id"
    )
    .bind(at)
    .fetch_all(pool)
    .await)?;
    for (id, n) in overdue {
        all.entry(id).or_default().overdue = n;
    }
    let ideas: Vec<(i64, i64, i64)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT community_id, COUNT(*), COUNT(*) FILTER (WHERE answered_at IS NOT NULL) \
         FROM ideas WHERE moderation = 'shown' GROUP BY community_id"
    )
    .fetch_all(pool)
    .await)?;
    for (id, n, answered) in ideas {
        let f = all.entry(id).or_default();
        f.ideas = n;
        f.ideas_answered = answered;
    }
    // As the care dashboard counts it: contacted within the plan's period.
    let care: Vec<(i64, i64, i64)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT community_id, COUNT(*), \
         COUNT(*) FILTER (WHERE last_contact_at >= $1 - every_days * 86400) \
         FROM care_plans WHERE closed_at IS NULL GROUP BY community_id"
    )
    .bind(at)
    .fetch_all(pool)
    .await)?;
    for (id, n, kept) in care {
        let f = all.entry(id).or_default();
        f.care_plans = n;
        f.care_kept = kept;
    }
    Ok(all)
}

/// Moves a community under another street.
pub async fn move_community(db: &Db, community_id: i64, street_id: i64) -> Result<(), StoreError> {
    on_db!(db, |pool| sqlx::query(
        "UPDATE communities SET street_id = $2 WHERE id = $1"
    )
    .bind(community_id)
    .bind(street_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    crate::db::settings_changed();
    Ok(())
}

pub async fn create_district(
    db: &Db,
    code: &str,
    name_zh: &str,
    name_en: &str,
) -> Result<i64, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_scalar::<_, i64>(
        "INSERT INTO districts (code, name_zh, name_en, created_at) VALUES ($1, $2, $3, $4) RETURNING id"
    )
    .bind(code)
    .bind(name_zh)
    .bind(name_en)
    .bind(now())
    .fetch_one(pool)
    .await
    })?)
}

pub async fn create_street(
    db: &Db,
    district_id: i64,
    code: &str,
    name_zh: &str,
    name_en: &str,
) -> Result<i64, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_scalar::<_, i64>(
        "INSERT INTO streets (district_id, code, name_zh, name_en, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id"
    )
    .bind(district_id)
    .bind(code)
    .bind(name_zh)
    .bind(name_en)
    .bind(now())
    .fetch_one(pool)
    .await
    })?)
}

/// Makes someone staff of a district's office, or of one of its streets'.
pub async fn add_office(db: &Db, account_id: i64, office: Office) -> Result<(), StoreError> {
    on_db!(db, |pool| sqlx::query(
        "INSERT INTO office_staff (account_id, district_id, street_id, created_at) \
         SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM office_staff \
         WHERE account_id = $1 AND district_id = $2 AND street_id IS NOT DISTINCT FROM $3)"
    )
    .bind(account_id)
    .bind(office.district_id)
    .bind(office.street_id)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}
