//! The three rates, for a community and a period, and the public pages
//! that show them. Definitions (shown beside the figures wherever they
//! appear):
//!
//! - response rate: requests answered within their response deadline, out
//!   of the requests whose answer was settled in the period — answered in
//!   time then, or left unanswered when the deadline passed then (an answer
//!   given in time counts at once, not only when its deadline comes);
//! - resolution rate: requests solved and not reopened (resolved, or closed
//!   after a resolution), out of the requests closed in the period or whose
//!   resolution deadline fell in it — leaving out duplicates (their
//!   original counts), rejections and referrals to outside bodies;
//! - satisfaction rate: ratings of 4 or 5, out of all ratings given in the
//!   period (the resident's own, online or told to reception by phone).
//!
//! A rate with nothing to count is "no figure yet", never 0% or 100%.
//! Duplicates count nowhere: the request they repeat carries them.

pub mod district;
mod pages;

pub use pages::routes;

use crate::db::Db;
use crate::on_db;
use crate::web::AppError;

/// One request's times, as the rates see it.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct RateRow {
    pub status: String,
    pub created_at: i64,
    pub response_due_at: i64,
    pub responded_at: Option<i64>,
    pub resolution_due_at: i64,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub rated_at: Option<i64>,
    pub rating: Option<i64>,
    pub workgroup_id: i64,
    pub category_zh: String,
    pub category_en: String,
    pub channel: String,
    /// The building (a flat counts for its building), if any.
    pub building_zh: Option<String>,
    pub building_en: Option<String>,
    /// A legal question or the like: counted only where its team looks.
    pub category_private: bool,
}

/// A count out of a count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Ratio {
    pub count: i64,
    pub out_of: i64,
}

