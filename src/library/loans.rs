//! Loans, returns, renewals and holds as stored. Each desk action is one
//! write transaction; a copy's one open loan is also held by a unique
//! index, so two desks lending the same copy at once lend it once.

use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;

use super::rules::{self, Scanned};

/// An open or past loan, with what the person and the desk read of it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Loan {
    pub id: i64,
    pub book_id: i64,
    pub title: String,
    pub copy_code: String,
    pub account_id: i64,
    pub borrower: String,
    pub flat: Option<String>,
    pub lent_at: i64,
    pub due_at: i64,
    pub renewals: i64,
    pub returned_at: Option<i64>,
}

const LOAN_SELECT: &str = "SELECT l.id, l.book_id, b.title, c.code AS copy_code, l.account_id, a.display_name AS borrower, \
    (SELECT MIN(p.code) FROM household_members h JOIN places p ON p.id = h.place_id WHERE h.account_id = l.account_id) AS flat, \
    l.lent_at, l.due_at, l.renewals, l.returned_at \
    FROM loans l JOIN books b ON b.id = l.book_id JOIN book_copies c ON c.id = l.copy_id JOIN accounts a ON a.id = l.account_id";

/// Why the desk could not lend or take back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    UnknownIsbn,
    UnknownCopy,
    /// The copy is out (to whom is on the copy's page).
    OnLoan,
    /// Every copy of the title is out or kept.
    NoneOnShelf,
    /// The copy is kept for a resident who asked first.
    KeptForAnother,
    /// Nothing of that title or copy is out.
    NotOnLoan,
    /// Several copies of the ISBN are out: the copy's code says which.
    WhichCopy,
}

impl Refusal {
    pub fn key(self) -> &'static str {
        match self {
            Refusal::UnknownIsbn => "library-error-unknown-isbn",
            Refusal::UnknownCopy => "library-error-unknown-copy",
            Refusal::OnLoan => "library-error-on-loan",
            Refusal::NoneOnShelf => "library-error-none-on-shelf",
            Refusal::KeptForAnother => "library-error-kept",
            Refusal::NotOnLoan => "library-error-not-on-loan",
            Refusal::WhichCopy => "library-error-which-copy",
        }
    }
}

pub async fn get(db: &Db, community_id: i64, id: i64) -> Result<Option<Loan>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Loan>(
        sqlx::AssertSqlSafe(format!(
            "{LOAN_SELECT} WHERE l.id = $1 AND l.community_id = $2"
        ))
    )
    .bind(id)
    .bind(community_id)
    .fetch_optional(pool)
    .await)?)
}

/// A person's loans: open ones first, then the last returned.
pub async fn of_account(db: &Db, account_id: i64, limit: i64) -> Result<Vec<Loan>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Loan>(
        sqlx::AssertSqlSafe(format!(
            "{LOAN_SELECT} WHERE l.account_id = $1 \
         ORDER BY CASE WHEN l.returned_at IS NULL THEN 0 ELSE 1 END, l.due_at, l.id DESC LIMIT $2"
        ))
    )
    .bind(account_id)
    .bind(limit)
    .fetch_all(pool)
    .await)?)
}

/// Open loans of the community past their due date, the longest overdue
/// first (or all open loans).
pub async fn open(db: &Db, community_id: i64, overdue_only: bool) -> Result<Vec<Loan>, StoreError> {
    let due_before = if overdue_only { now() } else { i64::MAX };
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Loan>(sqlx::AssertSqlSafe(format!(
        "{LOAN_SELECT} WHERE l.community_id = $1 AND l.returned_at IS NULL AND l.due_at < $2 ORDER BY l.due_at, l.id LIMIT 500"
    )))
    .bind(community_id)
    .bind(due_before)
    .fetch_all(pool)
    .await
    })?)
}

