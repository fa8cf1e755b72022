//! The catalogue as stored: titles, their copies and covers, the search,
//! and a CSV import that writes every row or none.

use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;

use super::rules::{self, BookRow};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Book {
    pub id: i64,
    pub community_id: i64,
    pub isbn: String,
    pub title: String,
    pub title_alt: String,
    pub author: String,
    pub topic: String,
    pub language: String,
    pub shelf: String,
    /// Copies not withdrawn.
    pub copies: i64,
    /// Copies on the shelf now: not lent, not kept for someone waiting.
    pub on_shelf: i64,
    pub has_cover: bool,
}

const BOOK_SELECT: &str = "SELECT b.id, b.community_id, b.isbn, b.title, b.title_alt, b.author, b.topic, b.language, b.shelf, \
    (SELECT COUNT(*) FROM book_copies c WHERE c.book_id = b.id AND NOT c.withdrawn) AS copies, \
    (SELECT COUNT(*) FROM book_copies c WHERE c.book_id = b.id AND NOT c.withdrawn \
        AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.copy_id = c.id AND l.returned_at IS NULL) \
        AND NOT EXISTS (SELECT 1 FROM book_holds h WHERE h.copy_id = c.id AND h.state = 'ready')) AS on_shelf, \
    EXISTS (SELECT 1 FROM book_covers v WHERE v.book_id = b.id) AS has_cover \
    FROM books b";

/// What the catalogue is searched for: words (any language, two Chinese
/// characters are enough) and a topic.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub words: String,
    pub topic: Option<String>,
}

/// The topics whose name, in either language, holds the words.
fn topics_named(words: &str) -> Vec<&'static str> {
    let words = words.to_lowercase();
    rules::TOPICS
        .into_iter()
        .filter(|t| {
            [crate::i18n::Lang::Zh, crate::i18n::Lang::En]
                .iter()
                .any(|l| l.t(&rules::topic_key(t)).to_lowercase().contains(&words))
        })
        .collect()
}

/// A topic by the name typed in either language.
pub fn topic_by_name(name: &str) -> Option<&'static str> {
    let name = name.trim().to_lowercase();
    rules::TOPICS.into_iter().find(|t| {
        [crate::i18n::Lang::Zh, crate::i18n::Lang::En]
            .iter()
            .any(|l| l.t(&rules::topic_key(t)).to_lowercase() == name)
    })
}

/// A page of the catalogue, in title order. The page's ids are chosen
/// first, from the index that holds each title's search text (so a
/// common word stops at a page of matches and a rare one reads the
/// community's index entries, never the rows), then the copies are counted
/// for those titles alone. A plain substring test, `instr` on SQLite and
/// `strpos` on PostgreSQL: two Chinese characters are enough, and nothing
/// typed is a pattern (`bench/run` measures a corner of 10,000 titles).
pub async fn search(
    db: &Db,
    community_id: i64,
    s: &Search,
    limit: i64,
    offset: i64,
) -> Result<Vec<Book>, StoreError> {
    let words = s.words.trim().to_lowercase();
    let topics = if words.is_empty() {
        Vec::new()
    } else {
        topics_named(&words)
    };
    let find = match db {
        crate::db::Db::Sqlite(_) => "instr",
        crate::db::Db::Postgres(_) => "strpos",
    };
    Ok(on_db!(db, |pool| {
        let mut q = sqlx::QueryBuilder::new(format!(
            "{BOOK_SELECT} WHERE b.id IN (SELECT b.id FROM books b WHERE b.community_id = "
        ));
        q.push_bind(community_id);
        if let Some(topic) = &s.topic {
            q.push(" AND b.topic = ").push_bind(topic.clone());
        }
        if !words.is_empty() {
            q.push(format!(" AND ({find}(b.search, "))
                .push_bind(words.clone())
                .push(") > 0");
            for topic in &topics {
                q.push(" OR b.topic = ").push_bind(*topic);
            }
            q.push(")");
        }
        q.push(" ORDER BY b.title, b.id LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset)
            .push(") ORDER BY b.title, b.id");
        q.build_query_as::<Book>().fetch_all(pool).await
    })?)
}

pub async fn get(db: &Db, community_id: i64, id: i64) -> Result<Option<Book>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Book>(
        sqlx::AssertSqlSafe(format!(
            "{BOOK_SELECT} WHERE b.id = $1 AND b.community_id = $2"
        ))
    )
    .bind(id)
    .bind(community_id)
    .fetch_optional(pool)
    .await)?)
}

/// Books on a topic, for the monthly class's page.
pub async fn on_topic(
    db: &Db,
    community_id: i64,
    topic: &str,
    limit: i64,
) -> Result<Vec<Book>, StoreError> {
    let s = Search {
        words: String::new(),
        topic: Some(topic.to_string()),
    };
    search(db, community_id, &s, limit, 0).await
}

