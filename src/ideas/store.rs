//! Ideas, supports, comments and answers as stored. Counting a support and
//! putting an idea on the agenda happen in one transaction, so two
//! supports at once never count as one and the agenda is told once.

use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;

/// Puts an idea on the branch's agenda inside a write transaction; its
/// workgroup and the secretary hear of it. Once: an idea on the agenda
/// already is left as it is.
macro_rules! put_on_agenda {
    ($tx:expr, $idea:expr, $at:expr) => {
        let fresh = sqlx::query("UPDATE ideas SET agenda_at = $1 WHERE id = $2 AND agenda_at IS NULL")
            .bind($at)
            .bind($idea.id)
            .execute(&mut *$tx)
            .await?
            .rows_affected();
        if fresh > 0 {
            sqlx::query(
                "INSERT INTO notifications (account_id, message_key, detail, created_at) \
                 SELECT DISTINCT a.id, 'notify-idea-agenda', $1, $2 FROM accounts a \
                 LEFT JOIN workgroup_members m ON m.account_id = a.id AND m.workgroup_id = $3 \
                 WHERE a.community_id = $4 AND a.active AND (a.role = 'admin' OR m.account_id IS NOT NULL)",
            )
            .bind(detail($idea))
            .bind($at)
            .bind($idea.workgroup_id)
            .bind($idea.community_id)
            .execute(&mut *$tx)
            .await?;
        }
    };
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Idea {
    pub id: i64,
    pub community_id: i64,
    pub author_id: i64,
    pub author_name: String,
    pub title: String,
    pub body: String,
    pub place_id: Option<i64>,
    pub place_zh: Option<String>,
    pub place_en: Option<String>,
    pub workgroup_id: Option<i64>,
    pub workgroup_zh: Option<String>,
    pub workgroup_en: Option<String>,
    pub state: String,
    pub planned_for: String,
    pub supports: i64,
    pub agenda_at: Option<i64>,
    pub first_answer_at: Option<i64>,
    pub answered_at: Option<i64>,
    pub moderation: String,
    pub moderation_reason: String,
    pub created_at: i64,
    pub comments: i64,
    /// The latest answer's words.
    pub answer_body: String,
}

const IDEA_SELECT: &str = "SELECT i.id, i.community_id, i.author_id, \
    CASE WHEN i.author_named THEN a.display_name ELSE '' END AS author_name, i.title, i.body, \
    i.place_id, p.name_zh AS place_zh, p.name_en AS place_en, \
    COALESCE(i.workgroup_id, vs.idea_workgroup_id) AS workgroup_id, w.name_zh AS workgroup_zh, \
    w.name_en AS workgroup_en, i.state, i.planned_for, i.supports, i.agenda_at, i.first_answer_at, i.answered_at, \
    i.moderation, i.moderation_reason, i.created_at, \
    (SELECT COUNT(*) FROM idea_comments c WHERE c.idea_id = i.id AND c.moderation = 'shown') AS comments, \
    COALESCE((SELECT x.body FROM idea_answers x WHERE x.idea_id = i.id ORDER BY x.id DESC LIMIT 1), '') AS answer_body \
    FROM ideas i JOIN accounts a ON a.id = i.author_id LEFT JOIN places p ON p.id = i.place_id \
    LEFT JOIN voice_settings vs ON vs.community_id = i.community_id \
    LEFT JOIN workgroups w ON w.id = COALESCE(i.workgroup_id, vs.idea_workgroup_id)";

/// Which ideas a list shows, and in what order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Newest,
    MostSupported,
    Agenda,
    /// "You said, we did": answered ideas, the latest answer first.
    Answered,
}

impl Listing {
    pub const ALL: [Listing; 4] = [
        Listing::Newest,
        Listing::MostSupported,
        Listing::Agenda,
        Listing::Answered,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Listing::Newest => "newest",
            Listing::MostSupported => "supported",
            Listing::Agenda => "agenda",
            Listing::Answered => "answered",
        }
    }
    pub fn parse(s: &str) -> Listing {
        Listing::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .unwrap_or(Listing::Newest)
    }
}

