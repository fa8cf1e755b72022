//! SLA deadline arithmetic. Times are Unix seconds.

use super::model::Urgency;
use crate::calendar::WorkCalendar;

pub const HOUR: i64 = 3_600;
pub const DAY: i64 = 86_400;

/// A category's own deadlines, which apply to general requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CategoryDeadlines {
    pub response_hours: i64,
    pub resolution_days: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub response_due: i64,
    pub resolution_due: i64,
}

/// Deadlines for a new request. Danger to life or property and cut
/// utilities are answered faster than the category says, by the clock;
/// complex matters get at least fifteen days to resolve. Where the community
/// keeps a working calendar, other requests count working hours (a
/// category's resolution days become working days).
pub fn deadlines_for(
    created_at: i64,
    urgency: Urgency,
    category: CategoryDeadlines,
    calendar: Option<&WorkCalendar>,
) -> Deadlines {
    let response_hours = category.response_hours.max(1);
    let resolution_days = category.resolution_days.max(1);
    let (response, resolution) = match urgency {
        Urgency::Danger => (response_hours.min(1) * HOUR, resolution_days.min(1) * DAY),
        Urgency::Utilities => (response_hours.min(4) * HOUR, resolution_days.min(2) * DAY),
        Urgency::General => (response_hours * HOUR, resolution_days * DAY),
        Urgency::Complex => (response_hours * HOUR, resolution_days.max(15) * DAY),
    };
    match working_calendar(urgency, calendar) {
        Some(cal) => Deadlines {
            response_due: cal.add(created_at, response),
            resolution_due: cal.add(created_at, resolution / DAY * cal.day_seconds()),
        },
        None => Deadlines {
            response_due: created_at + response,
            resolution_due: created_at + resolution,
        },
    }
}

/// The calendar a request's clocks count by: none for urgent matters.
pub fn working_calendar(
    urgency: Urgency,
    calendar: Option<&WorkCalendar>,
) -> Option<&WorkCalendar> {
    match urgency {
        Urgency::Danger | Urgency::Utilities => None,
        Urgency::General | Urgency::Complex => calendar,
    }
}

/// After waiting on the resident from `paused_since` to `now`, the clocks
/// that were still running move on by the pause. A response already given
/// keeps its deadline. With a working calendar, only the working time
/// paused is given back, in working time.
pub fn after_pause(
    d: Deadlines,
    paused_since: i64,
    now: i64,
    responded: bool,
    calendar: Option<&WorkCalendar>,
) -> Deadlines {
    let moved = |due: i64| match calendar {
        Some(cal) => cal.add(due, cal.between(paused_since, now)),
        None => due + (now - paused_since).max(0),
    };
    Deadlines {
        response_due: if responded {
            d.response_due
        } else {
            moved(d.response_due)
        },
        resolution_due: moved(d.resolution_due),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Done before the deadline.
    Met,
    /// Done, but after the deadline.
    MetLate,
    /// Still running, with time left.
    Running,
    /// Still running, less than a fifth of the time left.
    DueSoon,
    Overdue,
    /// Stopped while waiting on the resident.
    Paused,
}

impl Clock {
    pub fn key(self) -> &'static str {
        match self {
            Clock::Met => "clock-met",
            Clock::MetLate => "clock-met-late",
            Clock::Running => "clock-running",
            Clock::DueSoon => "clock-due-soon",
            Clock::Overdue => "clock-overdue",
            Clock::Paused => "clock-paused",
        }
    }
    pub fn css(self) -> &'static str {
        match self {
            Clock::Met => "ok",
            Clock::MetLate | Clock::Overdue => "late",
            Clock::DueSoon => "soon",
            Clock::Running | Clock::Paused => "",
        }
    }
}

