//! The request's lifecycle as a state machine:
//!
//! submitted → responded → in progress → resolved → closed (confirmed),
//! with waiting on the resident (the clock pauses), reopen, rejected (reason
//! required), duplicate of another, and referred to an outside body.

use super::model::Status;

/// Who asks for a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The person who reported it (signed in or holding the secret link).
    Reporter,
    /// A handler: a member of the workgroup, or the administrator.
    Staff,
    /// The scheduler.
    System,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// First answer to the resident ("we have it, we will come tomorrow").
    Respond,
    Start,
    /// Ask the resident a question; the clock pauses until they answer.
    AskResident,
    /// The resident answered (or staff resumes).
    Resume,
    Resolve,
    /// The resident says it is solved.
    Confirm,
    Reopen,
    Reject {
        reason: String,
    },
    MarkDuplicate {
        of: i64,
        this: i64,
    },
    Refer {
        to: String,
    },
    /// The outside body answered a referral: back to the team to finish.
    ReferralAnswered,
    /// Resolved and never confirmed within the allowed time.
    CloseUnconfirmed,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("this step is not possible now")]
    NotNow,
    #[error("you may not take this step")]
    NotYours,
    #[error("a reason is required")]
    ReasonRequired,
    #[error("name the body it is referred to")]
    ReferralRequired,
    #[error("a request cannot duplicate itself")]
    SelfDuplicate,
}

impl TransitionError {
    pub fn key(&self) -> &'static str {
        match self {
            TransitionError::NotNow => "transition-not-now",
            TransitionError::NotYours => "transition-not-yours",
            TransitionError::ReasonRequired => "transition-reason-required",
            TransitionError::ReferralRequired => "transition-referral-required",
            TransitionError::SelfDuplicate => "transition-self-duplicate",
        }
    }
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Respond => "respond",
            Action::Start => "start",
            Action::AskResident => "ask",
            Action::Resume => "resume",
            Action::Resolve => "resolve",
            Action::Confirm => "confirm",
            Action::Reopen => "reopen",
            Action::Reject { .. } => "reject",
            Action::MarkDuplicate { .. } => "duplicate",
            Action::Refer { .. } => "refer",
            Action::ReferralAnswered => "referral_answered",
            Action::CloseUnconfirmed => "close_unconfirmed",
        }
    }

    fn allowed_for(&self, actor: Actor) -> bool {
        match self {
            Action::Confirm => actor == Actor::Reporter,
            Action::Resume | Action::Reopen => matches!(actor, Actor::Reporter | Actor::Staff),
            Action::CloseUnconfirmed => actor == Actor::System,
            _ => actor == Actor::Staff,
        }
    }
}

/// The status after `action`, or why it cannot happen.
pub fn next_status(from: Status, action: &Action, actor: Actor) -> Result<Status, TransitionError> {
    use Status::*;
    if !action.allowed_for(actor) {
        return Err(TransitionError::NotYours);
    }
    match action {
        Action::Reject { reason } if reason.trim().is_empty() => {
            return Err(TransitionError::ReasonRequired);
        }
        Action::Refer { to } if to.trim().is_empty() => {
            return Err(TransitionError::ReferralRequired);
        }
        Action::MarkDuplicate { of, this } if of == this => {
            return Err(TransitionError::SelfDuplicate);
        }
        _ => {}
    }
    let to = match (action, from) {
        (Action::Respond, Submitted) => Responded,
        (Action::Start, Submitted | Responded) => InProgress,
        (Action::AskResident, Submitted | Responded | InProgress) => Waiting,
        (Action::Resume, Waiting) => InProgress,
        (Action::Resolve, Submitted | Responded | InProgress | Waiting | Referred) => Resolved,
        (Action::ReferralAnswered, Referred) => InProgress,
        (Action::Confirm, Resolved) => Closed,
        (Action::CloseUnconfirmed, Resolved) => Closed,
        // The resident may reopen what was resolved or closed; staff may
        // also take back a rejection or a referral.
        (Action::Reopen, Resolved | Closed) => InProgress,
        (Action::Reopen, Rejected | Referred) if actor == Actor::Staff => InProgress,
        (Action::Reject { .. }, s) if s.is_open() => Rejected,
        (Action::MarkDuplicate { .. }, s) if s.is_open() => Duplicate,
        (Action::Refer { .. }, s) if s.is_open() => Referred,
        _ => return Err(TransitionError::NotNow),
    };
    Ok(to)
}

