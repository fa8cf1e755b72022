//! When an activity happens: its first start (a wall time in the
//! community's zone), its length, and an RFC 5545 rule expanded by the
//! `rrule` crate in that zone, so "every day at 7:00" stays at 7:00 across
//! a daylight-saving change. The organiser's form offers the common
//! patterns and builds the rule; a rule typed by hand is checked the same.

use chrono::TimeZone;
use jiff::civil::{Date, DateTime, Weekday};

/// Occurrences are written ahead this far (and kept so, daily).
pub const HORIZON_DAYS: i64 = 120;
/// A rule is judged by its first two years...
pub const JUDGED_DAYS: i64 = 731;
/// ...in which it may not make more than this many occurrences.
pub const MOST_OCCURRENCES: usize = 2000;

/// An activity's timing as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// The first start, local: `2026-12-01T07:00`.
    pub starts_local: DateTime,
    pub minutes: i64,
    /// The RRULE value without `RRULE:` (`FREQ=DAILY`), or empty for once.
    pub rule: String,
}

/// The starts (Unix seconds) of the occurrences beginning in `[from, to)`,
/// at most `limit`; or the message key saying the rule cannot be used.
pub fn starts_between(
    timing: &Timing,
    zone: &str,
    from: i64,
    to: i64,
    limit: usize,
) -> Result<Vec<i64>, &'static str> {
    let tz = jiff::tz::TimeZone::get(zone).map_err(|_| "activity-zone-unknown")?;
    if timing.rule.trim().is_empty() {
        let start = crate::rooms::rules::at_local(
            &tz,
            timing.starts_local.date(),
            timing.starts_local.time(),
        )
        .ok_or("activity-start-wrong")?;
        return Ok(if start >= from && start < to {
            vec![start]
        } else {
            vec![]
        });
    }
    let set = rule_set(timing, zone)?;
    let (Some(after), Some(before)) = (utc(from), utc(to - 1)) else {
        return Err("activity-start-wrong");
    };
    let limit = u16::try_from(limit).unwrap_or(u16::MAX);
    let found = set.after(after).before(before).all(limit);
    Ok(found
        .dates
        .iter()
        .map(|d| d.timestamp())
        .filter(|s| *s >= from && *s < to)
        .collect())
}

fn utc(at: i64) -> Option<chrono::DateTime<rrule::Tz>> {
    rrule::Tz::UTC.timestamp_opt(at, 0).single()
}

fn rule_set(timing: &Timing, zone: &str) -> Result<rrule::RRuleSet, &'static str> {
    let rule = timing.rule.trim().trim_start_matches("RRULE:");
    if rule.is_empty() || rule.contains(['\n', '\r']) {
        return Err("activity-rule-wrong");
    }
    let text = format!(
        "DTSTART;TZID={zone}:{}\nRRULE:{rule}",
        timing.starts_local.strftime("%Y%m%dT%H%M%S")
    );
    text.parse::<rrule::RRuleSet>()
        .map_err(|_| "activity-rule-wrong")
}

/// Whether a timing can be used: it happens at least once, and not more
/// than [`MOST_OCCURRENCES`] times in its first two years. The first start
/// is its DTSTART, as RFC 5545 counts it.
pub fn check(timing: &Timing, zone: &str) -> Result<(), &'static str> {
    if !(5..=24 * 60).contains(&timing.minutes) {
        return Err("activity-minutes-wrong");
    }
    let tz = jiff::tz::TimeZone::get(zone).map_err(|_| "activity-zone-unknown")?;
    let first =
        crate::rooms::rules::at_local(&tz, timing.starts_local.date(), timing.starts_local.time())
            .ok_or("activity-start-wrong")?;
    let starts = starts_between(
        timing,
        zone,
        first,
        first + JUDGED_DAYS * 86_400,
        MOST_OCCURRENCES + 1,
    )?;
    if starts.is_empty() {
        return Err("activity-never-occurs");
    }
    if starts.len() > MOST_OCCURRENCES {
        return Err("activity-too-many");
    }
    Ok(())
}

