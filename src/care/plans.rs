//! A care plan's pages: opening one (logged for everyone but the
//! resident), recording contacts and events, closing it, and making a new
//! one with the resident's consent.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::access_log;
use super::pages::{SaidQuery, level_key, said};
use super::rules::{self, CheckIn, Level, Seat};
use super::store::{self, Contact, Plan};
use crate::auth::{Role, SignedIn, Viewer};
use crate::db::{Db, StoreError, now};
use crate::desk::people::{self, Candidate};
use crate::on_db;
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState, Ctx, render, render_form};

/// Opens a plan for someone with a seat at it, logging every opening by
/// someone other than the resident; anyone else is refused (logged too)
/// and told there is no such plan.
pub(super) async fn open(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    door: &str,
) -> Result<(Plan, Seat), AppError> {
    let db = &state.db;
    let plan = store::plan(db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let team = super::on_care_team(db, viewer).await?.is_some();
    let seat = rules::seat(
        viewer.id,
        viewer.is_admin(),
        team,
        plan.account_id,
        plan.carer_id,
        plan.backup_id,
    );
    match seat {
        Some(Seat::Resident) => Ok((plan, Seat::Resident)),
        Some(seat) => {
            access_log::log(db, viewer.community_id, plan.id, viewer.id, "opened", door).await?;
            Ok((plan, seat))
        }
        None => {
            access_log::log(db, viewer.community_id, plan.id, viewer.id, "refused", door).await?;
            Err(AppError::NotFound)
        }
    }
}

#[derive(Template)]
#[template(path = "care_plan.html")]
struct PlanPage {
    ctx: Ctx,
    plan: Plan,
    seat: Seat,
    history: Vec<Contact>,
    note: String,
    error: &'static str,
    said: &'static str,
}

impl PlanPage {
    fn level_key(&self) -> String {
        level_key(&self.plan.level)
    }

    fn records(&self) -> bool {
        self.seat.records_contact() && self.plan.closed_at.is_none()
    }

    fn runs(&self) -> bool {
        self.seat.runs_plans() && self.plan.closed_at.is_none()
    }

    fn is_resident(&self) -> bool {
        self.seat == Seat::Resident
    }
}

pub async fn plan_page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Query(q): Query<SaidQuery>,
) -> Result<Response, AppError> {
    let (plan, seat) = open(&state, &viewer, id, "page").await?;
    let history = store::history(&state.db, plan.id).await?;
    render(&PlanPage {
        ctx,
        plan,
        seat,
        history,
        note: String::new(),
        error: "",
        said: said(&q.said),
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PlanAct {
    action: String,
    kind: String,
    note: String,
}

/// Records a visit or call, a hospital stay or major change, or closes
/// the plan.
pub async fn plan_act(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<PlanAct>,
) -> Result<Response, AppError> {
    let (plan, seat) = open(&state, &viewer, id, "page").await?;
    let note: String = form.note.trim().chars().take(2000).collect();
    let at = now();
    let outcome: Result<(), &'static str> = match form.action.as_str() {
        _ if plan.closed_at.is_some() => Err("care-error-closed"),
        "contact" if seat.records_contact() => {
            match CheckIn::parse(&form.kind).filter(|k| k.by_carer()) {
                Some(kind) => {
                    store::check_in(&state.db, &plan, kind, Some(viewer.id), "page", &note, at)
                        .await
                        .map(Ok)
                        .or_else(refusal)?
                }
                None => Err("care-error-contact-kind"),
            }
        }
        "event" if seat.records_contact() => match form.kind.as_str() {
            "hospital" | "change" => {
                store::record_event(&state.db, &plan, &form.kind, &note, viewer.id, at)
                    .await
                    .map(Ok)
                    .or_else(refusal)?
            }
            _ => Err("care-error-event-kind"),
        },
        "close" if seat.runs_plans() => {
            store::close(&state.db, &plan, &note, false, viewer.id).await?;
            Ok(())
        }
        "contact" | "event" | "close" => return Err(AppError::Forbidden),
        _ => return Err(AppError::BadRequest("field-invalid-choice")),
    };
    match outcome {
        Ok(()) => {
            Ok(Redirect::to(&format!("/care/plans/{id}?said=care-said-saved")).into_response())
        }
        Err(error) => {
            let history = store::history(&state.db, plan.id).await?;
            let page = PlanPage {
                ctx,
                plan,
                seat,
                history,
                note: form.note,
                error,
                said: "",
            };
            render_form(&page, true)
        }
    }
}

/// A store's refusal as the message to show; other failures stay errors.
fn refusal(e: StoreError) -> Result<Result<(), &'static str>, StoreError> {
    match e {
        StoreError::Conflict(key) | StoreError::Invalid(key) => Ok(Err(key)),
        e => Err(e),
    }
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(default)]
pub struct PlanForm {
    find: String,
    person: Option<i64>,
    level: String,
    every_days: String,
    carer: i64,
    backup: i64,
    grace_hours: String,
    consent: String,
    notes: String,
}

impl Default for PlanForm {
    fn default() -> Self {
        PlanForm {
            find: String::new(),
            person: None,
            level: "key".into(),
            every_days: "30".into(),
            carer: 0,
            backup: 0,
            grace_hours: "24".into(),
            consent: String::new(),
            notes: String::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "care_new.html")]
struct NewPage {
    ctx: Ctx,
    form: PlanForm,
    candidates: Vec<Candidate>,
    person: Option<Candidate>,
    carers: Vec<(i64, String)>,
    errors: FieldErrors,
    levels: [Level; 3],
}

impl NewPage {
    fn level_key(&self, l: &Level) -> String {
        level_key(l.as_str())
    }
}

/// Volunteers, members and leads of the community: who may care.
async fn eligible_carers(db: &Db, community_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, (i64, String)>(
        "SELECT id, display_name FROM accounts WHERE community_id = $1 AND active \
         AND role IN ('volunteer', 'member', 'lead') ORDER BY display_name"
    )
    .bind(community_id)
    .fetch_all(pool)
    .await)?)
}

