//! The front door: what a resident sees first.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

use crate::community::Category;
use crate::requests::record::RequestRow;
use crate::requests::search;
use crate::web::{AppError, AppState, Ctx, render};

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: Ctx,
    categories: Vec<Category>,
    recent: Vec<RequestRow>,
    /// Notices for the person (for everyone, to a visitor), unread first.
    notices: Vec<crate::notices::Seen>,
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let categories = Category::list(&state.db, ctx.community.id, true).await?;
    let recent = search::public_list(&state.db, ctx.community.id, false, 5).await?;
    let mut notices =
        crate::notices::seen_by(&state, ctx.community.id, ctx.viewer.as_ref()).await?;
    notices.truncate(3);
    render(&HomePage {
        ctx,
        categories,
        recent,
        notices,
    })
}
