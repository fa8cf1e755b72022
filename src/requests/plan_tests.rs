//! The lifecycle's plans on hand-made requests, edge cases first.

use super::*;
use crate::requests::deadlines::{DAY, HOUR};

const CREATED: i64 = 1_800_000_000;

/// A public request of a resident who follows it on the site, made at
/// `CREATED` with a day to answer and a week to resolve.
fn request(status: &str) -> RequestRow {
    RequestRow {
        id: 7,
        community_id: 1,
        tracking_code: "38412957".into(),
        kind: "report".into(),
        urgency: "general".into(),
        channel: "web".into(),
        visibility: "public".into(),
        contact_preference: "site".into(),
        status: status.into(),
        reporter_account_id: Some(40),
        created_at: CREATED,
        updated_at: CREATED,
        response_due_at: CREATED + DAY,
        resolution_due_at: CREATED + 7 * DAY,
        ..RequestRow::default()
    }
}

fn change(action: Action, actor: Actor) -> Change {
    Change {
        action,
        actor,
        public_message: String::new(),
        internal_note: String::new(),
        rating: None,
    }
}

fn staff(action: Action) -> Change {
    change(action, Actor::Staff)
}

#[test]
fn a_step_that_cannot_happen_makes_no_plan() {
    let at = CREATED + HOUR;
    assert_eq!(
        plan(
            &request("submitted"),
            &change(Action::Confirm, Actor::Reporter),
            at,
            None
        ),
        Err(TransitionError::NotNow)
    );
    assert_eq!(
        plan(&request("resolved"), &staff(Action::Confirm), at, None),
        Err(TransitionError::NotYours)
    );
    let blank = Action::Reject {
        reason: "  ".into(),
    };
    assert_eq!(
        plan(&request("submitted"), &staff(blank), at, None),
        Err(TransitionError::ReasonRequired)
    );
    let itself = Action::MarkDuplicate { of: 7, this: 7 };
    assert_eq!(
        plan(&request("submitted"), &staff(itself), at, None),
        Err(TransitionError::SelfDuplicate)
    );
}

#[test]
fn waiting_on_the_resident_stops_the_clocks_and_answering_gives_the_time_back() {
    let asked_at = CREATED + 2 * HOUR;
    let asked = plan(
        &request("responded"),
        &staff(Action::AskResident),
        asked_at,
        None,
    )
    .unwrap();
    assert_eq!(asked.to, Status::Waiting);
    assert_eq!(asked.paused_since, Some(asked_at));
    assert_eq!(asked.tell, vec![Tell::Reporter(40, "notify-question")]);

    let mut waiting = request("waiting");
    waiting.paused_since = Some(asked_at);
    waiting.responded_at = Some(CREATED + HOUR);
    let answer = change(Action::Resume, Actor::Reporter);
    assert!(needs_calendar(&waiting, &answer));
    let at = asked_at + 3 * DAY;
    let resumed = plan(&waiting, &answer, at, None).unwrap();
    assert_eq!(resumed.to, Status::InProgress);
    assert_eq!(resumed.paused_since, None);
    // Answered already: the response deadline stays where it was.
    assert_eq!(resumed.deadlines.response_due, CREATED + DAY);
    assert_eq!(resumed.deadlines.resolution_due, CREATED + 10 * DAY);
}

#[test]
fn resolving_while_waiting_also_gives_the_paused_time_back() {
    let mut waiting = request("waiting");
    waiting.paused_since = Some(CREATED + HOUR);
    let at = CREATED + HOUR + 2 * DAY;
    let resolved = plan(&waiting, &staff(Action::Resolve), at, None).unwrap();
    // Never answered: both clocks move on by the pause.
    assert_eq!(resolved.deadlines.response_due, CREATED + 3 * DAY);
    assert_eq!(resolved.deadlines.resolution_due, CREATED + 9 * DAY);
    // Asking the resident does not end a pause that has not begun.
    assert!(!needs_calendar(
        &request("submitted"),
        &staff(Action::Resolve)
    ));
}

#[test]
fn a_reopened_request_gets_as_long_again_as_it_had_at_first() {
    let mut closed = request("closed");
    closed.resolved_at = Some(CREATED + 2 * DAY);
    closed.closed_at = Some(CREATED + 3 * DAY);
    let at = CREATED + 30 * DAY;
    let reopened = plan(&closed, &change(Action::Reopen, Actor::Reporter), at, None).unwrap();
    assert_eq!(reopened.to, Status::InProgress);
    assert_eq!(reopened.deadlines.resolution_due, at + 7 * DAY);
    assert_eq!(reopened.resolved_at, None);
    assert_eq!(reopened.closed_at, None);
}

