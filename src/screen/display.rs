//! The screen itself: panels readable from three metres, and the live
//! stream that keeps them current.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use tokio::sync::broadcast::error::RecvError;

use super::qr::qr_svg;
use super::{PanelPlan, Screen, parse_panels};
use crate::community::Community;
use crate::db::now;
use crate::i18n::Lang;
use crate::live::{self, LiveEvent};
use crate::notices::Notice;
use crate::on_db;
use crate::rates::{self, Rates};
use crate::requests::record::{REQUEST_COLUMNS, REQUEST_FROM, RequestRow};
use crate::web::{AppError, AppState, base_url, render};

#[derive(Debug, sqlx::FromRow)]
pub struct Done {
    #[sqlx(flatten)]
    pub r: RequestRow,
    pub message: Option<String>,
}

#[derive(Template)]
#[template(path = "screen.html")]
struct ScreenPage {
    screen: Screen,
    community: Community,
    plans: Vec<PanelPlan>,
    emergency: Option<Notice>,
    notices: Vec<Notice>,
    fresh: Vec<RequestRow>,
    done: Vec<Done>,
    rates: Rates,
    /// Today's and tomorrow's activities.
    activities: Vec<crate::activities::store::Occurrence>,
    /// Ideas answered lately: "you said, we did".
    answered: Vec<crate::ideas::store::Idea>,
    /// Open polls, and the results of polls closed lately.
    polls: Vec<(crate::polls::store::Poll, Vec<crate::polls::store::Choice>)>,
    /// Approved good deeds, the latest first.
    deeds: Vec<crate::recognitions::store::Recognition>,
    qr: String,
    last_event_id: i64,
    /// Minutes east of UTC, for the panels' hours.
    utc_offset_minutes: i32,
}

impl ScreenPage {
    fn zh(&self, key: &str) -> String {
        Lang::Zh.t(key)
    }
    fn en(&self, key: &str) -> String {
        Lang::En.t(key)
    }
    fn rate(&self, ratio: &rates::Ratio) -> String {
        ratio
            .percent()
            .map(|v| format!("{v}%"))
            .unwrap_or_else(|| "—".to_string())
    }
    /// "今天 07:00" and "Today 07:00".
    fn starts(&self, o: &crate::activities::store::Occurrence, lang: Lang) -> String {
        let tz = self.community.tz();
        let day = |at: i64| crate::rooms::rules::local(&tz, at).map(|t| t.date());
        let word = if day(o.starts_at) == day(now()) {
            "screen-today"
        } else {
            "screen-tomorrow"
        };
        let clock = crate::rooms::rules::local(&tz, o.starts_at)
            .map(|t| crate::rooms::time_of_day(t.time()))
            .unwrap_or_default();
        format!("{} {clock}", lang.t(word))
    }
    fn idea_state(&self, state: &str, lang: Lang) -> String {
        lang.t(&crate::ideas::state_key(state))
    }
    fn poll_until(&self, p: &crate::polls::store::Poll, lang: Lang) -> String {
        lang.t_args(
            "screen-poll-open",
            &[("time", self.community.format_time(p.closes_at))],
        )
    }
    fn hours(&self, plan: &PanelPlan) -> String {
        plan.hours
            .map(|(from, to)| format!("{from}-{to}"))
            .unwrap_or_default()
    }
}

pub async fn page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let screen = Screen::by_token(&state.db, &token, "screen")
        .await?
        .ok_or(AppError::NotFound)?;
    let community = Community::by_id(&state.db, screen.community_id).await?;
    let at = now();
    let (from, to) = rates::month_of(at, &community.tz());
    let rates = rates::for_period(&state.db, community.id, from, to).await?;
    let notices = Notice::current(&state.db, community.id).await?;
    let (emergencies, notices): (Vec<Notice>, Vec<Notice>) =
        notices.into_iter().partition(|n| n.emergency);
    let fresh = crate::requests::search::public_list(&state.db, community.id, true, 6).await?;
    let done = recently_done(&state, community.id, at - 14 * 86_400).await?;
    let activities = today_and_tomorrow(&state, &community, at).await?;
    let answered = crate::ideas::store::list(
        &state.db,
        community.id,
        crate::ideas::store::Listing::Answered,
        6,
    )
    .await?;
    let polls = screen_polls(&state, community.id, at).await?;
    let deeds = crate::recognitions::store::approved(&state.db, community.id, 6).await?;
    let place = screen
        .place_code
        .clone()
        .map(|c| format!("?place={c}"))
        .unwrap_or_default();
    let qr = qr_svg(
        &format!("{}/report{place}", base_url(&state, &headers)),
        320,
    );
    let utc_offset_minutes = jiff::Timestamp::from_second(at)
        .map(|ts| ts.to_zoned_datetime(community.tz()).offset().seconds() / 60)
        .unwrap_or(480);
    Screen::touch(&state.db, screen.id).await?;
    let page = ScreenPage {
        plans: parse_panels(&screen.panels),
        last_event_id: live::latest_id(&state.db).await?,
        emergency: emergencies.into_iter().next(),
        screen,
        community,
        notices,
        fresh,
        done,
        rates,
        activities,
        answered,
        polls,
        deeds,
        qr,
        utc_offset_minutes,
    };
    let mut response = render(&page)?;
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// Open polls, and polls closed in the last fortnight with their results.
async fn screen_polls(
    state: &AppState,
    community_id: i64,
    at: i64,
) -> Result<Vec<(crate::polls::store::Poll, Vec<crate::polls::store::Choice>)>, AppError> {
    let mut out = Vec::new();
    for poll in crate::polls::store::list(&state.db, community_id, 6).await? {
        if poll.opens_at > at || poll.closes_at < at - 14 * 86_400 {
            continue;
        }
        let shown = poll.results_shown(at);
        let choices = if shown {
            crate::polls::store::choices(&state.db, poll.id, true).await?
        } else {
            Vec::new()
        };
        out.push((poll, choices));
    }
    Ok(out)
}

