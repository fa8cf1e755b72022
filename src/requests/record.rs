//! A request as it is read: its row with the names it refers to, its
//! history, the answers ready for its category, found by code or id.

use std::borrow::Borrow;

use crate::db::{Db, StoreError};
use crate::i18n::Lang;
use crate::on_db;

use super::deadlines::{Clock, clock};
use super::model::{Channel, ContactPreference, Kind, Status, Urgency, Visibility};

/// One request with the names of what it refers to.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub community_id: i64,
    pub tracking_code: String,
    pub secret_hash: String,
    pub kind: String,
    pub urgency: String,
    pub category_id: i64,
    pub workgroup_id: i64,
    pub place_id: Option<i64>,
    pub location_note: String,
    pub description: String,
    pub channel: String,
    pub visibility: String,
    pub reporter_account_id: Option<i64>,
    pub reporter_name: String,
    pub reporter_phone: String,
    pub reporter_email: String,
    pub contact_preference: String,
    pub status: String,
    pub assignee_id: Option<i64>,
    pub duplicate_of: Option<i64>,
    pub referred_to: String,
    pub rejection_reason: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub response_due_at: i64,
    pub resolution_due_at: i64,
    pub responded_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub paused_since: Option<i64>,
    /// The visit agreed or offered, and where it stands.
    pub appointment_at: Option<i64>,
    pub appointment_state: String,
    /// The outside body it is referred to, from the community's list, and
    /// when their answer is expected.
    pub referred_body_id: Option<i64>,
    pub referral_due_at: Option<i64>,
    pub referred_zh: Option<String>,
    pub referred_en: Option<String>,
    pub referred_phone: Option<String>,
    pub follower_count: i64,
    pub rating: Option<i64>,
    pub rating_comment: String,
    pub category_code: String,
    pub category_zh: String,
    pub category_en: String,
    pub icon: String,
    pub workgroup_zh: String,
    pub workgroup_en: String,
    pub place_code: Option<String>,
    pub place_zh: Option<String>,
    pub place_en: Option<String>,
    pub assignee_name: Option<String>,
    pub duplicate_code: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub address_string: String,
    pub media_url: String,
    /// The category keeps its requests private whatever they say.
    pub category_private: bool,
    pub place_kind: Option<String>,
    pub parent_code: Option<String>,
    pub parent_zh: Option<String>,
    pub parent_en: Option<String>,
    /// Staff who typed the words of a request told by voice alone.
    pub summary_by: Option<i64>,
    /// The language a resident without an account used ("zh" or "en").
    pub reporter_lang: String,
}

/// Whether a secret opens the request for its reporter: the ticket's link,
/// or a link texted to them (each text makes its own).
pub async fn key_opens(db: &Db, request: &RequestRow, key: &str) -> Result<bool, StoreError> {
    if key.is_empty() {
        return Ok(false);
    }
    let hash = crate::auth::token_hash(key);
    if hash == request.secret_hash {
        return Ok(true);
    }
    let texted: Option<i64> = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT request_id FROM sms_links WHERE token_hash = $1 AND request_id = $2"
    )
    .bind(&hash)
    .bind(request.id)
    .fetch_optional(pool)
    .await)?;
    Ok(texted.is_some())
}

/// The columns of a [`RequestRow`]; use with [`REQUEST_FROM`].
pub const REQUEST_COLUMNS: &str = "r.id, r.community_id, r.tracking_code, r.secret_hash, r.kind, r.urgency, \
    r.category_id, r.workgroup_id, r.place_id, r.location_note, r.description, r.channel, r.visibility, \
    r.reporter_account_id, r.reporter_name, r.reporter_phone, r.reporter_email, r.contact_preference, \
    r.status, r.assignee_id, r.duplicate_of, r.referred_to, r.rejection_reason, r.created_at, r.updated_at, \
    r.response_due_at, r.resolution_due_at, r.responded_at, r.resolved_at, r.closed_at, r.paused_since, \
    r.appointment_at, r.appointment_state, r.referred_body_id, r.referral_due_at, \
    ob.name_zh AS referred_zh, ob.name_en AS referred_en, ob.phone AS referred_phone, \
    r.follower_count, r.rating, r.rating_comment, \
    c.code AS category_code, c.name_zh AS category_zh, c.name_en AS category_en, c.icon, \
    w.name_zh AS workgroup_zh, w.name_en AS workgroup_en, \
    p.code AS place_code, p.name_zh AS place_zh, p.name_en AS place_en, \
    a.display_name AS assignee_name, d.tracking_code AS duplicate_code, \
    r.lat, r.lng, r.address_string, r.media_url, c.private_by_nature AS category_private, \
    p.kind AS place_kind, pp.code AS parent_code, pp.name_zh AS parent_zh, pp.name_en AS parent_en, \
    r.summary_by, r.reporter_lang";

