//! Care for residents who live alone: the rules the scheduler and the
//! pages decide by. Plain functions on plain values, tested on hand-made
//! cases; the store only carries out what they decide.

const DAY: i64 = 86_400;

/// How much care a resident needs, which bounds how long may pass between
/// two contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// At least weekly, and within a day of a hospital stay or a major
    /// change.
    High,
    /// The key groups: at least monthly.
    Key,
    /// Everyone else with a plan: at least quarterly.
    Other,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::High, Level::Key, Level::Other];

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::High => "high",
            Level::Key => "key",
            Level::Other => "other",
        }
    }

    /// The most days a plan at this level may leave between contacts.
    pub fn longest_days(self) -> i64 {
        match self {
            Level::High => 7,
            Level::Key => 30,
            Level::Other => 90,
        }
    }
}

/// The days between contacts a plan may ask for: from one day to its
/// level's longest.
pub fn check_every(level: Level, typed: &str) -> Result<i64, &'static str> {
    match typed.trim().parse::<i64>() {
        Ok(n) if (1..=level.longest_days()).contains(&n) => Ok(n),
        Ok(n) if n > level.longest_days() => Err("care-error-every-too-long"),
        _ => Err("care-error-every"),
    }
}

/// When the next contact is due: `every_days` after the last contact (or
/// after the plan began, before any); for a high-risk resident, within a
/// day of a hospital stay or a major change recorded since (or with) the last
/// contact, if that comes sooner.
pub fn due_at(
    level: Level,
    every_days: i64,
    began_at: i64,
    last_contact: Option<i64>,
    last_event: Option<i64>,
) -> i64 {
    let since = last_contact.unwrap_or(began_at);
    let regular = since + every_days * DAY;
    match (level, last_event) {
        (Level::High, Some(event)) if event >= since => regular.min(event + DAY),
        _ => regular,
    }
}

/// Whether a missed contact raises an alert now: the due time and its
/// grace have passed, and no alert for this plan is open yet (an alert
/// stays open until someone records contact, and is raised once).
pub fn alert_now(due_at: i64, grace_hours: i64, open_alert: bool, at: i64) -> bool {
    !open_alert && at > due_at + grace_hours.max(0) * 3600
}

/// What a check-in records. Every kind is contact: it closes an open alert
/// and restarts the plan's clock; a call for help also raises an urgent
/// request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckIn {
    /// A carer visited.
    Visited,
    /// A carer called and spoke with the resident.
    Called,
    /// The resident pressed "I'm fine" (phone or kiosk).
    Fine,
    /// The resident pressed "I need help": an urgent request at once.
    NeedsHelp,
}

impl CheckIn {
    pub const ALL: [CheckIn; 4] = [
        CheckIn::Visited,
        CheckIn::Called,
        CheckIn::Fine,
        CheckIn::NeedsHelp,
    ];

    pub fn parse(s: &str) -> Option<CheckIn> {
        CheckIn::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CheckIn::Visited => "visited",
            CheckIn::Called => "called",
            CheckIn::Fine => "fine",
            CheckIn::NeedsHelp => "needs_help",
        }
    }

    /// Whether a carer records it (the others come from the resident).
    pub fn by_carer(self) -> bool {
        matches!(self, CheckIn::Visited | CheckIn::Called)
    }
}

/// How consent was given, and who recorded it: a plan needs both.
pub fn check_consent(how: &str, recorded_by: Option<i64>) -> Result<(), &'static str> {
    match (how.trim(), recorded_by) {
        (_, None) => Err("care-error-consent-who"),
        ("written" | "spoken" | "by_phone", Some(_)) => Ok(()),
        _ => Err("care-error-consent-how"),
    }
}

/// The visit rate: of the residents with a plan, how many were contacted
/// within their plan's period as of `at` (the last `every_days` days). Each
/// item is a plan's (last contact, every days); a plan nobody has contacted
/// yet does not count as contacted. The national aim is every one of them.
pub fn visit_rate(plans: &[(Option<i64>, i64)], at: i64) -> (usize, usize) {
    let kept = plans
        .iter()
        .filter(|(last, every)| last.is_some_and(|c| c >= at - every * DAY))
        .count();
    (kept, plans.len())
}

/// The rate as a whole percentage, or none without plans.
pub fn percent(kept: usize, total: usize) -> Option<i64> {
    (total > 0).then(|| ((kept * 100 + total / 2) / total) as i64)
}

/// Who someone is to a care plan, which decides what they may do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seat {
    /// The resident in care: sees their own record (not logged), says
    /// they are fine or need help, may withdraw consent.
    Resident,
    /// The plan's carer or backup: reads it (logged) and records contact.
    Carer,
    /// The care team: reads every plan (logged), records contact, makes
    /// and closes plans.
    Team,
    /// The secretary: as the care team.
    Secretary,
}

