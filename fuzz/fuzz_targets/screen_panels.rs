//! A community screen's panel lines as the administrator types them,
//! `rates` or `new 07:00-10:00`: `parse_panels`, and `shows_at` over a
//! whole day for what it reads.
#![no_main]

use grassroots::screen::{parse_panels, shows_at, PANELS};
use libfuzzer_sys::fuzz_target;

const DAY: u32 = 24 * 60;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let plans = parse_panels(&text);
    assert!(!plans.is_empty(), "a screen with nothing to show");
    assert!(plans.len() <= text.lines().count().max(PANELS.len()));
    for plan in &plans {
        assert!(
            PANELS.contains(&plan.name.as_str()),
            "unknown panel {:?}",
            plan.name
        );
    }
    for plan in plans.iter().take(8) {
        let shown = (0..DAY).filter(|minute| shows_at(plan, *minute)).count() as u32;
        match plan.hours {
            None => assert_eq!(shown, DAY),
            Some((from, to)) => {
                assert!(from <= DAY && to <= DAY, "hours {from}-{to}");
                let expected = if from <= to {
                    to - from
                } else {
                    DAY - from + to
                };
                assert_eq!(shown, expected, "{:?} {from}-{to}", plan.name);
            }
        }
    }
});
