//! Filing a new request: the row, its first history entry, its answers,
//! photos and reporter as follower, in one transaction; a repeated
//! submission finds the request it already made.

use crate::auth::{random_token, token_hash};
use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;

use super::deadlines::{CategoryDeadlines, deadlines_for};
use super::model::{Channel, ContactPreference, Kind, Urgency, Visibility};
use super::record::{Audience, new_tracking_code};

/// What a new request is made of, already checked.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub community_id: i64,
    pub kind: Kind,
    pub urgency: Urgency,
    pub category_id: i64,
    pub workgroup_id: i64,
    pub deadlines: CategoryDeadlines,
    pub place_id: Option<i64>,
    pub location_note: String,
    pub description: String,
    pub channel: Channel,
    pub visibility: Visibility,
    pub reporter_account_id: Option<i64>,
    pub reporter_name: String,
    pub reporter_phone: String,
    pub reporter_email: String,
    pub contact_preference: ContactPreference,
    pub entered_by: Option<i64>,
    pub photo_keys: Vec<String>,
    /// A staged voice message.
    pub voice_key: Option<String>,
    /// "zh" or "en": the language texts to the reporter are in.
    pub reporter_lang: &'static str,
    /// Answers to the category's extra fields, already checked.
    pub attributes: Vec<(String, String)>,
    pub api_key_id: Option<i64>,
    pub client: super::intake::ClientDetails,
    /// The form post or API call that made it: a repeat finds this request
    /// instead of making another.
    pub submission: Option<crate::web::once::SubmissionKey>,
}

pub struct Created {
    pub id: i64,
    pub tracking_code: String,
    /// Shown once: the link that lets an anonymous reporter confirm and rate.
    pub secret: String,
    /// A repeat of a submission that had already made this request.
    pub repeated: bool,
}

pub async fn create(db: &Db, new: NewRequest) -> Result<Created, StoreError> {
    let calendar = crate::calendar::for_community(db, new.community_id).await?;
    let at = now();
    let d = deadlines_for(at, new.urgency, new.deadlines, calendar.as_ref());
    // A repeated submission must be given the same link as the first.
    let secret = match &new.submission {
        Some(key) => key.secret(),
        None => random_token(),
    };
    let submission_key = new.submission.as_ref().map(|k| k.for_request());
    let actor_role = if new.entered_by.is_some() {
        "reception"
    } else {
        "reporter"
    };
    // Screens show new public requests: what, where (the building, never
    // the flat), and the words. Read before the write begins, so the
    // writer's turn is no longer than it must be.
    let screen = if new.visibility.is_listed() {
        let (icon, cat_zh, cat_en, place_zh, place_en): (
            String,
            String,
            String,
            Option<String>,
            Option<String>,
        ) = on_db!(db, |pool| {
            sqlx::query_as(
            "SELECT c.icon, c.name_zh, c.name_en, \
             CASE WHEN p.kind = 'unit' THEN pp.name_zh ELSE p.name_zh END, \
             CASE WHEN p.kind = 'unit' THEN pp.name_en ELSE p.name_en END \
             FROM categories c LEFT JOIN places p ON p.id = $2 LEFT JOIN places pp ON pp.id = p.parent_id \
             WHERE c.id = $1",
        )
        .bind(new.category_id)
        .bind(new.place_id)
        .fetch_one(pool)
        .await
        })?;
        Some(serde_json::json!({
            "code": "", "icon": icon, "category_zh": cat_zh, "category_en": cat_en,
            "place_zh": place_zh, "place_en": place_en,
            "description": new.description.chars().take(140).collect::<String>(), "message": "",
        }))
    } else {
        None
    };
    for _attempt in 0..8 {
        let code = new_tracking_code();
        let outcome: Result<Option<i64>, sqlx::Error> = on_db!(db, |pool| {
            async {
                let mut tx = pool.begin_write().await?;
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO requests (community_id, tracking_code, secret_hash, kind, urgency, category_id, \
                     workgroup_id, place_id, location_note, description, channel, visibility, reporter_account_id, \
                     reporter_name, reporter_phone, reporter_email, contact_preference, entered_by, status, \
                     created_at, updated_at, response_due_at, resolution_due_at, api_key_id, lat, lng, \
                     address_string, device_id, media_url, external_account_id, submission_key, reporter_lang) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
                     'submitted', $19, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30) \
                     ON CONFLICT DO NOTHING RETURNING id",
                )
                .bind(new.community_id)
                .bind(&code)
                .bind(token_hash(&secret))
                .bind(new.kind.as_str())
                .bind(new.urgency.as_str())
                .bind(new.category_id)
                .bind(new.workgroup_id)
                .bind(new.place_id)
                .bind(&new.location_note)
                .bind(&new.description)
                .bind(new.channel.as_str())
                .bind(new.visibility.as_str())
                .bind(new.reporter_account_id)
                .bind(&new.reporter_name)
                .bind(&new.reporter_phone)
                .bind(&new.reporter_email)
                .bind(new.contact_preference.as_str())
                .bind(new.entered_by)
                .bind(at)
                .bind(d.response_due)
                .bind(d.resolution_due)
                .bind(new.api_key_id)
                .bind(new.client.lat)
                .bind(new.client.lng)
                .bind(&new.client.address_string)
                .bind(&new.client.device_id)
                .bind(&new.client.media_url)
                .bind(&new.client.account_id)
                .bind(&submission_key)
                .bind(new.reporter_lang)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(id) = id else { return Ok(None) };
                insert_event!(tx, id, at, new.entered_by.or(new.reporter_account_id), actor_role,
                    "created", None::<String>, Some("submitted"), "", "", Audience::Public.as_str())?;
                for (code, value) in &new.attributes {
                    sqlx::query("INSERT INTO request_attributes (request_id, code, value) VALUES ($1, $2, $3)")
                        .bind(id)
                        .bind(code)
                        .bind(value)
                        .execute(&mut *tx)
                        .await?;
                }
                for key in &new.photo_keys {
                    sqlx::query("UPDATE photos SET request_id = $1 WHERE upload_key = $2 AND request_id IS NULL")
                        .bind(id)
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some(key) = &new.voice_key {
                    sqlx::query("UPDATE recordings SET request_id = $1 WHERE upload_key = $2 AND request_id IS NULL")
                        .bind(id)
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some(screen) = &screen {
                    let mut payload = screen.clone();
                    payload["code"] = serde_json::Value::from(code.as_str());
                    crate::record_live_event!(tx, new.community_id, "request_new", payload)?;
                }
                if let Some(reporter) = new.reporter_account_id {
                    sqlx::query(
                        "INSERT INTO request_followers (request_id, account_id, at) VALUES ($1, $2, $3)",
                    )
                    .bind(id)
                    .bind(reporter)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(Some(id))
            }
            .await
        });
        if let Some(id) = outcome? {
            return Ok(Created {
                id,
                tracking_code: code,
                secret,
                repeated: false,
            });
        }
        if let Some(key) = &submission_key {
            let first: Option<(i64, String)> = on_db!(db, |pool| sqlx::query_as(
                "SELECT id, tracking_code FROM requests WHERE submission_key = $1"
            )
            .bind(key)
            .fetch_optional(pool)
            .await)?;
            if let Some((id, tracking_code)) = first {
                return Ok(Created {
                    id,
                    tracking_code,
                    secret,
                    repeated: true,
                });
            }
        }
    }
    Err(StoreError::Other(anyhow::anyhow!(
        "no free tracking code after 8 tries"
    )))
}
