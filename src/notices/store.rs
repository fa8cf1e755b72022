//! Notices as stored: who they are for, when they show, who read them and
//! who was told in person.

use crate::auth::{Role, Viewer};
use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Notice {
    pub id: i64,
    pub title_zh: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_en: String,
    pub emergency: bool,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub withdrawn_at: Option<i64>,
    /// `all`, `buildings`, `workgroup` or `volunteers`.
    pub audience: String,
    pub audience_workgroup_id: Option<i64>,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub important: bool,
    pub pinned: bool,
    /// `image/jpeg`, `application/pdf`, or empty for none.
    pub attachment_type: String,
    /// The buildings' codes, for an audience of buildings.
    pub buildings: String,
}

pub const AUDIENCES: [&str; 4] = ["all", "buildings", "workgroup", "volunteers"];

const NOTICE_SELECT: &str = "SELECT n.id, n.title_zh, n.title_en, n.body_zh, n.body_en, n.emergency, n.created_by, n.created_at, \
    n.withdrawn_at, n.audience, n.audience_workgroup_id, n.starts_at, n.ends_at, n.important, n.pinned, \
    n.attachment_type, COALESCE((SELECT STRING_AGG(p.code, ',') FROM notice_buildings nb JOIN places p ON p.id = nb.place_id \
    WHERE nb.notice_id = n.id), '') AS buildings FROM notices n";

/// SQLite calls it GROUP_CONCAT; the query is written once with
/// PostgreSQL's name and adapted here.
fn for_engine(db: &Db, sql: String) -> String {
    match db {
        Db::Sqlite(_) => sql.replace("STRING_AGG(p.code, ',')", "GROUP_CONCAT(p.code, ',')"),
        Db::Postgres(_) => sql,
    }
}

/// Showing now: posted, started, not ended, not withdrawn.
const CURRENT: &str = "n.withdrawn_at IS NULL AND (n.starts_at IS NULL OR n.starts_at <= $2) \
    AND (n.ends_at IS NULL OR n.ends_at > $2)";

const ORDER: &str = "ORDER BY n.emergency DESC, n.pinned DESC, n.important DESC, n.id DESC";

impl Notice {
    /// Notices for everyone showing now (the screens and visitors see
    /// these; building notices are public words about a building).
    pub async fn current(db: &Db, community_id: i64) -> Result<Vec<Notice>, StoreError> {
        let sql = for_engine(
            db,
            format!(
                "{NOTICE_SELECT} WHERE n.community_id = $1 AND {CURRENT} AND n.audience IN ('all', 'buildings') {ORDER} LIMIT 20"
            ),
        );
        Ok(on_db!(db, |pool| sqlx::query_as::<_, Notice>(
            sqlx::AssertSqlSafe(sql)
        )
        .bind(community_id)
        .bind(now())
        .fetch_all(pool)
        .await)?)
    }

    /// Every notice of the community, newest first (for those who post).
    pub async fn recent(db: &Db, community_id: i64) -> Result<Vec<Notice>, StoreError> {
        let sql = for_engine(
            db,
            format!("{NOTICE_SELECT} WHERE n.community_id = $1 ORDER BY n.id DESC LIMIT 50"),
        );
        Ok(on_db!(db, |pool| sqlx::query_as::<_, Notice>(
            sqlx::AssertSqlSafe(sql)
        )
        .bind(community_id)
        .fetch_all(pool)
        .await)?)
    }

    pub async fn by_id(db: &Db, community_id: i64, id: i64) -> Result<Option<Notice>, StoreError> {
        let sql = for_engine(
            db,
            format!("{NOTICE_SELECT} WHERE n.community_id = $1 AND n.id = $2"),
        );
        Ok(on_db!(db, |pool| sqlx::query_as::<_, Notice>(
            sqlx::AssertSqlSafe(sql)
        )
        .bind(community_id)
        .bind(id)
        .fetch_optional(pool)
        .await)?)
    }

    /// What the screens receive.
    pub fn payload(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id, "emergency": self.emergency, "important": self.important,
            "title_zh": self.title_zh, "title_en": self.title_en,
            "body_zh": self.body_zh, "body_en": self.body_en,
        })
    }

    /// For everyone who may see public pages and screens.
    pub fn public(&self) -> bool {
        self.audience == "all" || self.audience == "buildings"
    }

    /// Showing at `at`: posted, started, not ended, not withdrawn.
    pub fn showing(&self, at: i64) -> bool {
        self.withdrawn_at.is_none()
            && self.starts_at.is_none_or(|s| s <= at)
            && self.ends_at.is_none_or(|e| e > at)
    }

    /// Who may withdraw it: the secretary and reception any; a lead the
    /// ones they posted, never an emergency.
    pub fn may_withdraw(&self, viewer: &Viewer) -> bool {
        match viewer.role() {
            Role::Admin | Role::Reception => true,
            Role::Lead => self.created_by == Some(viewer.id) && !self.emergency,
            _ => false,
        }
    }
}

