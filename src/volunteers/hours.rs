//! Service hours: from shifts served (checked in and out, or confirmed by
//! the lead), from tasks done once the resident helped confirms it, and by
//! hand with a lead's approval. A volunteer's totals by month and year, a
//! printable certificate, and the lead's monthly roster report.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::rules;
use super::store::{self, Shift, Team};
use crate::auth::{SignedIn, Viewer};
use crate::community::Community;
use crate::db::{Db, StoreError, now};
use crate::on_db;
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState, Ctx, render, render_form};

/// Every minute that counts, with whose it is and when: one row per shift
/// served, task confirmed and claim approved.
const SERVED: &str = "SELECT g.account_id, s.starts_at AS at, g.minutes, 'shift' AS source \
    FROM shift_signups g JOIN shifts s ON s.id = g.shift_id WHERE g.state = 'on' AND g.minutes > 0 \
    UNION ALL SELECT t.account_id, t.done_at AS at, t.minutes, 'task' AS source FROM duty_tasks t \
    WHERE t.done_at IS NOT NULL AND EXISTS (SELECT 1 FROM request_events e WHERE e.request_id = t.request_id \
    AND e.to_status = 'closed' AND e.actor_role = 'reporter' AND e.at >= t.done_at) \
    UNION ALL SELECT c.account_id, c.done_on AS at, c.minutes, 'hand' AS source FROM service_claims c WHERE c.state = 'approved'";

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

const CLAIM_SELECT: &str = "SELECT c.id, a.display_name AS name, c.minutes, c.done_on, c.what, c.state \
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

#[derive(Template)]
#[template(path = "volunteers_report.html")]
struct ReportPage {
    ctx: Ctx,
    team: Team,
    teams: Vec<Team>,
    month: String,
    shifts: Vec<Shift>,
    by_person: Vec<(String, i64)>,
    claims: Vec<Claim>,
}

impl ReportPage {
    fn filled(&self) -> usize {
        self.shifts.iter().filter(|s| s.taken > 0).count()
    }

    fn empty(&self) -> usize {
        self.shifts.len() - self.filled()
    }

    fn hours(&self, minutes: &i64) -> String {
        hours_text(minutes)
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ReportQuery {
    team: i64,
    /// `2026-12`; this month when missing or wrong.
    month: String,
}

/// The start and end of a month in the community's zone.
fn month_span(tz: &jiff::tz::TimeZone, typed: &str, at: i64) -> Option<(String, i64, i64)> {
    let first = jiff::civil::Date::strptime("%Y-%m-%d", format!("{}-01", typed.trim()))
        .ok()
        .or_else(|| crate::rooms::rules::local(tz, at).map(|t| t.date().first_of_month()))?;
    let next = first.checked_add(jiff::Span::new().months(1)).ok()?;
    let midnight = jiff::civil::Time::midnight();
    Some((
        format!("{:04}-{:02}", first.year(), first.month()),
        crate::rooms::rules::at_local(tz, first, midnight)?,
        crate::rooms::rules::at_local(tz, next, midnight)?,
    ))
}

/// A lead's monthly report on their team: shifts filled and empty, hours
/// by person, and hours written by hand waiting for approval.
pub async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Query(q): Query<ReportQuery>,
) -> Result<Response, AppError> {
    let teams: Vec<Team> = store::teams_of(&state.db, viewer.id)
        .await?
        .into_iter()
        .filter(|t| t.is_lead)
        .collect();
    let team = teams
        .iter()
        .find(|t| t.id == q.team)
        .or(teams.first())
        .cloned()
        .ok_or(AppError::Forbidden)?;
    let tz = Community::by_id(&state.db, viewer.community_id).await?.tz();
    let (month, from, to) = month_span(&tz, &q.month, now()).ok_or(AppError::NotFound)?;
    let shifts = store::shifts_of_team(&state.db, team.id, from, to).await?;
    let sql = format!(
        "SELECT a.display_name, CAST(SUM(h.minutes) AS BIGINT) FROM ({SERVED}) h \
         JOIN workgroup_members m ON m.account_id = h.account_id AND m.workgroup_id = $1 \
         JOIN accounts a ON a.id = h.account_id WHERE h.at >= $2 AND h.at < $3 \
         GROUP BY a.display_name ORDER BY a.display_name"
    );
    let by_person = on_db!(&state.db, |pool| sqlx::query_as::<_, (String, i64)>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(team.id)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await)?;
    let sql =
        format!("{CLAIM_SELECT} WHERE c.team_id = $1 AND c.state = 'asked' ORDER BY c.created_at");
    let claims = on_db!(&state.db, |pool| sqlx::query_as::<_, Claim>(
        sqlx::AssertSqlSafe(sql.clone())
    )
    .bind(team.id)
    .fetch_all(pool)
    .await)?;
    render(&ReportPage {
        ctx,
        team,
        teams,
        month,
        shifts,
        by_person,
        claims,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DecideForm {
    approve: String,
}

/// A lead of the claim's team approves or declines hours written by hand.
pub async fn decide(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<DecideForm>,
) -> Result<Response, AppError> {
    let team: Option<i64> = on_db!(&state.db, |pool| sqlx::query_scalar(
        "SELECT team_id FROM service_claims WHERE id = $1 AND community_id = $2"
    )
    .bind(id)
    .bind(viewer.community_id)
    .fetch_optional(pool)
    .await)?;
    let team = team.ok_or(AppError::NotFound)?;
    if !store::leads(&state.db, team, viewer.id).await? {
        return Err(AppError::Forbidden);
    }
    let decided = on_db!(&state.db, |pool| {
        sqlx::query(
        "UPDATE service_claims SET state = $2, decided_by = $3, decided_at = $4 WHERE id = $1 AND state = 'asked'"
    )
    .bind(id)
    .bind(if form.approve == "1" { "approved" } else { "declined" })
    .bind(viewer.id)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    if decided == 0 {
        return Err(AppError::Conflict("duty-error-changed"));
    }
    Ok(Redirect::to(&format!("/volunteers/report?team={team}")).into_response())
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

    #[test]
    fn a_month_is_read_or_taken_from_today() {
        let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        let (m, from, to) = month_span(&tz, "2027-02", 0).unwrap();
        assert_eq!(m, "2027-02");
        assert_eq!(to - from, 28 * 86_400);
        let today = crate::rooms::rules::at_local(
            &tz,
            "2026-12-05".parse().unwrap(),
            jiff::civil::Time::midnight(),
        )
        .unwrap();
        assert_eq!(month_span(&tz, "nonsense", today).unwrap().0, "2026-12");
    }
}
