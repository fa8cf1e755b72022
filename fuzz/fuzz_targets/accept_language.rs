//! The person's language from their request: the `lang` cookie, then the
//! browser's Accept-Language (`from_accept_language`, weights and all), and
//! the cookie parser every session and setting goes through.
//!
//! Input: `ACCEPT-LANGUAGE\nCOOKIE\nCOOKIE…`, each line one header value.
#![no_main]

use grassroots::auth::SESSION_COOKIE;
use grassroots::i18n::{cookie_value, from_accept_language, Lang, LANG_COOKIE};
use grassroots::web::page::TEXT_COOKIE;
use http::header::{ACCEPT_LANGUAGE, COOKIE};
use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut lines = data.split(|b| *b == b'\n');
    let accept = lines.next().unwrap_or_default();

    let text = String::from_utf8_lossy(accept);
    if let Some(lang) = from_accept_language(&text) {
        let named = text
            .split(',')
            .any(|part| Lang::parse(part.split(';').next().unwrap_or_default()) == Some(lang));
        assert!(named, "{text:?} read as {lang:?}, which it never names");
    }
    for lang in [Lang::Zh, Lang::En] {
        assert_eq!(Lang::parse(lang.code()), Some(lang));
    }

    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_bytes(accept) {
        headers.insert(ACCEPT_LANGUAGE, value);
    }
    for line in lines.take(4) {
        if let Ok(value) = HeaderValue::from_bytes(line) {
            headers.append(COOKIE, value);
        }
    }
    let lang = Lang::from_headers(&headers);
    match cookie_value(&headers, LANG_COOKIE)
        .as_deref()
        .and_then(Lang::parse)
    {
        Some(chosen) => assert_eq!(lang, chosen, "the cookie's choice was overruled"),
        None => {
            let browser = headers
                .get(ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(from_accept_language);
            assert_eq!(lang, browser.unwrap_or_default());
        }
    }
    for name in [LANG_COOKIE, SESSION_COOKIE, TEXT_COOKIE] {
        if let Some(value) = cookie_value(&headers, name) {
            assert!(!value.contains(';'), "cookie {name} read as {value:?}");
        }
    }
});
