//! The SQL of the request pipeline. Every write that changes a request
//! appends to its history in the same transaction.

use crate::db::BeginWrite;
use std::borrow::Borrow;

use crate::auth::{Role, Viewer, random_token, token_hash};
use crate::db::{Db, now};
use crate::on_db;
use crate::web::AppError;

use super::deadlines::{
    CategoryDeadlines, Clock, after_pause, clock, deadlines_for, working_calendar,
};
use super::lifecycle::{Action, Actor, is_news_for_resident, next_status, rating_reopens};
use super::model::{Channel, ContactPreference, Kind, Status, Urgency, Visibility};
use crate::i18n::Lang;

/// One request with the names of what it refers to.
#[derive(Debug, Clone, sqlx::FromRow)]
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
}

/// The columns of a [`RequestRow`]; use with [`REQUEST_FROM`].
pub const REQUEST_COLUMNS: &str = "r.id, r.community_id, r.tracking_code, r.secret_hash, r.kind, r.urgency, \
    r.category_id, r.workgroup_id, r.place_id, r.location_note, r.description, r.channel, r.visibility, \
    r.reporter_account_id, r.reporter_name, r.reporter_phone, r.reporter_email, r.contact_preference, \
    r.status, r.assignee_id, r.duplicate_of, r.referred_to, r.rejection_reason, r.created_at, r.updated_at, \
    r.response_due_at, r.resolution_due_at, r.responded_at, r.resolved_at, r.closed_at, r.paused_since, \
    r.follower_count, r.rating, r.rating_comment, \
    c.code AS category_code, c.name_zh AS category_zh, c.name_en AS category_en, c.icon, \
    w.name_zh AS workgroup_zh, w.name_en AS workgroup_en, \
    p.code AS place_code, p.name_zh AS place_zh, p.name_en AS place_en, \
    a.display_name AS assignee_name, d.tracking_code AS duplicate_code, \
    r.lat, r.lng, r.address_string, r.media_url, c.private_by_nature AS category_private, \
    p.kind AS place_kind, pp.code AS parent_code, pp.name_zh AS parent_zh, pp.name_en AS parent_en";

/// A request with what it refers to, as `r`, `c` (category), `w`
/// (workgroup), `p` (place), `a` (assignee) and `d` (what it duplicates).
pub const REQUEST_FROM: &str = "FROM requests r \
    JOIN categories c ON c.id = r.category_id \
    JOIN workgroups w ON w.id = r.workgroup_id \
    LEFT JOIN places p ON p.id = r.place_id \
    LEFT JOIN places pp ON pp.id = p.parent_id \
    LEFT JOIN accounts a ON a.id = r.assignee_id \
    LEFT JOIN requests d ON d.id = r.duplicate_of";

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
            && (self.reporter_account_id.is_none()
                || matches!(
                    self.contact_preference(),
                    ContactPreference::Phone | ContactPreference::Desk
                ))
    }
    pub fn category_name(&self, lang: impl Borrow<Lang>) -> &str {
        lang.borrow().pick(&self.category_zh, &self.category_en)
    }
    pub fn workgroup_name(&self, lang: impl Borrow<Lang>) -> &str {
        lang.borrow().pick(&self.workgroup_zh, &self.workgroup_en)
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
pub fn normalise_code(typed: &str) -> String {
    typed.chars().filter(char::is_ascii_digit).collect()
}

fn new_tracking_code() -> String {
    use rand::RngExt;
    let n: u32 = rand::rng().random_range(10_000_000..100_000_000);
    n.to_string()
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Public,
    Reporter,
    Staff,
}

impl Audience {
    fn as_str(self) -> &'static str {
        match self {
            Audience::Public => "public",
            Audience::Reporter => "reporter",
            Audience::Staff => "staff",
        }
    }
}

/// What a new request is made of, already checked.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub community_id: i64,
    pub kind: Kind,
    pub urgency: Urgency,
    pub category_id: i64,
    pub workgroup_id: i64,
    pub deadlines: CategoryDeadlines,
    pub place_id: Option<i64>,
    pub location_note: String,
    pub description: String,
    pub channel: Channel,
    pub visibility: Visibility,
    pub reporter_account_id: Option<i64>,
    pub reporter_name: String,
    pub reporter_phone: String,
    pub reporter_email: String,
    pub contact_preference: ContactPreference,
    pub entered_by: Option<i64>,
    pub photo_keys: Vec<String>,
    /// Answers to the category's extra fields, already checked.
    pub attributes: Vec<(String, String)>,
    pub api_key_id: Option<i64>,
    pub open311: crate::requests::intake::Open311Extras,
    /// The form post or API call that made it: a repeat finds this request
    /// instead of making another.
    pub submission: Option<crate::web::once::SubmissionKey>,
}

pub struct Created {
    pub id: i64,
    pub tracking_code: String,
    /// Shown once: the link that lets an anonymous reporter confirm and rate.
    pub secret: String,
    /// A repeat of a submission that had already made this request.
    pub repeated: bool,
}

