//! The secretary's new poll: up to three questions, each with its choices
//! one a line (`中文 | English`), single or multiple choice.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use super::store::{self, NewPoll, NewQuestion};
use crate::auth::{Role, SignedIn};
use crate::web::forms::{FieldErrors, optional_text, required_text};
use crate::web::{AppError, AppState, Ctx, render_form};

/// How many questions the form offers.
pub const QUESTIONS: [usize; 3] = [1, 2, 3];

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct PollForm {
    pub title_zh: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_en: String,
    /// `household` or `resident`.
    pub per: String,
    pub live: String,
    /// Local date and time, `2026-12-05T09:00`.
    pub opens: String,
    pub closes: String,
    pub q1: String,
    pub q1_multiple: String,
    pub q1_choices: String,
    pub q2: String,
    pub q2_multiple: String,
    pub q2_choices: String,
    pub q3: String,
    pub q3_multiple: String,
    pub q3_choices: String,
}

impl PollForm {
    pub fn question(&self, n: &usize) -> (&str, &str, &str) {
        match n {
            1 => (&self.q1, &self.q1_multiple, &self.q1_choices),
            2 => (&self.q2, &self.q2_multiple, &self.q2_choices),
            _ => (&self.q3, &self.q3_multiple, &self.q3_choices),
        }
    }
}

#[derive(Template)]
#[template(path = "poll_new.html")]
struct NewPage {
    ctx: Ctx,
    form: PollForm,
    errors: FieldErrors,
}

pub async fn page(
    State(_): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    let form = PollForm {
        per: "household".into(),
        ..PollForm::default()
    };
    render_form(
        &NewPage {
            ctx,
            form,
            errors: FieldErrors::default(),
        },
        false,
    )
}

/// `中文 | English` → (zh, en); a line without a bar is both.
fn choice_line(line: &str) -> (String, String) {
    match line.split_once('|') {
        Some((zh, en)) => (zh.trim().to_string(), en.trim().to_string()),
        None => (line.trim().to_string(), line.trim().to_string()),
    }
}

/// Reads the form into a poll, or says what is wrong with each field.
pub fn read(form: &PollForm, tz: &jiff::tz::TimeZone) -> Result<NewPoll, FieldErrors> {
    let mut errors = FieldErrors::default();
    let title_zh = required_text(&mut errors, "title_zh", &form.title_zh, 120);
    let title_en = optional_text(&mut errors, "title_en", &form.title_en, 160);
    let body_zh = optional_text(&mut errors, "body_zh", &form.body_zh, 2000);
    let body_en = optional_text(&mut errors, "body_en", &form.body_en, 3000);
    let per = match form.per.as_str() {
        "household" => "household",
        "resident" => "resident",
        _ => {
            errors.add("per", "poll-per-choose");
            "household"
        }
    };
    let at = |text: &str| {
        text.trim()
            .parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|dt| crate::rooms::rules::at_local(tz, dt.date(), dt.time()))
    };
    let opens = at(&form.opens);
    let closes = at(&form.closes);
    if opens.is_none() {
        errors.add("opens", "poll-time-wrong");
    }
    if closes.is_none() {
        errors.add("closes", "poll-time-wrong");
    }
    if let (Some(o), Some(c)) = (opens, closes)
        && c <= o
    {
        errors.add("closes", "poll-closes-before-opens");
    }
    let mut questions = Vec::new();
    for n in QUESTIONS {
        let (text, multiple, choices) = form.question(&n);
        let (zh, en) = choice_line(text);
        let lines: Vec<(String, String)> = choices
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(choice_line)
            .collect();
        if zh.is_empty() && lines.is_empty() {
            continue;
        }
        let field = format!("q{n}");
        if zh.is_empty() || zh.chars().count() > 200 {
            errors.add(field.clone(), "poll-question-text");
        }
        if lines.len() < 2 || lines.len() > 12 || lines.iter().any(|(z, _)| z.chars().count() > 100)
        {
            errors.add(format!("{field}_choices"), "poll-choices-count");
        }
        questions.push(NewQuestion {
            text_zh: zh,
            text_en: en,
            multiple: multiple == "1",
            choices: lines,
        });
    }
    if questions.is_empty() {
        errors.add("q1", "poll-no-questions");
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NewPoll {
        title_zh,
        title_en,
        body_zh,
        body_en,
        per,
        live_results: form.live == "1",
        opens_at: opens.unwrap_or_default(),
        closes_at: closes.unwrap_or_default(),
        questions,
    })
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<PollForm>,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    match read(&form, &ctx.community.tz()) {
        Ok(poll) => {
            let id = store::create(&state.db, viewer.community_id, viewer.id, &poll).await?;
            Ok(Redirect::to(&format!("/polls/{id}")).into_response())
        }
        Err(errors) => render_form(&NewPage { ctx, form, errors }, true),
    }
}
