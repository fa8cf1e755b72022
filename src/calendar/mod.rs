//! The community's working calendar: when the administrator turns it on,
//! the deadlines of ordinary requests count working hours and working days
//! (danger and cut utilities always count by the clock).

pub mod rules;

use crate::db::BeginWrite;
use std::collections::BTreeSet;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use jiff::civil::{Date, Time};

pub use rules::WorkCalendar;

use crate::auth::{Role, SignedIn};
use crate::db::{Db, StoreError};
use crate::on_db;
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState, Ctx, render_form};

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/calendar", get(page).post(save))
}

#[derive(Debug, sqlx::FromRow)]
struct Settings {
    timezone: String,
    working_hours_on: bool,
    work_days: String,
    work_open: String,
    work_close: String,
}

#[derive(Debug, sqlx::FromRow)]
struct Day {
    day: String,
    working: bool,
    note: String,
}

const WEEKDAYS: &str = "1234567";

async fn settings(db: &Db, community_id: i64) -> Result<Settings, StoreError> {
    on_db!(db, |pool| sqlx::query_as::<_, Settings>(
        "SELECT timezone, working_hours_on, work_days, work_open, work_close FROM communities WHERE id = $1"
    )
    .bind(community_id)
    .fetch_optional(pool)
    .await)?
    .ok_or(StoreError::NotFound)
}

async fn days(db: &Db, community_id: i64) -> Result<Vec<Day>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Day>(
        "SELECT day, working, note FROM calendar_days WHERE community_id = $1 ORDER BY day"
    )
    .bind(community_id)
    .fetch_all(pool)
    .await)?)
}

fn minutes(text: &str) -> Option<i64> {
    let t: Time = text.trim().parse().ok()?;
    Some(i64::from(t.hour()) * 60 + i64::from(t.minute()))
}

/// The calendar deadlines count by, when the community keeps one; read
/// once per change of the settings (`db::Memo`).
pub async fn for_community(db: &Db, community_id: i64) -> Result<Option<WorkCalendar>, StoreError> {
    static CALENDARS: crate::db::Memo<i64, Option<WorkCalendar>> = crate::db::Memo::new();
    let kept = CALENDARS
        .get(db, community_id, || read_for_community(db, community_id))
        .await?;
    Ok(Option::clone(&kept))
}

