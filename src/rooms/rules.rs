//! The rules of a booking, without the database: when a room may be booked,
//! whether two bookings overlap, when an unchecked booking is released.
//! Times are Unix seconds; opening hours are minutes after local midnight
//! in the community's time zone.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;

/// What a room allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    pub opens_minute: i64,
    pub closes_minute: i64,
    pub longest_minutes: i64,
}

/// Two half-open spans `[start, end)` share a moment: a booking that ends at
/// 10:00 and one that starts at 10:00 do not overlap.
pub fn overlaps(a: (i64, i64), b: (i64, i64)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// Whether a booking from `starts_at` to `ends_at` fits the room's rules,
/// seen at `now`; or the message key saying what is wrong, in the order a
/// person would fix it.
pub fn check(
    hours: Hours,
    tz: &TimeZone,
    starts_at: i64,
    ends_at: i64,
    now: i64,
) -> Result<(), &'static str> {
    if ends_at <= starts_at {
        return Err("booking-ends-before-start");
    }
    if starts_at < now {
        return Err("booking-in-the-past");
    }
    if ends_at - starts_at > hours.longest_minutes * 60 {
        return Err("booking-too-long");
    }
    let (Some(start), Some(end)) = (local(tz, starts_at), local(tz, ends_at)) else {
        return Err("booking-outside-hours");
    };
    let minute = |t: DateTime| i64::from(t.hour()) * 60 + i64::from(t.minute());
    // A booking ending at midnight ends at minute 1440 of its own day.
    let end_minute = if end.date() == start.date() {
        minute(end)
    } else if end.date() == start.date().tomorrow().unwrap_or(start.date()) && minute(end) == 0 {
        1440
    } else {
        return Err("booking-outside-hours");
    };
    if minute(start) < hours.opens_minute || end_minute > hours.closes_minute {
        return Err("booking-outside-hours");
    }
    Ok(())
}

/// A booking nobody checked into is released once its grace period has
/// passed since it began.
pub fn released(starts_at: i64, grace_minutes: i64, checked_in: bool, now: i64) -> bool {
    !checked_in && now >= starts_at + grace_minutes * 60
}

/// The person can check in from a quarter of an hour before the start
/// until the end.
pub fn can_check_in(starts_at: i64, ends_at: i64, now: i64) -> bool {
    now >= starts_at - 15 * 60 && now < ends_at
}

pub fn local(tz: &TimeZone, unix: i64) -> Option<DateTime> {
    Some(
        jiff::Timestamp::from_second(unix)
            .ok()?
            .to_zoned_datetime(tz.clone())
            .datetime(),
    )
}

/// A wall time on a day in the community's zone as Unix seconds. A time
/// skipped by a daylight-saving change moves forward, as clocks do.
pub fn at_local(tz: &TimeZone, date: Date, time: Time) -> Option<i64> {
    tz.to_ambiguous_zoned_datetime(date.to_datetime(time))
        .compatible()
        .ok()
        .map(|z| z.timestamp().as_second())
}

/// `"07:30"` as a time of day.
pub fn parse_time(text: &str) -> Option<Time> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m) = (h.parse::<i8>().ok()?, m.parse::<i8>().ok()?);
    Time::new(h, m, 0, 0).ok()
}

/// `"2026-12-07"` as a day.
pub fn parse_date(text: &str) -> Option<Date> {
    text.trim().parse::<Date>().ok()
}

