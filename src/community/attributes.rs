//! Extra fields a category asks for (Open311's service definition
//! attributes): defined by the administrator, shown on the resident's form,
//! checked on every door.

use super::valid_code;
use crate::db::BeginWrite;
use crate::db::{Db, StoreError};
use crate::i18n::Lang;
use crate::on_db;
use crate::web::forms::{FieldErrors, optional_text, required_text};

pub const DATATYPES: [&str; 6] = [
    "string",
    "number",
    "datetime",
    "text",
    "singlevaluelist",
    "multivaluelist",
];

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attribute {
    pub id: i64,
    pub code: String,
    pub datatype: String,
    pub variable: bool,
    pub required: bool,
    pub datatype_description: String,
    pub sort_order: i64,
    pub description_zh: String,
    pub description_en: String,
    /// The choice that means danger, if any: answered, the request is urgent.
    pub urgent_answer: String,
    #[sqlx(skip)]
    pub values: Vec<Choice>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Choice {
    pub attribute_id: i64,
    pub value_key: String,
    pub name_zh: String,
    pub name_en: String,
}

impl Attribute {
    pub fn description(&self, lang: impl std::borrow::Borrow<Lang>) -> &str {
        lang.borrow()
            .pick(&self.description_zh, &self.description_en)
    }
    pub fn is_list(&self) -> bool {
        self.datatype.ends_with("valuelist")
    }
    /// The form field's name, as Open311 clients send it too.
    pub fn field(&self) -> String {
        format!("attribute[{}]", self.code)
    }
    pub fn datatype_key(&self) -> String {
        format!("attribute-type-{}", self.datatype)
    }
}

impl Choice {
    pub fn name(&self, lang: impl std::borrow::Borrow<Lang>) -> &str {
        lang.borrow().pick(&self.name_zh, &self.name_en)
    }
}

/// The category's extra fields in their order, with their choices.
pub async fn for_category(db: &Db, category_id: i64) -> Result<Vec<Attribute>, StoreError> {
    static ATTRIBUTES: crate::db::Memo<i64, Vec<Attribute>> = crate::db::Memo::new();
    let kept = ATTRIBUTES
        .get(db, category_id, || read_for_category(db, category_id))
        .await?;
    Ok(Vec::clone(&kept))
}

async fn read_for_category(db: &Db, category_id: i64) -> Result<Vec<Attribute>, StoreError> {
    let mut attributes = on_db!(db, |pool| {
        sqlx::query_as::<_, Attribute>(
        "SELECT id, code, datatype, variable, required, datatype_description, sort_order, description_zh, \
         description_en, urgent_answer FROM category_attributes WHERE category_id = $1 ORDER BY sort_order, id"
    )
    .bind(category_id)
    .fetch_all(pool)
    .await
    })?;
    if attributes.is_empty() {
        return Ok(attributes);
    }
    let choices = on_db!(db, |pool| {
        sqlx::query_as::<_, Choice>(
        "SELECT v.attribute_id, v.value_key, v.name_zh, v.name_en FROM category_attribute_values v \
         JOIN category_attributes a ON a.id = v.attribute_id WHERE a.category_id = $1 ORDER BY v.sort_order, v.value_key"
    )
    .bind(category_id)
    .fetch_all(pool)
    .await
    })?;
    for a in &mut attributes {
        a.values = choices
            .iter()
            .filter(|c| c.attribute_id == a.id)
            .cloned()
            .collect();
    }
    Ok(attributes)
}

/// Checks the answers given for a category's extra fields. `given` holds
/// (code, value) pairs; a multi-value list may repeat its code. Answers to
/// fields the category does not have are ignored. Errors name the field as
/// `attribute[CODE]`.
pub fn check_answers(
    defs: &[Attribute],
    given: &[(String, String)],
    enforce_required: bool,
) -> Result<Vec<(String, String)>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut answers = Vec::new();
    for def in defs.iter().filter(|d| d.variable) {
        let mut values: Vec<&str> = given
            .iter()
            .filter(|(code, _)| *code == def.code)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .collect();
        let mut seen = std::collections::HashSet::new();
        values.retain(|v| seen.insert(*v));
        let field = def.field();
        if values.is_empty() {
            if def.required && enforce_required {
                errors.add(field, "attribute-required");
            }
            continue;
        }
        if values.len() > 1 && def.datatype != "multivaluelist" {
            errors.add(field, "attribute-one-only");
            continue;
        }
        let problem = values.iter().find_map(|v| value_problem(def, v));
        match problem {
            Some(key) => errors.add(field, key),
            None => answers.extend(values.iter().map(|v| (def.code.clone(), v.to_string()))),
        }
    }
    if errors.is_empty() {
        Ok(answers)
    } else {
        Err(errors)
    }
}

