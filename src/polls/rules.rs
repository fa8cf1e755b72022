//! What decides a poll: whether it is open, whether its results may be
//! shown, what a ballot may mark, whose ballot it is, and turnout.

/// Where a poll stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    NotYet,
    Open,
    Closed,
}

impl Stage {
    pub fn at(opens_at: i64, closes_at: i64, now: i64) -> Stage {
        if now < opens_at {
            Stage::NotYet
        } else if now < closes_at {
            Stage::Open
        } else {
            Stage::Closed
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::NotYet => "not-yet",
            Stage::Open => "open",
            Stage::Closed => "closed",
        }
    }
}

/// Results are shown once the poll closes, or all along if it says live.
pub fn results_shown(live: bool, stage: Stage) -> bool {
    stage == Stage::Closed || (live && stage != Stage::NotYet)
}

/// One question of a ballot: the choices it offers, whether several may
/// be marked, and what was marked.
pub struct Marked<'a> {
    pub offered: &'a [i64],
    pub multiple: bool,
    pub chosen: &'a [i64],
}

/// Checks a whole ballot: every question answered, only its own choices,
/// one choice where only one is allowed. The message key of what is wrong.
pub fn check_ballot(questions: &[Marked<'_>]) -> Result<(), &'static str> {
    if questions.is_empty() {
        return Err("poll-no-questions");
    }
    for q in questions {
        if q.chosen.is_empty() {
            return Err("poll-answer-every-question");
        }
        if q.chosen.iter().any(|c| !q.offered.contains(c)) {
            return Err("poll-choice-unknown");
        }
        let mut distinct = q.chosen.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() != q.chosen.len() {
            return Err("poll-choice-unknown");
        }
        if !q.multiple && q.chosen.len() > 1 {
            return Err("poll-one-choice");
        }
    }
    Ok(())
}

/// Whose ballot a vote is: the household's (its flat) or the person's.
/// None when a household poll has no household to count it for.
pub fn voter(per: &str, account_id: i64, household: Option<i64>) -> Option<String> {
    match per {
        "household" => household.map(|h| format!("h:{h}")),
        _ => Some(format!("a:{account_id}")),
    }
}

/// A ballot's marks as stored: the choices' ids, comma-separated.
pub fn marks_text(choices: &[i64]) -> String {
    choices
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Counts each choice's marks over stored ballots; what cannot be read is
/// not counted.
pub fn tally<'a>(
    ballots: impl IntoIterator<Item = &'a str>,
) -> std::collections::HashMap<i64, i64> {
    let mut counts = std::collections::HashMap::new();
    for ballot in ballots {
        for choice in ballot
            .split(',')
            .filter_map(|c| c.trim().parse::<i64>().ok())
        {
            *counts.entry(choice).or_insert(0) += 1;
        }
    }
    counts
}

/// Turnout in whole per cent, rounded down; none when nobody could vote.
pub fn turnout_percent(voted: i64, could: i64) -> Option<i64> {
    (could > 0).then(|| (voted.min(could) * 100) / could)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poll_is_open_from_its_opening_until_its_closing() {
        assert_eq!(Stage::at(100, 200, 99), Stage::NotYet);
        assert_eq!(Stage::at(100, 200, 100), Stage::Open, "opens on the second");
        assert_eq!(Stage::at(100, 200, 199), Stage::Open);
        assert_eq!(
            Stage::at(100, 200, 200),
            Stage::Closed,
            "closed on the second"
        );
    }

    #[test]
    fn results_wait_for_the_close_unless_live() {
        assert!(!results_shown(false, Stage::Open));
        assert!(results_shown(false, Stage::Closed));
        assert!(results_shown(true, Stage::Open));
        assert!(
            !results_shown(true, Stage::NotYet),
            "nothing to show before it opens"
        );
    }

    #[test]
    fn a_ballot_answers_each_question_with_its_own_choices() {
        let one = Marked {
            offered: &[1, 2, 3],
            multiple: false,
            chosen: &[2],
        };
        assert_eq!(check_ballot(&[one]), Ok(()));
        let none = Marked {
            offered: &[1, 2],
            multiple: false,
            chosen: &[],
        };
        assert_eq!(check_ballot(&[none]), Err("poll-answer-every-question"));
        let stranger = Marked {
            offered: &[1, 2],
            multiple: false,
            chosen: &[9],
        };
        assert_eq!(check_ballot(&[stranger]), Err("poll-choice-unknown"));
        let two = Marked {
            offered: &[1, 2],
            multiple: false,
            chosen: &[1, 2],
        };
        assert_eq!(check_ballot(&[two]), Err("poll-one-choice"));
        let several = Marked {
            offered: &[1, 2, 3],
            multiple: true,
            chosen: &[1, 3],
        };
        assert_eq!(check_ballot(&[several]), Ok(()));
        let twice = Marked {
            offered: &[1, 2],
            multiple: true,
            chosen: &[1, 1],
        };
        assert_eq!(
            check_ballot(&[twice]),
            Err("poll-choice-unknown"),
            "one choice counts once"
        );
        assert_eq!(check_ballot(&[]), Err("poll-no-questions"));
        let first = Marked {
            offered: &[1, 2],
            multiple: false,
            chosen: &[1],
        };
        let other = Marked {
            offered: &[3, 4],
            multiple: false,
            chosen: &[1],
        };
        assert_eq!(
            check_ballot(&[first, other]),
            Err("poll-choice-unknown"),
            "a choice of another question does not count"
        );
    }

    #[test]
    fn a_household_votes_once_whoever_votes() {
        assert_eq!(voter("household", 7, Some(42)), Some("h:42".into()));
        assert_eq!(
            voter("household", 8, Some(42)),
            Some("h:42".into()),
            "the same ballot"
        );
        assert_eq!(
            voter("household", 7, None),
            None,
            "no household, no household vote"
        );
        assert_eq!(voter("resident", 7, Some(42)), Some("a:7".into()));
        assert_eq!(voter("resident", 7, None), Some("a:7".into()));
    }

    #[test]
    fn marks_are_stored_and_counted() {
        assert_eq!(marks_text(&[12]), "12");
        assert_eq!(marks_text(&[12, 15]), "12,15");
        let counts = tally(["12", "12,15", "15", "", "x,15"]);
        assert_eq!(counts.get(&12), Some(&2));
        assert_eq!(
            counts.get(&15),
            Some(&3),
            "an unreadable mark is skipped, the rest count"
        );
        assert_eq!(counts.get(&99), None);
    }

    #[test]
    fn turnout() {
        assert_eq!(turnout_percent(0, 0), None);
        assert_eq!(turnout_percent(1, 3), Some(33));
        assert_eq!(turnout_percent(3, 3), Some(100));
        assert_eq!(turnout_percent(5, 3), Some(100), "never above all");
    }
}
