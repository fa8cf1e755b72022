//! The secretary marks places bookable and sets each room's rules.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::rules::{minute_text, parse_time};
use super::store::{self, Room, RoomSettings};
use crate::auth::{Role, SignedIn};
use crate::community::{Place, Workgroup};
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState, Ctx, render_form};

#[derive(Debug, Deserialize, Clone)]
#[serde(default)]
pub struct RoomForm {
    place: String,
    code: String,
    opens: String,
    closes: String,
    longest: String,
    who: String,
    approver: String,
    grace: String,
}

impl Default for RoomForm {
    fn default() -> Self {
        RoomForm {
            place: String::new(),
            code: String::new(),
            opens: "08:00".into(),
            closes: "21:00".into(),
            longest: "120".into(),
            who: "residents".into(),
            approver: String::new(),
            grace: "15".into(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/rooms.html")]
struct RoomsAdmin {
    ctx: Ctx,
    rooms: Vec<Room>,
    places: Vec<Place>,
    workgroups: Vec<Workgroup>,
    form: RoomForm,
    errors: FieldErrors,
}

impl RoomsAdmin {
    fn hours(&self, room: &Room) -> String {
        format!(
            "{}–{}",
            minute_text(room.opens_minute),
            minute_text(room.closes_minute)
        )
    }
    fn approver(&self, room: &Room) -> String {
        self.workgroups
            .iter()
            .find(|w| Some(w.id) == room.approver_workgroup_id)
            .map(|w| self.ctx.pick(&w.name_zh, &w.name_en).to_string())
            .unwrap_or_else(|| "—".into())
    }
    fn who_key(&self, who: &str) -> String {
        format!("room-who-{who}")
    }
    fn whos(&self) -> [&'static str; 3] {
        super::WHO
    }
}

async fn show(
    state: &AppState,
    ctx: Ctx,
    form: RoomForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let rooms = store::list(&state.db, ctx.community.id).await?;
    let places = Place::list(&state.db, ctx.community.id)
        .await?
        .into_iter()
        .filter(|p| p.kind == "common")
        .collect();
    let workgroups = Workgroup::list(&state.db, ctx.community.id).await?;
    let mistakes = !errors.is_empty();
    render_form(
        &RoomsAdmin {
            ctx,
            rooms,
            places,
            workgroups,
            form,
            errors,
        },
        mistakes,
    )
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    show(&state, ctx, RoomForm::default(), FieldErrors::default()).await
}

/// Reads the form; or the mistakes in it.
fn settings(
    form: &RoomForm,
    places: &[Place],
    workgroups: &[Workgroup],
) -> Result<RoomSettings, FieldErrors> {
    let mut errors = FieldErrors::default();
    let place = form
        .place
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| places.iter().any(|p| p.id == *id));
    if place.is_none() {
        errors.add("place", "room-place-required");
    }
    let code = form.code.trim().to_ascii_lowercase();
    let code_ok = !code.is_empty()
        && code.len() <= 20
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !code_ok {
        errors.add("code", "room-code-wrong");
    }
    let minute = |t: jiff::civil::Time| i64::from(t.hour()) * 60 + i64::from(t.minute());
    let opens = parse_time(&form.opens).map(minute);
    let closes = if form.closes.trim() == "24:00" {
        Some(1440)
    } else {
        parse_time(&form.closes).map(minute)
    };
    match (opens, closes) {
        (Some(o), Some(c)) if o < c => {}
        _ => errors.add("closes", "room-hours-wrong"),
    }
    let longest = form
        .longest
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|m| (15..=1440).contains(m));
    if longest.is_none() {
        errors.add("longest", "room-longest-wrong");
    }
    let grace = form
        .grace
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|m| (0..=120).contains(m));
    if grace.is_none() {
        errors.add("grace", "room-grace-wrong");
    }
    if !super::WHO.contains(&form.who.as_str()) {
        errors.add("who", "room-who-wrong");
    }
    let approver = match form.approver.trim() {
        "" => None,
        id => match id
            .parse::<i64>()
            .ok()
            .filter(|id| workgroups.iter().any(|w| w.id == *id))
        {
            Some(id) => Some(id),
            None => {
                errors.add("approver", "room-approver-wrong");
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(RoomSettings {
        place_id: place.unwrap_or_default(),
        code,
        opens_minute: opens.unwrap_or_default(),
        closes_minute: closes.unwrap_or(1440),
        longest_minutes: longest.unwrap_or(120),
        who_may_book: form.who.clone(),
        approver_workgroup_id: approver,
        grace_minutes: grace.unwrap_or(15),
    })
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<RoomForm>,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    let places = Place::list(&state.db, viewer.community_id).await?;
    let workgroups = Workgroup::list(&state.db, viewer.community_id).await?;
    let mut checked = settings(&form, &places, &workgroups);
    if let Ok(s) = &checked {
        let other = store::list(&state.db, viewer.community_id)
            .await?
            .into_iter()
            .any(|r| r.code == s.code && r.place_id != s.place_id);
        if other {
            let mut errors = FieldErrors::default();
            errors.add("code", "room-code-taken");
            checked = Err(errors);
        }
    }
    match checked {
        Ok(s) => {
            store::save(&state.db, viewer.community_id, &s).await?;
            Ok(Redirect::to("/admin/rooms").into_response())
        }
        Err(errors) => show(&state, ctx, form, errors).await,
    }
}
