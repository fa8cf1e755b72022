//! Legal aid's rules: who may open a case, what each of them may do to it
//! in each state, and what a request for help must hold. Plain functions.

/// What a case is about.
pub const TOPICS: [&str; 6] = [
    "family",
    "labour",
    "housing",
    "consumer",
    "neighbours",
    "other",
];

/// How the resident wants to be reached.
pub const REACH: [&str; 3] = ["phone", "email", "desk"];

pub fn topic_key(topic: &str) -> String {
    format!("legal-topic-{topic}")
}

/// A case's states: asked (waiting for the lead), assigned (a volunteer
/// has it; appointments are booked in this state), closed (with its
/// outcome; the resident may rate it), withdrawn (by the resident).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Asked,
    Assigned,
    Closed,
    Withdrawn,
}

impl State {
    pub fn parse(s: &str) -> State {
        match s {
            "assigned" => State::Assigned,
            "closed" => State::Closed,
            "withdrawn" => State::Withdrawn,
            _ => State::Asked,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::Asked => "asked",
            State::Assigned => "assigned",
            State::Closed => "closed",
            State::Withdrawn => "withdrawn",
        }
    }

    pub fn key(self) -> String {
        format!("legal-state-{}", self.as_str())
    }

    pub const ALL: [State; 4] = [
        State::Asked,
        State::Assigned,
        State::Closed,
        State::Withdrawn,
    ];
}

/// Who someone is to a case. Nobody else may open it: not the secretary,
/// not reception, not another volunteer, not another community's staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The resident who asked for help.
    Resident,
    /// A volunteer lawyer assigned to it.
    Volunteer,
    /// A lead of the legal team of the case's community.
    Lead,
}

/// The facts that decide who someone is to a case.
#[derive(Debug, Clone)]
pub struct Seat<'a> {
    pub viewer_id: i64,
    pub viewer_community: i64,
    /// Whether the viewer leads the legal team of their community.
    pub viewer_leads_team: bool,
    pub case_community: i64,
    pub case_resident: Option<i64>,
    pub case_volunteers: &'a [i64],
}

/// Who the viewer is to the case, if anyone. The lead's part comes first:
/// a lead who is also assigned acts as the lead.
pub fn part(seat: &Seat) -> Option<Part> {
    if seat.viewer_community != seat.case_community {
        return None;
    }
    if seat.viewer_leads_team {
        return Some(Part::Lead);
    }
    if seat.case_volunteers.contains(&seat.viewer_id) {
        return Some(Part::Volunteer);
    }
    if seat.case_resident == Some(seat.viewer_id) {
        return Some(Part::Resident);
    }
    None
}

/// What can be done to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    Assign,
    /// Book one of the assigned volunteers' free hours.
    Book,
    /// Write a note, an outcome or a follow-up; add a document.
    Record,
    Close,
    Withdraw,
    Rate,
}

/// Whether someone in `part` may do `act` to a case in `state`.
pub fn may(part: Part, act: Act, state: State) -> bool {
    use Act::*;
    use Part::*;
    match (act, part) {
        (Assign, Lead) => matches!(state, State::Asked | State::Assigned),
        (Book, Resident | Lead) => state == State::Assigned,
        (Record, Volunteer | Lead) => state == State::Assigned,
        (Close, Volunteer | Lead) => state == State::Assigned,
        (Withdraw, Resident) => matches!(state, State::Asked | State::Assigned),
        (Rate, Resident) => state == State::Closed,
        _ => false,
    }
}

/// A request for help as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct Asked {
    pub topic: String,
    pub description: String,
    pub preferred_times: String,
    pub reach: String,
    pub reach_detail: String,
}

/// What is wrong with a request for help, field by field. `known_phone`
/// and `known_email` are the account's, used when none is typed.
pub fn check_asked(
    asked: &Asked,
    known_phone: Option<&str>,
    known_email: Option<&str>,
) -> Result<(String, String), Vec<(&'static str, &'static str)>> {
    let mut problems = Vec::new();
    if !TOPICS.contains(&asked.topic.as_str()) {
        problems.push(("topic", "legal-error-topic"));
    }
    let description = asked.description.trim();
    if description.is_empty() {
        problems.push(("description", "field-required"));
    } else if description.chars().count() > 4000 {
        problems.push(("description", "field-too-long"));
    }
    if asked.preferred_times.trim().chars().count() > 300 {
        problems.push(("preferred_times", "field-too-long"));
    }
    let typed = asked.reach_detail.trim();
    let detail = match asked.reach.as_str() {
        "phone" => {
            let phone = if typed.is_empty() {
                known_phone.unwrap_or("")
            } else {
                typed
            };
            if crate::web::forms::valid_phone(phone) {
                phone.to_string()
            } else {
                problems.push(("reach_detail", "legal-error-phone"));
                String::new()
            }
        }
        "email" => {
            let email = if typed.is_empty() {
                known_email.unwrap_or("")
            } else {
                typed
            };
            if crate::web::forms::valid_email(email) {
                email.to_string()
            } else {
                problems.push(("reach_detail", "legal-error-email"));
                String::new()
            }
        }
        "desk" => String::new(),
        _ => {
            problems.push(("reach", "legal-error-reach"));
            String::new()
        }
    };
    if problems.is_empty() {
        Ok((description.to_string(), detail))
    } else {
        Err(problems)
    }
}

