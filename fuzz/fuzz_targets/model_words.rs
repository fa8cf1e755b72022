//! The words requests, accounts and places are described with, read from
//! forms, queries and the JSON API: each `parse` against `as_str`, `key`,
//! `Display` and serde, which must agree.
#![no_main]

use grassroots::auth::Role;
use grassroots::community::PlaceKind;
use grassroots::i18n::Lang;
use grassroots::requests::model::{Channel, ContactPreference, Kind, Status, Urgency, Visibility};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

macro_rules! text_enum {
    ($ty:ident, $prefix:literal, $text:expr) => {{
        let text: &str = $text;
        if let Some(word) = $ty::parse(text) {
            assert_eq!(
                word.as_str(),
                text.trim(),
                "{} read {text:?}",
                stringify!($ty)
            );
            assert_eq!(word.to_string(), word.as_str());
            assert!(word.key().starts_with(concat!($prefix, "-")));
            assert!($ty::ALL.contains(&word));
        }
        for word in $ty::ALL.iter() {
            assert_eq!($ty::parse(word.as_str()), Some(*word));
        }
        if let Ok(word) = serde_json::from_value::<$ty>(Value::String(text.to_string())) {
            assert_eq!(
                $ty::parse(text),
                Some(word),
                "serde and parse disagree on {text:?}"
            );
        }
    }};
}

fuzz_target!(|data: &[u8]| {
    let raw = String::from_utf8_lossy(data);
    let lower = raw.to_lowercase();
    for text in [&*raw, raw.trim(), lower.as_str()] {
        text_enum!(Kind, "kind", text);
        text_enum!(Urgency, "urgency", text);
        text_enum!(Channel, "channel", text);
        text_enum!(Visibility, "visibility", text);
        text_enum!(Status, "status", text);
        text_enum!(ContactPreference, "contact", text);

        if let Some(role) = Role::parse(text) {
            assert_eq!(role.as_str(), text.trim());
            assert!(role.key().starts_with("role-"));
        }
        if let Ok(role) = serde_json::from_value::<Role>(Value::String(text.to_string())) {
            assert_eq!(
                Role::parse(text),
                Some(role),
                "serde and parse disagree on {text:?}"
            );
        }
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }

        if let Some(kind) = PlaceKind::parse(text) {
            assert_eq!(kind.as_str(), text);
        }

        match Lang::parse(text) {
            Some(lang) => {
                let code = text.trim().to_ascii_lowercase();
                assert!(
                    code.starts_with(&lang.code()[..2]),
                    "{text:?} read as {lang:?}"
                );
            }
            None => {
                let code = text.trim().to_ascii_lowercase();
                assert!(!code.starts_with("zh") && !code.starts_with("en"));
            }
        }
        if let Ok(lang) = serde_json::from_value::<Lang>(Value::String(text.to_string())) {
            assert_eq!(
                Lang::parse(text),
                Some(lang),
                "serde and parse disagree on {text:?}"
            );
        }
    }
});