/// The seat a person has at a plan, if any: nobody else may open it.
pub fn seat(
    viewer: i64,
    is_admin: bool,
    on_care_team: bool,
    resident: i64,
    carer: i64,
    backup: Option<i64>,
) -> Option<Seat> {
    if viewer == resident {
        Some(Seat::Resident)
    } else if on_care_team {
        Some(Seat::Team)
    } else if viewer == carer || backup == Some(viewer) {
        Some(Seat::Carer)
    } else if is_admin {
        Some(Seat::Secretary)
    } else {
        None
    }
}

impl Seat {
    /// Records visits, calls and events.
    pub fn records_contact(self) -> bool {
        !matches!(self, Seat::Resident)
    }

    /// Makes and closes plans.
    pub fn runs_plans(self) -> bool {
        matches!(self, Seat::Team | Seat::Secretary)
    }
}

/// Whether a carer may be chosen: a volunteer, member or lead of the
/// community (not the resident themselves), and a backup who differs.
pub fn check_carers(
    resident: i64,
    carer: i64,
    backup: Option<i64>,
    eligible: &[i64],
) -> Result<(), (&'static str, &'static str)> {
    if carer == resident || !eligible.contains(&carer) {
        return Err(("carer", "care-error-carer"));
    }
    match backup {
        Some(b) if b == carer || b == resident || !eligible.contains(&b) => {
            Err(("backup", "care-error-backup"))
        }
        _ => Ok(()),
    }
}

