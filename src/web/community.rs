//! The community a page speaks for: its names and its time zone. The kit's
//! one notion of a community; the `community` capability holds its places,
//! workgroups, categories and the administrator's pages.

use crate::db::{Db, Memo, StoreError, now};
use crate::on_db;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Community {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub timezone: String,
    pub emergency_numbers: String,
}

/// How a community is looked up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum CommunityKey {
    Id(i64),
    Code(String),
    First,
}

impl Community {
    pub async fn by_id(db: &Db, id: i64) -> Result<Community, StoreError> {
        Community::by_key(db, CommunityKey::Id(id))
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// A community by its code (`jinyuan`), as public addresses name it.
    pub async fn by_code(db: &Db, code: &str) -> Result<Option<Community>, StoreError> {
        Community::by_key(db, CommunityKey::Code(code.trim().to_string())).await
    }

    /// The community public pages speak for: the first one.
    pub async fn default_one(db: &Db) -> Result<Community, StoreError> {
        Community::by_key(db, CommunityKey::First)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// How many communities this database serves.
    pub async fn count(db: &Db) -> Result<i64, StoreError> {
        static COUNT: Memo<(), i64> = Memo::new();
        let n = COUNT
            .get(db, (), || async {
                on_db!(db, |pool| sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM communities"
                )
                .fetch_one(pool)
                .await)
            })
            .await?;
        Ok(*n)
    }

    /// Read once per change of the settings (`db::Memo`).
    async fn by_key(db: &Db, key: CommunityKey) -> Result<Option<Community>, StoreError> {
        static COMMUNITIES: Memo<CommunityKey, Option<Community>> = Memo::new();
        let found = COMMUNITIES
            .get(db, key.clone(), || async {
                const COLUMNS: &str = "SELECT id, code, name_zh, name_en, timezone, emergency_numbers FROM communities";
                let sql = match &key {
                    CommunityKey::Id(_) => format!("{COLUMNS} WHERE id = $1"),
                    CommunityKey::Code(_) => format!("{COLUMNS} WHERE code = $1"),
                    CommunityKey::First => format!("{COLUMNS} ORDER BY id LIMIT 1"),
                };
                on_db!(db, |pool| {
                    let q = sqlx::query_as::<_, Community>(sqlx::AssertSqlSafe(sql));
                    let q = match &key {
                        CommunityKey::Id(id) => q.bind(*id),
                        CommunityKey::Code(code) => q.bind(code.clone()),
                        CommunityKey::First => q,
                    };
                    q.fetch_optional(pool).await
                })
            })
            .await?;
        Ok(Option::clone(&found))
    }

    pub async fn create(
        db: &Db,
        code: &str,
        name_zh: &str,
        name_en: &str,
    ) -> Result<i64, StoreError> {
        let id = on_db!(db, |pool| {
            sqlx::query_scalar::<_, i64>(
            "INSERT INTO communities (code, name_zh, name_en, created_at) VALUES ($1, $2, $3, $4) RETURNING id"
        )
        .bind(code)
        .bind(name_zh)
        .bind(name_en)
        .bind(now())
        .fetch_one(pool)
        .await
        })?;
        crate::db::settings_changed();
        Ok(id)
    }

    pub fn tz(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.timezone).unwrap_or_else(|_| {
            jiff::tz::TimeZone::get("Asia/Shanghai").unwrap_or(jiff::tz::TimeZone::UTC)
        })
    }

    /// ISO 8601 with the offset, e.g. `2026-11-27T08:00:00+08:00`.
    pub fn iso_time(&self, unix: i64) -> String {
        match jiff::Timestamp::from_second(unix) {
            Ok(ts) => ts
                .to_zoned_datetime(self.tz())
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string(),
            Err(_) => String::new(),
        }
    }

    pub fn format_time(&self, unix: i64) -> String {
        match jiff::Timestamp::from_second(unix) {
            Ok(ts) => ts
                .to_zoned_datetime(self.tz())
                .strftime("%Y-%m-%d %H:%M")
                .to_string(),
            Err(_) => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_in_the_community_time_zone() {
        let c = Community {
            id: 1,
            code: "jy".into(),
            name_zh: String::new(),
            name_en: String::new(),
            timezone: "Asia/Shanghai".into(),
            emergency_numbers: String::new(),
        };
        // 2026-11-27 00:00 UTC is 08:00 in Shanghai.
        assert_eq!(c.format_time(1_795_737_600), "2026-11-27 08:00");
        assert_eq!(c.iso_time(1_795_737_600), "2026-11-27T08:00:00+08:00");
        let broken = Community {
            timezone: "Mars/Olympus".into(),
            ..c
        };
        assert_eq!(broken.format_time(1_795_737_600), "2026-11-27 08:00");
    }
}
