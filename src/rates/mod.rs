//! The three rates, for a community and a period. Definitions (shown beside
//! the figures wherever they appear):
//!
//! - response rate: requests answered within their response deadline, out
//!   of the requests whose response deadline fell in the period;
//! - resolution rate: requests solved (resolved or confirmed), out of the
//!   requests closed in the period or whose resolution deadline fell in it;
//! - satisfaction rate: ratings of 4 or 5, out of all ratings given in the
//!   period.
//!
//! A rate with nothing to count is "no figure yet", never 0% or 100%.

use crate::db::Db;
use crate::on_db;
use crate::web::AppError;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Counts {
    pub response_due: i64,
    pub responded_in_time: i64,
    pub resolution_due: i64,
    pub resolved: i64,
    pub rated: i64,
    pub satisfied: i64,
}

/// A whole percentage, rounded down, or None when nothing is counted.
pub fn percent(part: i64, whole: i64) -> Option<i64> {
    if whole <= 0 {
        return None;
    }
    Some((part.clamp(0, whole) * 100) / whole)
}

impl Counts {
    pub fn response_rate(&self) -> Option<i64> {
        percent(self.responded_in_time, self.response_due)
    }
    pub fn resolution_rate(&self) -> Option<i64> {
        percent(self.resolved, self.resolution_due)
    }
    pub fn satisfaction_rate(&self) -> Option<i64> {
        percent(self.satisfied, self.rated)
    }
}

/// The counts for `[from, to)` (Unix seconds).
pub async fn counts(db: &Db, community_id: i64, from: i64, to: i64) -> Result<Counts, AppError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Counts>(
        "SELECT \
           COUNT(*) FILTER (WHERE response_due_at >= $2 AND response_due_at < $3) AS response_due, \
           COUNT(*) FILTER (WHERE response_due_at >= $2 AND response_due_at < $3 \
                            AND responded_at IS NOT NULL AND responded_at <= response_due_at) AS responded_in_time, \
           COUNT(*) FILTER (WHERE status <> 'duplicate' AND ((closed_at >= $2 AND closed_at < $3) \
                            OR (resolution_due_at >= $2 AND resolution_due_at < $3))) AS resolution_due, \
           COUNT(*) FILTER (WHERE status IN ('resolved', 'closed') AND ((closed_at >= $2 AND closed_at < $3) \
                            OR (resolution_due_at >= $2 AND resolution_due_at < $3))) AS resolved, \
           COUNT(*) FILTER (WHERE rated_at >= $2 AND rated_at < $3) AS rated, \
           COUNT(*) FILTER (WHERE rated_at >= $2 AND rated_at < $3 AND rating >= 4) AS satisfied \
         FROM requests WHERE community_id = $1"
    )
    .bind(community_id)
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await
    })?)
}

/// The start of this month and of the next, in the community's time zone.
pub fn this_month(now: i64, tz: &jiff::tz::TimeZone) -> (i64, i64) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_to_count_is_no_figure() {
        assert_eq!(percent(0, 0), None);
        assert_eq!(Counts::default().response_rate(), None);
        assert_eq!(Counts::default().satisfaction_rate(), None);
    }

    #[test]
    fn rates_round_down_and_stay_within_bounds() {
        assert_eq!(percent(2, 3), Some(66));
        assert_eq!(percent(3, 3), Some(100));
        assert_eq!(percent(0, 5), Some(0));
        assert_eq!(percent(7, 5), Some(100), "never above 100");
        assert_eq!(percent(-1, 5), Some(0));
    }

    #[test]
    fn each_rate_uses_its_own_counts() {
        let c = Counts {
            response_due: 4,
            responded_in_time: 3,
            resolution_due: 10,
            resolved: 5,
            rated: 2,
            satisfied: 1,
        };
        assert_eq!(
            (
                c.response_rate(),
                c.resolution_rate(),
                c.satisfaction_rate()
            ),
            (Some(75), Some(50), Some(50))
        );
    }

    #[test]
    fn a_month_starts_at_local_midnight() {
        let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        // 2026-11-27 00:00 UTC; November in Shanghai starts 2026-10-31 16:00 UTC.
        let (from, to) = this_month(1_795_737_600, &tz);
        assert_eq!(from, 1_793_491_200 - 8 * 3_600);
        assert_eq!(to, 1_793_491_200 + 30 * 86_400 - 8 * 3_600);
    }
}