/// The activities of today (those not over yet) and tomorrow.
async fn today_and_tomorrow(
    state: &AppState,
    community: &Community,
    at: i64,
) -> Result<Vec<crate::activities::store::Occurrence>, AppError> {
    let tz = community.tz();
    let after_tomorrow = crate::rooms::rules::local(&tz, at)
        .and_then(|t| t.date().checked_add(jiff::Span::new().days(2)).ok())
        .and_then(|d| crate::rooms::rules::at_local(&tz, d, jiff::civil::Time::midnight()))
        .unwrap_or(at + 2 * 86_400);
    let list = crate::activities::store::occurrences(
        &state.db,
        community.id,
        None,
        at - 3 * 3600,
        after_tomorrow,
        40,
    )
    .await?;
    Ok(list
        .into_iter()
        .filter(|o| o.ends_at > at)
        .take(8)
        .collect())
}

/// Public requests solved lately, with the team's last public word: "you
/// said, we did".
pub async fn recently_done(
    state: &AppState,
    community_id: i64,
    since: i64,
) -> Result<Vec<Done>, AppError> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS}, \
         (SELECT e.public_message FROM request_events e WHERE e.request_id = r.id AND e.audience = 'public' \
          AND e.public_message <> '' ORDER BY e.id DESC LIMIT 1) AS message \
         {REQUEST_FROM} WHERE r.community_id = $1 AND r.visibility <> 'private' AND NOT c.private_by_nature \
         AND r.status IN ('resolved', 'closed') AND r.resolved_at >= $2 ORDER BY r.resolved_at DESC LIMIT 6"
    );
    Ok(on_db!(&state.db, |pool| sqlx::query_as::<_, Done>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .bind(since)
    .fetch_all(pool)
    .await)?)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct EventsQuery {
    /// Where a fresh page starts; a reconnecting browser sends
    /// `Last-Event-ID` instead.
    after: Option<i64>,
}

struct Feed {
    backlog: VecDeque<Arc<LiveEvent>>,
    rx: tokio::sync::broadcast::Receiver<Arc<LiveEvent>>,
    last: i64,
    state: AppState,
    screen_id: i64,
    community_id: i64,
    stopping: tokio::sync::watch::Receiver<bool>,
}

fn to_event(e: &LiveEvent) -> Event {
    Event::default()
        .id(e.id.to_string())
        .event(e.kind.clone())
        .data(e.payload.clone())
}

/// `GET /screen/{token}/events`: Server-Sent Events, every one with an id;
/// what was missed since `Last-Event-ID` comes first.
pub async fn events(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<EventsQuery>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, AppError> {
    let screen = Screen::by_token(&state.db, &token, "screen")
        .await?
        .ok_or(AppError::NotFound)?;
    if state.live.heartbeat_due(screen.id) {
        Screen::touch(&state.db, screen.id).await?;
    }
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or(q.after);
    // Subscribe before reading the log, so nothing falls in between.
    let rx = state.live.subscribe();
    let last = match resume {
        Some(id) => id,
        None => live::latest_id(&state.db).await?,
    };
    let backlog = live::after(&state.db, Some(screen.community_id), last, 500).await?;
    let stopping = state.live.stopping();
    let feed = Feed {
        backlog: backlog.into_iter().map(Arc::new).collect(),
        rx,
        last,
        stopping,
        state,
        screen_id: screen.id,
        community_id: screen.community_id,
    };
    let stream = stream::unfold(feed, next_event);
    let first = stream::once(async {
        Ok::<Event, Infallible>(
            Event::default()
                .retry(Duration::from_secs(2))
                .comment("hello"),
        )
    });
    use futures_util::StreamExt;
    Ok(
        Sse::new(first.chain(stream))
            .keep_alive(KeepAlive::new().interval(Duration::from_secs(15))),
    )
}

async fn next_event(mut feed: Feed) -> Option<(Result<Event, Infallible>, Feed)> {
    loop {
        if let Some(e) = feed.backlog.pop_front() {
            if e.id > feed.last {
                feed.last = e.id;
                return Some((Ok(to_event(&e)), feed));
            }
            continue;
        }
        if *feed.stopping.borrow() {
            return None;
        }
        let received = tokio::select! {
            r = feed.rx.recv() => Some(r),
            _ = tokio::time::sleep(Duration::from_secs(60)) => None,
            // The server is stopping: end the stream; the browser reconnects
            // after the `retry` it was given and resumes from its last id.
            _ = feed.stopping.changed() => return None,
        };
        match received {
            None => {
                // A quiet minute: the screen is still there.
                if feed.state.live.heartbeat_due(feed.screen_id) {
                    let _ = Screen::touch(&feed.state.db, feed.screen_id).await;
                }
            }
            Some(Ok(e)) => {
                if e.community_id == feed.community_id && e.id > feed.last {
                    feed.last = e.id;
                    return Some((Ok(to_event(&e)), feed));
                }
            }
            Some(Err(RecvError::Lagged(_))) => {
                // Fell behind the broadcast: read what was missed from the log.
                let missed = live::after(&feed.state.db, Some(feed.community_id), feed.last, 500)
                    .await
                    .unwrap_or_default();
                feed.backlog = missed.into_iter().map(Arc::new).collect();
            }
            Some(Err(RecvError::Closed)) => return None,
        }
    }
}
