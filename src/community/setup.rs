//! Setting up the estate: the checks and writes behind the administrator's
//! pages and the JSON API alike. Each function answers the person's
//! mistakes as field messages, and storage failures as errors.

use super::{Category, Place, PlaceKind, Workgroup, create_account, valid_code, valid_username};
use crate::auth::{Role, end_all_sessions, password_problem};
use crate::db::Db;
use crate::on_db;
use crate::requests::model::Status;
use crate::web::AppError;
use crate::web::forms::{FieldErrors, optional_text, required_text};

/// What the person got wrong, field by field.
pub type Checked<T> = Result<Result<T, FieldErrors>, AppError>;

fn one(field: &'static str, key: &'static str) -> FieldErrors {
    let mut errors = FieldErrors::default();
    errors.add(field, key);
    errors
}

#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CommunityForm {
    pub name_zh: String,
    pub name_en: String,
    /// e.g. Asia/Shanghai
    pub timezone: String,
    pub emergency_numbers: String,
}

pub async fn save_community(db: &Db, community_id: i64, form: &CommunityForm) -> Checked<()> {
    let mut errors = FieldErrors::default();
    let name_zh = required_text(&mut errors, "name_zh", &form.name_zh, 80);
    let name_en = required_text(&mut errors, "name_en", &form.name_en, 80);
    let emergency = required_text(
        &mut errors,
        "emergency_numbers",
        &form.emergency_numbers,
        120,
    );
    let timezone = form.timezone.trim().to_string();
    if jiff::tz::TimeZone::get(&timezone).is_err() {
        errors.add("timezone", "admin-bad-timezone");
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    on_db!(db, |pool| {
        sqlx::query(
        "UPDATE communities SET name_zh = $1, name_en = $2, timezone = $3, emergency_numbers = $4 WHERE id = $5"
    )
    .bind(&name_zh)
    .bind(&name_en)
    .bind(&timezone)
    .bind(&emergency)
    .bind(community_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    crate::db::settings_changed();
    Ok(Ok(()))
}

#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PlaceForm {
    /// building, unit or common
    pub kind: String,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// Code of the building a unit is in.
    pub parent: String,
}

pub async fn add_place(db: &Db, community_id: i64, form: &PlaceForm) -> Checked<i64> {
    let mut errors = FieldErrors::default();
    let kind = PlaceKind::parse(&form.kind);
    if kind.is_none() {
        errors.add("kind", "field-invalid-choice");
    }
    let code = form.code.trim().to_string();
    if !valid_code(&code) {
        errors.add("code", "field-invalid-code");
    } else if Place::by_code(db, community_id, &code).await?.is_some() {
        errors.add("code", "field-code-taken");
    }
    let name_zh = required_text(&mut errors, "name_zh", &form.name_zh, 80);
    let name_en = optional_text(&mut errors, "name_en", &form.name_en, 80);
    let parent = match form.parent.trim() {
        "" => None,
        p => match Place::by_code(db, community_id, p).await? {
            Some(place) => Some(place.id),
            None => {
                errors.add("parent", "field-unknown-place");
                None
            }
        },
    };
    let Some(kind) = kind.filter(|_| errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let id = on_db!(db, |pool| {
        sqlx::query_scalar::<_, i64>(
        "INSERT INTO places (community_id, kind, code, name_zh, name_en, parent_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
    )
    .bind(community_id)
    .bind(kind.as_str())
    .bind(&code)
    .bind(&name_zh)
    .bind(&name_en)
    .bind(parent)
    .fetch_one(pool)
    .await
    })?;
    crate::db::settings_changed();
    Ok(Ok(id))
}

#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct WorkgroupForm {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

pub async fn add_workgroup(db: &Db, community_id: i64, form: &WorkgroupForm) -> Checked<i64> {
    let mut errors = FieldErrors::default();
    let code = form.code.trim().to_string();
    if !valid_code(&code) {
        errors.add("code", "field-invalid-code");
    }
    let name_zh = required_text(&mut errors, "name_zh", &form.name_zh, 80);
    let name_en = optional_text(&mut errors, "name_en", &form.name_en, 80);
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let id = on_db!(db, |pool| sqlx::query_scalar::<_, i64>(
        "INSERT INTO workgroups (community_id, code, name_zh, name_en) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (community_id, code) DO NOTHING RETURNING id"
    )
    .bind(community_id)
    .bind(&code)
    .bind(&name_zh)
    .bind(&name_en)
    .fetch_optional(pool)
    .await)?;
    crate::db::settings_changed();
    Ok(id.ok_or_else(|| one("code", "field-code-taken")))
}

#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MemberForm {
    pub username: String,
    /// "1" (or true) makes them the workgroup's lead.
    #[serde(deserialize_with = "flag")]
    pub lead: bool,
}

/// Accepts the checkbox's "1"/"on" from a form, or a JSON boolean.
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    Ok(match <Flag as serde::Deserialize>::deserialize(d)? {
        Flag::Bool(b) => b,
        Flag::Text(t) => matches!(t.as_str(), "1" | "on" | "true" | "yes"),
    })
}

pub async fn add_member(
    db: &Db,
    community_id: i64,
    workgroup_id: i64,
    form: &MemberForm,
) -> Checked<()> {
    let group_ok = Workgroup::list(db, community_id)
        .await?
        .iter()
        .any(|w| w.id == workgroup_id);
    if !group_ok {
        return Err(AppError::NotFound);
    }
    // Someone of this community, or who holds a role in it (a volunteer
    // lawyer serving several estates), with the role they hold here.
    let account: Option<(i64, String)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT a.id, COALESCE(m.role, a.role) FROM accounts a \
         LEFT JOIN memberships m ON m.account_id = a.id AND m.community_id = $2 \
         WHERE a.username = $1 AND a.active AND (a.community_id = $2 OR m.account_id IS NOT NULL)"
    )
    .bind(form.username.trim())
    .bind(community_id)
    .fetch_optional(pool)
    .await)?;
    let account_id = match account {
        None => return Ok(Err(one("username", "admin-member-unknown"))),
        Some((_, role)) if role == "resident" => {
            return Ok(Err(one("username", "admin-member-resident")));
        }
        Some((id, _)) => id,
    };
    on_db!(db, |pool| sqlx::query(
        "INSERT INTO workgroup_members (workgroup_id, account_id, is_lead) VALUES ($1, $2, $3) \
         ON CONFLICT (workgroup_id, account_id) DO UPDATE SET is_lead = $3"
    )
    .bind(workgroup_id)
    .bind(account_id)
    .bind(form.lead)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(Ok(()))
}

pub async fn remove_member(
    db: &Db,
    community_id: i64,
    workgroup_id: i64,
    account_id: i64,
) -> Result<(), AppError> {
    on_db!(db, |pool| sqlx::query(
        "DELETE FROM workgroup_members WHERE workgroup_id = $1 AND account_id = $2 \
         AND workgroup_id IN (SELECT id FROM workgroups WHERE community_id = $3)"
    )
    .bind(workgroup_id)
    .bind(account_id)
    .bind(community_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CategoryForm {
    /// Only when adding; a category's code does not change.
    pub code: String,
    /// The workgroup's id.
    pub workgroup: String,
    pub name_zh: String,
    pub name_en: String,
    pub icon: String,
    pub response_hours: String,
    pub resolution_days: String,
    pub notice_zh: String,
    pub notice_en: String,
    #[serde(deserialize_with = "flag")]
    pub danger_stopper: bool,
    #[serde(deserialize_with = "flag")]
    pub private_by_nature: bool,
    #[serde(deserialize_with = "flag")]
    pub private_by_default: bool,
    #[serde(deserialize_with = "flag")]
    pub active: bool,
    pub description_zh: String,
    pub description_en: String,
    pub keywords: String,
    #[serde(deserialize_with = "flag")]
    pub needs_review: bool,
    pub kiosk_phrases_zh: String,
    pub kiosk_phrases_en: String,
}

impl CategoryForm {
    pub fn from_category(c: &Category) -> CategoryForm {
        CategoryForm {
            code: c.code.clone(),
            workgroup: c.workgroup_id.to_string(),
            name_zh: c.name_zh.clone(),
            name_en: c.name_en.clone(),
            icon: c.icon.clone(),
            response_hours: c.response_hours.to_string(),
            resolution_days: c.resolution_days.to_string(),
            notice_zh: c.notice_zh.clone(),
            notice_en: c.notice_en.clone(),
            danger_stopper: c.danger_stopper,
            private_by_nature: c.private_by_nature,
            private_by_default: c.private_by_default,
            active: c.active,
            description_zh: c.description_zh.clone(),
            description_en: c.description_en.clone(),
            keywords: c.keywords.clone(),
            needs_review: c.needs_review,
            kiosk_phrases_zh: c.kiosk_phrases_zh.clone(),
            kiosk_phrases_en: c.kiosk_phrases_en.clone(),
        }
    }
}

struct CategoryFields {
    workgroup_id: i64,
    name_zh: String,
    name_en: String,
    icon: String,
    response_hours: i64,
    resolution_days: i64,
    notice_zh: String,
    notice_en: String,
    description_zh: String,
    description_en: String,
    keywords: String,
    kiosk_phrases_zh: String,
    kiosk_phrases_en: String,
}

async fn check_category(
    db: &Db,
    community_id: i64,
    form: &CategoryForm,
    errors: &mut FieldErrors,
) -> Result<Option<CategoryFields>, AppError> {
    let groups = Workgroup::list(db, community_id).await?;
    let workgroup_id = form
        .workgroup
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| groups.iter().any(|g| g.id == *id));
    if workgroup_id.is_none() {
        errors.add("workgroup", "field-invalid-choice");
    }
    let name_zh = required_text(errors, "name_zh", &form.name_zh, 40);
    let name_en = required_text(errors, "name_en", &form.name_en, 60);
    let icon = optional_text(errors, "icon", &form.icon, 8);
    let response_hours = form
        .response_hours
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|h| (1..=720).contains(h));
    if response_hours.is_none() {
        errors.add("response_hours", "admin-hours-range");
    }
    let resolution_days = form
        .resolution_days
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|d| (1..=365).contains(d));
    if resolution_days.is_none() {
        errors.add("resolution_days", "admin-days-range");
    }
    let notice_zh = optional_text(errors, "notice_zh", &form.notice_zh, 500);
    let notice_en = optional_text(errors, "notice_en", &form.notice_en, 500);
    let description_zh = optional_text(errors, "description_zh", &form.description_zh, 500);
    let description_en = optional_text(errors, "description_en", &form.description_en, 500);
    let keywords = optional_text(errors, "keywords", &form.keywords, 200);
    let kiosk_phrases_zh = optional_text(errors, "kiosk_phrases_zh", &form.kiosk_phrases_zh, 600);
    let kiosk_phrases_en = optional_text(errors, "kiosk_phrases_en", &form.kiosk_phrases_en, 900);
    Ok(
        match (
            workgroup_id,
            response_hours,
            resolution_days,
            errors.is_empty(),
        ) {
            (Some(workgroup_id), Some(response_hours), Some(resolution_days), true) => {
                Some(CategoryFields {
                    workgroup_id,
                    name_zh,
                    name_en,
                    icon: if icon.is_empty() {
                        "📝".to_string()
                    } else {
                        icon
                    },
                    response_hours,
                    resolution_days,
                    notice_zh,
                    notice_en,
                    description_zh,
                    description_en,
                    keywords,
                    kiosk_phrases_zh,
                    kiosk_phrases_en,
                })
            }
            _ => None,
        },
    )
}

pub async fn add_category(db: &Db, community_id: i64, form: &CategoryForm) -> Checked<i64> {
    let mut errors = FieldErrors::default();
    let code = form.code.trim().to_string();
    if !valid_code(&code) {
        errors.add("code", "field-invalid-code");
    } else if Category::by_code(db, community_id, &code).await?.is_some() {
        errors.add("code", "field-code-taken");
    }
    let Some(c) = check_category(db, community_id, form, &mut errors).await? else {
        return Ok(Err(errors));
    };
    let id = on_db!(db, |pool| {
        sqlx::query_scalar::<_, i64>(
        "INSERT INTO categories (community_id, workgroup_id, code, name_zh, name_en, icon, response_hours, \
         resolution_days, notice_zh, notice_en, danger_stopper, private_by_nature, active, description_zh, \
         description_en, keywords, needs_review, private_by_default, kiosk_phrases_zh, kiosk_phrases_en) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, TRUE, $13, $14, $15, $16, $17, $18, $19) \
         RETURNING id"
    )
    .bind(community_id)
    .bind(c.workgroup_id)
    .bind(&code)
    .bind(&c.name_zh)
    .bind(&c.name_en)
    .bind(&c.icon)
    .bind(c.response_hours)
    .bind(c.resolution_days)
    .bind(&c.notice_zh)
    .bind(&c.notice_en)
    .bind(form.danger_stopper)
    .bind(form.private_by_nature)
    .bind(&c.description_zh)
    .bind(&c.description_en)
    .bind(&c.keywords)
    .bind(form.needs_review)
    .bind(form.private_by_default)
    .bind(&c.kiosk_phrases_zh)
    .bind(&c.kiosk_phrases_en)
    .fetch_one(pool)
    .await
    })?;
    crate::db::settings_changed();
    Ok(Ok(id))
}

pub async fn update_category(
    db: &Db,
    community_id: i64,
    id: i64,
    form: &CategoryForm,
) -> Checked<()> {
    let mut errors = FieldErrors::default();
    let Some(c) = check_category(db, community_id, form, &mut errors).await? else {
        return Ok(Err(errors));
    };
    on_db!(db, |pool| {
        sqlx::query(
        "UPDATE categories SET workgroup_id = $1, name_zh = $2, name_en = $3, icon = $4, response_hours = $5, \
         resolution_days = $6, notice_zh = $7, notice_en = $8, danger_stopper = $9, private_by_nature = $10, \
         active = $11, description_zh = $14, description_en = $15, keywords = $16, needs_review = $17, \
         private_by_default = $18, kiosk_phrases_zh = $19, kiosk_phrases_en = $20 WHERE id = $12 AND community_id = $13"
    )
    .bind(c.workgroup_id)
    .bind(&c.name_zh)
    .bind(&c.name_en)
    .bind(&c.icon)
    .bind(c.response_hours)
    .bind(c.resolution_days)
    .bind(&c.notice_zh)
    .bind(&c.notice_en)
    .bind(form.danger_stopper)
    .bind(form.private_by_nature)
    .bind(form.active)
    .bind(id)
    .bind(community_id)
    .bind(&c.description_zh)
    .bind(&c.description_en)
    .bind(&c.keywords)
    .bind(form.needs_review)
    .bind(form.private_by_default)
    .bind(&c.kiosk_phrases_zh)
    .bind(&c.kiosk_phrases_en)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    crate::db::settings_changed();
    Ok(Ok(()))
}

#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TemplateForm {
    /// The step it answers, e.g. responded or resolved.
    pub status: String,
    pub text_zh: String,
    pub text_en: String,
}

pub async fn add_template(db: &Db, category_id: i64, form: &TemplateForm) -> Checked<i64> {
    let mut errors = FieldErrors::default();
    let status = Status::parse(&form.status);
    if status.is_none() {
        errors.add("status", "field-invalid-choice");
    }
    let text_zh = required_text(&mut errors, "text_zh", &form.text_zh, 1000);
    let text_en = required_text(&mut errors, "text_en", &form.text_en, 1000);
    let Some(status) = status.filter(|_| errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let id = on_db!(db, |pool| {
        sqlx::query_scalar::<_, i64>(
        "INSERT INTO response_templates (category_id, status, text_zh, text_en) VALUES ($1, $2, $3, $4) RETURNING id"
    )
    .bind(category_id)
    .bind(status.as_str())
    .bind(&text_zh)
    .bind(&text_en)
    .fetch_one(pool)
    .await
    })?;
    Ok(Ok(id))
}

#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AccountForm {
    pub username: String,
    pub display_name: String,
    /// resident, volunteer, member, lead, reception or admin
    pub role: String,
    pub phone: String,
    /// Leave empty to get a one-time sign-in link instead.
    pub password: String,
    /// The code of the flat a resident's household lives in.
    pub home: String,
}

/// A new account: its id and, when no password was given, the one-time
/// sign-in link to hand over.
pub async fn add_account(
    db: &Db,
    community_id: i64,
    form: &AccountForm,
) -> Checked<(i64, Option<String>)> {
    let mut errors = FieldErrors::default();
    if !valid_username(form.username.trim()) {
        errors.add("username", "field-invalid-username");
    }
    let display_name = required_text(&mut errors, "display_name", &form.display_name, 40);
    let role = Role::parse(&form.role);
    if role.is_none() {
        errors.add("role", "field-invalid-choice");
    }
    if let Some(problem) = password_problem(&form.password, &[&form.username, &display_name])
        .filter(|_| !form.password.is_empty())
    {
        errors.add("password", problem);
    }
    let phone = form.phone.trim().to_string();
    if !phone.is_empty() && !crate::web::forms::valid_phone(&phone) {
        errors.add("phone", "field-invalid-phone");
    }
    let home = match form.home.trim() {
        "" => None,
        code => {
            let unit = Place::by_code(db, community_id, code)
                .await?
                .filter(|p| p.kind == "unit");
            if unit.is_none() {
                errors.add("home", "field-unknown-place");
            }
            unit
        }
    };
    let Some(role) = role.filter(|_| errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let password = (!form.password.is_empty()).then_some(form.password.as_str());
    let created = create_account(
        db,
        community_id,
        &form.username,
        &display_name,
        role,
        password,
        Some(&phone),
    )
    .await?;
    let Some(id) = created else {
        return Ok(Err(one("username", "field-username-taken")));
    };
    if let Some(home) = home {
        on_db!(db, |pool| sqlx::query(
            "INSERT INTO household_members (place_id, account_id) VALUES ($1, $2)"
        )
        .bind(home.id)
        .bind(id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    }
    let link = match password {
        None => Some(crate::auth::choose::create_signin_link(db, id, 72).await?),
        Some(_) => None,
    };
    Ok(Ok((id, link)))
}

/// Changes an account's role or switches it off. The administrator cannot
/// lock themselves out.
pub async fn change_account(
    db: &Db,
    community_id: i64,
    by: i64,
    id: i64,
    role: &str,
    active: bool,
) -> Result<(), AppError> {
    let exists: Option<i64> = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT id FROM accounts WHERE id = $1 AND community_id = $2"
    )
    .bind(id)
    .bind(community_id)
    .fetch_optional(pool)
    .await)?;
    if exists.is_none() {
        return Err(AppError::NotFound);
    }
    let role = Role::parse(role).ok_or(AppError::BadRequest("field-invalid-choice"))?;
    if id == by && (role != Role::Admin || !active) {
        return Err(AppError::BadRequest("admin-not-yourself"));
    }
    on_db!(db, |pool| sqlx::query(
        "UPDATE accounts SET role = $1, active = $2 WHERE id = $3"
    )
    .bind(role.as_str())
    .bind(active)
    .bind(id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    if !active {
        end_all_sessions(db, id).await?;
    }
    Ok(())
}