macro_rules! insert_event {
    ($conn:expr, $request_id:expr, $at:expr, $actor_id:expr, $actor_role:expr, $kind:expr,
     $from:expr, $to:expr, $public:expr, $note:expr, $audience:expr) => {
        sqlx::query(
            "INSERT INTO request_events (request_id, at, actor_id, actor_role, kind, from_status, \
             to_status, public_message, internal_note, audience) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind($request_id)
        .bind($at)
        .bind($actor_id)
        .bind($actor_role)
        .bind($kind)
        .bind($from)
        .bind($to)
        .bind($public)
        .bind($note)
        .bind($audience)
        .execute(&mut *$conn)
        .await
    };
}

macro_rules! notify {
    ($conn:expr, $account_id:expr, $request_id:expr, $key:expr, $at:expr) => {
        sqlx::query(
            "INSERT INTO notifications (account_id, request_id, message_key, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind($account_id)
        .bind($request_id)
        .bind($key)
        .bind($at)
        .execute(&mut *$conn)
        .await
    };
}

/// News for a resident who hears it through reception: the request goes
/// on reception's list, and reception's bells ring.
macro_rules! desk_news {
    ($conn:expr, $request_id:expr, $community_id:expr, $at:expr) => {
        async {
            sqlx::query("UPDATE requests SET desk_news_at = $1 WHERE id = $2")
                .bind($at)
                .bind($request_id)
                .execute(&mut *$conn)
                .await?;
            sqlx::query(
                "INSERT INTO notifications (account_id, request_id, message_key, created_at) \
                 SELECT id, $1, 'notify-tell-resident', $2 FROM accounts \
                 WHERE community_id = $3 AND role = 'reception' AND active",
            )
            .bind($request_id)
            .bind($at)
            .bind($community_id)
            .execute(&mut *$conn)
            .await
        }
        .await
    };
}

pub async fn create(db: &Db, new: NewRequest) -> Result<Created, AppError> {
    let calendar = crate::calendar::for_community(db, new.community_id).await?;
    let at = now();
    let d = deadlines_for(at, new.urgency, new.deadlines, calendar.as_ref());
    // A repeated submission must be given the same link as the first.
    let secret = match &new.submission {
        Some(key) => key.secret(),
        None => random_token(),
    };
    let submission_key = new.submission.as_ref().map(|k| k.for_request());
    let actor_role = if new.entered_by.is_some() {
        "reception"
    } else {
        "reporter"
    };
    // Screens show new public requests: what, where (the building, never
    // the flat), and the words. Read before the write begins, so the
    // writer's turn is no longer than it must be.
    let screen = if new.visibility.is_listed() {
        let (icon, cat_zh, cat_en, place_zh, place_en): (
            String,
            String,
            String,
            Option<String>,
            Option<String>,
        ) = on_db!(db, |pool| {
            sqlx::query_as(
            "SELECT c.icon, c.name_zh, c.name_en, \
             CASE WHEN p.kind = 'unit' THEN pp.name_zh ELSE p.name_zh END, \
             CASE WHEN p.kind = 'unit' THEN pp.name_en ELSE p.name_en END \
             FROM categories c LEFT JOIN places p ON p.id = $2 LEFT JOIN places pp ON pp.id = p.parent_id \
             WHERE c.id = $1",
        )
        .bind(new.category_id)
        .bind(new.place_id)
        .fetch_one(pool)
        .await
        })?;
        Some(serde_json::json!({
            "code": "", "icon": icon, "category_zh": cat_zh, "category_en": cat_en,
            "place_zh": place_zh, "place_en": place_en,
            "description": new.description.chars().take(140).collect::<String>(), "message": "",
        }))
    } else {
        None
    };
    for _attempt in 0..8 {
        let code = new_tracking_code();
        let outcome: Result<Option<i64>, sqlx::Error> = on_db!(db, |pool| {
            async {
                let mut tx = pool.begin_write().await?;
                let id: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO requests (community_id, tracking_code, secret_hash, kind, urgency, category_id, \
                     workgroup_id, place_id, location_note, description, channel, visibility, reporter_account_id, \
                     reporter_name, reporter_phone, reporter_email, contact_preference, entered_by, status, \
                     created_at, updated_at, response_due_at, resolution_due_at, api_key_id, lat, lng, \
                     address_string, device_id, media_url, external_account_id, submission_key) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
                     'submitted', $19, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29) \
                     ON CONFLICT DO NOTHING RETURNING id",
                )
                .bind(new.community_id)
                .bind(&code)
                .bind(token_hash(&secret))
                .bind(new.kind.as_str())
                .bind(new.urgency.as_str())
                .bind(new.category_id)
                .bind(new.workgroup_id)
                .bind(new.place_id)
                .bind(&new.location_note)
                .bind(&new.description)
                .bind(new.channel.as_str())
                .bind(new.visibility.as_str())
                .bind(new.reporter_account_id)
                .bind(&new.reporter_name)
                .bind(&new.reporter_phone)
                .bind(&new.reporter_email)
                .bind(new.contact_preference.as_str())
                .bind(new.entered_by)
                .bind(at)
                .bind(d.response_due)
                .bind(d.resolution_due)
                .bind(new.api_key_id)
                .bind(new.open311.lat)
                .bind(new.open311.lng)
                .bind(&new.open311.address_string)
                .bind(&new.open311.device_id)
                .bind(&new.open311.media_url)
                .bind(&new.open311.account_id)
                .bind(&submission_key)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(id) = id else { return Ok(None) };
                insert_event!(tx, id, at, new.entered_by.or(new.reporter_account_id), actor_role,
                    "created", None::<String>, Some("submitted"), "", "", Audience::Public.as_str())?;
                for (code, value) in &new.attributes {
                    sqlx::query("INSERT INTO request_attributes (request_id, code, value) VALUES ($1, $2, $3)")
                        .bind(id)
                        .bind(code)
                        .bind(value)
                        .execute(&mut *tx)
                        .await?;
                }
                for key in &new.photo_keys {
                    sqlx::query("UPDATE photos SET request_id = $1 WHERE upload_key = $2 AND request_id IS NULL")
                        .bind(id)
                        .bind(key)
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some(screen) = &screen {
                    let mut payload = screen.clone();
                    payload["code"] = serde_json::Value::from(code.as_str());
                    crate::record_live_event!(tx, new.community_id, "request_new", payload)?;
                }
                if let Some(reporter) = new.reporter_account_id {
                    sqlx::query(
                        "INSERT INTO request_followers (request_id, account_id, at) VALUES ($1, $2, $3)",
                    )
                    .bind(id)
                    .bind(reporter)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(Some(id))
            }
            .await
        });
        if let Some(id) = outcome? {
            return Ok(Created {
                id,
                tracking_code: code,
                secret,
                repeated: false,
            });
        }
        if let Some(key) = &submission_key {
            let first: Option<(i64, String)> = on_db!(db, |pool| sqlx::query_as(
                "SELECT id, tracking_code FROM requests WHERE submission_key = $1"
            )
            .bind(key)
            .fetch_optional(pool)
            .await)?;
            if let Some((id, tracking_code)) = first {
                return Ok(Created {
                    id,
                    tracking_code,
                    secret,
                    repeated: true,
                });
            }
        }
    }
    Err(AppError::Internal(anyhow::anyhow!(
        "no free tracking code after 8 tries"
    )))
}

pub async fn by_code(db: &Db, code: &str) -> Result<Option<RequestRow>, AppError> {
    let sql = format!("SELECT {REQUEST_COLUMNS} {REQUEST_FROM} WHERE r.tracking_code = $1");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, RequestRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(normalise_code(code))
    .fetch_optional(pool)
    .await)?)
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<RequestRow>, AppError> {
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
) -> Result<Vec<EventRow>, AppError> {
    let levels: &[&str] = match audience {
        Audience::Public => &["public"],
        Audience::Reporter => &["public", "reporter"],
        Audience::Staff => &["public", "reporter", "staff"],
    };
    let mut events = on_db!(db, |pool| {
        sqlx::query_as::<_, EventRow>(
        "SELECT e.id, e.at, e.actor_id, e.actor_role, a.display_name AS actor_name, e.kind, e.from_status, \
         e.to_status, e.public_message, e.internal_note, e.audience FROM request_events e \
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

#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub workgroup_id: Option<i64>,
    /// Limit to the workgroups this account belongs to.
    pub member_of: Option<i64>,
    pub status: Option<String>,
    pub category_id: Option<i64>,
    pub place_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub overdue_only: bool,
    /// Open requests only (the default view of a queue).
    pub open_only: bool,
    /// Whose queue it is: requests of private categories (legal questions)
    /// show only to members of their workgroup.
    pub viewer_id: Option<i64>,
    /// Words to find in the description (Chinese needs no spaces), or a
    /// tracking code.
    pub words: Option<String>,
}

/// Words to find, as each engine can best look for them: SQLite's trigram
/// index takes three characters or more; otherwise (and on PostgreSQL,
/// whose trigram index serves LIKE) a LIKE on the lower-cased text. A
/// tracking code typed whole is found too.
struct Words {
    /// The FTS5 phrase, when SQLite's index can serve it.
    phrase: Option<String>,
    like: String,
    code: Option<String>,
}

impl Words {
    fn new(db: &Db, words: Option<&str>) -> Option<Words> {
        let words = words.map(str::trim).filter(|w| !w.is_empty())?;
        let code = normalise_code(words);
        let escaped = words
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        Some(Words {
            phrase: (matches!(db, Db::Sqlite(_)) && words.chars().count() >= 3)
                .then(|| format!("\"{}\"", words.replace('"', "\"\""))),
            like: format!("%{escaped}%"),
            code: (code.len() == 8).then_some(code),
        })
    }
}

/// Open requests, in the order a queue shows them.
const OPEN: &str = "('submitted', 'responded', 'in_progress', 'waiting')";

/// A queue, or search results: only the filters given reach the SQL, so
/// the database can use its indexes (community, workgroup, status) instead
/// of reading every request of the community. In order: a request whose
/// code was typed first; then open requests, dangerous ones first, then the
/// one due soonest; then finished ones, most recently changed first.
pub async fn queue(
    db: &Db,
    community_id: i64,
    f: &QueueFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<RequestRow>, AppError> {
    let words = Words::new(db, f.words.as_deref());
    let at = now();
    Ok(on_db!(db, |pool| {
        // The page's ids are chosen first, reading only the request and its
        // category; the names it refers to are joined for those rows alone.
        let mut q = sqlx::QueryBuilder::new(format!(
            "SELECT {REQUEST_COLUMNS} {REQUEST_FROM} WHERE r.id IN (\
             SELECT r.id FROM requests r JOIN categories c ON c.id = r.category_id WHERE r.community_id = "
        ));
        q.push_bind(community_id);
        if let Some(id) = f.workgroup_id {
            q.push(" AND r.workgroup_id = ").push_bind(id);
        }
        if let Some(id) = f.member_of {
            q.push(" AND r.workgroup_id IN (SELECT workgroup_id FROM workgroup_members WHERE account_id = ")
                .push_bind(id)
                .push(")");
        }
        if let Some(status) = &f.status {
            q.push(" AND r.status = ").push_bind(status.clone());
        }
        if let Some(id) = f.category_id {
            q.push(" AND r.category_id = ").push_bind(id);
        }
        if let Some(id) = f.place_id {
            q.push(" AND r.place_id = ").push_bind(id);
        }
        if let Some(id) = f.assignee_id {
            q.push(" AND r.assignee_id = ").push_bind(id);
        }
        if f.overdue_only {
            q.push(" AND r.status IN ('submitted', 'responded', 'in_progress') AND ((r.responded_at IS NULL AND r.response_due_at < ")
                .push_bind(at)
                .push(") OR r.resolution_due_at < ")
                .push_bind(at)
                .push(")");
        }
        if f.open_only {
            q.push(format!(" AND r.status IN {OPEN}"));
        }
        // Legal questions and the like: only their own team sees them.
        q.push(" AND (NOT c.private_by_nature OR r.workgroup_id IN (SELECT workgroup_id FROM workgroup_members WHERE account_id = ")
            .push_bind(f.viewer_id)
            .push("))");
        if let Some(w) = &words {
            q.push(" AND (");
            match &w.phrase {
                Some(phrase) => q
                    .push("r.id IN (SELECT rowid FROM requests_fts WHERE requests_fts MATCH ")
                    .push_bind(phrase.clone())
                    .push(")"),
                None => q
                    .push("lower(r.description) LIKE ")
                    .push_bind(w.like.clone())
                    .push(" ESCAPE '\\'"),
            };
            q.push(" OR lower(c.name_zh) LIKE ")
                .push_bind(w.like.clone())
                .push(" ESCAPE '\\' OR lower(c.name_en) LIKE ")
                .push_bind(w.like.clone())
                .push(" ESCAPE '\\'");
            if let Some(code) = &w.code {
                q.push(" OR r.tracking_code = ").push_bind(code.clone());
            }
            q.push(")");
        }
        let code = words.as_ref().and_then(|w| w.code.clone());
        macro_rules! order {
            () => {
                q.push(" ORDER BY ");
                if let Some(code) = &code {
                    q.push("CASE WHEN r.tracking_code = ")
                        .push_bind(code.clone())
                        .push(" THEN 0 ELSE 1 END, ");
                }
                q.push(format!(
                    "CASE WHEN r.status IN {OPEN} THEN 0 ELSE 1 END, \
                     CASE WHEN r.status IN {OPEN} THEN \
                         CASE r.urgency WHEN 'danger' THEN 0 WHEN 'utilities' THEN 1 ELSE 2 END ELSE 0 END, \
                     CASE WHEN r.status IN {OPEN} THEN r.resolution_due_at ELSE -r.updated_at END, \
                     r.id DESC"
                ));
            };
        }
        order!();
        q.push(" LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset)
            .push(")");
        order!();
        q.build_query_as::<RequestRow>().fetch_all(pool).await
    })?)
}

/// Requests neighbours may read, newest first.
pub async fn public_list(
    db: &Db,
    community_id: i64,
    open_only: bool,
    limit: i64,
) -> Result<Vec<RequestRow>, AppError> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} {REQUEST_FROM} WHERE r.community_id = $1 AND r.visibility <> 'private' AND c.private_by_nature = FALSE \
         AND r.status <> 'duplicate' \
         AND (NOT $2 OR r.status IN ('submitted', 'responded', 'in_progress', 'waiting')) \
         ORDER BY r.created_at DESC, r.id DESC LIMIT $3"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, RequestRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .bind(open_only)
    .bind(limit)
    .fetch_all(pool)
    .await)?)
}

/// Open, listed requests of the same category at the same place: "already
/// reported? follow it instead".
pub async fn similar_open(
    db: &Db,
    community_id: i64,
    category_id: i64,
    place_id: Option<i64>,
) -> Result<Vec<RequestRow>, AppError> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} {REQUEST_FROM} WHERE r.community_id = $1 AND r.category_id = $2 \
         AND (($3 IS NULL AND r.place_id IS NULL) OR r.place_id = $3) \
         AND r.visibility <> 'private' AND c.private_by_nature = FALSE \
         AND r.status IN ('submitted', 'responded', 'in_progress', 'waiting') \
         ORDER BY r.created_at DESC LIMIT 5"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, RequestRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .bind(category_id)
    .bind(place_id)
    .fetch_all(pool)
    .await)?)
}

