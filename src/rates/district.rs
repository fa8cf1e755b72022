//! The district's view: the three rates of every community, this month and
//! last, at `/rates/communities.json`. Counted in the database (one
//! aggregate per time zone) rather than row by row, since a district holds
//! millions of requests, and kept for a minute; the definitions are those of [`super::compute`],
//! and a test holds the two to the same figures.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::{Ratio, so_far, this_and_last_month};
use crate::community::Community;
use crate::db::{Db, now};
use crate::on_db;
use crate::web::{AppError, AppState};

/// The three rates' counts for one period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Three {
    pub response: Ratio,
    pub resolution: Ratio,
    pub satisfaction: Ratio,
}

#[derive(sqlx::FromRow)]
struct Counts {
    community_id: i64,
    this_response: i64,
    this_response_in_time: i64,
    this_resolution: i64,
    this_resolution_solved: i64,
    this_satisfaction: i64,
    this_satisfaction_good: i64,
    last_response: i64,
    last_response_in_time: i64,
    last_resolution: i64,
    last_resolution_solved: i64,
    last_satisfaction: i64,
    last_satisfaction_good: i64,
}

/// The counts of one period `[from, to)` as `COUNT(*) FILTER` columns,
/// each condition as [`super::compute`] states it (duplicates are left out
/// in the WHERE clause).
fn period_columns(name: &str, from: &str, to: &str) -> String {
    let within = |time: &str| format!("({time} >= {from} AND {time} < {to})");
    // When the answer was settled, as `super::response_settled_at` says.
    let response = within(
        "CASE WHEN r.responded_at <= r.response_due_at THEN r.responded_at ELSE r.response_due_at END",
    );
    let resolution = format!(
        "(r.status NOT IN ('rejected', 'referred') AND ({} OR {}))",
        within("r.closed_at"),
        within("r.resolution_due_at")
    );
    let satisfaction = format!("({} AND r.rating IS NOT NULL)", within("r.rated_at"));
    format!(
        "COUNT(*) FILTER (WHERE {response}) AS {name}_response, \
         COUNT(*) FILTER (WHERE {response} AND r.responded_at <= r.response_due_at) AS {name}_response_in_time, \
         COUNT(*) FILTER (WHERE {resolution}) AS {name}_resolution, \
         COUNT(*) FILTER (WHERE {resolution} AND r.status IN ('resolved', 'closed') AND r.resolved_at IS NOT NULL) \
             AS {name}_resolution_solved, \
         COUNT(*) FILTER (WHERE {satisfaction}) AS {name}_satisfaction, \
         COUNT(*) FILTER (WHERE {satisfaction} AND r.rating >= 4) AS {name}_satisfaction_good"
    )
}

/// Every community's public counts for last month `[$1, $2)` and this one
/// `[$2, $3)`, for the communities in time zone `$4`. Only requests with a
/// time in `[$1, $3)` can count; each such time has an index, and the union
/// of the five makes the database read only those requests.
fn counts_sql() -> String {
    let candidates = [
        "response_due_at",
        "responded_at",
        "resolution_due_at",
        "closed_at",
        "rated_at",
    ]
    .map(|c| format!("SELECT id FROM requests WHERE {c} >= $1 AND {c} < $3"))
    .join(" UNION ");
    format!(
        "SELECT r.community_id, {}, {} FROM requests r \
         JOIN categories c ON c.id = r.category_id \
         JOIN communities co ON co.id = r.community_id \
         WHERE co.timezone = $4 AND r.status <> 'duplicate' AND NOT c.private_by_nature \
         AND r.id IN ({candidates}) \
         GROUP BY r.community_id",
        period_columns("last", "$1", "$2"),
        period_columns("this", "$2", "$3"),
    )
}

pub struct CommunityRates {
    pub community: Community,
    pub this_month: (i64, i64, Three),
    pub last_month: (i64, i64, Three),
}

