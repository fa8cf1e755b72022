//! The book corner's rules: ISBNs, due dates, renewals, reminders and a
//! catalogue row as imported. Plain functions on plain values.

/// The topics a book is shelved under; a legal aid case's topics are the
/// same, less `general` and `elderly`.
pub const TOPICS: [&str; 8] = [
    "general",
    "family",
    "labour",
    "housing",
    "consumer",
    "neighbours",
    "elderly",
    "other",
];

const DAY: i64 = 86_400;
/// How long a loan runs, and how much a renewal adds.
pub const LOAN_DAYS: i64 = 28;
/// A loan is renewed at most this many times.
pub const RENEWALS: i64 = 1;
/// The reminder goes this long before the due date.
pub const REMIND_BEFORE: i64 = 2 * DAY;
/// A returned copy is kept for the first resident waiting this long.
pub const KEEP_DAYS: i64 = 7;

/// The message key of a topic's name.
pub fn topic_key(topic: &str) -> String {
    format!("library-topic-{topic}")
}

/// An ISBN as stored: 13 digits. An ISBN-10 (last character may be X) is
/// turned into its ISBN-13; hyphens and spaces are ignored. `None` when the
/// characters or the check digit are wrong.
pub fn isbn(typed: &str) -> Option<String> {
    let chars: Vec<char> = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{2010}'..='\u{2015}'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    match chars.len() {
        13 if chars.iter().all(char::is_ascii_digit) => {
            let digits: Vec<u32> = chars.iter().filter_map(|c| c.to_digit(10)).collect();
            (isbn13_check(&digits[..12]) == digits[12]).then(|| chars.iter().collect())
        }
        10 => {
            let mut sum = 0;
            for (i, c) in chars.iter().enumerate() {
                let value = match c {
                    'X' if i == 9 => 10,
                    c => c.to_digit(10)?,
                };
                sum += value * (10 - i as u32);
            }
            if sum % 11 != 0 {
                return None;
            }
            let mut digits = vec![9, 7, 8];
            digits.extend(chars[..9].iter().filter_map(|c| c.to_digit(10)));
            let check = isbn13_check(&digits);
            digits.push(check);
            Some(digits.iter().map(|d| char::from(b'0' + *d as u8)).collect())
        }
        _ => None,
    }
}

fn isbn13_check(first12: &[u32]) -> u32 {
    let sum: u32 = first12
        .iter()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { *d } else { d * 3 })
        .sum();
    (10 - sum % 10) % 10
}

/// What the desk typed: an ISBN (whole and valid), or a copy's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scanned {
    Isbn(String),
    Copy(String),
}

pub fn scanned(typed: &str) -> Option<Scanned> {
    let typed = typed.trim();
    if typed.is_empty() {
        return None;
    }
    if let Some(isbn) = isbn(typed) {
        return Some(Scanned::Isbn(isbn));
    }
    Some(Scanned::Copy(typed.to_uppercase()))
}

/// The label code of a title's `n`th copy.
pub fn copy_code(book_id: i64, n: i64) -> String {
    format!("B{book_id:05}-{n}")
}

/// When a loan made at `at` is due.
pub fn due(at: i64) -> i64 {
    at + LOAN_DAYS * DAY
}

/// Why a renewal is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoRenewal {
    Returned,
    LimitReached,
    SomeoneWaiting,
}

impl NoRenewal {
    pub fn key(self) -> &'static str {
        match self {
            NoRenewal::Returned => "library-error-returned",
            NoRenewal::LimitReached => "library-error-renewed",
            NoRenewal::SomeoneWaiting => "library-error-held",
        }
    }
}

/// The new due date of a renewal asked for at `at`: a full loan from
/// today, never earlier than the date it had.
pub fn renew(
    due_at: i64,
    renewals: i64,
    returned: bool,
    others_waiting: bool,
    at: i64,
) -> Result<i64, NoRenewal> {
    if returned {
        return Err(NoRenewal::Returned);
    }
    if renewals >= RENEWALS {
        return Err(NoRenewal::LimitReached);
    }
    if others_waiting {
        return Err(NoRenewal::SomeoneWaiting);
    }
    Ok(due(at).max(due_at))
}

