//! Polls as stored. A vote replaces the voter's earlier ballot inside one
//! transaction, refused by the database itself once the poll is closed;
//! only counts ever leave this file, never who chose what.

use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Poll {
    pub id: i64,
    pub community_id: i64,
    pub title_zh: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_en: String,
    pub per: String,
    pub live_results: bool,
    pub opens_at: i64,
    pub closes_at: i64,
    pub ballots: i64,
}

impl Poll {
    pub fn stage(&self, at: i64) -> super::rules::Stage {
        super::rules::Stage::at(self.opens_at, self.closes_at, at)
    }
    pub fn results_shown(&self, at: i64) -> bool {
        super::rules::results_shown(self.live_results, self.stage(at))
    }
}

const POLL_SELECT: &str = "SELECT p.id, p.community_id, p.title_zh, p.title_en, p.body_zh, p.body_en, p.per, \
    p.live_results, p.opens_at, p.closes_at, (SELECT COUNT(*) FROM poll_ballots b WHERE b.poll_id = p.id) AS ballots \
    FROM polls p";

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Question {
    pub id: i64,
    pub text_zh: String,
    pub text_en: String,
    pub multiple: bool,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Choice {
    pub id: i64,
    pub question_id: i64,
    pub text_zh: String,
    pub text_en: String,
    /// Ballots marking it (filled only where results may be shown).
    pub votes: i64,
}

/// The community's polls: open ones first, then the latest closed.
pub async fn list(db: &Db, community_id: i64, limit: i64) -> Result<Vec<Poll>, StoreError> {
    let sql = format!(
        "{POLL_SELECT} WHERE p.community_id = $1 ORDER BY CASE WHEN p.closes_at > $2 THEN 0 ELSE 1 END, p.closes_at DESC LIMIT $3"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Poll>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .bind(now())
    .bind(limit)
    .fetch_all(pool)
    .await)?)
}

pub async fn get(db: &Db, community_id: i64, id: i64) -> Result<Option<Poll>, StoreError> {
    let sql = format!("{POLL_SELECT} WHERE p.community_id = $1 AND p.id = $2");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Poll>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .bind(id)
    .fetch_optional(pool)
    .await)?)
}

pub async fn questions(db: &Db, poll_id: i64) -> Result<Vec<Question>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Question>(
        "SELECT id, text_zh, text_en, multiple FROM poll_questions WHERE poll_id = $1 ORDER BY position"
    )
    .bind(poll_id)
    .fetch_all(pool)
    .await
    })?)
}

/// A poll's choices; with their counts when `counted`.
pub async fn choices(db: &Db, poll_id: i64, counted: bool) -> Result<Vec<Choice>, StoreError> {
    let mut choices = on_db!(db, |pool| {
        sqlx::query_as::<_, Choice>(
        "SELECT c.id, c.question_id, c.text_zh, c.text_en, CAST(0 AS BIGINT) AS votes FROM poll_choices c \
         WHERE c.poll_id = $1 ORDER BY c.question_id, c.position"
    )
    .bind(poll_id)
    .fetch_all(pool)
    .await
    })?;
    if counted {
        let ballots = on_db!(db, |pool| sqlx::query_scalar::<_, String>(
            "SELECT choices FROM poll_ballots WHERE poll_id = $1"
        )
        .bind(poll_id)
        .fetch_all(pool)
        .await)?;
        let counts = super::rules::tally(ballots.iter().map(String::as_str));
        for c in &mut choices {
            c.votes = counts.get(&c.id).copied().unwrap_or(0);
        }
    }
    Ok(choices)
}

/// What a ballot may mark: each choice with its question and whether
/// that question takes several; in the poll's order. One read, for voting.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Offered {
    pub choice_id: i64,
    pub question_id: i64,
    pub multiple: bool,
}

pub async fn offered(db: &Db, poll_id: i64) -> Result<Vec<Offered>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Offered>(
        "SELECT c.id AS choice_id, q.id AS question_id, q.multiple FROM poll_choices c \
         JOIN poll_questions q ON q.id = c.question_id WHERE c.poll_id = $1 ORDER BY q.position, c.position"
    )
    .bind(poll_id)
    .fetch_all(pool)
    .await
    })?)
}

pub struct NewQuestion {
    pub text_zh: String,
    pub text_en: String,
    pub multiple: bool,
    /// (zh, en)
    pub choices: Vec<(String, String)>,
}

pub struct NewPoll {
    pub title_zh: String,
    pub title_en: String,
    pub body_zh: String,
    pub body_en: String,
    pub per: &'static str,
    pub live_results: bool,
    pub opens_at: i64,
    pub closes_at: i64,
    pub questions: Vec<NewQuestion>,
}

pub async fn create(
    db: &Db,
    community_id: i64,
    by: i64,
    poll: &NewPoll,
) -> Result<i64, StoreError> {
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id = sqlx::query_scalar::<_, i64>(
                "INSERT INTO polls (community_id, title_zh, title_en, body_zh, body_en, per, live_results, \
                 opens_at, closes_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(community_id)
            .bind(&poll.title_zh)
            .bind(&poll.title_en)
            .bind(&poll.body_zh)
            .bind(&poll.body_en)
            .bind(poll.per)
            .bind(poll.live_results)
            .bind(poll.opens_at)
            .bind(poll.closes_at)
            .bind(by)
            .bind(now())
            .fetch_one(&mut *tx)
            .await?;
            for (qi, q) in poll.questions.iter().enumerate() {
                let question = sqlx::query_scalar::<_, i64>(
                    "INSERT INTO poll_questions (poll_id, position, text_zh, text_en, multiple) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(id)
                .bind(qi as i64)
                .bind(&q.text_zh)
                .bind(&q.text_en)
                .bind(q.multiple)
                .fetch_one(&mut *tx)
                .await?;
                for (ci, (zh, en)) in q.choices.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO poll_choices (question_id, poll_id, position, text_zh, text_en) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(question)
                    .bind(id)
                    .bind(ci as i64)
                    .bind(zh)
                    .bind(en)
                    .execute(&mut *tx)
                    .await?;
                }
            }
            tx.commit().await?;
            Ok::<i64, sqlx::Error>(id)
        }
        .await
    })?)
}

