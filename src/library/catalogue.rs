//! Keeping the catalogue: a title added or changed by hand (with its
//! cover), a CSV imported whole or not at all, the catalogue exported.

use askama::Template;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

use super::rules::{self, BookRow, TOPICS, TypedBook};
use super::store::{self, Book};
use crate::auth::SignedIn;
use crate::requests::queue::safe_cell;
use crate::web::forms::FieldErrors;
use crate::web::{AppError, AppState, Ctx, render, render_form};

/// The CSV's columns, in the export's order; the import reads them by name.
pub const COLUMNS: [&str; 8] = [
    "isbn",
    "title",
    "title_alt",
    "author",
    "topic",
    "language",
    "copies",
    "shelf",
];

#[derive(Template)]
#[template(path = "library_edit.html")]
struct EditPage {
    ctx: Ctx,
    /// The title being changed; none for a new one.
    book: Option<Book>,
    form: TypedBook,
    errors: FieldErrors,
    topics: &'static [&'static str],
}

impl EditPage {
    fn topic_key(&self, topic: &str) -> String {
        rules::topic_key(topic)
    }

    fn action(&self) -> String {
        match &self.book {
            Some(b) => format!("/library/books/{}/edit", b.id),
            None => "/library/new".to_string(),
        }
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    super::require_keeper(&state.db, &viewer).await?;
    let form = TypedBook {
        copies: "1".into(),
        language: "zh".into(),
        topic: "general".into(),
        ..TypedBook::default()
    };
    render(&EditPage {
        ctx,
        book: None,
        form,
        errors: FieldErrors::default(),
        topics: &TOPICS,
    })
}

pub async fn edit_form(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    super::require_keeper(&state.db, &viewer).await?;
    let book = store::get(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = TypedBook {
        isbn: book.isbn.clone(),
        title: book.title.clone(),
        title_alt: book.title_alt.clone(),
        author: book.author.clone(),
        topic: book.topic.clone(),
        language: book.language.clone(),
        copies: "0".into(),
        shelf: book.shelf.clone(),
    };
    render(&EditPage {
        ctx,
        book: Some(book),
        form,
        errors: FieldErrors::default(),
        topics: &TOPICS,
    })
}

/// The form's fields and its cover, read after the person's right to send
/// it was checked.
async fn read_form(
    request: Request,
    state: &AppState,
) -> Result<(TypedBook, crate::requests::field::Parts), AppError> {
    let multipart = Multipart::from_request(request, state)
        .await
        .map_err(|_| AppError::BadRequest("error-bad-input"))?;
    let parts = crate::requests::field::read_parts(multipart).await?;
    let mut form = TypedBook::default();
    for (name, value) in &parts.fields {
        let value = value.clone();
        match name.as_str() {
            "isbn" => form.isbn = value,
            "title" => form.title = value,
            "title_alt" => form.title_alt = value,
            "author" => form.author = value,
            "topic" => form.topic = value,
            "language" => form.language = value,
            "copies" => form.copies = value,
            "shelf" => form.shelf = value,
            _ => {}
        }
    }
    Ok((form, parts))
}

fn checked(
    form: &TypedBook,
    parts: &crate::requests::field::Parts,
    new: bool,
) -> Result<BookRow, FieldErrors> {
    let mut errors = FieldErrors::default();
    if let Some(problem) = parts.photo_problem {
        errors.add("photo", problem);
    }
    let mut typed = form.clone();
    if !new && typed.copies.trim() == "0" {
        // Editing adds copies; none added is fine.
        typed.copies = "1".into();
    }
    match rules::check_book(&typed, store::topic_by_name) {
        Ok(row) if errors.is_empty() => Ok(row),
        Ok(_) => Err(errors),
        Err(problems) => {
            for (field, key) in problems {
                errors.add(field, key);
            }
            Err(errors)
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    request: Request,
) -> Result<Response, AppError> {
    super::require_keeper(&state.db, &viewer).await?;
    let (form, parts) = read_form(request, &state).await?;
    let row = match checked(&form, &parts, true) {
        Ok(row) => row,
        Err(errors) => {
            let page = EditPage {
                ctx,
                book: None,
                form,
                errors,
                topics: &TOPICS,
            };
            return render_form(&page, true);
        }
    };
    let ids = store::add(&state.db, viewer.community_id, &[row]).await?;
    let id = ids.first().copied().ok_or(AppError::NotFound)?;
    if let Some(photo) = parts.photos.first() {
        store::set_cover(&state.db, id, &photo.jpeg, photo.width, photo.height).await?;
    }
    Ok(Redirect::to(&format!("/library/books/{id}?said=library-said-added")).into_response())
}

pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path(id): Path<i64>,
    request: Request,
) -> Result<Response, AppError> {
    super::require_keeper(&state.db, &viewer).await?;
    let book = store::get(&state.db, viewer.community_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (form, parts) = read_form(request, &state).await?;
    let more: i64 = form.copies.trim().parse().unwrap_or(-1);
    let row = match checked(&form, &parts, false) {
        Ok(_) if !(0..=rules::MAX_COPIES - book.copies).contains(&more) => {
            let mut errors = FieldErrors::default();
            errors.add("copies", "library-error-copies");
            Err(errors)
        }
        other => other,
    };
    let row = match row {
        Ok(row) => row,
        Err(errors) => {
            let page = EditPage {
                ctx,
                book: Some(book),
                form,
                errors,
                topics: &TOPICS,
            };
            return render_form(&page, true);
        }
    };
    store::update(&state.db, &book, &row, more).await?;
    if let Some(photo) = parts.photos.first() {
        store::set_cover(&state.db, id, &photo.jpeg, photo.width, photo.height).await?;
    }
    Ok(Redirect::to(&format!("/library/books/{id}?said=library-said-saved")).into_response())
}

/// A row of an import that was refused, and why.
#[derive(Debug, Clone)]
pub struct BadRow {
    /// The line in the file (the header is line 1).
    pub line: u64,
    pub field: &'static str,
    pub key: &'static str,
}

#[derive(Template)]
#[template(path = "library_import.html")]
struct ImportPage {
    ctx: Ctx,
    text: String,
    bad: Vec<BadRow>,
    imported: Option<usize>,
    problem: Option<&'static str>,
}

pub async fn import_form(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    super::require_keeper(&state.db, &viewer).await?;
    render(&ImportPage {
        ctx,
        text: String::new(),
        bad: Vec::new(),
        imported: None,
        problem: None,
    })
}

/// Every row of a CSV checked; the rows, or every bad row's reasons.
pub fn read_csv(
    text: &str,
    known_isbns: &std::collections::HashSet<String>,
) -> Result<Vec<BookRow>, Result<Vec<BadRow>, &'static str>> {
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|_| Err("library-error-csv"))?
        .clone();
    if !headers.iter().any(|h| h.eq_ignore_ascii_case("title")) {
        return Err(Err("library-error-csv-header"));
    }
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, record) in reader.records().enumerate() {
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(i as u64 + 2, |p| p.line());
        let typed: TypedBook = match record.and_then(|r| r.deserialize(Some(&headers))) {
            Ok(typed) => typed,
            Err(_) => {
                bad.push(BadRow {
                    line,
                    field: "title",
                    key: "library-error-csv-row",
                });
                continue;
            }
        };
        match rules::check_book(&typed, store::topic_by_name) {
            Ok(row) => {
                if !row.isbn.is_empty()
                    && (known_isbns.contains(&row.isbn) || !seen.insert(row.isbn.clone()))
                {
                    bad.push(BadRow {
                        line,
                        field: "isbn",
                        key: "library-error-isbn-known",
                    });
                } else {
                    rows.push(row);
                }
            }
            Err(problems) => {
                bad.extend(
                    problems
                        .into_iter()
                        .map(|(field, key)| BadRow { line, field, key }),
                )
            }
        }
    }
    if !bad.is_empty() {
        return Err(Ok(bad));
    }
    if rows.is_empty() {
        return Err(Err("library-error-csv-empty"));
    }
    Ok(rows)
}

pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    request: Request,
) -> Result<Response, AppError> {
    super::require_keeper(&state.db, &viewer).await?;
    let mut multipart = Multipart::from_request(request, &state)
        .await
        .map_err(|_| AppError::BadRequest("error-bad-input"))?;
    let mut text = String::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("error-bad-input"))?
    {
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(|_| AppError::TooLarge)?;
        if (name == "file" && !bytes.is_empty()) || (name == "text" && text.trim().is_empty()) {
            text = String::from_utf8(bytes.to_vec())
                .map_err(|_| AppError::BadRequest("library-error-csv-utf8"))?;
        }
    }
    let known: std::collections::HashSet<String> = store::all(&state.db, viewer.community_id)
        .await?
        .into_iter()
        .map(|b| b.isbn)
        .filter(|i| !i.is_empty())
        .collect();
    let outcome = if text.contains('\0') {
        Err(Err("library-error-csv"))
    } else {
        read_csv(&text, &known)
    };
    let (bad, problem) = match outcome {
        Ok(rows) => {
            let ids = store::add(&state.db, viewer.community_id, &rows).await?;
            let page = ImportPage {
                ctx,
                text: String::new(),
                bad: Vec::new(),
                imported: Some(ids.len()),
                problem: None,
            };
            return render(&page);
        }
        Err(Ok(bad)) => (bad, None),
        Err(Err(key)) => (Vec::new(), Some(key)),
    };
    render_form(
        &ImportPage {
            ctx,
            text,
            bad,
            imported: None,
            problem,
        },
        true,
    )
}

/// The catalogue as CSV, in the columns the import reads.
pub async fn export(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let books = store::all(&state.db, ctx.community.id).await?;
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let fail = |e: csv::Error| AppError::Internal(e.into());
    out.write_record(COLUMNS).map_err(fail)?;
    for b in books {
        out.write_record(
            [
                b.isbn,
                b.title,
                b.title_alt,
                b.author,
                b.topic,
                b.language,
                b.copies.to_string(),
                b.shelf,
            ]
            .map(safe_cell),
        )
        .map_err(fail)?;
    }
    let body = out
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"library.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
