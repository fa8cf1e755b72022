//! Calendar feeds (RFC 5545) that phone calendars subscribe to: the
//! community's activities, each workgroup's, and a person's own sign-ups
//! and bookings at a secret address they can reset. Series go out as one
//! event with its RRULE and an EXDATE per cancelled occurrence, in the
//! community's zone with its VTIMEZONE; UIDs are stable.
//!
//! Written here rather than with the `icalendar` crate: it cannot build a
//! VTIMEZONE, which a feed with TZID needs. The tests read every feed back
//! with that crate's parser and expand the series with `rrule`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::store::{self, Activity};
use crate::auth::SignedIn;
use crate::db::{Db, StoreError, now};
use crate::on_db;
use crate::web::{AppError, AppState, Community};

/// One calendar being written: lines folded at 75 octets, CRLF endings.
pub struct Ics {
    out: String,
}

impl Ics {
    pub fn new(name: &str, zone: &str) -> Ics {
        let mut ics = Ics { out: String::new() };
        for line in [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Grassroots//Community life//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
        ] {
            ics.line(line);
        }
        ics.line(&format!("X-WR-CALNAME:{}", text(name)));
        ics.line(&format!("X-WR-TIMEZONE:{zone}"));
        ics
    }

    /// Writes one content line, folded as RFC 5545 §3.1 asks, never
    /// splitting a character.
    pub fn line(&mut self, line: &str) {
        let mut width = 0;
        for ch in line.chars() {
            let len = ch.len_utf8();
            if width + len > 75 {
                self.out.push_str("\r\n ");
                width = 1;
            }
            self.out.push(ch);
            width += len;
        }
        self.out.push_str("\r\n");
    }

    pub fn finish(mut self) -> String {
        self.line("END:VCALENDAR");
        self.out
    }

    /// The zone's definition: its offsets and the changes between them
    /// from `from` to `to`, or its one offset when it has no changes then.
    pub fn timezone(&mut self, zone: &str, from: i64, to: i64) {
        let Ok(tz) = jiff::tz::TimeZone::get(zone) else {
            return;
        };
        self.line("BEGIN:VTIMEZONE");
        self.line(&format!("TZID:{zone}"));
        let start = jiff::Timestamp::from_second(from).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let mut any = false;
        for t in tz.following(start) {
            let at = t.timestamp();
            if at.as_second() > to {
                break;
            }
            let before =
                tz.to_offset(jiff::Timestamp::from_second(at.as_second() - 1).unwrap_or(at));
            let kind = if t.dst().is_dst() {
                "DAYLIGHT"
            } else {
                "STANDARD"
            };
            let wall = before.to_datetime(at);
            self.line(&format!("BEGIN:{kind}"));
            self.line(&format!("DTSTART:{}", wall.strftime("%Y%m%dT%H%M%S")));
            self.line(&format!("TZOFFSETFROM:{}", offset(before)));
            self.line(&format!("TZOFFSETTO:{}", offset(t.offset())));
            self.line(&format!("TZNAME:{}", text(t.abbreviation())));
            self.line(&format!("END:{kind}"));
            any = true;
        }
        if !any {
            let now = tz.to_offset(start);
            self.line("BEGIN:STANDARD");
            self.line("DTSTART:19700101T000000");
            self.line(&format!("TZOFFSETFROM:{}", offset(now)));
            self.line(&format!("TZOFFSETTO:{}", offset(now)));
            self.line("END:STANDARD");
        }
        self.line("END:VTIMEZONE");
    }
}

/// `+0800`, as TZOFFSETFROM/TO write an offset.
fn offset(o: jiff::tz::Offset) -> String {
    let seconds = o.seconds();
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.abs();
    format!("{sign}{:02}{:02}", s / 3600, s % 3600 / 60)
}

/// A TEXT value with `\`, `;`, `,` and line breaks escaped.
pub fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for ch in value.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

