//! Working-time arithmetic by a community's calendar: which days are
//! working days (the week, minus holidays, plus make-up working days such
//! as a Sunday worked before a long holiday) and the opening hours.
//! Times are Unix seconds; days are the community's local days.

use std::collections::BTreeSet;

use jiff::civil::Date;
use jiff::tz::TimeZone;

/// Beyond this many days without working time the calendar gives up and
/// counts by the clock, so that a calendar of nothing but holidays never
/// leaves a request without a deadline.
const LOOK_AHEAD_DAYS: i64 = 3 * 366;

#[derive(Debug, Clone)]
pub struct WorkCalendar {
    pub tz: TimeZone,
    /// Opening and closing, in minutes after midnight; `open < close`.
    pub open: i64,
    pub close: i64,
    /// Monday first.
    pub weekdays: [bool; 7],
    pub holidays: BTreeSet<Date>,
    pub workdays: BTreeSet<Date>,
}

impl WorkCalendar {
    /// Monday to Friday, 08:30 to 17:30, no holidays yet.
    pub fn standard(tz: TimeZone) -> WorkCalendar {
        WorkCalendar {
            tz,
            open: 8 * 60 + 30,
            close: 17 * 60 + 30,
            weekdays: [true, true, true, true, true, false, false],
            holidays: BTreeSet::new(),
            workdays: BTreeSet::new(),
        }
    }

    pub fn is_working_day(&self, day: Date) -> bool {
        if self.holidays.contains(&day) {
            return false;
        }
        if self.workdays.contains(&day) {
            return true;
        }
        let weekday = day.weekday().to_monday_zero_offset();
        self.weekdays
            .get(weekday as usize)
            .copied()
            .unwrap_or(false)
    }

    /// The length of one working day, in seconds (at least a minute).
    pub fn day_seconds(&self) -> i64 {
        ((self.close - self.open) * 60).max(60)
    }

    fn day_of(&self, at: i64) -> Option<Date> {
        let ts = jiff::Timestamp::from_second(at).ok()?;
        Some(ts.to_zoned_datetime(self.tz.clone()).date())
    }

    /// The day's working hours as `[open, close)`, when it has any.
    fn hours(&self, day: Date) -> Option<(i64, i64)> {
        if !self.is_working_day(day) {
            return None;
        }
        let midnight = day
            .to_zoned_datetime(self.tz.clone())
            .ok()?
            .timestamp()
            .as_second();
        let at = |minutes: i64| {
            let time = jiff::civil::Time::new((minutes / 60) as i8, (minutes % 60) as i8, 0, 0)
                .unwrap_or(jiff::civil::Time::midnight());
            day.to_datetime(time)
                .to_zoned_datetime(self.tz.clone())
                .map(|z| z.timestamp().as_second())
                .unwrap_or(midnight + minutes * 60)
        };
        Some((at(self.open), at(self.close)))
    }

