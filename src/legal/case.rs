//! One case: opened only by its resident, its volunteers and the legal
//! team's lead, and every opening (or refused try) written to the access
//! log. What each of them may do follows `rules::may`.

use askama::Template;
use axum::Form;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

use super::rules::{self, Act, Part, Seat};
use super::slots::{self, Slot};
use super::store::{self, Case, Document, Note};
use crate::auth::{SignedIn, Viewer};
use crate::web::{AppError, AppState, Ctx, render_form};

/// The case and who the viewer is to it; refused tries are logged and
/// answered as if there were no such case.
pub async fn open(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    what: &str,
    door: &str,
) -> Result<(Case, Part), AppError> {
    let case = store::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let volunteers: Vec<i64> = store::volunteers(&state.db, id)
        .await?
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    // A volunteer who has left the team no longer opens its cases.
    let on_team = crate::library::on_legal_team(&state.db, viewer).await?;
    let seat = Seat {
        viewer_id: viewer.id,
        viewer_community: viewer.community_id,
        viewer_leads_team: on_team == Some(true),
        case_community: case.community_id,
        case_resident: case.account_id,
        case_volunteers: if on_team.is_some() { &volunteers } else { &[] },
    };
    match rules::part(&seat) {
        Some(part) => {
            super::access_log::log(&state.db, case.community_id, id, viewer.id, what, door).await?;
            Ok((case, part))
        }
        None => {
            if case.community_id == viewer.community_id {
                super::access_log::log(
                    &state.db,
                    case.community_id,
                    id,
                    viewer.id,
                    "refused",
                    door,
                )
                .await?;
            }
            Err(AppError::NotFound)
        }
    }
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ActForm {
    /// assign, book, note, close, withdraw or rate.
    pub act: String,
    pub volunteer: Option<i64>,
    pub slot: Option<i64>,
    /// note, outcome or follow_up.
    pub kind: String,
    pub body: String,
    /// YYYY-MM-DD, for a follow-up.
    pub follow_up_on: String,
    pub rating: String,
}

#[derive(Template)]
#[template(path = "legal_case.html")]
struct CasePage {
    ctx: Ctx,
    the_case: Case,
    part: Part,
    volunteers: Vec<(i64, String)>,
    team: Vec<(i64, String, bool)>,
    appointments: Vec<Slot>,
    free: Vec<Slot>,
    notes: Vec<Note>,
    documents: Vec<Document>,
    form: ActForm,
    problem: Option<&'static str>,
}

impl CasePage {
    fn may(&self, act: &str) -> bool {
        let act = match act {
            "assign" => Act::Assign,
            "book" => Act::Book,
            "record" => Act::Record,
            "close" => Act::Close,
            "withdraw" => Act::Withdraw,
            _ => Act::Rate,
        };
        rules::may(self.part, act, self.the_case.state())
            && (act != Act::Rate || self.the_case.rating.is_none())
    }

    fn topic_key(&self) -> String {
        rules::topic_key(&self.the_case.topic)
    }

    fn state_key(&self) -> String {
        self.the_case.state().key()
    }

    fn kinds(&self) -> [&'static str; 3] {
        ["note", "outcome", "follow_up"]
    }

    fn stars(&self) -> [i64; 5] {
        [1, 2, 3, 4, 5]
    }

    fn is_resident(&self) -> bool {
        self.part == Part::Resident
    }
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    case: Case,
    part: Part,
    form: ActForm,
    problem: Option<&'static str>,
) -> Result<Response, AppError> {
    let id = case.id;
    let team = if part == Part::Lead {
        store::team(&state.db, case.community_id).await?
    } else {
        Vec::new()
    };
    let page = CasePage {
        volunteers: store::volunteers(&state.db, id).await?,
        appointments: slots::of_case(&state.db, id).await?,
        free: slots::free_for_case(&state.db, id).await?,
        notes: store::notes(&state.db, id).await?,
        documents: store::documents(&state.db, id).await?,
        team,
        ctx,
        the_case: case,
        part,
        form,
        problem,
    };
    render_form(&page, problem.is_some())
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (case, part) = open(&state, &viewer, id, "opened", "page").await?;
    page(&state, ctx, case, part, ActForm::default(), None).await
}

pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<ActForm>,
) -> Result<Response, AppError> {
    let (case, part) = open(&state, &viewer, id, "opened", "page").await?;
    let state_now = case.state();
    let allowed = |act: Act| rules::may(part, act, state_now);
    let outcome: Result<(), &'static str> = match form.act.as_str() {
        "assign" if allowed(Act::Assign) => {
            let team = store::team(&state.db, case.community_id).await?;
            match form
                .volunteer
                .filter(|v| team.iter().any(|(id, _, _)| id == v))
            {
                Some(v) => {
                    store::assign(&state.db, &case, v, viewer.id).await?;
                    Ok(())
                }
                None => Err("legal-error-volunteer"),
            }
        }
        "book" if allowed(Act::Book) => match form.slot {
            Some(slot) if slots::book(&state.db, slot, case.id, viewer.id).await? => Ok(()),
            _ => Err("legal-error-slot"),
        },
        "note" if allowed(Act::Record) => {
            let kind = ["note", "outcome", "follow_up"]
                .into_iter()
                .find(|k| *k == form.kind)
                .unwrap_or("note");
            let body = form.body.trim();
            let day = form.follow_up_on.trim();
            if body.is_empty() || body.chars().count() > 4000 {
                Err("legal-error-note")
            } else if kind == "follow_up" && crate::rooms::rules::parse_date(day).is_none() {
                Err("legal-error-follow-up")
            } else {
                store::add_note(
                    &state.db,
                    case.id,
                    viewer.id,
                    kind,
                    body,
                    if kind == "follow_up" { day } else { "" },
                )
                .await?;
                Ok(())
            }
        }
        "close" if allowed(Act::Close) => {
            let outcome = form.body.trim();
            if outcome.is_empty() || outcome.chars().count() > 4000 {
                Err("legal-error-outcome")
            } else if store::settle(
                &state.db,
                &case,
                rules::State::Closed,
                &[rules::State::Assigned],
                outcome,
                Some("notify-legal-closed"),
            )
            .await?
            {
                Ok(())
            } else {
                Err("legal-error-changed")
            }
        }
        "withdraw" if allowed(Act::Withdraw) => {
            let from = [rules::State::Asked, rules::State::Assigned];
            match store::settle(&state.db, &case, rules::State::Withdrawn, &from, "", None).await? {
                true => Ok(()),
                false => Err("legal-error-changed"),
            }
        }
        "rate" if allowed(Act::Rate) => match rules::rating(&form.rating) {
            Some(_) if form.body.trim().chars().count() > 500 => Err("legal-error-comment"),
            Some(stars) => match store::rate(&state.db, case.id, stars, form.body.trim()).await? {
                true => Ok(()),
                false => Err("legal-error-rated"),
            },
            None => Err("legal-error-rating"),
        },
        _ => Err("legal-error-not-now"),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/legal/cases/{id}")).into_response()),
        Err(key) => {
            let case = store::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
            page(&state, ctx, case, part, form, Some(key)).await
        }
    }
}