fn utc(at: i64) -> String {
    jiff::Timestamp::from_second(at)
        .map(|t| t.strftime("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_default()
}

fn local(zone: &jiff::tz::TimeZone, at: i64) -> String {
    crate::rooms::rules::local(zone, at)
        .map(|t| t.strftime("%Y%m%dT%H%M%S").to_string())
        .unwrap_or_default()
}

/// Writes the activities, each a series (or one event), with the
/// occurrences cancelled so far left out by EXDATE.
async fn activities(
    db: &Db,
    ics: &mut Ics,
    community: &Community,
    host: &str,
    list: &[Activity],
) -> Result<(), StoreError> {
    let tz = community.tz();
    let zone = &community.timezone;
    let stamp = utc(now());
    for a in list {
        let Some(timing) = a.timing() else { continue };
        let cancelled: Vec<i64> = on_db!(db, |pool| {
            sqlx::query_scalar(
            "SELECT original_at FROM occurrences WHERE activity_id = $1 AND cancelled_at IS NOT NULL ORDER BY original_at"
        )
        .bind(a.id)
        .fetch_all(pool)
        .await
        })?;
        let first = timing.starts_local;
        let end = first
            .checked_add(jiff::Span::new().minutes(timing.minutes))
            .unwrap_or(first);
        ics.line("BEGIN:VEVENT");
        ics.line(&format!("UID:activity-{}@{host}", a.id));
        ics.line(&format!("DTSTAMP:{stamp}"));
        ics.line(&format!(
            "DTSTART;TZID={zone}:{}",
            first.strftime("%Y%m%dT%H%M%S")
        ));
        ics.line(&format!(
            "DTEND;TZID={zone}:{}",
            end.strftime("%Y%m%dT%H%M%S")
        ));
        if !timing.rule.is_empty() {
            ics.line(&format!("RRULE:{}", timing.rule));
        }
        for original in cancelled {
            ics.line(&format!("EXDATE;TZID={zone}:{}", local(&tz, original)));
        }
        let summary = if a.title_en.is_empty() {
            a.title_zh.clone()
        } else {
            format!("{} {}", a.title_zh, a.title_en)
        };
        ics.line(&format!("SUMMARY:{}", text(&summary)));
        if !a.place_zh.is_empty() {
            ics.line(&format!(
                "LOCATION:{}",
                text(&format!("{} {}", a.place_zh, a.place_en))
            ));
        }
        if !a.description.is_empty() {
            ics.line(&format!("DESCRIPTION:{}", text(&a.description)));
        }
        ics.line(&format!("URL:https://{host}/activities/{}", a.id));
        ics.line("END:VEVENT");
        // Each time moved elsewhere overrides its instance (RECURRENCE-ID).
        let moved: Vec<(i64, i64, i64, String)> = on_db!(db, |pool| {
            sqlx::query_as(
            "SELECT original_at, starts_at, ends_at, reason FROM occurrences \
             WHERE activity_id = $1 AND cancelled_at IS NULL AND starts_at <> original_at ORDER BY original_at"
        )
        .bind(a.id)
        .fetch_all(pool)
        .await
        })?;
        for (original, starts, ends, reason) in moved {
            ics.line("BEGIN:VEVENT");
            ics.line(&format!("UID:activity-{}@{host}", a.id));
            ics.line(&format!(
                "RECURRENCE-ID;TZID={zone}:{}",
                local(&tz, original)
            ));
            ics.line(&format!("DTSTAMP:{stamp}"));
            ics.line(&format!("DTSTART;TZID={zone}:{}", local(&tz, starts)));
            ics.line(&format!("DTEND;TZID={zone}:{}", local(&tz, ends)));
            ics.line(&format!("SUMMARY:{}", text(&summary)));
            ics.line(&format!("DESCRIPTION:{}", text(&reason)));
            ics.line("END:VEVENT");
        }
    }
    Ok(())
}

fn answer(body: String, name: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-cache".to_string()),
        ],
        body,
    )
        .into_response()
}

fn host_of(state: &AppState, headers: &HeaderMap) -> String {
    let base = crate::web::base_url(state, headers);
    base.split("://")
        .nth(1)
        .unwrap_or(&base)
        .trim_end_matches('/')
        .to_string()
}