/// A rating of the help: 1 to 5 stars.
pub fn rating(typed: &str) -> Option<i64> {
    typed
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=5).contains(n))
}

/// When a case of a closed account loses its personal data.
pub fn erase_after(closed_at: i64, keep_days: i64) -> i64 {
    closed_at + keep_days.max(0) * 86_400
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seat(viewer: i64, leads: bool, volunteers: &[i64]) -> Option<Part> {
        part(&Seat {
            viewer_id: viewer,
            viewer_community: 1,
            viewer_leads_team: leads,
            case_community: 1,
            case_resident: Some(10),
            case_volunteers: volunteers,
        })
    }

    #[test]
    fn only_the_resident_the_volunteers_and_the_lead_have_a_part() {
        assert_eq!(seat(10, false, &[20]), Some(Part::Resident));
        assert_eq!(seat(20, false, &[20]), Some(Part::Volunteer));
        assert_eq!(seat(30, true, &[20]), Some(Part::Lead));
        assert_eq!(
            seat(20, true, &[20]),
            Some(Part::Lead),
            "a lead assigned acts as lead"
        );
        assert_eq!(seat(21, false, &[20]), None, "another volunteer");
        assert_eq!(seat(99, false, &[]), None, "anyone else");
        // Another community's lead, even with the same ids, has no part.
        let outsider = Seat {
            viewer_id: 30,
            viewer_community: 2,
            viewer_leads_team: true,
            case_community: 1,
            case_resident: Some(30),
            case_volunteers: &[30],
        };
        assert_eq!(part(&outsider), None);
        // A case whose personal data is gone has no resident.
        let erased = Seat {
            viewer_id: 10,
            viewer_community: 1,
            viewer_leads_team: false,
            case_community: 1,
            case_resident: None,
            case_volunteers: &[],
        };
        assert_eq!(part(&erased), None);
    }

    #[test]
    fn each_part_acts_only_in_its_states() {
        use Act::*;
        use Part::*;
        assert!(may(Lead, Assign, State::Asked));
        assert!(may(Lead, Assign, State::Assigned), "a second volunteer");
        assert!(!may(Lead, Assign, State::Closed));
        assert!(!may(Volunteer, Assign, State::Asked));
        assert!(!may(Resident, Book, State::Asked), "no volunteer yet");
        assert!(may(Resident, Book, State::Assigned));
        assert!(!may(Volunteer, Book, State::Assigned));
        assert!(may(Volunteer, Record, State::Assigned));
        assert!(!may(Resident, Record, State::Assigned));
        assert!(!may(Volunteer, Record, State::Closed));
        assert!(may(Volunteer, Close, State::Assigned));
        assert!(!may(Resident, Close, State::Assigned));
        assert!(may(Resident, Withdraw, State::Asked));
        assert!(!may(Resident, Withdraw, State::Closed));
        assert!(!may(Lead, Withdraw, State::Asked));
        assert!(may(Resident, Rate, State::Closed));
        assert!(!may(Resident, Rate, State::Withdrawn));
        assert!(!may(Lead, Rate, State::Closed));
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), s);
        }
    }

    fn asked(reach: &str, detail: &str) -> Asked {
        Asked {
            topic: "housing".into(),
            description: "房东不退押金".into(),
            reach: reach.into(),
            reach_detail: detail.into(),
            ..Asked::default()
        }
    }

    #[test]
    fn a_request_for_help_needs_a_way_to_reach_the_resident() {
        assert_eq!(
            check_asked(&asked("", ""), None, None).unwrap_err(),
            [("reach", "legal-error-reach")]
        );
        assert_eq!(
            check_asked(&asked("phone", ""), None, None).unwrap_err(),
            [("reach_detail", "legal-error-phone")]
        );
        // The account's own phone serves when none is typed.
        assert_eq!(
            check_asked(&asked("phone", ""), Some("13912345678"), None)
                .unwrap()
                .1,
            "13912345678"
        );
        assert_eq!(
            check_asked(&asked("email", "not an address"), None, Some("a@b.cn")).unwrap_err(),
            [("reach_detail", "legal-error-email")]
        );
        assert_eq!(check_asked(&asked("desk", ""), None, None).unwrap().1, "");
        let mut empty = asked("desk", "");
        empty.description = "   ".into();
        empty.topic = "tax".into();
        assert_eq!(
            check_asked(&empty, None, None).unwrap_err(),
            [
                ("topic", "legal-error-topic"),
                ("description", "field-required")
            ]
        );
    }

    #[test]
    fn ratings_and_keeping() {
        assert_eq!(rating("5"), Some(5));
        assert_eq!(rating(" 1 "), Some(1));
        assert_eq!(rating("0"), None);
        assert_eq!(rating("6"), None);
        assert_eq!(rating("good"), None);
        assert_eq!(erase_after(1000, 0), 1000);
        assert_eq!(erase_after(1000, 2), 1000 + 2 * 86_400);
        assert_eq!(erase_after(1000, -5), 1000);
    }
}
