//! Queues and search: the requests a team, a neighbour or a resident is
//! shown, with only the filters given reaching the SQL.

use crate::db::{Db, StoreError, now};
use crate::on_db;

use super::model::Status;
use super::record::{REQUEST_COLUMNS, REQUEST_FROM, RequestRow, normalise_code};

#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub workgroup_id: Option<i64>,
    /// Limit to the workgroups this account belongs to.
    pub member_of: Option<i64>,
    pub status: Option<Status>,
    pub category_id: Option<i64>,
    pub place_id: Option<i64>,
    /// A flat: the requests about it and those its household sent (not
    /// anonymously: those would tell who sent them).
    pub household: Option<i64>,
    pub assignee_id: Option<i64>,
    pub overdue_only: bool,
    /// Open requests only (the default view of a queue).
    pub open_only: bool,
    /// Whose queue it is: requests of private categories (legal questions)
    /// show only to members of their workgroup.
    pub viewer_id: Option<i64>,
    /// Words to find in the description (Chinese needs no spaces), or a
    /// tracking code.
    pub words: Option<String>,
}

/// Words to find, as each engine can best look for them: two Chinese
/// characters in the index of character pairs (SQLite); SQLite's
/// trigram index takes three characters or more; otherwise (and on
/// PostgreSQL, whose trigram index serves LIKE) a LIKE on the lower-cased
/// text. A tracking code typed whole is found too.
struct Words {
    /// Two Chinese characters, found in the pairs index (migration 0032).
    pair: Option<String>,
    /// The FTS5 phrase, when SQLite's index can serve it.
    phrase: Option<String>,
    like: String,
    code: Option<String>,
}

impl Words {
    fn new(db: &Db, words: Option<&str>) -> Option<Words> {
        let words = words.map(str::trim).filter(|w| !w.is_empty())?;
        let code = normalise_code(words);
        Some(Words {
            // SQLite only: on PostgreSQL a GIN index of the pairs made the
            // pages slower than LIKE (BENCHMARKS.md, issue 24).
            pair: chinese_pair(words).filter(|_| matches!(db, Db::Sqlite(_))),
            phrase: (matches!(db, Db::Sqlite(_)) && words.chars().count() >= 3)
                .then(|| format!("\"{}\"", words.replace('"', "\"\""))),
            like: crate::db::like_pattern(words),
            code: (code.len() == 8).then_some(code),
        })
    }
}

/// Two characters that are both Chinese (U+3400 to U+9FFF): what
/// migration 0032's pairs index holds.
fn chinese_pair(words: &str) -> Option<String> {
    let mut chars = words.chars();
    let pair = (chars.next()?, chars.next()?);
    let chinese = |c: char| ('\u{3400}'..='\u{9FFF}').contains(&c);
    (chars.next().is_none() && chinese(pair.0) && chinese(pair.1)).then(|| words.to_string())
}

/// The description holds the words: by the index that serves them.
fn push_description_match<DB: sqlx::Database>(
    q: &mut sqlx::QueryBuilder<DB>,
    community_id: i64,
    w: &Words,
) where
    for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    match (&w.pair, &w.phrase) {
        // Migration 0032: each pair is a word of its community.
        (Some(pair), _) => q
            .push("r.id IN (SELECT rowid FROM request_pairs WHERE request_pairs MATCH ")
            .push_bind(format!("\"c{community_id}{pair}\""))
            .push(")"),
        (None, Some(phrase)) => q
            .push("r.id IN (SELECT rowid FROM requests_fts WHERE requests_fts MATCH ")
            .push_bind(phrase.clone())
            .push(")"),
        (None, None) => q
            .push("lower(r.description) LIKE ")
            .push_bind(w.like.clone())
            .push(" ESCAPE '\\'"),
    };
}

/// Open requests, in the order a queue shows them.
const OPEN: &str = "('submitted', 'responded', 'in_progress', 'waiting')";

/// Not finished for the team: open, or referred and waiting on an outside
/// body's answer.
const STILL_OURS: &str = "('submitted', 'responded', 'in_progress', 'waiting', 'referred')";

