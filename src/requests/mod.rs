//! Requests: intake from every door, the lifecycle, handling by the
//! workgroup, and the resident's confirmation and rating.

// The statements every write shares come first: they are macros.
#[macro_use]
pub(crate) mod history;

pub mod appointment;
pub mod deadlines;
pub mod draft;
pub mod field;
pub mod filing;
pub mod followers;
pub mod handling;
pub mod inbox;
pub mod intake;
pub mod lifecycle;
pub mod model;
pub mod page;
pub mod photos;
pub mod plan;
pub mod queue;
pub mod record;
pub mod recordings;
mod report;
pub mod reporter;
pub mod search;
pub mod store;
mod summary;
pub mod timeline;
pub mod work_orders;

use axum::Router;
use axum::routing::{get, post};

use crate::web::AppState;

/// Photos per request.
pub const MAX_PHOTOS: usize = 4;
pub const MAX_DESCRIPTION: usize = 2000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/report", get(report::choose_category).post(report::submit))
        .route("/report/{category}", get(report::form))
        .route("/track", get(page::track))
        .route("/r/{code}", get(page::show))
        .route("/r/{code}/act", post(handling::act))
        .route("/r/{code}/confirm", post(reporter::confirm))
        .route("/r/{code}/reply", post(reporter::reply))
        .route("/r/{code}/appointment", post(reporter::appointment))
        .route("/r/{code}/follow", post(page::follow))
        .route("/photos/{id}", get(page::photo))
        .route("/recordings/{id}", get(recordings::play))
        .route("/api/v1/recordings", post(recordings::upload))
        .route("/r/{code}/summary", post(summary::save))
        .route("/requests", get(queue::public_list))
        .route("/queue", get(queue::queue))
        .route("/queue.csv", get(queue::queue_csv))
        .route("/queue/bulk", post(work_orders::bulk))
        .route("/work-orders", get(work_orders::print))
        .route("/my", get(queue::mine))
}