/// The largest document: a PDF or a photo of a paper.
const MAX_DOCUMENT: usize = 10 * 1024 * 1024;

pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    request: Request,
) -> Result<Response, AppError> {
    let (case, part) = open(&state, &viewer, id, "opened", "page").await?;
    let open_case = matches!(case.state(), rules::State::Asked | rules::State::Assigned);
    if !(rules::may(part, Act::Record, case.state()) || (part == Part::Resident && open_case)) {
        return page(
            &state,
            ctx,
            case,
            part,
            ActForm::default(),
            Some("legal-error-not-now"),
        )
        .await;
    }
    let mut multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|_| AppError::BadRequest("error-bad-input"))?;
    let mut stored = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("error-bad-input"))?
    {
        if field.name() != Some("document") {
            continue;
        }
        let name: String = field
            .file_name()
            .unwrap_or("document")
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"'))
            .take(100)
            .collect();
        let bytes = field.bytes().await.map_err(|_| AppError::TooLarge)?;
        if bytes.is_empty() {
            continue;
        }
        if bytes.len() > MAX_DOCUMENT {
            stored = Some(Err("legal-error-document-large"));
        } else if bytes.starts_with(b"%PDF-") {
            stored = Some(Ok((name, "application/pdf", bytes.to_vec())));
        } else {
            let photo = tokio::task::spawn_blocking(move || crate::photos::process_photo(&bytes))
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            stored = Some(match photo {
                Ok(p) => Ok((name, "image/jpeg", p.jpeg)),
                Err(_) => Err("legal-error-document-kind"),
            });
        }
    }
    match stored {
        Some(Ok((name, kind, bytes))) => {
            store::add_document(&state.db, case.id, viewer.id, &name, kind, &bytes).await?;
            Ok(Redirect::to(&format!("/legal/cases/{id}")).into_response())
        }
        Some(Err(key)) => page(&state, ctx, case, part, ActForm::default(), Some(key)).await,
        None => {
            page(
                &state,
                ctx,
                case,
                part,
                ActForm::default(),
                Some("legal-error-document-none"),
            )
            .await
        }
    }
}

/// A document, opened only as its case is, and logged as an opening.
pub async fn document(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (case_id, name, kind, bytes) = store::document(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    open(&state, &viewer, case_id, "document", "page").await?;
    let kind = if kind == "application/pdf" {
        "application/pdf"
    } else {
        "image/jpeg"
    };
    let ascii: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        if ascii.is_empty() {
            "document".to_string()
        } else {
            ascii
        },
        crate::web::forms::url_encode(&name)
    );
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}
