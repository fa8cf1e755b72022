//! The community's shape: the community itself, its places, workgroups,
//! categories and accounts; and the administrator's pages for them.

mod admin;
pub mod attributes;
pub mod setup;

use axum::Router;

use crate::db::{Db, StoreError, now};
use crate::on_db;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    admin::routes()
}

pub use crate::auth::valid_username;
pub use crate::web::Community;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceKind {
    Building,
    Unit,
    Common,
}

impl PlaceKind {
    pub const ALL: [PlaceKind; 3] = [PlaceKind::Building, PlaceKind::Unit, PlaceKind::Common];
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceKind::Building => "building",
            PlaceKind::Unit => "unit",
            PlaceKind::Common => "common",
        }
    }
    pub fn parse(s: &str) -> Option<PlaceKind> {
        PlaceKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn key(self) -> String {
        format!("admin-place-{}", self.as_str())
    }
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Place {
    pub id: i64,
    pub kind: String,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub parent_id: Option<i64>,
}

impl Place {
    pub fn kind_key(&self) -> String {
        format!("admin-place-{}", self.kind)
    }

    /// The community's places: common ones, buildings, then units, by code.
    pub async fn list(db: &Db, community_id: i64) -> Result<Vec<Place>, StoreError> {
        Ok(Vec::clone(&*Place::kept(db, community_id).await?))
    }

    pub async fn by_code(
        db: &Db,
        community_id: i64,
        code: &str,
    ) -> Result<Option<Place>, StoreError> {
        let code = code.trim();
        let places = Place::kept(db, community_id).await?;
        Ok(places.iter().find(|p| p.code == code).cloned())
    }

    pub async fn by_id(db: &Db, community_id: i64, id: i64) -> Result<Option<Place>, StoreError> {
        let places = Place::kept(db, community_id).await?;
        Ok(places.iter().find(|p| p.id == id).cloned())
    }

    /// Read once per change of the settings (`db::Memo`).
    async fn kept(db: &Db, community_id: i64) -> Result<std::sync::Arc<Vec<Place>>, StoreError> {
        static PLACES: crate::db::Memo<i64, Vec<Place>> = crate::db::Memo::new();
        Ok(PLACES
            .get(db, community_id, || async {
                on_db!(db, |pool| sqlx::query_as::<_, Place>(
                    "SELECT id, kind, code, name_zh, name_en, parent_id FROM places WHERE community_id = $1 \
                     ORDER BY CASE kind WHEN 'common' THEN 0 WHEN 'building' THEN 1 ELSE 2 END, code"
                )
                .bind(community_id)
                .fetch_all(pool)
                .await)
            })
            .await?)
    }

    /// The units the account's household lives in.
    pub async fn homes_of(db: &Db, account_id: i64) -> Result<Vec<Place>, StoreError> {
        Ok(on_db!(db, |pool| sqlx::query_as::<_, Place>(
            "SELECT p.id, p.kind, p.code, p.name_zh, p.name_en, p.parent_id FROM places p \
             JOIN household_members h ON h.place_id = p.id WHERE h.account_id = $1 ORDER BY p.code"
        )
        .bind(account_id)
        .fetch_all(pool)
        .await)?)
    }
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Workgroup {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

impl Workgroup {
    pub async fn list(db: &Db, community_id: i64) -> Result<Vec<Workgroup>, StoreError> {
        static WORKGROUPS: crate::db::Memo<i64, Vec<Workgroup>> = crate::db::Memo::new();
        let kept = WORKGROUPS
            .get(db, community_id, || async {
                on_db!(db, |pool| sqlx::query_as::<_, Workgroup>(
                    "SELECT id, code, name_zh, name_en FROM workgroups WHERE community_id = $1 ORDER BY id"
                )
                .bind(community_id)
                .fetch_all(pool)
                .await)
            })
            .await?;
        Ok(Vec::clone(&kept))
    }

    /// The workgroups the account belongs to.
    pub async fn of_member(db: &Db, account_id: i64) -> Result<Vec<Membership>, StoreError> {
        Ok(on_db!(db, |pool| sqlx::query_as::<_, Membership>(
            "SELECT w.id AS workgroup_id, w.name_zh, w.name_en, m.is_lead FROM workgroup_members m \
             JOIN workgroups w ON w.id = m.workgroup_id WHERE m.account_id = $1 ORDER BY w.id"
        )
        .bind(account_id)
        .fetch_all(pool)
        .await)?)
    }

    pub async fn members(db: &Db, workgroup_id: i64) -> Result<Vec<Member>, StoreError> {
        Ok(on_db!(db, |pool| sqlx::query_as::<_, Member>(
            "SELECT a.id, a.display_name, a.username, m.is_lead FROM workgroup_members m \
             JOIN accounts a ON a.id = m.account_id WHERE m.workgroup_id = $1 AND a.active \
             ORDER BY m.is_lead DESC, a.display_name"
        )
        .bind(workgroup_id)
        .fetch_all(pool)
        .await)?)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Membership {
    pub workgroup_id: i64,
    pub name_zh: String,
    pub name_en: String,
    pub is_lead: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Member {
    pub id: i64,
    pub display_name: String,
    pub username: String,
    pub is_lead: bool,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Category {
    pub id: i64,
    pub workgroup_id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub icon: String,
    pub response_hours: i64,
    pub resolution_days: i64,
    pub notice_zh: String,
    pub notice_en: String,
    pub danger_stopper: bool,
    pub private_by_nature: bool,
    /// Requests in it start private; the resident may still choose public.
    pub private_by_default: bool,
    pub active: bool,
    pub description_zh: String,
    pub description_en: String,
    /// Comma-separated words that help apps find it.
    pub keywords: String,
    /// Checked by staff first; Open311 clients get a token until then.
    pub needs_review: bool,
    /// The kiosk's ready sentences, one per line.
    pub kiosk_phrases_zh: String,
    pub kiosk_phrases_en: String,
}

const CATEGORY_COLUMNS: &str = "id, workgroup_id, code, name_zh, name_en, icon, response_hours, \
    resolution_days, notice_zh, notice_en, danger_stopper, private_by_nature, private_by_default, active, description_zh, \
    description_en, keywords, needs_review, kiosk_phrases_zh, kiosk_phrases_en";

impl Category {
    pub async fn list(
        db: &Db,
        community_id: i64,
        only_active: bool,
    ) -> Result<Vec<Category>, StoreError> {
        let all = Category::kept(db, community_id).await?;
        Ok(all
            .iter()
            .filter(|c| c.active || !only_active)
            .cloned()
            .collect())
    }

    pub async fn by_code(
        db: &Db,
        community_id: i64,
        code: &str,
    ) -> Result<Option<Category>, StoreError> {
        let code = code.trim();
        let all = Category::kept(db, community_id).await?;
        Ok(all.iter().find(|c| c.code == code).cloned())
    }

    pub async fn by_id(
        db: &Db,
        community_id: i64,
        id: i64,
    ) -> Result<Option<Category>, StoreError> {
        let all = Category::kept(db, community_id).await?;
        Ok(all.iter().find(|c| c.id == id).cloned())
    }

    /// Every category of the community, active or not, by id; read once
    /// per change of the settings (`db::Memo`).
    async fn kept(db: &Db, community_id: i64) -> Result<std::sync::Arc<Vec<Category>>, StoreError> {
        static CATEGORIES: crate::db::Memo<i64, Vec<Category>> = crate::db::Memo::new();
        let sql = format!(
            "SELECT {CATEGORY_COLUMNS} FROM categories WHERE community_id = $1 ORDER BY id"
        );
        Ok(CATEGORIES
            .get(db, community_id, || async {
                on_db!(db, |pool| sqlx::query_as::<_, Category>(
                    sqlx::AssertSqlSafe(sql)
                )
                .bind(community_id)
                .fetch_all(pool)
                .await)
            })
            .await?)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub phone: Option<String>,
    pub active: bool,
    /// The flat of a resident's household.
    pub home: Option<String>,
}

impl AccountRow {
    pub fn role_key(&self) -> String {
        format!("role-{}", self.role)
    }

    pub async fn list(db: &Db, community_id: i64) -> Result<Vec<AccountRow>, StoreError> {
        Ok(on_db!(db, |pool| {
            sqlx::query_as::<_, AccountRow>(
                "SELECT a.id, a.username, a.display_name, a.role, a.phone, a.active, \
             (SELECT MIN(p.code) FROM household_members h JOIN places p ON p.id = h.place_id \
              WHERE h.account_id = a.id) AS home FROM accounts a WHERE a.community_id = $1 \
             ORDER BY CASE a.role WHEN 'admin' THEN 0 WHEN 'reception' THEN 1 WHEN 'lead' THEN 2 \
             WHEN 'member' THEN 3 WHEN 'volunteer' THEN 4 ELSE 5 END, a.username",
            )
            .bind(community_id)
            .fetch_all(pool)
            .await
        })?)
    }
}

/// Creates an account; `Ok(None)` when the username is taken.
pub async fn create_account(
    db: &Db,
    community_id: i64,
    username: &str,
    display_name: &str,
    role: crate::auth::Role,
    password: Option<&str>,
    phone: Option<&str>,
) -> Result<Option<i64>, StoreError> {
    let hash = match password {
        Some(p) => Some(crate::auth::hash_password(p)?),
        None => None,
    };
    let id = on_db!(db, |pool| {
        sqlx::query_scalar::<_, i64>(
        "INSERT INTO accounts (community_id, username, display_name, role, password_hash, phone, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (username) DO NOTHING RETURNING id"
    )
    .bind(community_id)
    .bind(username.trim())
    .bind(display_name.trim())
    .bind(role.as_str())
    .bind(hash)
    .bind(phone.map(str::trim).filter(|p| !p.is_empty()))
    .bind(now())
    .fetch_optional(pool)
    .await
    })?;
    Ok(id)
}

/// Place and category codes: short, no spaces, used in QR links.
pub fn valid_code(code: &str) -> bool {
    let n = code.chars().count();
    (1..=24).contains(&n)
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_short_and_plain() {
        assert!(valid_code("B3-U201"));
        assert!(!valid_code(""));
        assert!(!valid_code("楼"));
        assert!(!valid_code("a/b"));
    }
}
