//! The book corner in the JSON API: the catalogue (anyone), and loans and
//! returns for the desk.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::loans::{self, Loan};
use super::rules;
use super::store::{self, Book, Search};
use crate::api::ErrorJson;
use crate::auth::SignedIn;
use crate::db::iso;
use crate::web::{AppError, AppState, Ctx};

/// The book corner's part of `/api/v1/openapi.json`, merged in by the entry.
#[derive(OpenApi)]
#[openapi(
    paths(search, book, open_loans, lend, give_back),
    components(schemas(BookJson, LoanJson, LendJson, ReturnJson))
)]
pub struct LibraryApi;

#[derive(Serialize, ToSchema)]
pub struct BookJson {
    id: i64,
    /// 13 digits, or empty when the title has none.
    isbn: String,
    title: String,
    /// The title in the other language, when there is one.
    title_alt: String,
    author: String,
    /// `general`, `family`, `labour`, `housing`, `consumer`, `neighbours`, `elderly` or `other`.
    topic: String,
    /// `zh` or `en`.
    language: String,
    shelf: String,
    copies: i64,
    /// Copies on the shelf now.
    on_shelf: i64,
    cover_url: Option<String>,
}

impl From<Book> for BookJson {
    fn from(b: Book) -> BookJson {
        BookJson {
            cover_url: b
                .has_cover
                .then(|| format!("/library/books/{}/cover", b.id)),
            id: b.id,
            isbn: b.isbn,
            title: b.title,
            title_alt: b.title_alt,
            author: b.author,
            topic: b.topic,
            language: b.language,
            shelf: b.shelf,
            copies: b.copies,
            on_shelf: b.on_shelf,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct BooksQuery {
    /// Words of the title, author, topic or ISBN, in Chinese or English.
    q: String,
    /// One topic only.
    topic: String,
    /// 1 for the first 30.
    page: Option<i64>,
}

/// The catalogue, searched.
#[utoipa::path(get, path = "/api/v1/books", operation_id = "search_books", security(()), params(BooksQuery),
    responses((status = 200, description = "Done; the answer holds the result", body = Vec<BookJson>)))]
pub async fn search(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<BooksQuery>,
) -> Result<Json<Vec<BookJson>>, AppError> {
    let page = q.page.unwrap_or(1).clamp(1, 1000);
    let search = Search {
        words: q.q.chars().take(100).collect(),
        topic: super::pages::topic_of(&q.topic),
    };
    let size = super::pages::PAGE;
    let books = store::search(
        &state.db,
        ctx.community.id,
        &search,
        size,
        (page - 1) * size,
    )
    .await?;
    Ok(Json(books.into_iter().map(BookJson::from).collect()))
}

/// One title of the catalogue.
#[utoipa::path(get, path = "/api/v1/books/{id}", operation_id = "get_book", security(()),
    params(("id" = i64, Path, description = "The title's number")),
    responses((status = 200, description = "Done; the answer holds the result", body = BookJson),
        (status = 404, description = "No such title", body = ErrorJson)))]
