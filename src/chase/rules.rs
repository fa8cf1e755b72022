//! When the scheduler acts on a request: plain functions of the request's
//! times, tested on hand-made cases.

/// A reminder goes out when a fifth of the time is left, but never more
/// than a day before the deadline.
pub fn remind_at(started: i64, due: i64) -> i64 {
    let window = (due - started).max(0);
    due - (window / 5).min(EARLIEST_REMINDER)
}

/// How long before a deadline its reminder can come at the earliest.
pub const EARLIEST_REMINDER: i64 = 86_400;

/// Past its deadline the lead hears of it; at twice the time allowed, the
/// secretary.
pub fn secretary_at(started: i64, due: i64) -> i64 {
    due + (due - started).max(0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Remind,
    EscalateToLead,
    EscalateToSecretary,
}

/// What is due for one clock at `now`, the most serious first. A clock
/// that has stopped (answered, solved, paused) has nothing due.
pub fn due_steps(started: i64, due: i64, stopped: bool, now: i64) -> Vec<Step> {
    if stopped {
        return Vec::new();
    }
    let mut steps = Vec::new();
    if now >= secretary_at(started, due) {
        steps.push(Step::EscalateToSecretary);
    }
    if now >= due {
        steps.push(Step::EscalateToLead);
    }
    if now >= remind_at(started, due) && now < due {
        steps.push(Step::Remind);
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600;

    #[test]
    fn reminders_come_with_a_fifth_left_at_most_a_day_ahead() {
        assert_eq!(remind_at(0, 10 * H), 8 * H);
        assert_eq!(
            remind_at(0, 30 * 24 * H),
            29 * 24 * H,
            "a month: the day before"
        );
        assert_eq!(remind_at(100, 100), 100, "no time at all");
    }

    #[test]
    fn nothing_is_due_early_or_when_stopped() {
        assert!(due_steps(0, 10 * H, false, H).is_empty());
        assert!(due_steps(0, 10 * H, true, 100 * H).is_empty());
    }

    #[test]
    fn the_steps_in_time() {
        assert_eq!(due_steps(0, 10 * H, false, 9 * H), vec![Step::Remind]);
        assert_eq!(
            due_steps(0, 10 * H, false, 10 * H),
            vec![Step::EscalateToLead]
        );
        assert_eq!(
            due_steps(0, 10 * H, false, 19 * H),
            vec![Step::EscalateToLead]
        );
        assert_eq!(
            due_steps(0, 10 * H, false, 20 * H),
            vec![Step::EscalateToSecretary, Step::EscalateToLead]
        );
    }

    #[test]
    fn a_server_down_for_days_catches_up_with_everything_that_is_due() {
        // Nothing ran while the deadline came and went twice over.
        let steps = due_steps(0, 10 * H, false, 1_000 * H);
        assert!(
            steps.contains(&Step::EscalateToLead) && steps.contains(&Step::EscalateToSecretary)
        );
        assert!(
            !steps.contains(&Step::Remind),
            "a reminder after the deadline says nothing new"
        );
    }
}
