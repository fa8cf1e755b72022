//! What each entry of a request's history says: who did what, in words
//! the reader understands. The reporter's own steps are theirs, not the
//! team's.

/// The message key for a history entry: its kind, the status it led to,
/// who took the step (`reporter`, `system` or a staff role), and, for an
/// assignment, whether the member took it on themselves.
pub fn event_key(kind: &str, to: Option<&str>, actor_role: &str, self_assigned: bool) -> String {
    let by_reporter = actor_role == "reporter";
    let key = match (kind, to) {
        ("created", _) => "event-created",
        ("update", _) => "event-update",
        ("note", _) => "event-note",
        ("assigned", _) if self_assigned => "event-taken",
        ("assigned", _) => "event-assigned",
        ("merged", _) => "event-merged",
        ("followed", _) => "event-followed",
        ("escalated_lead", _) => "event-escalated-lead",
        ("escalated_secretary", _) => "event-escalated-secretary",
        ("close_unconfirmed", _) => "event-closed-unconfirmed",
        ("told_resident", _) => "event-told-resident",
        ("summarised", _) => "event-summarised",
        ("problem_fixed", _) => "event-problem-fixed",
        ("appointment_proposed", _) => "event-appointment-proposed",
        ("referral_answered", _) => "event-referral-answered",
        ("referral_due", _) => "event-referral-due",
        ("handed_to_duty", _) => "event-handed-to-duty",
        ("task_done", _) => "event-task-done",
        ("appointment_agreed", _) => "event-appointment-agreed",
        ("appointment_moved", _) => "event-appointment-moved",
        ("rated", Some("in_progress")) => "event-rated-reopened",
        ("rated", _) => "event-rated",
        ("resume", _) if by_reporter => "event-resident-answered",
        ("reopen", _) if by_reporter => "event-resident-not-solved",
        ("confirm", _) if by_reporter => "event-resident-confirmed",
        ("reopen", _) => "event-reopened",
        (_, Some(to)) => return format!("event-to-{}", to.replace('_', "-")),
        _ => "event-update",
    };
    key.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_residents_own_steps_are_theirs_not_the_teams() {
        assert_eq!(
            event_key("resume", Some("in_progress"), "reporter", false),
            "event-resident-answered"
        );
        assert_eq!(
            event_key("reopen", Some("in_progress"), "reporter", false),
            "event-resident-not-solved"
        );
        assert_eq!(
            event_key("resume", Some("in_progress"), "lead", false),
            "event-to-in-progress",
            "the team resuming is the team working on it"
        );
        assert_eq!(
            event_key("reopen", Some("in_progress"), "admin", false),
            "event-reopened"
        );
    }

    #[test]
    fn a_visits_time_is_offered_by_the_team_and_answered_by_the_resident() {
        assert_eq!(
            event_key("appointment_proposed", None, "member", false),
            "event-appointment-proposed"
        );
        assert_eq!(
            event_key("appointment_moved", None, "reporter", false),
            "event-appointment-moved"
        );
    }

    #[test]
    fn taking_a_request_on_is_not_handing_it_over() {
        assert_eq!(event_key("assigned", None, "lead", true), "event-taken");
        assert_eq!(event_key("assigned", None, "lead", false), "event-assigned");
    }

    #[test]
    fn status_changes_say_where_they_led() {
        assert_eq!(
            event_key("respond", Some("responded"), "member", false),
            "event-to-responded"
        );
        assert_eq!(
            event_key("ask", Some("waiting"), "member", false),
            "event-to-waiting"
        );
        assert_eq!(event_key("mystery", None, "member", false), "event-update");
        assert_eq!(
            event_key("rated", Some("closed"), "reporter", false),
            "event-rated"
        );
    }
}
