//! Small helpers for HTML forms: messages beside fields, trimmed text with
//! limits.

use std::collections::BTreeMap;

/// Messages (as i18n keys) beside the fields they concern.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(BTreeMap<String, &'static str>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, key: &'static str) {
        self.0.entry(field.into()).or_insert(key);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The message key for `field`, or "" when it is fine.
    pub fn get(&self, field: &str) -> &'static str {
        self.0.get(field).copied().unwrap_or("")
    }
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&String, &&'static str)> {
        self.0.iter()
    }
}

/// Checks a required text field: trims it, and says what is wrong.
pub fn required_text(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    max_chars: usize,
) -> String {
    let value = value.trim();
    if value.is_empty() {
        errors.add(field, "field-required");
    } else if value.chars().count() > max_chars {
        errors.add(field, "field-too-long");
    }
    value.to_string()
}

/// An optional text field with a length limit.
pub fn optional_text(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    max_chars: usize,
) -> String {
    let value = value.trim();
    if value.chars().count() > max_chars {
        errors.add(field, "field-too-long");
    }
    value.to_string()
}

/// Percent-encodes a value for a query string.
pub fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A local path to return to after an action: never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Phone numbers as people write them: digits, spaces, dashes, a plus.
pub fn valid_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    (5..=20).contains(&digits)
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+' | '(' | ')'))
}

/// The number a text message is sent to, or none for a number that cannot
/// take one (a landline, an extension). A mainland mobile is eleven digits
/// from 13 to 19, with or without +86; a number abroad is kept with its +.
pub fn mobile_number(phone: &str) -> Option<String> {
    if !valid_phone(phone) {
        return None;
    }
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let abroad = phone.trim_start().starts_with('+') || digits.starts_with("00");
    let national = digits
        .strip_prefix("0086")
        .or_else(|| digits.strip_prefix("86").filter(|_| abroad))
        .unwrap_or(&digits);
    let mainland_mobile = national.len() == 11
        && national.starts_with('1')
        && national
            .as_bytes()
            .get(1)
            .is_some_and(|d| (b'3'..=b'9').contains(d));
    if mainland_mobile {
        return Some(national.to_string());
    }
    let international = digits.strip_prefix("00").unwrap_or(&digits);
    (abroad && !international.starts_with("86") && (8..=15).contains(&international.len()))
        .then(|| format!("+{international}"))
}

pub fn can_take_texts(phone: &str) -> bool {
    mobile_number(phone).is_some()
}

/// An address with someone at a host.
pub fn valid_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((user, host)) => {
            !user.is_empty() && host.contains('.') && !email.contains(char::is_whitespace)
        }
        None => false,
    }
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

    #[test]
    fn required_text_trims_and_flags() {
        let mut e = FieldErrors::default();
        assert_eq!(required_text(&mut e, "d", "  路灯坏了 ", 10), "路灯坏了");
        assert!(e.is_empty());
        required_text(&mut e, "a", "   ", 10);
        required_text(&mut e, "b", "一二三四五六", 5);
        assert_eq!(e.get("a"), "field-required");
        assert_eq!(e.get("b"), "field-too-long");
        assert_eq!(e.get("c"), "");
    }

    #[test]
    fn next_never_leaves_the_site() {
        assert_eq!(safe_next(Some("/queue?x=1")), "/queue?x=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(
            safe_next(Some("/\t/evil.example")),
            "/",
            "browsers drop the tab"
        );
        assert_eq!(safe_next(Some("/\n")), "/", "no header injection");
    }

    #[test]
    fn url_encoding_keeps_paths_readable() {
        assert_eq!(url_encode("/r/1234?x=a b"), "/r/1234%3Fx%3Da%20b");
        assert_eq!(url_encode("路"), "%E8%B7%AF");
    }

    #[test]
    fn numbers_that_take_texts() {
        for (typed, number) in [
            ("13800138000", "13800138000"),
            ("138 0013 8000", "13800138000"),
            ("+86 138-0013-8000", "13800138000"),
            ("0086 13800138000", "13800138000"),
            ("19912345678", "19912345678"),
            ("+44 7700 900123", "+447700900123"),
        ] {
            assert_eq!(mobile_number(typed).as_deref(), Some(number), "{typed}");
        }
        for landline in [
            "0851-86512345",
            "86512345",
            "12800138000",
            "1380013800",
            "138001380001",
            "7700 900123",
            "+86 0851 86512345",
            "",
            "call me",
        ] {
            assert_eq!(mobile_number(landline), None, "{landline}");
        }
    }
}