/// Requests whose residents do not follow them online, with news to pass
/// on or an answer to ask for: reception phones them (or tells them at the
/// desk) and records their answer as theirs.
/// `problem_fixed` is the words to pass on when the cause behind a request
/// was fixed (that step has no words of its own).
pub async fn callback_list(
    db: &Db,
    community_id: i64,
    problem_fixed: &str,
) -> Result<Vec<Callback>, AppError> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS}, \
         (SELECT CASE WHEN e.kind = 'problem_fixed' THEN $2 ELSE e.public_message END FROM request_events e \
          WHERE e.request_id = r.id AND e.audience = 'public' AND e.actor_role <> 'reporter' \
          AND (e.public_message <> '' OR e.kind = 'problem_fixed') ORDER BY e.at DESC, e.id DESC LIMIT 1) AS news \
         {REQUEST_FROM} WHERE r.community_id = $1 \
         AND NOT c.private_by_nature \
         AND (r.reporter_account_id IS NULL OR r.contact_preference IN ('phone', 'desk')) \
         AND (r.status IN ('resolved', 'waiting') OR r.desk_news_at IS NOT NULL) \
         ORDER BY COALESCE(r.desk_news_at, r.resolved_at) LIMIT 100"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Callback>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .bind(problem_fixed)
    .fetch_all(pool)
    .await)?)
}

