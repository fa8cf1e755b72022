//! The working calendar's day lines, `2027-10-01/2027-10-07 国庆节`:
//! `parse_days` on each line, and back through `days_as_lines` (what the
//! administrator's form shows again) to the same days and name.
#![no_main]

use grassroots::calendar::rules::{days_as_lines, parse_days};
use jiff::civil::Date;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // As the form reads its text areas: line by line.
    for line in text.lines().take(64) {
        let Some((days, name)) = parse_days(line) else {
            continue;
        };
        assert!(
            !days.is_empty() && days.len() <= 31,
            "{line:?} gave {} days",
            days.len()
        );
        for pair in days.windows(2) {
            assert_eq!(
                pair[0].tomorrow().ok(),
                Some(pair[1]),
                "{line:?}: days not consecutive"
            );
        }
        assert!(name.chars().count() <= 40);
        assert!(!name.starts_with(char::is_whitespace));

        let named: Vec<(Date, String)> = days.iter().map(|day| (*day, name.clone())).collect();
        let shown = days_as_lines(&named);
        let mut lines = shown.lines();
        let again = lines.next().and_then(parse_days).unwrap_or_else(|| {
            panic!("{line:?} was shown again as {shown:?}, which does not read back")
        });
        assert!(
            lines.next().is_none(),
            "one range became several lines: {shown:?}"
        );
        assert_eq!(again.0, days, "{line:?} → {shown:?}");
        assert_eq!(again.1, name.trim(), "{line:?} → {shown:?}");
    }
});
