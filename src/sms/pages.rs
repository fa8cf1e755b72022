//! The administrator's gateway page and log, reception's steps (a text that
//! did not arrive passed on in person; texts chosen for a resident at the
//! desk), the short link a text carries, and the gateway's delivery report.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};

use super::gateway::{self, Gateway};
use super::outbox::{self, Logged};
use super::rules;
use crate::auth::{Role, SignedIn, Viewer, token_hash};
use crate::db::now;
use crate::on_db;
use crate::web::forms::{FieldErrors, mobile_number};
use crate::web::{AppError, AppState, Ctx, render_form};

/// The gateway form as typed. The secret is never shown again: left empty,
/// the one kept stays.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct GatewayForm {
    url: String,
    method: String,
    content_type: String,
    body_template: String,
    secret: String,
    success_marker: String,
    per_person_day: String,
    per_day: String,
    /// "1": texts are turned off (the gateway is forgotten).
    off: String,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct TestForm {
    phone: String,
}

#[derive(Template)]
#[template(path = "admin/texts.html")]
struct AdminPage {
    ctx: Ctx,
    form: GatewayForm,
    errors: FieldErrors,
    configured: bool,
    has_secret: bool,
    log: Vec<Logged>,
    /// What the test text did: a message key and the gateway's words.
    tried: Option<(&'static str, String)>,
    test_phone: String,
}

impl AdminPage {
    fn when(&self, m: &Logged) -> String {
        self.ctx
            .time(m.sent_at.or(m.failed_at).unwrap_or(m.created_at))
    }
}

fn form_of(gateway: &Gateway) -> GatewayForm {
    GatewayForm {
        url: gateway.url.clone(),
        method: gateway.method.clone(),
        content_type: gateway.content_type.clone(),
        body_template: gateway.body_template.clone(),
        secret: String::new(),
        success_marker: gateway.success_marker.clone(),
        per_person_day: gateway.per_person_day.to_string(),
        per_day: gateway.per_day.to_string(),
        off: String::new(),
    }
}

/// A new gateway's form: a JSON POST of the usual shape, modest limits.
fn starting_form() -> GatewayForm {
    GatewayForm {
        method: "POST".into(),
        content_type: "json".into(),
        body_template:
            r#"{"apikey": "{secret}", "mobile": "{phone}", "content": "{text}", "uid": "{ref}"}"#
                .into(),
        per_person_day: "5".into(),
        per_day: "500".into(),
        ..GatewayForm::default()
    }
}

/// The checked gateway, or the messages beside the fields. `kept` is the
/// secret already stored, used when none is typed.
pub fn check(form: &GatewayForm, kept: Option<&str>) -> Result<Gateway, FieldErrors> {
    let mut errors = FieldErrors::default();
    let url = form.url.trim();
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    if !scheme_ok || url.len() > 500 || url.contains(char::is_whitespace) {
        errors.add("url", "sms-bad-url");
    }
    let method = form.method.trim().to_ascii_uppercase();
    if !matches!(method.as_str(), "POST" | "GET") {
        errors.add("method", "field-invalid-choice");
    }
    let content_type = form.content_type.trim();
    if !matches!(content_type, "json" | "form") {
        errors.add("content_type", "field-invalid-choice");
    }
    let template = form.body_template.trim();
    if template.is_empty() || template.chars().count() > 2000 {
        errors.add("body_template", "sms-bad-template");
    } else if !template.contains("{phone}") || !template.contains("{text}") {
        errors.add("body_template", "sms-template-needs");
    } else if content_type == "json" {
        let sample = rules::fill(
            template,
            rules::Encoding::Json,
            &[
                ("phone", "13800138000"),
                ("text", "\"x\""),
                ("secret", "s"),
                ("ref", "gr-1"),
            ],
        );
        if serde_json::from_str::<serde_json::Value>(&sample).is_err() {
            errors.add("body_template", "sms-template-not-json");
        }
    }
    let secret = match (form.secret.trim(), kept) {
        ("", Some(kept)) => kept.to_string(),
        (typed, _) => typed.to_string(),
    };
    if secret.chars().count() > 500 {
        errors.add("secret", "field-too-long");
    }
    let marker = form.success_marker.trim();
    if marker.chars().count() > 100 {
        errors.add("success_marker", "field-too-long");
    }
    let number = |field: &'static str, text: &str, most: i64| {
        match text.trim().parse::<i64>() {
            Ok(n) if (1..=most).contains(&n) => Some(n),
            _ => None,
        }
        .ok_or(field)
    };
    let per_person_day = number("per_person_day", &form.per_person_day, 100);
    let per_day = number("per_day", &form.per_day, 100_000);
    for result in [&per_person_day, &per_day] {
        if let Err(field) = result {
            errors.add(*field, "sms-bad-limit");
        }
    }
    match (per_person_day, per_day) {
        (Ok(per_person_day), Ok(per_day)) if errors.is_empty() => Ok(Gateway {
            url: url.to_string(),
            method,
            content_type: content_type.to_string(),
            body_template: template.to_string(),
            secret,
            success_marker: marker.to_string(),
            per_person_day,
            per_day,
        }),
        _ => Err(errors),
    }
}

