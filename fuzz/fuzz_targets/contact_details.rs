//! Contact details and account names people type: phone numbers, email
//! addresses (the request form's check and the news settings' lettre
//! check), usernames, place and category codes, and new passwords.
#![no_main]

use grassroots::auth::password_problem;
use grassroots::community::{valid_code, valid_username};
use grassroots::mail::settings::{check, NewsForm, MODES};
use grassroots::requests::intake::{valid_email, valid_phone};
use grassroots::web::forms::url_encode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text: &str = &text;

    if valid_phone(text) {
        let digits = text.chars().filter(char::is_ascii_digit).count();
        assert!(
            (5..=20).contains(&digits),
            "{text:?} taken as a phone number"
        );
        assert!(valid_phone(text.trim()), "trimming spoilt {text:?}");
    }
    if valid_email(text) {
        let (user, host) = text.split_once('@').expect("an address has an @");
        assert!(!user.is_empty() && host.contains('.'));
        assert!(!text.contains(char::is_whitespace));
    }
    if valid_code(text) {
        let n = text.chars().count();
        assert!((1..=24).contains(&n));
        // Codes go into QR links and addresses as they are.
        assert_eq!(url_encode(text), text, "code {text:?} needs escaping");
    }
    if valid_username(text) {
        assert!((2..=40).contains(&text.chars().count()));
        assert_eq!(text, text.trim());
    }
    if password_problem(text).is_none() {
        assert!(
            text.chars().count() >= 8 && text.len() <= 256,
            "password {text:?} accepted"
        );
    }

    let mut modes: Vec<&str> = MODES.to_vec();
    modes.push(text);
    for mode in modes {
        let form = NewsForm {
            email: text.to_string(),
            email_mode: mode.to_string(),
        };
        match check(&form) {
            Ok((email, chosen)) => {
                assert!(MODES.contains(&chosen));
                assert_eq!(chosen, form.email_mode);
                match email {
                    Some(email) => {
                        assert_eq!(email, text.trim());
                        assert!(!email.is_empty() && email.chars().count() <= 120);
                    }
                    None => assert!(text.trim().is_empty()),
                }
            }
            Err(errors) => assert!(!errors.is_empty()),
        }
    }
});