/// A request with what it refers to, as `r`, `c` (category), `w`
/// (workgroup), `p` (place), `a` (assignee) and `d` (what it duplicates).
pub const REQUEST_FROM: &str = "FROM requests r \
    JOIN categories c ON c.id = r.category_id \
    JOIN workgroups w ON w.id = r.workgroup_id \
    LEFT JOIN places p ON p.id = r.place_id \
    LEFT JOIN places pp ON pp.id = p.parent_id \
    LEFT JOIN accounts a ON a.id = r.assignee_id \
    LEFT JOIN requests d ON d.id = r.duplicate_of \
    LEFT JOIN outside_bodies ob ON ob.id = r.referred_body_id";

impl RequestRow {
    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Submitted)
    }
    pub fn visibility(&self) -> Visibility {
        Visibility::parse(&self.visibility).unwrap_or(Visibility::Private)
    }
    pub fn kind(&self) -> Kind {
        Kind::parse(&self.kind).unwrap_or(Kind::Report)
    }
    pub fn urgency(&self) -> Urgency {
        Urgency::parse(&self.urgency).unwrap_or(Urgency::General)
    }
    pub fn channel(&self) -> Channel {
        Channel::parse(&self.channel).unwrap_or(Channel::Web)
    }
    pub fn contact_preference(&self) -> ContactPreference {
        ContactPreference::parse(&self.contact_preference).unwrap_or(ContactPreference::Site)
    }
    /// Residents who asked to be called or told at the desk (or who have no
    /// account) hear news through reception. Requests private by nature
    /// (legal questions) are not: their own team tells the resident.
    pub fn news_through_desk(&self) -> bool {
        !self.category_private
            && !self.news_by_text()
            && (self.reporter_account_id.is_none()
                || matches!(
                    self.contact_preference(),
                    ContactPreference::Phone | ContactPreference::Desk
                ))
    }
    /// A resident who asked for text messages, with a number: each piece
    /// of news is texted (reception's list takes over if a text fails).
    pub fn news_by_text(&self) -> bool {
        !self.category_private
            && self.contact_preference() == ContactPreference::Text
            && !self.reporter_phone.is_empty()
    }
    pub fn category_name(&self, lang: impl Borrow<Lang>) -> &str {
        lang.borrow().pick(&self.category_zh, &self.category_en)
    }
    pub fn workgroup_name(&self, lang: impl Borrow<Lang>) -> &str {
        lang.borrow().pick(&self.workgroup_zh, &self.workgroup_en)
    }
    /// The outside body it was referred to, in the reader's language: from
    /// the community's list, or as the lead named it.
    pub fn referred_name(&self, lang: impl Borrow<Lang>) -> &str {
        match (&self.referred_zh, &self.referred_en) {
            (Some(zh), Some(en)) => lang.borrow().pick(zh, en),
            _ => &self.referred_to,
        }
    }

    /// A referral whose answer was expected by now and has not come.
    pub fn referral_late(&self, now: impl Borrow<i64>) -> bool {
        let now = *now.borrow();
        self.status == "referred" && self.referral_due_at.is_some_and(|due| due <= now)
    }

    pub fn place_name(&self, lang: impl Borrow<Lang>) -> &str {
        let lang = *lang.borrow();
        match (&self.place_zh, &self.place_en) {
            (Some(zh), Some(en)) => lang.pick(zh, en),
            _ => "",
        }
    }
    /// Neighbours read only the building of a request made in a flat, so
    /// that a public request does not say who sent it.
    pub fn public_place_name(&self, lang: impl Borrow<Lang>) -> &str {
        let lang = *lang.borrow();
        match (self.place_kind.as_deref(), &self.parent_zh, &self.parent_en) {
            (Some("unit"), Some(zh), Some(en)) => lang.pick(zh, en),
            (Some("unit"), _, _) => "",
            _ => self.place_name(lang),
        }
    }

    pub fn public_place_code(&self) -> Option<String> {
        match self.place_kind.as_deref() {
            Some("unit") => self.parent_code.clone(),
            _ => self.place_code.clone(),
        }
    }

    /// Neighbours may read it.
    pub fn is_listed(&self) -> bool {
        self.visibility().is_listed() && !self.category_private
    }

    pub fn is_overdue(&self, now: impl Borrow<i64>) -> bool {
        let now = *now.borrow();
        self.paused_since.is_none()
            && self.status().is_open()
            && ((self.responded_at.is_none() && self.response_due_at < now)
                || self.resolution_due_at < now)
    }
    pub fn response_clock(&self, now: impl Borrow<i64>) -> Clock {
        let now = *now.borrow();
        clock(
            self.created_at,
            self.response_due_at,
            self.responded_at,
            self.paused_since.is_some(),
            now,
        )
    }
    pub fn resolution_clock(&self, now: impl Borrow<i64>) -> Clock {
        let now = *now.borrow();
        let done = self.resolved_at.or(if self.status().is_open() {
            None
        } else {
            self.closed_at
        });
        clock(
            self.created_at,
            self.resolution_due_at,
            done,
            self.paused_since.is_some(),
            now,
        )
    }
    /// The code as people read it out: `3841 2957`.
    pub fn code_spaced(&self) -> String {
        spaced_code(&self.tracking_code)
    }
}