/// A queue, or search results: only the filters given reach the SQL, so
/// the database can use its indexes (community, workgroup, status) instead
/// of reading every request of the community. In order: a request whose
/// code was typed first; then open requests, dangerous ones first, then the
/// one due soonest; then those waiting on an outside body, the answer due
/// soonest first; then finished ones, most recently changed first.
pub async fn queue(
    db: &Db,
    community_id: i64,
    f: &QueueFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<RequestRow>, StoreError> {
    let words = Words::new(db, f.words.as_deref());
    let at = now();
    Ok(on_db!(db, |pool| {
        // The page's ids are chosen first, reading only the request and its
        // category; the names it refers to are joined for those rows alone.
        let mut q = sqlx::QueryBuilder::new(format!(
            "SELECT {REQUEST_COLUMNS} {REQUEST_FROM} WHERE r.id IN (\
             SELECT r.id FROM requests r JOIN categories c ON c.id = r.category_id WHERE r.community_id = "
        ));
        q.push_bind(community_id);
        if let Some(id) = f.workgroup_id {
            q.push(" AND r.workgroup_id = ").push_bind(id);
        }
        if let Some(id) = f.member_of {
            q.push(" AND r.workgroup_id IN (SELECT workgroup_id FROM workgroup_members WHERE account_id = ")
                .push_bind(id)
                .push(")");
        }
        if let Some(status) = &f.status {
            q.push(" AND r.status = ").push_bind(status.as_str());
        }
        if let Some(id) = f.category_id {
            q.push(" AND r.category_id = ").push_bind(id);
        }
        if let Some(id) = f.place_id {
            q.push(" AND r.place_id = ").push_bind(id);
        }
        if let Some(flat) = f.household {
            // Two indexed lookups (by place, by reporter) rather than an OR
            // that would read the whole community.
            q.push(" AND r.id IN (SELECT id FROM requests WHERE community_id = ")
                .push_bind(community_id)
                .push(" AND place_id = ")
                .push_bind(flat)
                .push(
                    " UNION SELECT id FROM requests WHERE visibility <> 'anonymous' AND reporter_account_id IN \
                       (SELECT account_id FROM household_members WHERE place_id = ",
                )
                .push_bind(flat)
                .push("))");
        }
        if let Some(id) = f.assignee_id {
            q.push(" AND r.assignee_id = ").push_bind(id);
        }
        if f.overdue_only {
            q.push(" AND r.status IN ('submitted', 'responded', 'in_progress') AND ((r.responded_at IS NULL AND r.response_due_at < ")
                .push_bind(at)
                .push(") OR r.resolution_due_at < ")
                .push_bind(at)
                .push(")");
        }
        if f.open_only {
            q.push(format!(" AND r.status IN {STILL_OURS}"));
        }
        // Legal questions and the like: only their own team sees them.
        q.push(" AND (NOT c.private_by_nature OR r.workgroup_id IN (SELECT workgroup_id FROM workgroup_members WHERE account_id = ")
            .push_bind(f.viewer_id)
            .push("))");
        if let Some(w) = &words {
            q.push(" AND (");
            push_description_match(&mut q, community_id, w);
            q.push(" OR lower(c.name_zh) LIKE ")
                .push_bind(w.like.clone())
                .push(" ESCAPE '\\' OR lower(c.name_en) LIKE ")
                .push_bind(w.like.clone())
                .push(" ESCAPE '\\'");
            if let Some(code) = &w.code {
                q.push(" OR r.tracking_code = ").push_bind(code.clone());
            }
            q.push(")");
        }
        let code = words.as_ref().and_then(|w| w.code.clone());
        macro_rules! order {
            () => {
                q.push(" ORDER BY ");
                if let Some(code) = &code {
                    q.push("CASE WHEN r.tracking_code = ")
                        .push_bind(code.clone())
                        .push(" THEN 0 ELSE 1 END, ");
                }
                q.push(format!(
                    "CASE WHEN r.status IN {OPEN} THEN 0 WHEN r.status = 'referred' THEN 1 ELSE 2 END, \
                     CASE WHEN r.status IN {OPEN} THEN \
                         CASE r.urgency WHEN 'danger' THEN 0 WHEN 'utilities' THEN 1 ELSE 2 END ELSE 0 END, \
                     CASE WHEN r.status IN {OPEN} THEN r.resolution_due_at \
                         WHEN r.status = 'referred' THEN COALESCE(r.referral_due_at, 0) ELSE -r.updated_at END, \
                     r.id DESC"
                ));
            };
        }
        order!();
        q.push(" LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset)
            .push(")");
        order!();
        q.build_query_as::<RequestRow>().fetch_all(pool).await
    })?)
}

/// What a neighbour narrows the public list to.
#[derive(Debug, Clone, Default)]
pub struct PublicFilter {
    /// Which requests by where they stand: open ones, solved ones, or all.
    pub state: PublicState,
    pub category_id: Option<i64>,
    /// A building: requests about it and about its flats.
    pub building_id: Option<i64>,
    /// Words to find in the description, or a tracking code.
    pub words: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PublicState {
    #[default]
    Open,
    Solved,
    All,
}

impl PublicState {
    pub const ALL: [PublicState; 3] = [PublicState::Open, PublicState::Solved, PublicState::All];

    pub fn as_str(self) -> &'static str {
        match self {
            PublicState::Open => "open",
            PublicState::Solved => "solved",
            PublicState::All => "all",
        }
    }

    pub fn key(self) -> String {
        format!("list-state-{}", self.as_str())
    }

    pub fn parse(text: &str) -> PublicState {
        PublicState::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .unwrap_or_default()
    }
}

/// The newest requests neighbours may read: never private ones, legal
/// questions or duplicates.
pub async fn public_list(
    db: &Db,
    community_id: i64,
    open_only: bool,
    limit: i64,
) -> Result<Vec<RequestRow>, StoreError> {
    let filter = PublicFilter {
        state: if open_only {
            PublicState::Open
        } else {
            PublicState::All
        },
        ..PublicFilter::default()
    };
    public_search(db, community_id, &filter, limit).await
}

/// The public list, narrowed as a neighbour asked; newest first.
pub async fn public_search(
    db: &Db,
    community_id: i64,
    f: &PublicFilter,
    limit: i64,
) -> Result<Vec<RequestRow>, StoreError> {
    // Newest first: three characters or more are looked for while walking
    // the community's requests in date order, which stops at the page's end
    // (the trigram index covers every community and would read them all).
    let words = Words::new(db, f.words.as_deref()).map(|w| Words { phrase: None, ..w });
    Ok(on_db!(db, |pool| {
        let mut q = sqlx::QueryBuilder::new(format!(
            "SELECT {REQUEST_COLUMNS} {REQUEST_FROM} WHERE r.community_id = "
        ));
        q.push_bind(community_id);
        q.push(" AND r.visibility <> 'private' AND c.private_by_nature = FALSE AND r.status <> 'duplicate'");
        match f.state {
            PublicState::Open => q.push(format!(" AND r.status IN {STILL_OURS}")),
            PublicState::Solved => q.push(" AND r.status IN ('resolved', 'closed')"),
            PublicState::All => &mut q,
        };
        if let Some(id) = f.category_id {
            q.push(" AND r.category_id = ").push_bind(id);
        }
        if let Some(id) = f.building_id {
            q.push(" AND r.place_id IN (SELECT id FROM places WHERE community_id = ")
                .push_bind(community_id)
                .push(" AND (id = ")
                .push_bind(id)
                .push(" OR parent_id = ")
                .push_bind(id)
                .push("))");
        }
        if let Some(w) = &words {
            q.push(" AND (");
            push_description_match(&mut q, community_id, w);
            if let Some(code) = &w.code {
                q.push(" OR r.tracking_code = ").push_bind(code.clone());
            }
            q.push(")");
        }
        // For one building, its few requests are found by place and then
        // sorted (the unary plus keeps SQLite from walking the whole
        // community in date order instead).
        let newest = if f.building_id.is_some() {
            " ORDER BY +r.created_at DESC, r.id DESC LIMIT "
        } else {
            " ORDER BY r.created_at DESC, r.id DESC LIMIT "
        };
        q.push(newest).push_bind(limit);
        q.build_query_as::<RequestRow>().fetch_all(pool).await
    })?)
}

/// Open requests neighbours may read, by building (a flat counts for its
/// building): what the estate map shades.
pub async fn public_open_by_building(
    db: &Db,
    community_id: i64,
) -> Result<Vec<(i64, i64)>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, (i64, i64)>(
        "SELECT CASE WHEN p.kind = 'building' THEN p.id ELSE p.parent_id END AS building, COUNT(*) \
         FROM requests r JOIN categories c ON c.id = r.category_id JOIN places p ON p.id = r.place_id \
         WHERE r.community_id = $1 AND r.visibility <> 'private' AND c.private_by_nature = FALSE \
         AND r.status IN ('submitted', 'responded', 'in_progress', 'waiting', 'referred') \
         AND (p.kind = 'building' OR (p.kind = 'unit' AND p.parent_id IS NOT NULL)) \
         GROUP BY CASE WHEN p.kind = 'building' THEN p.id ELSE p.parent_id END"
    )
    .bind(community_id)
    .fetch_all(pool)
    .await
    })?)
}

