//! Service hours: from shifts served (checked in and out, or confirmed by
//! the lead), from tasks done once the resident helped confirms it, and by
//! hand with a lead's approval. A volunteer's totals by month and year and
//! a printable certificate; the lead's report is in `report`.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::rules;
use super::store::{self, Team};
use crate::auth::{SignedIn, Viewer};
use crate::community::Community;
use crate::db::{Db, StoreError, now};
use crate::on_db;
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState, Ctx, render, render_form};

/// Every minute that counts, with whose it is, when, and for which team (a
/// task is for whoever was on duty, of no one team): one row per shift
/// served, task confirmed and claim approved.
pub(super) const SERVED: &str = "SELECT g.account_id, s.starts_at AS at, g.minutes, 'shift' AS source, s.team_id \
    FROM shift_signups g JOIN shifts s ON s.id = g.shift_id WHERE g.state = 'on' AND g.minutes > 0 \
    UNION ALL SELECT t.account_id, t.done_at AS at, t.minutes, 'task' AS source, NULL AS team_id FROM duty_tasks t \
    WHERE t.done_at IS NOT NULL AND EXISTS (SELECT 1 FROM request_events e WHERE e.request_id = t.request_id \
    AND e.to_status = 'closed' AND e.actor_role = 'reporter' AND e.at >= t.done_at) \
    UNION ALL SELECT c.account_id, c.done_on AS at, c.minutes, 'hand' AS source, c.team_id FROM service_claims c \
    WHERE c.state = 'approved'";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Served {
    pub at: i64,
    pub minutes: i64,
    pub source: String,
}

pub async fn served(db: &Db, account_id: i64) -> Result<Vec<Served>, StoreError> {
    let sql = format!(
        "SELECT h.at, h.minutes, h.source FROM ({SERVED}) h WHERE h.account_id = $1 ORDER BY h.at"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Served>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(account_id)
    .fetch_all(pool)
    .await)?)
}

/// Minutes by month (`"2026-12"`) and by year, newest first.
pub type Totals = (Vec<(String, i64)>, Vec<(i16, i64)>);

pub fn totals(served: &[Served], tz: &jiff::tz::TimeZone) -> Totals {
    let mut months: Vec<(String, i64)> = Vec::new();
    let mut years: Vec<(i16, i64)> = Vec::new();
    for s in served {
        let Some(t) = crate::rooms::rules::local(tz, s.at) else {
            continue;
        };
        let month = format!("{:04}-{:02}", t.year(), t.month());
        match months.iter_mut().find(|(m, _)| *m == month) {
            Some(m) => m.1 += s.minutes,
            None => months.push((month, s.minutes)),
        }
        match years.iter_mut().find(|(y, _)| *y == t.year()) {
            Some(y) => y.1 += s.minutes,
            None => years.push((t.year(), s.minutes)),
        }
    }
    months.sort_by(|a, b| b.0.cmp(&a.0));
    years.sort_by_key(|y| std::cmp::Reverse(y.0));
    (months, years)
}

