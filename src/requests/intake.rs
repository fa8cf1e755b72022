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
}

impl Draft {
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
            match name.as_str() {
                "category" => draft.category = value,
                "kind" => draft.kind = value,
                "urgency" => draft.urgency = value,
                "place" => draft.place = value,
                "location_note" => draft.location_note = value,
                "description" => draft.description = value,
                "visibility" => draft.visibility = value,
                "name" => draft.name = value,
                "phone" => draft.phone = value,
                "email" => draft.email = value,
                "contact" => draft.contact = value,
                "channel" => draft.channel = value,
                "go_ahead" => draft.go_ahead = value,
                "upload" if draft.uploads.len() < MAX_PHOTOS && !value.is_empty() => {
                    draft.uploads.push(value)
                }
                _ => {}
            }
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
