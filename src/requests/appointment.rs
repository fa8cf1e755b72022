//! A visit agreed with the resident: the team proposes a time, the resident
//! agrees or asks for another. The resolution clock pauses only for the
//! delay the resident asks for: a later time than the team offered moves
//! the deadline by the difference; an earlier one moves nothing.

use crate::auth::Viewer;
use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;

use super::lifecycle::{Action, Actor};
use super::model::Status;
use super::page::{ActForm, residents_language};
use super::plan::Change;
use super::record::RequestRow;
use super::store;
use crate::community::Community;
use crate::web::{AppError, AppState};

/// A history entry naming the time, seen by the reporter and staff (a
/// visit to someone's home is nobody else's business). A macro, as it runs
/// inside a transaction of either engine.
macro_rules! appointment_event {
    ($conn:expr, $request_id:expr, $at:expr, $actor_id:expr, $actor_role:expr, $kind:expr,
     $message:expr, $slot:expr) => {
        sqlx::query(
            "INSERT INTO request_events (request_id, at, actor_id, actor_role, kind, public_message, \
             internal_note, audience, slot) VALUES ($1, $2, $3, $4, $5, $6, '', 'reporter', $7)",
        )
        .bind($request_id)
        .bind($at)
        .bind($actor_id)
        .bind($actor_role)
        .bind($kind)
        .bind($message)
        .bind($slot)
        .execute(&mut *$conn)
        .await
    };
}

/// How far ahead a visit may be set: a season, not a year.
const FURTHEST_DAYS: i64 = 90;

/// Where the appointment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// The team offered a time; the resident has not answered.
    Proposed,
    /// The resident agreed, or chose the time.
    Agreed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Proposed => "proposed",
            State::Agreed => "agreed",
        }
    }
}

/// A time typed in a `datetime-local` field ("2026-12-06T09:00"), read in
/// the community's time zone; or the message key saying what is wrong. The
/// time must be still to come, and within a season.
pub fn parse_slot(typed: &str, tz: &jiff::tz::TimeZone, at: i64) -> Result<i64, &'static str> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err("appointment-slot-required");
    }
    let civil: jiff::civil::DateTime = typed.parse().map_err(|_| "appointment-slot-invalid")?;
    let slot = tz
        .to_ambiguous_zoned_datetime(civil)
        .compatible()
        .map_err(|_| "appointment-slot-invalid")?
        .timestamp()
        .as_second();
    if slot <= at {
        return Err("appointment-slot-past");
    }
    if slot > at + FURTHEST_DAYS * 86_400 {
        return Err("appointment-slot-too-far");
    }
    Ok(slot)
}

/// The resolution deadline once the resident asks for `asked` instead of
/// the `offered` time: later by the delay they asked for, never earlier.
pub fn deadline_after_move(due: i64, offered: i64, asked: i64) -> i64 {
    due + (asked - offered).max(0)
}

/// May a visit be arranged now? Only while the request is being handled.
pub fn may_arrange(status: Status) -> bool {
    matches!(
        status,
        Status::Submitted | Status::Responded | Status::InProgress
    )
}

/// The team offers a time. The resident is told (or reception, for one who
/// hears through the desk).
pub async fn propose(
    db: &Db,
    request: &RequestRow,
    by: &Viewer,
    slot: i64,
    message: &str,
) -> Result<(), StoreError> {
    let at = now();
    let role = by.role().as_str();
    let (request_id, community_id) = (request.id, request.community_id);
    let through_desk = request.news_through_desk();
    let by_text = request.news_by_text();
    let reporter = request.reporter_account_id;
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE requests SET appointment_at = $1, appointment_state = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(slot)
            .bind(State::Proposed.as_str())
            .bind(at)
            .bind(request_id)
            .execute(&mut *tx)
            .await?;
            appointment_event!(tx, request_id, at, Some(by.id), role, "appointment_proposed", message, slot)?;
            if by_text {
                text_news!(tx, request_id, "notify-appointment", at)?;
            }
            if through_desk {
                desk_news!(tx, request_id, community_id, at)?;
            } else if let Some(reporter) = reporter {
                notify!(tx, reporter, request_id, "notify-appointment", at)?;
            }
            tx.commit().await
        }
        .await
    })?;
    Ok(())
}