/// Takes the copy the desk scanned for a title: the one kept for this
/// person, else the first on the shelf.
macro_rules! copy_to_lend {
    ($tx:expr, $community_id:expr, $scanned:expr, $account_id:expr) => {{
        let copies: Vec<(i64, i64, bool, bool, Option<i64>)> = match $scanned {
            Scanned::Copy(code) => sqlx::query_as(
                "SELECT c.id, c.book_id, c.withdrawn, \
                 EXISTS (SELECT 1 FROM loans l WHERE l.copy_id = c.id AND l.returned_at IS NULL), \
                 (SELECT h.account_id FROM book_holds h WHERE h.copy_id = c.id AND h.state = 'ready') \
                 FROM book_copies c WHERE c.community_id = $1 AND c.code = $2",
            )
            .bind($community_id)
            .bind(code)
            .fetch_all(&mut *$tx)
            .await?,
            Scanned::Isbn(isbn) => sqlx::query_as(
                "SELECT c.id, c.book_id, c.withdrawn, \
                 EXISTS (SELECT 1 FROM loans l WHERE l.copy_id = c.id AND l.returned_at IS NULL), \
                 (SELECT h.account_id FROM book_holds h WHERE h.copy_id = c.id AND h.state = 'ready') \
                 FROM book_copies c JOIN books b ON b.id = c.book_id \
                 WHERE b.community_id = $1 AND b.isbn = $2 ORDER BY c.id",
            )
            .bind($community_id)
            .bind(isbn)
            .fetch_all(&mut *$tx)
            .await?,
        };
        let usable = |c: &&(i64, i64, bool, bool, Option<i64>)| !c.2 && !c.3;
        let kept_for_them = copies.iter().filter(usable).find(|c| c.4 == Some($account_id));
        let free = copies.iter().filter(usable).find(|c| c.4.is_none());
        match (kept_for_them.or(free), copies.first(), $scanned) {
            (Some(c), _, _) => Ok((c.0, c.1)),
            (None, None, Scanned::Isbn(_)) => Err(Refusal::UnknownIsbn),
            (None, None, Scanned::Copy(_)) => Err(Refusal::UnknownCopy),
            (None, Some(c), Scanned::Copy(_)) if c.2 => Err(Refusal::UnknownCopy),
            (None, Some(c), Scanned::Copy(_)) if c.3 => Err(Refusal::OnLoan),
            (None, Some(_), Scanned::Copy(_)) => Err(Refusal::KeptForAnother),
            (None, Some(_), Scanned::Isbn(_)) => Err(Refusal::NoneOnShelf),
        }
    }};
}

/// Lends the scanned copy (or a copy of the scanned title) to a resident.
pub async fn lend(
    db: &Db,
    community_id: i64,
    scanned: &Scanned,
    account_id: i64,
    by: i64,
) -> Result<Result<i64, Refusal>, StoreError> {
    let at = now();
    let due_at = rules::due(at);
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let (copy_id, book_id) = match copy_to_lend!(tx, community_id, scanned, account_id) {
                Ok(found) => found,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let inserted = sqlx::query_scalar::<_, i64>(
                "INSERT INTO loans (community_id, copy_id, book_id, account_id, lent_by, lent_at, due_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(community_id)
            .bind(copy_id)
            .bind(book_id)
            .bind(account_id)
            .bind(by)
            .bind(at)
            .bind(due_at)
            .fetch_one(&mut *tx)
            .await;
            let id = match inserted {
                Ok(id) => id,
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                    return Ok(Err(Refusal::OnLoan));
                }
                Err(e) => return Err(e),
            };
            sqlx::query(
                "UPDATE book_holds SET state = 'done' WHERE book_id = $1 AND account_id = $2 AND state IN ('waiting', 'ready')",
            )
            .bind(book_id)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Ok(id))
        }
        .await
    })?)
}

