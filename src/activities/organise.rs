//! The organiser's pages: a new activity (once, or repeating by a common
//! pattern or a rule typed by hand), and cancelling one occurrence with a
//! reason everyone signed up is told.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::recurrence::{self, Repeat, Timing};
use super::store::{self, Activity, NewActivity};
use crate::auth::SignedIn;
use crate::community::{Place, Workgroup};
use crate::db::{StoreError, now};
use crate::i18n::Lang;
use crate::rooms::rules::{parse_date, parse_time};
use crate::web::forms::{FieldErrors, optional_text, required_text};
use crate::web::{AppError, AppState, Ctx, render_form};

/// "Every day", "Every week on Tue, Thu", "The first Sat of each month",
/// or the rule itself when it is none of these.
pub fn describe(lang: Lang, activity: &Activity) -> String {
    let rule = activity.rrule.as_str();
    if rule.is_empty() {
        return lang.t("activity-repeat-once");
    }
    let parts: Vec<&str> = rule.split(';').collect();
    let day_name = |code: &str| {
        recurrence::DAY_CODES
            .iter()
            .position(|c| *c == code)
            .map(|i| lang.t(&format!("weekday-short-{}", i + 1)))
            .unwrap_or_else(|| code.to_string())
    };
    let until = parts
        .iter()
        .any(|p| p.starts_with("UNTIL") || p.starts_with("COUNT"));
    let said = match parts.as_slice() {
        ["FREQ=DAILY", ..] if parts.len() == 1 || until && parts.len() == 2 => {
            lang.t("activity-repeat-daily")
        }
        ["FREQ=WEEKLY", by, ..] if by.starts_with("BYDAY=") => {
            let days: Vec<String> = by
                .trim_start_matches("BYDAY=")
                .split(',')
                .map(day_name)
                .collect();
            lang.t_args(
                "activity-repeat-weekly-on",
                &[("days", days.join(lang.pick("、", ", ")))],
            )
        }
        ["FREQ=MONTHLY", by, ..] if by.starts_with("BYDAY=") => {
            let value = by.trim_start_matches("BYDAY=");
            let split = value.len().saturating_sub(2);
            let (nth, day) = value.split_at(split);
            lang.t_args(
                "activity-repeat-monthly-on",
                &[
                    ("nth", lang.t(&format!("activity-nth-{nth}"))),
                    ("day", day_name(day)),
                ],
            )
        }
        _ => rule.to_string(),
    };
    if until {
        format!("{said} ({})", rule)
    } else {
        said
    }
}

#[derive(Debug, Deserialize, Clone)]
#[serde(default)]
pub struct NewForm {
    pub title_zh: String,
    pub title_en: String,
    pub workgroup: String,
    pub place: String,
    pub description: String,
    pub teacher: String,
    pub capacity: String,
    pub date: String,
    pub time: String,
    pub minutes: String,
    pub repeat: String,
    /// The weekday boxes ticked for "every week" (`day_MO=1` …): one
    /// field each, as a form sends them.
    #[serde(rename = "day_MO")]
    pub mo: String,
    #[serde(rename = "day_TU")]
    pub tu: String,
    #[serde(rename = "day_WE")]
    pub we: String,
    #[serde(rename = "day_TH")]
    pub th: String,
    #[serde(rename = "day_FR")]
    pub fr: String,
    #[serde(rename = "day_SA")]
    pub sa: String,
    #[serde(rename = "day_SU")]
    pub su: String,
    pub nth: String,
    pub until: String,
    pub rule: String,
    pub closes: String,
}

impl Default for NewForm {
    fn default() -> Self {
        NewForm {
            title_zh: String::new(),
            title_en: String::new(),
            workgroup: String::new(),
            place: String::new(),
            description: String::new(),
            teacher: String::new(),
            capacity: "20".into(),
            date: String::new(),
            time: "09:00".into(),
            minutes: "60".into(),
            repeat: "once".into(),
            mo: String::new(),
            tu: String::new(),
            we: String::new(),
            th: String::new(),
            fr: String::new(),
            sa: String::new(),
            su: String::new(),
            nth: "1".into(),
            until: String::new(),
            rule: String::new(),
            closes: "60".into(),
        }
    }
}

impl NewForm {
    /// The weekdays ticked, as RRULE codes.
    pub fn days(&self) -> Vec<String> {
        let ticked = [
            &self.mo, &self.tu, &self.we, &self.th, &self.fr, &self.sa, &self.su,
        ];
        recurrence::DAY_CODES
            .iter()
            .zip(ticked)
            .filter(|(_, t)| !t.is_empty())
            .map(|(c, _)| c.to_string())
            .collect()
    }
}

#[derive(Template)]
#[template(path = "activity_new.html")]
struct NewPage {
    ctx: Ctx,
    form: NewForm,
    errors: FieldErrors,
    groups: Vec<Workgroup>,
    places: Vec<Place>,
}

impl NewPage {
    fn repeats(&self) -> &'static [&'static str] {
        &["once", "daily", "weekly", "monthly", "custom"]
    }
    fn day_codes(&self) -> &'static [&'static str] {
        &recurrence::DAY_CODES
    }
    fn nths(&self) -> &'static [&'static str] {
        &["1", "2", "3", "4", "-1"]
    }
    fn day_checked(&self, code: &str) -> bool {
        self.form.days().iter().any(|d| d == code)
    }
}