/// Minutes after midnight as `"08:00"`.
pub fn minute_text(minute: i64) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shanghai() -> TimeZone {
        TimeZone::get("Asia/Shanghai").unwrap()
    }

    /// 2026-12-07 (a Monday) at the local time, in Shanghai.
    fn at(h: i8, m: i8) -> i64 {
        at_local(
            &shanghai(),
            Date::new(2026, 12, 7).unwrap(),
            Time::new(h, m, 0, 0).unwrap(),
        )
        .unwrap()
    }

    const HOURS: Hours = Hours {
        opens_minute: 8 * 60,
        closes_minute: 21 * 60,
        longest_minutes: 120,
    };

    #[test]
    fn spans_that_only_touch_do_not_overlap() {
        assert!(!overlaps((0, 10), (10, 20)));
        assert!(!overlaps((10, 20), (0, 10)));
        assert!(overlaps((0, 10), (9, 20)));
        assert!(overlaps((0, 30), (10, 20)), "one inside the other");
        assert!(overlaps((10, 20), (0, 30)));
        assert!(overlaps((5, 6), (5, 6)), "the same span");
    }

    #[test]
    fn a_booking_must_end_after_it_starts_and_not_in_the_past() {
        let now = at(7, 0);
        assert_eq!(
            check(HOURS, &shanghai(), at(10, 0), at(10, 0), now),
            Err("booking-ends-before-start")
        );
        assert_eq!(
            check(HOURS, &shanghai(), at(10, 0), at(9, 0), now),
            Err("booking-ends-before-start")
        );
        assert_eq!(
            check(HOURS, &shanghai(), at(9, 0), at(10, 0), at(9, 1)),
            Err("booking-in-the-past")
        );
        assert_eq!(
            check(HOURS, &shanghai(), at(9, 0), at(10, 0), at(9, 0)),
            Ok(()),
            "starting now is fine"
        );
    }

    #[test]
    fn a_booking_fits_the_opening_hours_and_the_longest_length() {
        let now = at(0, 0);
        assert_eq!(
            check(HOURS, &shanghai(), at(8, 0), at(10, 0), now),
            Ok(()),
            "exactly the longest"
        );
        assert_eq!(
            check(HOURS, &shanghai(), at(8, 0), at(10, 1), now),
            Err("booking-too-long")
        );
        assert_eq!(
            check(HOURS, &shanghai(), at(7, 59), at(9, 0), now),
            Err("booking-outside-hours")
        );
        assert_eq!(
            check(HOURS, &shanghai(), at(19, 0), at(21, 0), now),
            Ok(()),
            "ends at closing"
        );
        assert_eq!(
            check(HOURS, &shanghai(), at(20, 0), at(21, 1), now),
            Err("booking-outside-hours")
        );
        let all_day = Hours {
            opens_minute: 0,
            closes_minute: 1440,
            longest_minutes: 240,
        };
        assert_eq!(
            check(all_day, &shanghai(), at(22, 0), at(23, 59) + 60, now),
            Ok(()),
            "to midnight"
        );
        assert_eq!(
            check(all_day, &shanghai(), at(23, 0), at(23, 0) + 2 * 3600, now),
            Err("booking-outside-hours"),
            "past midnight is the next day's booking"
        );
    }

    #[test]
    fn an_unchecked_booking_is_released_after_its_grace() {
        assert!(!released(1000, 15, false, 1000 + 15 * 60 - 1));
        assert!(released(1000, 15, false, 1000 + 15 * 60));
        assert!(!released(1000, 15, true, 1000 + 3600), "checked in: kept");
        assert!(released(1000, 0, false, 1000), "no grace");
    }

    #[test]
    fn check_in_opens_a_quarter_before_and_closes_at_the_end() {
        assert!(!can_check_in(1000, 2000, 1000 - 15 * 60 - 1));
        assert!(can_check_in(1000, 2000, 1000 - 15 * 60));
        assert!(can_check_in(1000, 2000, 1999));
        assert!(!can_check_in(1000, 2000, 2000));
    }

    #[test]
    fn wall_times_across_a_daylight_saving_change() {
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        let before = at_local(
            &berlin,
            Date::new(2026, 3, 28).unwrap(),
            Time::new(9, 0, 0, 0).unwrap(),
        )
        .unwrap();
        let after = at_local(
            &berlin,
            Date::new(2026, 3, 29).unwrap(),
            Time::new(9, 0, 0, 0).unwrap(),
        )
        .unwrap();
        assert_eq!(
            after - before,
            23 * 3600,
            "the night of the change is an hour short"
        );
        let skipped = at_local(
            &berlin,
            Date::new(2026, 3, 29).unwrap(),
            Time::new(2, 30, 0, 0).unwrap(),
        )
        .unwrap();
        assert_eq!(
            local(&berlin, skipped).unwrap().hour(),
            3,
            "02:30 does not exist that night"
        );
    }

    #[test]
    fn times_and_dates_are_read_strictly() {
        assert_eq!(parse_time("07:30"), Some(Time::new(7, 30, 0, 0).unwrap()));
        assert_eq!(parse_time(" 7:05 "), Some(Time::new(7, 5, 0, 0).unwrap()));
        for wrong in ["", "24:00", "7", "07:60", "ab:cd", "-1:00"] {
            assert_eq!(parse_time(wrong), None, "{wrong}");
        }
        assert_eq!(
            parse_date("2026-12-07"),
            Some(Date::new(2026, 12, 7).unwrap())
        );
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(minute_text(8 * 60 + 5), "08:05");
    }
}
