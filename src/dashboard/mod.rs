//! Dashboards for the secretary (the whole estate) and each workgroup lead
//! (their teams): the rates this month against last, what is overdue, the
//! weekly trend, how long solving takes, the buildings shaded by open
//! requests, and the busiest places. Charts are drawn on the server as SVG
//! with their data tables beside them.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

use crate::auth::{Role, SignedIn};
use crate::community::Workgroup;
use crate::db::now;
use crate::i18n::Lang;
use crate::on_db;
use crate::rates::{self, Rates, Ratio};
use crate::requests::record::RequestRow;
use crate::requests::search;
use crate::requests::search::QueueFilter;
use crate::web::{AppError, AppState, Ctx, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(page))
        .route("/dashboard/monthly", get(monthly))
}

const WEEK: i64 = 7 * 86_400;

#[derive(Debug, sqlx::FromRow)]
struct Recent {
    created_at: i64,
    resolved_at: Option<i64>,
    status: String,
    workgroup_id: i64,
    category_zh: String,
    category_en: String,
    category_private: bool,
    place_kind: Option<String>,
    place_zh: Option<String>,
    place_en: Option<String>,
    building_zh: Option<String>,
    building_en: Option<String>,
}

impl Recent {
    /// The building a request is in (a flat counts for its building).
    fn building(&self, lang: Lang) -> Option<String> {
        match self.place_kind.as_deref() {
            Some("unit") => self.building_zh.as_ref().map(|zh| {
                lang.pick(zh, self.building_en.as_deref().unwrap_or(""))
                    .to_string()
            }),
            Some("building") => self.place_zh.as_ref().map(|zh| {
                lang.pick(zh, self.place_en.as_deref().unwrap_or(""))
                    .to_string()
            }),
            _ => None,
        }
    }
    fn place(&self, lang: Lang) -> Option<String> {
        match self.place_kind.as_deref() {
            Some("unit") => self.building(lang),
            _ => self.place_zh.as_ref().map(|zh| {
                lang.pick(zh, self.place_en.as_deref().unwrap_or(""))
                    .to_string()
            }),
        }
    }
}

/// Whose requests a dashboard counts: the secretary's, the estate's; a
/// lead's, their teams'.
struct Scope {
    whole_estate: bool,
    led: Vec<i64>,
    /// Every workgroup the viewer belongs to: only these show their
    /// private requests (legal questions) in the figures.
    member_of: Vec<i64>,
}

impl Scope {
    async fn of(db: &crate::db::Db, viewer: &crate::auth::Viewer) -> Result<Scope, AppError> {
        let memberships = Workgroup::of_member(db, viewer.id).await?;
        let led: Vec<i64> = memberships
            .iter()
            .filter(|m| m.is_lead)
            .map(|m| m.workgroup_id)
            .collect();
        let member_of: Vec<i64> = memberships.iter().map(|m| m.workgroup_id).collect();
        let whole_estate = viewer.role() == Role::Admin;
        if !whole_estate && led.is_empty() {
            return Err(AppError::Forbidden);
        }
        Ok(Scope {
            whole_estate,
            led,
            member_of,
        })
    }

    fn holds(&self, workgroup_id: i64) -> bool {
        self.whole_estate || self.led.contains(&workgroup_id)
    }

    /// Whether a request counts here: in scope, and if private by nature,
    /// only for its own team.
    fn counts(&self, workgroup_id: i64, private: bool) -> bool {
        self.holds(workgroup_id) && (!private || self.member_of.contains(&workgroup_id))
    }
}

/// Requests filed in `[from, to)` within the scope (duplicates left out).
async fn filed(
    db: &crate::db::Db,
    community_id: i64,
    scope: &Scope,
    from: i64,
    to: i64,
) -> Result<Vec<Recent>, AppError> {
    let rows = on_db!(db, |pool| {
        sqlx::query_as::<_, Recent>(
        "SELECT r.created_at, r.resolved_at, r.status, r.workgroup_id, c.name_zh AS category_zh, c.name_en AS category_en, \
         c.private_by_nature AS category_private, p.kind AS place_kind, p.name_zh AS place_zh, p.name_en AS place_en, pp.name_zh AS building_zh, pp.name_en AS building_en \
         FROM requests r JOIN categories c ON c.id = r.category_id LEFT JOIN places p ON p.id = r.place_id \
         LEFT JOIN places pp ON pp.id = p.parent_id WHERE r.community_id = $1 AND r.created_at >= $2 AND r.created_at < $3 \
         AND r.status <> 'duplicate'"
    )
    .bind(community_id)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
    })?;
    Ok(rows
        .into_iter()
        .filter(|r| scope.counts(r.workgroup_id, r.category_private))
        .collect())
}

