//! `GET /district/rates.json?district=CODE`: a district's three rates,
//! this month and last, for the whole district, each street and each
//! community (ranked by this month's response rate). Public, like every
//! community's own `/rates.json`, whose definitions and counts these are:
//! a street's or district's rate is the sum of its communities' counts.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::rules::{self, Figures, RankBy};
use super::store;
use crate::rates::Ratio;
use crate::rates::district::Three;
use crate::web::{AppError, AppState};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DistrictQuery {
    district: String,
}

fn three_json(t: &Three) -> Value {
    let ratio = |r: &Ratio| json!({ "count": r.count, "out_of": r.out_of });
    json!({
        "response_rate": t.response.fraction(),
        "resolution_rate": t.resolution.fraction(),
        "satisfaction_rate": t.satisfaction.fraction(),
        "response": ratio(&t.response),
        "resolution": ratio(&t.resolution),
        "satisfaction": ratio(&t.satisfaction),
    })
}

fn figures_json(f: &Figures) -> Value {
    json!({
        "this_month": three_json(&f.this_month),
        "last_month": three_json(&f.last_month),
    })
}

pub async fn data(
    State(state): State<AppState>,
    Query(q): Query<DistrictQuery>,
) -> Result<Response, AppError> {
    let db = &state.db;
    let district = if q.district.is_empty() {
        store::first_district(db).await?
    } else {
        store::district_by_code(db, &q.district).await?
    };
    let Some(district) = district else {
        return Err(AppError::NotFound);
    };
    let streets = store::streets_of(db, district.id).await?;
    let figures = store::cached_figures(&state).await?;
    let mut rows: Vec<((i64, crate::community::Community), Figures)> =
        store::communities_of(db, district.id)
            .await?
            .into_iter()
            .map(|(street_id, c)| {
                let f = figures.get(&c.id).copied().unwrap_or_default();
                ((street_id, c), f)
            })
            .collect();
    rules::rank(&mut rows, RankBy::Response);
    let street_code = |id: i64| {
        streets
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.code.clone())
            .unwrap_or_default()
    };
    let communities: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, ((street_id, c), f))| {
            let mut v = figures_json(f);
            v["rank"] = json!(i + 1);
            v["community"] = json!(c.code);
            v["name_zh"] = json!(c.name_zh);
            v["name_en"] = json!(c.name_en);
            v["street"] = json!(street_code(*street_id));
            v
        })
        .collect();
    let streets_json: Vec<Value> = streets
        .iter()
        .map(|s| {
            let theirs: Vec<&Figures> = rows
                .iter()
                .filter(|((street_id, _), _)| *street_id == s.id)
                .map(|(_, f)| f)
                .collect();
            let mut v = figures_json(&rules::roll_up(theirs.iter().copied()));
            v["street"] = json!(s.code);
            v["name_zh"] = json!(s.name_zh);
            v["name_en"] = json!(s.name_en);
            v["communities"] = json!(theirs.len());
            v
        })
        .collect();
    let total = rules::roll_up(rows.iter().map(|(_, f)| f));
    let mut body = figures_json(&total);
    body["district"] = json!(district.code);
    body["name_zh"] = json!(district.name_zh);
    body["name_en"] = json!(district.name_en);
    body["streets"] = json!(streets_json);
    body["communities"] = json!(communities);
    Ok((
        [(axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        axum::Json(body),
    )
        .into_response())
}
