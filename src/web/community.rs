//! The community a page speaks for: its names and its time zone. The kit's
//! one notion of a community; the `community` capability holds its places,
//! workgroups, categories and the administrator's pages.

use crate::db::{Db, StoreError, now};
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

impl Community {
    pub async fn by_id(db: &Db, id: i64) -> Result<Community, StoreError> {
        on_db!(db, |pool| sqlx::query_as::<_, Community>(
            "SELECT id, code, name_zh, name_en, timezone, emergency_numbers FROM communities WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?
        .ok_or(StoreError::NotFound)
    }

    /// A community by its code (`jinyuan`), as public addresses name it.
    pub async fn by_code(db: &Db, code: &str) -> Result<Option<Community>, StoreError> {
        Ok(on_db!(db, |pool| {
            sqlx::query_as::<_, Community>(
            "SELECT id, code, name_zh, name_en, timezone, emergency_numbers FROM communities WHERE code = $1"
        )
        .bind(code.trim())
        .fetch_optional(pool)
        .await
        })?)
    }

    /// The community public pages speak for: the first one.
    pub async fn default_one(db: &Db) -> Result<Community, StoreError> {
        on_db!(db, |pool| sqlx::query_as::<_, Community>(
            "SELECT id, code, name_zh, name_en, timezone, emergency_numbers FROM communities ORDER BY id LIMIT 1"
        )
        .fetch_optional(pool)
        .await)?
        .ok_or(StoreError::NotFound)
    }

    pub async fn create(
        db: &Db,
        code: &str,
        name_zh: &str,
        name_en: &str,
    ) -> Result<i64, StoreError> {
        Ok(on_db!(db, |pool| {
            sqlx::query_scalar::<_, i64>(
            "INSERT INTO communities (code, name_zh, name_en, created_at) VALUES ($1, $2, $3, $4) RETURNING id"
        )
        .bind(code)
        .bind(name_zh)
        .bind(name_en)
        .bind(now())
        .fetch_one(pool)
        .await
        })?)
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
