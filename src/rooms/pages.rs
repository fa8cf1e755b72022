//! The rooms' pages: the list, a room's week (free hours are buttons that
//! book with a tap), a person's bookings with check-in, and a lead's
//! approvals.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::{Date, Time};
use serde::Deserialize;

use super::rules::{self, at_local, minute_text, parse_date, parse_time};
use super::store::{self, Booking, Held, Room};
use crate::auth::{MaybeViewer, SignedIn, Viewer};
use crate::db::now;
use crate::i18n::Lang;
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState, Ctx, render, render_form};

#[derive(Template)]
#[template(path = "rooms.html")]
struct ListPage {
    ctx: Ctx,
    rooms: Vec<Room>,
    mine: Vec<Booking>,
    awaiting: Vec<Booking>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    MaybeViewer(viewer): MaybeViewer,
) -> Result<Response, AppError> {
    let rooms = store::list(&state.db, ctx.community.id).await?;
    let (mine, awaiting) = match &viewer {
        Some(v) => (
            store::upcoming_of(&state.db, v.id, now()).await?,
            store::awaiting_lead(&state.db, v.id).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    render(&ListPage {
        ctx,
        rooms,
        mine,
        awaiting,
    })
}

impl ListPage {
    fn hours(&self, room: &Room) -> String {
        format!(
            "{}–{}",
            minute_text(room.opens_minute),
            minute_text(room.closes_minute)
        )
    }
    fn when(&self, b: &Booking) -> String {
        span_text(&self.ctx, b.starts_at, b.ends_at)
    }
    fn can_check_in(&self, b: &Booking) -> bool {
        b.state == "confirmed"
            && b.checked_in_at.is_none()
            && rules::can_check_in(b.starts_at, b.ends_at, now())
    }
}

/// "Mon 7 Dec 09:00–10:00" in the community's zone.
pub fn span_text(ctx: &Ctx, starts_at: i64, ends_at: i64) -> String {
    let tz = ctx.community.tz();
    match (rules::local(&tz, starts_at), rules::local(&tz, ends_at)) {
        (Some(s), Some(e)) => format!(
            "{} {}–{}",
            day_label(ctx.lang, s.date()),
            time_of_day(s.time()),
            time_of_day(e.time())
        ),
        _ => String::new(),
    }
}

pub fn time_of_day(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// A day as people say it: "12月7日 周一", "Mon 7 Dec".
pub fn day_label(lang: Lang, date: Date) -> String {
    let weekday = lang.t(&format!(
        "weekday-short-{}",
        date.weekday().to_monday_one_offset()
    ));
    match lang {
        Lang::Zh => format!("{}月{}日 {weekday}", date.month(), date.day()),
        Lang::En => {
            const MONTHS: [&str; 12] = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ];
            let month = MONTHS[(date.month() as usize).saturating_sub(1) % 12];
            format!("{weekday} {} {month}", date.day())
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WeekQuery {
    week: String,
    booked: Option<i64>,
}

/// What a bookable hour of the week shows.
pub struct Slot {
    pub from: String,
    pub to: String,
    /// free, past, mine, taken or activity
    pub kind: &'static str,
    pub activity: String,
}

pub struct Day {
    pub label: String,
    pub date: String,
    pub slots: Vec<Slot>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(default)]
pub struct BookForm {
    pub date: String,
    pub from: String,
    pub to: String,
    pub purpose: String,
}

#[derive(Template)]
#[template(path = "room_week.html")]
struct WeekPage {
    ctx: Ctx,
    room: Room,
    days: Vec<Day>,
    previous: String,
    next: String,
    form: BookForm,
    errors: FieldErrors,
    booked: Option<Booking>,
}

impl WeekPage {
    fn hours(&self) -> String {
        format!(
            "{}–{}",
            minute_text(self.room.opens_minute),
            minute_text(self.room.closes_minute)
        )
    }
    fn booked_when(&self) -> String {
        self.booked
            .as_ref()
            .map(|b| span_text(&self.ctx, b.starts_at, b.ends_at))
            .unwrap_or_default()
    }
}

fn this_week(ctx: &Ctx, asked: &str) -> Date {
    let today = rules::local(&ctx.community.tz(), now())
        .map(|t| t.date())
        .unwrap_or_default();
    let day = parse_date(asked).unwrap_or(today);
    day.checked_sub(jiff::Span::new().days(i64::from(day.weekday().to_monday_zero_offset())))
        .unwrap_or(day)
}

/// The room's week from `monday`: each day's hours, free or held.
pub async fn week_days(
    state: &AppState,
    ctx: &Ctx,
    room: &Room,
    viewer: Option<&Viewer>,
    monday: Date,
) -> Result<Vec<Day>, AppError> {
    let tz = ctx.community.tz();
    let start = at_local(&tz, monday, Time::midnight()).unwrap_or_default();
    let end = monday
        .checked_add(jiff::Span::new().days(7))
        .ok()
        .and_then(|d| at_local(&tz, d, Time::midnight()))
        .unwrap_or(start + 7 * 86_400);
    let held = store::held_between(&state.db, room.id, start, end).await?;
    let at = now();
    let mut days = Vec::with_capacity(7);
    for offset in 0..7 {
        let Ok(date) = monday.checked_add(jiff::Span::new().days(offset)) else {
            continue;
        };
        let mut slots = Vec::new();
        let mut minute = room.opens_minute;
        while minute < room.closes_minute {
            let until = (minute + 60 - minute % 60).min(room.closes_minute);
            let (Some(s), Some(e)) = (
                minute_time(minute).and_then(|t| at_local(&tz, date, t)),
                slot_end(&tz, date, until),
            ) else {
                break;
            };
            let on_it: Option<&Held> = held
                .iter()
                .find(|h| rules::overlaps((s, e), (h.starts_at, h.ends_at)));
            let (kind, activity) = match on_it {
                Some(h) if h.activity_id.is_some() => (
                    "activity",
                    ctx.pick(
                        h.activity_zh.as_deref().unwrap_or(""),
                        h.activity_en.as_deref().unwrap_or(""),
                    )
                    .to_string(),
                ),
                Some(h) if viewer.is_some_and(|v| Some(v.id) == h.account_id) => {
                    ("mine", String::new())
                }
                Some(_) => ("taken", String::new()),
                None if e <= at => ("past", String::new()),
                None => ("free", String::new()),
            };
            slots.push(Slot {
                from: minute_text(minute),
                to: minute_text(until),
                kind,
                activity,
            });
            minute = until;
        }
        days.push(Day {
            label: day_label(ctx.lang, date),
            date: date.to_string(),
            slots,
        });
    }
    Ok(days)
}

fn minute_time(minute: i64) -> Option<Time> {
    Time::new((minute / 60) as i8, (minute % 60) as i8, 0, 0).ok()
}

/// The end of a slot; minute 1440 is the next midnight.
fn slot_end(tz: &jiff::tz::TimeZone, date: Date, minute: i64) -> Option<i64> {
    if minute >= 1440 {
        at_local(tz, date.tomorrow().ok()?, Time::midnight())
    } else {
        at_local(tz, date, minute_time(minute)?)
    }
}

/// What the week's page says about the person's last booking: the form as
/// they typed it with its mistakes, or the booking just made.
struct Said {
    form: BookForm,
    errors: FieldErrors,
    booked: Option<Booking>,
}

async fn show_week(
    state: &AppState,
    ctx: Ctx,
    viewer: Option<&Viewer>,
    room: Room,
    asked: &str,
    said: Said,
) -> Result<Response, AppError> {
    let Said {
        form,
        errors,
        booked,
    } = said;
    let monday = this_week(&ctx, asked);
    let days = week_days(state, &ctx, &room, viewer, monday).await?;
    let shift = |days: i64| {
        monday
            .checked_add(jiff::Span::new().days(days))
            .map(|d| d.to_string())
            .unwrap_or_default()
    };
    let mistakes = !errors.is_empty();
    render_form(
        &WeekPage {
            previous: shift(-7),
            next: shift(7),
            ctx,
            room,
            days,
            form,
            errors,
            booked,
        },
        mistakes,
    )
}

pub async fn week(
    State(state): State<AppState>,
    ctx: Ctx,
    MaybeViewer(viewer): MaybeViewer,
    Path(code): Path<String>,
    Query(q): Query<WeekQuery>,
) -> Result<Response, AppError> {
    let room = store::by_code(&state.db, ctx.community.id, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let booked = match (q.booked, &viewer) {
        (Some(id), Some(v)) => store::booking(&state.db, ctx.community.id, id)
            .await?
            .filter(|b| b.account_id == Some(v.id)),
        _ => None,
    };
    let form = BookForm {
        date: q.week.clone(),
        ..BookForm::default()
    };
    show_week(
        &state,
        ctx,
        viewer.as_ref(),
        room,
        &q.week,
        Said {
            form,
            errors: FieldErrors::default(),
            booked,
        },
    )
    .await
}

/// The span a form names, in the community's zone; or the field and the
/// message key saying what is wrong.
/// A tap on a free hour names only its start: it lasts to the next full
/// hour, or to closing.
pub fn span_of(
    ctx: &Ctx,
    form: &BookForm,
    closes_minute: i64,
) -> Result<(i64, i64), (&'static str, &'static str)> {
    let tz = ctx.community.tz();
    let date = parse_date(&form.date).ok_or(("date", "booking-date-wrong"))?;
    let from = parse_time(&form.from).ok_or(("from", "booking-time-wrong"))?;
    let starts = at_local(&tz, date, from).ok_or(("from", "booking-time-wrong"))?;
    let ends = if form.to.trim().is_empty() {
        let start = i64::from(from.hour()) * 60 + i64::from(from.minute());
        slot_end(
            &tz,
            date,
            (start + 60 - start % 60).min(closes_minute.max(start + 1)),
        )
    } else if form.to.trim() == "24:00" {
        slot_end(&tz, date, 1440)
    } else {
        parse_time(&form.to).and_then(|t| at_local(&tz, date, t))
    }
    .ok_or(("to", "booking-time-wrong"))?;
    Ok((starts, ends))
}

pub async fn book(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(code): Path<String>,
    Form(form): Form<BookForm>,
) -> Result<Response, AppError> {
    let room = store::by_code(&state.db, viewer.community_id, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::default();
    match span_of(&ctx, &form, room.closes_minute) {
        Err((field, key)) => errors.add(field, key),
        Ok((starts, ends)) => {
            let community = ctx.community.clone();
            match super::book_for(
                &state.db,
                &community,
                &room,
                &viewer,
                starts,
                ends,
                form.purpose.trim(),
            )
            .await?
            {
                Ok(id) => {
                    let to = format!("/rooms/{}?week={}&booked={id}", room.code, form.date.trim());
                    return Ok(Redirect::to(&to).into_response());
                }
                Err(key) => errors.add("booking", key),
            }
        }
    }
    let week = form.date.clone();
    let said = Said {
        form,
        errors,
        booked: None,
    };
    show_week(&state, ctx, Some(&viewer), room, &week, said).await
}

/// The person's own booking (or, for reception and the secretary, any in
/// the community).
async fn own_booking(state: &AppState, viewer: &Viewer, id: i64) -> Result<Booking, AppError> {
    let booking = store::booking(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let desk = viewer.role().sees_all_requests();
    if booking.account_id != Some(viewer.id) && !desk {
        return Err(AppError::Forbidden);
    }
    Ok(booking)
}

pub async fn check_in(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let booking = own_booking(&state, &viewer, id).await?;
    if !rules::can_check_in(booking.starts_at, booking.ends_at, now()) {
        return Err(AppError::Conflict("booking-check-in-closed"));
    }
    if !store::check_in(&state.db, id, now()).await? {
        return Err(AppError::Conflict("booking-check-in-closed"));
    }
    Ok(Redirect::to("/rooms").into_response())
}

pub async fn cancel(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    own_booking(&state, &viewer, id).await?;
    store::set_state(&state.db, id, &["pending", "confirmed"], "cancelled").await?;
    Ok(Redirect::to("/rooms").into_response())
}

/// A lead of the room's approving workgroup decides a pending booking.
async fn decide(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    to: &str,
) -> Result<Response, AppError> {
    let waiting = store::awaiting_lead(&state.db, viewer.id).await?;
    if !waiting.iter().any(|b| b.id == id) {
        return Err(AppError::Forbidden);
    }
    store::set_state(&state.db, id, &["pending"], to).await?;
    Ok(Redirect::to("/rooms").into_response())
}

pub async fn approve(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    decide(&state, &viewer, id, "confirmed").await
}

pub async fn refuse(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    decide(&state, &viewer, id, "refused").await
}