/// The patterns the organiser's form offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    Once,
    Daily,
    /// On the chosen weekdays of each week.
    Weekly,
    /// On the nth (1–4, or -1 for last) same weekday as the first start,
    /// each month.
    Monthly,
    /// A rule typed by hand.
    Custom,
}

impl Repeat {
    pub const ALL: [Repeat; 5] = [
        Repeat::Once,
        Repeat::Daily,
        Repeat::Weekly,
        Repeat::Monthly,
        Repeat::Custom,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Repeat::Once => "once",
            Repeat::Daily => "daily",
            Repeat::Weekly => "weekly",
            Repeat::Monthly => "monthly",
            Repeat::Custom => "custom",
        }
    }
    pub fn parse(text: &str) -> Option<Repeat> {
        Repeat::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

pub const DAY_CODES: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

fn day_code(day: Weekday) -> &'static str {
    DAY_CODES[day.to_monday_zero_offset() as usize]
}

/// The RRULE for a pattern chosen on the form; `until` (a local day, the
/// last on which it may happen) becomes a UTC `UNTIL` as RFC 5545 asks
/// when the start has a zone.
pub fn rule_for(
    repeat: Repeat,
    first: DateTime,
    days: &[String],
    nth: i8,
    until: Option<Date>,
    custom: &str,
    zone: &str,
) -> Result<String, &'static str> {
    let mut rule = match repeat {
        Repeat::Once => return Ok(String::new()),
        Repeat::Custom => return Ok(custom.trim().trim_start_matches("RRULE:").to_string()),
        Repeat::Daily => "FREQ=DAILY".to_string(),
        Repeat::Weekly => {
            let mut chosen: Vec<&str> = DAY_CODES
                .iter()
                .copied()
                .filter(|c| days.iter().any(|d| d == c))
                .collect();
            if chosen.is_empty() {
                chosen.push(day_code(first.weekday()));
            }
            format!("FREQ=WEEKLY;BYDAY={}", chosen.join(","))
        }
        Repeat::Monthly => {
            if !(1..=4).contains(&nth) && nth != -1 {
                return Err("activity-nth-wrong");
            }
            format!("FREQ=MONTHLY;BYDAY={nth}{}", day_code(first.weekday()))
        }
    };
    if let Some(last_day) = until {
        if last_day < first.date() {
            return Err("activity-never-occurs");
        }
        let tz = jiff::tz::TimeZone::get(zone).map_err(|_| "activity-zone-unknown")?;
        let end = last_day
            .to_datetime(jiff::civil::Time::constant(23, 59, 59, 0))
            .to_zoned_datetime(tz)
            .map_err(|_| "activity-until-wrong")?;
        rule.push_str(&format!(
            ";UNTIL={}",
            end.timestamp().strftime("%Y%m%dT%H%M%SZ")
        ));
    }
    Ok(rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(start: &str, minutes: i64, rule: &str) -> Timing {
        Timing {
            starts_local: start.parse().unwrap(),
            minutes,
            rule: rule.into(),
        }
    }

    fn local(zone: &str, at: i64) -> String {
        jiff::Timestamp::from_second(at)
            .unwrap()
            .to_zoned_datetime(jiff::tz::TimeZone::get(zone).unwrap())
            .strftime("%Y-%m-%d %H:%M %a")
            .to_string()
    }

    fn at(zone: &str, text: &str) -> i64 {
        let dt: DateTime = text.parse().unwrap();
        dt.to_zoned_datetime(jiff::tz::TimeZone::get(zone).unwrap())
            .unwrap()
            .timestamp()
            .as_second()
    }

    #[test]
    fn a_daily_class_repeats_across_a_month_boundary() {
        let zone = "Asia/Shanghai";
        let t = timing("2026-11-28T07:00", 60, "FREQ=DAILY");
        let starts = starts_between(
            &t,
            zone,
            at(zone, "2026-11-29T00:00"),
            at(zone, "2026-12-03T00:00"),
            100,
        )
        .unwrap();
        let shown: Vec<String> = starts.iter().map(|s| local(zone, *s)).collect();
        assert_eq!(
            shown,
            [
                "2026-11-29 07:00 Sun",
                "2026-11-30 07:00 Mon",
                "2026-12-01 07:00 Tue",
                "2026-12-02 07:00 Wed"
            ]
        );
    }

    #[test]
    fn a_berlin_class_keeps_its_wall_time_across_daylight_saving() {
        let zone = "Europe/Berlin";
        let t = timing("2026-03-26T09:30", 90, "FREQ=DAILY");
        let starts = starts_between(
            &t,
            zone,
            at(zone, "2026-03-27T00:00"),
            at(zone, "2026-03-31T00:00"),
            100,
        )
        .unwrap();
        let shown: Vec<String> = starts.iter().map(|s| local(zone, *s)).collect();
        assert_eq!(
            shown,
            [
                "2026-03-27 09:30 Fri",
                "2026-03-28 09:30 Sat",
                "2026-03-29 09:30 Sun",
                "2026-03-30 09:30 Mon"
            ]
        );
        assert_eq!(
            starts[2] - starts[1],
            23 * 3600,
            "the night of the change is an hour short"
        );
        assert_eq!(starts[3] - starts[2], 24 * 3600);
        // And back in October.
        let starts = starts_between(
            &t,
            zone,
            at(zone, "2026-10-24T00:00"),
            at(zone, "2026-10-27T00:00"),
            100,
        )
        .unwrap();
        assert_eq!(starts[1] - starts[0], 25 * 3600);
    }

    #[test]
    fn the_common_patterns_become_rules() {
        let first: DateTime = "2026-12-01T09:30".parse().unwrap(); // a Tuesday
        let none: Vec<String> = vec![];
        let zone = "Asia/Shanghai";
        assert_eq!(
            rule_for(Repeat::Once, first, &none, 1, None, "", zone),
            Ok(String::new())
        );
        assert_eq!(
            rule_for(Repeat::Daily, first, &none, 1, None, "", zone),
            Ok("FREQ=DAILY".into())
        );
        let tue_thu = vec!["TH".to_string(), "TU".to_string()];
        assert_eq!(
            rule_for(Repeat::Weekly, first, &tue_thu, 1, None, "", zone),
            Ok("FREQ=WEEKLY;BYDAY=TU,TH".into())
        );
        assert_eq!(
            rule_for(Repeat::Weekly, first, &none, 1, None, "", zone),
            Ok("FREQ=WEEKLY;BYDAY=TU".into()),
            "the first day's weekday by default"
        );
        assert_eq!(
            rule_for(Repeat::Monthly, first, &none, 1, None, "", zone),
            Ok("FREQ=MONTHLY;BYDAY=1TU".into())
        );
        assert_eq!(
            rule_for(Repeat::Monthly, first, &none, -1, None, "", zone),
            Ok("FREQ=MONTHLY;BYDAY=-1TU".into())
        );
        assert_eq!(
            rule_for(Repeat::Monthly, first, &none, 5, None, "", zone),
            Err("activity-nth-wrong")
        );
        let until = Some(Date::new(2026, 12, 31).unwrap());
        assert_eq!(
            rule_for(Repeat::Daily, first, &none, 1, until, "", zone),
            Ok("FREQ=DAILY;UNTIL=20261231T155959Z".into())
        );
        assert_eq!(
            rule_for(
                Repeat::Custom,
                first,
                &none,
                1,
                None,
                " RRULE:FREQ=YEARLY ",
                zone
            ),
            Ok("FREQ=YEARLY".into())
        );
        let before = Some(Date::new(2026, 11, 30).unwrap());
        assert_eq!(
            rule_for(Repeat::Daily, first, &none, 1, before, "", zone),
            Err("activity-never-occurs"),
            "a last day before the first"
        );
        let same = Some(Date::new(2026, 12, 1).unwrap());
        assert!(
            rule_for(Repeat::Daily, first, &none, 1, same, "", zone).is_ok(),
            "the first day may be the last"
        );
    }

    #[test]
    fn tuesdays_and_thursdays_and_the_first_saturday() {
        let zone = "Asia/Shanghai";
        let t = timing("2026-12-01T09:30", 90, "FREQ=WEEKLY;BYDAY=TU,TH");
        let starts = starts_between(
            &t,
            zone,
            at(zone, "2026-12-01T00:00"),
            at(zone, "2026-12-11T00:00"),
            100,
        )
        .unwrap();
        let shown: Vec<String> = starts.iter().map(|s| local(zone, *s)).collect();
        assert_eq!(
            shown,
            [
                "2026-12-01 09:30 Tue",
                "2026-12-03 09:30 Thu",
                "2026-12-08 09:30 Tue",
                "2026-12-10 09:30 Thu"
            ]
        );
        let t = timing("2026-12-05T14:00", 120, "FREQ=MONTHLY;BYDAY=1SA");
        let starts = starts_between(
            &t,
            zone,
            at(zone, "2026-12-01T00:00"),
            at(zone, "2027-03-01T00:00"),
            100,
        )
        .unwrap();
        let shown: Vec<String> = starts.iter().map(|s| local(zone, *s)).collect();
        assert_eq!(
            shown,
            [
                "2026-12-05 14:00 Sat",
                "2027-01-02 14:00 Sat",
                "2027-02-06 14:00 Sat"
            ]
        );
    }

    #[test]
    fn until_and_count_end_a_series() {
        let zone = "Asia/Shanghai";
        let t = timing("2026-12-01T07:00", 60, "FREQ=DAILY;UNTIL=20261203T155959Z");
        assert_eq!(
            starts_between(&t, zone, 0, 4_000_000_000, 100)
                .unwrap()
                .len(),
            3
        );
        let t = timing("2026-12-01T07:00", 60, "FREQ=WEEKLY;COUNT=4");
        assert_eq!(
            starts_between(&t, zone, 0, 4_000_000_000, 100)
                .unwrap()
                .len(),
            4
        );
    }

    #[test]
    fn rules_that_never_happen_or_happen_too_often_are_refused() {
        let zone = "Asia/Shanghai";
        assert_eq!(
            check(&timing("2026-12-01T07:00", 60, "FREQ=DAILY"), zone),
            Ok(())
        );
        assert_eq!(
            check(&timing("2026-12-01T07:00", 60, ""), zone),
            Ok(()),
            "once"
        );
        assert_eq!(
            check(
                &timing(
                    "2026-12-01T07:00",
                    60,
                    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"
                ),
                zone
            ),
            Err("activity-never-occurs")
        );
        assert_eq!(
            check(&timing("2026-12-01T07:00", 60, "FREQ=HOURLY"), zone),
            Err("activity-too-many")
        );
        assert_eq!(
            check(
                &timing("2026-12-01T07:00", 60, "FREQ=MINUTELY;INTERVAL=5"),
                zone
            ),
            Err("activity-too-many")
        );
        assert_eq!(
            check(
                &timing("2026-12-01T07:00", 60, "FREQ=DAILY;UNTIL=20261101T000000Z"),
                zone
            ),
            Err("activity-rule-wrong"),
            "ends before it starts"
        );
        for wrong in [
            "every day",
            "FREQ=SOMETIMES",
            "FREQ=DAILY;BYDAY=XX",
            "FREQ=DAILY\nEXDATE:20261202T070000",
        ] {
            assert_eq!(
                check(&timing("2026-12-01T07:00", 60, wrong), zone),
                Err("activity-rule-wrong"),
                "{wrong}"
            );
        }
        assert_eq!(
            check(&timing("2026-12-01T07:00", 0, "FREQ=DAILY"), zone),
            Err("activity-minutes-wrong")
        );
        assert_eq!(
            check(
                &timing("2026-12-01T07:00", 60, "FREQ=DAILY"),
                "Mars/Olympus"
            ),
            Err("activity-zone-unknown")
        );
    }
}
