//! Many communities: district → street → community. The offices' pages
//! with every figure rolled up and ranked, a district's public
//! `/district/rates.json`, accounts with roles in several communities
//! choosing the one they work in, and a secretary setting up the next.

pub mod communities;
pub mod pages;
pub mod rates_json;
pub mod rules;
pub mod store;

use axum::Router;
use axum::routing::{get, post};
use serde_json::json;

use crate::db::{Db, StoreError};
use crate::on_db;
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/district", get(pages::page))
        .route("/district/rates.json", get(rates_json::data))
        .route("/district/communities/{code}", get(pages::community))
        .route(
            "/district/communities/{code}/street",
            post(pages::move_community),
        )
        .route(
            "/my/communities",
            get(communities::choose_page).post(communities::choose),
        )
        .route("/admin/communities/new", get(communities::new_form))
        .route("/admin/communities", post(communities::create))
}

/// A person's part of their own data: the communities they hold a role
/// in beside their own, and the offices they work in.
pub async fn own_roles(db: &Db, account_id: i64) -> Result<serde_json::Value, StoreError> {
    let roles = communities::roles_of(db, account_id).await?;
    let offices: Vec<(String, Option<String>)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT d.code, s.code FROM office_staff o JOIN districts d ON d.id = o.district_id \
         LEFT JOIN streets s ON s.id = o.street_id WHERE o.account_id = $1 ORDER BY o.id"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await)?;
    Ok(json!({
        "communities": roles.iter().map(|(c, role)| json!({
            "community": c.code,
            "name_zh": c.name_zh,
            "name_en": c.name_en,
            "role": role.as_str(),
        })).collect::<Vec<_>>(),
        "offices": offices.iter().map(|(district, street)| json!({
            "district": district,
            "street": street,
        })).collect::<Vec<_>>(),
    }))
}