fn pct(r: &Ratio) -> String {
    r.percent()
        .map(|p| format!("{p}%"))
        .unwrap_or_else(|| "—".to_string())
}

/// Counts by label, most first.
fn tally(labels: impl Iterator<Item = String>, keep: usize) -> Vec<(String, i64)> {
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for label in labels {
        *counts.entry(label).or_default() += 1;
    }
    let mut out: Vec<(String, i64)> = counts.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out.truncate(keep);
    out
}

/// How long solving took, in plain buckets.
pub fn solve_buckets(durations: &[i64]) -> [i64; 5] {
    let mut buckets = [0; 5];
    for d in durations {
        let days = d / 86_400;
        let i = match days {
            0 => 0,
            1..=2 => 1,
            3..=6 => 2,
            7..=13 => 3,
            _ => 4,
        };
        buckets[i] += 1;
    }
    buckets
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    this: Rates,
    last: Rates,
    overdue: Vec<RequestRow>,
    weeks: Vec<(String, i64)>,
    weeks_chart: String,
    categories: Vec<(String, i64)>,
    solve: Vec<(String, i64)>,
    solve_chart: String,
    buildings: Vec<(String, i64)>,
    map: String,
    places: Vec<(String, i64)>,
    places_chart: String,
    scope: String,
    /// This month's rates by kind, by building and by channel.
    slices: Vec<(String, Vec<(String, Rates)>)>,
    problems: Vec<crate::problems::Problem>,
    /// Ideas posted this month and last: received, answered within 30
    /// days, done.
    ideas: (crate::ideas::Figures, crate::ideas::Figures),
    /// Legal aid asked for this month and last, by topic: counts only.
    legal: Vec<(String, i64, i64)>,
}

impl DashboardPage {
    fn pct(&self, r: &Ratio) -> String {
        pct(r)
    }

    fn legal_topic(&self, topic: &str) -> String {
        self.ctx.t(crate::legal::rules::topic_key(topic))
    }
}

/// Legal aid's counts by topic, this month beside last.
async fn legal_counts(
    db: &crate::db::Db,
    community_id: i64,
    this: (i64, i64),
    last: (i64, i64),
) -> Result<Vec<(String, i64, i64)>, AppError> {
    let now = crate::legal::counts(db, community_id, this.0, this.1).await?;
    let before = crate::legal::counts(db, community_id, last.0, last.1).await?;
    let of =
        |list: &[(String, i64)], t: &str| list.iter().find(|(k, _)| k == t).map_or(0, |(_, n)| *n);
    Ok(crate::legal::rules::TOPICS
        .iter()
        .map(|t| (t.to_string(), of(&now, t), of(&before, t)))
        .filter(|(_, a, b)| a + b > 0)
        .collect())
}

