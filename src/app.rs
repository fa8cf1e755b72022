//! The entry's assembly: each capability's routes merged into one router,
//! the kit's layers around it, each door's error format, the background
//! work, and what the kit needs from the capabilities. A new capability is
//! a folder and one line in `router` (and in `background` if it works on
//! its own); `docs/architecture.md` says the rest.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use axum::Router;
use axum::http::Extensions;
use tokio::task::JoinHandle;
use utoipa::OpenApi;

use crate::db::{Db, StoreError};
use crate::live::Live;
use crate::mail::Mailer;
use crate::web::limits::Bucket;
use crate::web::{AppState, Doors, WebConfig};

/// What the server is started with.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub web: WebConfig,
    /// Sends news by email, when SMTP is configured.
    pub mailer: Option<Mailer>,
    /// Where texts' links lead: the public address.
    pub base_url: String,
    /// Texts go out on their own every fifteen seconds; tests send them
    /// with a clock of their own instead.
    pub texts_in_background: bool,
}

impl From<WebConfig> for Config {
    fn from(web: WebConfig) -> Config {
        let base_url = web
            .public_url
            .clone()
            .unwrap_or_else(|| "http://localhost:8080".into());
        Config {
            web,
            mailer: None,
            base_url,
            texts_in_background: true,
        }
    }
}

/// Every capability's routes, inside the kit's layers.
pub fn router(state: AppState) -> Router {
    let routes = Router::new()
        .merge(crate::web::routes())
        .merge(crate::home::routes())
        .merge(crate::auth::routes::routes())
        .merge(crate::auth::choose::routes())
        .merge(crate::auth::tokens::routes())
        .merge(crate::requests::routes())
        .merge(crate::community::routes())
        .merge(crate::desk::routes())
        .merge(crate::api::routes())
        .merge(crate::open311::routes())
        .merge(crate::screen::routes())
        .merge(crate::notices::routes())
        .merge(crate::calendar::routes())
        .merge(crate::mail::settings::routes())
        .merge(crate::my_data::routes())
        .merge(crate::rates::routes())
        .merge(crate::dashboard::routes())
        .merge(crate::problems::routes())
        .merge(crate::audit::routes())
        .merge(crate::referrals::routes())
        .merge(crate::rooms::routes())
        .merge(crate::activities::routes())
        .merge(crate::ideas::routes())
        .merge(crate::polls::routes())
        .merge(crate::recognitions::routes())
        .merge(crate::library::routes())
        .merge(crate::legal::routes())
        .merge(crate::volunteers::routes())
        .merge(crate::care::routes())
        .merge(crate::district::routes())
        .merge(crate::sms::routes());
    let doors = Doors {
        keyed: vec!["/open311/"],
        errors: vec![
            ("/open311/", crate::open311::error_shape),
            ("/api/", crate::api::error_shape),
        ],
        counted: counted(),
    };
    crate::web::finish(routes, state, doors)
}

/// The posts that can be abused, and the limit each counts against; and
/// looking requests up by their code, which guessing could abuse. The
/// desk enters walk-ins all day: staff are not slowed down.
fn counted() -> Vec<(&'static str, Bucket)> {
    vec![
        ("/report", Bucket::Submit),
        ("/api/v1/requests", Bucket::Submit),
        ("/open311/v2/requests*", Bucket::Submit),
        ("/signin", Bucket::SignIn),
        ("/signin/link/*", Bucket::SignIn),
        ("/api/v1/tokens", Bucket::SignIn),
        ("/register", Bucket::SignIn),
        ("/api/v1/register", Bucket::SignIn),
        ("/kiosk/*", Bucket::Kiosk),
        // Voice messages are recorded at the kiosk as well as on phones:
        // the kiosk's allowance, counted by address.
        ("/api/v1/recordings", Bucket::Kiosk),
        ("/r/*", Bucket::Lookup),
        ("/api/v1/requests/*", Bucket::Lookup),
        ("/open311/v2/requests/*", Bucket::Lookup),
    ]
}