/// Minutes as hours with one decimal: `90` is `"1.5"`.
pub fn hours_text(minutes: &i64) -> String {
    format!("{:.1}", *minutes as f64 / 60.0)
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ClaimForm {
    team: i64,
    minutes: String,
    done_on: String,
    what: String,
}

#[derive(Template)]
#[template(path = "volunteers_hours.html")]
struct HoursPage {
    ctx: Ctx,
    months: Vec<(String, i64)>,
    years: Vec<(i16, i64)>,
    claims: Vec<Claim>,
    teams: Vec<Team>,
    form: ClaimForm,
    errors: FieldErrors,
}

impl HoursPage {
    fn hours(&self, minutes: &i64) -> String {
        hours_text(minutes)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claim {
    pub id: i64,
    pub name: String,
    pub minutes: i64,
    pub done_on: i64,
    pub what: String,
    pub state: String,
}

pub(super) const CLAIM_SELECT: &str = "SELECT c.id, a.display_name AS name, c.minutes, c.done_on, c.what, c.state \
    FROM service_claims c JOIN accounts a ON a.id = c.account_id";

async fn claims_of(db: &Db, account_id: i64) -> Result<Vec<Claim>, StoreError> {
    let sql = format!("{CLAIM_SELECT} WHERE c.account_id = $1 ORDER BY c.created_at DESC LIMIT 20");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Claim>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(account_id)
    .fetch_all(pool)
    .await)?)
}

async fn show(
    state: &AppState,
    ctx: Ctx,
    viewer: &Viewer,
    form: ClaimForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let tz = Community::by_id(&state.db, viewer.community_id).await?.tz();
    let (months, years) = totals(&served(&state.db, viewer.id).await?, &tz);
    let mistakes = !errors.is_empty();
    let page = HoursPage {
        ctx,
        months,
        years,
        claims: claims_of(&state.db, viewer.id).await?,
        teams: store::teams_of(&state.db, viewer.id).await?,
        form,
        errors,
    };
    render_form(&page, mistakes)
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    show(
        &state,
        ctx,
        &viewer,
        ClaimForm::default(),
        FieldErrors::default(),
    )
    .await
}

/// A volunteer writes hours by hand; they count once a lead approves.
pub async fn claim(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<ClaimForm>,
) -> Result<Response, AppError> {
    let teams = store::teams_of(&state.db, viewer.id).await?;
    let tz = Community::by_id(&state.db, viewer.community_id).await?.tz();
    let mut errors = FieldErrors::default();
    if !teams.iter().any(|t| t.id == form.team) {
        errors.add("team", "field-invalid-choice");
    }
    let done_on = crate::rooms::rules::parse_date(&form.done_on)
        .and_then(|d| crate::rooms::rules::at_local(&tz, d, jiff::civil::Time::midnight()));
    let minutes = match done_on {
        None => {
            errors.add("done_on", "duty-error-date");
            None
        }
        Some(day) => rules::check_claim(&form.minutes, day, now())
            .map_err(|k| {
                errors.add(
                    if k == "duty-error-future" {
                        "done_on"
                    } else {
                        "minutes"
                    },
                    k,
                )
            })
            .ok(),
    };
    let what = form.what.trim();
    if what.is_empty() || what.chars().count() > 500 {
        errors.add("what", "duty-error-what");
    }
    let (Some(minutes), Some(done_on), true) = (minutes, done_on, errors.is_empty()) else {
        return show(&state, ctx, &viewer, form, errors).await;
    };
    on_db!(&state.db, |pool| {
        sqlx::query(
        "INSERT INTO service_claims (community_id, account_id, team_id, minutes, done_on, what, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    )
    .bind(viewer.community_id)
    .bind(viewer.id)
    .bind(form.team)
    .bind(minutes)
    .bind(done_on)
    .bind(what)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(Redirect::to("/volunteers/hours").into_response())
}

#[derive(Template)]
#[template(path = "volunteers_certificate.html")]
struct CertificatePage {
    ctx: Ctx,
    name: String,
    year: i16,
    months: Vec<(String, i64)>,
    total: i64,
    issued: String,
}

impl CertificatePage {
    fn hours(&self, minutes: &i64) -> String {
        hours_text(minutes)
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct YearQuery {
    year: Option<i16>,
}

/// A printable certificate of a year's hours.
pub async fn certificate(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let tz = Community::by_id(&state.db, viewer.community_id).await?.tz();
    let today = crate::rooms::rules::local(&tz, now()).ok_or(AppError::NotFound)?;
    let year = q.year.unwrap_or(today.year());
    let (months, years) = totals(&served(&state.db, viewer.id).await?, &tz);
    let prefix = format!("{year:04}-");
    let mut months: Vec<_> = months
        .into_iter()
        .filter(|(m, _)| m.starts_with(&prefix))
        .collect();
    months.reverse();
    let total = years
        .iter()
        .find(|(y, _)| *y == year)
        .map_or(0, |(_, m)| *m);
    render(&CertificatePage {
        ctx,
        name: viewer.display_name.clone(),
        year,
        months,
        total,
        issued: today.date().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_add_up_by_month_and_year_in_the_community_s_zone() {
        let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        let at = |d: &str, h: i8| {
            crate::rooms::rules::at_local(
                &tz,
                d.parse().unwrap(),
                jiff::civil::Time::new(h, 0, 0, 0).unwrap(),
            )
            .unwrap()
        };
        let served = |at: i64, minutes: i64| Served {
            at,
            minutes,
            source: "shift".into(),
        };
        // 00:30 on 1 January in Shanghai is still December in UTC.
        let rows = [
            served(at("2026-12-30", 19), 120),
            served(at("2026-12-31", 20), 60),
            served(at("2027-01-01", 0) + 1800, 30),
        ];
        let (months, years) = totals(&rows, &tz);
        assert_eq!(
            months,
            vec![("2027-01".to_string(), 30), ("2026-12".to_string(), 180)]
        );
        assert_eq!(years, vec![(2027, 30), (2026, 180)]);
        assert_eq!(totals(&[], &tz), (vec![], vec![]));
        assert_eq!(hours_text(&90), "1.5");
        assert_eq!(hours_text(&0), "0.0");
    }
}