#[test]
fn staff_taking_back_a_rejection_clears_the_reason() {
    let mut rejected = request("rejected");
    rejected.rejection_reason = "不属于物业".into();
    rejected.closed_at = Some(CREATED + DAY);
    let reopened = plan(&rejected, &staff(Action::Reopen), CREATED + 2 * DAY, None).unwrap();
    assert_eq!(reopened.rejection_reason, "");
    assert_eq!(reopened.referred_to, "");
    assert_eq!(reopened.closed_at, None);
}

#[test]
fn the_residents_own_words_are_not_shown_to_neighbours() {
    let mut not_solved = change(Action::Reopen, Actor::Reporter);
    not_solved.public_message = "  还是漏水 ".into();
    not_solved.internal_note = "晚上更严重".into();
    let p = plan(&request("resolved"), &not_solved, CREATED + DAY, None).unwrap();
    assert_eq!(p.public_message, "");
    assert_eq!(p.note, "还是漏水\n晚上更严重");
    assert!(p.clears_desk_news);
    // What the resident does themselves is not news for them.
    assert_eq!(p.tell, vec![]);
}

#[test]
fn a_rejection_says_its_reason_publicly_unless_staff_wrote_something_else() {
    let reject = Action::Reject {
        reason: " 不属于物业 ".into(),
    };
    let p = plan(
        &request("submitted"),
        &staff(reject.clone()),
        CREATED + HOUR,
        None,
    )
    .unwrap();
    assert_eq!(p.to, Status::Rejected);
    assert_eq!(p.public_message, "不属于物业");
    assert_eq!(p.rejection_reason, "不属于物业");
    assert_eq!(p.closed_at, Some(CREATED + HOUR));
    assert_eq!(p.event_kind, "reject");
    let mut worded = staff(reject);
    worded.public_message = "请联系居委会".into();
    let p = plan(&request("submitted"), &worded, CREATED + HOUR, None).unwrap();
    assert_eq!(p.public_message, "请联系居委会");
}

#[test]
fn the_first_answer_by_staff_stops_the_response_clock() {
    let at = CREATED + HOUR;
    let p = plan(&request("submitted"), &staff(Action::Respond), at, None).unwrap();
    assert_eq!(p.responded_at, Some(at));
    assert_eq!(p.tell, vec![Tell::Reporter(40, "notify-responded")]);
    let mut answered = request("responded");
    answered.responded_at = Some(CREATED + 10);
    let p = plan(&answered, &staff(Action::Start), at, None).unwrap();
    assert_eq!(p.responded_at, Some(CREATED + 10));
    // Starting work in silence is no news.
    assert_eq!(p.tell, vec![]);
}

#[test]
fn residents_without_the_site_hear_news_through_reception() {
    let mut anonymous = request("submitted");
    anonymous.reporter_account_id = None;
    anonymous.visibility = "anonymous".into();
    let p = plan(&anonymous, &staff(Action::Respond), CREATED + HOUR, None).unwrap();
    assert_eq!(p.tell, vec![Tell::Desk]);
    let mut by_phone = request("in_progress");
    by_phone.contact_preference = "phone".into();
    let p = plan(&by_phone, &staff(Action::Resolve), CREATED + HOUR, None).unwrap();
    assert_eq!(p.tell, vec![Tell::Desk, Tell::Followers("notify-resolved")]);
    // A legal question's own team tells the resident, not the desk.
    let mut legal = by_phone.clone();
    legal.category_private = true;
    let p = plan(&legal, &staff(Action::Resolve), CREATED + HOUR, None).unwrap();
    assert_eq!(
        p.tell,
        vec![
            Tell::Reporter(40, "notify-resolved-yours"),
            Tell::Followers("notify-resolved")
        ]
    );
    assert!(!p.announce_resolved);
}

#[test]
fn a_resolution_is_announced_on_screens_only_when_neighbours_may_read_it() {
    let p = plan(
        &request("in_progress"),
        &staff(Action::Resolve),
        CREATED + DAY,
        None,
    )
    .unwrap();
    assert!(p.announce_resolved);
    assert_eq!(p.resolved_at, Some(CREATED + DAY));
    assert_eq!(
        p.tell,
        vec![
            Tell::Reporter(40, "notify-resolved-yours"),
            Tell::Followers("notify-resolved")
        ],
        "the reporter is asked to confirm and rate; followers are told"
    );
    let mut private = request("in_progress");
    private.visibility = "private".into();
    let p = plan(&private, &staff(Action::Resolve), CREATED + DAY, None).unwrap();
    assert!(!p.announce_resolved);
}

