//! Residents as reception finds them: by name, phone or flat.

use crate::db::{Db, StoreError};
use crate::on_db;

/// A resident who fits what reception typed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Candidate {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    /// Their household's flat, if any.
    pub flat: Option<String>,
}

/// Residents of a community by name, phone, flat or account name.
pub async fn find(db: &Db, community_id: i64, typed: &str) -> Result<Vec<Candidate>, StoreError> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(Vec::new());
    }
    let digits: String = typed.chars().filter(char::is_ascii_digit).collect();
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Candidate>(
            "SELECT DISTINCT a.id, a.username, a.display_name, p.code AS flat FROM accounts a \
             LEFT JOIN household_members h ON h.account_id = a.id LEFT JOIN places p ON p.id = h.place_id \
             WHERE a.community_id = $1 AND a.role = 'resident' AND a.active \
             AND (lower(a.display_name) LIKE $2 ESCAPE '\\' OR a.username = $4 OR (a.phone = $3 AND $3 <> '') OR UPPER(p.code) = UPPER($4)) \
             ORDER BY a.username LIMIT 20",
        )
        .bind(community_id)
        .bind(crate::db::like_pattern(typed))
        .bind(&digits)
        .bind(typed)
        .fetch_all(pool)
        .await
    })?)
}

/// A resident of the community by account id.
pub async fn by_id(db: &Db, community_id: i64, id: i64) -> Result<Option<Candidate>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Candidate>(
            "SELECT a.id, a.username, a.display_name, \
             (SELECT MIN(p.code) FROM household_members h JOIN places p ON p.id = h.place_id WHERE h.account_id = a.id) AS flat \
             FROM accounts a WHERE a.id = $1 AND a.community_id = $2 AND a.role = 'resident' AND a.active",
        )
        .bind(id)
        .bind(community_id)
        .fetch_optional(pool)
        .await
    })?)
}

/// The resident a desk page works for: the one chosen by id (`None` when
/// that id is no resident of the community), else the only one who fits
/// what was typed; and, while nobody is chosen, those who fit.
pub async fn choose(
    db: &Db,
    community_id: i64,
    typed: &str,
    chosen: Option<i64>,
) -> Result<(Vec<Candidate>, Option<Candidate>), StoreError> {
    if let Some(id) = chosen {
        return Ok((Vec::new(), by_id(db, community_id, id).await?));
    }
    let mut candidates = find(db, community_id, typed).await?;
    let one = if candidates.len() == 1 {
        candidates.pop()
    } else {
        None
    };
    Ok((candidates, one))
}
