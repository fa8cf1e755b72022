//! The monthly report's `?month=2026-11`: `parse_month` in a few time zones,
//! which must give the month's first moment and the next month's, and read
//! back the same when the month is written out again.
#![no_main]

use std::sync::OnceLock;

use grassroots::dashboard::{parse_month, MonthQuery};
use grassroots::rates::month_of;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use libfuzzer_sys::fuzz_target;

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

fuzz_target!(|data: &[u8]| {
    // The query string itself.
    let _ = serde_urlencoded::from_bytes::<MonthQuery>(data);

    let text = String::from_utf8_lossy(data);
    for tz in zones() {
        let Some((from, to)) = parse_month(&text, tz) else {
            continue;
        };
        assert!(from <= to, "{text:?}: the month ends before it starts");
        assert!(
            to - from <= 32 * 86_400,
            "{text:?}: a month of {} seconds",
            to - from
        );
        assert_eq!(month_of(from, tz), (from, to), "{text:?}");
        if from < to {
            let first = Timestamp::from_second(from)
                .expect("a month starts at a real moment")
                .to_zoned_datetime(tz.clone());
            assert_eq!(first.day(), 1, "{text:?} starts on {first}");
            let again = format!("{:04}-{:02}", first.year(), first.month());
            assert_eq!(
                parse_month(&again, tz),
                Some((from, to)),
                "{text:?} → {again:?}"
            );
        }
    }
});
