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
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let categories = Category::list(&state.db, ctx.community.id, true).await?;
    let recent = search::public_list(&state.db, ctx.community.id, false, 5).await?;
    render(&HomePage {
        ctx,
        categories,
        recent,
    })
}
