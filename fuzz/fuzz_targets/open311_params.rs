//! Open311 GeoReport parameters as a client sends them, in a query string or
//! a form body: `Params::parse` and every accessor the handlers use.
//!
//! Input: `QUERY\nBODY` (a query string, then a body, as `POST requests`
//! joins them); the whole input is also read as one parameter list.
#![no_main]

use std::sync::OnceLock;

use grassroots::open311::params::{parse_datetime, Params};
use jiff::tz::TimeZone;
use libfuzzer_sys::fuzz_target;

/// The names the handlers ask for.
const KEYS: &[&str] = &[
    "jurisdiction_id",
    "service_request_id",
    "service_code",
    "status",
    "start_date",
    "end_date",
    "updated_after",
    "updated_before",
    "page",
    "page_size",
    "api_key",
    "lat",
    "long",
    "address_string",
    "address_id",
    "media_url",
    "first_name",
    "last_name",
    "description",
    "phone",
    "email",
    "device_id",
    "account_id",
];

fn zones() -> &'static [TimeZone] {
    static ZONES: OnceLock<Vec<TimeZone>> = OnceLock::new();
    ZONES.get_or_init(|| {
        let mut zones: Vec<TimeZone> = ["Asia/Shanghai", "America/Sao_Paulo", "Pacific/Apia"]
            .iter()
            .filter_map(|name| TimeZone::get(name).ok())
            .collect();
        zones.push(TimeZone::UTC);
        zones
    })
}

fn check_key(params: &Params, key: &str) {
    let first = params.get(key);
    if let Some(value) = first {
        assert!(!value.is_empty(), "get({key:?}) gave an empty value");
        assert_eq!(value, value.trim(), "get({key:?}) gave untrimmed text");
    }
    assert_eq!(params.text(key), first.unwrap_or_default());
    for item in params.list(key) {
        assert!(
            !item.is_empty() && item == item.trim() && !item.contains(','),
            "list({key:?}) gave {item:?}"
        );
    }
    match params.number(key) {
        Ok(Some(n)) => assert!(n.is_finite(), "number({key:?}) gave {n}"),
        Ok(None) => assert!(first.is_none()),
        Err(e) => {
            assert!(first.is_some());
            assert_eq!(e.status.as_u16(), 400);
        }
    }
    // The bounds `page` and `page_size` are read with.
    for (min, max) in [(1, 1_000_000), (1, 1000)] {
        match params.whole(key, min, max) {
            Ok(Some(n)) => assert!((min..=max).contains(&n), "whole({key:?}) gave {n}"),
            Ok(None) => assert!(first.is_none()),
            Err(e) => assert_eq!(e.status.as_u16(), 400),
        }
    }
    for tz in zones() {
        match params.datetime(key, tz) {
            Ok(Some(at)) => assert!(jiff::Timestamp::from_second(at).is_ok()),
            Ok(None) => assert!(first.is_none()),
            Err(e) => assert_eq!(e.status.as_u16(), 400),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let params = Params::parse(data);
    for key in KEYS {
        check_key(&params, key);
    }
    // Names the client made up are looked up the same way.
    for (key, _) in form_urlencoded::parse(data).take(8) {
        check_key(&params, &key);
    }
    let attributes = params.attributes();
    assert!(
        attributes.len() <= 200,
        "{} attributes kept",
        attributes.len()
    );
    for (code, _) in &attributes {
        assert!(!code.contains(']'), "attribute code {code:?}");
    }

    // `post_params`: the query string's parameters, then the body's; the
    // first non-empty value wins.
    let (query, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[..0]),
    };
    let (from_query, from_body) = (Params::parse(query), Params::parse(body));
    let mut joined = from_query.clone();
    joined.extend(from_body.clone());
    joined.push("api_key".to_string(), String::new());
    for key in ["api_key", "service_code", "jurisdiction_id"] {
        assert_eq!(
            joined.get(key),
            from_query.get(key).or(from_body.get(key)),
            "{key} after joining the query string and the body"
        );
    }

    // The raw text as one date-time value.
    if let Ok(text) = std::str::from_utf8(data) {
        for tz in zones() {
            let _ = parse_datetime(text, tz);
            let _ = parse_datetime(text.trim(), tz);
        }
    }
});
