//! The corner at the reception desk: find the resident (name, phone, flat),
//! scan or type the ISBN or the copy's code to lend, scan to take back;
//! and the overdue list.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::Response;

use super::loans::{self, Loan};
use super::rules;
use crate::auth::SignedIn;
use crate::desk::people::{self, Candidate};
use crate::web::{AppError, AppState, Ctx, render, render_form};

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct DeskQuery {
    /// What reception typed to find the resident.
    pub find: String,
    /// The resident chosen (an account id).
    pub person: Option<i64>,
    pub said: String,
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct DeskForm {
    /// `lend` or `return`.
    pub action: String,
    pub person: Option<i64>,
    pub find: String,
    /// The ISBN or the copy's code, scanned or typed.
    pub code: String,
}

#[derive(Template)]
#[template(path = "library_desk.html")]
struct DeskPage {
    ctx: Ctx,
    find: String,
    candidates: Vec<Candidate>,
    person: Option<Candidate>,
    loans: Vec<Loan>,
    form: DeskForm,
    /// What happened, in the person's words (a message key and its title).
    done: Option<(&'static str, String)>,
    problem: Option<&'static str>,
}

impl DeskPage {
    fn day(&self, at: &i64) -> String {
        loans::local_day(&self.ctx.community.timezone, *at)
    }

    fn overdue(&self, loan: &Loan) -> bool {
        rules::overdue(loan.due_at, self.ctx.now())
    }
}

/// The resident chosen, or those who fit what was typed.
async fn people_for(
    state: &AppState,
    community_id: i64,
    find: &str,
    person: Option<i64>,
) -> Result<(Vec<Candidate>, Option<Candidate>, Vec<Loan>), AppError> {
    let (candidates, chosen) = people::choose(&state.db, community_id, find, person).await?;
    if person.is_some() && chosen.is_none() {
        return Err(AppError::NotFound);
    }
    let loans = match &chosen {
        Some(c) => loans::of_account(&state.db, c.id, 30)
            .await?
            .into_iter()
            .filter(|l| l.returned_at.is_none())
            .collect(),
        None => Vec::new(),
    };
    Ok((candidates, chosen, loans))
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Query(q): Query<DeskQuery>,
) -> Result<Response, AppError> {
    super::require_keeper(&state.db, &viewer).await?;
    let (candidates, person, loans) =
        people_for(&state, viewer.community_id, &q.find, q.person).await?;
    let done = ["library-said-renewed"]
        .into_iter()
        .find(|k| *k == q.said)
        .map(|k| (k, String::new()));
    render(&DeskPage {
        ctx,
        find: q.find.clone(),
        candidates,
        form: DeskForm {
            person: person.as_ref().map(|p| p.id),
            ..DeskForm::default()
        },
        person,
        loans,
        done,
        problem: None,
    })
}

/// Lends or takes back what was scanned; a refusal keeps what was typed
/// and says why.
pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<DeskForm>,
) -> Result<Response, AppError> {
    super::require_keeper(&state.db, &viewer).await?;
    let community_id = viewer.community_id;
    let scanned = rules::scanned(&form.code);
    let outcome: Result<(&'static str, String), &'static str> =
        match (form.action.as_str(), &scanned) {
            (_, None) => Err("library-error-code"),
            ("lend", Some(scanned)) => match form.person {
                None => Err("library-error-person"),
                Some(person) => {
                    if people::by_id(&state.db, community_id, person)
                        .await?
                        .is_none()
                    {
                        return Err(AppError::NotFound);
                    }
                    match loans::lend(&state.db, community_id, scanned, person, viewer.id).await? {
                        Ok(id) => {
                            let loan = loans::get(&state.db, community_id, id)
                                .await?
                                .ok_or(AppError::NotFound)?;
                            let due = loans::local_day(&ctx.community.timezone, loan.due_at);
                            Ok((
                                "library-said-lent",
                                format!("{} · {} · {due}", loan.title, loan.copy_code),
                            ))
                        }
                        Err(refusal) => Err(refusal.key()),
                    }
                }
            },
            ("return", Some(scanned)) => {
                match loans::give_back(&state.db, community_id, scanned, viewer.id).await? {
                    Ok(back) => {
                        let loan = loans::get(&state.db, community_id, back.loan_id)
                            .await?
                            .ok_or(AppError::NotFound)?;
                        match back.kept_for {
                            Some(holder) => {
                                let name = people::by_id(&state.db, community_id, holder)
                                    .await?
                                    .map(|c| c.display_name)
                                    .unwrap_or_default();
                                Ok((
                                    "library-said-returned-kept",
                                    format!("{} · {} · {name}", loan.title, loan.copy_code),
                                ))
                            }
                            None => Ok((
                                "library-said-returned",
                                format!("{} · {}", loan.title, loan.copy_code),
                            )),
                        }
                    }
                    Err(refusal) => Err(refusal.key()),
                }
            }
            _ => Err("error-bad-input"),
        };
    let (candidates, person, loans) =
        people_for(&state, community_id, &form.find, form.person).await?;
    let (done, problem) = match outcome {
        Ok(done) => (Some(done), None),
        Err(key) => (None, Some(key)),
    };
    let mut kept = form.clone();
    if problem.is_none() {
        kept.code.clear();
    }
    render_form(
        &DeskPage {
            ctx,
            find: form.find,
            candidates,
            person,
            loans,
            form: kept,
            done,
            problem,
        },
        problem.is_some(),
    )
}

#[derive(Template)]
#[template(path = "library_overdue.html")]
struct OverduePage {
    ctx: Ctx,
    loans: Vec<Loan>,
}

impl OverduePage {
    fn day(&self, at: &i64) -> String {
        loans::local_day(&self.ctx.community.timezone, *at)
    }

    fn days_late(&self, loan: &Loan) -> i64 {
        (self.ctx.now() - loan.due_at).max(0) / 86_400
    }
}

pub async fn overdue(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    super::require_keeper(&state.db, &viewer).await?;
    let loans = loans::open(&state.db, viewer.community_id, true).await?;
    render(&OverduePage { ctx, loans })
}