/// A notice as a person sees it on their page: whether they read it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Seen {
    #[sqlx(flatten)]
    pub notice: Notice,
    pub read_at: Option<i64>,
}

/// Who a person is to the audiences: their buildings, workgroups, role.
pub struct Reader {
    pub account_id: i64,
    pub role: Role,
}

impl Reader {
    pub fn of(viewer: &Viewer) -> Reader {
        Reader {
            account_id: viewer.id,
            role: viewer.role(),
        }
    }
}

/// Notices showing now that are for the person: everyone's, their
/// buildings', their workgroups', volunteers' if they are one; the
/// secretary and reception see all. Unread first.
pub async fn for_reader(
    db: &Db,
    community_id: i64,
    reader: &Reader,
) -> Result<Vec<Seen>, StoreError> {
    let sees_all = matches!(reader.role, Role::Admin | Role::Reception);
    let sql = for_engine(
        db,
        format!(
            "SELECT x.*, r.read_at FROM ({NOTICE_SELECT} WHERE n.community_id = $1 AND {CURRENT} AND ($4 OR n.audience = 'all' \
             OR (n.audience = 'buildings' AND EXISTS (SELECT 1 FROM notice_buildings nb JOIN places u ON u.parent_id = nb.place_id \
                 JOIN household_members h ON h.place_id = u.id WHERE nb.notice_id = n.id AND h.account_id = $3)) \
             OR (n.audience = 'workgroup' AND EXISTS (SELECT 1 FROM workgroup_members m WHERE m.workgroup_id = n.audience_workgroup_id AND m.account_id = $3)) \
             OR (n.audience = 'volunteers' AND $5))) x \
             LEFT JOIN notice_reads r ON r.notice_id = x.id AND r.account_id = $3 \
             ORDER BY x.emergency DESC, CASE WHEN r.read_at IS NULL THEN 0 ELSE 1 END, x.pinned DESC, x.important DESC, x.id DESC LIMIT 30"
        ),
    );
    let volunteer = matches!(reader.role, Role::Volunteer | Role::Member | Role::Lead);
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Seen>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .bind(now())
    .bind(reader.account_id)
    .bind(sees_all)
    .bind(volunteer)
    .fetch_all(pool)
    .await)?)
}

pub async fn mark_read(db: &Db, notice_id: i64, account_id: i64) -> Result<(), StoreError> {
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO notice_reads (notice_id, account_id, read_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
    )
    .bind(notice_id)
    .bind(account_id)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Whether the person asked to be told important notices at the desk.
pub async fn in_person(db: &Db, account_id: i64) -> Result<bool, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM notice_in_person WHERE account_id = $1"
    )
    .bind(account_id)
    .fetch_one(pool)
    .await)?
        > 0)
}

