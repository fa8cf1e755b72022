//! Every form and query of our own types that a page or the API reads, from
//! the same urlencoded body, decoded as axum's `Form` and `Query` do
//! (serde_urlencoded). A form whose fields are all text (or checkboxes) must
//! be read whenever it names each field at most once; what is read then goes
//! through the checks that need no database.
#![no_main]

use grassroots::auth::routes::RegisterForm;
use grassroots::auth::{password_problem, Role};
use grassroots::calendar::CalendarForm;
use grassroots::community::attributes::{parse_choices, AttributeForm, DATATYPES};
use grassroots::community::setup::{
    AccountForm, CategoryForm, CommunityForm, MemberForm, PlaceForm, TemplateForm, WorkgroupForm,
};
use grassroots::community::{valid_code, valid_username, PlaceKind};
use grassroots::dashboard::MonthQuery;
use grassroots::desk::{InvitationForm, ResetForm};
use grassroots::mail::settings::{self, NewsForm};
use grassroots::notices::NoticeForm;
use grassroots::problems::ProblemForm;
use grassroots::requests::intake::{valid_phone, Draft};
use grassroots::requests::lifecycle::valid_rating;
use grassroots::requests::model::Status;
use grassroots::requests::page::{ActForm, PhotoQuery, ShowQuery};
use libfuzzer_sys::fuzz_target;

/// Reads a form of text fields: it may fail only when a field is repeated.
macro_rules! read {
    ($ty:ty, $data:expr, $each_once:expr) => {{
        let result = serde_urlencoded::from_bytes::<$ty>($data);
        if let Err(e) = &result {
            assert!(
                !$each_once,
                "{} refused a form naming each field once: {e}",
                stringify!($ty)
            );
        }
        result.ok()
    }};
}

/// Reads a form with number fields, which may fail on any text.
macro_rules! read_numbers {
    ($ty:ty, $data:expr) => {
        serde_urlencoded::from_bytes::<$ty>($data).ok()
    };
}

/// A checkbox as `setup::flag` reads it.
fn ticked(pairs: &[(String, String)], name: &str) -> bool {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .is_some_and(|(_, v)| matches!(v.as_str(), "1" | "on" | "true" | "yes"))
}

fn account_fields(username: &str, password: &str, phone: &str) {
    let _ = valid_username(username.trim());
    let _ = password_problem(password);
    let phone = phone.trim();
    if !phone.is_empty() {
        let _ = valid_phone(phone);
    }
}

fuzz_target!(|data: &[u8]| {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(data)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let each_once = names.len() == pairs.len();

    // community::setup: the administrator's pages and the setup API.
    if let Some(form) = read!(CommunityForm, data, each_once) {
        let _ = jiff::tz::TimeZone::get(form.timezone.trim());
    }
    if let Some(form) = read!(PlaceForm, data, each_once) {
        if let Some(kind) = PlaceKind::parse(&form.kind) {
            assert_eq!(kind.as_str(), form.kind);
        }
        let _ = valid_code(form.code.trim());
    }
    if let Some(form) = read!(WorkgroupForm, data, each_once) {
        let _ = valid_code(form.code.trim());
    }
    if let Some(form) = read!(MemberForm, data, each_once) {
        assert_eq!(form.lead, ticked(&pairs, "lead"), "the lead checkbox");
    }
    if let Some(form) = read!(CategoryForm, data, each_once) {
        assert_eq!(form.danger_stopper, ticked(&pairs, "danger_stopper"));
        assert_eq!(form.private_by_nature, ticked(&pairs, "private_by_nature"));
        assert_eq!(form.active, ticked(&pairs, "active"));
        assert_eq!(form.needs_review, ticked(&pairs, "needs_review"));
        let _ = valid_code(form.code.trim());
        let _ = form.response_hours.trim().parse::<i64>();
        let _ = form.resolution_days.trim().parse::<i64>();
    }
    if let Some(form) = read!(TemplateForm, data, each_once) {
        if let Some(status) = Status::parse(&form.status) {
            assert_eq!(status.as_str(), form.status.trim());
        }
    }
    if let Some(form) = read!(AccountForm, data, each_once) {
        if let Some(role) = Role::parse(&form.role) {
            assert_eq!(role.as_str(), form.role.trim());
        }
        account_fields(&form.username, &form.password, &form.phone);
    }
    if let Some(form) = read!(AttributeForm, data, each_once) {
        let _ = parse_choices(&form.choices);
        let _ = DATATYPES.contains(&form.datatype.trim());
        let _ = valid_code(form.code.trim());
    }

    // Residents, the desk and the handlers.
    if let Some(form) = read!(RegisterForm, data, each_once) {
        account_fields(&form.username, &form.password, &form.phone);
    }
    if let Some(form) = read!(InvitationForm, data, each_once) {
        let _ = valid_code(form.place.trim());
    }
    if let Some(form) = read!(ResetForm, data, each_once) {
        let _ = valid_username(form.username.trim());
    }
    if let Some(form) = read!(NewsForm, data, each_once) {
        let _ = settings::check(&form);
    }
    if let Some(form) = read!(CalendarForm, data, each_once) {
        for day in 1..=7usize {
            let _ = form.ticked(&day);
        }
    }
    let _ = read!(NoticeForm, data, each_once);
    let _ = read!(ProblemForm, data, each_once);
    let _ = read!(MonthQuery, data, each_once);
    let _ = read!(Draft, data, each_once);

    // With number fields: no promise, but never a panic.
    if let Some(form) = read_numbers!(ActForm, data) {
        if let Some(rating) = form.rating {
            let _ = valid_rating(rating);
        }
    }
    let _ = read_numbers!(ShowQuery, data);
    let _ = read_numbers!(PhotoQuery, data);
});
