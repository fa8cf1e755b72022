//! What decides a text message: when it may go (quiet hours), whether it
//! may go at all (limits), when to try again, what it says, and how the
//! gateway's body is filled in.

use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;

/// No texts from 21:00 to 08:00 in the community's time, except danger.
pub const QUIET_FROM: Time = Time::constant(21, 0, 0, 0);
pub const QUIET_UNTIL: Time = Time::constant(8, 0, 0, 0);

/// Tries before a text is given up and its news goes on reception's list.
pub const TRIES: i64 = 3;

/// When a text due at `now` may be sent: now, or at 08:00 after the quiet
/// night. Danger is never held.
pub fn send_at(now: i64, tz: &TimeZone, danger: bool) -> i64 {
    if danger {
        return now;
    }
    let Ok(at) = Timestamp::from_second(now) else {
        return now;
    };
    let local = at.to_zoned_datetime(tz.clone());
    let time = local.time();
    let morning = if time >= QUIET_FROM {
        local.date().tomorrow().ok()
    } else if time < QUIET_UNTIL {
        Some(local.date())
    } else {
        None
    };
    match morning.and_then(|day| day.at(8, 0, 0, 0).to_zoned_datetime(tz.clone()).ok()) {
        Some(eight) => eight.timestamp().as_second(),
        None => now,
    }
}

/// What the limits allow: texts already sent to this number and by the
/// community in the last day, against the gateway's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub to_this_number: i64,
    pub by_community: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub per_person_day: i64,
    pub per_day: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowed {
    Yes,
    /// Over a limit: the news goes to reception instead, with the reason.
    No(&'static str),
}

/// Danger always goes; other news within both limits.
pub fn allowed(counts: Counts, limits: Limits, danger: bool) -> Allowed {
    if danger {
        Allowed::Yes
    } else if counts.to_this_number >= limits.per_person_day {
        Allowed::No("limit-person")
    } else if counts.by_community >= limits.per_day {
        Allowed::No("limit-day")
    } else {
        Allowed::Yes
    }
}

/// After a failed try (`tries` made so far): when to try again, or none
/// when it is given up. A minute, then five.
pub fn retry_at(tries: i64, now: i64) -> Option<i64> {
    match tries {
        t if t >= TRIES => None,
        1 => Some(now + 60),
        _ => Some(now + 300),
    }
}

/// The text itself: the community, the kind of news in the resident's
/// language, and the link. Never what the request says.
pub fn compose(community: &str, news: &str, link: &str, english: bool) -> String {
    if english {
        format!("[{community}] {news} {link}")
    } else {
        format!("【{community}】{news} {link}")
    }
}

/// How a value goes into the gateway's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Json,
    Form,
}

