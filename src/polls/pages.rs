//! The polls' pages: the list, a poll with its ballot or its results, the
//! secretary's new poll, and reception's paper ballot.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::rules::{self, Marked, Stage};
use super::store::{self, Ballot, Cast, Choice, Poll, Question, Turnout};
use crate::auth::{Role, SignedIn, Viewer};
use crate::community::Place;
use crate::db::now;
use crate::web::{AppError, AppState, Ctx, render, render_form};

#[derive(Template)]
#[template(path = "polls.html")]
struct ListPage {
    ctx: Ctx,
    polls: Vec<Poll>,
}

impl ListPage {
    fn stage_key(&self, p: &Poll) -> String {
        format!("poll-stage-{}", p.stage(self.ctx.now()).as_str())
    }
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let polls = store::list(&state.db, ctx.community.id, 50).await?;
    render(&ListPage { ctx, polls })
}

#[derive(Template)]
#[template(path = "poll.html")]
struct PollPage {
    ctx: Ctx,
    poll: Poll,
    questions: Vec<Question>,
    choices: Vec<Choice>,
    results: bool,
    turnout: Vec<Turnout>,
    /// When the viewer's (or their household's) ballot was cast.
    cast_at: Option<i64>,
    /// Why the viewer cannot vote, if they cannot.
    cannot: &'static str,
    error: &'static str,
    said: &'static str,
    desk: bool,
    /// What a refused ballot marked, and whose it was, kept for the retry.
    chosen: Vec<i64>,
    who: String,
}

impl PollPage {
    fn of(&self, q: &Question) -> Vec<&Choice> {
        self.choices
            .iter()
            .filter(|c| c.question_id == q.id)
            .collect()
    }
    fn stage(&self) -> Stage {
        self.poll.stage(self.ctx.now())
    }
    fn stage_key(&self) -> String {
        format!("poll-stage-{}", self.stage().as_str())
    }
    fn open(&self) -> bool {
        self.stage() == Stage::Open
    }
    fn marked(&self, c: &Choice) -> bool {
        self.chosen.contains(&c.id)
    }
    /// A choice's share of the ballots that answered its question.
    fn share(&self, c: &Choice) -> i64 {
        let total: i64 = self.poll.ballots;
        if total == 0 { 0 } else { c.votes * 100 / total }
    }
    fn turnout_text(&self, t: &Turnout) -> String {
        match rules::turnout_percent(t.voted, t.could) {
            Some(p) => format!("{} / {} ({p}%)", t.voted, t.could),
            None => format!("{} / —", t.voted),
        }
    }
}

/// The ballot a person casts: whose, and the building it counts for.
pub async fn voter_of(
    state: &AppState,
    poll: &Poll,
    viewer: &Viewer,
) -> Result<Result<(String, Option<i64>), &'static str>, AppError> {
    let homes = Place::homes_of(&state.db, viewer.id).await?;
    let home = homes.first();
    match rules::voter(&poll.per, viewer.id, home.map(|h| h.id)) {
        Some(voter) => Ok(Ok((voter, home.and_then(|h| h.parent_id)))),
        None => Ok(Err("poll-needs-household")),
    }
}