/// The public rates of every community, this month so far and last month,
/// each month in the community's own time zone.
pub async fn every_community(db: &Db) -> Result<Vec<CommunityRates>, AppError> {
    let communities: Vec<Community> = on_db!(db, |pool| {
        sqlx::query_as::<_, Community>(
        "SELECT id, code, name_zh, name_en, timezone, emergency_numbers FROM communities ORDER BY code"
    )
    .fetch_all(pool)
    .await
    })?;
    let mut zones: Vec<String> = communities.iter().map(|c| c.timezone.clone()).collect();
    zones.sort_unstable();
    zones.dedup();
    let at = now();
    let sql = counts_sql();
    let mut counts = std::collections::HashMap::new();
    let mut months = std::collections::HashMap::new();
    for zone in &zones {
        let Some(first) = communities.iter().find(|c| c.timezone == *zone) else {
            continue;
        };
        let (this, last) = this_and_last_month(at, &first.tz());
        let rows: Vec<Counts> = on_db!(db, |pool| sqlx::query_as::<_, Counts>(
            sqlx::AssertSqlSafe(sql.as_str())
        )
        .bind(last.0)
        .bind(this.0)
        .bind(so_far(this.1))
        .bind(zone.as_str())
        .fetch_all(pool)
        .await)?;
        counts.extend(rows.into_iter().map(|r| (r.community_id, r)));
        months.insert(zone.clone(), (this, last));
    }
    Ok(communities
        .into_iter()
        .filter_map(|community| {
            let (this, last) = *months.get(community.timezone.as_str())?;
            let (this_counts, last_counts) = match counts.get(&community.id) {
                Some(c) => three(c),
                None => Default::default(),
            };
            Some(CommunityRates {
                community,
                this_month: (this.0, this.1, this_counts),
                last_month: (last.0, last.1, last_counts),
            })
        })
        .collect())
}

fn three(c: &Counts) -> (Three, Three) {
    let ratio = |count, out_of| Ratio { count, out_of };
    (
        Three {
            response: ratio(c.this_response_in_time, c.this_response),
            resolution: ratio(c.this_resolution_solved, c.this_resolution),
            satisfaction: ratio(c.this_satisfaction_good, c.this_satisfaction),
        },
        Three {
            response: ratio(c.last_response_in_time, c.last_response),
            resolution: ratio(c.last_resolution_solved, c.last_resolution),
            satisfaction: ratio(c.last_satisfaction_good, c.last_satisfaction),
        },
    )
}

fn period_json(community: &Community, (from, to, t): &(i64, i64, Three)) -> Value {
    let ratio = |r: &Ratio| json!({ "count": r.count, "out_of": r.out_of });
    json!({
        "from": community.iso_time(*from),
        "to": community.iso_time(*to),
        "response_rate": t.response.fraction(),
        "resolution_rate": t.resolution.fraction(),
        "satisfaction_rate": t.satisfaction.fraction(),
        "response": ratio(&t.response),
        "resolution": ratio(&t.resolution),
        "satisfaction": ratio(&t.satisfaction),
    })
}

/// The district's table as last counted: monthly figures may be a minute
/// old, and however many ask at once, one of them counts.
#[derive(Clone, Default)]
pub struct Cache(Arc<Mutex<Option<Counted>>>);

/// When the table was counted, and the table.
type Counted = (Instant, Arc<Value>);

const FRESH_FOR: Duration = Duration::from_secs(60);

/// `GET /rates/communities.json`: the district's table, one entry per
/// community, with the same definitions as `/rates.json`.
pub async fn data(State(state): State<AppState>) -> Result<Response, AppError> {
    let Some(cache) = state.part::<Cache>() else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "the district's cache was not put in the state"
        )));
    };
    let mut cached = cache.0.lock().await;
    let body = match cached.as_ref() {
        Some((at, body)) if at.elapsed() < FRESH_FOR => body.clone(),
        _ => {
            let body = Arc::new(table(&state.db).await?);
            *cached = Some((Instant::now(), body.clone()));
            body
        }
    };
    drop(cached);
    Ok((
        [(axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        axum::Json(body),
    )
        .into_response())
}

async fn table(db: &Db) -> Result<Value, AppError> {
    let lang = crate::i18n::Lang::En;
    let communities: Vec<Value> = every_community(db)
        .await?
        .iter()
        .map(|c| {
            json!({
                "community": c.community.code,
                "name_zh": c.community.name_zh,
                "name_en": c.community.name_en,
                "this_month": period_json(&c.community, &c.this_month),
                "last_month": period_json(&c.community, &c.last_month),
            })
        })
        .collect();
    Ok(json!({
        "counted_at": jiff::Timestamp::from_second(now()).map(|t| t.to_string()).unwrap_or_default(),
        "definitions": {
            "response_rate": lang.t("rates-def-response"),
            "resolution_rate": lang.t("rates-def-resolution"),
            "satisfaction_rate": lang.t("rates-def-satisfaction"),
        },
        "communities": communities,
    }))
}
