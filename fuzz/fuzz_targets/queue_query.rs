//! The queue's filters as a query string (`/queue`, `/queue.csv`,
//! `/requests?all=1`), decoded as axum's `Query` does, and `safe_cell`,
//! which keeps what residents wrote from running as a spreadsheet formula
//! in the CSV export.
#![no_main]

use grassroots::requests::model::Status;
use grassroots::requests::queue::{safe_cell, PublicQuery, QueueQuery};
use grassroots::requests::store::normalise_code;
use libfuzzer_sys::fuzz_target;

fn check_cell(text: String) {
    let cell = safe_cell(text.clone());
    assert!(
        !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
        "a spreadsheet would run {cell:?}"
    );
    assert!(
        cell == text || cell == format!("'{text}"),
        "{text:?} became {cell:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let keys: Vec<String> = form_urlencoded::parse(data)
        .map(|(k, _)| k.into_owned())
        .collect();
    let mut distinct = keys.clone();
    distinct.sort();
    distinct.dedup();
    let each_once = distinct.len() == keys.len();

    match serde_urlencoded::from_bytes::<QueueQuery>(data) {
        Ok(q) => {
            if let Some(status) = Status::parse(&q.status) {
                assert_eq!(status.as_str(), q.status.trim());
            }
            let _ = normalise_code(&q.q);
            for text in [
                q.q, q.group, q.status, q.category, q.place, q.overdue, q.mine,
            ] {
                check_cell(text);
            }
        }
        Err(e) => assert!(
            !each_once,
            "a query naming each filter once was refused: {e}"
        ),
    }
    let public = serde_urlencoded::from_bytes::<PublicQuery>(data);
    assert!(public.is_ok() || !each_once, "/requests refused its query");

    let text = String::from_utf8_lossy(data);
    check_cell(text.to_string());
    for line in text.split(['\n', ',']).take(16) {
        check_cell(line.to_string());
    }
});
