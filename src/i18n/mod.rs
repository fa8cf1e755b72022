//! Two languages from the start: zh-CN and English, through Fluent.
//!
//! The language is the person's choice (a cookie set by the toggle), then
//! their browser's Accept-Language, then Chinese.

use std::borrow::Cow;
use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "zh-CN",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ZH: LanguageIdentifier = langid!("zh-CN");
static EN: LanguageIdentifier = langid!("en");

pub const LANG_COOKIE: &str = "lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        let code = code.trim().to_ascii_lowercase();
        if code.starts_with("zh") {
            Some(Lang::Zh)
        } else if code.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// The message for `key`; the key itself when missing (a test keeps both
    /// files complete, so this shows only during development).
    pub fn t(self, key: &str) -> String {
        LOCALES
            .try_lookup(self.id(), key)
            .unwrap_or_else(|| key.to_string())
    }

    pub fn t_args(self, key: &str, args: &[(&'static str, String)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
            .collect();
        LOCALES
            .try_lookup_with_args(self.id(), key, &args)
            .unwrap_or_else(|| key.to_string())
    }

    /// Picks the Chinese or the English of a pair stored in the database.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh if !zh.is_empty() => zh,
            Lang::En if !en.is_empty() => en,
            Lang::Zh => en,
            Lang::En => zh,
        }
    }

    pub fn from_headers(headers: &HeaderMap) -> Lang {
        if let Some(chosen) = cookie_value(headers, LANG_COOKIE).and_then(|v| Lang::parse(&v)) {
            return chosen;
        }
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(from_accept_language)
            .unwrap_or_default()
    }
}

/// The first language in Accept-Language (by weight) that we speak.
pub fn from_accept_language(value: &str) -> Option<Lang> {
    let mut offered: Vec<(f32, Lang)> = value
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let lang = Lang::parse(pieces.next()?)?;
            let weight = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            (weight > 0.0).then_some((weight, lang))
        })
        .collect();
    offered.sort_by(|a, b| b.0.total_cmp(&a.0));
    offered.first().map(|(_, lang)| *lang)
}

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::from_headers(&parts.headers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_respects_weights_and_unknown_languages() {
        assert_eq!(from_accept_language(""), None);
        assert_eq!(from_accept_language("fr-FR"), None);
        assert_eq!(from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            from_accept_language("fr;q=1, en;q=0.5, zh-CN;q=0.8"),
            Some(Lang::Zh)
        );
        assert_eq!(from_accept_language("zh;q=0, en"), Some(Lang::En));
    }

    #[test]
    fn the_cookie_wins_over_the_browser() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_LANGUAGE, "en".parse().unwrap());
        headers.insert(header::COOKIE, "a=b; lang=zh-CN".parse().unwrap());
        assert_eq!(Lang::from_headers(&headers), Lang::Zh);
    }

    #[test]
    fn pick_falls_back_to_the_other_language_when_one_is_empty() {
        assert_eq!(Lang::En.pick("路灯", ""), "路灯");
        assert_eq!(Lang::En.pick("路灯", "Street light"), "Street light");
    }

    /// Every key exists in both languages, and every key the code or the
    /// templates use exists.
    #[test]
    fn no_missing_translations() {
        let keys = |text: &str| -> std::collections::BTreeSet<String> {
            text.lines()
                .filter(|l| !l.starts_with(char::is_whitespace) && !l.starts_with('#'))
                .filter_map(|l| l.split_once(" ="))
                .map(|(k, _)| k.trim().to_string())
                .collect()
        };
        let mut zh = keys(include_str!("../../locales/zh-CN/main.ftl"));
        zh.extend(keys(include_str!("../../locales/zh-CN/law.ftl")));
        zh.extend(keys(include_str!("../../locales/zh-CN/care.ftl")));
        zh.extend(keys(include_str!("../../locales/zh-CN/district.ftl")));
        zh.extend(keys(include_str!("../../locales/zh-CN/messages.ftl")));
        let mut en = keys(include_str!("../../locales/en/main.ftl"));
        en.extend(keys(include_str!("../../locales/en/law.ftl")));
        en.extend(keys(include_str!("../../locales/en/care.ftl")));
        en.extend(keys(include_str!("../../locales/en/district.ftl")));
        en.extend(keys(include_str!("../../locales/en/messages.ftl")));
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(only_zh.is_empty(), "missing in English: {only_zh:?}");
        assert!(only_en.is_empty(), "missing in Chinese: {only_en:?}");

        let mut used = std::collections::BTreeSet::new();
        for dir in ["templates", "src"] {
            collect_used_keys(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join(dir)
                    .as_path(),
                &mut used,
            );
        }
        let missing: Vec<_> = used.iter().filter(|k| !en.contains(*k)).collect();
        assert!(missing.is_empty(), "used but not translated: {missing:?}");
    }

    /// Message keys written in code or templates: string literals of
    /// lowercase words joined by dashes, starting with a known prefix.
    fn collect_used_keys(dir: &std::path::Path, used: &mut std::collections::BTreeSet<String>) {
        const PREFIXES: &[&str] = &[
            "field",
            "error",
            "photo",
            "transition",
            "act",
            "rate",
            "signin",
            "register",
            "password",
            "desk",
            "admin",
            "assign",
            "notify",
            "nav",
            "footer",
            "home",
            "report",
            "request",
            "queue",
            "my",
            "card",
            "attribute",
            "screen",
            "kiosk",
            "rates",
            "csv",
            "dash",
            "monthly",
            "problems",
            "event",
            "actor",
            "clock",
            "list",
            "done",
            "api",
            "law",
            "library",
            "legal",
            "care",
            "duty",
        ];
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                collect_used_keys(&path, used);
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let mut offset: usize = 0;
            for piece in text.split('"') {
                let before = &text[..offset.saturating_sub(1)];
                offset += piece.len() + 1;
                // Class names and element ids look like keys but are not.
                let attributes = [
                    "class=",
                    "id=",
                    "for=",
                    "aria-labelledby=",
                    "aria-describedby=",
                ];
                if attributes.iter().any(|a| before.ends_with(a)) {
                    continue;
                }
                let looks_like_key = piece.contains('-')
                    && piece.split('-').all(|w| {
                        !w.is_empty()
                            && w.chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                    });
                let prefix = piece.split('-').next().unwrap_or("");
                if looks_like_key && PREFIXES.contains(&prefix) {
                    used.insert(piece.to_string());
                }
            }
        }
    }
}