/// A request on reception's list, with the team's latest public words.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Callback {
    #[sqlx(flatten)]
    pub r: RequestRow,
    pub news: Option<String>,
}

/// Reception passed the news on: the request leaves the list, and its
/// history says so (for staff).
pub async fn news_passed_on(db: &Db, request: &RequestRow, by: &Viewer) -> Result<(), AppError> {
    let at = now();
    let request_id = request.id;
    let role = by.role().as_str();
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE requests SET desk_news_at = NULL WHERE id = $1")
                .bind(request_id)
                .execute(&mut *tx)
                .await?;
            insert_event!(
                tx,
                request_id,
                at,
                Some(by.id),
                role,
                "told_resident",
                None::<String>,
                None::<String>,
                "",
                "",
                Audience::Staff.as_str()
            )?;
            tx.commit().await
        }
        .await
    })?;
    Ok(())
}

pub async fn reported_by(db: &Db, account_id: i64) -> Result<Vec<RequestRow>, AppError> {
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

/// A change asked for by a person, with what they wrote.
#[derive(Debug, Clone)]
pub struct Change {
    pub action: Action,
    pub actor: Actor,
    /// Shown on the public timeline.
    pub public_message: String,
    pub internal_note: String,
    pub rating: Option<i64>,
}

/// Applies a lifecycle step: the status, its timestamps, the clock, the
/// history and the people to tell, in one transaction.
pub async fn apply(
    db: &Db,
    request: &RequestRow,
    by: Option<&Viewer>,
    change: Change,
) -> Result<Status, AppError> {
    let from = request.status();
    let to =
        next_status(from, &change.action, change.actor).map_err(|e| AppError::Conflict(e.key()))?;
    let at = now();
    let actor_id = by.map(|v| v.id);
    let actor_role = match change.actor {
        Actor::Reporter => "reporter",
        Actor::System => "system",
        Actor::Staff => by.map(|v| v.role().as_str()).unwrap_or("staff"),
    };
    let responded = request.responded_at.is_some();
    let (mut response_due, mut resolution_due) =
        (request.response_due_at, request.resolution_due_at);
    if let (
        Some(since),
        Action::Resume
        | Action::Resolve
        | Action::Reject { .. }
        | Action::MarkDuplicate { .. }
        | Action::Refer { .. },
    ) = (request.paused_since, &change.action)
    {
        let calendar = crate::calendar::for_community(db, request.community_id).await?;
        let moved = after_pause(
            super::deadlines::Deadlines {
                response_due,
                resolution_due,
            },
            since,
            at,
            responded,
            working_calendar(request.urgency(), calendar.as_ref()),
        );
        response_due = moved.response_due;
        resolution_due = moved.resolution_due;
    }
    // Reopened work gets as long again as it had at first.
    if matches!(change.action, Action::Reopen) {
        resolution_due =
            resolution_due.max(at + (request.resolution_due_at - request.created_at).max(0));
    }
    let paused_since = if to == Status::Waiting {
        Some(at)
    } else {
        None
    };
    let responded_at = request.responded_at.or((change.actor == Actor::Staff
        && super::lifecycle::counts_as_response(to))
    .then_some(at));
    let resolved_at = match to {
        Status::Resolved => Some(at),
        Status::InProgress => None,
        _ => request.resolved_at,
    };
    let closed_at = match to {
        Status::Closed | Status::Rejected | Status::Duplicate | Status::Referred => Some(at),
        _ => None,
    };
    let (duplicate_of, referred_to, rejection_reason) = match &change.action {
        Action::MarkDuplicate { of, .. } => (
            Some(*of),
            request.referred_to.clone(),
            request.rejection_reason.clone(),
        ),
        Action::Refer { to } => (
            None,
            to.trim().to_string(),
            request.rejection_reason.clone(),
        ),
        Action::Reject { reason } => (None, request.referred_to.clone(), reason.trim().to_string()),
        // A rejection or referral taken back no longer stands.
        Action::Reopen => (None, String::new(), String::new()),
        _ => (
            request.duplicate_of,
            request.referred_to.clone(),
            request.rejection_reason.clone(),
        ),
    };
    let public_message = match &change.action {
        Action::Reject { reason } if change.public_message.trim().is_empty() => {
            reason.trim().to_string()
        }
        Action::Refer { to } if change.public_message.trim().is_empty() => to.trim().to_string(),
        _ => change.public_message.trim().to_string(),
    };
    let reopened_for_rating = change.rating.is_some_and(rating_reopens) && to == Status::InProgress;
    // A resident's own words (why it is not solved, their answer, their
    // rating's comment) are for the workgroup, not for neighbours: they go
    // in the note, which only staff and the reporter read.
    let (public_message, event_note) = if change.actor == Actor::Reporter {
        let words = [public_message.as_str(), change.internal_note.trim()]
            .iter()
            .filter(|w| !w.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("\n");
        (String::new(), words)
    } else {
        (public_message, change.internal_note.trim().to_string())
    };
    let request_id = request.id;
    let community_id = request.community_id;
    let listed = request.is_listed();
    let resolved_payload = serde_json::json!({
        "code": request.tracking_code, "icon": request.icon,
        "category_zh": request.category_zh, "category_en": request.category_en,
        "place_zh": request.public_place_name(Lang::Zh), "place_en": request.public_place_name(Lang::En),
        "description": request.description.chars().take(140).collect::<String>(),
        "message": public_message,
    });
    let workgroup_id = request.workgroup_id;
    let reporter = request.reporter_account_id;
    let through_desk = request.news_through_desk();
    let news = is_news_for_resident(&change.action, change.actor, !public_message.is_empty());
    let rating_comment = if change.rating.is_some() {
        change.internal_note.trim().to_string()
    } else {
        request.rating_comment.clone()
    };
    let event_kind = if change.rating.is_some() {
        "rated"
    } else {
        change.action.name()
    };
    let result: Result<bool, sqlx::Error> = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            // Compare-and-set on the status so two handlers cannot both
            // move the same request.
            let updated = sqlx::query(
                "UPDATE requests SET status = $1, updated_at = $2, response_due_at = $3, resolution_due_at = $4, \
                 responded_at = $5, resolved_at = $6, closed_at = $7, paused_since = $8, duplicate_of = $9, \
                 referred_to = $10, rejection_reason = $11, rating = COALESCE($12, rating), \
                 rating_comment = $13, rated_at = CASE WHEN $12 IS NULL THEN rated_at ELSE $2 END, \
                 assignee_id = CASE WHEN $14 THEN COALESCE((SELECT account_id FROM workgroup_members \
                     WHERE workgroup_id = $15 AND is_lead ORDER BY account_id LIMIT 1), assignee_id) \
                     ELSE assignee_id END \
                 WHERE id = $16 AND status = $17",
            )
            .bind(to.as_str())
            .bind(at)
            .bind(response_due)
            .bind(resolution_due)
            .bind(responded_at)
            .bind(resolved_at)
            .bind(closed_at)
            .bind(paused_since)
            .bind(duplicate_of)
            .bind(&referred_to)
            .bind(&rejection_reason)
            .bind(change.rating)
            .bind(&rating_comment)
            .bind(reopened_for_rating)
            .bind(workgroup_id)
            .bind(request_id)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated == 0 {
                return Ok(false);
            }
            if change.actor == Actor::Reporter {
                // They answered, so they have heard the news.
                sqlx::query("UPDATE requests SET desk_news_at = NULL WHERE id = $1")
                    .bind(request_id)
                    .execute(&mut *tx)
                    .await?;
            }
            insert_event!(tx, request_id, at, actor_id, actor_role, event_kind, Some(from.as_str()),
                Some(to.as_str()), &public_message, &event_note, Audience::Public.as_str())?;
            if to == Status::Resolved && listed {
                crate::record_live_event!(tx, community_id, "request_resolved", resolved_payload)?;
            }
            if news && through_desk {
                desk_news!(tx, request_id, community_id, at)?;
            } else if news
                && let Some(reporter) = reporter
                && !matches!(to, Status::Waiting | Status::Resolved)
            {
                // (A question and a resolution have their own messages.)
                notify!(tx, reporter, request_id, "notify-update", at)?;
            }
            match to {
                Status::Resolved => {
                    // Everyone who reported or followed it is told.
                    sqlx::query(
                        "INSERT INTO notifications (account_id, request_id, message_key, created_at) \
                         SELECT account_id, $1, 'notify-resolved', $2 FROM request_followers WHERE request_id = $1",
                    )
                    .bind(request_id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
                Status::Waiting => {
                    if let Some(reporter) = reporter {
                        notify!(tx, reporter, request_id, "notify-question", at)?;
                    }
                }
                Status::Duplicate => {
                    if let Action::MarkDuplicate { of, .. } = &change.action {
                        // Followers are carried over to the request it
                        // duplicates, when neighbours may read that one.
                        sqlx::query(
                            "INSERT INTO request_followers (request_id, account_id, at) \
                             SELECT $1, f.account_id, $2 FROM request_followers f WHERE f.request_id = $3 \
                             AND EXISTS (SELECT 1 FROM requests t JOIN categories c ON c.id = t.category_id \
                                 WHERE t.id = $1 AND t.visibility <> 'private' AND NOT c.private_by_nature) \
                             ON CONFLICT DO NOTHING",
                        )
                        .bind(*of)
                        .bind(at)
                        .bind(request_id)
                        .execute(&mut *tx)
                        .await?;
                        sqlx::query(
                            "UPDATE requests SET follower_count = \
                             (SELECT COUNT(*) FROM request_followers f WHERE f.request_id = $1 \
                              AND f.account_id <> COALESCE(requests.reporter_account_id, -1)) WHERE id = $1",
                        )
                        .bind(*of)
                        .execute(&mut *tx)
                        .await?;
                        insert_event!(tx, *of, at, actor_id, actor_role, "merged", None::<String>, None::<String>,
                            "", "", Audience::Public.as_str())?;
                    }
                }
                _ => {}
            }
            if reopened_for_rating {
                sqlx::query(
                    "INSERT INTO notifications (account_id, request_id, message_key, created_at) \
                     SELECT account_id, $1, 'notify-low-rating', $2 FROM workgroup_members \
                     WHERE workgroup_id = $3 AND is_lead",
                )
                .bind(request_id)
                .bind(at)
                .bind(workgroup_id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(true)
        }
        .await
    });
    if result? {
        Ok(to)
    } else {
        Err(AppError::Conflict("transition-changed-meanwhile"))
    }
}

/// A public update (or, with `internal`, a note for staff only). A first
/// public update answers a submitted request.
pub async fn post_update(
    db: &Db,
    request: &RequestRow,
    by: &Viewer,
    message: &str,
    internal: bool,
) -> Result<(), AppError> {
    if !internal && request.status() == Status::Submitted {
        apply(
            db,
            request,
            Some(by),
            Change {
                action: Action::Respond,
                actor: Actor::Staff,
                public_message: message.to_string(),
                internal_note: String::new(),
                rating: None,
            },
        )
        .await?;
        return Ok(());
    }
    let at = now();
    let (kind, public, note, audience) = if internal {
        ("note", "", message, Audience::Staff)
    } else {
        ("update", message, "", Audience::Public)
    };
    let request_id = request.id;
    let community_id = request.community_id;
    let role = by.role().as_str();
    let through_desk = request.news_through_desk();
    let reporter = request.reporter_account_id;
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            if !internal && through_desk {
                desk_news!(tx, request_id, community_id, at)?;
            } else if !internal && let Some(reporter) = reporter {
                notify!(tx, reporter, request_id, "notify-update", at)?;
            }
            insert_event!(
                tx,
                request_id,
                at,
                Some(by.id),
                role,
                kind,
                None::<String>,
                None::<String>,
                public,
                note,
                audience.as_str()
            )?;
            sqlx::query("UPDATE requests SET updated_at = $1 WHERE id = $2")
                .bind(at)
                .bind(request_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        }
        .await
    })?;
    Ok(())
}

/// Takes the request (`assignee` = the viewer) or hands it to a member.
pub async fn assign(
    db: &Db,
    request: &RequestRow,
    by: &Viewer,
    assignee: i64,
) -> Result<(), AppError> {
    let at = now();
    let request_id = request.id;
    let role = by.role().as_str();
    let ok: bool = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            // Write first: on SQLite a transaction that reads before it
            // writes can be refused when another writer got in between.
            let updated = sqlx::query(
                "UPDATE requests SET assignee_id = $1, updated_at = $2 WHERE id = $3 AND EXISTS \
                 (SELECT 1 FROM workgroup_members m WHERE m.workgroup_id = requests.workgroup_id AND m.account_id = $1)",
            )
            .bind(assignee)
            .bind(at)
            .bind(request_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated == 0 {
                return Ok::<bool, sqlx::Error>(false);
            }
            let name: Option<String> = sqlx::query_scalar("SELECT display_name FROM accounts WHERE id = $1")
                .bind(assignee)
                .fetch_optional(&mut *tx)
                .await?;
            insert_event!(tx, request_id, at, Some(by.id), role, "assigned", None::<String>, None::<String>,
                "", name.unwrap_or_default(), Audience::Staff.as_str())?;
            tx.commit().await?;
            Ok(true)
        }
        .await
    })?;
    if ok {
        Ok(())
    } else {
        Err(AppError::BadRequest("assign-not-a-member"))
    }
}