pub async fn set_in_person(db: &Db, account_id: i64, on: bool) -> Result<(), StoreError> {
    if on {
        on_db!(db, |pool| {
            sqlx::query(
            "INSERT INTO notice_in_person (account_id, since) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        )
        .bind(account_id)
        .bind(now())
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
        })?;
    } else {
        on_db!(db, |pool| sqlx::query(
            "DELETE FROM notice_in_person WHERE account_id = $1"
        )
        .bind(account_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// One line of reception's list for a building: a person who has not read
/// an important notice, or a flat without an account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ToTell {
    /// `a:{account}` or `p:{flat}`.
    pub who: String,
    pub flat: String,
    pub name: String,
    pub phone: String,
    /// They asked to be told at the desk.
    pub in_person: bool,
}

/// In one building, who still needs to hear of a notice: people who asked
/// to be told in person first, then flats without an account, then people
/// who have not read it; those already told are left out.
pub async fn to_tell(db: &Db, notice_id: i64, building_id: i64) -> Result<Vec<ToTell>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, ToTell>(
        "SELECT * FROM (SELECT 'a:' || CAST(a.id AS TEXT) AS who, u.code AS flat, a.display_name AS name, COALESCE(a.phone, '') AS phone, \
         EXISTS (SELECT 1 FROM notice_in_person i WHERE i.account_id = a.id) AS in_person \
         FROM places u JOIN household_members h ON h.place_id = u.id JOIN accounts a ON a.id = h.account_id \
         WHERE u.parent_id = $2 AND a.active \
         AND (EXISTS (SELECT 1 FROM notice_in_person i WHERE i.account_id = a.id) \
              OR NOT EXISTS (SELECT 1 FROM notice_reads r WHERE r.notice_id = $1 AND r.account_id = a.id)) \
         AND NOT EXISTS (SELECT 1 FROM notice_told t WHERE t.notice_id = $1 AND t.who = 'a:' || CAST(a.id AS TEXT)) \
         UNION ALL \
         SELECT 'p:' || CAST(u.id AS TEXT) AS who, u.code AS flat, '' AS name, '' AS phone, FALSE AS in_person \
         FROM places u WHERE u.parent_id = $2 AND u.kind = 'unit' \
         AND NOT EXISTS (SELECT 1 FROM household_members h JOIN accounts a ON a.id = h.account_id WHERE h.place_id = u.id AND a.active) \
         AND NOT EXISTS (SELECT 1 FROM notice_told t WHERE t.notice_id = $1 AND t.who = 'p:' || CAST(u.id AS TEXT)) \
         ) t ORDER BY t.in_person DESC, CASE WHEN t.name = '' THEN 0 ELSE 1 END, t.flat"
    )
    .bind(notice_id)
    .bind(building_id)
    .fetch_all(pool)
    .await
    })?)
}

/// Reception told someone in person (`a:{account}` or `p:{flat}`).
pub async fn told(db: &Db, notice_id: i64, who: &str, by: i64) -> Result<(), StoreError> {
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO notice_told (notice_id, who, told_by, told_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
    )
    .bind(notice_id)
    .bind(who)
    .bind(by)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// A new notice, checked.
pub struct NewNotice {
    pub title_zh: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_en: String,
    pub emergency: bool,
    pub audience: &'static str,
    pub audience_workgroup_id: Option<i64>,
    pub building_ids: Vec<i64>,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub important: bool,
    pub pinned: bool,
    /// (content type, bytes)
    pub attachment: Option<(&'static str, Vec<u8>)>,
}

/// Stores a notice and, when the public may see it, tells the screens in
/// the same transaction.
pub async fn insert(db: &Db, community_id: i64, by: i64, n: &NewNotice) -> Result<i64, StoreError> {
    let at = now();
    let (kind, bytes) = match &n.attachment {
        Some((kind, bytes)) => (*kind, Some(bytes.clone())),
        None => ("", None),
    };
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id = sqlx::query_scalar::<_, i64>(
                "INSERT INTO notices (community_id, title_zh, title_en, body_zh, body_en, emergency, created_by, created_at, \
                 audience, audience_workgroup_id, starts_at, ends_at, important, pinned, attachment, attachment_type) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
            )
            .bind(community_id)
            .bind(&n.title_zh)
            .bind(&n.title_en)
            .bind(&n.body_zh)
            .bind(&n.body_en)
            .bind(n.emergency)
            .bind(by)
            .bind(at)
            .bind(n.audience)
            .bind(n.audience_workgroup_id)
            .bind(n.starts_at)
            .bind(n.ends_at)
            .bind(n.important)
            .bind(n.pinned)
            .bind(&bytes)
            .bind(kind)
            .fetch_one(&mut *tx)
            .await?;
            for building in &n.building_ids {
                sqlx::query("INSERT INTO notice_buildings (notice_id, place_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(building)
                    .execute(&mut *tx)
                    .await?;
            }
            let showing = n.starts_at.is_none_or(|s| s <= at);
            if showing && (n.audience == "all" || n.audience == "buildings") {
                let payload = serde_json::json!({
                    "id": id, "emergency": n.emergency, "important": n.important,
                    "title_zh": n.title_zh, "title_en": n.title_en,
                    "body_zh": n.body_zh, "body_en": n.body_en,
                });
                crate::record_live_event!(tx, community_id, "notice", payload)?;
            }
            tx.commit().await?;
            Ok::<i64, sqlx::Error>(id)
        }
        .await
    })?)
}

/// The attachment's type and bytes.
pub async fn attachment(db: &Db, id: i64) -> Result<Option<(String, Vec<u8>)>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, (String, Vec<u8>)>(
        "SELECT attachment_type, attachment FROM notices WHERE id = $1 AND attachment IS NOT NULL"
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?)
}
