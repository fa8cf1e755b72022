//! Legal aid's front pages: `/legal` (a resident's own cases, a
//! volunteer's, the lead's queue and the legal questions that can move
//! into cases) and asking for help (by the resident, or reception on their
//! behalf).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::rules::{self, Asked, REACH, TOPICS};
use super::store::{self, Case, NewCase};
use crate::auth::{Role, SignedIn, Viewer};
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState, Ctx, render, render_form};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Movable {
    pub id: i64,
    pub tracking_code: String,
    pub created_at: i64,
}

#[derive(Template)]
#[template(path = "legal.html")]
struct HomePage {
    ctx: Ctx,
    own: Vec<Case>,
    assigned: Vec<Case>,
    queue: Vec<Case>,
    movable: Vec<Movable>,
    on_team: bool,
    leads: bool,
}

impl HomePage {
    fn topic_key(&self, c: &Case) -> String {
        rules::topic_key(&c.topic)
    }
}

/// Open legal questions sent as requests, which the lead may move into
/// cases: those of private categories of the legal team's workgroup.
async fn movable(state: &AppState, community_id: i64) -> Result<Vec<Movable>, AppError> {
    let Some(team) = crate::library::legal_team(&state.db, community_id).await? else {
        return Ok(Vec::new());
    };
    Ok(crate::on_db!(&state.db, |pool| {
        sqlx::query_as::<_, Movable>(
        "SELECT r.id, r.tracking_code, r.created_at FROM requests r JOIN categories c ON c.id = r.category_id \
         WHERE r.community_id = $1 AND r.workgroup_id = $2 AND c.private_by_nature AND r.reporter_account_id IS NOT NULL \
         AND r.status IN ('submitted', 'responded', 'in_progress', 'waiting') \
         AND NOT EXISTS (SELECT 1 FROM legal_cases k WHERE k.from_request_id = r.id) ORDER BY r.id"
    )
    .bind(community_id)
    .bind(team)
    .fetch_all(pool)
    .await
    })?)
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let mut page = HomePage {
        own: Vec::new(),
        assigned: Vec::new(),
        queue: Vec::new(),
        movable: Vec::new(),
        on_team: false,
        leads: false,
        ctx,
    };
    if let Some(v) = page.ctx.viewer.clone() {
        page.own = store::of_resident(&state.db, v.id).await?;
        if let Some(leads) = crate::library::on_legal_team(&state.db, &v).await? {
            page.on_team = true;
            page.leads = leads;
            page.assigned = store::of_volunteer(&state.db, v.id).await?;
            if leads {
                page.queue = store::of_community(&state.db, v.community_id).await?;
                page.movable = movable(&state, v.community_id).await?;
            }
        }
    }
    render(&page)
}

#[derive(Template)]
#[template(path = "legal_new.html")]
pub struct AskPage {
    pub ctx: Ctx,
    pub form: Asked,
    pub errors: FieldErrors,
    /// Reception files for this resident: (account id, name).
    pub person: Option<(i64, String)>,
    pub topics: &'static [&'static str],
    pub reach: &'static [&'static str],
}

impl AskPage {
    fn topic_key(&self, t: &str) -> String {
        rules::topic_key(t)
    }

    fn action(&self) -> String {
        match &self.person {
            Some((id, _)) => format!("/legal/desk/{id}/cases"),
            None => "/legal/new".to_string(),
        }
    }
}

pub async fn ask_form(ctx: Ctx, SignedIn(_): SignedIn) -> Result<Response, AppError> {
    let form = Asked {
        topic: "other".into(),
        reach: "phone".into(),
        ..Asked::default()
    };
    render(&AskPage {
        ctx,
        form,
        errors: FieldErrors::default(),
        person: None,
        topics: &TOPICS,
        reach: &REACH,
    })
}

/// The account's phone and email, for the way to reach them.
async fn contacts(
    state: &AppState,
    account_id: i64,
) -> Result<(Option<String>, Option<String>), AppError> {
    Ok(crate::on_db!(&state.db, |pool| sqlx::query_as::<
        _,
        (Option<String>, Option<String>),
    >(
        "SELECT phone, email FROM accounts WHERE id = $1"
    )
    .bind(account_id)
    .fetch_one(pool)
    .await)?)
}

/// Files a case for `resident`, or answers the form again with its
/// mistakes and what was typed.
pub async fn file(
    state: &AppState,
    ctx: Ctx,
    by: &Viewer,
    resident: (i64, String),
    form: Asked,
) -> Result<Response, AppError> {
    let (phone, email) = contacts(state, resident.0).await?;
    let on_behalf = resident.0 != by.id;
    match rules::check_asked(&form, phone.as_deref(), email.as_deref()) {
        Ok((description, detail)) => {
            let id = store::create(
                &state.db,
                &NewCase {
                    community_id: by.community_id,
                    account_id: resident.0,
                    topic: &form.topic,
                    description: &description,
                    preferred_times: &form.preferred_times,
                    reach: &form.reach,
                    reach_detail: &detail,
                    filed_by: on_behalf.then_some(by.id),
                    from_request_id: None,
                },
            )
            .await?;
            let to = if on_behalf {
                format!("/legal/desk?person={}&said=legal-said-filed", resident.0)
            } else {
                format!("/legal/cases/{id}")
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(problems) => {
            let mut errors = FieldErrors::default();
            for (field, key) in problems {
                errors.add(field, key);
            }
            let page = AskPage {
                ctx,
                form,
                errors,
                person: on_behalf.then_some(resident),
                topics: &TOPICS,
                reach: &REACH,
            };
            render_form(&page, true)
        }
    }
}

pub async fn ask(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<Asked>,
) -> Result<Response, AppError> {
    let me = (viewer.id, viewer.display_name.clone());
    file(&state, ctx, &viewer, me, form).await
}

/// The lead moves a legal question sent as a request into a case: the
/// case takes its words and its reporter, and the request is resolved
/// with a word that the question is now a confidential case.
pub async fn move_request(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    if viewer.role() == Role::Resident
        || crate::library::on_legal_team(&state.db, &viewer).await? != Some(true)
    {
        return Err(AppError::Forbidden);
    }
    let request = movable(&state, viewer.community_id)
        .await?
        .into_iter()
        .find(|m| m.id == id)
        .ok_or(AppError::NotFound)?;
    let row = crate::requests::record::by_id(&state.db, request.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reporter = row.reporter_account_id.ok_or(AppError::NotFound)?;
    let (reach, detail) = match row.reporter_phone.trim() {
        "" => ("desk", String::new()),
        phone => ("phone", phone.to_string()),
    };
    let case = store::create(
        &state.db,
        &NewCase {
            community_id: viewer.community_id,
            account_id: reporter,
            topic: "other",
            description: &row.description,
            preferred_times: "",
            reach,
            reach_detail: &detail,
            filed_by: Some(viewer.id),
            from_request_id: Some(row.id),
        },
    )
    .await?;
    let change = crate::requests::plan::Change {
        action: crate::requests::lifecycle::Action::Resolve,
        actor: crate::requests::lifecycle::Actor::Staff,
        public_message: format!(
            "已转为保密的法律援助案件 #{case}，请在“法律援助”页面查看。 Moved into confidential legal aid case #{case}: see the legal aid page."
        ),
        internal_note: String::new(),
        rating: None,
    };
    crate::requests::store::apply(&state.db, &row, Some(&viewer), change).await?;
    Ok(Redirect::to(&format!("/legal/cases/{case}")).into_response())
}
