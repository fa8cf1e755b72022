//! The request form as the doors read it: the desk's `Form<Draft>`
//! (serde_urlencoded, as axum's `Form` decodes) and the resident's multipart
//! form (field by field through `Draft::set`) must read the same fields the
//! same way; then the checks of `intake::check` that need no database.
#![no_main]

use grassroots::requests::intake::{valid_email, valid_phone, Draft};
use grassroots::requests::model::{Channel, ContactPreference, Kind, Urgency, Visibility};
use grassroots::requests::{MAX_DESCRIPTION, MAX_PHOTOS};
use grassroots::web::forms::{optional_text, required_text, FieldErrors};
use libfuzzer_sys::fuzz_target;

fn same_fields(decoded: &Draft, set: &Draft) {
    let fields = [
        ("category", &decoded.category, &set.category),
        ("kind", &decoded.kind, &set.kind),
        ("urgency", &decoded.urgency, &set.urgency),
        ("place", &decoded.place, &set.place),
        ("location_note", &decoded.location_note, &set.location_note),
        ("description", &decoded.description, &set.description),
        ("visibility", &decoded.visibility, &set.visibility),
        ("name", &decoded.name, &set.name),
        ("phone", &decoded.phone, &set.phone),
        ("email", &decoded.email, &set.email),
        ("contact", &decoded.contact, &set.contact),
        ("channel", &decoded.channel, &set.channel),
        ("go_ahead", &decoded.go_ahead, &set.go_ahead),
    ];
    for (name, a, b) in fields {
        assert_eq!(a, b, "the two doors read `{name}` differently");
    }
}

/// A word of the request's vocabulary: empty means the default, anything
/// else must be one of the words (surrounding spaces allowed).
macro_rules! word {
    ($ty:ty, $text:expr) => {{
        let text: &str = $text;
        let word = <$ty>::parse(text);
        if let Some(w) = word {
            assert_eq!(w.as_str(), text.trim());
        }
        word
    }};
}

fuzz_target!(|data: &[u8]| {
    // The resident's door: each field through `Draft::set`.
    let mut draft = Draft::default();
    for (name, value) in form_urlencoded::parse(data) {
        draft.set(&name, value.into_owned());
    }
    assert!(
        draft.uploads.len() <= MAX_PHOTOS,
        "{} uploads kept",
        draft.uploads.len()
    );
    assert!(draft.uploads.iter().all(|key| !key.is_empty()));
    assert!(
        draft.attributes.len() <= 200,
        "{} answers kept",
        draft.attributes.len()
    );

    // The desk's door: the whole body through `Form<Draft>`.
    if let Ok(decoded) = serde_urlencoded::from_bytes::<Draft>(data) {
        same_fields(&decoded, &draft);
        assert!(decoded.uploads.is_empty() && decoded.attributes.is_empty());
    }

    // The answers to extra fields, as the form shows them again.
    for (code, value) in draft.attributes.iter().take(8) {
        assert!(draft.answered(code, value));
        assert_eq!(
            draft.answers(code).first().copied(),
            Some(draft.answer(code))
        );
    }
    assert!(draft.is("kind", &draft.kind) && draft.is("category", &draft.category));
    assert!(
        !draft.is("description", &draft.description),
        "only choices are compared"
    );

    // `intake::check`, without the database.
    let _ = word!(Kind, &draft.kind);
    let _ = word!(Urgency, &draft.urgency);
    let _ = word!(Visibility, &draft.visibility);
    let _ = word!(ContactPreference, &draft.contact);
    let _ = word!(Channel, &draft.channel);
    let mut errors = FieldErrors::default();
    let location_note = optional_text(&mut errors, "location_note", &draft.location_note, 200);
    assert_eq!(location_note, draft.location_note.trim());
    let description = required_text(
        &mut errors,
        "description",
        &draft.description,
        MAX_DESCRIPTION,
    );
    assert_eq!(
        errors.has("description"),
        description.is_empty() || description.chars().count() > MAX_DESCRIPTION
    );
    let name = optional_text(&mut errors, "name", &draft.name, 80);
    assert_eq!(errors.has("name"), name.chars().count() > 80);
    let phone = optional_text(&mut errors, "phone", &draft.phone, 30);
    if !phone.is_empty() && valid_phone(&phone) {
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        assert!(
            (5..=20).contains(&digits),
            "{phone:?} taken as a phone number"
        );
    }
    let email = optional_text(&mut errors, "email", &draft.email, 200);
    if !email.is_empty() && valid_email(&email) {
        assert!(email.contains('@') && !email.contains(char::is_whitespace));
    }
});