/// "Me too": a neighbour follows a public request. Returns false when they
/// already did.
pub async fn follow(db: &Db, request: &RequestRow, account_id: i64) -> Result<bool, AppError> {
    let at = now();
    let request_id = request.id;
    let added: bool = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let inserted = sqlx::query(
                "INSERT INTO request_followers (request_id, account_id, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(request_id)
            .bind(account_id)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted > 0 {
                sqlx::query("UPDATE requests SET follower_count = follower_count + 1 WHERE id = $1")
                    .bind(request_id)
                    .execute(&mut *tx)
                    .await?;
                insert_event!(tx, request_id, at, Some(account_id), "resident", "followed", None::<String>,
                    None::<String>, "", "", Audience::Staff.as_str())?;
            }
            tx.commit().await?;
            Ok::<bool, sqlx::Error>(inserted > 0)
        }
        .await
    })?;
    Ok(added)
}

pub async fn is_follower(db: &Db, request_id: i64, account_id: i64) -> Result<bool, AppError> {
    let found: Option<i64> = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT account_id FROM request_followers WHERE request_id = $1 AND account_id = $2"
    )
    .bind(request_id)
    .bind(account_id)
    .fetch_optional(pool)
    .await)?;
    Ok(found.is_some())
}

/// Whether the viewer may handle this request: the administrator, or a
/// member of its workgroup, in its community.
pub async fn can_handle(db: &Db, request: &RequestRow, viewer: &Viewer) -> Result<bool, AppError> {
    if viewer.community_id != request.community_id || !viewer.is_staff() {
        return Ok(false);
    }
    if viewer.role() == Role::Admin && !request.category_private {
        return Ok(true);
    }
    let found: Option<i64> = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT account_id FROM workgroup_members WHERE workgroup_id = $1 AND account_id = $2"
    )
    .bind(request.workgroup_id)
    .bind(viewer.id)
    .fetch_optional(pool)
    .await)?;
    Ok(found.is_some())
}