async fn show(
    state: &AppState,
    ctx: Ctx,
    viewer: &crate::auth::Viewer,
    form: NewForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let groups = super::organised_by(&state.db, viewer).await?;
    if groups.is_empty() {
        return Err(AppError::Forbidden);
    }
    let places = Place::list(&state.db, viewer.community_id)
        .await?
        .into_iter()
        .filter(|p| p.kind == "common")
        .collect();
    let mistakes = !errors.is_empty();
    render_form(
        &NewPage {
            ctx,
            form,
            errors,
            groups,
            places,
        },
        mistakes,
    )
}

pub async fn new_page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    let today = crate::rooms::rules::local(&ctx.community.tz(), now())
        .map(|t| t.date().to_string())
        .unwrap_or_default();
    let form = NewForm {
        date: today,
        ..NewForm::default()
    };
    show(&state, ctx, &viewer, form, FieldErrors::default()).await
}

/// Reads the form against the person's workgroups and the places; the
/// activity to write, or the mistakes.
fn read(
    form: &NewForm,
    groups: &[Workgroup],
    places: &[Place],
    zone: &str,
    viewer_id: i64,
) -> Result<NewActivity, FieldErrors> {
    let mut errors = FieldErrors::default();
    let title_zh = required_text(&mut errors, "title_zh", &form.title_zh, 60);
    let title_en = optional_text(&mut errors, "title_en", &form.title_en, 80);
    let description = optional_text(&mut errors, "description", &form.description, 2000);
    let teacher = optional_text(&mut errors, "teacher", &form.teacher, 60);
    let workgroup = form
        .workgroup
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| groups.iter().any(|w| w.id == *id));
    if workgroup.is_none() {
        errors.add("workgroup", "activity-workgroup-required");
    }
    let place = match form.place.trim() {
        "" => None,
        id => {
            let found = id
                .parse::<i64>()
                .ok()
                .filter(|id| places.iter().any(|p| p.id == *id));
            if found.is_none() {
                errors.add("place", "activity-place-wrong");
            }
            found
        }
    };
    let capacity = form
        .capacity
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|c| (1..=500).contains(c));
    if capacity.is_none() {
        errors.add("capacity", "activity-capacity-wrong");
    }
    let closes = form
        .closes
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|c| (0..=7 * 24 * 60).contains(c));
    if closes.is_none() {
        errors.add("closes", "activity-closes-wrong");
    }
    let minutes = form
        .minutes
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|m| (5..=24 * 60).contains(m));
    if minutes.is_none() {
        errors.add("minutes", "activity-minutes-wrong");
    }
    let date = parse_date(&form.date);
    if date.is_none() {
        errors.add("date", "booking-date-wrong");
    }
    let time = parse_time(&form.time);
    if time.is_none() {
        errors.add("time", "booking-time-wrong");
    }
    let until = match form.until.trim() {
        "" => None,
        typed => {
            let day = parse_date(typed);
            if day.is_none() {
                errors.add("until", "booking-date-wrong");
            }
            day
        }
    };
    let repeat = Repeat::parse(&form.repeat).unwrap_or(Repeat::Once);
    let nth = form.nth.trim().parse::<i8>().unwrap_or(1);
    let (Some(date), Some(time), Some(minutes)) = (date, time, minutes) else {
        return Err(errors);
    };
    let first = date.to_datetime(time);
    let rule = match recurrence::rule_for(repeat, first, &form.days(), nth, until, &form.rule, zone)
    {
        Ok(rule) => rule,
        Err(key) => {
            errors.add("repeat", key);
            return Err(errors);
        }
    };
    let timing = Timing {
        starts_local: first,
        minutes,
        rule,
    };
    if let Err(key) = recurrence::check(&timing, zone) {
        errors.add(
            if repeat == Repeat::Custom {
                "rule"
            } else {
                "repeat"
            },
            key,
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NewActivity {
        workgroup_id: workgroup.unwrap_or_default(),
        place_id: place,
        title_zh,
        title_en,
        description,
        teacher,
        capacity: capacity.unwrap_or(20),
        timing,
        closes_minutes_before: closes.unwrap_or(60),
        created_by: Some(viewer_id),
    })
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<NewForm>,
) -> Result<Response, AppError> {
    let groups = super::organised_by(&state.db, &viewer).await?;
    if groups.is_empty() {
        return Err(AppError::Forbidden);
    }
    let places: Vec<Place> = Place::list(&state.db, viewer.community_id)
        .await?
        .into_iter()
        .filter(|p| p.kind == "common")
        .collect();
    let zone = ctx.community.timezone.clone();
    let new = match read(&form, &groups, &places, &zone, viewer.id) {
        Ok(new) => new,
        Err(errors) => return show(&state, ctx, &viewer, form, errors).await,
    };
    let room = match new.place_id {
        Some(place) => crate::rooms::store::at_place(&state.db, place).await?,
        None => None,
    };
    match store::create(&state.db, viewer.community_id, &zone, room.as_ref(), &new).await {
        Ok(id) => Ok(Redirect::to(&format!("/activities/{id}")).into_response()),
        Err(StoreError::Conflict(key)) | Err(StoreError::Invalid(key)) => {
            let mut errors = FieldErrors::default();
            errors.add("place", key);
            show(&state, ctx, &viewer, form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}