pub fn spaced_code(code: &str) -> String {
    if code.len() == 8 {
        format!("{} {}", &code[..4], &code[4..])
    } else {
        code.to_string()
    }
}

/// Normalises a code typed by a person: digits only.
/// A code as people type it ("3436 9466", full-width "３４３６９４６６",
/// with stray spaces or dashes) as it is stored: its digits.
pub fn normalise_code(typed: &str) -> String {
    typed
        .chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')),
            _ => None,
        })
        .collect()
}

pub(super) fn new_tracking_code() -> String {
    use rand::RngExt;
    let n: u32 = rand::rng().random_range(10_000_000..100_000_000);
    n.to_string()
}

#[cfg(test)]
mod code_tests {
    use super::normalise_code;

    #[test]
    fn a_code_is_found_however_it_is_typed() {
        for typed in [
            "34369466",
            "3436 9466",
            " 3436-9466 ",
            "３４３６９４６６",
            "３４３６　９４６６",
        ] {
            assert_eq!(normalise_code(typed), "34369466", "{typed:?}");
        }
        assert_eq!(normalise_code("no digits"), "");
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_role: String,
    pub actor_name: Option<String>,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub public_message: String,
    pub internal_note: String,
    pub audience: String,
    /// The time an appointment's entry names.
    pub slot: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Public,
    Reporter,
    Staff,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Public => "public",
            Audience::Reporter => "reporter",
            Audience::Staff => "staff",
        }
    }
}

pub async fn by_code(db: &Db, code: &str) -> Result<Option<RequestRow>, StoreError> {
    let sql = format!("SELECT {REQUEST_COLUMNS} {REQUEST_FROM} WHERE r.tracking_code = $1");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, RequestRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(normalise_code(code))
    .fetch_optional(pool)
    .await)?)
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<RequestRow>, StoreError> {
    let sql = format!("SELECT {REQUEST_COLUMNS} {REQUEST_FROM} WHERE r.id = $1");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, RequestRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?)
}

/// The timeline that `audience` may see, oldest first.
pub async fn timeline(
    db: &Db,
    request_id: i64,
    audience: Audience,
) -> Result<Vec<EventRow>, StoreError> {
    let levels: &[&str] = match audience {
        Audience::Public => &["public"],
        Audience::Reporter => &["public", "reporter"],
        Audience::Staff => &["public", "reporter", "staff"],
    };
    let mut events = on_db!(db, |pool| {
        sqlx::query_as::<_, EventRow>(
        "SELECT e.id, e.at, e.actor_id, e.actor_role, a.display_name AS actor_name, e.kind, e.from_status, \
         e.to_status, e.public_message, e.internal_note, e.audience, e.slot FROM request_events e \
         LEFT JOIN accounts a ON a.id = e.actor_id WHERE e.request_id = $1 ORDER BY e.id"
    )
    .bind(request_id)
    .fetch_all(pool)
    .await
    })?;
    events.retain(|e| levels.contains(&e.audience.as_str()));
    for e in &mut events {
        let own_words = audience == Audience::Reporter && e.actor_role == "reporter";
        if audience != Audience::Staff && !own_words {
            e.internal_note.clear();
        }
    }
    Ok(events)
}

pub async fn reported_by(db: &Db, account_id: i64) -> Result<Vec<RequestRow>, StoreError> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} {REQUEST_FROM} WHERE r.reporter_account_id = $1 \
         OR (r.id IN (SELECT request_id FROM request_followers WHERE account_id = $1) \
             AND r.visibility <> 'private' AND NOT c.private_by_nature) \
         ORDER BY r.created_at DESC LIMIT 200"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, RequestRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(account_id)
    .fetch_all(pool)
    .await)?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Template {
    pub id: i64,
    pub status: String,
    pub text_zh: String,
    pub text_en: String,
}

impl Template {
    pub fn status_key(&self) -> String {
        Status::parse(&self.status)
            .map(Status::key)
            .unwrap_or_default()
    }
}

pub async fn templates_for(db: &Db, category_id: i64) -> Result<Vec<Template>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Template>(
        "SELECT id, status, text_zh, text_en FROM response_templates WHERE category_id = $1 ORDER BY id"
    )
    .bind(category_id)
    .fetch_all(pool)
    .await
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_eight_digits_and_read_in_two_halves() {
        for _ in 0..100 {
            let code = new_tracking_code();
            assert_eq!(code.len(), 8);
            assert!(code.chars().all(|c| c.is_ascii_digit()));
            assert!(!code.starts_with('0'));
        }
        assert_eq!(spaced_code("38412957"), "3841 2957");
        assert_eq!(normalise_code(" 3841-2957 "), "38412957");
        assert_eq!(normalise_code("abc"), "");
    }
}
