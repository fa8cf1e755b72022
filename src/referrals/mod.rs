//! Referrals that come back: the secretary keeps the list of outside
//! bodies (the power bureau, the water company, the street office); a lead
//! refers a request to one of them, and it waits on their answer until the
//! day the team expects it, when the team is reminded. The team records the
//! answer, and the request goes back to them to finish, or is solved.

mod admin;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{Db, StoreError, now};
use crate::on_db;
use crate::requests::lifecycle::{Action, Actor};
use crate::requests::page::ActForm;
use crate::requests::plan::Change;
use crate::requests::record::RequestRow;
use crate::requests::store;
use crate::web::{AppError, AppState};

pub use admin::{ReferralsApi, routes};

/// An answer is expected within a week unless the lead says otherwise.
pub const DEFAULT_DAYS: i64 = 7;
/// And within two months at most: longer is not waiting, it is forgetting.
pub const MOST_DAYS: i64 = 60;

#[derive(Debug, Clone, sqlx::FromRow, Serialize, ToSchema)]
pub struct OutsideBody {
    pub id: i64,
    pub name_zh: String,
    pub name_en: String,
    /// Where the team calls them.
    pub phone: String,
    /// Offered when referring; a body no longer used stays on old requests.
    pub active: bool,
}

/// When the outside body's answer is due, from the days the lead typed
/// (empty: a week); or the message key saying what is wrong.
pub fn answer_due(at: i64, days: &str) -> Result<i64, &'static str> {
    let days = match days.trim() {
        "" => DEFAULT_DAYS,
        typed => typed
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=MOST_DAYS).contains(d))
            .ok_or("referral-days-range")?,
    };
    Ok(at + days * 86_400)
}

pub async fn list(db: &Db, community_id: i64) -> Result<Vec<OutsideBody>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, OutsideBody>(
        "SELECT id, name_zh, name_en, phone, active FROM outside_bodies WHERE community_id = $1 \
         ORDER BY active DESC, name_zh"
    )
    .bind(community_id)
    .fetch_all(pool)
    .await)?)
}

/// The body a referral names, if it is one of the community's in use.
async fn in_use(db: &Db, community_id: i64, id: &str) -> Result<Option<OutsideBody>, StoreError> {
    let Ok(id) = id.trim().parse::<i64>() else {
        return Ok(None);
    };
    Ok(on_db!(db, |pool| sqlx::query_as::<_, OutsideBody>(
        "SELECT id, name_zh, name_en, phone, active FROM outside_bodies \
         WHERE community_id = $1 AND id = $2 AND active"
    )
    .bind(community_id)
    .bind(id)
    .fetch_optional(pool)
    .await)?)
}

/// The lead's step: refer the request to a body from the list (or, where
/// the list has none that fits, one named in words), expecting its answer
/// by a day.
pub async fn refer_step(
    state: &AppState,
    request: &RequestRow,
    viewer: &crate::auth::Viewer,
    form: &ActForm,
) -> Result<(), AppError> {
    let body = in_use(&state.db, request.community_id, &form.body).await?;
    let named = match &body {
        Some(b) => b.name_zh.clone(),
        None if !form.body.trim().is_empty() => {
            return Err(AppError::BadRequest("referral-body-unknown"));
        }
        None => form.to.trim().to_string(),
    };
    if named.is_empty() {
        return Err(AppError::BadRequest("referral-body-required"));
    }
    let at = now();
    let due = answer_due(at, &form.expect_days).map_err(AppError::BadRequest)?;
    let change = Change {
        action: Action::Refer { to: named },
        actor: Actor::Staff,
        public_message: form.message.trim().to_string(),
        internal_note: form.note.trim().to_string(),
        rating: None,
    };
    store::apply(&state.db, request, Some(viewer), change).await?;
    waits_on(&state.db, request.id, body.map(|b| b.id), due).await?;
    Ok(())
}

/// A referred request waits on the body's answer until `due`.
pub async fn waits_on(
    db: &Db,
    request_id: i64,
    body_id: Option<i64>,
    due: i64,
) -> Result<(), StoreError> {
    on_db!(db, |pool| sqlx::query(
        "UPDATE requests SET referred_body_id = $1, referral_due_at = $2 WHERE id = $3"
    )
    .bind(body_id)
    .bind(due)
    .bind(request_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The demo estate's list.
pub async fn add_demo_bodies(db: &Db, community_id: i64) -> Result<(), StoreError> {
    let bodies = [
        ("供电局", "Power supply bureau", "95598"),
        ("自来水公司", "Water company", "96916"),
        ("燃气公司", "Gas company", "95158"),
        ("街道办事处", "Street office", ""),
    ];
    for (zh, en, phone) in bodies {
        on_db!(db, |pool| sqlx::query(
            "INSERT INTO outside_bodies (community_id, name_zh, name_en, phone, created_at) \
             VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(community_id)
        .bind(zh)
        .bind(en)
        .bind(phone)
        .bind(now())
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct BodyForm {
    pub name_zh: String,
    pub name_en: String,
    pub phone: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_is_due_in_a_week_unless_the_lead_says() {
        assert_eq!(answer_due(0, ""), Ok(7 * 86_400));
        assert_eq!(answer_due(100, " 3 "), Ok(100 + 3 * 86_400));
        assert_eq!(answer_due(0, "1"), Ok(86_400));
        assert_eq!(answer_due(0, "60"), Ok(60 * 86_400));
        for wrong in ["0", "61", "-2", "two", "1.5"] {
            assert_eq!(answer_due(0, wrong), Err("referral-days-range"), "{wrong}");
        }
    }
}