/// Open, listed requests of the same category at the same place: "already
/// reported? follow it instead".
pub async fn similar_open(
    db: &Db,
    community_id: i64,
    category_id: i64,
    place_id: Option<i64>,
) -> Result<Vec<RequestRow>, StoreError> {
    let sql = format!(
        "SELECT {REQUEST_COLUMNS} {REQUEST_FROM} WHERE r.community_id = $1 AND r.category_id = $2 \
         AND (($3 IS NULL AND r.place_id IS NULL) OR r.place_id = $3) \
         AND r.visibility <> 'private' AND c.private_by_nature = FALSE \
         AND r.status IN ('submitted', 'responded', 'in_progress', 'waiting') \
         ORDER BY r.created_at DESC LIMIT 5"
    );
    Ok(on_db!(db, |pool| sqlx::query_as::<_, RequestRow>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(community_id)
    .bind(category_id)
    .bind(place_id)
    .fetch_all(pool)
    .await)?)
}

#[cfg(test)]
mod tests {
    use super::chinese_pair;

    #[test]
    fn only_two_chinese_characters_use_the_pairs_index() {
        assert_eq!(chinese_pair("漏水").as_deref(), Some("漏水"));
        assert_eq!(
            chinese_pair("㐀鿿").as_deref(),
            Some("㐀鿿"),
            "both ends of the range"
        );
        assert_eq!(chinese_pair("漏"), None);
        assert_eq!(chinese_pair("漏水了"), None, "three: the trigram index");
        assert_eq!(chinese_pair("B1"), None);
        assert_eq!(chinese_pair("漏1"), None);
        assert_eq!(chinese_pair("，。"), None, "punctuation is not indexed");
        assert_eq!(chinese_pair("水！"), None);
        assert_eq!(chinese_pair(""), None);
    }
}
