//! The volunteers' duty roster and service hours: the rules a sign-up, a
//! swap and an hours claim are decided by. Plain functions on
//! plain values, tested on hand-made cases.

/// A stretch of time, `[starts, ends)`, in Unix seconds.
pub type Span = (i64, i64);

fn overlaps(a: Span, b: Span) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// Whether a person may take a shift: never two shifts at once.
pub fn may_take(shift: Span, already: &[Span]) -> Result<(), &'static str> {
    if already.iter().any(|s| overlaps(*s, shift)) {
        Err("duty-error-overlap")
    } else {
        Ok(())
    }
}

/// A swap: the shift goes from one member of the team to another, who
/// must be on the team, not the same person, and free then; a shift that
/// has begun is not swapped.
pub fn check_swap(
    shift: Span,
    from: i64,
    to: i64,
    to_on_team: bool,
    to_shifts: &[Span],
    at: i64,
) -> Result<(), &'static str> {
    if from == to {
        return Err("duty-error-swap-self");
    }
    if !to_on_team {
        return Err("duty-error-swap-team");
    }
    if at >= shift.0 {
        return Err("duty-error-swap-begun");
    }
    may_take(shift, to_shifts)
}

/// The minutes a shift served counts: from check-in to check-out, within
/// the shift; the whole shift when the lead confirms it instead; nothing
/// while it is still going on or was not served.
pub fn served_minutes(
    shift: Span,
    checked_in: Option<i64>,
    checked_out: Option<i64>,
    confirmed_by_lead: bool,
    at: i64,
) -> i64 {
    if at < shift.1 && checked_out.is_none() {
        return 0;
    }
    match (checked_in, checked_out) {
        (Some(i), Some(o)) if o > i => (o.min(shift.1) - i.max(shift.0)).max(0) / 60,
        _ if confirmed_by_lead => (shift.1 - shift.0) / 60,
        _ => 0,
    }
}

/// Hours written by hand: from one minute to a day's worth, for work
/// already done.
pub fn check_claim(minutes: &str, done_on: i64, at: i64) -> Result<i64, &'static str> {
    let minutes = match minutes.trim().parse::<i64>() {
        Ok(m) if (1..=24 * 60).contains(&m) => m,
        _ => return Err("duty-error-minutes"),
    };
    if done_on > at {
        return Err("duty-error-future");
    }
    Ok(minutes)
}

/// A shift's times, repeated weekly: from `starts` to `ends` on `date` in
/// the community's zone (a shift that ends at or before it starts ends the
/// next day, as a night patrol does), then the same each week, `weeks`
/// times in all.
pub fn weekly(
    tz: &jiff::tz::TimeZone,
    date: jiff::civil::Date,
    starts: jiff::civil::Time,
    ends: jiff::civil::Time,
    weeks: i64,
) -> Vec<Span> {
    let mut out = Vec::new();
    for week in 0..weeks {
        let Ok(day) = date.checked_add(jiff::Span::new().weeks(week)) else {
            break;
        };
        let end_day = if ends <= starts {
            day.tomorrow().ok()
        } else {
            Some(day)
        };
        let from = crate::rooms::rules::at_local(tz, day, starts);
        let to = end_day.and_then(|d| crate::rooms::rules::at_local(tz, d, ends));
        if let (Some(from), Some(to)) = (from, to) {
            out.push((from, to));
        }
    }
    out
}

/// How many weeks a roster may be made for at once, and how many people a
/// shift may take.
pub fn check_weeks(typed: &str) -> Result<i64, &'static str> {
    match typed.trim().parse::<i64>() {
        Ok(n) if (1..=12).contains(&n) => Ok(n),
        _ => Err("duty-error-weeks"),
    }
}

