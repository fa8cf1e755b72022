//! One intake for every door: each door (the resident's form, the reception
//! desk, the kiosk, the JSON API, Open311) turns what it received into a
//! `Draft`, says what kind of door it is with a `Door`, and calls `file`,
//! which checks the draft and files the request.

use crate::auth::Viewer;
use crate::community::{Category, Place};
use crate::db::Db;
use crate::web::AppError;
use crate::web::forms::{
    FieldErrors, can_take_texts, optional_text, required_text, valid_email, valid_phone,
};
use crate::web::once::SubmissionKey;

use super::deadlines::CategoryDeadlines;
use super::filing::{self, Created, NewRequest};
use super::model::{Channel, ContactPreference, Kind, Urgency, Visibility};
use super::record::RequestRow;
use super::{MAX_DESCRIPTION, search};

pub use super::draft::{ClientDetails, Draft};

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

    pub fn offering_similar(self) -> Door {
        Door {
            offer_similar: true,
            ..self
        }
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
    // A voice message may stand alone: staff type its summary later.
    let voice = match draft.voice.trim() {
        "" => None,
        key => match super::recordings::staged(db, key).await? {
            Some(_) => Some(key.to_string()),
            None => {
                errors.add("voice", "recording-error-gone");
                None
            }
        },
    };
    let description = if voice.is_some() && draft.description.trim().is_empty() {
        super::recordings::VOICE_ONLY.to_string()
    } else {
        required_text(errors, "description", &draft.description, MAX_DESCRIPTION)
    };
    // Left unsaid: public, or private where the category starts so.
    let mut visibility = if draft.visibility.is_empty() {
        Some(Visibility::Public)
    } else {
        Visibility::parse(&draft.visibility)
    };
    if visibility.is_none() {
        errors.add("visibility", "field-invalid-choice");
    }
    let mut name = optional_text(errors, "name", &draft.name, 80);
    let mut phone = optional_text(errors, "phone", &draft.phone, 30);
    // A signed-in resident who leaves their name or phone out is still
    // known to the team by their account (unless they asked to stay
    // anonymous, when the account alone records who sent it).
    if let Some(account) = door.reporter.filter(|_| draft.visibility != "anonymous") {
        let known: Option<(String, Option<String>)> = crate::on_db!(db, |pool| sqlx::query_as(
            "SELECT display_name, phone FROM accounts WHERE id = $1"
        )
        .bind(account)
        .fetch_optional(pool)
        .await)?;
        if let Some((display_name, account_phone)) = known {
            if name.is_empty() {
                name = display_name;
            }
            if phone.is_empty() {
                phone = account_phone.unwrap_or_default();
            }
        }
    }
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
    if contact == Some(ContactPreference::Text) && !crate::sms::offered(db, community_id).await? {
        errors.add("contact", "field-texts-not-offered");
    } else if contact == Some(ContactPreference::Text)
        && !phone.is_empty()
        && !can_take_texts(&phone)
    {
        errors.add("phone", "field-phone-not-mobile");
    } else if contact == Some(ContactPreference::Text) && phone.is_empty() {
        errors.add("phone", "field-phone-for-text");
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
    let mut danger = false;
    let answers = match &category {
        Some(c) => {
            let defs = crate::community::attributes::for_category(db, c.id).await?;
            let all_required = door.on_behalf_by.is_none();
            match crate::community::attributes::check_answers(
                &defs,
                &draft.attributes,
                all_required,
            ) {
                Ok(answers) => {
                    danger = crate::community::attributes::raises_urgency(&defs, &answers);
                    answers
                }
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
    if category.private_by_nature || (category.private_by_default && draft.visibility.is_empty()) {
        visibility = Some(Visibility::Private);
    }
    // "Someone is trapped": whatever urgency was chosen, it is danger.
    let urgency = if danger { Urgency::Danger } else { urgency };
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
        voice_key: voice,
        reporter_lang: if draft.lang == "en" { "en" } else { "zh" },
        attributes: answers,
        api_key_id: door.api_key_id,
        client: draft.client.clone(),
        submission: door.submission.clone(),
    };
    Ok(Some(new))
}