fn value_problem(def: &Attribute, value: &str) -> Option<&'static str> {
    match def.datatype.as_str() {
        "string" if value.chars().count() > 500 => Some("field-too-long"),
        "text" if value.chars().count() > 2000 => Some("field-too-long"),
        "number" => match value.parse::<f64>() {
            Ok(n) if n.is_finite() => None,
            _ => Some("attribute-not-number"),
        },
        "datetime" => (!is_datetime(value)).then_some("attribute-not-datetime"),
        "singlevaluelist" | "multivaluelist" => {
            (!def.values.iter().any(|c| c.value_key == value)).then_some("attribute-not-a-choice")
        }
        _ => None,
    }
}

/// ISO 8601 with an offset (as Open311 sends), or a date and time without
/// one (as a browser's date-time field sends).
fn is_datetime(value: &str) -> bool {
    value.parse::<jiff::Timestamp>().is_ok() || value.parse::<jiff::civil::DateTime>().is_ok()
}

#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AttributeForm {
    pub code: String,
    /// string, number, datetime, text, singlevaluelist or multivaluelist
    pub datatype: String,
    /// "1": the field must be answered.
    pub required: String,
    /// "1": information only, not a question.
    pub info_only: String,
    pub order: String,
    pub description_zh: String,
    pub description_en: String,
    pub datatype_description: String,
    /// For lists, one choice a line: `key | 中文 | English`.
    pub choices: String,
    /// The choice's key that means danger (e.g. `yes` to "is anyone
    /// trapped?"): answered, the request becomes urgent and shows it first.
    pub urgent_answer: String,
}

/// Reads `key | 中文 | English` lines.
pub fn parse_choices(text: &str) -> Result<Vec<(String, String, String)>, &'static str> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut parts = line.split('|').map(str::trim);
        let key = parts.next().unwrap_or_default().to_string();
        let zh = parts.next().unwrap_or_default().to_string();
        let en = parts.next().unwrap_or_default().to_string();
        if key.is_empty() || key.chars().count() > 40 || zh.is_empty() {
            return Err("attribute-bad-choices");
        }
        if out.iter().any(|(k, _, _)| *k == key) {
            return Err("attribute-duplicate-choice");
        }
        out.push((key, zh, en));
    }
    Ok(out)
}