async fn read_for_community(
    db: &Db,
    community_id: i64,
) -> Result<Option<WorkCalendar>, StoreError> {
    let s = settings(db, community_id).await?;
    if !s.working_hours_on {
        return Ok(None);
    }
    let tz = jiff::tz::TimeZone::get(&s.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let mut cal = WorkCalendar::standard(tz);
    if let (Some(open), Some(close)) = (minutes(&s.work_open), minutes(&s.work_close))
        && open < close
    {
        (cal.open, cal.close) = (open, close);
    }
    for (i, d) in WEEKDAYS.chars().enumerate() {
        cal.weekdays[i] = s.work_days.contains(d);
    }
    for d in days(db, community_id).await? {
        if let Ok(day) = d.day.parse::<Date>() {
            if d.working {
                cal.workdays.insert(day);
            } else {
                cal.holidays.insert(day);
            }
        }
    }
    Ok(Some(cal))
}

/// The form as typed: checkboxes come as "1" when ticked.
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct CalendarForm {
    pub on: String,
    pub d1: String,
    pub d2: String,
    pub d3: String,
    pub d4: String,
    pub d5: String,
    pub d6: String,
    pub d7: String,
    pub open: String,
    pub close: String,
    pub holidays: String,
    pub workdays: String,
}

impl CalendarForm {
    fn weekday_ticks(&self) -> [&str; 7] {
        [
            &self.d1, &self.d2, &self.d3, &self.d4, &self.d5, &self.d6, &self.d7,
        ]
        .map(|s| s.as_str())
    }
    pub fn ticked(&self, weekday: &usize) -> bool {
        self.weekday_ticks()
            .get(weekday.saturating_sub(1))
            .is_some_and(|s| !s.is_empty())
    }
}

/// A checked calendar, ready to store.
#[derive(Debug)]
pub struct Checked {
    on: bool,
    work_days: String,
    open: String,
    close: String,
    days: Vec<(Date, bool, String)>,
}

const MAX_LINES: usize = 200;

/// Checks the form; on a mistake, the lines that could not be read.
pub fn check(form: &CalendarForm) -> Result<Checked, (FieldErrors, Vec<String>)> {
    let mut errors = FieldErrors::default();
    let mut bad = Vec::new();
    let work_days: String = WEEKDAYS
        .chars()
        .zip(form.weekday_ticks())
        .filter(|(_, ticked)| !ticked.is_empty())
        .map(|(d, _)| d)
        .collect();
    if work_days.is_empty() {
        errors.add("weekdays", "calendar-no-weekdays");
    }
    let (open, close) = (minutes(&form.open), minutes(&form.close));
    match (open, close) {
        (Some(o), Some(c)) if o < c => {}
        (Some(_), Some(_)) => errors.add("close", "calendar-close-before-open"),
        (None, _) => errors.add("open", "calendar-bad-time"),
        (_, None) => errors.add("close", "calendar-bad-time"),
    }
    let mut days = Vec::new();
    let mut seen = BTreeSet::new();
    for (field, text, working) in [
        ("holidays", &form.holidays, false),
        ("workdays", &form.workdays, true),
    ] {
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.len() > MAX_LINES {
            errors.add(field, "calendar-too-many-lines");
            continue;
        }
        for line in lines {
            match rules::parse_days(line) {
                Some((dates, name)) => {
                    for d in dates {
                        if seen.insert(d) {
                            days.push((d, working, name.clone()));
                        }
                    }
                }
                None => {
                    errors.add(field, "calendar-bad-days");
                    bad.push(line.trim().chars().take(60).collect());
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err((errors, bad));
    }
    let hhmm = |m: Option<i64>| {
        let m = m.unwrap_or(0);
        format!("{:02}:{:02}", m / 60, m % 60)
    };
    Ok(Checked {
        on: !form.on.is_empty(),
        work_days,
        open: hhmm(open),
        close: hhmm(close),
        days,
    })
}

async fn store(db: &Db, community_id: i64, c: &Checked) -> Result<(), AppError> {
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE communities SET working_hours_on = $1, work_days = $2, work_open = $3, work_close = $4 \
                 WHERE id = $5",
            )
            .bind(c.on)
            .bind(&c.work_days)
            .bind(&c.open)
            .bind(&c.close)
            .bind(community_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM calendar_days WHERE community_id = $1")
                .bind(community_id)
                .execute(&mut *tx)
                .await?;
            for (day, working, note) in &c.days {
                sqlx::query(
                    "INSERT INTO calendar_days (community_id, day, working, note) VALUES ($1, $2, $3, $4)",
                )
                .bind(community_id)
                .bind(day.to_string())
                .bind(*working)
                .bind(note)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await
        }
        .await
    })?;
    crate::db::settings_changed();
    Ok(())
}

async fn current_form(db: &Db, community_id: i64) -> Result<CalendarForm, AppError> {
    let s = settings(db, community_id).await?;
    let tick = |d: char| {
        if s.work_days.contains(d) {
            "1".to_string()
        } else {
            String::new()
        }
    };
    let days = days(db, community_id).await?;
    let lines = |working: bool| {
        let list: Vec<(Date, String)> = days
            .iter()
            .filter(|d| d.working == working)
            .filter_map(|d| Some((d.day.parse().ok()?, d.note.clone())))
            .collect();
        rules::days_as_lines(&list)
    };
    Ok(CalendarForm {
        on: if s.working_hours_on {
            "1".into()
        } else {
            String::new()
        },
        d1: tick('1'),
        d2: tick('2'),
        d3: tick('3'),
        d4: tick('4'),
        d5: tick('5'),
        d6: tick('6'),
        d7: tick('7'),
        open: s.work_open,
        close: s.work_close,
        holidays: lines(false),
        workdays: lines(true),
    })
}

#[derive(Template)]
#[template(path = "admin/calendar.html")]
struct CalendarPage {
    ctx: Ctx,
    form: CalendarForm,
    errors: FieldErrors,
    bad_lines: Vec<String>,
    saved: bool,
}

impl CalendarPage {
    fn weekday_key(&self, weekday: &usize) -> &'static str {
        match weekday {
            1 => "weekday-1",
            2 => "weekday-2",
            3 => "weekday-3",
            4 => "weekday-4",
            5 => "weekday-5",
            6 => "weekday-6",
            _ => "weekday-7",
        }
    }
}

/// The page as saved (or, with mistakes, as typed, answered with 422).
fn show(
    ctx: Ctx,
    form: CalendarForm,
    mistakes: Option<(FieldErrors, Vec<String>)>,
    saved: bool,
) -> Result<Response, AppError> {
    let shows_mistakes = mistakes.is_some();
    let (errors, bad_lines) = mistakes.unwrap_or_default();
    let page = CalendarPage {
        ctx,
        form,
        errors,
        bad_lines,
        saved,
    };
    render_form(&page, shows_mistakes)
}

async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    show(
        ctx,
        current_form(&state.db, viewer.community_id).await?,
        None,
        false,
    )
}