async fn require_runs_plans(state: &AppState, viewer: &Viewer) -> Result<(), AppError> {
    if viewer.role() == Role::Admin || super::on_care_team(&state.db, viewer).await?.is_some() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn show_new(
    state: &AppState,
    ctx: Ctx,
    viewer: &Viewer,
    form: PlanForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let (candidates, person) =
        people::choose(&state.db, viewer.community_id, &form.find, form.person).await?;
    let carers = eligible_carers(&state.db, viewer.community_id).await?;
    let mistakes = !errors.is_empty();
    let page = NewPage {
        ctx,
        form,
        candidates,
        person,
        carers,
        errors,
        levels: Level::ALL,
    };
    render_form(&page, mistakes)
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Query(form): Query<PlanForm>,
) -> Result<Response, AppError> {
    require_runs_plans(&state, &viewer).await?;
    show_new(&state, ctx, &viewer, form, FieldErrors::default()).await
}

/// Makes a plan with the resident's consent; every mistake is shown with
/// what was typed.
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<PlanForm>,
) -> Result<Response, AppError> {
    require_runs_plans(&state, &viewer).await?;
    let db = &state.db;
    let mut errors = FieldErrors::default();
    let person = match form.person {
        Some(id) => people::by_id(db, viewer.community_id, id).await?,
        None => None,
    };
    if person.is_none() {
        errors.add("find", "care-error-person");
    }
    let level = Level::parse(&form.level);
    if level.is_none() {
        errors.add("level", "field-invalid-choice");
    }
    let every = level.and_then(|l| {
        rules::check_every(l, &form.every_days)
            .map_err(|k| errors.add("every_days", k))
            .ok()
    });
    let grace = rules::check_grace(&form.grace_hours)
        .map_err(|k| errors.add("grace_hours", k))
        .ok();
    if let Err(key) = rules::check_consent(&form.consent, Some(viewer.id)) {
        errors.add("consent", key);
    }
    let eligible: Vec<i64> = eligible_carers(db, viewer.community_id)
        .await?
        .into_iter()
        .map(|c| c.0)
        .collect();
    let backup = (form.backup != 0).then_some(form.backup);
    if let Some(p) = &person
        && let Err((field, key)) = rules::check_carers(p.id, form.carer, backup, &eligible)
    {
        errors.add(field, key);
    }
    let (Some(person), Some(level), Some(every), Some(grace), true) =
        (person, level, every, grace, errors.is_empty())
    else {
        return show_new(&state, ctx, &viewer, form, errors).await;
    };
    let new = store::NewPlan {
        community_id: viewer.community_id,
        account_id: person.id,
        consent_how: form.consent.trim(),
        recorded_by: viewer.id,
        level,
        every_days: every,
        carer_id: form.carer,
        backup_id: backup,
        grace_hours: grace,
        notes: form.notes.trim(),
    };
    match store::create(db, &new, now()).await {
        Ok(id) => {
            Ok(Redirect::to(&format!("/care/plans/{id}?said=care-said-made")).into_response())
        }
        Err(StoreError::Conflict(key)) => {
            errors.add("find", key);
            show_new(&state, ctx, &viewer, form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}
