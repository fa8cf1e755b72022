//! Filing a new request: the row, its first history entry, its answers,
//! photos and reporter as follower, in one transaction; a repeated
//! submission finds the request it already made.

use crate::auth::{random_token, token_hash};
use crate::community::{Category, Place};
use crate::db::{Arg, Db, Script, StoreError, now};
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
        let category = Category::by_id(db, new.community_id, new.category_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        // The building, never the flat.
        let place = match new.place_id {
            Some(id) => Place::by_id(db, new.community_id, id).await?,
            None => None,
        };
        let building = match &place {
            Some(p) if p.kind == "unit" => match p.parent_id {
                Some(parent) => Place::by_id(db, new.community_id, parent).await?,
                None => None,
            },
            _ => place,
        };
        Some(serde_json::json!({
            "code": "", "icon": category.icon, "category_zh": category.name_zh, "category_en": category.name_en,
            "place_zh": building.as_ref().map(|p| p.name_zh.as_str()),
            "place_en": building.as_ref().map(|p| p.name_en.as_str()),
            "description": new.description.chars().take(140).collect::<String>(), "message": "",
        }))
    } else {
        None
    };
    for _attempt in 0..8 {
        let code = new_tracking_code();
        let secret_hash = token_hash(&secret);
        // Statements after the first find the new request by its code and
        // secret (nothing, if the first made none), so the whole
        // transaction is known before it starts and runs as one script.
        let mut script = Script::new();
        script.push(
            "INSERT INTO requests (community_id, tracking_code, secret_hash, kind, urgency, category_id, \
             workgroup_id, place_id, location_note, description, channel, visibility, reporter_account_id, \
             reporter_name, reporter_phone, reporter_email, contact_preference, entered_by, status, \
             created_at, updated_at, response_due_at, resolution_due_at, api_key_id, lat, lng, \
             address_string, device_id, media_url, external_account_id, submission_key, reporter_lang) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
             'submitted', $19, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30) \
             ON CONFLICT DO NOTHING RETURNING id",
            vec![
                new.community_id.into(),
                (&code).into(),
                (&secret_hash).into(),
                new.kind.as_str().into(),
                new.urgency.as_str().into(),
                new.category_id.into(),
                new.workgroup_id.into(),
                new.place_id.into(),
                (&new.location_note).into(),
                (&new.description).into(),
                new.channel.as_str().into(),
                new.visibility.as_str().into(),
                new.reporter_account_id.into(),
                (&new.reporter_name).into(),
                (&new.reporter_phone).into(),
                (&new.reporter_email).into(),
                new.contact_preference.as_str().into(),
                new.entered_by.into(),
                at.into(),
                d.response_due.into(),
                d.resolution_due.into(),
                new.api_key_id.into(),
                new.client.lat.into(),
                new.client.lng.into(),
                (&new.client.address_string).into(),
                (&new.client.device_id).into(),
                (&new.client.media_url).into(),
                (&new.client.account_id).into(),
                (&submission_key).into(),
                new.reporter_lang.into(),
            ],
        );
        let this = || -> Vec<Arg> { vec![(&code).into(), (&secret_hash).into()] };
        let with = |more: Vec<Arg>| -> Vec<Arg> { this().into_iter().chain(more).collect() };
        script.push(
            "INSERT INTO request_events (request_id, at, actor_id, actor_role, kind, from_status, \
             to_status, public_message, internal_note, audience) \
             SELECT id, $3, $4, $5, 'created', NULL, 'submitted', '', '', $6 \
             FROM requests WHERE tracking_code = $1 AND secret_hash = $2",
            with(vec![
                at.into(),
                new.entered_by.or(new.reporter_account_id).into(),
                actor_role.into(),
                Audience::Public.as_str().into(),
            ]),
        );
        for (code, value) in &new.attributes {
            script.push(
                "INSERT INTO request_attributes (request_id, code, value) \
                 SELECT id, $3, $4 FROM requests WHERE tracking_code = $1 AND secret_hash = $2",
                with(vec![code.into(), value.into()]),
            );
        }
        for key in &new.photo_keys {
            script.push(
                "UPDATE photos SET request_id = (SELECT id FROM requests WHERE tracking_code = $1 AND secret_hash = $2) \
                 WHERE upload_key = $3 AND request_id IS NULL",
                with(vec![key.into()]),
            );
        }
        if let Some(key) = &new.voice_key {
            script.push(
                "UPDATE recordings SET request_id = (SELECT id FROM requests WHERE tracking_code = $1 AND secret_hash = $2) \
                 WHERE upload_key = $3 AND request_id IS NULL",
                with(vec![key.into()]),
            );
        }
        if let Some(screen) = &screen {
            let mut payload = screen.clone();
            payload["code"] = serde_json::Value::from(code.as_str());
            script.push(
                "INSERT INTO live_events (community_id, kind, payload, at) \
                 SELECT community_id, 'request_new', $3, $4 FROM requests WHERE tracking_code = $1 AND secret_hash = $2",
                with(vec![payload.to_string().into(), at.into()]),
            );
        }
        if let Some(reporter) = new.reporter_account_id {
            script.push(
                "INSERT INTO request_followers (request_id, account_id, at) \
                 SELECT id, $3, $4 FROM requests WHERE tracking_code = $1 AND secret_hash = $2",
                with(vec![reporter.into(), at.into()]),
            );
        }
        let outcome = script.run(db).await;
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