/// Whether the viewer leads the request's workgroup (or runs the estate):
/// leads route work — assign, reject, merge, refer.
pub async fn is_lead(db: &Db, request: &RequestRow, viewer: &Viewer) -> Result<bool, AppError> {
    if viewer.community_id != request.community_id {
        return Ok(false);
    }
    if viewer.role() == Role::Admin && !request.category_private {
        return Ok(true);
    }
    let lead: Option<bool> = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT is_lead FROM workgroup_members WHERE workgroup_id = $1 AND account_id = $2"
    )
    .bind(request.workgroup_id)
    .bind(viewer.id)
    .fetch_optional(pool)
    .await)?;
    Ok(lead == Some(true))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PhotoRef {
    pub id: i64,
    pub width: i64,
    pub height: i64,
}

pub async fn photos_of(db: &Db, request_id: i64) -> Result<Vec<PhotoRef>, AppError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, PhotoRef>(
        "SELECT id, width, height FROM photos WHERE request_id = $1 ORDER BY id"
    )
    .bind(request_id)
    .fetch_all(pool)
    .await)?)
}

/// Stores a processed photo before its request exists; the key ties it to
/// the form that uploaded it.
pub async fn stage_photo(
    db: &Db,
    photo: &crate::photos::ProcessedPhoto,
) -> Result<String, AppError> {
    let key = random_token();
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO photos (upload_key, jpeg, thumb_jpeg, width, height, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(&key)
    .bind(&photo.jpeg)
    .bind(&photo.thumb_jpeg)
    .bind(i64::from(photo.width))
    .bind(i64::from(photo.height))
    .bind(now())
    .execute(pool)
    .await.map(|r| r.rows_affected())
    })?;
    Ok(key)
}