pub async fn add(
    db: &Db,
    category_id: i64,
    form: &AttributeForm,
) -> Result<Result<i64, FieldErrors>, StoreError> {
    let mut errors = FieldErrors::default();
    let code = form.code.trim().to_string();
    if !valid_code(&code) {
        errors.add("code", "field-invalid-code");
    }
    let datatype = form.datatype.trim().to_string();
    if !DATATYPES.contains(&datatype.as_str()) {
        errors.add("datatype", "field-invalid-choice");
    }
    let description_zh = required_text(&mut errors, "description_zh", &form.description_zh, 300);
    let description_en = optional_text(&mut errors, "description_en", &form.description_en, 300);
    let datatype_description = optional_text(
        &mut errors,
        "datatype_description",
        &form.datatype_description,
        300,
    );
    let order = if form.order.trim().is_empty() {
        Some(0)
    } else {
        form.order.trim().parse::<i64>().ok()
    };
    if order.is_none() {
        errors.add("order", "attribute-not-number");
    }
    let choices = match parse_choices(&form.choices) {
        Ok(c) => c,
        Err(key) => {
            errors.add("choices", key);
            Vec::new()
        }
    };
    if datatype.ends_with("valuelist") && choices.is_empty() && !errors.has("choices") {
        errors.add("choices", "attribute-needs-choices");
    }
    let urgent_answer = form.urgent_answer.trim().to_string();
    if !urgent_answer.is_empty() && !choices.iter().any(|(key, _, _)| *key == urgent_answer) {
        errors.add("urgent_answer", "attribute-urgent-not-a-choice");
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let variable = form.info_only != "1";
    let required = form.required == "1" && variable;
    let id = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO category_attributes (category_id, code, datatype, variable, required, datatype_description, \
                 sort_order, description_zh, description_en, urgent_answer) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (category_id, code) DO NOTHING RETURNING id",
            )
            .bind(category_id)
            .bind(&code)
            .bind(&datatype)
            .bind(variable)
            .bind(required)
            .bind(&datatype_description)
            .bind(order.unwrap_or(0))
            .bind(&description_zh)
            .bind(&description_en)
            .bind(&urgent_answer)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(id) = id else { return Ok::<Option<i64>, sqlx::Error>(None) };
            for (i, (key, zh, en)) in choices.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO category_attribute_values (attribute_id, value_key, name_zh, name_en, sort_order) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(key)
                .bind(zh)
                .bind(en)
                .bind(i as i64)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(Some(id))
        }
        .await
    })?;
    crate::db::settings_changed();
    match id {
        Some(id) => Ok(Ok(id)),
        None => {
            errors.add("code", "field-code-taken");
            Ok(Err(errors))
        }
    }
}

/// Removes an extra field from a category (answers already given stay with
/// their requests).
pub async fn remove(db: &Db, category_id: i64, attribute_id: i64) -> Result<(), StoreError> {
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let owned: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM category_attributes WHERE id = $1 AND category_id = $2",
            )
            .bind(attribute_id)
            .bind(category_id)
            .fetch_optional(&mut *tx)
            .await?;
            if owned.is_some() {
                sqlx::query("DELETE FROM category_attribute_values WHERE attribute_id = $1")
                    .bind(attribute_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM category_attributes WHERE id = $1")
                    .bind(attribute_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        }
        .await
    })?;
    crate::db::settings_changed();
    Ok(())
}

/// The answers given with a request, in the category's order.
pub async fn answers_of(db: &Db, request_id: i64) -> Result<Vec<(String, String)>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, (String, String)>(
        "SELECT code, value FROM request_attributes WHERE request_id = $1 ORDER BY code, value"
    )
    .bind(request_id)
    .fetch_all(pool)
    .await)?)
}

/// Whether the answers include one that means danger.
pub fn raises_urgency(defs: &[Attribute], answers: &[(String, String)]) -> bool {
    answers.iter().any(|(code, value)| {
        defs.iter()
            .any(|d| d.code == *code && !d.urgent_answer.is_empty() && d.urgent_answer == *value)
    })
}

/// One answer as a reader sees it: the question and the answer in both
/// languages (a list's choice by its name, not its key), and whether it
/// means danger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownAnswer {
    pub code: String,
    pub question_zh: String,
    pub question_en: String,
    pub answer_zh: String,
    pub answer_en: String,
    pub urgent: bool,
}

impl ShownAnswer {
    pub fn question(&self, lang: impl std::borrow::Borrow<Lang>) -> &str {
        lang.borrow().pick(&self.question_zh, &self.question_en)
    }
    pub fn answer(&self, lang: impl std::borrow::Borrow<Lang>) -> &str {
        lang.borrow().pick(&self.answer_zh, &self.answer_en)
    }
}