async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    let community = ctx.community.clone();
    let lang = ctx.lang;
    let scope = Scope::of(&state.db, &viewer).await?;
    let in_scope = |workgroup_id: i64| scope.holds(workgroup_id);
    let at = now();
    let ((this_from, this_to), (last_from, last_to)) =
        rates::this_and_last_month(at, &community.tz());
    let rows: Vec<rates::RateRow> = rates::rows(&state.db, community.id, last_from, this_to)
        .await?
        .into_iter()
        .filter(|r| scope.counts(r.workgroup_id, r.category_private))
        .collect();
    // Deadlines still to come this month do not count yet.
    let this_to = this_to.min(at);
    let this = rates::compute(&rows, this_from, this_to);
    let slices = vec![
        (
            ctx.t("csv-category"),
            rates::by(&rows, this_from, this_to, |r| {
                Some(lang.pick(&r.category_zh, &r.category_en).to_string())
            }),
        ),
        (
            ctx.t("report-place-buildings"),
            rates::by(&rows, this_from, this_to, |r| {
                r.building_zh.as_ref().map(|zh| {
                    lang.pick(zh, r.building_en.as_deref().unwrap_or(""))
                        .to_string()
                })
            }),
        ),
        (
            ctx.t("csv-channel"),
            rates::by(&rows, this_from, this_to, |r| {
                crate::requests::model::Channel::parse(&r.channel).map(|c| lang.t(&c.key()))
            }),
        ),
    ];
    let last = rates::compute(&rows, last_from, last_to);

    let recent = filed(&state.db, community.id, &scope, at - 13 * WEEK, i64::MAX).await?;

    // Requests filed each of the last eight weeks, oldest first.
    let weeks: Vec<(String, i64)> = (0..8)
        .rev()
        .map(|w| {
            let (from, to) = (at - (w + 1) * WEEK, at - w * WEEK);
            let label = community
                .format_time(from)
                .chars()
                .take(10)
                .collect::<String>();
            (
                label,
                recent
                    .iter()
                    .filter(|r| r.created_at >= from && r.created_at < to)
                    .count() as i64,
            )
        })
        .collect();
    let categories = tally(
        recent
            .iter()
            .filter(|r| r.created_at >= at - 8 * WEEK)
            .map(|r| lang.pick(&r.category_zh, &r.category_en).to_string()),
        8,
    );
    let durations: Vec<i64> = recent
        .iter()
        .filter(|r| matches!(r.status.as_str(), "resolved" | "closed"))
        .filter_map(|r| r.resolved_at.map(|t| t - r.created_at))
        .collect();
    let solve: Vec<(String, i64)> = [
        "dash-under-1-day",
        "dash-1-3-days",
        "dash-3-7-days",
        "dash-1-2-weeks",
        "dash-over-2-weeks",
    ]
    .iter()
    .zip(solve_buckets(&durations))
    .map(|(k, n)| (lang.t(k), n))
    .collect();
    let places = tally(recent.iter().filter_map(|r| r.place(lang)), 8);

    // Every building, shaded by the requests open in it now.
    let open = search::queue(
        &state.db,
        community.id,
        &QueueFilter {
            open_only: true,
            viewer_id: Some(viewer.id),
            ..QueueFilter::default()
        },
        10_000,
        0,
    )
    .await?;
    let all_places = crate::community::Place::list(&state.db, community.id).await?;
    let buildings: Vec<(String, i64)> = all_places
        .iter()
        .filter(|p| p.kind == "building")
        .map(|b| {
            let count = open
                .iter()
                .filter(|r| in_scope(r.workgroup_id))
                .filter(|r| {
                    r.place_id == Some(b.id)
                        || (r.place_kind.as_deref() == Some("unit")
                            && r.parent_code.as_deref() == Some(b.code.as_str()))
                })
                .count() as i64;
            (lang.pick(&b.name_zh, &b.name_en).to_string(), count)
        })
        .collect();
    let overdue = search::queue(
        &state.db,
        community.id,
        &QueueFilter {
            overdue_only: true,
            open_only: true,
            viewer_id: Some(viewer.id),
            // A lead's list is cut to 100 after their teams, not before.
            member_of: (!scope.whole_estate).then_some(viewer.id),
            ..QueueFilter::default()
        },
        100,
        0,
    )
    .await?
    .into_iter()
    .filter(|r| in_scope(r.workgroup_id))
    .collect();
    let scope_name = if scope.whole_estate {
        ctx.t("dash-whole-estate")
    } else {
        let groups = Workgroup::list(&state.db, community.id).await?;
        groups
            .iter()
            .filter(|g| scope.led.contains(&g.id))
            .map(|g| lang.pick(&g.name_zh, &g.name_en).to_string())
            .collect::<Vec<_>>()
            .join("、")
    };
    render(&DashboardPage {
        weeks_chart: crate::web::chart::bars(&weeks),
        solve_chart: crate::web::chart::bars(&solve),
        map: crate::web::chart::building_map(&buildings),
        places_chart: crate::web::chart::bars(&places),
        ctx,
        this,
        last,
        overdue,
        weeks,
        categories,
        solve,
        buildings,
        places,
        scope: scope_name,
        slices,
        problems: crate::problems::open_problems(
            &state.db,
            community.id,
            crate::problems::lead_scope(&viewer),
        )
        .await?,
        ideas: (
            crate::ideas::figures(&state.db, community.id, this_from, at).await?,
            crate::ideas::figures(&state.db, community.id, last_from, last_to).await?,
        ),
        legal: legal_counts(
            &state.db,
            community.id,
            (this_from, at),
            (last_from, last_to),
        )
        .await?,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MonthQuery {
    /// `2026-11`; this month when left out.
    month: String,
}

/// The month a `YYYY-MM` names, as `[from, to)` in the community's zone.
pub fn parse_month(text: &str, tz: &jiff::tz::TimeZone) -> Option<(i64, i64)> {
    let (y, m) = text.trim().split_once('-')?;
    let (y, m) = (y.parse::<i16>().ok()?, m.parse::<i8>().ok()?);
    let first = jiff::civil::Date::new(y, m, 1)
        .ok()?
        .to_datetime(jiff::civil::Time::midnight());
    let at = tz
        .to_ambiguous_zoned_datetime(first)
        .compatible()
        .ok()?
        .timestamp()
        .as_second();
    Some(rates::month_of(at, tz))
}

#[derive(Template)]
#[template(path = "monthly.html")]
struct MonthlyPage {
    ctx: Ctx,
    month: String,
    previous: String,
    next: String,
    scope: String,
    rates: Rates,
    before: Rates,
    filed: i64,
    kinds: Vec<(String, i64)>,
    kinds_chart: String,
    places: Vec<(String, i64)>,
    highlights: Vec<crate::screen::Done>,
}

impl MonthlyPage {
    fn pct(&self, r: &Ratio) -> String {
        pct(r)
    }
}

/// `GET /dashboard/monthly?month=2026-11`: a page to print for the branch
/// meeting: the rates, the top issues and places, what was solved.
async fn monthly(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    axum::extract::Query(q): axum::extract::Query<MonthQuery>,
) -> Result<Response, AppError> {
    let community = ctx.community.clone();
    let lang = ctx.lang;
    let tz = community.tz();
    let scope = Scope::of(&state.db, &viewer).await?;
    let in_scope = |workgroup_id: i64| scope.holds(workgroup_id);
    let (from, to) = parse_month(&q.month, &tz).unwrap_or_else(|| rates::month_of(now(), &tz));
    let (before_from, _) = rates::month_of(from - 1, &tz);
    let label = |t: i64| community.format_time(t).chars().take(7).collect::<String>();
    let rows: Vec<rates::RateRow> = rates::rows(&state.db, community.id, before_from, to)
        .await?
        .into_iter()
        .filter(|r| scope.counts(r.workgroup_id, r.category_private))
        .collect();
    let month_rates = rates::compute(&rows, from, rates::so_far(to));
    let before = rates::compute(&rows, before_from, from);
    let filed_rows = filed(&state.db, community.id, &scope, from, to).await?;
    let kinds = tally(
        filed_rows
            .iter()
            .map(|r| lang.pick(&r.category_zh, &r.category_en).to_string()),
        8,
    );
    let places = tally(filed_rows.iter().filter_map(|r| r.place(lang)), 8);
    let highlights = crate::screen::recently_done(&state, community.id, from)
        .await?
        .into_iter()
        .filter(|d| d.r.resolved_at.is_some_and(|t| t < to) && in_scope(d.r.workgroup_id))
        .collect();
    let scope_name = if scope.whole_estate {
        ctx.t("dash-whole-estate")
    } else {
        String::new()
    };
    render(&MonthlyPage {
        month: label(from),
        previous: label(before_from),
        next: label(to),
        kinds_chart: crate::web::chart::bars(&kinds),
        filed: filed_rows.len() as i64,
        ctx,
        scope: scope_name,
        rates: month_rates,
        before,
        kinds,
        places,
        highlights,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solving_times_fall_into_plain_buckets() {
        let day = 86_400;
        assert_eq!(solve_buckets(&[]), [0; 5]);
        assert_eq!(
            solve_buckets(&[
                0,
                day - 1,
                day,
                3 * day - 1,
                3 * day,
                7 * day,
                14 * day,
                100 * day
            ]),
            [2, 2, 1, 1, 2]
        );
    }

    #[test]
    fn months_are_read_as_year_and_month() {
        let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        let (from, to) = parse_month("2026-11", &tz).unwrap();
        assert_eq!(to - from, 30 * 86_400);
        assert!(parse_month("2026-13", &tz).is_none());
        assert!(parse_month("november", &tz).is_none());
        assert!(parse_month("", &tz).is_none());
    }

    #[test]
    fn tallies_are_most_first_and_cut() {
        let t = tally(
            ["b", "a", "b", "c", "b", "a"].iter().map(|s| s.to_string()),
            2,
        );
        assert_eq!(t, vec![("b".to_string(), 3), ("a".to_string(), 2)]);
    }
}
