//! The corner's public pages: the catalogue and a title's page (anyone),
//! a resident's loans and holds, renewing and holding.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

use super::holds::{self, Hold};
use super::loans::{self, Loan};
use super::rules::{self, TOPICS};
use super::store::{self, Book, Search};
use crate::auth::SignedIn;
use crate::web::{AppError, AppState, Ctx, render};

pub const PAGE: i64 = 30;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CatalogueQuery {
    pub q: String,
    pub topic: String,
    pub page: Option<i64>,
    pub said: String,
}

#[derive(Template)]
#[template(path = "library.html")]
struct CataloguePage {
    ctx: Ctx,
    q: String,
    topic: String,
    topics: &'static [&'static str],
    books: Vec<Book>,
    page: i64,
    more: bool,
    keeper: bool,
}

impl CataloguePage {
    fn topic_key(&self, topic: &str) -> String {
        rules::topic_key(topic)
    }

    fn href(&self, page: i64) -> String {
        format!(
            "/library?q={}&topic={}&page={page}",
            crate::web::forms::url_encode(&self.q),
            self.topic
        )
    }
}

/// A topic typed in a query, if it is one.
pub fn topic_of(typed: &str) -> Option<String> {
    TOPICS
        .into_iter()
        .find(|t| *t == typed.trim())
        .map(str::to_string)
}

pub async fn catalogue(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CatalogueQuery>,
) -> Result<Response, AppError> {
    let page = q.page.unwrap_or(1).clamp(1, 1000);
    let search = Search {
        words: q.q.chars().take(100).collect(),
        topic: topic_of(&q.topic),
    };
    let mut books = store::search(
        &state.db,
        ctx.community.id,
        &search,
        PAGE + 1,
        (page - 1) * PAGE,
    )
    .await?;
    let more = books.len() as i64 > PAGE;
    books.truncate(PAGE as usize);
    let keeper = match &ctx.viewer {
        Some(v) => super::require_keeper(&state.db, v).await.is_ok(),
        None => false,
    };
    render(&CataloguePage {
        ctx,
        q: search.words,
        topic: search.topic.unwrap_or_default(),
        topics: &TOPICS,
        books,
        page,
        more,
        keeper,
    })
}

#[derive(Template)]
#[template(path = "library_book.html")]
struct BookPage {
    ctx: Ctx,
    book: Book,
    /// The copies and who has them: for the corner's keepers only.
    copies: Vec<store::Copy>,
    keeper: bool,
    borrowing: bool,
    holding: bool,
    said: String,
}

impl BookPage {
    fn topic_key(&self) -> String {
        rules::topic_key(&self.book.topic)
    }
}

pub async fn book(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<CatalogueQuery>,
) -> Result<Response, AppError> {
    let book = store::get(&state.db, ctx.community.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (mut keeper, mut borrowing, mut holding) = (false, false, false);
    if let Some(v) = &ctx.viewer {
        keeper = super::require_keeper(&state.db, v).await.is_ok();
        borrowing = loans::of_account(&state.db, v.id, 200)
            .await?
            .iter()
            .any(|l| l.book_id == id && l.returned_at.is_none());
        holding = holds::holds_of(&state.db, v.id)
            .await?
            .iter()
            .any(|h| h.book_id == id);
    }
    let copies = if keeper {
        store::copies(&state.db, id).await?
    } else {
        Vec::new()
    };
    let said = SAID
        .into_iter()
        .find(|k| *k == q.said)
        .unwrap_or("")
        .to_string();
    render(&BookPage {
        ctx,
        book,
        copies,
        keeper,
        borrowing,
        holding,
        said,
    })
}

const SAID: [&str; 5] = [
    "library-said-held",
    "library-said-renewed",
    "library-said-cancelled",
    "library-said-saved",
    "library-said-added",
];

pub async fn cover(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let jpeg = store::cover(&state.db, ctx.community.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        jpeg,
    )
        .into_response())
}

pub async fn hold(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let book = store::get(&state.db, ctx.community.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if book.community_id != viewer.community_id {
        return Err(AppError::NotFound);
    }
    holds::hold(&state.db, &book, viewer.id).await?;
    Ok(Redirect::to(&format!("/library/books/{id}?said=library-said-held")).into_response())
}

#[derive(Template)]
#[template(path = "library_mine.html")]
struct MinePage {
    ctx: Ctx,
    loans: Vec<Loan>,
    holds: Vec<Hold>,
    said: String,
}

impl MinePage {
    fn day(&self, at: &i64) -> String {
        super::loans::local_day(&self.ctx.community.timezone, *at)
    }

    fn overdue(&self, loan: &Loan) -> bool {
        rules::overdue(loan.due_at, self.ctx.now())
    }
}

pub async fn mine(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Query(q): Query<CatalogueQuery>,
) -> Result<Response, AppError> {
    let loans = loans::of_account(&state.db, viewer.id, 50).await?;
    let holds = holds::holds_of(&state.db, viewer.id).await?;
    let said = SAID
        .into_iter()
        .find(|k| *k == q.said)
        .unwrap_or("")
        .to_string();
    render(&MinePage {
        ctx,
        loans,
        holds,
        said,
    })
}

/// A resident renews their own loan; the desk renews anyone's.
pub async fn renew(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let loan = loans::get(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let own = loan.account_id == viewer.id;
    if !own {
        super::require_keeper(&state.db, &viewer)
            .await
            .map_err(|_| AppError::NotFound)?;
    }
    loans::renew(&state.db, &loan)
        .await?
        .map_err(|refusal| AppError::Conflict(refusal.key()))?;
    let back = if own {
        "/library/mine?said=library-said-renewed".to_string()
    } else {
        format!(
            "/library/desk?said=library-said-renewed&person={}",
            loan.account_id
        )
    };
    Ok(Redirect::to(&back).into_response())
}

pub async fn cancel_hold(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    holds::cancel_hold(&state.db, id, viewer.id).await?;
    Ok(Redirect::to("/library/mine?said=library-said-cancelled").into_response())
}
