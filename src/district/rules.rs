//! The district's rules: who sees which community, how figures roll up
//! over communities, and how communities are ranked.

use crate::rates::Ratio;
use crate::rates::district::Three;

/// Where a community sits: its street and that street's district (none
/// for a community not yet placed under a street).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seat {
    pub district_id: i64,
    pub street_id: i64,
}

/// One office someone works in: a whole district, or one of its streets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Office {
    pub district_id: i64,
    pub street_id: Option<i64>,
}

impl Office {
    /// Whether this office looks after a community sitting at `seat`.
    pub fn covers(&self, seat: Option<Seat>) -> bool {
        seat.is_some_and(|seat| {
            seat.district_id == self.district_id
                && self.street_id.is_none_or(|s| s == seat.street_id)
        })
    }

    /// A district's office may move a community between its streets.
    pub fn is_district(&self) -> bool {
        self.street_id.is_none()
    }
}

/// Whether any of someone's offices looks after the community.
pub fn may_see(offices: &[Office], seat: Option<Seat>) -> bool {
    offices.iter().any(|o| o.covers(seat))
}

/// Whether someone may move a community from `from` to `to`: a district
/// office of the district holding both streets.
pub fn may_move(offices: &[Office], from: Option<Seat>, to: Seat) -> bool {
    offices.iter().any(|o| {
        o.is_district()
            && o.district_id == to.district_id
            && from.is_none_or(|f| f.district_id == o.district_id)
    })
}

/// What one community counts, to be added up over a street or district.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    pub this_month: Three,
    pub last_month: Three,
    /// Requests past a deadline and not yet resolved.
    pub overdue: i64,
    /// Ideas shown to residents, and how many have had an answer.
    pub ideas: i64,
    pub ideas_answered: i64,
    /// Care plans open, and those whose next contact is not yet overdue.
    pub care_plans: i64,
    pub care_kept: i64,
}

fn add(a: Ratio, b: Ratio) -> Ratio {
    Ratio {
        count: a.count + b.count,
        out_of: a.out_of + b.out_of,
    }
}

fn add_three(a: Three, b: Three) -> Three {
    Three {
        response: add(a.response, b.response),
        resolution: add(a.resolution, b.resolution),
        satisfaction: add(a.satisfaction, b.satisfaction),
    }
}

/// The figures of several communities together: every rate is the sum of
/// what was counted over the sum of what could be, never an average of
/// rates, so a small estate weighs what its requests weigh.
pub fn roll_up<'a>(figures: impl IntoIterator<Item = &'a Figures>) -> Figures {
    figures
        .into_iter()
        .fold(Figures::default(), |sum, f| Figures {
            this_month: add_three(sum.this_month, f.this_month),
            last_month: add_three(sum.last_month, f.last_month),
            overdue: sum.overdue + f.overdue,
            ideas: sum.ideas + f.ideas,
            ideas_answered: sum.ideas_answered + f.ideas_answered,
            care_plans: sum.care_plans + f.care_plans,
            care_kept: sum.care_kept + f.care_kept,
        })
}

impl Figures {
    pub fn visit_rate(&self) -> Ratio {
        Ratio {
            count: self.care_kept,
            out_of: self.care_plans,
        }
    }
}

/// What communities are ranked by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RankBy {
    #[default]
    Response,
    Resolution,
    Satisfaction,
    /// The fewest overdue first.
    Overdue,
    Visits,
}

impl RankBy {
    pub const ALL: [RankBy; 5] = [
        RankBy::Response,
        RankBy::Resolution,
        RankBy::Satisfaction,
        RankBy::Overdue,
        RankBy::Visits,
    ];

    pub fn parse(text: &str) -> RankBy {
        RankBy::ALL
            .into_iter()
            .find(|r| r.as_str() == text)
            .unwrap_or_default()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RankBy::Response => "response",
            RankBy::Resolution => "resolution",
            RankBy::Satisfaction => "satisfaction",
            RankBy::Overdue => "overdue",
            RankBy::Visits => "visits",
        }
    }
}