/// The state every handler gets: the kit's, and the values capabilities
/// share, found by their type.
pub fn state(db: Db, config: Config, live: Live) -> AppState {
    let mut parts = Extensions::new();
    parts.insert(crate::rates::district::Cache::default());
    parts.insert(crate::district::store::FiguresCache::default());
    parts.insert(crate::api::Docs(vec![
        <crate::desk::api::DeskApi as OpenApi>::openapi,
        <crate::audit::AuditApi as OpenApi>::openapi,
        <crate::referrals::ReferralsApi as OpenApi>::openapi,
        <crate::rooms::RoomsApi as OpenApi>::openapi,
        <crate::activities::ActivitiesApi as OpenApi>::openapi,
        <crate::ideas::IdeasApi as OpenApi>::openapi,
        <crate::polls::PollsApi as OpenApi>::openapi,
        <crate::notices::NoticesApi as OpenApi>::openapi,
        <crate::recognitions::RecognitionsApi as OpenApi>::openapi,
        <crate::library::LibraryApi as OpenApi>::openapi,
        <crate::legal::LegalApi as OpenApi>::openapi,
        <crate::volunteers::VolunteersApi as OpenApi>::openapi,
        <crate::care::CareApi as OpenApi>::openapi,
        <crate::sms::TextsApi as OpenApi>::openapi,
    ]));
    parts.insert(crate::my_data::store::Sections(vec![
        ("news", news_section),
        ("desk_log", desk_log_section),
        ("room_bookings", bookings_section),
        ("activity_signups", signups_section),
        ("ideas", ideas_section),
        ("poll_votes", votes_section),
        ("recognitions", recognitions_section),
        ("book_loans", loans_section),
        ("legal_cases", cases_section),
        ("volunteering", duty_section),
        ("care", care_section),
        ("communities", roles_section),
        ("texts", texts_section),
    ]));
    parts.insert(crate::my_data::store::Anonymisers(vec![unname_posts]));
    parts.insert(crate::activities::PageLinks(vec![legal_class_link]));
    parts.insert(crate::my_data::store::Closers(vec![
        give_up_places,
        take_back_supports,
        keep_cases_then_erase,
        close_care_plans,
        stop_texts,
    ]));
    if let Some(mailer) = config.mailer {
        parts.insert(mailer);
    }
    AppState::new(db, config.web, live, Arc::new(Inbox), parts)
}

/// The capabilities' work that runs on its own while the server runs.
pub fn background(db: &Db, config: &Config) -> Vec<JoinHandle<()>> {
    let mut tasks = vec![
        tokio::spawn(crate::chase::run_forever(db.clone())),
        tokio::spawn(watch_screens(db.clone())),
        tokio::spawn(crate::rooms::run_forever(db.clone())),
        tokio::spawn(crate::activities::run_forever(db.clone())),
        tokio::spawn(crate::polls::run_forever(db.clone())),
        tokio::spawn(crate::library::run_forever(db.clone())),
        tokio::spawn(crate::legal::run_forever(db.clone())),
        tokio::spawn(crate::volunteers::run_forever(db.clone())),
        tokio::spawn(crate::care::run_forever(db.clone())),
    ];
    if config.texts_in_background {
        tasks.push(tokio::spawn(crate::sms::run_forever(
            db.clone(),
            config.base_url.clone(),
        )));
    }
    if let Some(mailer) = config.mailer.clone() {
        tasks.push(tokio::spawn(crate::mail::run_forever(db.clone(), mailer)));
    }
    tasks
}

/// Once a minute: screens that went quiet are reported.
async fn watch_screens(db: Db) {
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        if let Err(e) = crate::screen::check_silent_screens(&db).await {
            tracing::warn!(error = ?e, "checking for silent screens");
        }
    }
}

/// The requests' part of a person's own data: their news (at the desk,
/// none about legal questions or anonymous requests).
fn news_section<'a>(
    db: &'a Db,
    account_id: i64,
    copy: crate::my_data::store::Copy,
) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, StoreError>> + Send + 'a>> {
    let at_the_desk = copy == crate::my_data::store::Copy::AtTheDesk;
    Box::pin(crate::requests::inbox::own_news(
        db,
        account_id,
        at_the_desk,
    ))
}

/// The texts sent to a person: what kind of news, when, how it went.
fn texts_section<'a>(
    db: &'a Db,
    account_id: i64,
    _: crate::my_data::store::Copy,
) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, StoreError>> + Send + 'a>> {
    Box::pin(crate::sms::outbox::own(db, account_id))
}