/// The answers to show with a request: those meaning danger first, then in
/// the category's order. An answer to a question since removed shows by
/// its code.
pub fn shown_answers(defs: &[Attribute], answers: &[(String, String)]) -> Vec<ShownAnswer> {
    let mut shown: Vec<(bool, usize, ShownAnswer)> = answers
        .iter()
        .map(|(code, value)| {
            let position = defs.iter().position(|d| d.code == *code);
            let def = position.map(|i| &defs[i]);
            let choice = def.and_then(|d| d.values.iter().find(|c| c.value_key == *value));
            let urgent =
                def.is_some_and(|d| !d.urgent_answer.is_empty() && d.urgent_answer == *value);
            let answer = ShownAnswer {
                code: code.clone(),
                question_zh: def.map_or(code.clone(), |d| d.description_zh.clone()),
                question_en: def.map_or(code.clone(), |d| d.description_en.clone()),
                answer_zh: choice.map_or(value.clone(), |c| c.name_zh.clone()),
                answer_en: choice.map_or(value.clone(), |c| c.name_en.clone()),
                urgent,
            };
            (!urgent, position.unwrap_or(usize::MAX), answer)
        })
        .collect();
    shown.sort_by_key(|(not_urgent, position, _)| (*not_urgent, *position));
    shown.into_iter().map(|(_, _, a)| a).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trapped() -> Attribute {
        let mut a = def("trapped", "singlevaluelist", false, &["no", "yes"]);
        a.urgent_answer = "yes".into();
        a.description_zh = "有人被困吗？".into();
        a.description_en = "Is anyone trapped?".into();
        a.values[1].name_zh = "有人被困".into();
        a.values[1].name_en = "Yes, someone is trapped".into();
        a
    }

    #[test]
    fn only_the_answer_that_means_danger_raises_urgency() {
        let defs = [def("floor", "number", false, &[]), trapped()];
        let answer = |c: &str, v: &str| vec![(c.to_string(), v.to_string())];
        assert!(!raises_urgency(&defs, &[]));
        assert!(!raises_urgency(&defs, &answer("trapped", "no")));
        assert!(raises_urgency(&defs, &answer("trapped", "yes")));
        assert!(
            !raises_urgency(&defs, &answer("floor", "yes")),
            "another question's yes"
        );
        let mut unmarked = trapped();
        unmarked.urgent_answer.clear();
        assert!(
            !raises_urgency(&[unmarked], &answer("trapped", "")),
            "no mark, no danger"
        );
    }

    #[test]
    fn danger_shows_first_and_choices_by_their_names() {
        let defs = [def("floor", "number", false, &[]), trapped()];
        let shown = shown_answers(
            &defs,
            &[
                ("floor".to_string(), "3".to_string()),
                ("trapped".to_string(), "yes".to_string()),
                ("gone".to_string(), "x".to_string()),
            ],
        );
        assert_eq!(
            shown.iter().map(|a| a.code.as_str()).collect::<Vec<_>>(),
            ["trapped", "floor", "gone"]
        );
        assert!(shown[0].urgent);
        assert_eq!(shown[0].answer(Lang::Zh), "有人被困");
        assert_eq!(shown[0].answer(Lang::En), "Yes, someone is trapped");
        assert_eq!(shown[1].answer(Lang::En), "3");
        assert_eq!(
            shown[2].question(Lang::Zh),
            "gone",
            "a removed question shows its code"
        );
    }

    fn def(code: &str, datatype: &str, required: bool, choices: &[&str]) -> Attribute {
        Attribute {
            id: 1,
            code: code.into(),
            datatype: datatype.into(),
            variable: true,
            required,
            datatype_description: String::new(),
            sort_order: 0,
            description_zh: "问".into(),
            description_en: "Q".into(),
            urgent_answer: String::new(),
            values: choices
                .iter()
                .map(|k| Choice {
                    attribute_id: 1,
                    value_key: k.to_string(),
                    name_zh: k.to_string(),
                    name_en: String::new(),
                })
                .collect(),
        }
    }

    fn given(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn nothing_asked_nothing_given() {
        assert_eq!(check_answers(&[], &[], true).unwrap(), vec![]);
        assert_eq!(
            check_answers(&[], &given(&[("x", "1")]), true).unwrap(),
            vec![],
            "unknown codes are ignored"
        );
    }

    #[test]
    fn required_fields_must_be_answered_except_at_the_desk() {
        let defs = [def("floor", "number", true, &[])];
        let errors = check_answers(&defs, &given(&[("floor", "  ")]), true).unwrap_err();
        assert_eq!(errors.get("attribute[floor]"), "attribute-required");
        assert_eq!(check_answers(&defs, &[], false).unwrap(), vec![]);
    }

    #[test]
    fn numbers_and_datetimes() {
        let defs = [
            def("floor", "number", false, &[]),
            def("since", "datetime", false, &[]),
        ];
        assert!(
            check_answers(
                &defs,
                &given(&[("floor", "3.5"), ("since", "2026-11-27T08:00:00+08:00")]),
                true
            )
            .is_ok()
        );
        assert!(
            check_answers(&defs, &given(&[("since", "2026-11-27T08:00")]), true).is_ok(),
            "a browser's date-time"
        );
        let errors = check_answers(
            &defs,
            &given(&[("floor", "three"), ("since", "yesterday")]),
            true,
        )
        .unwrap_err();
        assert_eq!(errors.get("attribute[floor]"), "attribute-not-number");
        assert_eq!(errors.get("attribute[since]"), "attribute-not-datetime");
        assert!(check_answers(&defs, &given(&[("floor", "NaN")]), true).is_err());
        assert!(check_answers(&defs, &given(&[("floor", "inf")]), true).is_err());
    }

    #[test]
    fn lists_take_only_their_choices() {
        let defs = [
            def("side", "singlevaluelist", true, &["east", "west"]),
            def("what", "multivaluelist", false, &["a", "b", "c"]),
        ];
        let ok = check_answers(
            &defs,
            &given(&[
                ("side", "east"),
                ("what", "a"),
                ("what", "c"),
                ("what", "a"),
            ]),
            true,
        )
        .unwrap();
        assert_eq!(ok, given(&[("side", "east"), ("what", "a"), ("what", "c")]));
        let errors =
            check_answers(&defs, &given(&[("side", "north"), ("what", "z")]), true).unwrap_err();
        assert_eq!(errors.get("attribute[side]"), "attribute-not-a-choice");
        assert_eq!(errors.get("attribute[what]"), "attribute-not-a-choice");
        let two =
            check_answers(&defs, &given(&[("side", "east"), ("side", "west")]), true).unwrap_err();
        assert_eq!(two.get("attribute[side]"), "attribute-one-only");
    }

    #[test]
    fn long_text_and_information_lines() {
        let mut info = def("note", "string", true, &[]);
        info.variable = false;
        let defs = [
            def("name", "string", false, &[]),
            def("story", "text", false, &[]),
            info,
        ];
        assert!(
            check_answers(&defs, &[], true).is_ok(),
            "information lines are never required"
        );
        let errors = check_answers(
            &defs,
            &given(&[("name", &"长".repeat(501)), ("story", &"长".repeat(2001))]),
            true,
        )
        .unwrap_err();
        assert_eq!(errors.get("attribute[name]"), "field-too-long");
        assert_eq!(errors.get("attribute[story]"), "field-too-long");
    }

    #[test]
    fn choices_are_read_one_a_line() {
        assert_eq!(parse_choices("").unwrap(), vec![]);
        let parsed = parse_choices(" east | 东边 | East side \n\nwest|西边").unwrap();
        assert_eq!(
            parsed[0],
            ("east".into(), "东边".into(), "East side".into())
        );
        assert_eq!(parsed[1], ("west".into(), "西边".into(), String::new()));
        assert_eq!(parse_choices("| 东边"), Err("attribute-bad-choices"));
        assert_eq!(parse_choices("east"), Err("attribute-bad-choices"));
        assert_eq!(
            parse_choices("a|甲\na|乙"),
            Err("attribute-duplicate-choice")
        );
    }
}