async fn poll_page(
    state: &AppState,
    ctx: Ctx,
    poll: Poll,
    error: &'static str,
    said: &'static str,
) -> Result<PollPage, AppError> {
    let results = poll.results_shown(now());
    let questions = store::questions(&state.db, poll.id).await?;
    let choices = store::choices(&state.db, poll.id, results).await?;
    let turnout = if results {
        store::turnout(&state.db, &poll).await?
    } else {
        Vec::new()
    };
    let (cast_at, cannot) = match &ctx.viewer {
        None => (None, "poll-sign-in"),
        Some(v) => match voter_of(state, &poll, v).await? {
            Ok((voter, _)) => (store::cast_at(&state.db, poll.id, &voter).await?, ""),
            Err(key) => (None, key),
        },
    };
    let desk = ctx
        .viewer
        .as_ref()
        .is_some_and(|v| matches!(v.role(), Role::Reception | Role::Admin));
    Ok(PollPage {
        ctx,
        poll,
        questions,
        choices,
        results,
        turnout,
        cast_at,
        cannot,
        error,
        said,
        desk,
        chosen: Vec::new(),
        who: String::new(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let poll = store::get(&state.db, ctx.community.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let said = if ctx.here.ends_with("?voted=1") {
        "poll-said-voted"
    } else {
        ""
    };
    let page = poll_page(&state, ctx, poll, "", said).await?;
    render(&page)
}

/// Reads the marks of a ballot form: `q{question}` = a choice, or
/// `m{choice}` = its question, for several choices.
pub fn marks_of(fields: &[(String, String)]) -> BTreeMap<i64, Vec<i64>> {
    let mut marks: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (name, value) in fields {
        let (Some(kind), Ok(a), Ok(b)) = (
            name.chars().next(),
            name.get(1..).unwrap_or_default().parse::<i64>(),
            value.trim().parse::<i64>(),
        ) else {
            continue;
        };
        match kind {
            'q' => marks.entry(a).or_default().push(b),
            'm' => marks.entry(b).or_default().push(a),
            _ => {}
        }
    }
    marks
}

/// Checks the marks (question → choices) against what the poll offers;
/// the choices to record.
pub fn checked_choices(
    offered: &[store::Offered],
    marks: &BTreeMap<i64, Vec<i64>>,
) -> Result<Vec<i64>, &'static str> {
    let mut questions: Vec<(i64, bool, Vec<i64>)> = Vec::new();
    for o in offered {
        match questions.iter_mut().find(|(q, _, _)| *q == o.question_id) {
            Some((_, _, choices)) => choices.push(o.choice_id),
            None => questions.push((o.question_id, o.multiple, vec![o.choice_id])),
        }
    }
    if marks
        .keys()
        .any(|q| !questions.iter().any(|(x, _, _)| x == q))
    {
        return Err("poll-choice-unknown");
    }
    let empty = Vec::new();
    let ballot: Vec<Marked<'_>> = questions
        .iter()
        .map(|(q, multiple, offered)| Marked {
            offered,
            multiple: *multiple,
            chosen: marks.get(q).unwrap_or(&empty),
        })
        .collect();
    rules::check_ballot(&ballot).map(|()| marks.values().flatten().copied().collect())
}

/// Casts a ballot after every check; whether it replaced an earlier one,
/// or the message key when refused.
pub async fn vote_as(
    state: &AppState,
    poll: &Poll,
    offered: &[store::Offered],
    ballot: Ballot<'_>,
    marks: &BTreeMap<i64, Vec<i64>>,
) -> Result<Result<bool, &'static str>, AppError> {
    match poll.stage(now()) {
        Stage::Closed => return Ok(Err("poll-closed")),
        Stage::NotYet => return Ok(Err("poll-not-open")),
        Stage::Open => {}
    }
    let chosen = match checked_choices(offered, marks) {
        Ok(chosen) => chosen,
        Err(key) => return Ok(Err(key)),
    };
    let ballot = Ballot {
        choices: &chosen,
        ..ballot
    };
    Ok(match store::cast(&state.db, poll.id, &ballot).await? {
        Cast::Counted { replaced } => Ok(replaced),
        Cast::NotOpen => Err("poll-closed"),
    })
}

pub async fn vote(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let poll = store::get(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let outcome = match voter_of(&state, &poll, &viewer).await? {
        Ok((voter, building_id)) => {
            let offered = store::offered(&state.db, poll.id).await?;
            let ballot = Ballot {
                voter: &voter,
                building_id,
                cast_by: Some(viewer.id),
                paper: false,
                choices: &[],
            };
            vote_as(&state, &poll, &offered, ballot, &marks_of(&fields)).await?
        }
        Err(key) => Err(key),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/polls/{id}?voted=1")).into_response()),
        Err(key) => {
            let mut page = poll_page(&state, ctx, poll, key, "").await?;
            page.chosen = marks_of(&fields).into_values().flatten().collect();
            render_form(&page, true)
        }
    }
}

/// `POST /polls/{id}/paper`: reception records a resident's paper ballot,
/// found by their flat (for a household poll), user name or phone.
pub async fn paper(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Reception, Role::Admin])?;
    let poll = store::get(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let who = fields
        .iter()
        .find(|(k, _)| k == "who")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    let found = paper_voter(&state, &poll, viewer.community_id, &who).await?;
    let outcome = match found {
        Ok((voter, building_id, cast_by)) => {
            let offered = store::offered(&state.db, poll.id).await?;
            let ballot = Ballot {
                voter: &voter,
                building_id,
                cast_by,
                paper: true,
                choices: &[],
            };
            vote_as(&state, &poll, &offered, ballot, &marks_of(&fields)).await?
        }
        Err(key) => Err(key),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/polls/{id}?voted=1")).into_response()),
        Err(key) => {
            let mut page = poll_page(&state, ctx, poll, key, "").await?;
            page.chosen = marks_of(&fields).into_values().flatten().collect();
            page.who = who;
            render_form(&page, true)
        }
    }
}

async fn paper_voter(
    state: &AppState,
    poll: &Poll,
    community_id: i64,
    who: &str,
) -> Result<Result<(String, Option<i64>, Option<i64>), &'static str>, AppError> {
    if who.is_empty() {
        return Ok(Err("poll-paper-who"));
    }
    if poll.per == "household"
        && let Some(flat) = Place::by_code(&state.db, community_id, who).await?
        && flat.kind == "unit"
    {
        return Ok(Ok((format!("h:{}", flat.id), flat.parent_id, None)));
    }
    let Some(account) =
        crate::activities::attendance::resident(&state.db, community_id, who, who).await?
    else {
        return Ok(Err("poll-paper-not-found"));
    };
    let Some(person) = crate::auth::viewer_by_id(&state.db, account).await? else {
        return Ok(Err("poll-paper-not-found"));
    };
    Ok(voter_of(state, poll, &person)
        .await?
        .map(|(voter, building)| (voter, building, Some(account))))
}