/// Where one clock stands. `started` is when it began (for "due soon").
pub fn clock(started: i64, due: i64, done_at: Option<i64>, paused: bool, now: i64) -> Clock {
    match done_at {
        Some(done) if done <= due => Clock::Met,
        Some(_) => Clock::MetLate,
        None if paused => Clock::Paused,
        None if now > due => Clock::Overdue,
        None if (due - now) * 5 < (due - started).max(1) => Clock::DueSoon,
        None => Clock::Running,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAT: CategoryDeadlines = CategoryDeadlines {
        response_hours: 24,
        resolution_days: 7,
    };

    #[test]
    fn general_requests_follow_the_category() {
        let d = deadlines_for(1000, Urgency::General, CAT, None);
        assert_eq!(d.response_due, 1000 + 24 * HOUR);
        assert_eq!(d.resolution_due, 1000 + 7 * DAY);
    }

    #[test]
    fn danger_and_utilities_are_faster_but_never_slower_than_the_category() {
        let d = deadlines_for(0, Urgency::Danger, CAT, None);
        assert_eq!((d.response_due, d.resolution_due), (HOUR, DAY));
        let d = deadlines_for(0, Urgency::Utilities, CAT, None);
        assert_eq!((d.response_due, d.resolution_due), (4 * HOUR, 2 * DAY));
        let fast = CategoryDeadlines {
            response_hours: 2,
            resolution_days: 1,
        };
        let d = deadlines_for(0, Urgency::Utilities, fast, None);
        assert_eq!((d.response_due, d.resolution_due), (2 * HOUR, DAY));
    }

    #[test]
    fn complex_matters_get_at_least_fifteen_days() {
        let d = deadlines_for(0, Urgency::Complex, CAT, None);
        assert_eq!((d.response_due, d.resolution_due), (24 * HOUR, 15 * DAY));
        let long = CategoryDeadlines {
            response_hours: 48,
            resolution_days: 30,
        };
        assert_eq!(
            deadlines_for(0, Urgency::Complex, long, None).resolution_due,
            30 * DAY
        );
    }

    #[test]
    fn zero_or_negative_category_settings_still_give_a_deadline() {
        let broken = CategoryDeadlines {
            response_hours: 0,
            resolution_days: -3,
        };
        let d = deadlines_for(0, Urgency::General, broken, None);
        assert_eq!((d.response_due, d.resolution_due), (HOUR, DAY));
    }

    #[test]
    fn a_pause_moves_only_the_running_clocks() {
        let d = Deadlines {
            response_due: 100,
            resolution_due: 1000,
        };
        assert_eq!(
            after_pause(d, 50, 80, false, None),
            Deadlines {
                response_due: 130,
                resolution_due: 1030
            }
        );
        assert_eq!(
            after_pause(d, 50, 80, true, None),
            Deadlines {
                response_due: 100,
                resolution_due: 1030
            }
        );
        // A clock that runs backwards never shortens a deadline.
        assert_eq!(after_pause(d, 80, 50, false, None), d);
    }

    #[test]
    fn working_hours_count_for_ordinary_requests_but_never_for_danger() {
        let shanghai = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        let cal = WorkCalendar::standard(shanghai.clone());
        let at = |d: i8, h: i8, m: i8| {
            jiff::civil::date(2026, 11, d)
                .at(h, m, 0, 0)
                .to_zoned_datetime(shanghai.clone())
                .unwrap()
                .timestamp()
                .as_second()
        };
        let two_hours = CategoryDeadlines {
            response_hours: 2,
            resolution_days: 1,
        };
        // Friday 27 November, 17:00: half an hour left that day.
        let friday = at(27, 17, 0);
        let d = deadlines_for(friday, Urgency::General, two_hours, Some(&cal));
        assert_eq!(d.response_due, at(30, 10, 0));
        assert_eq!(d.resolution_due, at(30, 17, 0));
        let d = deadlines_for(friday, Urgency::Danger, two_hours, Some(&cal));
        assert_eq!(d.response_due, friday + HOUR);
        let d = deadlines_for(friday, Urgency::Utilities, two_hours, Some(&cal));
        assert_eq!(d.response_due, friday + 2 * HOUR);
        // Waiting on the resident over the weekend gives back only the
        // half hour of Friday that was working time.
        let due = Deadlines {
            response_due: at(30, 10, 0),
            resolution_due: at(30, 17, 0),
        };
        let moved = after_pause(due, friday, at(30, 8, 0), false, Some(&cal));
        assert_eq!(moved.response_due, at(30, 10, 30));
        assert_eq!(moved.resolution_due, at(30, 17, 30));
    }

    #[test]
    fn clocks() {
        assert_eq!(clock(0, 100, Some(100), false, 500), Clock::Met);
        assert_eq!(clock(0, 100, Some(101), false, 500), Clock::MetLate);
        assert_eq!(clock(0, 100, None, false, 101), Clock::Overdue);
        assert_eq!(clock(0, 100, None, false, 100), Clock::DueSoon);
        assert_eq!(clock(0, 100, None, false, 81), Clock::DueSoon);
        assert_eq!(clock(0, 100, None, false, 80), Clock::Running);
        assert_eq!(clock(0, 100, None, true, 500), Clock::Paused);
        // A deadline equal to its start does not divide by zero.
        assert_eq!(clock(10, 10, None, false, 5), Clock::Running);
    }
}