/// Ranks `(name, figures)` best first by this month's `by`. A community
/// with nothing counted yet has no rate and comes after those that have
/// one; ties keep the order given (by name).
pub fn rank<T>(rows: &mut [(T, Figures)], by: RankBy) {
    // Larger is better; None (nothing counted) sorts last.
    let key = |f: &Figures| -> Option<f64> {
        match by {
            RankBy::Response => f.this_month.response.fraction(),
            RankBy::Resolution => f.this_month.resolution.fraction(),
            RankBy::Satisfaction => f.this_month.satisfaction.fraction(),
            RankBy::Overdue => Some(-(f.overdue as f64)),
            RankBy::Visits => f.visit_rate().fraction(),
        }
    };
    rows.sort_by(|a, b| match (key(&a.1), key(&b.1)) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ratio(count: i64, out_of: i64) -> Ratio {
        Ratio { count, out_of }
    }

    fn responding(count: i64, out_of: i64) -> Figures {
        Figures {
            this_month: Three {
                response: ratio(count, out_of),
                ..Three::default()
            },
            ..Figures::default()
        }
    }

    const EAST: Seat = Seat {
        district_id: 1,
        street_id: 10,
    };
    const WEST: Seat = Seat {
        district_id: 1,
        street_id: 11,
    };
    const ELSEWHERE: Seat = Seat {
        district_id: 2,
        street_id: 20,
    };

    #[test]
    fn an_unplaced_community_is_seen_by_no_office() {
        let district = Office {
            district_id: 1,
            street_id: None,
        };
        assert!(!district.covers(None));
        assert!(!may_see(&[], Some(EAST)));
    }

    #[test]
    fn a_street_sees_its_own_communities_and_a_district_all_of_its_streets() {
        let east = Office {
            district_id: 1,
            street_id: Some(10),
        };
        let district = Office {
            district_id: 1,
            street_id: None,
        };
        assert!(east.covers(Some(EAST)));
        assert!(!east.covers(Some(WEST)));
        assert!(district.covers(Some(EAST)) && district.covers(Some(WEST)));
        assert!(!district.covers(Some(ELSEWHERE)));
        assert!(may_see(&[east], Some(EAST)));
        assert!(!may_see(&[east], Some(ELSEWHERE)));
    }

    #[test]
    fn only_the_district_office_moves_a_community_and_only_within_its_district() {
        let east = Office {
            district_id: 1,
            street_id: Some(10),
        };
        let district = Office {
            district_id: 1,
            street_id: None,
        };
        assert!(may_move(&[district], Some(EAST), WEST));
        assert!(may_move(&[district], None, WEST));
        assert!(!may_move(&[east], Some(EAST), WEST));
        assert!(!may_move(&[district], Some(EAST), ELSEWHERE));
        assert!(!may_move(&[district], Some(ELSEWHERE), EAST));
    }

    #[test]
    fn rates_roll_up_as_sums_not_as_averages_of_rates() {
        // 1 of 1 (100 %) and 1 of 9 (11 %): together 2 of 10, not 56 %.
        let total = roll_up(&[responding(1, 1), responding(1, 9)]);
        assert_eq!(total.this_month.response, ratio(2, 10));
        assert_eq!(total.this_month.response.fraction(), Some(0.2));
        assert_eq!(roll_up(&[]), Figures::default());
        assert_eq!(roll_up(&[]).this_month.response.fraction(), None);
    }

    #[test]
    fn ranking_puts_the_best_first_and_nothing_counted_last() {
        let mut rows = vec![
            ("a-empty", responding(0, 0)),
            ("b-half", responding(1, 2)),
            ("c-all", responding(3, 3)),
            ("d-half", responding(2, 4)),
        ];
        rank(&mut rows, RankBy::Response);
        let order: Vec<&str> = rows.iter().map(|r| r.0).collect();
        assert_eq!(order, ["c-all", "b-half", "d-half", "a-empty"]);
    }

    #[test]
    fn fewest_overdue_rank_first() {
        let overdue = |n| Figures {
            overdue: n,
            ..Figures::default()
        };
        let mut rows = vec![("a", overdue(5)), ("b", overdue(0)), ("c", overdue(2))];
        rank(&mut rows, RankBy::Overdue);
        let order: Vec<&str> = rows.iter().map(|r| r.0).collect();
        assert_eq!(order, ["b", "c", "a"]);
        assert_eq!(RankBy::parse("overdue"), RankBy::Overdue);
        assert_eq!(RankBy::parse("nonsense"), RankBy::Response);
    }
}