    /// The moment at which `seconds` of working time have passed since
    /// `from`. Time outside working hours does not count.
    pub fn add(&self, from: i64, seconds: i64) -> i64 {
        if seconds <= 0 {
            return from;
        }
        let Some(mut day) = self.day_of(from) else {
            return from + seconds;
        };
        let mut left = seconds;
        for _ in 0..LOOK_AHEAD_DAYS {
            if let Some((open, close)) = self.hours(day) {
                let start = open.max(from);
                if start < close {
                    if left <= close - start {
                        return start + left;
                    }
                    left -= close - start;
                }
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        from + seconds
    }

    /// The working time between `from` and `to`, in seconds.
    pub fn between(&self, from: i64, to: i64) -> i64 {
        if to <= from {
            return 0;
        }
        let (Some(mut day), Some(last)) = (self.day_of(from), self.day_of(to)) else {
            return 0;
        };
        let mut total = 0;
        while day <= last {
            if let Some((open, close)) = self.hours(day) {
                total += (close.min(to) - open.max(from)).max(0);
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        total
    }
}

/// Parses one line of a list of days: `2026-10-01`, or a range
/// `2026-10-01/2026-10-07`, optionally followed by a name. Ranges are at
/// most 31 days long.
pub fn parse_days(line: &str) -> Option<(Vec<Date>, String)> {
    let line = line.trim();
    let (dates, name) = match line.split_once(char::is_whitespace) {
        Some((dates, name)) => (dates, name.trim()),
        None => (line, ""),
    };
    let (first, last) = match dates.split_once('/') {
        Some((a, b)) => (a.parse::<Date>().ok()?, b.parse::<Date>().ok()?),
        None => {
            let day = dates.parse::<Date>().ok()?;
            (day, day)
        }
    };
    if last < first {
        return None;
    }
    let mut days = vec![first];
    let mut day = first;
    while day < last {
        day = day.tomorrow().ok()?;
        days.push(day);
        if days.len() > 31 {
            return None;
        }
    }
    Some((days, name.chars().take(40).collect()))
}

/// Days back as lines: consecutive days with the same name become a range.
pub fn days_as_lines(days: &[(Date, String)]) -> String {
    let mut lines: Vec<(Date, Date, &str)> = Vec::new();
    for (day, name) in days {
        match lines.last_mut() {
            Some((_, last, n)) if *n == name.as_str() && last.tomorrow().ok() == Some(*day) => {
                *last = *day
            }
            _ => lines.push((*day, *day, name)),
        }
    }
    lines
        .iter()
        .map(|(first, last, name)| {
            let dates = if first == last {
                first.to_string()
            } else {
                format!("{first}/{last}")
            };
            if name.is_empty() {
                dates
            } else {
                format!("{dates} {name}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const HOUR: i64 = 3600;

    /// Mon–Fri 08:30–17:30 in Shanghai (UTC+8, no summer time).
    fn office() -> WorkCalendar {
        WorkCalendar::standard(TimeZone::get("Asia/Shanghai").unwrap())
    }

    fn at(day: Date, h: i8, m: i8) -> i64 {
        day.at(h, m, 0, 0)
            .to_zoned_datetime(TimeZone::get("Asia/Shanghai").unwrap())
            .unwrap()
            .timestamp()
            .as_second()
    }

    // 2026-11-27 is a Friday.
    const FRI: Date = date(2026, 11, 27);
    const SAT: Date = date(2026, 11, 28);
    const MON: Date = date(2026, 11, 30);
    const TUE: Date = date(2026, 12, 1);

    #[test]
    fn nothing_to_add_leaves_the_moment_alone_even_at_night() {
        let night = at(SAT, 3, 0);
        assert_eq!(office().add(night, 0), night);
        assert_eq!(office().add(night, -5), night);
    }

    #[test]
    fn within_the_day() {
        assert_eq!(office().add(at(FRI, 9, 0), 2 * HOUR), at(FRI, 11, 0));
    }

    #[test]
    fn before_opening_counts_from_opening() {
        assert_eq!(office().add(at(FRI, 6, 0), HOUR), at(FRI, 9, 30));
    }

    #[test]
    fn ending_exactly_at_closing_stays_on_the_day() {
        assert_eq!(office().add(at(FRI, 16, 30), HOUR), at(FRI, 17, 30));
    }

    #[test]
    fn friday_afternoon_runs_over_the_weekend() {
        assert_eq!(office().add(at(FRI, 17, 0), HOUR), at(MON, 9, 0));
        assert_eq!(office().add(at(FRI, 20, 0), HOUR), at(MON, 9, 30));
        assert_eq!(office().add(at(SAT, 12, 0), HOUR), at(MON, 9, 30));
    }

    #[test]
    fn holidays_are_skipped_and_make_up_days_are_worked() {
        let mut cal = office();
        cal.holidays.insert(MON);
        assert_eq!(cal.add(at(FRI, 17, 0), HOUR), at(TUE, 9, 0));
        cal.workdays.insert(SAT);
        assert_eq!(cal.add(at(FRI, 17, 0), HOUR), at(SAT, 9, 0));
        // A day both listed as holiday and workday is a holiday.
        cal.holidays.insert(SAT);
        assert_eq!(cal.add(at(FRI, 17, 0), HOUR), at(TUE, 9, 0));
    }

    #[test]
    fn several_days() {
        let cal = office();
        assert_eq!(cal.day_seconds(), 9 * HOUR);
        assert_eq!(
            cal.add(at(FRI, 8, 30), 2 * cal.day_seconds()),
            at(MON, 17, 30)
        );
        assert_eq!(
            cal.add(at(FRI, 12, 0), 24 * HOUR),
            at(date(2026, 12, 2), 9, 0)
        );
    }

    #[test]
    fn a_calendar_without_working_days_falls_back_to_the_clock() {
        let mut cal = office();
        cal.weekdays = [false; 7];
        assert_eq!(cal.add(at(FRI, 9, 0), HOUR), at(FRI, 10, 0));
        assert_eq!(cal.between(at(FRI, 9, 0), at(MON, 9, 0)), 0);
    }

    #[test]
    fn between_counts_only_working_time() {
        let cal = office();
        assert_eq!(cal.between(at(FRI, 9, 0), at(FRI, 10, 0)), HOUR);
        assert_eq!(cal.between(at(FRI, 17, 0), at(MON, 9, 0)), HOUR);
        assert_eq!(cal.between(at(SAT, 9, 0), at(SAT, 18, 0)), 0);
        assert_eq!(cal.between(at(MON, 9, 0), at(FRI, 9, 0)), 0);
        // The two agree: what `add` adds, `between` measures.
        let from = at(FRI, 16, 0);
        let to = cal.add(from, 5 * HOUR);
        assert_eq!(cal.between(from, to), 5 * HOUR);
    }

    #[test]
    fn day_lists_parse_single_days_ranges_and_names() {
        assert_eq!(
            parse_days("2026-10-01"),
            Some((vec![date(2026, 10, 1)], String::new()))
        );
        let (days, name) = parse_days(" 2026-09-30/2026-10-02  国庆节 ").unwrap();
        assert_eq!(
            days,
            vec![date(2026, 9, 30), date(2026, 10, 1), date(2026, 10, 2)]
        );
        assert_eq!(name, "国庆节");
        assert_eq!(parse_days("2026-10-07/2026-10-01"), None);
        assert_eq!(parse_days("2026-01-01/2026-12-31"), None);
        assert_eq!(parse_days("10/1"), None);
        assert_eq!(parse_days("2026-02-30"), None);
    }

    #[test]
    fn day_lists_come_back_as_ranges() {
        let days = vec![
            (date(2026, 10, 1), "国庆节".to_string()),
            (date(2026, 10, 2), "国庆节".to_string()),
            (date(2026, 10, 3), "国庆节".to_string()),
            (date(2026, 10, 5), "国庆节".to_string()),
            (date(2026, 10, 6), String::new()),
        ];
        assert_eq!(
            days_as_lines(&days),
            "2026-10-01/2026-10-03 国庆节\n2026-10-05 国庆节\n2026-10-06"
        );
    }
}
