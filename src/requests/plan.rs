//! What one lifecycle step does, decided without the database: from the
//! request as it is, the change asked for, the time and the community's
//! working calendar, a plan of the new state, the deadlines, the history
//! entry and who is told. `store::apply` carries a plan out in one
//! transaction.

use crate::calendar::WorkCalendar;

use super::deadlines::{Deadlines, after_pause, working_calendar};
use super::lifecycle::{
    Action, Actor, TransitionError, counts_as_response, is_news_for_resident, news_key,
    next_status, rating_reopens,
};
use super::model::Status;
use super::record::RequestRow;

/// A change asked for by a person, with what they wrote.
#[derive(Debug, Clone)]
pub struct Change {
    pub action: Action,
    pub actor: Actor,
    /// Shown on the public timeline.
    pub public_message: String,
    pub internal_note: String,
    pub rating: Option<i64>,
}

/// The request after the step, and what goes with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// When the step is taken: every time it writes is this one.
    pub at: i64,
    pub from: Status,
    pub to: Status,
    pub deadlines: Deadlines,
    pub responded_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// Set while the request waits on the resident (the clocks stop).
    pub paused_since: Option<i64>,
    pub duplicate_of: Option<i64>,
    pub referred_to: String,
    pub rejection_reason: String,
    /// A new rating, when the step gives one.
    pub rating: Option<i64>,
    pub rating_comment: String,
    /// The history entry: its kind and the words neighbours and staff read.
    pub event_kind: &'static str,
    pub public_message: String,
    pub note: String,
    /// The resident answered, so the news reception had for them is heard.
    pub clears_desk_news: bool,
    /// Who is told.
    pub tell: Vec<Tell>,
    /// Screens show the request as solved.
    pub announce_resolved: bool,
    /// A low rating reopened it: it goes back to the workgroup's lead.
    pub back_to_lead: bool,
}

impl Plan {
    /// The request this one duplicates: its followers move there, and that
    /// request's history says so.
    pub fn merge_into(&self) -> Option<i64> {
        self.duplicate_of.filter(|_| self.to == Status::Duplicate)
    }
}

/// Someone the step is news for, and the message they get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tell {
    /// Reception, for a resident who hears news through the desk.
    Desk,
    /// The person who reported it (their account), with this message.
    Reporter(i64, &'static str),
    /// The reporter and everyone who follows it.
    Followers(&'static str),
    /// The leads of the request's workgroup.
    Leads(&'static str),
    /// The reporter by text message, with this message.
    Text(&'static str),
}

/// Whether deciding this step needs the community's working calendar:
/// only to give back the time a request waited on the resident.
pub fn needs_calendar(request: &RequestRow, change: &Change) -> bool {
    request.paused_since.is_some() && ends_pause(&change.action)
}

fn ends_pause(action: &Action) -> bool {
    matches!(
        action,
        Action::Resume
            | Action::Resolve
            | Action::Reject { .. }
            | Action::MarkDuplicate { .. }
            | Action::Refer { .. }
    )
}

/// Decides the step `change` on `request` at `at`, or why it cannot happen.
pub fn plan(
    request: &RequestRow,
    change: &Change,
    at: i64,
    calendar: Option<&WorkCalendar>,
) -> Result<Plan, TransitionError> {
    let from = request.status();
    let to = next_status(from, &change.action, change.actor)?;
    let mut deadlines = Deadlines {
        response_due: request.response_due_at,
        resolution_due: request.resolution_due_at,
    };
    if let Some(since) = request.paused_since.filter(|_| ends_pause(&change.action)) {
        deadlines = after_pause(
            deadlines,
            since,
            at,
            request.responded_at.is_some(),
            working_calendar(request.urgency(), calendar),
        );
    }
    // Reopened work, and work back from an outside body, gets as long
    // again as it had at first.
    if matches!(change.action, Action::Reopen | Action::ReferralAnswered) {
        let first_allowed = (request.resolution_due_at - request.created_at).max(0);
        deadlines.resolution_due = deadlines.resolution_due.max(at + first_allowed);
    }
    let responded_at = request
        .responded_at
        .or((change.actor == Actor::Staff && counts_as_response(to)).then_some(at));
    let resolved_at = match to {
        Status::Resolved => Some(at),
        Status::InProgress => None,
        _ => request.resolved_at,
    };
    let closed_at = match to {
        Status::Closed | Status::Rejected | Status::Duplicate | Status::Referred => Some(at),
        _ => None,
    };
    let (mut duplicate_of, mut referred_to, mut rejection_reason) = (
        request.duplicate_of,
        request.referred_to.clone(),
        request.rejection_reason.clone(),
    );
    match &change.action {
        Action::MarkDuplicate { of, .. } => duplicate_of = Some(*of),
        Action::Refer { to } => {
            duplicate_of = None;
            referred_to = to.trim().to_string();
        }
        Action::Reject { reason } => {
            duplicate_of = None;
            rejection_reason = reason.trim().to_string();
        }
        // A rejection or referral taken back no longer stands.
        Action::Reopen => {
            duplicate_of = None;
            referred_to.clear();
            rejection_reason.clear();
        }
        _ => {}
    }
    let typed = change.public_message.trim();
    let public_message = match &change.action {
        Action::Reject { reason } if typed.is_empty() => reason.trim().to_string(),
        Action::Refer { to } if typed.is_empty() => to.trim().to_string(),
        _ => typed.to_string(),
    };
    // A resident's own words (why it is not solved, their answer, their
    // rating's comment) are for the workgroup, not for neighbours: they go
    // in the note, which only staff and the reporter read.
    let (public_message, note) = if change.actor == Actor::Reporter {
        let words = [public_message.as_str(), change.internal_note.trim()]
            .into_iter()
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        (String::new(), words)
    } else {
        (public_message, change.internal_note.trim().to_string())
    };
    let back_to_lead = change.rating.is_some_and(rating_reopens) && to == Status::InProgress;
    let news = is_news_for_resident(&change.action, change.actor, !public_message.is_empty());
    let mut tell = Vec::new();
    if news && request.news_by_text() {
        tell.push(Tell::Text(news_key(&change.action)));
    }
    if news && request.news_through_desk() {
        tell.push(Tell::Desk);
    } else if news && let Some(reporter) = request.reporter_account_id {
        tell.push(Tell::Reporter(reporter, news_key(&change.action)));
    }
    if to == Status::Resolved {
        // Followers other than the reporter, who has their own message.
        tell.push(Tell::Followers("notify-resolved"));
    }
    if back_to_lead {
        tell.push(Tell::Leads("notify-low-rating"));
    }
    Ok(Plan {
        at,
        from,
        to,
        deadlines,
        responded_at,
        resolved_at,
        closed_at,
        paused_since: (to == Status::Waiting).then_some(at),
        duplicate_of,
        referred_to,
        rejection_reason,
        rating: change.rating,
        rating_comment: if change.rating.is_some() {
            change.internal_note.trim().to_string()
        } else {
            request.rating_comment.clone()
        },
        event_kind: if change.rating.is_some() {
            "rated"
        } else {
            change.action.name()
        },
        public_message,
        note,
        clears_desk_news: change.actor == Actor::Reporter,
        tell,
        announce_resolved: to == Status::Resolved && request.is_listed(),
        back_to_lead,
    })
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