impl Ratio {
    /// The fraction, or None when nothing is counted.
    pub fn fraction(&self) -> Option<f64> {
        (self.out_of > 0).then(|| self.count.clamp(0, self.out_of) as f64 / self.out_of as f64)
    }
    /// A whole percentage, rounded down.
    pub fn percent(&self) -> Option<i64> {
        (self.out_of > 0).then(|| self.count.clamp(0, self.out_of) * 100 / self.out_of)
    }
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Rates {
    pub response: Ratio,
    pub resolution: Ratio,
    pub satisfaction: Ratio,
    /// Seconds from filing to the first answer: median and 90th percentile
    /// of the answers given in the period.
    pub response_median: Option<i64>,
    pub response_p90: Option<i64>,
    /// Seconds from filing to the resolution, for resolutions in the period.
    pub resolution_median: Option<i64>,
    pub resolution_p90: Option<i64>,
}

/// When a request's answer counts for the response rate: the moment it was
/// answered in time, or else the moment its deadline passed unmet.
pub fn response_settled_at(r: &RateRow) -> i64 {
    match r.responded_at {
        Some(at) if at <= r.response_due_at => at,
        _ => r.response_due_at,
    }
}

fn within(t: Option<i64>, from: i64, to: i64) -> bool {
    t.is_some_and(|t| t >= from && t < to)
}

/// The value below which `share` (0..=1) of the sorted values fall
/// (nearest rank).
pub fn percentile(sorted: &[i64], share: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((share * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

/// The rates of `rows` for `[from, to)`.
pub fn compute(rows: &[RateRow], from: i64, to: i64) -> Rates {
    let mut rates = Rates::default();
    let mut answer_times = Vec::new();
    let mut solve_times = Vec::new();
    for r in rows.iter().filter(|r| r.status != "duplicate") {
        if within(Some(response_settled_at(r)), from, to) {
            rates.response.out_of += 1;
            if r.responded_at.is_some_and(|t| t <= r.response_due_at) {
                rates.response.count += 1;
            }
        }
        if within(r.responded_at, from, to) {
            answer_times.push(r.responded_at.unwrap_or(r.created_at) - r.created_at);
        }
        let counts_for_resolution = !matches!(r.status.as_str(), "rejected" | "referred");
        if counts_for_resolution
            && (within(r.closed_at, from, to) || within(Some(r.resolution_due_at), from, to))
        {
            rates.resolution.out_of += 1;
            let solved =
                matches!(r.status.as_str(), "resolved" | "closed") && r.resolved_at.is_some();
            if solved {
                rates.resolution.count += 1;
            }
        }
        if matches!(r.status.as_str(), "resolved" | "closed") && within(r.resolved_at, from, to) {
            solve_times.push(r.resolved_at.unwrap_or(r.created_at) - r.created_at);
        }
        if within(r.rated_at, from, to) && r.rating.is_some() {
            rates.satisfaction.out_of += 1;
            if r.rating.is_some_and(|n| n >= 4) {
                rates.satisfaction.count += 1;
            }
        }
    }
    answer_times.sort_unstable();
    solve_times.sort_unstable();
    rates.response_median = percentile(&answer_times, 0.5);
    rates.response_p90 = percentile(&answer_times, 0.9);
    rates.resolution_median = percentile(&solve_times, 0.5);
    rates.resolution_p90 = percentile(&solve_times, 0.9);
    rates
}

/// The rows that can count for `[from, to)` in a community.
pub async fn rows(
    db: &Db,
    community_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<RateRow>, AppError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, RateRow>(
        "SELECT r.status, r.created_at, r.response_due_at, r.responded_at, r.resolution_due_at, r.resolved_at, \
         r.closed_at, r.rated_at, r.rating, r.workgroup_id, c.name_zh AS category_zh, c.name_en AS category_en, \
         r.channel, CASE WHEN p.kind = 'unit' THEN pp.name_zh WHEN p.kind = 'building' THEN p.name_zh END AS building_zh, \
         CASE WHEN p.kind = 'unit' THEN pp.name_en WHEN p.kind = 'building' THEN p.name_en END AS building_en, \
         c.private_by_nature AS category_private \
         FROM requests r JOIN categories c ON c.id = r.category_id LEFT JOIN places p ON p.id = r.place_id \
         LEFT JOIN places pp ON pp.id = p.parent_id WHERE r.community_id = $1 AND ( \
           (r.response_due_at >= $2 AND r.response_due_at < $3) OR (r.responded_at >= $2 AND r.responded_at < $3) \
           OR (r.resolution_due_at >= $2 AND r.resolution_due_at < $3) OR (r.closed_at >= $2 AND r.closed_at < $3) \
           OR (r.resolved_at >= $2 AND r.resolved_at < $3) OR (r.rated_at >= $2 AND r.rated_at < $3))"
    )
    .bind(community_id)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
    })?)
}

/// The rates of each group of rows (by kind, building, channel …), groups
/// in order of their label.
pub fn by(
    rows: &[RateRow],
    from: i64,
    to: i64,
    label: impl Fn(&RateRow) -> Option<String>,
) -> Vec<(String, Rates)> {
    let mut groups: std::collections::BTreeMap<String, Vec<RateRow>> =
        std::collections::BTreeMap::new();
    for r in rows {
        if let Some(l) = label(r) {
            groups.entry(l).or_default().push(r.clone());
        }
    }
    groups
        .into_iter()
        .map(|(l, rs)| (l, compute(&rs, from, to)))
        .filter(|(_, r)| r.response.out_of + r.resolution.out_of + r.satisfaction.out_of > 0)
        .collect()
}

/// The public figures: legal questions and the like are left out, and
/// deadlines still to come do not count yet.
pub async fn for_period(db: &Db, community_id: i64, from: i64, to: i64) -> Result<Rates, AppError> {
    let public: Vec<RateRow> = rows(db, community_id, from, to)
        .await?
        .into_iter()
        .filter(|r| !r.category_private)
        .collect();
    Ok(compute(&public, from, so_far(to)))
}

/// The end of a period that has not finished yet: up to and including the
/// present second, so what happened just now already counts.
pub fn so_far(to: i64) -> i64 {
    to.min(crate::db::now() + 1)
}

/// The start of the month holding `now`, and of the next, in `tz`.
pub fn month_of(now: i64, tz: &jiff::tz::TimeZone) -> (i64, i64) {
    let Ok(ts) = jiff::Timestamp::from_second(now) else {
        return (now, now);
    };
    let zoned = ts.to_zoned_datetime(tz.clone());
    let first = jiff::civil::date(zoned.year(), zoned.month(), 1)
        .to_datetime(jiff::civil::Time::midnight());
    let next = first
        .checked_add(jiff::Span::new().months(1))
        .unwrap_or(first);
    let at = |dt: jiff::civil::DateTime| {
        tz.to_ambiguous_zoned_datetime(dt)
            .compatible()
            .map(|z| z.timestamp().as_second())
            .unwrap_or(now)
    };
    (at(first), at(next))
}

/// This month, and the one before.
pub fn this_and_last_month(now: i64, tz: &jiff::tz::TimeZone) -> ((i64, i64), (i64, i64)) {
    let this = month_of(now, tz);
    (this, month_of(this.0 - 1, tz))
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600;
    const FROM: i64 = 1_000 * H;
    const TO: i64 = 2_000 * H;

    fn row(status: &str) -> RateRow {
        RateRow {
            status: status.into(),
            created_at: FROM + H,
            response_due_at: FROM + 3 * H,
            resolution_due_at: FROM + 100 * H,
            ..RateRow::default()
        }
    }

    #[test]
    fn nothing_due_is_no_figure() {
        let rates = compute(&[], FROM, TO);
        assert_eq!(rates.response.fraction(), None);
        assert_eq!(rates.resolution.percent(), None);
        assert_eq!(rates.satisfaction.fraction(), None);
        assert_eq!(rates.response_median, None);
    }

    #[test]
    fn answered_in_time_late_and_never() {
        let on_time = RateRow {
            responded_at: Some(FROM + 2 * H),
            ..row("responded")
        };
        let just_in_time = RateRow {
            responded_at: Some(FROM + 3 * H),
            ..row("responded")
        };
        let late = RateRow {
            responded_at: Some(FROM + 5 * H),
            ..row("in_progress")
        };
        let never = row("submitted");
        let rates = compute(&[on_time, just_in_time, late, never], FROM, TO);
        assert_eq!(
            rates.response,
            Ratio {
                count: 2,
                out_of: 4
            }
        );
        assert_eq!(rates.response.percent(), Some(50));
        // Answer times 1h, 2h, 4h: the median is 2h, the 90th percentile 4h.
        assert_eq!(
            (rates.response_median, rates.response_p90),
            (Some(2 * H), Some(4 * H))
        );
    }

    #[test]
    fn an_answer_in_time_counts_when_given_a_miss_when_the_deadline_passes() {
        // Answered in the period, its deadline still to come: counts now.
        let early = RateRow {
            responded_at: Some(TO - 2 * H),
            response_due_at: TO + 20 * H,
            ..row("responded")
        };
        // Unanswered, its deadline still to come: not settled yet.
        let waiting = RateRow {
            response_due_at: TO + 20 * H,
            ..row("submitted")
        };
        // Its deadline passed in the period, answered only afterwards: a miss.
        let late_after = RateRow {
            response_due_at: TO - H,
            responded_at: Some(TO + H),
            ..row("responded")
        };
        // Missed last period, answered late in this one: last period's miss.
        let late_from_before = RateRow {
            response_due_at: FROM - H,
            responded_at: Some(FROM + H),
            ..row("responded")
        };
        let rates = compute(&[early, waiting, late_after, late_from_before], FROM, TO);
        assert_eq!(
            rates.response,
            Ratio {
                count: 1,
                out_of: 2
            }
        );
    }

    #[test]
    fn a_deadline_outside_the_period_does_not_count() {
        let next_month = RateRow {
            response_due_at: TO + H,
            resolution_due_at: TO + 50 * H,
            ..row("submitted")
        };
        let rates = compute(&[next_month], FROM, TO);
        assert_eq!(rates.response.out_of, 0);
        assert_eq!(rates.resolution.out_of, 0);
    }

    #[test]
    fn reopened_rejected_duplicate_and_referred() {
        let solved = RateRow {
            resolved_at: Some(FROM + 10 * H),
            closed_at: Some(FROM + 20 * H),
            ..row("closed")
        };
        // Resolved once, then reopened: its resolution deadline fell in the
        // period and it is not solved now.
        let reopened = RateRow {
            resolved_at: None,
            ..row("in_progress")
        };
        let rejected = RateRow {
            closed_at: Some(FROM + 5 * H),
            ..row("rejected")
        };
        let referred = RateRow {
            closed_at: Some(FROM + 5 * H),
            ..row("referred")
        };
        let duplicate = RateRow {
            closed_at: Some(FROM + 5 * H),
            responded_at: Some(FROM + 2 * H),
            ..row("duplicate")
        };
        let rates = compute(
            &[solved, reopened, rejected, referred, duplicate.clone()],
            FROM,
            TO,
        );
        assert_eq!(
            rates.resolution,
            Ratio {
                count: 1,
                out_of: 2
            }
        );
        assert_eq!(rates.response.out_of, 4, "duplicates count nowhere");
        assert_eq!(compute(&[duplicate], FROM, TO), Rates::default());
        assert_eq!(rates.resolution_median, Some(9 * H));
    }

    #[test]
    fn satisfaction_counts_fours_and_fives() {
        let rated = |n| RateRow {
            rated_at: Some(FROM + 50 * H),
            rating: Some(n),
            ..row("closed")
        };
        let rates = compute(&[rated(5), rated(4), rated(3), rated(1)], FROM, TO);
        assert_eq!(
            rates.satisfaction,
            Ratio {
                count: 2,
                out_of: 4
            }
        );
        assert_eq!(rates.satisfaction.fraction(), Some(0.5));
        let before = RateRow {
            rated_at: Some(FROM - H),
            rating: Some(5),
            ..row("closed")
        };
        assert_eq!(compute(&[before], FROM, TO).satisfaction.out_of, 0);
    }

    #[test]
    fn slices_group_by_label_and_skip_empty_groups() {
        let mut a = RateRow {
            responded_at: Some(FROM + 2 * H),
            ..row("responded")
        };
        a.channel = "web".into();
        let mut b = row("submitted");
        b.channel = "phone".into();
        let mut outside = RateRow {
            response_due_at: TO + H,
            resolution_due_at: TO + 2 * H,
            ..row("submitted")
        };
        outside.channel = "screen".into();
        let groups = by(&[a, b, outside], FROM, TO, |r| Some(r.channel.clone()));
        let labels: Vec<&str> = groups.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(
            labels,
            ["phone", "web"],
            "a group with nothing to count is left out"
        );
        assert_eq!(
            groups[1].1.response,
            Ratio {
                count: 1,
                out_of: 1
            }
        );
        assert_eq!(
            groups[0].1.response,
            Ratio {
                count: 0,
                out_of: 1
            }
        );
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[7], 0.9), Some(7));
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&ten, 0.5), Some(5));
        assert_eq!(percentile(&ten, 0.9), Some(9));
        assert_eq!(percentile(&ten, 1.0), Some(10));
    }

    #[test]
    fn months_start_at_local_midnight() {
        let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        // 2026-11-27 00:00 UTC; November in Shanghai starts 2026-10-31 16:00 UTC.
        let (this, last) = this_and_last_month(1_795_737_600, &tz);
        assert_eq!(this.0, 1_793_491_200 - 8 * H);
        assert_eq!(this.1, 1_793_491_200 + 30 * 86_400 - 8 * H);
        assert_eq!(last.1, this.0);
        assert_eq!(last.0, 1_793_491_200 - 31 * 86_400 - 8 * H);
    }
}
