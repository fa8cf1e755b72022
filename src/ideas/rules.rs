//! What decides an idea's way: when it reaches the branch's agenda, which
//! answers may follow which, what an answer must say, and which posts wait
//! for a moderator.

/// The states an idea can be in, in the order they usually come.
pub const STATES: [&str; 5] = ["open", "under_study", "planned", "done", "declined"];

/// The answers a workgroup can give.
pub const ANSWERS: [&str; 4] = ["under_study", "planned", "done", "declined"];

/// The longest title, text, comment and answer, in characters.
pub const TITLE_MAX: usize = 80;
pub const BODY_MAX: usize = 2000;
pub const COMMENT_MAX: usize = 1000;
pub const ANSWER_MAX: usize = 1000;

/// How many supports put an idea on the agenda: `supports` (0 for no such
/// rule) or `percent` of the `households` (0 for no such rule), whichever
/// is fewer; never fewer than one. None when neither rule is set.
pub fn threshold(supports: i64, percent: i64, households: i64) -> Option<i64> {
    let by_count = (supports > 0).then_some(supports);
    let by_share = (percent > 0 && households > 0).then(|| (percent * households + 99) / 100);
    match (by_count, by_share) {
        (Some(a), Some(b)) => Some(a.min(b).max(1)),
        (a, b) => a.or(b).map(|n| n.max(1)),
    }
}

/// Whether an idea with `supports` has reached the agenda.
pub fn reached(supports: i64, threshold: Option<i64>) -> bool {
    threshold.is_some_and(|t| supports >= t)
}

/// Whether a workgroup may answer `to` on an idea now in `from`: a done
/// idea is finished; a declined one may be reconsidered.
pub fn may_answer(from: &str, to: &str) -> bool {
    ANSWERS.contains(&to) && STATES.contains(&from) && from != "done" && from != to
        || (from == to && to == "planned")
}

/// What an answer must carry: a reason to decline, a date for a plan, a
/// photo for work done. The message key of what is missing.
pub fn check_answer(
    to: &str,
    body: &str,
    planned_for: Option<jiff::civil::Date>,
    photos: usize,
) -> Result<(), &'static str> {
    match to {
        "declined" if body.trim().is_empty() => Err("idea-answer-needs-reason"),
        "planned" if planned_for.is_none() => Err("idea-answer-needs-date"),
        "done" if photos == 0 => Err("idea-answer-needs-photo"),
        _ if body.chars().count() > ANSWER_MAX => Err("field-too-long"),
        _ => Ok(()),
    }
}

/// The held words a post contains, from the administrator's list (one a
/// line, or separated by commas), compared without case.
pub fn held_words<'a>(list: &'a str, text: &str) -> Vec<&'a str> {
    let text = text.to_lowercase();
    list.split(['\n', ',', '，'])
        .map(str::trim)
        .filter(|w| !w.is_empty() && text.contains(&w.to_lowercase()))
        .collect()
}

/// Whether an idea was answered within `days` of being posted.
pub fn answered_within(created_at: i64, first_answer_at: Option<i64>, days: i64) -> bool {
    first_answer_at.is_some_and(|at| at - created_at <= days * 86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_is_the_fewer_of_count_and_share() {
        assert_eq!(threshold(0, 0, 500), None, "no rule, no agenda");
        assert_eq!(threshold(30, 0, 500), Some(30));
        assert_eq!(threshold(0, 5, 500), Some(25));
        assert_eq!(threshold(30, 5, 500), Some(25), "5 % of 500 is fewer");
        assert_eq!(threshold(30, 5, 1000), Some(30), "30 is fewer than 50");
        assert_eq!(threshold(0, 5, 10), Some(1), "a share rounds up");
        assert_eq!(threshold(0, 5, 0), None, "no households, no share");
        assert_eq!(threshold(30, 5, 0), Some(30));
        assert_eq!(threshold(0, 1, 1), Some(1));
    }

    #[test]
    fn reaching_the_threshold() {
        assert!(!reached(29, Some(30)));
        assert!(reached(30, Some(30)), "exactly the threshold reaches it");
        assert!(!reached(10_000, None));
    }

    #[test]
    fn which_answers_may_follow() {
        assert!(may_answer("open", "under_study"));
        assert!(may_answer("open", "declined"));
        assert!(may_answer("planned", "done"));
        assert!(may_answer("planned", "planned"), "a plan's date may change");
        assert!(
            may_answer("declined", "under_study"),
            "a no can be reconsidered"
        );
        assert!(!may_answer("done", "planned"), "done is finished");
        assert!(!may_answer("under_study", "under_study"));
        assert!(!may_answer("open", "open"));
        assert!(!may_answer("open", "nonsense"));
    }

    #[test]
    fn what_an_answer_must_carry() {
        let day = jiff::civil::date(2027, 3, 1);
        assert_eq!(
            check_answer("declined", "  ", None, 0),
            Err("idea-answer-needs-reason")
        );
        assert_eq!(check_answer("declined", "No room", None, 0), Ok(()));
        assert_eq!(
            check_answer("planned", "", None, 0),
            Err("idea-answer-needs-date")
        );
        assert_eq!(check_answer("planned", "", Some(day), 0), Ok(()));
        assert_eq!(
            check_answer("done", "Fitted", None, 0),
            Err("idea-answer-needs-photo")
        );
        assert_eq!(check_answer("done", "", None, 1), Ok(()));
        assert_eq!(check_answer("under_study", "", None, 0), Ok(()));
        let long = "字".repeat(ANSWER_MAX + 1);
        assert_eq!(
            check_answer("under_study", &long, None, 0),
            Err("field-too-long")
        );
    }

    #[test]
    fn held_words_are_found_without_case() {
        let list = "骗子\nSpam, 广告，";
        assert_eq!(held_words(list, "这是广告"), vec!["广告"]);
        assert_eq!(held_words(list, "Buy SPAM now"), vec!["Spam"]);
        assert!(held_words(list, "多种些花").is_empty());
        assert!(held_words("", "anything").is_empty());
        assert!(
            held_words(" \n , ", "anything").is_empty(),
            "blank entries hold nothing"
        );
    }

    #[test]
    fn answered_within_thirty_days() {
        assert!(answered_within(0, Some(30 * 86_400), 30));
        assert!(!answered_within(0, Some(30 * 86_400 + 1), 30));
        assert!(!answered_within(0, None, 30));
    }
}
