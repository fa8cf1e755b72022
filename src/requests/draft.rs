//! The draft a door fills in: the form as typed (kept to show again when
//! something is wrong), with the photos already staged and the category's
//! answers.

use axum::extract::Multipart;

use crate::db::Db;
use crate::photos::process_photo;
use crate::web::AppError;
use crate::web::forms::FieldErrors;

use super::{MAX_PHOTOS, photos};

/// The form as typed, kept to show again when something is wrong.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct Draft {
    pub category: String,
    pub kind: String,
    pub urgency: String,
    pub place: String,
    pub location_note: String,
    pub description: String,
    pub visibility: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub contact: String,
    pub channel: String,
    /// Keys of photos already uploaded with an earlier try of this form.
    #[serde(skip)]
    pub uploads: Vec<String>,
    /// The key of a voice message the page recorded and staged.
    pub voice: String,
    /// The language the resident used the door in: texts to them use it.
    #[serde(skip)]
    pub lang: String,
    /// The person saw similar open requests and still wants to submit.
    pub go_ahead: String,
    /// Answers to the category's extra fields: (code, value), a code
    /// repeated for a multi-value list.
    #[serde(skip)]
    pub attributes: Vec<(String, String)>,
    /// What a civic app sends besides.
    #[serde(skip)]
    pub client: ClientDetails,
}

/// Location and client details a civic app sends with a request.
#[derive(Debug, Clone, Default)]
pub struct ClientDetails {
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub address_string: String,
    pub device_id: String,
    pub media_url: String,
    pub account_id: String,
}

impl Draft {
    /// Sets a field by its form name; `attribute[CODE]` and
    /// `attribute[CODE][]` are the category's extra fields.
    pub fn set(&mut self, name: &str, value: String) {
        if let Some(code) = name
            .strip_prefix("attribute[")
            .and_then(|rest| rest.split(']').next())
        {
            if self.attributes.len() < 200 {
                self.attributes.push((code.to_string(), value));
            }
            return;
        }
        match name {
            "category" => self.category = value,
            "kind" => self.kind = value,
            "urgency" => self.urgency = value,
            "place" => self.place = value,
            "location_note" => self.location_note = value,
            "description" => self.description = value,
            "visibility" => self.visibility = value,
            "name" => self.name = value,
            "phone" => self.phone = value,
            "email" => self.email = value,
            "contact" => self.contact = value,
            "channel" => self.channel = value,
            "go_ahead" => self.go_ahead = value,
            "voice" => self.voice = value,
            "upload" if self.uploads.len() < MAX_PHOTOS && !value.is_empty() => {
                self.uploads.push(value)
            }
            _ => {}
        }
    }

    /// The values given for one extra field.
    pub fn answers(&self, code: &str) -> Vec<&str> {
        self.attributes
            .iter()
            .filter(|(c, _)| c == code)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn answer(&self, code: &str) -> &str {
        self.answers(code).first().copied().unwrap_or("")
    }

    pub fn answered(&self, code: &str, value: &str) -> bool {
        self.answers(code).contains(&value)
    }

    pub fn is(&self, field: &str, value: &str) -> bool {
        let current = match field {
            "kind" => &self.kind,
            "urgency" => &self.urgency,
            "place" => &self.place,
            "visibility" => &self.visibility,
            "contact" => &self.contact,
            "channel" => &self.channel,
            "category" => &self.category,
            _ => return false,
        };
        current == value
    }

    /// Reads a multipart form: text fields and up to four photos, which are
    /// checked, stripped of their metadata and staged at once so a form
    /// shown again keeps them.
    pub async fn from_multipart(
        db: &Db,
        mut form: Multipart,
        errors: &mut FieldErrors,
    ) -> Result<Draft, AppError> {
        let mut draft = Draft::default();
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|_| AppError::BadRequest("error-bad-input"))?
        {
            let name = field.name().unwrap_or_default().to_string();
            if name == "photo" {
                let bytes = field.bytes().await.map_err(|_| AppError::TooLarge)?;
                if bytes.is_empty() {
                    continue;
                }
                if draft.uploads.len() >= MAX_PHOTOS {
                    errors.add("photos", "photo-error-too-many");
                    continue;
                }
                let processed = tokio::task::spawn_blocking(move || process_photo(&bytes))
                    .await
                    .map_err(|e| AppError::Internal(e.into()))?;
                match processed {
                    Ok(photo) => draft.uploads.push(photos::stage_photo(db, &photo).await?),
                    Err(e) => errors.add("photos", e.key()),
                }
                continue;
            }
            let value = field
                .text()
                .await
                .map_err(|_| AppError::BadRequest("error-bad-input"))?
                .replace('\0', "");
            draft.set(&name, value);
        }
        let staged = photos::staged_photos(db, &draft.uploads).await?;
        draft.uploads = staged.into_iter().map(|(key, _)| key).collect();
        Ok(draft)
    }
}
