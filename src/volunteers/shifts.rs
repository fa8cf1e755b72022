//! A shift's page and its steps (sign up, cancel, check in and out, ask
//! for a swap; a lead approves and confirms), and a lead making the roster.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::pages::{SaidQuery, said};
use super::roster::{self, NewShift, OnShift, Shift, Step};
use super::store::{self, Team};
use super::{rules, swaps};
use crate::auth::{Role, SignedIn, Viewer};
use crate::community::Community;
use crate::db::now;
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState, Ctx, render, render_form};

const DAY: i64 = 86_400;

/// A shift is for its team, reception and the administrator.
async fn shift_for(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> Result<(Shift, bool, bool), AppError> {
    let shift = roster::shift(&state.db, viewer.community_id, id, viewer.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let on_team = store::on_team(&state.db, shift.team_id, viewer.id).await?;
    let leads = on_team && store::leads(&state.db, shift.team_id, viewer.id).await?;
    if !on_team && !matches!(viewer.role(), Role::Reception | Role::Admin) {
        return Err(AppError::Forbidden);
    }
    Ok((shift, on_team, leads))
}

#[derive(Template)]
#[template(path = "volunteers_shift.html")]
struct ShiftPage {
    ctx: Ctx,
    shift: Shift,
    roster: Vec<OnShift>,
    members: Vec<(i64, String)>,
    on_team: bool,
    leads: bool,
    /// Phones are for the team, reception and the administrator: all who
    /// may open this page.
    error: &'static str,
    said: &'static str,
    me: i64,
}

impl ShiftPage {
    fn my_row(&self) -> Option<&OnShift> {
        self.roster.iter().find(|r| r.account_id == self.me)
    }

    fn started(&self) -> bool {
        self.ctx.now() >= self.shift.starts_at
    }

    fn ended(&self) -> bool {
        self.ctx.now() >= self.shift.ends_at
    }

    fn can_check_in(&self) -> bool {
        crate::rooms::rules::can_check_in(self.shift.starts_at, self.shift.ends_at, self.ctx.now())
    }
}

async fn show_shift(
    state: &AppState,
    ctx: Ctx,
    viewer: &Viewer,
    id: i64,
    error: &'static str,
    said_key: &'static str,
) -> Result<Response, AppError> {
    let (shift, on_team, leads) = shift_for(state, viewer, id).await?;
    let roster = roster::roster(&state.db, shift.id).await?;
    let members = store::members(&state.db, shift.team_id)
        .await?
        .into_iter()
        .filter(|(id, _)| *id != viewer.id)
        .collect();
    let page = ShiftPage {
        ctx,
        shift,
        roster,
        members,
        on_team,
        leads,
        error,
        said: said_key,
        me: viewer.id,
    };
    render_form(&page, !error.is_empty())
}

pub async fn shift_page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<SaidQuery>,
) -> Result<Response, AppError> {
    show_shift(&state, ctx, &viewer, id, "", said(&q.said)).await
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ShiftAct {
    action: String,
    /// The sign-up a lead approves or confirms.
    signup: i64,
    /// The member a swap is offered to.
    to: i64,
}

/// A step on a shift; a refusal shows the shift again with why.
pub async fn shift_act(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<ShiftAct>,
) -> Result<Response, AppError> {
    let (shift, on_team, leads) = shift_for(&state, &viewer, id).await?;
    match decide(&state, &viewer, &shift, on_team, leads, &form).await? {
        Ok(said) => {
            Ok(Redirect::to(&format!("/volunteers/shifts/{id}?said={said}")).into_response())
        }
        Err(key) => show_shift(&state, ctx, &viewer, id, key, "").await,
    }
}

async fn decide(
    state: &AppState,
    viewer: &Viewer,
    shift: &Shift,
    on_team: bool,
    leads: bool,
    form: &ShiftAct,
) -> Result<Result<&'static str, &'static str>, AppError> {
    let db = &state.db;
    let at = now();
    let mine = shift.my_signup;
    let moved = |ok: bool, said: &'static str| {
        if ok {
            Ok(said)
        } else {
            Err("duty-error-changed")
        }
    };
    Ok(match form.action.as_str() {
        "signup" if on_team => {
            if at >= shift.ends_at {
                return Ok(Err("duty-error-over"));
            }
            if let Err(key) = rules::may_take(shift.span(), &roster::busy(db, viewer.id, at).await?)
            {
                return Ok(Err(key));
            }
            match roster::sign_up(db, shift, viewer.id).await {
                Ok(_) if shift.needs_approval => Ok("duty-said-asked"),
                Ok(_) => Ok("duty-said-signed-up"),
                Err(crate::db::StoreError::Conflict(key)) => Err(key),
                Err(e) => return Err(e.into()),
            }
        }
        "cancel" => match mine {
            Some(s) if at < shift.starts_at => {
                moved(roster::step(db, s, Step::Cancel).await?, "duty-said-saved")
            }
            Some(_) => Err("duty-error-swap-begun"),
            None => Err("duty-error-changed"),
        },
        "checkin" => match mine {
            Some(s) if crate::rooms::rules::can_check_in(shift.starts_at, shift.ends_at, at) => {
                moved(
                    roster::step(db, s, Step::CheckIn(at)).await?,
                    "duty-said-saved",
                )
            }
            _ => Err("duty-error-not-now"),
        },
        "checkout" => {
            let row = roster::roster(db, shift.id)
                .await?
                .into_iter()
                .find(|r| r.account_id == viewer.id);
            match row {
                Some(r) if r.checked_in_at.is_some() => {
                    let minutes =
                        rules::served_minutes(shift.span(), r.checked_in_at, Some(at), false, at);
                    moved(
                        roster::step(db, r.signup_id, Step::CheckOut(at, minutes)).await?,
                        "duty-said-saved",
                    )
                }
                _ => Err("duty-error-not-now"),
            }
        }
        "swap" => {
            let Some(s) = mine else {
                return Ok(Err("duty-error-changed"));
            };
            let to_on_team = store::on_team(db, shift.team_id, form.to).await?;
            let to_busy = roster::busy(db, form.to, at).await?;
            match rules::check_swap(shift.span(), viewer.id, form.to, to_on_team, &to_busy, at) {
                Ok(()) => match swaps::ask_swap(db, s, form.to, &shift.title).await {
                    Ok(()) => Ok("duty-said-swap-asked"),
                    Err(crate::db::StoreError::Conflict(key)) => Err(key),
                    Err(e) => return Err(e.into()),
                },
                Err(key) => Err(key),
            }
        }
        "approve" if leads => {
            if !on_shift(state, shift, form.signup, viewer.id).await? {
                return Ok(Err("duty-error-changed"));
            }
            moved(
                roster::step(db, form.signup, Step::Approve).await?,
                "duty-said-saved",
            )
        }
        "confirm" if leads => {
            if at < shift.ends_at {
                return Ok(Err("duty-error-not-now"));
            }
            if !on_shift(state, shift, form.signup, viewer.id).await? {
                return Ok(Err("duty-error-changed"));
            }
            let minutes = rules::served_minutes(shift.span(), None, None, true, at);
            moved(
                roster::step(db, form.signup, Step::Confirm(viewer.id, minutes)).await?,
                "duty-said-saved",
            )
        }
        "signup" | "approve" | "confirm" => return Err(AppError::Forbidden),
        _ => Err("duty-error-changed"),
    })
}

/// Whether a sign-up belongs to this shift and to someone other than the
/// lead (a lead acts on their own team's shifts only, and never approves or
/// confirms their own).
async fn on_shift(
    state: &AppState,
    shift: &Shift,
    signup: i64,
    lead: i64,
) -> Result<bool, AppError> {
    Ok(roster::roster(&state.db, shift.id)
        .await?
        .iter()
        .any(|r| r.signup_id == signup && r.account_id != lead))
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ShiftForm {
    team: i64,
    title: String,
    place: String,
    route: String,
    date: String,
    starts: String,
    ends: String,
    weeks: String,
    places: String,
}

impl Default for ShiftForm {
    fn default() -> Self {
        ShiftForm {
            team: 0,
            title: String::new(),
            place: String::new(),
            route: String::new(),
            date: String::new(),
            starts: "19:00".into(),
            ends: "21:00".into(),
            weeks: "4".into(),
            places: "2".into(),
        }
    }
}

#[derive(Template)]
#[template(path = "volunteers_new_shift.html")]
struct NewShiftPage {
    ctx: Ctx,
    teams: Vec<Team>,
    form: ShiftForm,
    errors: FieldErrors,
}

/// The teams the person leads.
async fn led_teams(state: &AppState, viewer: &Viewer) -> Result<Vec<Team>, AppError> {
    let led: Vec<Team> = store::teams_of(&state.db, viewer.id)
        .await?
        .into_iter()
        .filter(|t| t.is_lead)
        .collect();
    if led.is_empty() {
        return Err(AppError::Forbidden);
    }
    Ok(led)
}

pub async fn new_shift_form(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    let teams = led_teams(&state, &viewer).await?;
    let tz = Community::by_id(&state.db, viewer.community_id).await?.tz();
    let form = ShiftForm {
        team: teams[0].id,
        date: crate::rooms::rules::local(&tz, now() + DAY)
            .map(|t| t.date().to_string())
            .unwrap_or_default(),
        ..ShiftForm::default()
    };
    render(&NewShiftPage {
        ctx,
        teams,
        form,
        errors: FieldErrors::default(),
    })
}

pub async fn new_shift(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<ShiftForm>,
) -> Result<Response, AppError> {
    let teams = led_teams(&state, &viewer).await?;
    let tz = Community::by_id(&state.db, viewer.community_id).await?.tz();
    let mut errors = FieldErrors::default();
    if !teams.iter().any(|t| t.id == form.team) {
        errors.add("team", "field-invalid-choice");
    }
    let title = form.title.trim();
    if title.is_empty() || title.chars().count() > 100 {
        errors.add("title", "duty-error-title");
    }
    let date = crate::rooms::rules::parse_date(&form.date);
    if date.is_none() {
        errors.add("date", "duty-error-date");
    }
    let starts = crate::rooms::rules::parse_time(&form.starts);
    let ends = crate::rooms::rules::parse_time(&form.ends);
    if starts.is_none() || starts == ends {
        errors.add("starts", "duty-error-time");
    }
    if ends.is_none() {
        errors.add("ends", "duty-error-time");
    }
    let weeks = rules::check_weeks(&form.weeks)
        .map_err(|k| errors.add("weeks", k))
        .ok();
    let places = rules::check_places(&form.places)
        .map_err(|k| errors.add("places", k))
        .ok();
    let times = match (date, starts, ends, weeks) {
        (Some(d), Some(s), Some(e), Some(w)) if errors.is_empty() => rules::weekly(&tz, d, s, e, w),
        _ => Vec::new(),
    };
    if errors.is_empty() && times.first().is_none_or(|t| t.1 <= now()) {
        errors.add("date", "duty-error-past");
    }
    if !errors.is_empty() {
        return render_form(
            &NewShiftPage {
                ctx,
                teams,
                form,
                errors,
            },
            true,
        );
    }
    let ids = roster::add_shifts(
        &state.db,
        &NewShift {
            community_id: viewer.community_id,
            team_id: form.team,
            title,
            place: form.place.trim(),
            route: form.route.trim(),
            places: places.unwrap_or(2),
            created_by: viewer.id,
        },
        &times,
    )
    .await?;
    let first = ids.first().copied().unwrap_or_default();
    Ok(Redirect::to(&format!("/volunteers/shifts/{first}?said=duty-said-made")).into_response())
}