/// The shown ideas of a community, as the listing asks.
pub async fn list(
    db: &Db,
    community_id: i64,
    listing: Listing,
    limit: i64,
) -> Result<Vec<Idea>, StoreError> {
    list_from(db, community_id, listing, limit, 0).await
}

/// A page of the list: `limit` ideas after the first `skip`.
pub async fn list_from(
    db: &Db,
    community_id: i64,
    listing: Listing,
    limit: i64,
    skip: i64,
) -> Result<Vec<Idea>, StoreError> {
    let (filter, order) = match listing {
        Listing::Newest => ("", "i.id DESC"),
        Listing::MostSupported => ("", "i.supports DESC, i.id DESC"),
        Listing::Agenda => (
            " AND i.agenda_at IS NOT NULL",
            "i.agenda_at DESC, i.id DESC",
        ),
        Listing::Answered => (
            " AND i.answered_at IS NOT NULL",
            "i.answered_at DESC, i.id DESC",
        ),
    };
    let sql = format!(
        "{IDEA_SELECT} WHERE i.community_id = $1 AND i.moderation = 'shown'{filter} ORDER BY {order} LIMIT $2 OFFSET $3"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Idea>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .bind(limit)
    .bind(skip)
    .fetch_all(pool)
    .await)?)
}

/// One idea of the community, whatever its moderation (callers decide who
/// may see a held or hidden one).
pub async fn get(db: &Db, community_id: i64, id: i64) -> Result<Option<Idea>, StoreError> {
    let sql = format!("{IDEA_SELECT} WHERE i.community_id = $1 AND i.id = $2");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Idea>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .bind(id)
    .fetch_optional(pool)
    .await)?)
}

/// A person's own ideas, shown or not (`waiting`: only those held or
/// hidden).
pub async fn of_author(db: &Db, account_id: i64, waiting: bool) -> Result<Vec<Idea>, StoreError> {
    let filter = if waiting {
        " AND i.moderation <> 'shown'"
    } else {
        ""
    };
    let sql = format!("{IDEA_SELECT} WHERE i.author_id = $1{filter} ORDER BY i.id DESC");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Idea>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(account_id)
    .fetch_all(pool)
    .await)?)
}

/// The community's settings for ideas (the defaults when never saved).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, serde::Deserialize, Default)]
pub struct Settings {
    pub idea_supports: i64,
    pub idea_percent: i64,
    pub idea_workgroup_id: Option<i64>,
    pub held_words: String,
}

pub async fn settings(db: &Db, community_id: i64) -> Result<Settings, StoreError> {
    let saved = on_db!(db, |pool| {
        sqlx::query_as::<_, Settings>(
        "SELECT idea_supports, idea_percent, idea_workgroup_id, held_words FROM voice_settings WHERE community_id = $1"
    )
    .bind(community_id)
    .fetch_optional(pool)
    .await
    })?;
    Ok(saved.unwrap_or(Settings {
        idea_supports: 30,
        idea_percent: 5,
        idea_workgroup_id: None,
        held_words: String::new(),
    }))
}

pub async fn save_settings(db: &Db, community_id: i64, s: &Settings) -> Result<(), StoreError> {
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO voice_settings (community_id, idea_supports, idea_percent, idea_workgroup_id, held_words) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (community_id) DO UPDATE SET idea_supports = $2, \
         idea_percent = $3, idea_workgroup_id = $4, held_words = $5"
    )
    .bind(community_id)
    .bind(s.idea_supports)
    .bind(s.idea_percent)
    .bind(s.idea_workgroup_id)
    .bind(&s.held_words)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(())
}

/// Whether a post's words hold it for a moderator.
pub async fn holds(db: &Db, community_id: i64, text: &str) -> Result<bool, StoreError> {
    let s = settings(db, community_id).await?;
    Ok(!super::rules::held_words(&s.held_words, text).is_empty())
}

/// The community's households: its flats.
pub async fn households(db: &Db, community_id: i64) -> Result<i64, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM places WHERE community_id = $1 AND kind = 'unit'"
    )
    .bind(community_id)
    .fetch_one(pool)
    .await)?)
}

/// The community's threshold now.
pub async fn threshold(db: &Db, community_id: i64) -> Result<Option<i64>, StoreError> {
    let s = settings(db, community_id).await?;
    let households = households(db, community_id).await?;
    Ok(super::rules::threshold(
        s.idea_supports,
        s.idea_percent,
        households,
    ))
}

