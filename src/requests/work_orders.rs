//! Work orders: one request, or a selection from the queue, printed one to
//! a page for the worker to take along (what, where, who to call, the
//! category's answers, the visit's time, space to write what was done);
//! and the same selection assigned, or closed as duplicates, in one go.

use askama::Template;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::handling::handle_step;
use super::model::{ContactPreference, Visibility};
use super::page::{Access, ActForm, answers_shown};
use super::record::{self, RequestRow};
use crate::auth::{SignedIn, Viewer};
use crate::community::attributes::ShownAnswer;
use crate::web::{AppError, AppState, Ctx, base_url, render};

/// At most this many orders at once: a morning's round, not the archive.
pub const MOST_AT_ONCE: usize = 50;

/// The tracking codes a form or an address names (`code=…`, repeated),
/// each once, as many as may be taken at once.
pub fn codes_in(pairs: &str) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for (key, value) in form_urlencoded::parse(pairs.as_bytes()) {
        let code = record::normalise_code(&value);
        if key == "code" && !code.is_empty() && !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes.truncate(MOST_AT_ONCE);
    codes
}

/// The value of `name` in a form, or empty.
fn field(pairs: &str, name: &str) -> String {
    form_urlencoded::parse(pairs.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

pub struct Order {
    pub r: RequestRow,
    pub answers: Vec<ShownAnswer>,
    /// Who to call, where the team may know it.
    pub name: String,
    pub phone: String,
    pub qr: String,
}

#[derive(Template)]
#[template(path = "work_orders.html")]
struct OrdersPage {
    ctx: Ctx,
    orders: Vec<Order>,
    /// Codes asked for that this person may not print (or that do not exist).
    left_out: usize,
}

/// `GET /work-orders?code=…&code=…`: the orders, one to a printed page.
pub async fn print(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    viewer.require_staff()?;
    let codes = codes_in(query.as_deref().unwrap_or(""));
    let mut orders = Vec::new();
    for code in &codes {
        let Some(r) = record::by_code(&state.db, code).await? else {
            continue;
        };
        let access = Access::of(&state, &r, Some(&viewer), None).await?;
        if !access.may_read(&r) || !access.staff() {
            continue;
        }
        let known = r.visibility() != Visibility::Anonymous;
        let phone_ok = known || r.contact_preference() == ContactPreference::Phone;
        let link = format!("{}/r/{}", base_url(&state, &headers), r.tracking_code);
        orders.push(Order {
            answers: answers_shown(&state, &r).await?,
            name: if known {
                r.reporter_name.clone()
            } else {
                String::new()
            },
            phone: if phone_ok {
                r.reporter_phone.clone()
            } else {
                String::new()
            },
            qr: crate::screen::qr::qr_svg(&link, 120),
            r,
        });
    }
    let left_out = codes.len() - orders.len();
    render(&OrdersPage {
        ctx,
        orders,
        left_out,
    })
}

/// What a bulk step did: the codes done, and why each other was not.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct BulkOutcome {
    pub done: Vec<String>,
    pub refused: Vec<Refused>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Refused {
    pub code: String,
    /// Why, in the reader's language.
    pub message: String,
}

/// Takes `action` (assign or duplicate) on each request, as the handling
/// panel would one by one; a request the viewer may not change is refused,
/// and the others still done.
pub async fn bulk_step(
    state: &AppState,
    viewer: &Viewer,
    codes: &[String],
    form: &ActForm,
    lang: crate::i18n::Lang,
) -> Result<BulkOutcome, AppError> {
    if !matches!(form.action.as_str(), "assign" | "duplicate") {
        return Err(AppError::BadRequest("bulk-choose-action"));
    }
    if codes.is_empty() {
        return Err(AppError::BadRequest("bulk-choose-requests"));
    }
    let of = record::normalise_code(&form.of);
    let mut outcome = BulkOutcome::default();
    for code in codes {
        let refuse = |key: &str| Refused {
            code: code.clone(),
            message: lang.t(key),
        };
        if form.action == "duplicate" && *code == of {
            continue;
        }
        let Some(r) = record::by_code(&state.db, code).await? else {
            outcome.refused.push(refuse("request-not-found"));
            continue;
        };
        let access = Access::of(state, &r, Some(viewer), None).await?;
        if !access.may_read(&r) {
            outcome.refused.push(refuse("request-not-found"));
            continue;
        }
        if !access.handler {
            outcome.refused.push(refuse("bulk-not-yours"));
            continue;
        }
        match handle_step(state, &r, viewer, form).await {
            Ok(()) => outcome.done.push(code.clone()),
            Err(AppError::Conflict(key) | AppError::BadRequest(key)) => {
                outcome.refused.push(refuse(key))
            }
            Err(AppError::Forbidden) => outcome.refused.push(refuse("bulk-not-yours")),
            Err(e) => return Err(e),
        }
    }
    Ok(outcome)
}

#[derive(Template)]
#[template(path = "bulk_done.html")]
struct BulkPage {
    ctx: Ctx,
    outcome: BulkOutcome,
    problem: &'static str,
}

/// `POST /queue/bulk`: the queue's selection assigned, or merged into one.
pub async fn bulk(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    body: Bytes,
) -> Result<Response, AppError> {
    viewer.require_staff()?;
    let text = String::from_utf8_lossy(&body);
    let form = ActForm {
        action: field(&text, "action"),
        assignee: field(&text, "assignee").trim().parse().ok(),
        of: field(&text, "of"),
        even_if_closed: field(&text, "even_if_closed"),
        ..ActForm::default()
    };
    let codes = codes_in(&text);
    let lang = ctx.lang;
    let (outcome, problem) = match bulk_step(&state, &viewer, &codes, &form, lang).await {
        Ok(outcome) => (outcome, ""),
        Err(AppError::BadRequest(key)) => (BulkOutcome::default(), key),
        Err(e) => return Err(e),
    };
    render(&BulkPage {
        ctx,
        outcome,
        problem,
    })
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct BulkJson {
    /// Tracking codes, up to 50.
    codes: Vec<String>,
    /// assign or duplicate
    action: String,
    /// For assign: the member's account id.
    assignee: Option<i64>,
    /// For duplicate: the tracking code the others repeat.
    of: String,
    /// For duplicate: "1" to merge into a finished request knowingly.
    even_if_closed: String,
}

/// Assigns several requests, or closes them as duplicates of one, as the
/// queue's selection does. Each is checked as if done alone.
#[utoipa::path(post, path = "/api/v1/requests/bulk", request_body = BulkJson,
    responses((status = 200, description = "Done; the answer says which were done and why others were not", body = BulkOutcome),
        (status = 403, description = "Signed in, but this is not for your role or community", body = crate::api::ErrorJson),
        (status = 422, description = "No requests, or no such action", body = crate::api::ErrorJson)))]
pub async fn bulk_json(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    headers: HeaderMap,
    Json(body): Json<BulkJson>,
) -> Result<Json<BulkOutcome>, AppError> {
    viewer.require_staff()?;
    let mut codes: Vec<String> = Vec::new();
    for code in body.codes.iter().map(|c| record::normalise_code(c)) {
        if !code.is_empty() && !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes.truncate(MOST_AT_ONCE);
    let form = ActForm {
        action: body.action,
        assignee: body.assignee,
        of: body.of,
        even_if_closed: body.even_if_closed,
        ..ActForm::default()
    };
    let lang = crate::i18n::Lang::from_headers(&headers);
    Ok(Json(bulk_step(&state, &viewer, &codes, &form, lang).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_as_typed_each_once() {
        assert_eq!(
            codes_in("code=1234+5678&code=12345678&x=1&code=&code=８７６５４３２１"),
            ["12345678", "87654321"]
        );
        assert!(codes_in("").is_empty());
        let many: String = (0..80).map(|i| format!("code={:08}&", i)).collect();
        assert_eq!(codes_in(&many).len(), MOST_AT_ONCE);
    }
}