/// Keeps a copy that came back for the first resident waiting for its
/// title, and tells them.
macro_rules! pass_on {
    ($tx:expr, $book_id:expr, $copy_id:expr, $at:expr) => {{
        // The first one waiting, claimed by an UPDATE that takes it only
        // while it still waits: another desk may pass a copy at once.
        let mut kept_for = None;
        for _ in 0..3 {
            let next: Option<(i64, i64)> = sqlx::query_as(
                "SELECT id, account_id FROM book_holds WHERE book_id = $1 AND state = 'waiting' \
                 ORDER BY created_at, id LIMIT 1",
            )
            .bind($book_id)
            .fetch_optional(&mut *$tx)
            .await?;
            let Some((hold_id, holder)) = next else {
                break;
            };
            let claimed = sqlx::query(
                "UPDATE book_holds SET state = 'ready', copy_id = $1, ready_until = $2 WHERE id = $3 AND state = 'waiting'",
            )
            .bind($copy_id)
            .bind($at + $crate::library::rules::KEEP_DAYS * 86_400)
            .bind(hold_id)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
            if claimed == 1 {
                sqlx::query(
                    "INSERT INTO notifications (account_id, message_key, detail, created_at) \
                     SELECT $1, 'notify-library-hold-ready', b.title, $2 FROM books b WHERE b.id = $3",
                )
                .bind(holder)
                .bind($at)
                .bind($book_id)
                .execute(&mut *$tx)
                .await?;
                kept_for = Some(holder);
                break;
            }
        }
        kept_for
    }};
}
pub(super) use pass_on;

/// What came back, and whom the copy is now kept for.
#[derive(Debug, Clone)]
pub struct Returned {
    pub loan_id: i64,
    pub kept_for: Option<i64>,
}

/// Takes back the scanned copy (or the one copy of the scanned title out).
pub async fn give_back(
    db: &Db,
    community_id: i64,
    scanned: &Scanned,
    by: i64,
) -> Result<Result<Returned, Refusal>, StoreError> {
    let at = now();
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let out: Vec<(i64, i64, i64)> = match scanned {
                Scanned::Copy(code) => sqlx::query_as(
                    "SELECT l.id, l.copy_id, l.book_id FROM loans l JOIN book_copies c ON c.id = l.copy_id \
                     WHERE c.community_id = $1 AND c.code = $2 AND l.returned_at IS NULL",
                )
                .bind(community_id)
                .bind(code)
                .fetch_all(&mut *tx)
                .await?,
                Scanned::Isbn(isbn) => sqlx::query_as(
                    "SELECT l.id, l.copy_id, l.book_id FROM loans l JOIN books b ON b.id = l.book_id \
                     WHERE b.community_id = $1 AND b.isbn = $2 AND l.returned_at IS NULL",
                )
                .bind(community_id)
                .bind(isbn)
                .fetch_all(&mut *tx)
                .await?,
            };
            let (loan_id, copy_id, book_id) = match out.as_slice() {
                [one] => *one,
                [] => {
                    let known: Option<i64> = match scanned {
                        Scanned::Copy(code) => sqlx::query_scalar(
                            "SELECT id FROM book_copies WHERE community_id = $1 AND code = $2",
                        )
                        .bind(community_id)
                        .bind(code),
                        Scanned::Isbn(isbn) => sqlx::query_scalar(
                            "SELECT id FROM books WHERE community_id = $1 AND isbn = $2 LIMIT 1",
                        )
                        .bind(community_id)
                        .bind(isbn),
                    }
                    .fetch_optional(&mut *tx)
                    .await?;
                    return Ok(Err(match (known, scanned) {
                        (Some(_), _) => Refusal::NotOnLoan,
                        (None, Scanned::Copy(_)) => Refusal::UnknownCopy,
                        (None, Scanned::Isbn(_)) => Refusal::UnknownIsbn,
                    }));
                }
                _ => return Ok(Err(Refusal::WhichCopy)),
            };
            let closed = sqlx::query(
                "UPDATE loans SET returned_at = $1, returned_by = $2 WHERE id = $3 AND returned_at IS NULL",
            )
            .bind(at)
            .bind(by)
            .bind(loan_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if closed == 0 {
                // Taken back by another desk meanwhile.
                return Ok(Err(Refusal::NotOnLoan));
            }
            let kept_for = pass_on!(tx, book_id, copy_id, at);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Ok(Returned { loan_id, kept_for }))
        }
        .await
    })?)
}