/// `GET /calendar/{file}`: `COMMUNITY.ics` (by the community's code),
/// `COMMUNITY.GROUP.ics` (a workgroup's), or `me-TOKEN.ics` (a person's).
pub async fn feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let name = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    let host = host_of(&state, &headers);
    if let Some(token) = name.strip_prefix("me-") {
        return personal(&state, token, &host).await;
    }
    let (community_code, group_code) = match name.split_once('.') {
        Some((c, g)) => (c, Some(g)),
        None => (name, None),
    };
    let community: Option<i64> = on_db!(&state.db, |pool| sqlx::query_scalar(
        "SELECT id FROM communities WHERE code = $1"
    )
    .bind(community_code)
    .fetch_optional(pool)
    .await)?;
    let community = Community::by_id(&state.db, community.ok_or(AppError::NotFound)?).await?;
    let group = match group_code {
        Some(code) => Some(
            crate::community::Workgroup::list(&state.db, community.id)
                .await?
                .into_iter()
                .find(|w| w.code == code)
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let list = store::activities(&state.db, community.id, group.as_ref().map(|g| g.id)).await?;
    let title = match &group {
        Some(g) => format!("{} · {} {}", community.name_zh, g.name_zh, g.name_en),
        None => format!("{} {}", community.name_zh, community.name_en),
    };
    let mut ics = Ics::new(&title, &community.timezone);
    let earliest = list
        .iter()
        .filter_map(|a| a.timing())
        .filter_map(|t| {
            crate::rooms::rules::at_local(
                &community.tz(),
                t.starts_local.date(),
                t.starts_local.time(),
            )
        })
        .min()
        .unwrap_or_else(now);
    ics.timezone(
        &community.timezone,
        earliest - 366 * 86_400,
        now() + 3 * 366 * 86_400,
    );
    activities(&state.db, &mut ics, &community, &host, &list).await?;
    Ok(answer(ics.finish(), &file))
}

/// A person's own feed: each occurrence they joined and each booking.
async fn personal(state: &AppState, token: &str, host: &str) -> Result<Response, AppError> {
    let found: Option<(i64, i64)> = on_db!(&state.db, |pool| sqlx::query_as(
        "SELECT id, community_id FROM accounts WHERE calendar_token = $1 AND active"
    )
    .bind(token)
    .fetch_optional(pool)
    .await)?;
    let (account, community_id) = found.ok_or(AppError::NotFound)?;
    let community = Community::by_id(&state.db, community_id).await?;
    let tz = community.tz();
    let zone = &community.timezone;
    let mut ics = Ics::new(&community.name_zh, zone);
    ics.timezone(zone, now() - 366 * 86_400, now() + 2 * 366 * 86_400);
    let stamp = utc(now());
    for j in super::pages::joined(&state.db, account, now() - 90 * 86_400).await? {
        ics.line("BEGIN:VEVENT");
        ics.line(&format!("UID:occurrence-{}@{host}", j.occurrence_id));
        ics.line(&format!("DTSTAMP:{stamp}"));
        ics.line(&format!("DTSTART;TZID={zone}:{}", local(&tz, j.starts_at)));
        ics.line(&format!("DTEND;TZID={zone}:{}", local(&tz, j.ends_at)));
        ics.line(&format!(
            "SUMMARY:{}",
            text(&format!("{} {}", j.title_zh, j.title_en))
        ));
        if j.cancelled_at.is_some() {
            ics.line("STATUS:CANCELLED");
        }
        ics.line(&format!("URL:https://{host}/activities/{}", j.activity_id));
        ics.line("END:VEVENT");
    }
    for b in crate::rooms::store::upcoming_of(&state.db, account, now() - 90 * 86_400).await? {
        ics.line("BEGIN:VEVENT");
        ics.line(&format!("UID:booking-{}@{host}", b.id));
        ics.line(&format!("DTSTAMP:{stamp}"));
        ics.line(&format!("DTSTART;TZID={zone}:{}", local(&tz, b.starts_at)));
        ics.line(&format!("DTEND;TZID={zone}:{}", local(&tz, b.ends_at)));
        ics.line(&format!(
            "SUMMARY:{}",
            text(&format!("{} {}", b.room_zh, b.room_en))
        ));
        if b.state == "pending" {
            ics.line("STATUS:TENTATIVE");
        }
        ics.line("END:VEVENT");
    }
    Ok(answer(ics.finish(), "me.ics"))
}

/// The person's feed token, made the first time it is asked for.
pub async fn token_of(db: &Db, account_id: i64) -> Result<String, StoreError> {
    let token: Option<String> = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT calendar_token FROM accounts WHERE id = $1"
    )
    .bind(account_id)
    .fetch_one(pool)
    .await)?;
    match token {
        Some(t) => Ok(t),
        None => new_token(db, account_id).await,
    }
}

async fn new_token(db: &Db, account_id: i64) -> Result<String, StoreError> {
    let token = crate::auth::random_token();
    on_db!(db, |pool| sqlx::query(
        "UPDATE accounts SET calendar_token = $1 WHERE id = $2"
    )
    .bind(&token)
    .bind(account_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(token)
}

/// A new secret address; the old one stops working.
pub async fn reset_feed(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    new_token(&state.db, viewer.id).await?;
    Ok(Redirect::to("/activities/mine#feed").into_response())
}