/// A ballot to cast: whose it is, the building it counts for, the marks.
pub struct Ballot<'a> {
    pub voter: &'a str,
    pub building_id: Option<i64>,
    /// The person who voted, or whose paper ballot reception recorded
    /// (none for a household without an account).
    pub cast_by: Option<i64>,
    pub paper: bool,
    pub choices: &'a [i64],
}

/// What casting did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cast {
    /// Counted; `replaced` when it took the place of an earlier ballot.
    Counted { replaced: bool },
    /// The poll is not open (closed meanwhile, or not yet).
    NotOpen,
}

/// Casts a ballot, replacing the voter's earlier one; the poll's being
/// open is checked by the same statement that writes.
pub async fn cast(db: &Db, poll_id: i64, ballot: &Ballot<'_>) -> Result<Cast, StoreError> {
    let marks = super::rules::marks_text(ballot.choices);
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            // The time once the write lock is held: a ballot that waited
            // for it past the close is not counted.
            let at = now();
            const OPEN: &str = "EXISTS (SELECT 1 FROM polls WHERE id = $1 AND opens_at <= $6 AND closes_at > $6)";
            // Mostly a vote changes the household's ballot: one statement.
            let replaced = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                "UPDATE poll_ballots SET building_id = $3, cast_by = $4, paper = $5, cast_at = $6, choices = $7 \
                 WHERE poll_id = $1 AND voter = $2 AND {OPEN} RETURNING id"
            )))
            .bind(poll_id)
            .bind(ballot.voter)
            .bind(ballot.building_id)
            .bind(ballot.cast_by)
            .bind(ballot.paper)
            .bind(at)
            .bind(&marks)
            .fetch_optional(&mut *tx)
            .await?;
            let (id, was) = match replaced {
                Some(id) => (Some(id), true),
                None => {
                    let id = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                        "INSERT INTO poll_ballots (poll_id, voter, building_id, cast_by, paper, cast_at, choices) \
                         SELECT $1, $2, $3, $4, $5, $6, $7 WHERE {OPEN} \
                         ON CONFLICT (poll_id, voter) DO UPDATE SET building_id = excluded.building_id, \
                         cast_by = excluded.cast_by, paper = excluded.paper, cast_at = excluded.cast_at, \
                         choices = excluded.choices RETURNING id"
                    )))
                    .bind(poll_id)
                    .bind(ballot.voter)
                    .bind(ballot.building_id)
                    .bind(ballot.cast_by)
                    .bind(ballot.paper)
                    .bind(at)
                    .bind(&marks)
                    .fetch_optional(&mut *tx)
                    .await?;
                    (id, false)
                }
            };
            if id.is_none() {
                return Ok(Cast::NotOpen);
            }
            tx.commit().await?;
            Ok::<Cast, sqlx::Error>(Cast::Counted { replaced: was })
        }
        .await
    })?)
}

/// When the voter's ballot was cast, if it was (never what it says).
pub async fn cast_at(db: &Db, poll_id: i64, voter: &str) -> Result<Option<i64>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT cast_at FROM poll_ballots WHERE poll_id = $1 AND voter = $2"
    )
    .bind(poll_id)
    .bind(voter)
    .fetch_optional(pool)
    .await)?)
}

/// Turnout by building: (building's names, ballots, who could vote).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Turnout {
    pub name_zh: String,
    pub name_en: String,
    pub voted: i64,
    pub could: i64,
}

pub async fn turnout(db: &Db, poll: &Poll) -> Result<Vec<Turnout>, StoreError> {
    // Who could vote in a building: its flats, or the people living there.
    let could = if poll.per == "household" {
        "(SELECT COUNT(*) FROM places u WHERE u.parent_id = b.id AND u.kind = 'unit')"
    } else {
        "(SELECT COUNT(DISTINCT h.account_id) FROM household_members h JOIN places u ON u.id = h.place_id WHERE u.parent_id = b.id)"
    };
    let sql = format!(
        "SELECT b.name_zh, b.name_en, \
         (SELECT COUNT(*) FROM poll_ballots x WHERE x.poll_id = $1 AND x.building_id = b.id) AS voted, \
         {could} AS could FROM places b WHERE b.community_id = $2 AND b.kind = 'building' ORDER BY b.code"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Turnout>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(poll.id)
    .bind(poll.community_id)
    .fetch_all(pool)
    .await)?)
}

/// The polls a person cast a ballot in themselves, and when: their part of
/// the own-data download (never the choices: a household's ballot is
/// secret from its other members and from the desk that prints the copy).
pub async fn voted_by(
    db: &Db,
    account_id: i64,
) -> Result<Vec<(i64, String, i64, bool)>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, (i64, String, i64, bool)>(
        "SELECT p.id, p.title_zh, b.cast_at, b.paper FROM poll_ballots b JOIN polls p ON p.id = b.poll_id \
         WHERE b.cast_by = $1 ORDER BY b.cast_at"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
    })?)
}
