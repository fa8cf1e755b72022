//! A category's extra fields (Open311 attributes): the administrator's
//! `key | 中文 | English` choice lines (`parse_choices`) and the answers a
//! form or an Open311 client gives (`attribute[CODE]`, read by
//! `Draft::set`, checked by `check_answers`).
//!
//! Input: `CHOICE LINES\0FORM BODY`.
#![no_main]

use std::collections::HashSet;

use grassroots::community::attributes::{check_answers, parse_choices, Attribute, Choice};
use grassroots::requests::intake::Draft;
use libfuzzer_sys::fuzz_target;

fn def(
    id: i64,
    code: &str,
    datatype: &str,
    variable: bool,
    required: bool,
    choices: &[&str],
) -> Attribute {
    Attribute {
        id,
        code: code.to_string(),
        datatype: datatype.to_string(),
        variable,
        required,
        datatype_description: String::new(),
        sort_order: id,
        description_zh: "问".to_string(),
        description_en: "Question".to_string(),
        values: choices
            .iter()
            .map(|key| Choice {
                attribute_id: id,
                value_key: key.to_string(),
                name_zh: key.to_string(),
                name_en: String::new(),
            })
            .collect(),
    }
}

fn check_choices(text: &str) -> Vec<String> {
    match parse_choices(text) {
        Ok(choices) => {
            let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
            assert_eq!(
                choices.len(),
                lines,
                "a choice line was dropped or invented"
            );
            let mut keys = HashSet::new();
            for (key, zh, en) in &choices {
                assert!(!key.is_empty() && key.chars().count() <= 40, "key {key:?}");
                assert!(!zh.is_empty(), "a choice without a Chinese name");
                for part in [key, zh, en] {
                    assert_eq!(part.as_str(), part.trim());
                    assert!(!part.contains('|'));
                }
                assert!(keys.insert(key.clone()), "duplicate key {key:?} accepted");
            }
            choices.into_iter().map(|(key, _, _)| key).collect()
        }
        Err(key) => {
            assert!(
                matches!(key, "attribute-bad-choices" | "attribute-duplicate-choice"),
                "unexpected message {key}"
            );
            Vec::new()
        }
    }
}

fn check(
    defs: &[Attribute],
    given: &[(String, String)],
    enforce_required: bool,
) -> Option<Vec<(String, String)>> {
    match check_answers(defs, given, enforce_required) {
        Ok(answers) => {
            let mut seen = HashSet::new();
            for (code, value) in &answers {
                let def = defs
                    .iter()
                    .find(|d| d.code == *code)
                    .unwrap_or_else(|| panic!("an answer to {code:?}, which was not asked"));
                assert!(def.variable, "an answer to the information line {code:?}");
                assert!(
                    !value.is_empty() && value == value.trim(),
                    "answer {value:?}"
                );
                assert!(
                    given.iter().any(|(c, v)| c == code && v.trim() == value),
                    "answer {value:?} was never given"
                );
                assert!(
                    seen.insert((code.clone(), value.clone())),
                    "{code}={value} kept twice"
                );
                match def.datatype.as_str() {
                    "number" => assert!(value.parse::<f64>().is_ok_and(f64::is_finite)),
                    "string" => assert!(value.chars().count() <= 500),
                    "text" => assert!(value.chars().count() <= 2000),
                    "singlevaluelist" | "multivaluelist" => {
                        assert!(
                            def.values.iter().any(|c| c.value_key == *value),
                            "{value:?} is no choice"
                        )
                    }
                    _ => {}
                }
                if def.datatype != "multivaluelist" {
                    let count = answers.iter().filter(|(c, _)| c == code).count();
                    assert_eq!(count, 1, "{code} takes one answer");
                }
            }
            Some(answers)
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for (field, _) in errors.iter() {
                assert!(
                    defs.iter().any(|d| d.variable && d.field() == *field),
                    "an error for {field:?}, which was not asked"
                );
            }
            None
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (choice_lines, form) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&data[..0], data),
    };
    let choice_lines = String::from_utf8_lossy(choice_lines);
    let keys = check_choices(&choice_lines);
    let mut pick: Vec<&str> = keys.iter().map(String::as_str).collect();
    if pick.is_empty() {
        pick = vec!["east", "west"];
    }

    let defs = [
        def(1, "floor", "number", true, true, &[]),
        def(2, "since", "datetime", true, false, &[]),
        def(3, "name", "string", true, false, &[]),
        def(4, "story", "text", true, false, &[]),
        def(5, "side", "singlevaluelist", true, true, &["east", "west"]),
        def(6, "what", "multivaluelist", true, false, &["a", "b", "c"]),
        def(7, "note", "string", false, true, &[]),
        def(8, "pick", "multivaluelist", true, false, &pick),
    ];

    let mut draft = Draft::default();
    for (name, value) in form_urlencoded::parse(form) {
        draft.set(&name, value.into_owned());
    }
    let strict = check(&defs, &draft.attributes, true);
    let lenient = check(&defs, &draft.attributes, false);
    // The desk is excused only from required fields.
    if let Some(answers) = strict {
        assert_eq!(
            lenient,
            Some(answers),
            "the desk's check refused what the resident's accepted"
        );
    }
});