pub fn check_places(typed: &str) -> Result<i64, &'static str> {
    match typed.trim().parse::<i64>() {
        Ok(n) if (1..=20).contains(&n) => Ok(n),
        _ => Err("duty-error-places"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600;
    const EVENING: Span = (19 * H, 21 * H);

    #[test]
    fn nobody_takes_two_shifts_at_once() {
        assert_eq!(may_take(EVENING, &[]), Ok(()));
        assert_eq!(
            may_take(EVENING, &[(17 * H, 19 * H)]),
            Ok(()),
            "back to back"
        );
        assert_eq!(may_take(EVENING, &[(21 * H, 23 * H)]), Ok(()));
        assert_eq!(
            may_take(EVENING, &[(20 * H, 22 * H)]),
            Err("duty-error-overlap")
        );
        assert_eq!(
            may_take(EVENING, &[(19 * H, 21 * H)]),
            Err("duty-error-overlap")
        );
        assert_eq!(
            may_take(EVENING, &[(18 * H, 23 * H)]),
            Err("duty-error-overlap"),
            "inside another"
        );
    }

    #[test]
    fn a_swap_goes_to_a_free_member_of_the_team_before_the_shift() {
        let before = 18 * H;
        assert_eq!(check_swap(EVENING, 1, 2, true, &[], before), Ok(()));
        assert_eq!(
            check_swap(EVENING, 1, 1, true, &[], before),
            Err("duty-error-swap-self")
        );
        assert_eq!(
            check_swap(EVENING, 1, 2, false, &[], before),
            Err("duty-error-swap-team")
        );
        assert_eq!(
            check_swap(EVENING, 1, 2, true, &[], 19 * H),
            Err("duty-error-swap-begun")
        );
        assert_eq!(
            check_swap(EVENING, 1, 2, true, &[(20 * H, 22 * H)], before),
            Err("duty-error-overlap")
        );
    }

    #[test]
    fn served_minutes_come_from_the_check_in_and_out_or_the_leads_word() {
        let after = 22 * H;
        assert_eq!(
            served_minutes(EVENING, Some(19 * H), Some(21 * H), false, after),
            120
        );
        // Early and late count only within the shift.
        assert_eq!(
            served_minutes(EVENING, Some(18 * H), Some(22 * H), false, after),
            120
        );
        assert_eq!(
            served_minutes(EVENING, Some(19 * H + 30 * 60), Some(20 * H), false, after),
            30
        );
        // Out before in is nothing, unless the lead confirms the shift.
        assert_eq!(
            served_minutes(EVENING, Some(20 * H), Some(19 * H), false, after),
            0
        );
        assert_eq!(served_minutes(EVENING, None, None, true, after), 120);
        assert_eq!(served_minutes(EVENING, None, None, false, after), 0);
        // Still going on: nothing yet.
        assert_eq!(served_minutes(EVENING, Some(19 * H), None, true, 20 * H), 0);
    }

    #[test]
    fn hours_by_hand_are_for_work_already_done() {
        assert_eq!(check_claim("90", 10, 20), Ok(90));
        assert_eq!(check_claim("1440", 10, 20), Ok(1440));
        assert_eq!(check_claim("1441", 10, 20), Err("duty-error-minutes"));
        assert_eq!(check_claim("0", 10, 20), Err("duty-error-minutes"));
        assert_eq!(check_claim("two hours", 10, 20), Err("duty-error-minutes"));
        assert_eq!(check_claim("60", 30, 20), Err("duty-error-future"));
    }

    #[test]
    fn a_weekly_roster_repeats_and_a_night_shift_ends_the_next_day() {
        let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        let monday = jiff::civil::Date::new(2026, 12, 7).unwrap();
        let t = |h| jiff::civil::Time::new(h, 0, 0, 0).unwrap();
        let evening = weekly(&tz, monday, t(19), t(21), 3);
        assert_eq!(evening.len(), 3);
        assert_eq!(evening[0].1 - evening[0].0, 2 * H);
        assert_eq!(evening[1].0 - evening[0].0, 7 * 24 * H);
        let night = weekly(&tz, monday, t(22), t(6), 1);
        assert_eq!(
            night[0].1 - night[0].0,
            8 * H,
            "22:00 to 06:00 the next morning"
        );
        assert_eq!(weekly(&tz, monday, t(19), t(21), 0), vec![]);
    }

    #[test]
    fn weeks_and_places_stay_within_bounds() {
        assert_eq!(check_weeks("0"), Err("duty-error-weeks"));
        assert_eq!(check_weeks("1"), Ok(1));
        assert_eq!(check_weeks(" 12 "), Ok(12));
        assert_eq!(check_weeks("13"), Err("duty-error-weeks"));
        assert_eq!(check_weeks("two"), Err("duty-error-weeks"));
        assert_eq!(check_places("0"), Err("duty-error-places"));
        assert_eq!(check_places("20"), Ok(20));
        assert_eq!(check_places("21"), Err("duty-error-places"));
    }
}
