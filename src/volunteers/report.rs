//! A lead's monthly roster report on their team (shifts filled and empty,
//! hours by person) and their decisions on hours written by hand.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::hours::{CLAIM_SELECT, Claim, SERVED, hours_text};
use super::roster::{self, Shift};
use super::store::{self, Team};
use crate::auth::SignedIn;
use crate::community::Community;
use crate::db::now;
use crate::on_db;
use crate::web::{AppError, AppState, Ctx, render};

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
    let shifts = roster::shifts_of_team(&state.db, team.id, from, to).await?;
    let sql = format!(
        "SELECT a.display_name, CAST(SUM(h.minutes) AS BIGINT) FROM ({SERVED}) h \
         JOIN workgroup_members m ON m.account_id = h.account_id AND m.workgroup_id = $1 \
         JOIN accounts a ON a.id = h.account_id WHERE h.at >= $2 AND h.at < $3 \
         AND (h.team_id = $1 OR h.team_id IS NULL) \
         GROUP BY a.id, a.display_name ORDER BY a.display_name"
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
    let claim: Option<(i64, i64)> = on_db!(&state.db, |pool| sqlx::query_as(
        "SELECT team_id, account_id FROM service_claims WHERE id = $1 AND community_id = $2"
    )
    .bind(id)
    .bind(viewer.community_id)
    .fetch_optional(pool)
    .await)?;
    let (team, claimant) = claim.ok_or(AppError::NotFound)?;
    // A lead's own hours are for another lead to approve.
    if claimant == viewer.id || !store::leads(&state.db, team, viewer.id).await? {
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