async fn show(
    state: &AppState,
    ctx: Ctx,
    form: GatewayForm,
    errors: FieldErrors,
    tried: Option<(&'static str, String)>,
    test_phone: String,
) -> Result<Response, AppError> {
    let community_id = ctx.community.id;
    let kept = Gateway::of(&state.db, community_id).await?;
    let mistakes = !errors.is_empty() || tried.as_ref().is_some_and(|(k, _)| *k != "sms-test-sent");
    let page = AdminPage {
        configured: kept.is_some(),
        has_secret: kept.as_ref().is_some_and(|g| !g.secret.is_empty()),
        log: outbox::log(&state.db, community_id).await?,
        ctx,
        form,
        errors,
        tried,
        test_phone,
    };
    render_form(&page, mistakes)
}

pub async fn admin_page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    let form = match Gateway::of(&state.db, viewer.community_id).await? {
        Some(gateway) => form_of(&gateway),
        None => starting_form(),
    };
    show(
        &state,
        ctx,
        form,
        FieldErrors::default(),
        None,
        String::new(),
    )
    .await
}

pub async fn admin_save(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(form): Form<GatewayForm>,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    if form.off == "1" {
        Gateway::remove(&state.db, viewer.community_id).await?;
        return Ok(Redirect::to("/admin/texts").into_response());
    }
    let kept = Gateway::of(&state.db, viewer.community_id).await?;
    match check(&form, kept.as_ref().map(|g| g.secret.as_str())) {
        Ok(gateway) => {
            Gateway::save(&state.db, viewer.community_id, &gateway, viewer.id).await?;
            Ok(Redirect::to("/admin/texts").into_response())
        }
        Err(errors) => show(&state, ctx, form, errors, None, String::new()).await,
    }
}

/// A test text, sent at once through the saved gateway, with its answer.
pub async fn admin_test(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Form(test): Form<TestForm>,
) -> Result<Response, AppError> {
    viewer.require(&[Role::Admin])?;
    let gateway = Gateway::of(&state.db, viewer.community_id).await?;
    let form = gateway.as_ref().map_or_else(starting_form, form_of);
    let tried = match (gateway, mobile_number(&test.phone)) {
        (None, _) => ("sms-test-no-gateway", String::new()),
        (_, None) => ("field-phone-not-mobile", String::new()),
        (Some(gateway), Some(number)) => {
            let text = rules::compose(
                ctx.pick(&ctx.community.name_zh, &ctx.community.name_en),
                &ctx.t("sms-test-words"),
                "",
                ctx.lang == crate::i18n::Lang::En,
            );
            let client = gateway::client().map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
            match gateway.send(&client, &number, text.trim(), "gr-test").await {
                Ok(()) => ("sms-test-sent", String::new()),
                Err(said) => ("sms-test-failed", said),
            }
        }
    };
    show(
        &state,
        ctx,
        form,
        FieldErrors::default(),
        Some(tried),
        test.phone,
    )
    .await
}