/// The resident agrees to the offered time, or asks for `asked` instead;
/// the one handling it is told either way.
pub async fn answer(
    db: &Db,
    request: &RequestRow,
    reporter_id: Option<i64>,
    asked: Option<i64>,
) -> Result<(), StoreError> {
    let at = now();
    let offered = request.appointment_at.unwrap_or(at);
    let (slot, kind) = match asked {
        Some(asked) => (asked, "appointment_moved"),
        None => (offered, "appointment_agreed"),
    };
    let due = match asked {
        Some(asked) => deadline_after_move(request.resolution_due_at, offered, asked),
        None => request.resolution_due_at,
    };
    let request_id = request.id;
    let handler = request.assignee_id;
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE requests SET appointment_at = $1, appointment_state = $2, resolution_due_at = $3, \
                 updated_at = $4 WHERE id = $5",
            )
            .bind(slot)
            .bind(State::Agreed.as_str())
            .bind(due)
            .bind(at)
            .bind(request_id)
            .execute(&mut *tx)
            .await?;
            appointment_event!(tx, request_id, at, reporter_id, "reporter", kind, "", slot)?;
            if let Some(handler) = handler {
                notify!(tx, handler, request_id, "notify-appointment-answered", at)?;
            }
            tx.commit().await
        }
        .await
    })?;
    Ok(())
}

/// The team's step: offer a time. A request not answered yet is answered
/// by the offer.
pub async fn staff_step(
    state: &AppState,
    request: &RequestRow,
    viewer: &Viewer,
    form: &ActForm,
) -> Result<(), AppError> {
    if !may_arrange(request.status()) {
        return Err(AppError::Conflict("appointment-not-now"));
    }
    let community = Community::by_id(&state.db, request.community_id).await?;
    let slot = parse_slot(&form.slot, &community.tz(), now()).map_err(AppError::BadRequest)?;
    let message = form.message.trim();
    if request.status() == Status::Submitted {
        let answer = if message.is_empty() {
            residents_language(request).t_args(
                "appointment-offered-message",
                &[("time", community.format_time(slot))],
            )
        } else {
            message.to_string()
        };
        let change = Change {
            action: Action::Respond,
            actor: Actor::Staff,
            public_message: answer,
            internal_note: String::new(),
            rating: None,
        };
        store::apply(&state.db, request, Some(viewer), change).await?;
    }
    propose(&state.db, request, viewer, slot, message).await?;
    Ok(())
}

/// The resident's step: agree to the time offered, or ask for another.
pub async fn resident_step(
    state: &AppState,
    request: &RequestRow,
    viewer: Option<&Viewer>,
    form: &ActForm,
) -> Result<(), AppError> {
    if request.appointment_at.is_none() || !may_arrange(request.status()) {
        return Err(AppError::Conflict("appointment-not-now"));
    }
    let asked = match form.answer.as_str() {
        "agree" => None,
        "move" => {
            let community = Community::by_id(&state.db, request.community_id).await?;
            Some(parse_slot(&form.slot, &community.tz(), now()).map_err(AppError::BadRequest)?)
        }
        _ => return Err(AppError::BadRequest("error-bad-input")),
    };
    answer(&state.db, request, viewer.map(|v| v.id), asked).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600;

    #[test]
    fn only_a_later_time_asked_for_moves_the_deadline() {
        let due = 1_000 * H;
        let offered = 900 * H;
        assert_eq!(
            deadline_after_move(due, offered, offered),
            due,
            "the same time"
        );
        assert_eq!(
            deadline_after_move(due, offered, offered - 5 * H),
            due,
            "earlier"
        );
        assert_eq!(
            deadline_after_move(due, offered, offered + 30 * H),
            due + 30 * H,
            "later"
        );
        assert_eq!(
            deadline_after_move(due, offered, offered + 1),
            due + 1,
            "a second later"
        );
    }

    #[test]
    fn a_slot_is_a_time_still_to_come_in_the_communitys_zone() {
        let tz = jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone");
        // 2026-12-05 09:00 in Shanghai is 01:00 UTC.
        let at: i64 = "2026-12-05T01:00:00Z"
            .parse::<jiff::Timestamp>()
            .expect("time")
            .as_second();
        assert_eq!(parse_slot("2026-12-06T09:00", &tz, at), Ok(at + 24 * H));
        assert_eq!(
            parse_slot("2026-12-05T09:00", &tz, at),
            Err("appointment-slot-past"),
            "now is not to come"
        );
        assert_eq!(
            parse_slot("2026-12-05T08:59", &tz, at),
            Err("appointment-slot-past")
        );
        assert_eq!(parse_slot("", &tz, at), Err("appointment-slot-required"));
        assert_eq!(
            parse_slot("tomorrow", &tz, at),
            Err("appointment-slot-invalid")
        );
        assert_eq!(
            parse_slot("2026-13-01T09:00", &tz, at),
            Err("appointment-slot-invalid")
        );
        assert_eq!(
            parse_slot("2027-06-01T09:00", &tz, at),
            Err("appointment-slot-too-far")
        );
    }

    #[test]
    fn visits_are_arranged_while_the_request_is_handled() {
        assert!(may_arrange(Status::Submitted) && may_arrange(Status::InProgress));
        for done in [
            Status::Waiting,
            Status::Resolved,
            Status::Closed,
            Status::Rejected,
            Status::Duplicate,
            Status::Referred,
        ] {
            assert!(!may_arrange(done), "{done:?}");
        }
    }
}