/// The desk log's part of a person's own data: what staff did for them.
fn desk_log_section<'a>(
    db: &'a Db,
    account_id: i64,
    _: crate::my_data::store::Copy,
) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, StoreError>> + Send + 'a>> {
    Box::pin(crate::audit::own_entries(db, account_id))
}

/// The rooms' part of a person's own data: their bookings.
fn bookings_section<'a>(
    db: &'a Db,
    account_id: i64,
    _: crate::my_data::store::Copy,
) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, StoreError>> + Send + 'a>> {
    Box::pin(crate::rooms::own_bookings(db, account_id))
}

/// The activities' part of a person's own data: their sign-ups.
fn signups_section<'a>(
    db: &'a Db,
    account_id: i64,
    _: crate::my_data::store::Copy,
) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, StoreError>> + Send + 'a>> {
    Box::pin(crate::activities::own_signups(db, account_id))
}

/// The ideas' part of a person's own data: their ideas, supports and
/// comments.
fn ideas_section<'a>(
    db: &'a Db,
    account_id: i64,
    _: crate::my_data::store::Copy,
) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, StoreError>> + Send + 'a>> {
    Box::pin(crate::ideas::own_ideas(db, account_id))
}

/// The polls' part of a person's own data: the polls they voted in.
fn votes_section<'a>(
    db: &'a Db,
    account_id: i64,
    _: crate::my_data::store::Copy,
) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, StoreError>> + Send + 'a>> {
    Box::pin(crate::polls::own_votes(db, account_id))
}

/// The recognitions' part of a person's own data.
fn recognitions_section<'a>(
    db: &'a Db,
    account_id: i64,
    _: crate::my_data::store::Copy,
) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, StoreError>> + Send + 'a>> {
    Box::pin(crate::recognitions::own_recognitions(db, account_id))
}

/// A person's name comes off their ideas and comments.
fn loans_section<'a>(
    db: &'a Db,
    account_id: i64,
    _: crate::my_data::store::Copy,
) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, StoreError>> + Send + 'a>> {
    Box::pin(crate::library::own_loans(db, account_id))
}

fn cases_section<'a>(
    db: &'a Db,
    account_id: i64,
    copy: crate::my_data::store::Copy,
) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, StoreError>> + Send + 'a>> {
    let at_the_desk = copy == crate::my_data::store::Copy::AtTheDesk;
    Box::pin(crate::legal::own_cases(db, account_id, at_the_desk))
}

fn keep_cases_then_erase<'a>(
    db: &'a Db,
    account_id: i64,
) -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 'a>> {
    Box::pin(crate::legal::keep_then_erase(db, account_id))
}

/// The volunteers' part: profile, shifts, tasks and hours.
fn duty_section<'a>(
    db: &'a Db,
    account_id: i64,
    _: crate::my_data::store::Copy,
) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, StoreError>> + Send + 'a>> {
    Box::pin(crate::volunteers::own_duty(db, account_id))
}

/// The resident's own care record (none in reception's copy).
fn care_section<'a>(
    db: &'a Db,
    account_id: i64,
    copy: crate::my_data::store::Copy,
) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, StoreError>> + Send + 'a>> {
    let at_the_desk = copy == crate::my_data::store::Copy::AtTheDesk;
    Box::pin(crate::care::own_care(db, account_id, at_the_desk))
}

/// The communities someone works in, and their offices.
fn roles_section<'a>(
    db: &'a Db,
    account_id: i64,
    _: crate::my_data::store::Copy,
) -> Pin<Box<dyn Future<Output = Result<serde_json::Value, StoreError>> + Send + 'a>> {
    Box::pin(crate::district::own_roles(db, account_id))
}

/// An account closing closes its care plan.
fn close_care_plans<'a>(
    db: &'a Db,
    account_id: i64,
) -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 'a>> {
    Box::pin(crate::care::close_with_account(db, account_id))
}

/// An account closing stops the texts still waiting for it.
fn stop_texts<'a>(
    db: &'a Db,
    account_id: i64,
) -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 'a>> {
    Box::pin(crate::sms::outbox::withdraw(
        db,
        account_id,
        crate::db::now(),
    ))
}

fn legal_class_link<'a>(
    db: &'a Db,
    community_id: i64,
    activity_id: i64,
    workgroup_id: i64,
) -> crate::activities::LinkFuture<'a> {
    Box::pin(crate::legal::class_link(
        db,
        community_id,
        activity_id,
        workgroup_id,
    ))
}

