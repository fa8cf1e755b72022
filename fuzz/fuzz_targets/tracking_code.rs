//! Tracking codes as people type them (`/track?code=`, the queue's search,
//! Open311's `service_request_id`): `normalise_code`, and `spaced_code` on
//! what it keeps, as the pages show it.
#![no_main]

use grassroots::requests::store::{normalise_code, spaced_code};
use grassroots::web::forms::safe_next;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let typed = String::from_utf8_lossy(data);
    let code = normalise_code(&typed);
    assert!(code.bytes().all(|b| b.is_ascii_digit()), "{code:?}");
    assert_eq!(
        code.len(),
        typed.chars().filter(char::is_ascii_digit).count()
    );
    assert_eq!(
        normalise_code(&code),
        code,
        "normalising twice changed the code"
    );

    let spaced = spaced_code(&code);
    assert_eq!(
        normalise_code(&spaced),
        code,
        "{spaced:?} reads back differently"
    );
    if code.len() == 8 {
        assert_eq!(spaced.len(), 9);
        assert_eq!(spaced.as_bytes()[4], b' ');
    } else {
        assert_eq!(spaced, code);
    }

    // `/track` redirects to the request's page: the code stays in the path.
    let target = format!("/r/{code}");
    assert_eq!(safe_next(Some(&target)), target);
});
