//! Care's pages: `/care` (the care team's dashboard, a carer's residents,
//! a resident's own plan with "I'm fine" and "I need help"), withdrawing
//! consent, and the access log for the secretary. A plan's own pages are
//! in `plans`.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::access_log::{self, Opening};
use super::alerts;
use super::rules::{self, CheckIn};
use super::store::{self, Plan};
use crate::auth::{Role, SignedIn, Viewer};
use crate::db::{Db, now};
use crate::on_db;
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState, Ctx, render, render_form};

const SAID: [&str; 5] = [
    "care-said-fine",
    "care-said-help",
    "care-said-saved",
    "care-said-made",
    "care-said-withdrawn",
];

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SaidQuery {
    pub(super) said: String,
}

pub(super) fn said(typed: &str) -> &'static str {
    SAID.into_iter().find(|k| *k == typed).unwrap_or("")
}

/// What the care team and the secretary see.
pub struct Dashboard {
    pub plans: Vec<Plan>,
    pub alerts: Vec<(i64, String, i64)>,
    pub kept: usize,
    pub total: usize,
}

impl Dashboard {
    pub fn percent(&self) -> String {
        rules::percent(self.kept, self.total).map_or("–".into(), |p| format!("{p}%"))
    }
}

#[derive(Template)]
#[template(path = "care.html")]
struct HomePage {
    ctx: Ctx,
    own: Vec<Plan>,
    caring: Vec<Plan>,
    dashboard: Option<Dashboard>,
    runs_plans: bool,
    said: &'static str,
    error: &'static str,
}

impl HomePage {
    fn level_key(&self, p: &Plan) -> String {
        level_key(&p.level)
    }

    fn own_open(&self) -> bool {
        self.own.iter().any(|p| p.closed_at.is_none())
    }
}

pub fn level_key(level: &str) -> String {
    format!("care-level-{level}")
}

async fn show_home(
    state: &AppState,
    ctx: Ctx,
    viewer: &Viewer,
    said: &'static str,
    error: &'static str,
) -> Result<Response, AppError> {
    let db = &state.db;
    let team = super::on_care_team(db, viewer).await?.is_some();
    let runs_plans = team || viewer.is_admin();
    let dashboard = if runs_plans {
        let plans = store::open_plans(db, viewer.community_id).await?;
        let contacts: Vec<(Option<i64>, i64)> = plans
            .iter()
            .map(|p| (p.last_contact_at, p.every_days))
            .collect();
        let (kept, total) = rules::visit_rate(&contacts, now());
        Some(Dashboard {
            alerts: alerts::open_alerts(db, viewer.community_id).await?,
            plans,
            kept,
            total,
        })
    } else {
        None
    };
    let page = HomePage {
        own: store::plans_of_resident(db, viewer.id).await?,
        caring: if runs_plans {
            Vec::new()
        } else {
            store::plans_of_carer(db, viewer.id).await?
        },
        dashboard,
        runs_plans,
        said,
        error,
        ctx,
    };
    render_form(&page, !error.is_empty())
}

pub async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SaidQuery>,
) -> Result<Response, AppError> {
    match ctx.viewer.clone() {
        Some(v) => show_home(&state, ctx, &v, said(&q.said), "").await,
        None => render(&HomePage {
            ctx,
            own: Vec::new(),
            caring: Vec::new(),
            dashboard: None,
            runs_plans: false,
            said: "",
            error: "",
        }),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct FineForm {
    kind: String,
}

/// The resident says they are fine, or asks for help: a contact either
/// way; help also files an urgent private request for the team on duty.
pub async fn fine(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<FineForm>,
) -> Result<Response, AppError> {
    let kind = match CheckIn::parse(&form.kind) {
        Some(k) if !k.by_carer() => k,
        _ => return Err(AppError::BadRequest("field-invalid-choice")),
    };
    let plan = store::plans_of_resident(&state.db, viewer.id)
        .await?
        .into_iter()
        .find(|p| p.closed_at.is_none());
    let Some(plan) = plan else {
        return show_home(&state, ctx, &viewer, "", "care-error-not-in-care").await;
    };
    store::check_in(&state.db, &plan, kind, Some(viewer.id), "page", "", now()).await?;
    if kind == CheckIn::NeedsHelp {
        ask_for_help(
            &state.db,
            &plan,
            Some(&viewer),
            crate::requests::model::Channel::Web,
        )
        .await?;
        return Ok(Redirect::to("/care?said=care-said-help").into_response());
    }
    Ok(Redirect::to("/care?said=care-said-fine").into_response())
}

/// Files the urgent request of a resident in care who needs help: private,
/// of the "help with daily life" category, with their plan's flat. Its
/// words do not say the resident is in care. A second press while the
/// first call is still open files nothing more.
pub async fn ask_for_help(
    db: &Db,
    plan: &Plan,
    viewer: Option<&Viewer>,
    channel: crate::requests::model::Channel,
) -> Result<(), AppError> {
    use crate::requests::intake::{self, Door, Draft};
    let (phone, open): (Option<String>, bool) = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT a.phone, EXISTS (SELECT 1 FROM requests r WHERE r.reporter_account_id = a.id AND r.urgency = 'danger' \
         AND r.status IN ('submitted', 'responded', 'in_progress', 'waiting') AND r.created_at > $2) FROM accounts a WHERE a.id = $1"
    )
    .bind(plan.account_id)
    .bind(now() - 3600)
    .fetch_one(pool)
    .await
    })?;
    if open {
        return Ok(());
    }
    let draft = Draft {
        category: "help".into(),
        kind: "help".into(),
        urgency: "danger".into(),
        place: plan.flat.clone().unwrap_or_default(),
        description: format!(
            "{} 按了“我需要帮助”，请尽快联系。 {} pressed \"I need help\": please reach them soon.",
            plan.name, plan.name
        ),
        visibility: "private".into(),
        name: plan.name.clone(),
        phone: phone.unwrap_or_default(),
        contact: "phone".into(),
        ..Draft::default()
    };
    let door = match viewer {
        Some(v) => Door::resident(channel, Some(v)),
        None => Door::new(channel),
    };
    let mut errors = FieldErrors::default();
    match intake::file(db, plan.community_id, &draft, door, &mut errors).await? {
        intake::Filed::Created(_) => Ok(()),
        // Without a help category the carer still hears of it by the alert
        // that the plan's contact record keeps; nothing is lost.
        _ => {
            tracing::warn!(plan = plan.id, ?errors, "filing a care call for help");
            Ok(())
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct WithdrawForm {
    /// The box the resident ticks to say they mean it.
    sure: String,
}

/// The resident withdraws consent: the plan closes.
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<WithdrawForm>,
) -> Result<Response, AppError> {
    if form.sure != "1" {
        return show_home(&state, ctx, &viewer, "", "care-error-withdraw-sure").await;
    }
    for plan in store::plans_of_resident(&state.db, viewer.id).await? {
        if plan.closed_at.is_none() {
            store::close(&state.db, &plan, "consent withdrawn", true, viewer.id).await?;
        }
    }
    Ok(Redirect::to("/care?said=care-said-withdrawn").into_response())
}

#[derive(Template)]
#[template(path = "care_log.html")]
struct LogPage {
    ctx: Ctx,
    openings: Vec<Opening>,
}

/// Who opened which plan, for the secretary.
pub async fn log(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    let openings = access_log::openings(&state.db, viewer.community_id).await?;
    render(&LogPage { ctx, openings })
}