/// Whether this step answers the resident for the first time (it stops the
/// response clock).
pub fn counts_as_response(to: Status) -> bool {
    !matches!(to, Status::Submitted)
}

/// Whether a step is news the resident should hear of: a decision by the
/// team, or anything it says publicly. What the resident does themselves,
/// and closing a request they never confirmed, is not.
pub fn is_news_for_resident(action: &Action, actor: Actor, says_something: bool) -> bool {
    match (actor, action) {
        (Actor::Reporter, _) | (_, Action::CloseUnconfirmed | Action::Confirm) => false,
        (
            _,
            Action::Respond
            | Action::AskResident
            | Action::Resolve
            | Action::Reject { .. }
            | Action::MarkDuplicate { .. }
            | Action::Refer { .. },
        ) => true,
        _ => says_something,
    }
}

/// The message the reporter gets for a step that is news to them: what
/// happened, and what, if anything, they should do.
pub fn news_key(action: &Action) -> &'static str {
    match action {
        Action::Respond => "notify-responded",
        Action::Start => "notify-started",
        Action::AskResident => "notify-question",
        Action::Resolve => "notify-resolved-yours",
        Action::Reject { .. } => "notify-rejected",
        Action::MarkDuplicate { .. } => "notify-merged",
        Action::Refer { .. } => "notify-referred",
        Action::Reopen => "notify-reopened",
        _ => "notify-update",
    }
}

/// A rating of this or lower reopens the request to the workgroup lead.
pub const REOPEN_AT_OR_BELOW: i64 = 2;

pub fn rating_reopens(rating: i64) -> bool {
    rating <= REOPEN_AT_OR_BELOW
}