fn unname_posts<'a>(
    db: &'a Db,
    account_id: i64,
) -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 'a>> {
    Box::pin(crate::ideas::anonymise(db, account_id))
}

/// An account closing takes its supports back.
fn take_back_supports<'a>(
    db: &'a Db,
    account_id: i64,
) -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 'a>> {
    Box::pin(crate::ideas::forget_supports(db, account_id))
}

/// An account closing gives up its future sign-ups and bookings.
fn give_up_places<'a>(
    db: &'a Db,
    account_id: i64,
) -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 'a>> {
    Box::pin(crate::activities::cancel_future_of(db, account_id))
}

/// The page header's bell counts the person's unread news.
struct Inbox;

impl crate::web::Header for Inbox {
    fn unread_sql(&self) -> &'static str {
        crate::requests::inbox::UNREAD_OF_ACCOUNT
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Method;

    use super::counted;
    use crate::i18n::Lang;
    use crate::web::limits::{Bucket, bucket_of};

    #[test]
    fn only_posts_that_can_be_abused_are_counted() {
        let counted = counted();
        let bucket = |method: Method, path: &str| bucket_of(&counted, &method, path);
        assert_eq!(bucket(Method::POST, "/report"), Some(Bucket::Submit));
        assert_eq!(
            bucket(Method::POST, "/open311/v2/requests.json"),
            Some(Bucket::Submit)
        );
        assert_eq!(bucket(Method::POST, "/api/v1/tokens"), Some(Bucket::SignIn));
        assert_eq!(bucket(Method::POST, "/kiosk/abc"), Some(Bucket::Kiosk));
        assert_eq!(bucket(Method::GET, "/report"), None);
        // The desk enters walk-ins all day: staff are not slowed down.
        assert_eq!(bucket(Method::POST, "/desk"), None);
        assert_eq!(bucket(Method::POST, "/r/12345678/act"), None);
        assert_eq!(bucket(Method::GET, "/r/12345678"), Some(Bucket::Lookup));
        assert_eq!(
            bucket(Method::GET, "/api/v1/requests/12345678"),
            Some(Bucket::Lookup)
        );
        assert_eq!(
            bucket(Method::GET, "/open311/v2/requests/12345678.json"),
            Some(Bucket::Lookup)
        );
        assert_eq!(
            bucket(Method::GET, "/api/v1/requests"),
            None,
            "lists are not lookups"
        );
        assert_eq!(bucket(Method::GET, "/open311/v2/requests.json"), None);
    }

