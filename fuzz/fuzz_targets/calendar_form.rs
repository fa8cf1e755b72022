//! The administrator's working-calendar form as posted: decoded as axum's
//! `Form<CalendarForm>` does, then `calendar::check` (weekdays, opening
//! hours, and the holiday and make-up-day lines).
#![no_main]

use grassroots::calendar::{check, CalendarForm};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(form) = serde_urlencoded::from_bytes::<CalendarForm>(data) else {
        return;
    };
    let ticked = (1..=7usize).any(|day| form.ticked(&day));
    match check(&form) {
        Ok(_) => assert!(ticked, "a calendar without working weekdays was accepted"),
        Err((errors, bad)) => {
            assert!(!errors.is_empty(), "refused without a reason");
            for line in &bad {
                assert!(
                    !line.is_empty() && line.chars().count() <= 60,
                    "bad line {line:?}"
                );
            }
            if !bad.is_empty() {
                assert!(errors.has("holidays") || errors.has("workdays"));
            }
        }
    }
});
