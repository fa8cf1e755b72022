//! Notices to the community: announcements by the secretary, reception or
//! a workgroup lead, for everyone, some buildings, one workgroup or the
//! volunteers, with dates, importance and pinning. Residents see theirs
//! and mark them read; for important ones reception sees, building by
//! building, who has not heard yet and records telling them in person.
//! The screens show the public ones; an emergency takes over every screen
//! until it is withdrawn.

mod admin;
mod api;
mod pages;
pub mod store;

use axum::Router;
use axum::routing::{get, post};

use crate::web::AppState;

pub use admin::{NoticeForm, post_notice, withdraw_notice};
pub use api::NoticesApi;
pub use pages::seen_by;
pub use store::{Notice, Seen};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/notices", get(admin::list).post(admin::add))
        .route("/admin/notices/{id}/withdraw", post(admin::withdraw))
        .route("/notices", get(pages::list))
        .route("/notices/in-person", post(pages::in_person))
        .route("/notices/{id}/read", post(pages::read))
        .route("/notices/{id}/attachment", get(pages::attachment))
        .route("/notices/{id}/unread", get(pages::unread))
        .route("/notices/{id}/told", post(pages::told))
        .route("/api/v1/notices", get(api::list))
}