fn require_desk(viewer: &Viewer) -> Result<(), AppError> {
    viewer.require(&[Role::Reception, Role::Admin])
}

/// Reception told the resident in person what the text could not.
pub async fn told(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    require_desk(&viewer)?;
    if !outbox::told(&state.db, viewer.community_id, id, viewer.id, now()).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/desk#texts").into_response())
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct DeskChoice {
    /// "1" for texts, anything else for none.
    sms_on: String,
    phone: String,
}

/// Reception chooses texts (or no texts) for a resident at the desk, with
/// the mobile number they give; the desk's log records it.
pub async fn desk_choice(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(username): Path<String>,
    Form(choice): Form<DeskChoice>,
) -> Result<Response, AppError> {
    require_desk(&viewer)?;
    let person: Option<i64> = on_db!(&state.db, |pool| sqlx::query_scalar(
        "SELECT id FROM accounts WHERE username = $1 AND community_id = $2 AND active"
    )
    .bind(username.trim())
    .bind(viewer.community_id)
    .fetch_optional(pool)
    .await)?;
    let person = person.ok_or(AppError::NotFound)?;
    let on = choice.sms_on == "1";
    let phone = match (on, mobile_number(&choice.phone)) {
        (true, None) => {
            let key = if choice.phone.trim().is_empty() {
                "field-phone-for-text"
            } else {
                "field-phone-not-mobile"
            };
            let again = crate::my_data::PersonQuery {
                username: username.trim().to_string(),
                ..Default::default()
            };
            let problem = Some((key, choice.phone.clone()));
            return crate::my_data::person_page(&state, ctx, &viewer, again, problem).await;
        }
        (_, number) => number,
    };
    crate::audit::record(
        &state.db,
        viewer.community_id,
        person,
        viewer.id,
        crate::audit::Action::TextsChosen,
    )
    .await?;
    choose_texts(&state.db, person, on, phone.as_deref(), None).await?;
    let back = format!(
        "/desk/person?username={}",
        crate::web::forms::url_encode(username.trim())
    );
    Ok(Redirect::to(&back).into_response())
}

/// Stores someone's choice of texts. From now on: news already in their
/// inbox is not texted.
pub async fn choose_texts(
    db: &crate::db::Db,
    account_id: i64,
    on: bool,
    phone: Option<&str>,
    language: Option<&str>,
) -> Result<(), crate::db::StoreError> {
    let at = now();
    on_db!(db, |pool| {
        async {
            use crate::db::BeginWrite;
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE accounts SET sms_on = $1, phone = COALESCE($2, phone), \
                 language = COALESCE($3, language) WHERE id = $4",
            )
            .bind(on)
            .bind(phone)
            .bind(language)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE notifications SET texted_at = $1 WHERE account_id = $2 AND texted_at IS NULL",
            )
            .bind(at)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await
        }
        .await
    })?;
    if !on {
        outbox::withdraw(db, account_id, at).await?;
    }
    Ok(())
}