/// A copy of a title, as the team sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Copy {
    pub id: i64,
    pub code: String,
    pub due_at: Option<i64>,
    /// Who has it, or who it is kept for.
    pub borrower: Option<String>,
    pub kept_for: Option<String>,
}

pub async fn copies(db: &Db, book_id: i64) -> Result<Vec<Copy>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Copy>(
        "SELECT c.id, c.code, l.due_at, a.display_name AS borrower, k.display_name AS kept_for \
         FROM book_copies c \
         LEFT JOIN loans l ON l.copy_id = c.id AND l.returned_at IS NULL \
         LEFT JOIN accounts a ON a.id = l.account_id \
         LEFT JOIN book_holds h ON h.copy_id = c.id AND h.state = 'ready' \
         LEFT JOIN accounts k ON k.id = h.account_id \
         WHERE c.book_id = $1 AND NOT c.withdrawn ORDER BY c.id"
    )
    .bind(book_id)
    .fetch_all(pool)
    .await)?)
}

/// Writes one title and its copies in an open transaction; its id.
macro_rules! insert_book {
    ($tx:expr, $community_id:expr, $row:expr, $at:expr) => {{
        let row: &BookRow = $row;
        let id = sqlx::query_scalar::<_, i64>(
            "INSERT INTO books (community_id, isbn, title, title_alt, author, topic, language, shelf, search, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind($community_id)
        .bind(&row.isbn)
        .bind(&row.title)
        .bind(&row.title_alt)
        .bind(&row.author)
        .bind(&row.topic)
        .bind(&row.language)
        .bind(&row.shelf)
        .bind(rules::search_text(row))
        .bind($at)
        .fetch_one(&mut *$tx)
        .await?;
        for n in 1..=row.copies {
            sqlx::query("INSERT INTO book_copies (community_id, book_id, code) VALUES ($1, $2, $3)")
                .bind($community_id)
                .bind(id)
                .bind(rules::copy_code(id, n))
                .execute(&mut *$tx)
                .await?;
        }
        id
    }};
}

/// Adds titles (one, or a whole imported file) in one transaction: all of
/// them or none. Their ids, in order.
pub async fn add(db: &Db, community_id: i64, rows: &[BookRow]) -> Result<Vec<i64>, StoreError> {
    let at = now();
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let mut ids = Vec::with_capacity(rows.len());
            for row in rows {
                ids.push(insert_book!(tx, community_id, row, at));
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(ids)
        }
        .await
    })?)
}

/// Changes a title's details; `more_copies` adds copies to the shelf.
pub async fn update(
    db: &Db,
    book: &Book,
    row: &BookRow,
    more_copies: i64,
) -> Result<(), StoreError> {
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE books SET isbn = $1, title = $2, title_alt = $3, author = $4, topic = $5, \
                 language = $6, shelf = $7, search = $8 WHERE id = $9",
            )
            .bind(&row.isbn)
            .bind(&row.title)
            .bind(&row.title_alt)
            .bind(&row.author)
            .bind(&row.topic)
            .bind(&row.language)
            .bind(&row.shelf)
            .bind(rules::search_text(row))
            .bind(book.id)
            .execute(&mut *tx)
            .await?;
            let had: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM book_copies WHERE book_id = $1")
                    .bind(book.id)
                    .fetch_one(&mut *tx)
                    .await?;
            for n in had + 1..=had + more_copies {
                sqlx::query(
                    "INSERT INTO book_copies (community_id, book_id, code) VALUES ($1, $2, $3)",
                )
                .bind(book.community_id)
                .bind(book.id)
                .bind(rules::copy_code(book.id, n))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok::<(), sqlx::Error>(())
        }
        .await
    })?;
    Ok(())
}

pub async fn set_cover(
    db: &Db,
    book_id: i64,
    jpeg: &[u8],
    width: u32,
    height: u32,
) -> Result<(), StoreError> {
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO book_covers (book_id, jpeg, width, height) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (book_id) DO UPDATE SET jpeg = excluded.jpeg, width = excluded.width, height = excluded.height"
    )
    .bind(book_id)
    .bind(jpeg)
    .bind(i64::from(width))
    .bind(i64::from(height))
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

pub async fn cover(
    db: &Db,
    community_id: i64,
    book_id: i64,
) -> Result<Option<Vec<u8>>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_scalar::<_, Vec<u8>>(
        "SELECT v.jpeg FROM book_covers v JOIN books b ON b.id = v.book_id WHERE v.book_id = $1 AND b.community_id = $2"
    )
    .bind(book_id)
    .bind(community_id)
    .fetch_optional(pool)
    .await
    })?)
}

/// The whole catalogue, for the CSV export.
pub async fn all(db: &Db, community_id: i64) -> Result<Vec<Book>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Book>(
        sqlx::AssertSqlSafe(format!(
            "{BOOK_SELECT} WHERE b.community_id = $1 ORDER BY b.shelf, b.title, b.id"
        ))
    )
    .bind(community_id)
    .fetch_all(pool)
    .await)?)
}
