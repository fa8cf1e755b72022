//! News by text message, for residents who do not read email: the kind of
//! news in their language and a short link, never what the request says;
//! not between 21:00 and 08:00 unless it is danger; within the gateway's
//! limits; three tries, then reception's list is the safety net.
//!
//! A person chooses texts at `/account/news` (reception can for them at the
//! desk); a resident without an account chooses "text me" when their
//! request is taken. The administrator configures the gateway at
//! `/admin/texts` and reads the log there.

pub mod gateway;
pub mod outbox;
mod pages;
pub use pages::{choose_texts, choose_texts_language};
pub mod rules;

use axum::Router;
use axum::routing::{get, post};

use crate::auth::{random_token, token_hash};
use crate::community::Community;
use crate::db::{Db, StoreError};
use crate::i18n::Lang;
use crate::on_db;
use crate::web::AppState;
use crate::web::forms::mobile_number;
use gateway::Gateway;
use outbox::{Due, Outcome};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/admin/texts",
            get(pages::admin_page).post(pages::admin_save),
        )
        .route("/admin/texts/test", post(pages::admin_test))
        .route("/desk/texts/{id}/told", post(pages::told))
        .route("/desk/person/{username}/texts", post(pages::desk_choice))
        .route("/t/{token}", get(pages::short_link))
        .route("/api/v1/sms/receipts", post(pages::receipt))
}

/// The gateway's delivery reports.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(pages::receipt),
    components(schemas(pages::Receipt, pages::ReceiptAnswer)),
    tags((name = "texts", description = "Text messages: the gateway's delivery reports"))
)]
pub struct TextsApi;

/// Whether the community sends texts: its gateway is configured.
pub async fn offered(db: &Db, community_id: i64) -> Result<bool, StoreError> {
    Ok(Gateway::of(db, community_id).await?.is_some())
}

/// What one pass did, for logs and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub sent: u64,
    pub failed: u64,
    pub held: u64,
}

/// A link that opens the request for a reporter without an account, made
/// for one text (the ticket's own link is kept only as a hash).
async fn link_for_reporter(db: &Db, request_id: i64, now: i64) -> Result<String, StoreError> {
    let token: String = random_token().chars().take(10).collect();
    on_db!(db, |pool| sqlx::query(
        "INSERT INTO sms_links (token_hash, request_id, created_at) VALUES ($1, $2, $3)"
    )
    .bind(token_hash(&token))
    .bind(request_id)
    .bind(now)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(token)
}

/// Decides and makes one try of a claimed text.
async fn try_one(
    db: &Db,
    client: &gateway::Client,
    base_url: &str,
    due: &Due,
    now: i64,
) -> Result<Outcome, StoreError> {
    let community = Community::by_id(db, due.community_id).await?;
    let Some(gateway) = Gateway::of(db, community.id).await? else {
        return Ok(Outcome::Failed {
            error: "no gateway".into(),
            again: rules::retry_at(due.attempts + 1, now),
        });
    };
    let tz = community.tz();
    let at = rules::send_at(now, &tz, due.danger);
    if at > now {
        return Ok(Outcome::Later(at));
    }
    let Some(number) = mobile_number(&due.phone) else {
        return Ok(Outcome::Failed {
            error: "not a mobile number".into(),
            again: None,
        });
    };
    let counts =
        outbox::counts_since(db, community.id, &number, rules::day_start(now, &tz)).await?;
    let limits = rules::Limits {
        per_person_day: gateway.per_person_day,
        per_day: gateway.per_day,
    };
    if let rules::Allowed::No(reason) = rules::allowed(counts, limits, due.danger) {
        return Ok(Outcome::Failed {
            error: reason.into(),
            again: None,
        });
    }
    let lang = Lang::parse(&due.lang).unwrap_or(Lang::Zh);
    let (link, secret) = match (due.account_id, &due.tracking_code, due.request_id) {
        (None, Some(_), Some(request_id)) => {
            let token = link_for_reporter(db, request_id, now).await?;
            (format!("{base_url}/t/{token}"), Some(token))
        }
        (Some(_), Some(code), _) => (format!("{base_url}/r/{code}"), None),
        _ => (format!("{base_url}/my"), None),
    };
    let body = rules::compose(
        lang.pick(&community.name_zh, &community.name_en),
        &lang.t(&due.message_key),
        &link,
        lang == Lang::En,
    );
    let reference = format!("gr-{}", due.id);
    // The log keeps the words, not the key a link carries.
    let logged = match &secret {
        Some(token) => body.replace(token.as_str(), "…"),
        None => body.clone(),
    };
    Ok(
        match gateway.send(client, &number, &body, &reference).await {
            Ok(()) => Outcome::Sent {
                body: logged,
                number,
            },
            Err(error) => {
                tracing::warn!(text = due.id, error, "sending a text");
                Outcome::Failed {
                    error,
                    again: rules::retry_at(due.attempts + 1, now),
                }
            }
        },
    )
}

/// Texts the news due at `now`, each claimed so it goes once.
pub async fn send_due(
    db: &Db,
    client: &gateway::Client,
    base_url: &str,
    now: i64,
) -> Result<Sent, StoreError> {
    outbox::take_news(db, now).await?;
    let mut sent = Sent::default();
    for due in outbox::claim_due(db, now).await? {
        let outcome = try_one(db, client, base_url, &due, now).await?;
        match &outcome {
            Outcome::Sent { .. } => sent.sent += 1,
            Outcome::Failed { .. } => sent.failed += 1,
            Outcome::Later(_) => sent.held += 1,
        }
        outbox::record(db, due.id, &outcome, now).await?;
    }
    Ok(sent)
}

/// In the binary: a pass every fifteen seconds.
pub async fn run_forever(db: Db, base_url: String) {
    let client = match gateway::client() {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = e, "no HTTP client for text messages");
            return;
        }
    };
    loop {
        match send_due(&db, &client, &base_url, crate::db::now()).await {
            Ok(s) if s.sent + s.failed > 0 => {
                tracing::info!(sent = s.sent, failed = s.failed, "texts")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = ?e, "sending texts"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(15)).await;
    }
}
