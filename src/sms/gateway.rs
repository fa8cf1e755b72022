//! The community's text gateway: one HTTP call per text, shaped by the
//! administrator to fit the service they use (most Chinese SMS services
//! take a JSON or form POST with an account key, a number and the words).

use std::time::Duration;

use axum::body::Bytes;
use axum::http::{Request, header};
use http_body_util::{BodyExt, Full};

use super::rules::{Encoding, fill};
use crate::db::{Db, StoreError, now};
use crate::on_db;

/// How long a gateway may take before the try counts as failed.
pub const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct Gateway {
    pub url: String,
    /// POST (the body is the filled template) or GET (the template is the
    /// query string).
    pub method: String,
    /// json or form.
    pub content_type: String,
    pub body_template: String,
    pub secret: String,
    /// Words the gateway's answer must hold to count as sent (some answer
    /// 200 with an error code inside); empty when the status says it all.
    pub success_marker: String,
    pub per_person_day: i64,
    pub per_day: i64,
}

impl Gateway {
    pub async fn of(db: &Db, community_id: i64) -> Result<Option<Gateway>, StoreError> {
        Ok(on_db!(db, |pool| sqlx::query_as::<_, Gateway>(
            "SELECT url, method, content_type, body_template, secret, success_marker, \
             per_person_day, per_day FROM sms_gateways WHERE community_id = $1"
        )
        .bind(community_id)
        .fetch_optional(pool)
        .await)?)
    }

    pub async fn save(
        db: &Db,
        community_id: i64,
        gateway: &Gateway,
        by: i64,
    ) -> Result<(), StoreError> {
        on_db!(db, |pool| {
            sqlx::query(
            "INSERT INTO sms_gateways (community_id, url, method, content_type, body_template, secret, \
             success_marker, per_person_day, per_day, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (community_id) DO UPDATE SET url = $2, method = $3, content_type = $4, \
             body_template = $5, secret = $6, success_marker = $7, per_person_day = $8, per_day = $9, \
             updated_at = $10, updated_by = $11"
        )
        .bind(community_id)
        .bind(&gateway.url)
        .bind(&gateway.method)
        .bind(&gateway.content_type)
        .bind(&gateway.body_template)
        .bind(&gateway.secret)
        .bind(&gateway.success_marker)
        .bind(gateway.per_person_day)
        .bind(gateway.per_day)
        .bind(now())
        .bind(by)
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(())
    }

    pub async fn remove(db: &Db, community_id: i64) -> Result<(), StoreError> {
        on_db!(db, |pool| sqlx::query(
            "DELETE FROM sms_gateways WHERE community_id = $1"
        )
        .bind(community_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    fn encoding(&self) -> Encoding {
        if self.content_type == "json" {
            Encoding::Json
        } else {
            Encoding::Form
        }
    }

    /// Sends one text; the error is what the log shows.
    pub async fn send(
        &self,
        client: &Client,
        phone: &str,
        text: &str,
        reference: &str,
    ) -> Result<(), String> {
        let fields = [
            ("phone", phone),
            ("text", text),
            ("secret", self.secret.as_str()),
            ("ref", reference),
        ];
        let url = fill(&self.url, Encoding::Form, &fields);
        let body = fill(&self.body_template, self.encoding(), &fields);
        let request = if self.method == "GET" {
            let joiner = if url.contains('?') { '&' } else { '?' };
            Request::get(format!("{url}{joiner}{body}")).body(Full::new(Bytes::new()))
        } else {
            let mime = match self.encoding() {
                Encoding::Json => "application/json; charset=utf-8",
                Encoding::Form => "application/x-www-form-urlencoded",
            };
            Request::post(url)
                .header(header::CONTENT_TYPE, mime)
                .body(Full::new(Bytes::from(body)))
        }
        .map_err(|e| format!("bad address: {e}"))?;
        let answered = async {
            let answer = client.request(request).await.map_err(|e| {
                if e.is_connect() {
                    "connection refused".to_string()
                } else {
                    e.to_string()
                }
            })?;
            let status = answer.status();
            let words = answer
                .into_body()
                .collect()
                .await
                .map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned())
                .unwrap_or_default();
            Ok::<_, String>((status, words))
        };
        let (status, words) = tokio::time::timeout(TIMEOUT, answered)
            .await
            .map_err(|_| "timeout".to_string())??;
        // A gateway that echoes the request must not put the key in the log.
        let said: String = match self.secret.as_str() {
            "" => words.chars().take(200).collect(),
            secret => words.replace(secret, "…").chars().take(200).collect(),
        };
        if !status.is_success() {
            return Err(format!("HTTP {}: {said}", status.as_u16()));
        }
        if !self.success_marker.is_empty() && !words.contains(&self.success_marker) {
            return Err(format!(
                "HTTP {}, without \"{}\": {said}",
                status.as_u16(),
                self.success_marker
            ));
        }
        Ok(())
    }
}

/// The client every text goes through: HTTPS by rustls (ring) with
/// Mozilla's roots, or plain HTTP for a gateway on the local network.
pub type Client = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    Full<Bytes>,
>;

pub fn client() -> Result<Client, String> {
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
        .map_err(|e| e.to_string())?
        .https_or_http()
        .enable_http1()
        .build();
    Ok(
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(connector),
    )
}