/// Fills `{phone}`, `{text}`, `{secret}` and `{ref}` into a template,
/// each escaped for where it goes: inside a JSON string, or form- and
/// URL-encoded. Other braces are left as they are.
pub fn fill(template: &str, encoding: Encoding, fields: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let named = after.find('}').and_then(|close| {
            let name = &after[..close];
            fields
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, value)| (close, *value))
        });
        match named {
            Some((close, value)) => {
                out.push_str(&escape(value, encoding));
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn escape(value: &str, encoding: Encoding) -> String {
    match encoding {
        Encoding::Form => form_urlencoded::byte_serialize(value.as_bytes()).collect(),
        Encoding::Json => {
            let quoted = serde_json::Value::from(value).to_string();
            quoted[1..quoted.len() - 1].to_string()
        }
    }
}

/// A number as a log shows it: 138****8000.
pub fn masked(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// The start of the local day of `now`, for "today's" limits.
pub fn day_start(now: i64, tz: &TimeZone) -> i64 {
    Timestamp::from_second(now)
        .ok()
        .and_then(|t| t.to_zoned_datetime(tz.clone()).start_of_day().ok())
        .map_or(now - 86_400, |z| z.timestamp().as_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shanghai() -> TimeZone {
        TimeZone::get("Asia/Shanghai").unwrap()
    }

    /// Seconds for a local time in Shanghai on 2026-12-04.
    fn at(hour: i8, minute: i8) -> i64 {
        jiff::civil::date(2026, 12, 4)
            .at(hour, minute, 0, 0)
            .to_zoned_datetime(shanghai())
            .unwrap()
            .timestamp()
            .as_second()
    }

    #[test]
    fn quiet_hours_edges() {
        let tz = shanghai();
        let next_morning = at(8, 0) + 86_400;
        // The last minute of the day's window goes; 21:00 waits.
        assert_eq!(send_at(at(20, 59), &tz, false), at(20, 59));
        assert_eq!(send_at(at(21, 0), &tz, false), next_morning);
        assert_eq!(send_at(at(23, 59), &tz, false), next_morning);
        // After midnight it waits for the same morning.
        assert_eq!(send_at(at(0, 0), &tz, false), at(8, 0));
        assert_eq!(send_at(at(7, 59), &tz, false), at(8, 0));
        assert_eq!(send_at(at(8, 0), &tz, false), at(8, 0));
        assert_eq!(send_at(at(12, 0), &tz, false), at(12, 0));
    }

    #[test]
    fn danger_is_never_held() {
        let tz = shanghai();
        for hour in [21, 23, 0, 3, 7] {
            assert_eq!(send_at(at(hour, 30), &tz, true), at(hour, 30));
        }
    }

    #[test]
    fn quiet_hours_are_the_communitys_not_the_servers() {
        // 21:30 in Shanghai is 13:30 in UTC: held in Shanghai.
        let late = at(21, 30);
        assert_eq!(send_at(late, &TimeZone::UTC, false), late);
        assert_ne!(send_at(late, &shanghai(), false), late);
    }

    #[test]
    fn limits_edges() {
        let limits = Limits {
            per_person_day: 5,
            per_day: 200,
        };
        let counts = |person, all| Counts {
            to_this_number: person,
            by_community: all,
        };
        assert_eq!(allowed(counts(4, 199), limits, false), Allowed::Yes);
        assert_eq!(
            allowed(counts(5, 0), limits, false),
            Allowed::No("limit-person")
        );
        assert_eq!(
            allowed(counts(0, 200), limits, false),
            Allowed::No("limit-day")
        );
        assert_eq!(allowed(counts(50, 5000), limits, true), Allowed::Yes);
        let none = Limits {
            per_person_day: 0,
            per_day: 0,
        };
        assert_eq!(
            allowed(counts(0, 0), none, false),
            Allowed::No("limit-person")
        );
    }

    #[test]
    fn three_tries_then_reception() {
        assert_eq!(retry_at(1, 1000), Some(1060));
        assert_eq!(retry_at(2, 1000), Some(1300));
        assert_eq!(retry_at(3, 1000), None);
        assert_eq!(retry_at(4, 1000), None);
    }

    #[test]
    fn the_text_says_the_kind_of_news_and_the_link() {
        let zh = compose(
            "金苑小区",
            "工作组开始办理您的诉求了。",
            "https://j.example/t/AB12",
            false,
        );
        assert_eq!(
            zh,
            "【金苑小区】工作组开始办理您的诉求了。 https://j.example/t/AB12"
        );
        assert!(
            zh.chars().count() <= 70,
            "one message: {}",
            zh.chars().count()
        );
        let en = compose(
            "Jinyuan",
            "The team has started on your request.",
            "https://j.example/t/AB12",
            true,
        );
        assert!(en.starts_with("[Jinyuan] The team"));
    }

    #[test]
    fn templates_are_filled_and_escaped_for_where_they_go() {
        let fields = [
            ("phone", "13800138000"),
            ("text", "【金苑】\"quoted\" & more\n"),
            ("secret", "s3cr=t"),
            ("ref", "gr-7"),
        ];
        let json = fill(
            r#"{"to":"{phone}","msg":"{text}","key":"{secret}","id":"{ref}","keep":"{other}"}"#,
            Encoding::Json,
            &fields,
        );
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["msg"], "【金苑】\"quoted\" & more\n");
        assert_eq!(parsed["key"], "s3cr=t");
        assert_eq!(parsed["keep"], "{other}");
        let form = fill(
            "mobile={phone}&content={text}&apikey={secret}",
            Encoding::Form,
            &fields,
        );
        let pairs: Vec<(String, String)> = form_urlencoded::parse(form.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(pairs.len(), 3, "{form}");
        assert_eq!(pairs[1].1, "【金苑】\"quoted\" & more\n");
        assert_eq!(pairs[2].1, "s3cr=t");
        assert_eq!(fill("{", Encoding::Form, &fields), "{");
        assert_eq!(fill("{phone", Encoding::Form, &fields), "{phone");
    }

    #[test]
    fn numbers_are_masked_in_logs() {
        assert_eq!(masked("13800138000"), "138****8000");
        assert_eq!(masked("+447700900123"), "+44****0123");
        assert_eq!(masked("12345"), "*****");
    }

    #[test]
    fn the_day_starts_at_local_midnight() {
        assert_eq!(day_start(at(15, 30), &shanghai()), at(0, 0));
    }
}
