//! The small form helpers every page uses: `safe_next` (where to go after
//! signing in or switching language: never another site, never a broken
//! Location header), `url_encode` and the trimmed, bounded text fields.
#![no_main]

use grassroots::web::forms::{optional_text, required_text, safe_next, url_encode, FieldErrors};
use http::HeaderValue;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text: &str = &text;

    let next = safe_next(Some(text));
    if next != text {
        assert_eq!(next, "/", "{text:?} became {next:?}");
    }
    assert!(
        next.starts_with('/') && !next.starts_with("//") && !next.contains('\\'),
        "{next:?}"
    );
    assert!(
        !next.chars().any(|c| c.is_control() || c.is_whitespace()),
        "{next:?}"
    );
    assert!(
        HeaderValue::try_from(next.clone()).is_ok(),
        "{next:?} is no valid Location"
    );
    assert_eq!(safe_next(None), "/");

    let encoded = url_encode(text);
    assert!(
        encoded
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~/%".contains(&b)),
        "{encoded:?}"
    );
    let query = format!("v={encoded}");
    let back = form_urlencoded::parse(query.as_bytes())
        .next()
        .map(|(_, v)| v.into_owned());
    assert_eq!(
        back.as_deref(),
        Some(text),
        "{text:?} encoded as {encoded:?}"
    );

    for max in [0, 1, 80, 2000] {
        let mut errors = FieldErrors::default();
        let kept = optional_text(&mut errors, "field", text, max);
        assert_eq!(kept, text.trim());
        assert_eq!(errors.has("field"), kept.chars().count() > max);

        let mut errors = FieldErrors::default();
        let kept = required_text(&mut errors, "field", text, max);
        assert_eq!(kept, text.trim());
        let expected = if kept.is_empty() {
            "field-required"
        } else if kept.chars().count() > max {
            "field-too-long"
        } else {
            ""
        };
        assert_eq!(errors.get("field"), expected);
    }
});