/// The language of someone's texts, alone.
pub async fn choose_texts_language(
    db: &crate::db::Db,
    account_id: i64,
    language: &str,
) -> Result<(), crate::db::StoreError> {
    on_db!(db, |pool| sqlx::query(
        "UPDATE accounts SET language = $1 WHERE id = $2"
    )
    .bind(language)
    .bind(account_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The link in a text to a resident without an account: it opens their
/// request as the ticket's secret link does.
pub async fn short_link(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let code: Option<String> = on_db!(&state.db, |pool| sqlx::query_scalar(
        "SELECT r.tracking_code FROM sms_links l JOIN requests r ON r.id = l.request_id \
         WHERE l.token_hash = $1"
    )
    .bind(token_hash(token.trim()))
    .fetch_optional(pool)
    .await)?;
    let code = code.ok_or(AppError::NotFoundSaying("request-not-found"))?;
    let to = format!(
        "/r/{code}?key={}",
        crate::web::forms::url_encode(token.trim())
    );
    Ok(Redirect::to(&to).into_response())
}

/// A gateway's delivery report, in JSON or as a form.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Receipt {
    /// The `{ref}` the text was sent with, e.g. `gr-42`.
    #[serde(rename = "ref")]
    reference: String,
    /// `delivered`, or anything else for not delivered.
    status: String,
    /// The gateway's secret, as configured at /admin/texts.
    secret: String,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ReceiptAnswer {
    pub recorded: bool,
}

/// Records whether a text arrived. Only the community's own gateway may
/// say so: its secret must come with the report.
#[utoipa::path(post, path = "/api/v1/sms/receipts", tag = "texts",
    security(()),
    request_body(content = Receipt, description = "A delivery report (JSON or a form): the text's ref, its status, the gateway's secret"),
    responses(
        (status = 200, description = "Recorded", body = ReceiptAnswer),
        (status = 404, description = "No such text, or the secret does not match"),
        (status = 422, description = "Neither JSON nor a form with a ref")))]
pub async fn receipt(
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let receipt: Receipt = serde_json::from_slice(&body)
        .or_else(|_| serde_urlencoded_like(&body))
        .map_err(|_| AppError::BadRequest("error-bad-input"))?;
    let id = receipt
        .reference
        .trim()
        .strip_prefix("gr-")
        .and_then(|n| n.parse::<i64>().ok())
        .ok_or(AppError::NotFound)?;
    let secret: Option<String> = on_db!(&state.db, |pool| {
        sqlx::query_scalar(
        "SELECT g.secret FROM sms_messages m JOIN sms_gateways g ON g.community_id = m.community_id \
         WHERE m.id = $1"
    )
    .bind(id)
    .fetch_optional(pool)
    .await
    })?;
    match secret {
        Some(secret)
            if !secret.is_empty() && token_hash(&secret) == token_hash(&receipt.secret) => {}
        _ => return Err(AppError::NotFound),
    }
    let arrived = receipt.status.trim().eq_ignore_ascii_case("delivered");
    let recorded = outbox::delivered(&state.db, id, arrived, now()).await?;
    Ok((StatusCode::OK, Json(ReceiptAnswer { recorded })).into_response())
}

fn serde_urlencoded_like(body: &[u8]) -> Result<Receipt, ()> {
    let mut receipt = Receipt::default();
    for (key, value) in form_urlencoded::parse(body) {
        match key.as_ref() {
            "ref" => receipt.reference = value.into_owned(),
            "status" => receipt.status = value.into_owned(),
            "secret" => receipt.secret = value.into_owned(),
            _ => {}
        }
    }
    if receipt.reference.is_empty() {
        Err(())
    } else {
        Ok(receipt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> GatewayForm {
        GatewayForm {
            url: "https://sms.example.cn/send".into(),
            secret: "k".into(),
            ..starting_form()
        }
    }

    #[test]
    fn a_gateway_is_checked_field_by_field() {
        let gateway = check(&form(), None).unwrap();
        assert_eq!((gateway.method.as_str(), gateway.per_day), ("POST", 500));
        let bad = GatewayForm {
            url: "ftp://x".into(),
            method: "PUT".into(),
            per_person_day: "0".into(),
            per_day: "lots".into(),
            ..form()
        };
        let errors = check(&bad, None).unwrap_err();
        for field in ["url", "method", "per_person_day", "per_day"] {
            assert!(errors.has(field), "{field}");
        }
        let not_json = GatewayForm {
            body_template: "mobile={phone}&text={text}".into(),
            ..form()
        };
        assert_eq!(
            check(&not_json, None).unwrap_err().get("body_template"),
            "sms-template-not-json"
        );
        let no_text = GatewayForm {
            body_template: r#"{"to": "{phone}"}"#.into(),
            ..form()
        };
        assert_eq!(
            check(&no_text, None).unwrap_err().get("body_template"),
            "sms-template-needs"
        );
    }

    #[test]
    fn the_secret_is_kept_when_none_is_typed() {
        let blank = GatewayForm {
            secret: String::new(),
            ..form()
        };
        assert_eq!(check(&blank, Some("old")).unwrap().secret, "old");
        assert_eq!(check(&form(), Some("old")).unwrap().secret, "k");
    }
}
