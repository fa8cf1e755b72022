//! The public transparency page `/rates` and its data at `/rates.json`.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::{Rates, Ratio, compute, rows, this_and_last_month};
use crate::community::{Community, Workgroup};
use crate::db::now;
use crate::requests::record::RequestRow;
use crate::requests::search;
use crate::web::{AppError, AppState, Ctx, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rates", get(page))
        .route("/rates.json", get(data))
        .route("/rates/communities.json", get(super::district::data))
}

struct Period {
    from: i64,
    to: i64,
    rates: Rates,
}

/// Public figures: legal questions and the like are left out, and
/// deadlines still to come this month do not count yet.
async fn periods(
    state: &AppState,
    community: &Community,
) -> Result<(Period, Period, Vec<super::RateRow>), AppError> {
    let (this, last) = this_and_last_month(now(), &community.tz());
    let all: Vec<super::RateRow> = rows(&state.db, community.id, last.0, this.1)
        .await?
        .into_iter()
        .filter(|r| !r.category_private)
        .collect();
    let this_rates = compute(&all, this.0, super::so_far(this.1));
    let last_rates = compute(&all, last.0, last.1);
    Ok((
        Period {
            from: this.0,
            to: this.1,
            rates: this_rates,
        },
        Period {
            from: last.0,
            to: last.1,
            rates: last_rates,
        },
        all,
    ))
}

fn hours(seconds: Option<i64>) -> Value {
    seconds
        .map(|s| json!((s as f64 / 3600.0 * 10.0).round() / 10.0))
        .unwrap_or(Value::Null)
}

fn period_json(c: &Community, p: &Period) -> Value {
    let ratio = |r: &Ratio| json!({ "count": r.count, "out_of": r.out_of });
    json!({
        "from": c.iso_time(p.from),
        "to": c.iso_time(p.to),
        "response_rate": p.rates.response.fraction(),
        "resolution_rate": p.rates.resolution.fraction(),
        "satisfaction_rate": p.rates.satisfaction.fraction(),
        "response": ratio(&p.rates.response),
        "resolution": ratio(&p.rates.resolution),
        "satisfaction": ratio(&p.rates.satisfaction),
        "response_hours_median": hours(p.rates.response_median),
        "response_hours_p90": hours(p.rates.response_p90),
        "resolution_hours_median": hours(p.rates.resolution_median),
        "resolution_hours_p90": hours(p.rates.resolution_p90),
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RatesQuery {
    /// A community's code; the first community when left out.
    community: String,
}

/// `GET /rates.json[?community=CODE]`: this month's and last month's rates,
/// as fractions with the counts behind them, for anyone to reuse. An
/// unknown code is 404.
async fn data(
    State(state): State<AppState>,
    Query(q): Query<RatesQuery>,
) -> Result<Response, AppError> {
    let community = if q.community.is_empty() {
        Community::default_one(&state.db).await?
    } else {
        Community::by_code(&state.db, &q.community)
            .await?
            .ok_or(AppError::NotFound)?
    };
    let (this, last, _) = periods(&state, &community).await?;
    let lang = crate::i18n::Lang::En;
    let body = json!({
        "community": community.code,
        "definitions": {
            "response_rate": lang.t("rates-def-response"),
            "resolution_rate": lang.t("rates-def-resolution"),
            "satisfaction_rate": lang.t("rates-def-satisfaction"),
        },
        "this_month": period_json(&community, &this),
        "last_month": period_json(&community, &last),
    });
    Ok((
        [(axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        axum::Json(body),
    )
        .into_response())
}

pub struct TeamRates {
    pub name_zh: String,
    pub name_en: String,
    pub rates: Rates,
}

#[derive(Template)]
#[template(path = "rates.html")]
struct RatesPage {
    ctx: Ctx,
    this: Rates,
    last: Rates,
    teams: Vec<TeamRates>,
    solved: Vec<RequestRow>,
}

impl RatesPage {
    fn pct(&self, r: &Ratio) -> String {
        r.percent()
            .map(|p| format!("{p}%"))
            .unwrap_or_else(|| "—".to_string())
    }
    fn counts(&self, r: &Ratio) -> String {
        format!("{} / {}", r.count, r.out_of)
    }
    fn hours(&self, s: &Option<i64>) -> String {
        s.map(|s| format!("{:.1}", s as f64 / 3600.0))
            .unwrap_or_else(|| "—".to_string())
    }
}

async fn page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let community = ctx.community.clone();
    let (this, last, all) = periods(&state, &community).await?;
    let mut teams = Vec::new();
    for w in Workgroup::list(&state.db, community.id).await? {
        let theirs: Vec<super::RateRow> = all
            .iter()
            .filter(|r| r.workgroup_id == w.id)
            .cloned()
            .collect();
        if theirs.is_empty() {
            continue;
        }
        let until = super::so_far(this.to);
        teams.push(TeamRates {
            name_zh: w.name_zh,
            name_en: w.name_en,
            rates: compute(&theirs, this.from, until),
        });
    }
    let mut solved = search::public_list(&state.db, community.id, false, 60).await?;
    solved
        .retain(|r| matches!(r.status.as_str(), "resolved" | "closed") && r.resolved_at.is_some());
    solved.truncate(10);
    render(&RatesPage {
        ctx,
        this: this.rates,
        last: last.rates,
        teams,
        solved,
    })
}
