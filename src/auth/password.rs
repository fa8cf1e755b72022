//! Passwords: hashed with argon2, and new ones refused when easy to guess.
//!
//! A new password is judged by zxcvbn, which estimates how many guesses it
//! takes from common-password lists, dictionaries, keyboard patterns, dates
//! and l33t spellings. Its lists are English; residents' favourites are not
//! in them, so the Chinese patterns people actually use (我爱你 as `woaini`,
//! `520`, `1314`, lucky numbers, pinyin of common words) are handed to it
//! as words it should know, with the person's own username and name.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let hash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    Ok(hash.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// What people in Chinese-speaking communities build passwords from, that
/// English lists miss: love and luck in numbers and pinyin, and the
/// commonest pinyin words.
const CHINESE_WORDS: &[&str] = &[
    "woaini",
    "woaiwojia",
    "aini",
    "woai",
    "iloveyou",
    "5201314",
    "1314520",
    "1314",
    "520",
    "521",
    "888",
    "8888",
    "666",
    "6666",
    "168",
    "518",
    "zhang",
    "wang",
    "li",
    "liu",
    "chen",
    "yang",
    "zhao",
    "huang",
    "zhou",
    "wu",
    "xiaoming",
    "baobao",
    "laopo",
    "laogong",
    "mama",
    "baba",
    "jiayou",
    "zhongguo",
    "china",
    "beijing",
    "shanghai",
    "qq",
    "abc",
    "qwe",
    "asd",
    "zxc",
];

/// zxcvbn's score from 0 to 4; below this a new password is refused. 3
/// means more than about 10^8 guesses: safe against guessing online even
/// without the sign-in guard.
const LEAST_SCORE: u8 = 3;

/// Shapes people pick that zxcvbn may score too kindly: one character or a
/// short run repeated (`12121212`), a run along the digits, the alphabet or
/// a keyboard row (`23456789`, `1qaz2wsx`), and a birthday (`19580312`).
fn easy_to_guess(password: &str) -> bool {
    let p: Vec<char> = password.to_lowercase().chars().collect();
    let repeated = (1..=4).any(|len| {
        p.len() > len && p.len().is_multiple_of(len) && p.chunks(len).all(|c| c == &p[..len])
    });
    let runs = [
        "01234567890",
        "abcdefghijklmnopqrstuvwxyz",
        "qwertyuiop",
        "asdfghjkl",
        "zxcvbnm",
        "1qaz2wsx3edc4rfv5tgb",
    ];
    let text: String = p.iter().collect();
    let backwards: String = p.iter().rev().collect();
    let along_a_run = runs
        .iter()
        .any(|run| run.contains(text.as_str()) || run.contains(backwards.as_str()));
    let birthday = p.len() == 8
        && p.iter().all(char::is_ascii_digit)
        && jiff::civil::Date::strptime("%Y%m%d", &text)
            .is_ok_and(|d| (1900..=2100).contains(&d.year()));
    repeated || along_a_run || birthday
}

/// Why a new password is refused; the message key says it to the person.
/// `about_them` is what the person is known by (username, name), which a
/// password must not lean on.
pub fn password_problem(password: &str, about_them: &[&str]) -> Option<&'static str> {
    if password.chars().count() < 8 {
        return Some("password-too-short");
    }
    if password.len() > 256 {
        return Some("password-too-long");
    }
    if easy_to_guess(password) {
        return Some("password-too-common");
    }
    // zxcvbn counts a character outside ASCII as one of ten or so; a
    // Chinese character is one of thousands. Several different ones make a
    // strong password; a few need a good rest; otherwise only the rest is
    // judged ("ääää1234" is "1234").
    let others: std::collections::BTreeSet<char> =
        password.chars().filter(|c| !c.is_ascii()).collect();
    let rest: String = password.chars().filter(char::is_ascii).collect();
    if others.len() >= 6 {
        return None;
    }
    let least = if others.len() >= 4 {
        if rest.is_empty() {
            return None;
        }
        2
    } else {
        LEAST_SCORE
    };
    let mut known: Vec<&str> = CHINESE_WORDS.to_vec();
    known.extend(
        about_them
            .iter()
            .map(|w| w.trim())
            .filter(|w| !w.is_empty()),
    );
    let judged = if others.is_empty() {
        password
    } else {
        rest.as_str()
    };
    let score = u8::from(zxcvbn::zxcvbn(judged, &known).score());
    (score < least).then_some("password-too-common")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("lily pond 2026").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("lily pond 2026", &hash));
        assert!(!verify_password("lily pond 2027", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn length_is_judged_first() {
        assert_eq!(password_problem("", &[]), Some("password-too-short"));
        assert_eq!(password_problem("1234567", &[]), Some("password-too-short"));
        assert_eq!(
            password_problem("荷花池边的凉亭", &[]),
            Some("password-too-short"),
            "seven characters, however many bytes"
        );
        assert_eq!(
            password_problem(&"x".repeat(257), &[]),
            Some("password-too-long")
        );
    }

    #[test]
    fn what_a_probe_got_through_is_refused() {
        for weak in [
            "password123",
            "P@ssw0rd",
            "qwerty12",
            "q1w2e3r4",
            "123qweasd",
            "woaini520",
            "5201314a",
            "iloveyou1",
        ] {
            assert_eq!(
                password_problem(weak, &[]),
                Some("password-too-common"),
                "{weak}"
            );
        }
    }

    #[test]
    fn shapes_lists_and_chinese_favourites_are_refused() {
        for weak in [
            "12345678",
            "PassWord",
            "88888888",
            "woaini1314",
            "aaaaaaaa",
            "12121212",
            "abcabcabc",
            "52015201",
            "23456789",
            "98765432",
            "abcdefghij",
            "asdfghjk",
            "1qaz2wsx",
            "19580312",
            "20011231",
            "wang1958",
            "woaiwojia",
            "我的密码123456",
            "ääää1234",
            "密码密码密码密码",
        ] {
            assert_eq!(
                password_problem(weak, &[]),
                Some("password-too-common"),
                "{weak}"
            );
        }
    }

    #[test]
    fn the_persons_own_name_does_not_make_a_password() {
        assert_eq!(
            password_problem("huangmei1958", &["huangmei", "黄梅"]),
            Some("password-too-common")
        );
    }

    #[test]
    fn passwords_people_can_remember_and_others_cannot_guess_pass() {
        for fine in [
            "lily pond 2026",
            "lotus-pond-7",
            "荷花池边的凉亭好",
            "tea at the pavilion",
            "Mei's garden 1972!",
        ] {
            assert_eq!(password_problem(fine, &["huangmei"]), None, "{fine}");
        }
    }
}