async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<CalendarForm>,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    match check(&form) {
        Ok(checked) => {
            store(&state.db, viewer.community_id, &checked).await?;
            show(
                ctx,
                current_form(&state.db, viewer.community_id).await?,
                None,
                true,
            )
        }
        Err(mistakes) => show(ctx, form, Some(mistakes), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weekdays_form() -> CalendarForm {
        CalendarForm {
            on: "1".into(),
            d1: "1".into(),
            d2: "1".into(),
            d3: "1".into(),
            d4: "1".into(),
            d5: "1".into(),
            open: "08:30".into(),
            close: "17:30".into(),
            ..CalendarForm::default()
        }
    }

    #[test]
    fn a_plain_week_is_accepted() {
        let c = check(&weekdays_form()).unwrap();
        assert_eq!(
            (c.work_days.as_str(), c.open.as_str(), c.close.as_str()),
            ("12345", "08:30", "17:30")
        );
        assert!(c.on && c.days.is_empty());
    }

    #[test]
    fn bad_lines_are_named_and_nothing_is_half_accepted() {
        let form = CalendarForm {
            holidays: "2027-01-01 元旦\nfirst of May\n\n2027-10-01/2027-10-07 国庆节".into(),
            ..weekdays_form()
        };
        let (errors, bad) = check(&form).unwrap_err();
        assert_eq!(errors.get("holidays"), "calendar-bad-days");
        assert_eq!(bad, vec!["first of May".to_string()]);
    }

    #[test]
    fn a_day_listed_twice_counts_as_its_first_listing() {
        let form = CalendarForm {
            holidays: "2027-02-06/2027-02-12 春节".into(),
            workdays: "2027-02-06\n2027-02-20".into(),
            ..weekdays_form()
        };
        let c = check(&form).unwrap();
        assert_eq!(c.days.len(), 8);
        assert!(c.days.iter().filter(|d| d.1).count() == 1);
    }

    #[test]
    fn no_working_day_or_closing_before_opening_is_refused() {
        let form = CalendarForm {
            on: "1".into(),
            open: "18:00".into(),
            close: "09:00".into(),
            ..CalendarForm::default()
        };
        let (errors, _) = check(&form).unwrap_err();
        assert_eq!(errors.get("weekdays"), "calendar-no-weekdays");
        assert_eq!(errors.get("close"), "calendar-close-before-open");
        let form = CalendarForm {
            open: "8.30".into(),
            ..weekdays_form()
        };
        assert_eq!(check(&form).unwrap_err().0.get("open"), "calendar-bad-time");
    }
}