/// Staged photos still waiting for their request, by key.
pub async fn staged_photos(db: &Db, keys: &[String]) -> Result<Vec<(String, i64)>, AppError> {
    let mut found = Vec::new();
    for key in keys.iter().take(crate::requests::MAX_PHOTOS) {
        let id: Option<i64> = on_db!(db, |pool| sqlx::query_scalar(
            "SELECT id FROM photos WHERE upload_key = $1 AND request_id IS NULL"
        )
        .bind(key)
        .fetch_optional(pool)
        .await)?;
        if let Some(id) = id {
            found.push((key.clone(), id));
        }
    }
    Ok(found)
}

/// The photo's bytes and the request it belongs to (None while staged).
pub async fn photo_bytes(
    db: &Db,
    id: i64,
    thumb: bool,
) -> Result<Option<(Vec<u8>, Option<i64>, String)>, AppError> {
    let sql = if thumb {
        "SELECT thumb_jpeg AS bytes, request_id, upload_key FROM photos WHERE id = $1"
    } else {
        "SELECT jpeg AS bytes, request_id, upload_key FROM photos WHERE id = $1"
    };
    Ok(on_db!(db, |pool| sqlx::query_as::<
        _,
        (Vec<u8>, Option<i64>, String),
    >(sql)
    .bind(id)
    .fetch_optional(pool)
    .await)?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Notice {
    pub id: i64,
    pub message_key: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
    pub tracking_code: Option<String>,
}

pub async fn notifications(db: &Db, account_id: i64) -> Result<Vec<Notice>, AppError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Notice>(
        "SELECT n.id, n.message_key, n.created_at, n.read_at, r.tracking_code FROM notifications n \
         LEFT JOIN requests r ON r.id = n.request_id WHERE n.account_id = $1 ORDER BY n.id DESC LIMIT 50"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
    })?)
}

pub async fn unread_count(db: &Db, account_id: i64) -> Result<i64, AppError> {
    Ok(on_db!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM notifications WHERE account_id = $1 AND read_at IS NULL"
    )
    .bind(account_id)
    .fetch_one(pool)
    .await)?)
}

pub async fn mark_notifications_read(db: &Db, account_id: i64) -> Result<(), AppError> {
    on_db!(db, |pool| sqlx::query(
        "UPDATE notifications SET read_at = $1 WHERE account_id = $2 AND read_at IS NULL"
    )
    .bind(now())
    .bind(account_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
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

pub async fn templates_for(db: &Db, category_id: i64) -> Result<Vec<Template>, AppError> {
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