/// Hours of grace after a missed contact before the alert: up to three days.
pub fn check_grace(typed: &str) -> Result<i64, &'static str> {
    match typed.trim().parse::<i64>() {
        Ok(n) if (0..=72).contains(&n) => Ok(n),
        _ => Err("care-error-grace"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEGAN: i64 = 1_800_000_000;

    #[test]
    fn a_plan_asks_for_no_longer_than_its_level_allows() {
        assert_eq!(check_every(Level::High, "7"), Ok(7));
        assert_eq!(
            check_every(Level::High, "8"),
            Err("care-error-every-too-long")
        );
        assert_eq!(check_every(Level::Key, "30"), Ok(30));
        assert_eq!(check_every(Level::Other, "90"), Ok(90));
        assert_eq!(
            check_every(Level::Other, "91"),
            Err("care-error-every-too-long")
        );
        for bad in ["0", "-3", "", "weekly", "1.5"] {
            assert_eq!(
                check_every(Level::Key, bad),
                Err("care-error-every"),
                "{bad:?}"
            );
        }
        for l in Level::ALL {
            assert_eq!(Level::parse(l.as_str()), Some(l));
        }
        assert_eq!(Level::parse("urgent"), None);
    }

    #[test]
    fn the_next_contact_is_due_after_the_last_or_after_the_start() {
        assert_eq!(due_at(Level::Key, 30, BEGAN, None, None), BEGAN + 30 * DAY);
        let visited = BEGAN + 10 * DAY;
        assert_eq!(
            due_at(Level::Key, 30, BEGAN, Some(visited), None),
            visited + 30 * DAY
        );
        // A hospital stay matters for a high-risk resident only, and only
        // when it came after the last contact.
        let stay = visited + DAY;
        assert_eq!(
            due_at(Level::High, 7, BEGAN, Some(visited), Some(stay)),
            stay + DAY
        );
        assert_eq!(
            due_at(Level::Key, 30, BEGAN, Some(visited), Some(stay)),
            visited + 30 * DAY
        );
        let before = visited - DAY;
        assert_eq!(
            due_at(Level::High, 7, BEGAN, Some(visited), Some(before)),
            visited + 7 * DAY
        );
        // A stay late in the week: the weekly contact comes first.
        let late = visited + 6 * DAY + 3600;
        assert_eq!(
            due_at(Level::High, 7, BEGAN, Some(visited), Some(late)),
            visited + 7 * DAY
        );
    }

    #[test]
    fn a_missed_contact_raises_one_alert_after_its_grace() {
        let due = BEGAN + 7 * DAY;
        assert!(!alert_now(due, 24, false, due), "due, not missed");
        assert!(
            !alert_now(due, 24, false, due + 24 * 3600),
            "still in grace"
        );
        assert!(alert_now(due, 24, false, due + 24 * 3600 + 1));
        assert!(
            !alert_now(due, 24, true, due + 48 * 3600),
            "already open: once"
        );
        assert!(alert_now(due, 0, false, due + 1), "no grace");
        assert!(
            alert_now(due, -5, false, due + 1),
            "a negative grace is none"
        );
    }

    #[test]
    fn check_ins_and_consent() {
        for c in CheckIn::ALL {
            assert_eq!(CheckIn::parse(c.as_str()), Some(c));
        }
        assert!(CheckIn::Visited.by_carer() && CheckIn::Called.by_carer());
        assert!(!CheckIn::Fine.by_carer() && !CheckIn::NeedsHelp.by_carer());
        assert_eq!(CheckIn::parse("waved"), None);
        assert_eq!(check_consent("written", Some(3)), Ok(()));
        assert_eq!(check_consent("spoken", Some(3)), Ok(()));
        assert_eq!(
            check_consent("written", None),
            Err("care-error-consent-who")
        );
        assert_eq!(check_consent("", Some(3)), Err("care-error-consent-how"));
        assert_eq!(
            check_consent("assumed", Some(3)),
            Err("care-error-consent-how")
        );
    }

    #[test]
    fn the_visit_rate_counts_residents_contacted_within_their_period() {
        let at = BEGAN + 40 * DAY;
        assert_eq!(visit_rate(&[], at), (0, 0));
        assert_eq!(percent(0, 0), None);
        let plans = [
            (Some(at - DAY), 7),
            (Some(at - 7 * DAY), 7),
            (Some(at - 7 * DAY - 1), 7),
            (None, 90),
            (Some(at - 31 * DAY), 30),
            (Some(at - 29 * DAY), 30),
        ];
        assert_eq!(
            visit_rate(&plans, at),
            (3, 6),
            "a day ago and exactly a week ago for weekly, 29 days for monthly; never contacted is not"
        );
        assert_eq!(percent(2, 4), Some(50));
        assert_eq!(percent(1, 3), Some(33));
        assert_eq!(percent(2, 3), Some(67));
        assert_eq!(percent(3, 3), Some(100));
    }

    #[test]
    fn only_the_resident_their_carers_the_team_and_the_secretary_have_a_seat() {
        let (resident, carer, backup) = (1, 2, Some(3));
        assert_eq!(
            seat(1, false, false, resident, carer, backup),
            Some(Seat::Resident)
        );
        assert_eq!(
            seat(2, false, false, resident, carer, backup),
            Some(Seat::Carer)
        );
        assert_eq!(
            seat(3, false, false, resident, carer, backup),
            Some(Seat::Carer)
        );
        assert_eq!(
            seat(4, false, true, resident, carer, backup),
            Some(Seat::Team)
        );
        assert_eq!(
            seat(5, true, false, resident, carer, backup),
            Some(Seat::Secretary)
        );
        assert_eq!(
            seat(6, false, false, resident, carer, backup),
            None,
            "reception, other staff, neighbours"
        );
        assert_eq!(seat(6, false, false, resident, carer, None), None);
        // A resident on the care team still sees their own plan as theirs.
        assert_eq!(
            seat(1, true, true, resident, carer, backup),
            Some(Seat::Resident)
        );
        assert!(!Seat::Resident.records_contact());
        assert!(Seat::Carer.records_contact() && !Seat::Carer.runs_plans());
        assert!(Seat::Team.runs_plans() && Seat::Secretary.runs_plans());
    }

    #[test]
    fn carers_are_staff_of_the_community_and_the_backup_is_someone_else() {
        let eligible = [2, 3, 4];
        assert_eq!(check_carers(1, 2, Some(3), &eligible), Ok(()));
        assert_eq!(check_carers(1, 2, None, &eligible), Ok(()));
        assert_eq!(
            check_carers(1, 1, None, &eligible),
            Err(("carer", "care-error-carer"))
        );
        assert_eq!(
            check_carers(1, 9, None, &eligible),
            Err(("carer", "care-error-carer"))
        );
        assert_eq!(
            check_carers(1, 2, Some(2), &eligible),
            Err(("backup", "care-error-backup"))
        );
        assert_eq!(
            check_carers(1, 2, Some(9), &eligible),
            Err(("backup", "care-error-backup"))
        );
        assert_eq!(check_grace("0"), Ok(0));
        assert_eq!(check_grace("72"), Ok(72));
        assert_eq!(check_grace("73"), Err("care-error-grace"));
        assert_eq!(check_grace("-1"), Err("care-error-grace"));
    }

    #[test]
    fn an_event_recorded_with_a_visit_still_brings_the_next_contact_within_a_day() {
        let visit = BEGAN + 3 * DAY;
        assert_eq!(
            due_at(Level::High, 7, BEGAN, Some(visit), Some(visit)),
            visit + DAY
        );
        assert_eq!(
            due_at(Level::High, 7, BEGAN, Some(visit), Some(visit - 1)),
            visit + 7 * DAY,
            "an event before the last contact was seen to"
        );
        assert_eq!(
            due_at(Level::Key, 30, BEGAN, Some(visit), Some(visit)),
            visit + 30 * DAY
        );
    }
}
