//! Accounts, roles, passwords, sessions and API tokens.

pub mod choose;
pub mod guard;
pub mod password;
pub mod routes;
pub mod tokens;

pub use guard::{FREE_TRIES, SignIn, check_password};
pub use password::{hash_password, password_problem, verify_password};

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use crate::db::{Db, now};
use crate::on_db;
use crate::web::{AppError, AppState};

pub const SESSION_COOKIE: &str = "gr_session";
pub const SESSION_DAYS: i64 = 30;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Resident,
    Volunteer,
    Member,
    Lead,
    Reception,
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Resident,
        Role::Volunteer,
        Role::Member,
        Role::Lead,
        Role::Reception,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::Volunteer => "volunteer",
            Role::Member => "member",
            Role::Lead => "lead",
            Role::Reception => "reception",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    pub fn key(self) -> String {
        format!("role-{}", self.as_str())
    }

    /// Works for the community: sees queues and the requests of its
    /// workgroups.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Resident)
    }

    /// Sees every request of the community (to read them to callers, to run
    /// the estate).
    pub fn sees_all_requests(self) -> bool {
        matches!(self, Role::Reception | Role::Admin)
    }
}

/// The signed-in person.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Viewer {
    pub id: i64,
    pub community_id: i64,
    pub username: String,
    pub display_name: String,
    #[sqlx(try_from = "String")]
    pub role: RoleText,
}

/// Role as read from the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleText(pub Role);

impl TryFrom<String> for RoleText {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Role::parse(&s).map(RoleText).ok_or(s)
    }
}

impl Viewer {
    pub fn role(&self) -> Role {
        self.role.0
    }
    pub fn is_staff(&self) -> bool {
        self.role().is_staff()
    }
    pub fn is_admin(&self) -> bool {
        self.role() == Role::Admin
    }
    pub fn require_staff(&self) -> Result<(), AppError> {
        if self.is_staff() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role()) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// A random secret for links and cookies, URL-safe.
pub fn random_token() -> String {
    use rand::RngExt;
    let mut rng = rand::rng();
    (0..32)
        .map(|_| {
            const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
            ALPHABET[rng.random_range(0..ALPHABET.len())] as char
        })
        .collect()
}

pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub async fn create_session(db: &Db, account_id: i64) -> Result<String, AppError> {
    let token = random_token();
    let at = now();
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)"
    )
    .bind(token_hash(&token))
    .bind(account_id)
    .bind(at)
    .bind(at + SESSION_DAYS * 86_400)
    .execute(pool)
    .await.map(|r| r.rows_affected())
    })?;
    Ok(token)
}