pub async fn book(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Json<BookJson>, AppError> {
    let book = store::get(&state.db, ctx.community.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(book.into()))
}

#[derive(Serialize, ToSchema)]
pub struct LoanJson {
    id: i64,
    book_id: i64,
    title: String,
    copy_code: String,
    borrower: String,
    flat: Option<String>,
    lent_at: String,
    due_at: String,
    renewals: i64,
    overdue: bool,
}

impl From<Loan> for LoanJson {
    fn from(l: Loan) -> LoanJson {
        LoanJson {
            overdue: rules::overdue(l.due_at, crate::db::now()),
            id: l.id,
            book_id: l.book_id,
            title: l.title,
            copy_code: l.copy_code,
            borrower: l.borrower,
            flat: l.flat,
            lent_at: iso(l.lent_at),
            due_at: iso(l.due_at),
            renewals: l.renewals,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct LoansQuery {
    /// Only the loans past their due date.
    overdue: bool,
}

/// The community's open loans (reception, the secretary, the legal team).
#[utoipa::path(get, path = "/api/v1/loans", operation_id = "list_loans", params(LoansQuery),
    responses((status = 200, description = "Done; the answer holds the result", body = Vec<LoanJson>),
        (status = 401, description = "Sign in first (a session or a bearer token)", body = ErrorJson),
        (status = 403, description = "Only the desk and the legal team", body = ErrorJson)))]
pub async fn open_loans(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<LoansQuery>,
) -> Result<Json<Vec<LoanJson>>, AppError> {
    super::require_keeper(&state.db, &viewer).await?;
    let list = loans::open(&state.db, viewer.community_id, q.overdue).await?;
    Ok(Json(list.into_iter().map(LoanJson::from).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct LendJson {
    /// The ISBN, or the copy's code from its label.
    code: String,
    /// The resident's account name.
    username: String,
}

/// Lends a copy to a resident.
#[utoipa::path(post, path = "/api/v1/loans", operation_id = "lend_book", request_body = LendJson,
    responses((status = 201, description = "Lent", body = LoanJson),
        (status = 401, description = "Sign in first (a session or a bearer token)", body = ErrorJson),
        (status = 403, description = "Only the desk and the legal team", body = ErrorJson),
        (status = 404, description = "No such resident", body = ErrorJson),
        (status = 409, description = "The copy is out or kept for someone, or no copy is on the shelf", body = ErrorJson),
        (status = 422, description = "An unknown ISBN or copy code", body = ErrorJson)))]
pub async fn lend(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Json(body): Json<LendJson>,
) -> Result<Response, AppError> {
    super::require_keeper(&state.db, &viewer).await?;
    let scanned = rules::scanned(&body.code).ok_or(AppError::BadRequest("library-error-code"))?;
    let person = crate::activities::attendance::resident(
        &state.db,
        viewer.community_id,
        body.username.trim(),
        "",
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let id = loans::lend(&state.db, viewer.community_id, &scanned, person, viewer.id)
        .await?
        .map_err(refused)?;
    let loan = loans::get(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(LoanJson::from(loan))).into_response())
}

/// An unknown code is the input's fault; a copy out, the shelf's state.
fn refused(refusal: loans::Refusal) -> AppError {
    use loans::Refusal::*;
    match refusal {
        UnknownIsbn | UnknownCopy | WhichCopy => AppError::BadRequest(refusal.key()),
        OnLoan | NoneOnShelf | KeptForAnother | NotOnLoan => AppError::Conflict(refusal.key()),
    }
}

#[derive(Deserialize, ToSchema)]
pub struct ReturnJson {
    /// The copy's code, or the ISBN when one copy of it is out.
    code: String,
}

/// Takes a copy back.
#[utoipa::path(post, path = "/api/v1/loans/return", operation_id = "return_book", request_body = ReturnJson,
    responses((status = 200, description = "Returned: the loan as it closed", body = LoanJson),
        (status = 401, description = "Sign in first (a session or a bearer token)", body = ErrorJson),
        (status = 403, description = "Only the desk and the legal team", body = ErrorJson),
        (status = 409, description = "Nothing of that copy or title is out", body = ErrorJson),
        (status = 422, description = "An unknown code, or several copies of the ISBN are out", body = ErrorJson)))]
pub async fn give_back(
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Json(body): Json<ReturnJson>,
) -> Result<Json<LoanJson>, AppError> {
    super::require_keeper(&state.db, &viewer).await?;
    let scanned = rules::scanned(&body.code).ok_or(AppError::BadRequest("library-error-code"))?;
    let back = loans::give_back(&state.db, viewer.community_id, &scanned, viewer.id)
        .await?
        .map_err(refused)?;
    let loan = loans::get(&state.db, viewer.community_id, back.loan_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(loan.into()))
}
