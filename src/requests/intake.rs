//! One intake for every door: each door (the resident's form, the reception
//! desk, the kiosk, the JSON API, Open311) turns what it received into a
//! `Draft`, says what kind of door it is with a `Door`, and calls `file`,
//! which checks the draft and files the request.

use axum::extract::Multipart;

use crate::auth::Viewer;
use crate::community::{Category, Place};
use crate::db::Db;
use crate::photos::process_photo;
use crate::web::AppError;
use crate::web::forms::{FieldErrors, optional_text, required_text, valid_phone};
use crate::web::once::SubmissionKey;

use super::deadlines::CategoryDeadlines;
use super::filing::{self, Created, NewRequest};
use super::model::{Channel, ContactPreference, Kind, Urgency, Visibility};
use super::record::RequestRow;
use super::{MAX_DESCRIPTION, MAX_PHOTOS, photos, search};

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

/// The door a draft came through, as data: the channel it counts as, who
/// files it, and what the door adds.
#[derive(Debug, Clone)]
pub struct Door {
    pub channel: Channel,
    /// The signed-in person filing their own request.
    pub reporter: Option<i64>,
    /// Staff entering it on a resident's behalf: the resident is named by
    /// name or phone, the call may have come by phone, and the category's
    /// questions may wait.
    pub on_behalf_by: Option<i64>,
    /// The API key of the app that filed it.
    pub api_key_id: Option<i64>,
    /// The form post or API call: a repeat finds the request it made.
    pub submission: Option<SubmissionKey>,
    /// Offer open requests like it before filing ("already reported?").
    pub offer_similar: bool,
}

impl Door {
    /// A door that counts as `channel`, with nobody signed in.
    pub fn new(channel: Channel) -> Door {
        Door {
            channel,
            reporter: None,
            on_behalf_by: None,
            api_key_id: None,
            submission: None,
            offer_similar: false,
        }
    }

    /// A resident filing their own request, signed in or not.
    pub fn resident(channel: Channel, viewer: Option<&Viewer>) -> Door {
        Door {
            reporter: viewer.map(|v| v.id),
            ..Door::new(channel)
        }
    }

    /// Staff entering a resident's request for them.
    pub fn on_behalf(staff: &Viewer) -> Door {
        Door {
            on_behalf_by: Some(staff.id),
            ..Door::new(Channel::Reception)
        }
    }

    pub fn with_key(self, api_key_id: i64) -> Door {
        Door {
            api_key_id: Some(api_key_id),
            ..self
        }
    }

    pub fn once(self, submission: Option<SubmissionKey>) -> Door {
        Door { submission, ..self }
    }
}

/// What became of a draft.
pub enum Filed {
    /// A new request, or the one a repeated submission already made.
    Created(Created),
    /// Something is wrong; `errors` says what, field by field.
    Mistakes,
    /// Open requests like it: the person may follow one instead.
    Similar(Vec<RequestRow>),
}

/// Checks the draft and files the request: the one way in for every door.
/// `errors` may already hold the door's own mistakes (a photo it refused).
pub async fn file(
    db: &Db,
    community_id: i64,
    draft: &Draft,
    door: Door,
    errors: &mut FieldErrors,
) -> Result<Filed, AppError> {
    let Some(new) = check(db, community_id, draft, &door, errors).await? else {
        return Ok(Filed::Mistakes);
    };
    if door.offer_similar && draft.go_ahead.is_empty() {
        let similar = search::similar_open(db, community_id, new.category_id, new.place_id).await?;
        if !similar.is_empty() {
            return Ok(Filed::Similar(similar));
        }
    }
    let created = filing::create(db, new).await?;
    Ok(Filed::Created(created))
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
async fn check(
    db: &Db,
    community_id: i64,
    draft: &Draft,
    door: &Door,
    errors: &mut FieldErrors,
) -> Result<Option<NewRequest>, AppError> {
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
    let channel = if door.on_behalf_by.is_some() {
        if name.is_empty() && phone.is_empty() {
            errors.add("name", "field-name-or-phone");
        }
        // Reception says whether the resident came in or phoned.
        match Channel::parse(&draft.channel) {
            Some(c @ (Channel::Reception | Channel::Phone)) => c,
            None if draft.channel.is_empty() => door.channel,
            _ => {
                errors.add("channel", "field-invalid-choice");
                door.channel
            }
        }
    } else {
        door.channel
    };
    let answers = match &category {
        Some(c) => {
            let defs = crate::community::attributes::for_category(db, c.id).await?;
            let all_required = door.on_behalf_by.is_none();
            match crate::community::attributes::check_answers(
                &defs,
                &draft.attributes,
                all_required,
            ) {
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
        reporter_account_id: door.reporter,
        reporter_name: name,
        reporter_phone: phone,
        reporter_email: email,
        contact_preference: contact,
        entered_by: door.on_behalf_by,
        photo_keys: draft.uploads.clone(),
        attributes: answers,
        api_key_id: door.api_key_id,
        client: draft.client.clone(),
        submission: door.submission.clone(),
    };
    Ok(Some(new))
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