#[test]
fn a_low_rating_sends_the_request_back_to_the_lead() {
    let mut low = change(Action::Reopen, Actor::Reporter);
    low.rating = Some(2);
    low.internal_note = "没修好".into();
    let p = plan(&request("resolved"), &low, CREATED + DAY, None).unwrap();
    assert!(p.back_to_lead);
    assert_eq!(p.event_kind, "rated");
    assert_eq!(p.rating, Some(2));
    assert_eq!(p.rating_comment, "没修好");
    assert_eq!(p.tell, vec![Tell::Leads("notify-low-rating")]);
    let mut fine = change(Action::Confirm, Actor::Reporter);
    fine.rating = Some(3);
    let p = plan(&request("resolved"), &fine, CREATED + DAY, None).unwrap();
    assert!(!p.back_to_lead);
    assert_eq!(p.to, Status::Closed);
    assert_eq!(p.tell, vec![]);
}

#[test]
fn a_duplicate_is_merged_into_the_request_it_repeats() {
    let dup = Action::MarkDuplicate { of: 3, this: 7 };
    let p = plan(&request("submitted"), &staff(dup), CREATED + HOUR, None).unwrap();
    assert_eq!(p.to, Status::Duplicate);
    assert_eq!(p.duplicate_of, Some(3));
    assert_eq!(p.merge_into(), Some(3));
    assert_eq!(p.closed_at, Some(CREATED + HOUR));
    assert_eq!(p.tell, vec![Tell::Reporter(40, "notify-merged")]);
}

#[test]
fn closing_an_unconfirmed_request_is_the_schedulers_and_tells_no_one() {
    let mut resolved = request("resolved");
    resolved.resolved_at = Some(CREATED + DAY);
    let p = plan(
        &resolved,
        &change(Action::CloseUnconfirmed, Actor::System),
        CREATED + 11 * DAY,
        None,
    )
    .unwrap();
    assert_eq!(p.to, Status::Closed);
    assert_eq!(p.resolved_at, Some(CREATED + DAY));
    assert_eq!(p.responded_at, None);
    assert_eq!(p.tell, vec![]);
}

#[test]
fn each_message_says_what_happened() {
    let at = CREATED + HOUR;
    let told = |r: &str, action: Action| plan(&request(r), &staff(action), at, None).unwrap().tell;
    assert_eq!(
        told("responded", Action::AskResident),
        vec![Tell::Reporter(40, "notify-question")]
    );
    assert_eq!(
        told(
            "submitted",
            Action::Reject {
                reason: "不归我们管".into()
            }
        ),
        vec![Tell::Reporter(40, "notify-rejected")]
    );
    assert_eq!(
        told(
            "submitted",
            Action::Refer {
                to: "供电局".into()
            }
        ),
        vec![Tell::Reporter(40, "notify-referred")]
    );
}

#[test]
fn residents_who_asked_for_texts_get_one_per_piece_of_news() {
    let mut walk_in = request("submitted");
    walk_in.reporter_account_id = None;
    walk_in.contact_preference = "text".into();
    walk_in.reporter_phone = "13800138000".into();
    let p = plan(&walk_in, &staff(Action::Respond), CREATED + HOUR, None).unwrap();
    assert_eq!(p.tell, vec![Tell::Text("notify-responded")], "not the desk");
    // With an account, the inbox has it too.
    let mut signed_up = walk_in.clone();
    signed_up.reporter_account_id = Some(40);
    let p = plan(&signed_up, &staff(Action::Respond), CREATED + HOUR, None).unwrap();
    assert_eq!(
        p.tell,
        vec![
            Tell::Text("notify-responded"),
            Tell::Reporter(40, "notify-responded")
        ]
    );
    // No number, no text: reception tells them.
    let mut no_number = walk_in.clone();
    no_number.reporter_phone.clear();
    let p = plan(&no_number, &staff(Action::Respond), CREATED + HOUR, None).unwrap();
    assert_eq!(p.tell, vec![Tell::Desk]);
    // A legal question is never texted.
    let mut legal = signed_up.clone();
    legal.category_private = true;
    let p = plan(&legal, &staff(Action::Respond), CREATED + HOUR, None).unwrap();
    assert_eq!(p.tell, vec![Tell::Reporter(40, "notify-responded")]);
    // Silence is no text either.
    let p = plan(&walk_in, &staff(Action::Start), CREATED + HOUR, None).unwrap();
    assert_eq!(p.tell, vec![]);
}