    /// Keys built from the request's words (`status-…`, `kind-…`) exist too.
    #[test]
    fn every_word_of_a_request_is_translated() {
        use crate::requests::deadlines::Clock;
        use crate::requests::model::*;
        let mut keys: Vec<String> = Vec::new();
        keys.extend(Status::ALL.iter().map(|s| s.key()));
        keys.extend(Kind::ALL.iter().map(|s| s.key()));
        keys.extend(Urgency::ALL.iter().map(|s| s.key()));
        keys.extend(Channel::ALL.iter().map(|s| s.key()));
        keys.extend(Visibility::ALL.iter().map(|s| s.key()));
        keys.extend(ContactPreference::ALL.iter().map(|s| s.key()));
        keys.extend(crate::auth::Role::ALL.iter().map(|r| r.key()));
        keys.extend(crate::community::PlaceKind::ALL.iter().map(|k| k.key()));
        keys.extend((1..=5).map(|n| format!("rate-{n}")));
        keys.extend(crate::requests::search::PublicState::ALL.map(|s| s.key()));
        keys.extend((1..=7).map(|n| format!("weekday-{n}")));
        keys.extend((1..=7).map(|n| format!("weekday-short-{n}")));
        keys.extend(crate::rooms::STATES.map(crate::rooms::state_key));
        keys.extend(["free", "past", "mine", "taken"].map(|k| format!("rooms-slot-{k}")));
        keys.extend(crate::rooms::WHO.map(|w| format!("room-who-{w}")));
        keys.extend(crate::activities::SIGNUP_STATES.map(crate::activities::state_key));
        keys.extend(
            crate::activities::recurrence::Repeat::ALL
                .map(|r| format!("activity-repeat-{}", r.as_str())),
        );
        keys.extend(["1", "2", "3", "4", "-1"].map(|n| format!("activity-nth-{n}")));
        keys.extend(
            [
                "notify-activity-moved-up",
                "notify-activity-cancelled",
                "notify-activity-moved",
                "notify-activity-tomorrow",
                "notify-booking-soon",
            ]
            .map(String::from),
        );
        keys.extend(crate::mail::settings::MODES.map(|m| format!("news-mode-{m}")));
        keys.extend(crate::ideas::rules::STATES.map(crate::ideas::state_key));
        keys.extend(
            crate::ideas::store::Listing::ALL.map(|l| format!("ideas-view-{}", l.as_str())),
        );
        keys.extend(["shown", "held", "hidden"].map(|m| format!("moderation-{m}")));
        keys.extend(["idea", "comment"].map(|k| format!("moderation-kind-{k}")));
        keys.extend(
            crate::ideas::rules::ANSWERS.map(|a| format!("notify-idea-{}", a.replace('_', "-"))),
        );
        keys.extend(["not-yet", "open", "closed"].map(|s| format!("poll-stage-{s}")));
        keys.extend(["household", "resident"].map(|p| format!("poll-per-{p}")));
        keys.extend(crate::notices::store::AUDIENCES.map(|a| format!("notices-audience-{a}")));
        keys.extend(
            crate::recognitions::store::KINDS
                .map(|k| format!("recognition-kind-{}", k.replace('_', "-"))),
        );
        keys.extend(
            [
                "notify-idea-agenda",
                "notify-voice-hidden",
                "notify-voice-shown",
                "notify-nomination-approved",
                "notify-nomination-declined",
                "notify-recognised",
            ]
            .map(String::from),
        );
        keys.extend(crate::community::attributes::DATATYPES.map(|d| format!("attribute-type-{d}")));
        keys.extend(crate::care::rules::Level::ALL.map(|l| format!("care-level-{}", l.as_str())));
        keys.extend(
            [
                "visited",
                "called",
                "fine",
                "needs-help",
                "hospital",
                "change",
            ]
            .map(|k| format!("care-checkin-{k}")),
        );
        keys.extend(["written", "spoken", "by_phone"].map(|h| format!("care-consent-{h}")));
        keys.extend(["opened", "refused"].map(|w| format!("care-log-{w}")));
        keys.extend(["asked", "approved", "declined"].map(|s| format!("duty-claim-{s}")));
        keys.extend(
            [
                "notify-resolved",
                "notify-question",
                "notify-low-rating",
                "notify-screen-silent",
                "notify-remind-response",
                "notify-remind-resolution",
                "notify-overdue-lead",
                "notify-overdue-secretary",
                "notify-please-confirm",
                "notify-callback",
                "notify-problem-fixed",
                "notify-tell-resident",
                "notify-update",
                "notify-appointment",
                "notify-referral-due",
                "notify-appointment-answered",
                "appointment-state-proposed",
                "appointment-state-agreed",
            ]
            .map(String::from),
        );
        keys.extend(
            [
                "created",
                "update",
                "note",
                "assigned",
                "merged",
                "rated",
                "rated-reopened",
                "followed",
                "escalated-lead",
                "escalated-secretary",
                "closed-unconfirmed",
                "told-resident",
                "problem-fixed",
                "appointment-proposed",
                "appointment-agreed",
                "appointment-moved",
                "referral-answered",
                "referral-due",
                "handed-to-duty",
                "task-done",
            ]
            .map(|k| format!("event-{k}")),
        );
        for clock in [
            Clock::Met,
            Clock::MetLate,
            Clock::Running,
            Clock::DueSoon,
            Clock::Overdue,
            Clock::Paused,
        ] {
            keys.push(clock.key().to_string());
        }
        keys.extend(
            Status::ALL
                .iter()
                .map(|s| format!("event-to-{}", s.as_str().replace('_', "-"))),
        );
        keys.extend(Visibility::ALL.iter().map(|s| format!("{}-help", s.key())));
        for lang in [Lang::Zh, Lang::En] {
            for key in &keys {
                assert_ne!(&lang.t(key), key, "{key} is missing in {}", lang.code());
            }
        }
    }
}