/// Whether an open loan's reminder is to go now.
pub fn remind_now(due_at: i64, reminded: bool, at: i64) -> bool {
    !reminded && at >= due_at - REMIND_BEFORE && at < due_at
}

pub fn overdue(due_at: i64, at: i64) -> bool {
    at > due_at
}

/// One catalogue row as imported or typed, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookRow {
    pub isbn: String,
    pub title: String,
    pub title_alt: String,
    pub author: String,
    pub topic: String,
    pub language: String,
    pub copies: i64,
    pub shelf: String,
}

/// The fields of a row as typed, in the order of the CSV's columns.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct TypedBook {
    pub isbn: String,
    pub title: String,
    pub title_alt: String,
    pub author: String,
    pub topic: String,
    pub language: String,
    pub copies: String,
    pub shelf: String,
}

/// The most copies one title may have.
pub const MAX_COPIES: i64 = 50;

/// A typed row checked: the row, or each field's problem (field, key).
/// `topic_named` finds a topic by a name typed in either language.
pub fn check_book(
    typed: &TypedBook,
    topic_named: impl Fn(&str) -> Option<&'static str>,
) -> Result<BookRow, Vec<(&'static str, &'static str)>> {
    let mut problems = Vec::new();
    let title = typed.title.trim();
    if title.is_empty() {
        problems.push(("title", "library-error-title"));
    } else if title.chars().count() > 200 {
        problems.push(("title", "field-too-long"));
    }
    let isbn = match typed.isbn.trim() {
        "" => String::new(),
        t => isbn(t).unwrap_or_else(|| {
            problems.push(("isbn", "library-error-isbn"));
            String::new()
        }),
    };
    let topic = match typed.topic.trim() {
        "" => "general",
        t => TOPICS
            .into_iter()
            .find(|code| code.eq_ignore_ascii_case(t))
            .or_else(|| topic_named(t))
            .unwrap_or_else(|| {
                problems.push(("topic", "library-error-topic"));
                "general"
            }),
    };
    let copies = match typed.copies.trim() {
        "" => 1,
        t => match t.parse::<i64>() {
            Ok(n) if (1..=MAX_COPIES).contains(&n) => n,
            _ => {
                problems.push(("copies", "library-error-copies"));
                1
            }
        },
    };
    let language = match typed.language.trim().to_lowercase().as_str() {
        "" | "zh" | "zh-cn" | "中文" | "chinese" => "zh",
        "en" | "english" | "英文" => "en",
        _ => {
            problems.push(("language", "library-error-language"));
            "zh"
        }
    };
    let long = |field: &'static str, text: &str, max: usize, problems: &mut Vec<_>| {
        if text.trim().chars().count() > max {
            problems.push((field, "field-too-long"));
        }
        text.trim().to_string()
    };
    let title_alt = long("title_alt", &typed.title_alt, 200, &mut problems);
    let author = long("author", &typed.author, 120, &mut problems);
    let shelf = long("shelf", &typed.shelf, 20, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(BookRow {
        isbn,
        title: title.to_string(),
        title_alt,
        author,
        topic: topic.to_string(),
        language: language.to_string(),
        copies,
        shelf,
    })
}