/// Renews an open loan once, unless someone waits for the title.
pub async fn renew(db: &Db, loan: &Loan) -> Result<Result<i64, rules::NoRenewal>, StoreError> {
    let at = now();
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let (due_at, renewals, returned_at): (i64, i64, Option<i64>) =
                sqlx::query_as("SELECT due_at, renewals, returned_at FROM loans WHERE id = $1")
                    .bind(loan.id)
                    .fetch_one(&mut *tx)
                    .await?;
            let waiting: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM book_holds WHERE book_id = $1 AND state = 'waiting')",
            )
            .bind(loan.book_id)
            .fetch_one(&mut *tx)
            .await?;
            let due = match rules::renew(due_at, renewals, returned_at.is_some(), waiting, at) {
                Ok(due) => due,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let renewed = sqlx::query(
                "UPDATE loans SET due_at = $1, renewals = renewals + 1, reminded_at = NULL \
                 WHERE id = $2 AND renewals = $3 AND returned_at IS NULL",
            )
            .bind(due)
            .bind(loan.id)
            .bind(renewals)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if renewed == 0 {
                return Ok(Err(rules::NoRenewal::LimitReached));
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Ok(due))
        }
        .await
    })?)
}

/// The book corner's minute: reminders two days before a due date (each
/// loan claimed by one UPDATE, so two instances remind once), and copies
/// kept too long passed to the next in the queue.
pub async fn sweep(db: &Db) -> Result<(), StoreError> {
    let at = now();
    on_db!(db, |pool| {
        async {
            let due: Vec<(i64, i64, String, i64, String)> = sqlx::query_as(
                "SELECT l.id, l.account_id, b.title, l.due_at, m.timezone FROM loans l JOIN books b ON b.id = l.book_id \
                 JOIN communities m ON m.id = l.community_id WHERE l.returned_at IS NULL AND l.reminded_at IS NULL AND l.due_at > $1 AND l.due_at <= $2",
            )
            .bind(at)
            .bind(at + rules::REMIND_BEFORE)
            .fetch_all(pool)
            .await?;
            for (loan_id, account_id, title, due_at, zone) in due {
                let mut tx = pool.begin_write().await?;
                let claimed = sqlx::query("UPDATE loans SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL")
                    .bind(at)
                    .bind(loan_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if claimed == 1 && rules::remind_now(due_at, false, at) {
                    sqlx::query(
                        "INSERT INTO notifications (account_id, message_key, detail, created_at) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(account_id)
                    .bind("notify-library-due")
                    .bind(format!("{title} · {}", local_day(&zone, due_at)))
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
            }
            let lapsed: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(
                "SELECT id, book_id, copy_id FROM book_holds WHERE state = 'ready' AND ready_until < $1",
            )
            .bind(at)
            .fetch_all(pool)
            .await?;
            for (hold_id, book_id, copy_id) in lapsed {
                let mut tx = pool.begin_write().await?;
                let claimed = sqlx::query("UPDATE book_holds SET state = 'lapsed' WHERE id = $1 AND state = 'ready'")
                    .bind(hold_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if let (1, Some(copy_id)) = (claimed, copy_id) {
                    pass_on!(tx, book_id, copy_id, at);
                }
                tx.commit().await?;
            }
            Ok::<(), sqlx::Error>(())
        }
        .await
    })?;
    Ok(())
}

/// A day in a community's zone, e.g. `2026-12-20`.
pub fn local_day(zone: &str, at: i64) -> String {
    let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    crate::rooms::rules::local(&tz, at)
        .map(|t| t.date().to_string())
        .unwrap_or_default()
}