pub fn valid_rating(rating: i64) -> bool {
    (1..=5).contains(&rating)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn news_for_the_resident_is_what_the_team_decides_or_says() {
        let news = |a: Action, actor: Actor, says: bool| is_news_for_resident(&a, actor, says);
        assert!(news(Action::Respond, Actor::Staff, true));
        assert!(news(Action::Resolve, Actor::Staff, false));
        assert!(news(Action::AskResident, Actor::Staff, false));
        assert!(news(
            Action::Refer {
                to: "街道".into()
            },
            Actor::Staff,
            false
        ));
        assert!(news(Action::Start, Actor::Staff, true));
        assert!(
            !news(Action::Start, Actor::Staff, false),
            "taking it quietly is not news"
        );
        assert!(
            !news(Action::Resume, Actor::Reporter, true),
            "their own answer"
        );
        assert!(!news(Action::Reopen, Actor::Reporter, true));
        assert!(
            !news(Action::Confirm, Actor::Staff, true),
            "confirmed for them at the desk"
        );
        assert!(!news(Action::CloseUnconfirmed, Actor::System, false));
    }

    fn staff(from: Status, a: Action) -> Result<Status, TransitionError> {
        next_status(from, &a, Actor::Staff)
    }

    #[test]
    fn the_happy_path() {
        assert_eq!(staff(Submitted, Action::Respond), Ok(Responded));
        assert_eq!(staff(Responded, Action::Start), Ok(InProgress));
        assert_eq!(staff(InProgress, Action::Resolve), Ok(Resolved));
        assert_eq!(
            next_status(Resolved, &Action::Confirm, Actor::Reporter),
            Ok(Closed)
        );
    }

    #[test]
    fn terminal_states_refuse_work() {
        for from in [Closed, Rejected, Duplicate, Referred] {
            if from != Referred {
                // A referral waits on an answer that may solve it.
                assert_eq!(staff(from, Action::Resolve), Err(TransitionError::NotNow));
            }
            assert_eq!(staff(from, Action::Start), Err(TransitionError::NotNow));
            assert_eq!(
                staff(from, Action::Reject { reason: "x".into() }),
                Err(TransitionError::NotNow)
            );
        }
        assert_eq!(
            staff(Duplicate, Action::Reopen),
            Err(TransitionError::NotNow)
        );
    }

    #[test]
    fn only_the_reporter_confirms_and_only_staff_resolve() {
        assert_eq!(
            staff(Resolved, Action::Confirm),
            Err(TransitionError::NotYours)
        );
        assert_eq!(
            next_status(InProgress, &Action::Resolve, Actor::Reporter),
            Err(TransitionError::NotYours)
        );
        assert_eq!(
            next_status(Resolved, &Action::CloseUnconfirmed, Actor::Staff),
            Err(TransitionError::NotYours)
        );
        assert_eq!(
            next_status(Resolved, &Action::CloseUnconfirmed, Actor::System),
            Ok(Closed)
        );
    }

    #[test]
    fn confirm_needs_a_resolution_first() {
        for from in [Submitted, Responded, InProgress, Waiting, Closed] {
            assert_eq!(
                next_status(from, &Action::Confirm, Actor::Reporter),
                Err(TransitionError::NotNow)
            );
        }
    }

    #[test]
    fn reopen_rules() {
        assert_eq!(
            next_status(Resolved, &Action::Reopen, Actor::Reporter),
            Ok(InProgress)
        );
        assert_eq!(
            next_status(Closed, &Action::Reopen, Actor::Reporter),
            Ok(InProgress)
        );
        assert_eq!(
            next_status(Rejected, &Action::Reopen, Actor::Reporter),
            Err(TransitionError::NotNow)
        );
        assert_eq!(staff(Rejected, Action::Reopen), Ok(InProgress));
        assert_eq!(staff(Referred, Action::Reopen), Ok(InProgress));
        assert_eq!(
            staff(InProgress, Action::Reopen),
            Err(TransitionError::NotNow)
        );
    }

    #[test]
    fn waiting_pauses_and_resumes() {
        assert_eq!(staff(InProgress, Action::AskResident), Ok(Waiting));
        assert_eq!(
            staff(Waiting, Action::AskResident),
            Err(TransitionError::NotNow)
        );
        assert_eq!(
            next_status(Waiting, &Action::Resume, Actor::Reporter),
            Ok(InProgress)
        );
        assert_eq!(staff(Waiting, Action::Resolve), Ok(Resolved));
        assert_eq!(
            staff(InProgress, Action::Resume),
            Err(TransitionError::NotNow)
        );
    }

    #[test]
    fn reasons_are_required_and_checked_before_the_state() {
        assert_eq!(
            staff(
                Submitted,
                Action::Reject {
                    reason: "  ".into()
                }
            ),
            Err(TransitionError::ReasonRequired)
        );
        assert_eq!(
            staff(
                Submitted,
                Action::Reject {
                    reason: "not ours".into()
                }
            ),
            Ok(Rejected)
        );
        assert_eq!(
            staff(Submitted, Action::Refer { to: "".into() }),
            Err(TransitionError::ReferralRequired)
        );
        assert_eq!(
            staff(
                InProgress,
                Action::Refer {
                    to: "Street office".into()
                }
            ),
            Ok(Referred)
        );
        assert_eq!(
            staff(Submitted, Action::MarkDuplicate { of: 7, this: 7 }),
            Err(TransitionError::SelfDuplicate)
        );
        assert_eq!(
            staff(Waiting, Action::MarkDuplicate { of: 7, this: 8 }),
            Ok(Duplicate)
        );
    }

    #[test]
    fn a_referral_waits_on_the_outside_body_and_comes_back() {
        // The answer sends it back to the team, or it is solved there.
        assert_eq!(staff(Referred, Action::ReferralAnswered), Ok(InProgress));
        assert_eq!(staff(Referred, Action::Resolve), Ok(Resolved));
        // Only a referral can be answered, and only by staff.
        for from in [
            Submitted, Responded, InProgress, Waiting, Resolved, Closed, Rejected, Duplicate,
        ] {
            assert_eq!(
                staff(from, Action::ReferralAnswered),
                Err(TransitionError::NotNow),
                "{from:?}"
            );
        }
        assert_eq!(
            next_status(Referred, &Action::ReferralAnswered, Actor::Reporter),
            Err(TransitionError::NotYours)
        );
        // Still not something to refer twice, nor to resolve once closed.
        assert_eq!(
            staff(
                Referred,
                Action::Refer {
                    to: "Water company".into()
                }
            ),
            Err(TransitionError::NotNow)
        );
        assert_eq!(staff(Closed, Action::Resolve), Err(TransitionError::NotNow));
    }

    #[test]
    fn respond_only_from_submitted() {
        assert_eq!(
            staff(Responded, Action::Respond),
            Err(TransitionError::NotNow)
        );
        assert_eq!(
            staff(Resolved, Action::Respond),
            Err(TransitionError::NotNow)
        );
    }

    #[test]
    fn ratings() {
        assert!(!valid_rating(0));
        assert!(valid_rating(1));
        assert!(valid_rating(5));
        assert!(!valid_rating(6));
        assert!(rating_reopens(1));
        assert!(rating_reopens(2));
        assert!(!rating_reopens(3));
    }
}