/// What the catalogue search reads of a book.
pub fn search_text(row: &BookRow) -> String {
    format!(
        "{} {} {} {}",
        row.title, row.title_alt, row.author, row.isbn
    )
    .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isbns_are_checked_and_kept_as_thirteen_digits() {
        assert_eq!(isbn("978-7-5216-1234-3"), None, "a wrong check digit");
        assert_eq!(isbn(""), None);
        assert_eq!(isbn("97875216123"), None, "too short");
        assert_eq!(isbn("9787111ABCDE0"), None, "letters");
        assert_eq!(isbn("978-0-306-40615-7"), Some("9780306406157".into()));
        assert_eq!(isbn("978 0 306 40615 7"), Some("9780306406157".into()));
        // The ISBN-10 of the same book becomes its ISBN-13.
        assert_eq!(isbn("0-306-40615-2"), Some("9780306406157".into()));
        assert_eq!(isbn("0306406153"), None);
        // X is ten, and only last.
        assert_eq!(isbn("0-8044-2957-X"), Some("9780804429573".into()));
        assert_eq!(isbn("0-8044-2957-x"), Some("9780804429573".into()));
        assert_eq!(isbn("X-8044-2957-0"), None);
    }

    #[test]
    fn the_desk_scans_an_isbn_or_a_copy_code() {
        assert_eq!(scanned("  "), None);
        assert_eq!(
            scanned("9780306406157"),
            Some(Scanned::Isbn("9780306406157".into()))
        );
        assert_eq!(
            scanned(" b00012-1 "),
            Some(Scanned::Copy("B00012-1".into()))
        );
        assert_eq!(copy_code(12, 1), "B00012-1");
        assert_eq!(copy_code(123_456, 2), "B123456-2");
    }

    const AT: i64 = 1_800_000_000;

    #[test]
    fn a_loan_is_renewed_once_unless_someone_waits() {
        let due_at = due(AT);
        assert_eq!(due_at - AT, 28 * DAY);
        assert_eq!(renew(due_at, 0, false, false, AT + DAY), Ok(due(AT + DAY)));
        assert_eq!(
            renew(due_at, 1, false, false, AT + DAY),
            Err(NoRenewal::LimitReached)
        );
        assert_eq!(
            renew(due_at, 0, false, true, AT + DAY),
            Err(NoRenewal::SomeoneWaiting)
        );
        assert_eq!(
            renew(due_at, 0, true, false, AT + DAY),
            Err(NoRenewal::Returned)
        );
        // Renewed on the day it was lent, the date does not move back.
        assert_eq!(renew(due_at, 0, false, false, AT - DAY), Ok(due_at));
        // An overdue loan may still be renewed, from today.
        let late = due_at + 3 * DAY;
        assert_eq!(renew(due_at, 0, false, false, late), Ok(due(late)));
    }

    #[test]
    fn the_reminder_goes_once_in_the_two_days_before_the_due_date() {
        let due_at = due(AT);
        assert!(!remind_now(due_at, false, due_at - REMIND_BEFORE - 1));
        assert!(remind_now(due_at, false, due_at - REMIND_BEFORE));
        assert!(remind_now(due_at, false, due_at - 1));
        assert!(!remind_now(due_at, true, due_at - 1), "only once");
        assert!(!remind_now(due_at, false, due_at), "due: overdue list now");
        assert!(!overdue(due_at, due_at));
        assert!(overdue(due_at, due_at + 1));
    }

    fn typed(title: &str) -> TypedBook {
        TypedBook {
            title: title.into(),
            ..TypedBook::default()
        }
    }

    #[test]
    fn a_catalogue_row_is_checked_field_by_field() {
        let none = |_: &str| None;
        let row = check_book(&typed(" 民法典 "), none).unwrap();
        assert_eq!(row.title, "民法典");
        assert_eq!(
            (row.topic.as_str(), row.copies, row.language.as_str()),
            ("general", 1, "zh")
        );
        let bad = TypedBook {
            isbn: "123".into(),
            topic: "astrology".into(),
            copies: "0".into(),
            language: "fr".into(),
            ..typed("")
        };
        let problems = check_book(&bad, none).unwrap_err();
        let fields: Vec<_> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["title", "isbn", "topic", "copies", "language"]);
        let many = TypedBook {
            copies: "51".into(),
            ..typed("x")
        };
        assert_eq!(
            check_book(&many, none).unwrap_err(),
            [("copies", "library-error-copies")]
        );
        let named = TypedBook {
            topic: "婚姻家庭".into(),
            isbn: "0-306-40615-2".into(),
            language: "English".into(),
            copies: "3".into(),
            ..typed("x")
        };
        let row = check_book(&named, |t| (t == "婚姻家庭").then_some("family")).unwrap();
        assert_eq!(
            (
                row.topic.as_str(),
                row.isbn.as_str(),
                row.language.as_str(),
                row.copies
            ),
            ("family", "9780306406157", "en", 3)
        );
        let code = TypedBook {
            topic: "Labour".into(),
            ..typed("x")
        };
        assert_eq!(check_book(&code, none).unwrap().topic, "labour");
    }
}