pub struct NewIdea<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub place_id: Option<i64>,
    pub workgroup_id: Option<i64>,
    /// Held for a moderator (a held word).
    pub held: bool,
}

pub async fn create(
    db: &Db,
    community_id: i64,
    author_id: i64,
    idea: &NewIdea<'_>,
    photos: &[crate::photos::ProcessedPhoto],
) -> Result<i64, StoreError> {
    let at = now();
    let moderation = if idea.held { "held" } else { "shown" };
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let id = sqlx::query_scalar::<_, i64>(
                "INSERT INTO ideas (community_id, author_id, title, body, place_id, workgroup_id, moderation, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(community_id)
            .bind(author_id)
            .bind(idea.title)
            .bind(idea.body)
            .bind(idea.place_id)
            .bind(idea.workgroup_id)
            .bind(moderation)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            crate::save_voice_photos!(tx, community_id, "idea", id, photos);
            tx.commit().await?;
            Ok::<i64, sqlx::Error>(id)
        }
        .await
    })?)
}

/// What supporting did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supported {
    /// Counted; `agenda` when this support put the idea on the agenda.
    Counted { supports: i64, agenda: bool },
    /// The person supports it already.
    Already,
}

/// Supports an idea once per person; puts it on the agenda (and tells its
/// workgroup and the secretary) when the support reaches `threshold`.
pub async fn support(
    db: &Db,
    idea: &Idea,
    account_id: i64,
    threshold: Option<i64>,
) -> Result<Supported, StoreError> {
    let at = now();
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let fresh = sqlx::query(
                "INSERT INTO idea_supports (idea_id, account_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(idea.id)
            .bind(account_id)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if fresh == 0 {
                return Ok(Supported::Already);
            }
            let (supports, agenda_at) = sqlx::query_as::<_, (i64, Option<i64>)>(
                "UPDATE ideas SET supports = supports + 1 WHERE id = $1 RETURNING supports, agenda_at",
            )
            .bind(idea.id)
            .fetch_one(&mut *tx)
            .await?;
            let agenda = agenda_at.is_none() && super::rules::reached(supports, threshold);
            if agenda {
                put_on_agenda!(tx, idea, at);
            }
            tx.commit().await?;
            Ok::<Supported, sqlx::Error>(Supported::Counted { supports, agenda })
        }
        .await
    })?)
}

/// After the threshold changed: ideas it now reaches go on the agenda;
/// returns how many.
pub async fn sweep_agenda(db: &Db, community_id: i64) -> Result<usize, StoreError> {
    let Some(threshold) = threshold(db, community_id).await? else {
        return Ok(0);
    };
    let due: Vec<Idea> = list(db, community_id, Listing::MostSupported, 1000)
        .await?
        .into_iter()
        .filter(|i| i.agenda_at.is_none() && super::rules::reached(i.supports, Some(threshold)))
        .collect();
    let at = now();
    for idea in &due {
        on_db!(db, |pool| {
            async {
                let mut tx = pool.begin_write().await?;
                put_on_agenda!(tx, idea, at);
                tx.commit().await
            }
            .await
        })?;
    }
    Ok(due.len())
}

/// Takes a person's support back; false when they had none.
pub async fn withdraw_support(db: &Db, idea_id: i64, account_id: i64) -> Result<bool, StoreError> {
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let gone =
                sqlx::query("DELETE FROM idea_supports WHERE idea_id = $1 AND account_id = $2")
                    .bind(idea_id)
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            if gone > 0 {
                sqlx::query("UPDATE ideas SET supports = supports - 1 WHERE id = $1")
                    .bind(idea_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok::<bool, sqlx::Error>(gone > 0)
        }
        .await
    })?)
}

pub async fn supports(db: &Db, idea_id: i64, account_id: i64) -> Result<bool, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM idea_supports WHERE idea_id = $1 AND account_id = $2"
    )
    .bind(idea_id)
    .bind(account_id)
    .fetch_one(pool)
    .await)?
        > 0)
}

/// How a notification names an idea: its number and title.
pub fn detail(idea: &Idea) -> String {
    format!("#{} {}", idea.id, idea.title)
}