pub async fn end_session(db: &Db, token: &str) -> Result<(), AppError> {
    on_db!(db, |pool| sqlx::query(
        "DELETE FROM sessions WHERE token_hash = $1"
    )
    .bind(token_hash(token))
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

/// After a password change, or signing out everywhere: every other session,
/// every API token and every unused one-time link of the account stop
/// working (a reset link the person did not ask for dies with them).
pub async fn end_other_access(
    db: &Db,
    account_id: i64,
    keep_session: Option<&str>,
) -> Result<(), AppError> {
    let keep = keep_session.map(token_hash).unwrap_or_default();
    on_db!(db, |pool| sqlx::query(
        "DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2"
    )
    .bind(account_id)
    .bind(&keep)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    on_db!(db, |pool| sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL"
    )
    .bind(now())
    .bind(account_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    on_db!(db, |pool| sqlx::query(
        "UPDATE signin_links SET used_at = $1 WHERE account_id = $2 AND used_at IS NULL"
    )
    .bind(now())
    .bind(account_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn end_all_sessions(db: &Db, account_id: i64) -> Result<(), AppError> {
    on_db!(db, |pool| sqlx::query(
        "DELETE FROM sessions WHERE account_id = $1"
    )
    .bind(account_id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(())
}

const VIEWER_COLUMNS: &str = "a.id, a.community_id, a.username, a.display_name, a.role";

const SESSION_VIEWER_SELECT: &str = "SELECT a.id, COALESCE(m.community_id, a.community_id) AS community_id, \
     a.username, a.display_name, COALESCE(m.role, a.role) AS role";
const SESSION_VIEWER_FROM: &str = "FROM sessions s JOIN accounts a ON a.id = s.account_id \
     LEFT JOIN memberships m ON m.account_id = a.id AND m.community_id = s.community_id \
     WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.active";

async fn viewer_from_session(db: &Db, token: &str) -> Result<Option<Viewer>, AppError> {
    // A session working in another community than the account's own has
    // the role the account holds there.
    let sql = format!("{SESSION_VIEWER_SELECT} {SESSION_VIEWER_FROM}");
    let viewer = on_db!(db, |pool| sqlx::query_as::<_, Viewer>(sqlx::AssertSqlSafe(
        sql
    ))
    .bind(token_hash(token))
    .bind(now())
    .fetch_optional(pool)
    .await)?;
    Ok(viewer)
}

/// The signed-in person and one more figure about them (`column`, SQL
/// over the account `a`), from the session cookie in one query: what
/// every page's header needs. Another way in (an API token, a person
/// already found for this request) asks for the figure on its own.
pub async fn viewer_with(
    parts: &mut Parts,
    state: &AppState,
    column: &str,
) -> Result<(Option<Viewer>, i64), AppError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        viewer: Viewer,
        figure: i64,
    }
    let found = parts.extensions.get::<Option<Viewer>>().is_some();
    let bearer = parts.headers.contains_key(header::AUTHORIZATION);
    let token = crate::i18n::cookie_value(&parts.headers, SESSION_COOKIE);
    if let (false, false, Some(token)) = (found, bearer, token) {
        let sql = format!("{SESSION_VIEWER_SELECT}, {column} AS figure {SESSION_VIEWER_FROM}");
        let row = on_db!(&state.db, |pool| sqlx::query_as::<_, Row>(
            sqlx::AssertSqlSafe(sql)
        )
        .bind(token_hash(&token))
        .bind(now())
        .fetch_optional(pool)
        .await)?;
        let (viewer, figure) = match row {
            Some(row) => (Some(row.viewer), row.figure),
            None => (None, 0),
        };
        parts.extensions.insert(viewer.clone());
        return Ok((viewer, figure));
    }
    let viewer = MaybeViewer::from_request_parts(parts, state).await?.0;
    let figure = match &viewer {
        Some(v) => {
            let sql = format!("SELECT {column} FROM accounts a WHERE a.id = $1");
            on_db!(&state.db, |pool| sqlx::query_scalar::<_, i64>(
                sqlx::AssertSqlSafe(sql)
            )
            .bind(v.id)
            .fetch_one(pool)
            .await)?
        }
        None => 0,
    };
    Ok((viewer, figure))
}

pub async fn viewer_by_id(db: &Db, id: i64) -> Result<Option<Viewer>, AppError> {
    let sql = format!("SELECT {VIEWER_COLUMNS} FROM accounts a WHERE a.id = $1 AND a.active");
    Ok(on_db!(db, |pool| sqlx::query_as::<_, Viewer>(
        sqlx::AssertSqlSafe(sql)
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?)
}

/// The signed-in person, if any: a session cookie or an `Authorization:
/// Bearer` API token.
pub struct MaybeViewer(pub Option<Viewer>);

impl FromRequestParts<AppState> for MaybeViewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(found) = parts.extensions.get::<Option<Viewer>>() {
            return Ok(MaybeViewer(found.clone()));
        }
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let viewer = if let Some(token) = bearer {
            match tokens::viewer(&state.db, token).await? {
                Some(v) => Some(v),
                None => return Err(AppError::SignInRequired),
            }
        } else if let Some(token) = crate::i18n::cookie_value(&parts.headers, SESSION_COOKIE) {
            viewer_from_session(&state.db, &token).await?
        } else {
            None
        };
        parts.extensions.insert(viewer.clone());
        Ok(MaybeViewer(viewer))
    }
}

/// A signed-in person, or a redirect to the sign-in page.
pub struct SignedIn(pub Viewer);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        match MaybeViewer::from_request_parts(parts, state).await?.0 {
            Some(v) => Ok(SignedIn(v)),
            None => Err(AppError::SignInRequired),
        }
    }
}

/// Usernames: 2 to 40 letters, digits, dots, dashes or underscores.
pub fn valid_username(username: &str) -> bool {
    let n = username.chars().count();
    (2..=40).contains(&n)
        && username
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_short_words() {
        assert!(valid_username("wang.li"));
        assert!(valid_username("王丽"));
        assert!(!valid_username("a"));
        assert!(!valid_username("has space"));
    }

    #[test]
    fn roles_round_trip_and_rank() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("mayor"), None);
        assert!(!Role::Resident.is_staff());
        assert!(Role::Volunteer.is_staff());
        assert!(Role::Reception.sees_all_requests());
        assert!(!Role::Lead.sees_all_requests());
    }

    #[test]
    fn tokens_are_random_and_hashes_fixed() {
        assert_ne!(random_token(), random_token());
        assert_eq!(random_token().len(), 32);
        assert_eq!(token_hash("a"), token_hash("a"));
        assert_eq!(token_hash("a").len(), 64);
    }
}
