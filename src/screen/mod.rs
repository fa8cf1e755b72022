//! The community screen (a TV in the pavilion) and the kiosk (a touch
//! screen in the foyer): public faces that need no account. Only public
//! information ever reaches them.

mod admin;
mod display;
mod kiosk;
mod kiosk_activities;
pub mod qr;

use axum::Router;
use axum::routing::{get, post};

use crate::auth::random_token;
use crate::db::{Db, StoreError, now};
use crate::on_db;
use crate::web::AppState;

pub use admin::check_silent_screens;
pub use display::{Done, recently_done};
pub(crate) use kiosk::kiosk;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/screen/{token}", get(display::page))
        .route("/screen/{token}/events", get(display::events))
        .route("/kiosk/{token}", get(kiosk::start).post(kiosk::submit))
        .route("/kiosk/{token}/{category}", get(kiosk::describe))
        .route(
            "/kiosk/{token}/activities",
            get(kiosk_activities::today).post(kiosk_activities::sign_up),
        )
        .route("/posters/{file}", get(qr::poster))
        .route("/admin/screens", get(admin::list).post(admin::add))
        .route("/admin/screens/{id}/off", post(admin::switch_off))
}

/// The panels a screen can show, in their usual order.
pub const PANELS: [&str; 9] = [
    "emergency",
    "new",
    "done",
    "rates",
    "notices",
    "activities",
    "ideas",
    "polls",
    "recognitions",
];

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Screen {
    pub id: i64,
    pub community_id: i64,
    pub token: String,
    pub kind: String,
    pub name: String,
    pub place_id: Option<i64>,
    pub language: String,
    pub panels: String,
    pub last_seen_at: Option<i64>,
    pub active: bool,
    pub place_code: Option<String>,
    pub place_zh: Option<String>,
    pub place_en: Option<String>,
}

const SCREEN_SELECT: &str = "SELECT s.id, s.community_id, s.token, s.kind, s.name, s.place_id, s.language, s.panels, \
    s.last_seen_at, s.active, p.code AS place_code, p.name_zh AS place_zh, p.name_en AS place_en \
    FROM screens s LEFT JOIN places p ON p.id = s.place_id";

/// A panel and the hours it shows (minutes after midnight), if limited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelPlan {
    pub name: String,
    pub hours: Option<(u32, u32)>,
}

/// Reads a screen's panel lines: `rates`, or `new 07:00-10:00`. Unknown
/// panels and unreadable hours are skipped; nothing listed means all.
pub fn parse_panels(text: &str) -> Vec<PanelPlan> {
    let minutes = |hm: &str| -> Option<u32> {
        let (h, m) = hm.split_once(':')?;
        let (h, m) = (h.trim().parse::<u32>().ok()?, m.trim().parse::<u32>().ok()?);
        // `then`, not `then_some`: the sum must not be worked out for an
        // hour like 99999999 (found by fuzzing: it overflowed).
        (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then(|| h * 60 + m)
    };
    let plans: Vec<PanelPlan> = text
        .lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            let name = parts.next()?.to_ascii_lowercase();
            if !PANELS.contains(&name.as_str()) {
                return None;
            }
            let hours = parts.next().and_then(|range| {
                let (from, to) = range.split_once('-')?;
                Some((minutes(from)?, minutes(to)?))
            });
            Some(PanelPlan { name, hours })
        })
        .collect();
    if plans.is_empty() {
        PANELS
            .iter()
            .map(|p| PanelPlan {
                name: p.to_string(),
                hours: None,
            })
            .collect()
    } else {
        plans
    }
}

/// Whether a panel shows at `minute` of the day; a range may wrap midnight.
pub fn shows_at(plan: &PanelPlan, minute: u32) -> bool {
    match plan.hours {
        None => true,
        Some((from, to)) if from <= to => (from..to).contains(&minute),
        Some((from, to)) => minute >= from || minute < to,
    }
}

impl Screen {
    pub async fn by_token(db: &Db, token: &str, kind: &str) -> Result<Option<Screen>, StoreError> {
        let sql = format!("{SCREEN_SELECT} WHERE s.token = $1 AND s.kind = $2 AND s.active");
        Ok(on_db!(db, |pool| sqlx::query_as::<_, Screen>(
            sqlx::AssertSqlSafe(sql)
        )
        .bind(token)
        .bind(kind)
        .fetch_optional(pool)
        .await)?)
    }

    pub async fn list(db: &Db, community_id: i64) -> Result<Vec<Screen>, StoreError> {
        let sql = format!("{SCREEN_SELECT} WHERE s.community_id = $1 ORDER BY s.active DESC, s.id");
        Ok(on_db!(db, |pool| sqlx::query_as::<_, Screen>(
            sqlx::AssertSqlSafe(sql)
        )
        .bind(community_id)
        .fetch_all(pool)
        .await)?)
    }

    pub async fn create(
        db: &Db,
        community_id: i64,
        kind: &str,
        name: &str,
        place_id: Option<i64>,
        language: &str,
        panels: &str,
    ) -> Result<String, StoreError> {
        let token = random_token();
        on_db!(db, |pool| {
            sqlx::query(
            "INSERT INTO screens (community_id, token, kind, name, place_id, language, panels, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )
        .bind(community_id)
        .bind(&token)
        .bind(kind)
        .bind(name)
        .bind(place_id)
        .bind(language)
        .bind(panels)
        .bind(now())
        .execute(pool)
        .await
        .map(|r| r.rows_affected())
        })?;
        Ok(token)
    }

    pub async fn touch(db: &Db, id: i64) -> Result<(), StoreError> {
        on_db!(db, |pool| sqlx::query(
            "UPDATE screens SET last_seen_at = $1 WHERE id = $2"
        )
        .bind(now())
        .bind(id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub fn place_name(&self, lang: impl std::borrow::Borrow<crate::i18n::Lang>) -> &str {
        match (&self.place_zh, &self.place_en) {
            (Some(zh), Some(en)) => lang.borrow().pick(zh, en),
            _ => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panels_default_to_all() {
        assert_eq!(parse_panels("").len(), PANELS.len());
        assert_eq!(
            parse_panels("weather\nnonsense").len(),
            PANELS.len(),
            "unknown panels are skipped"
        );
    }

    #[test]
    fn panels_with_hours() {
        let plans = parse_panels("new 07:00-10:00\nrates\ndone 22:00-06:30\nnotices 9-10");
        assert_eq!(
            plans[0],
            PanelPlan {
                name: "new".into(),
                hours: Some((420, 600))
            }
        );
        assert_eq!(plans[1].hours, None);
        assert_eq!(plans[3].hours, None, "unreadable hours mean all day");
        assert!(shows_at(&plans[0], 420));
        assert!(!shows_at(&plans[0], 600), "the end is not included");
        assert!(shows_at(&plans[2], 23 * 60));
        assert!(shows_at(&plans[2], 60), "a range may wrap midnight");
        assert!(!shows_at(&plans[2], 12 * 60));
        assert!(parse_panels("new 25:00-26:00")[0].hours.is_none());
        // Found by fuzzing: a huge hour once overflowed while being read.
        assert!(parse_panels("done 2860641654:6-21999:0")[0].hours.is_none());
    }
}
