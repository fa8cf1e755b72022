//! What every door shares: the draft a person fills in, its checks, and
//! turning it into a new request. The resident's form, the reception desk
//! and the JSON API all come through here.

use axum::extract::Multipart;

use crate::auth::Viewer;
use crate::community::{Category, Place};
use crate::db::Db;
use crate::photos::process_photo;
use crate::web::AppError;
use crate::web::forms::{FieldErrors, optional_text, required_text};

use super::deadlines::CategoryDeadlines;
use super::model::{Channel, ContactPreference, Kind, Urgency, Visibility};
use super::store::{self, NewRequest};
use super::{MAX_DESCRIPTION, MAX_PHOTOS};

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
    /// The person saw similar open requests and still wants to submit.
    pub go_ahead: String,
    /// Answers to the category's extra fields: (code, value), a code
    /// repeated for a multi-value list.
    #[serde(skip)]
    pub attributes: Vec<(String, String)>,
    /// What Open311 clients send besides.
    #[serde(skip)]
    pub open311: Open311Extras,
}

/// Location and client details an Open311 app sends with a request.
#[derive(Debug, Clone, Default)]
pub struct Open311Extras {
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
                    Ok(photo) => draft.uploads.push(store::stage_photo(db, &photo).await?),
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
        let staged = store::staged_photos(db, &draft.uploads).await?;
        draft.uploads = staged.into_iter().map(|(key, _)| key).collect();
        Ok(draft)
    }
}

/// Which door the draft came through.
pub enum Door<'a> {
    /// The resident's own form, signed in or not.
    Resident(Option<&'a Viewer>),
    /// Reception (or any staff) entering it on a resident's behalf.
    Desk(&'a Viewer),
    /// The JSON API.
    Api(&'a Viewer),
    /// An Open311 client, with the API key it used.
    Open311 { api_key_id: i64 },
    /// The kiosk in the foyer: no account, channel screen.
    Kiosk,
}

/// Phone numbers as people write them: digits, spaces, dashes, a plus.
pub fn valid_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    (5..=20).contains(&digits)
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+' | '(' | ')'))
}

pub fn valid_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((user, host)) => {
            !user.is_empty() && host.contains('.') && !email.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// Checks the draft; on success the new request is ready to store.
pub async fn check(
    db: &Db,
    community_id: i64,
    draft: &Draft,
    door: Door<'_>,
    errors: &mut FieldErrors,
) -> Result<Option<(NewRequest, Category)>, AppError> {
    let category = Category::by_code(db, community_id, &draft.category)
        .await?
        .filter(|c| c.active);
    if category.is_none() {
        errors.add("category", "field-choose-category");
    }
    let kind = if draft.kind.is_empty() {
        Some(Kind::Report)
    } else {
        Kind::parse(&draft.kind)
    };
    if kind.is_none() {
        errors.add("kind", "field-invalid-choice");
    }
    let urgency = if draft.urgency.is_empty() {
        Some(Urgency::General)
    } else {
        Urgency::parse(&draft.urgency)
    };
    if urgency.is_none() {
        errors.add("urgency", "field-invalid-choice");
    }
    let place = if draft.place.trim().is_empty() {
        None
    } else {
        let found = Place::by_code(db, community_id, &draft.place).await?;
        if found.is_none() {
            errors.add("place", "field-unknown-place");
        }
        found
    };
    let location_note = optional_text(errors, "location_note", &draft.location_note, 200);
    let description = required_text(errors, "description", &draft.description, MAX_DESCRIPTION);
    let mut visibility = if draft.visibility.is_empty() {
        Some(Visibility::Public)
    } else {
        Visibility::parse(&draft.visibility)
    };
    if visibility.is_none() {
        errors.add("visibility", "field-invalid-choice");
    }
    let name = optional_text(errors, "name", &draft.name, 80);
    let phone = optional_text(errors, "phone", &draft.phone, 30);
    if !phone.is_empty() && !valid_phone(&phone) {
        errors.add("phone", "field-invalid-phone");
    }
    let email = optional_text(errors, "email", &draft.email, 200);
    if !email.is_empty() && !valid_email(&email) {
        errors.add("email", "field-invalid-email");
    }
    let contact = if draft.contact.is_empty() {
        Some(ContactPreference::Site)
    } else {
        ContactPreference::parse(&draft.contact)
    };
    if contact.is_none() {
        errors.add("contact", "field-invalid-choice");
    }
    if contact == Some(ContactPreference::Phone) && phone.is_empty() {
        errors.add("phone", "field-phone-for-call");
    }
    let (channel, reporter, entered_by) = match door {
        Door::Resident(viewer) => (Channel::Web, viewer.map(|v| v.id), None),
        Door::Api(viewer) => (Channel::Api, Some(viewer.id), None),
        Door::Desk(staff) => {
            let channel = match Channel::parse(&draft.channel) {
                Some(c @ (Channel::Reception | Channel::Phone)) => c,
                None if draft.channel.is_empty() => Channel::Reception,
                _ => {
                    errors.add("channel", "field-invalid-choice");
                    Channel::Reception
                }
            };
            if name.is_empty() && phone.is_empty() {
                errors.add("name", "field-name-or-phone");
            }
            (channel, None, Some(staff.id))
        }
        Door::Open311 { .. } => (Channel::Api, None, None),
        Door::Kiosk => (Channel::Screen, None, None),
    };
    let answers = match &category {
        Some(c) => {
            let defs = crate::community::attributes::for_category(db, c.id).await?;
            let at_desk = matches!(door, Door::Desk(_));
            match crate::community::attributes::check_answers(&defs, &draft.attributes, !at_desk) {
                Ok(answers) => answers,
                Err(problems) => {
                    for (field, key) in problems.iter() {
                        errors.add(field.clone(), key);
                    }
                    Vec::new()
                }
            }
        }
        None => Vec::new(),
    };
    let api_key_id = match door {
        Door::Open311 { api_key_id } => Some(api_key_id),
        _ => None,
    };
    if !errors.is_empty() {
        return Ok(None);
    }
    let (Some(category), Some(kind), Some(urgency), Some(contact)) =
        (category, kind, urgency, contact)
    else {
        return Ok(None);
    };
    if category.private_by_nature {
        visibility = Some(Visibility::Private);
    }
    let new = NewRequest {
        community_id,
        kind,
        urgency,
        category_id: category.id,
        workgroup_id: category.workgroup_id,
        deadlines: CategoryDeadlines {
            response_hours: category.response_hours,
            resolution_days: category.resolution_days,
        },
        place_id: place.map(|p| p.id),
        location_note,
        description,
        channel,
        visibility: visibility.unwrap_or(Visibility::Private),
        reporter_account_id: reporter,
        reporter_name: name,
        reporter_phone: phone,
        reporter_email: email,
        contact_preference: contact,
        entered_by,
        photo_keys: draft.uploads.clone(),
        attributes: answers,
        api_key_id,
        open311: draft.open311.clone(),
        submission: None,
    };
    Ok(Some((new, category)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_as_people_write_them() {
        assert!(valid_phone("138 0013 8000"));
        assert!(valid_phone("+86-851-1234567"));
        assert!(valid_phone("(0851) 123456"));
        assert!(!valid_phone("1234"));
        assert!(!valid_phone("call me"));
        assert!(!valid_phone("123456789012345678901"));
    }

    #[test]
    fn emails_need_a_host() {
        assert!(valid_email("li@example.cn"));
        assert!(!valid_email("li@localhost"));
        assert!(!valid_email("li example.cn"));
        assert!(!valid_email("@example.cn"));
    }
}
