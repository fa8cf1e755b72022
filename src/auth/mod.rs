//! Accounts, roles, passwords, sessions and API tokens.

pub mod routes;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
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

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let hash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    Ok(hash.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// What a sign-in with a username and password comes to.
#[derive(Debug, PartialEq, Eq)]
pub enum SignIn {
    Accepted {
        id: i64,
        role: String,
    },
    Wrong,
    /// Too many wrong passwords in a row: no password is tried until then.
    Locked {
        until: i64,
    },
}

/// After this many wrong passwords in a row, each further one locks the
/// account for a while: a minute, then doubling up to an hour.
pub const FREE_TRIES: i64 = 5;

/// How long the account is locked after `failures` wrong passwords in a row.
pub fn lock_seconds(failures: i64) -> Option<i64> {
    if failures < FREE_TRIES {
        return None;
    }
    let doublings = u32::try_from(failures - FREE_TRIES)
        .unwrap_or(u32::MAX)
        .min(6);
    Some((60i64 << doublings).min(3600))
}

/// Checks a password, counting wrong ones on the account.
pub async fn check_password(db: &Db, username: &str, password: &str) -> Result<SignIn, AppError> {
    type Row = (i64, Option<String>, String, Option<i64>);
    let found: Option<Row> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT id, password_hash, role, signin_locked_until FROM accounts WHERE username = $1 AND active"
    )
    .bind(username.trim())
    .fetch_optional(pool)
    .await
    })?;
    let Some((id, Some(hash), role, locked_until)) = found else {
        return Ok(SignIn::Wrong);
    };
    let at = now();
    if let Some(until) = locked_until.filter(|until| *until > at) {
        return Ok(SignIn::Locked { until });
    }
    let password = password.to_string();
    let right = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    if right {
        on_db!(db, |pool| sqlx::query(
            "UPDATE accounts SET failed_signins = 0, signin_locked_until = NULL WHERE id = $1"
        )
        .bind(id)
        .execute(pool)
        .await
        .map(|_| ()))?;
        return Ok(SignIn::Accepted { id, role });
    }
    let failures: i64 = on_db!(db, |pool| {
        sqlx::query_scalar(
        "UPDATE accounts SET failed_signins = failed_signins + 1 WHERE id = $1 RETURNING failed_signins"
    )
    .bind(id)
    .fetch_one(pool)
    .await
    })?;
    let Some(seconds) = lock_seconds(failures) else {
        return Ok(SignIn::Wrong);
    };
    let until = at + seconds;
    on_db!(db, |pool| sqlx::query(
        "UPDATE accounts SET signin_locked_until = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(until)
    .execute(pool)
    .await
    .map(|_| ()))?;
    tracing::info!(
        account = id,
        failures,
        "sign-in locked after wrong passwords"
    );
    Ok(SignIn::Locked { until })
}

/// Shapes people pick that lists cannot hold: one character repeated or a
/// short run repeated (`12121212`, `abcabcabc`), a run along the digits,
/// the alphabet or a keyboard row (`23456789`, `asdfghjk`), and a birthday
/// (`19580312`).
fn easy_to_guess(password: &str) -> bool {
    let p: Vec<char> = password.to_lowercase().chars().collect();
    let repeated = (1..=4).any(|len| {
        p.len() > len && p.len().is_multiple_of(len) && p.chunks(len).all(|c| c == &p[..len])
    });
    let runs = [
        "01234567890",
        "abcdefghijklmnopqrstuvwxyz",
        "qwertyuiop",
        "asdfghjkl",
        "zxcvbnm",
        "1qaz2wsx3edc4rfv5tgb",
    ];
    let text: String = p.iter().collect();
    let backwards: String = p.iter().rev().collect();
    let along_a_run = runs
        .iter()
        .any(|run| run.contains(text.as_str()) || run.contains(backwards.as_str()));
    let birthday = p.len() == 8
        && p.iter().all(char::is_ascii_digit)
        && jiff::civil::Date::strptime("%Y%m%d", &text)
            .is_ok_and(|d| (1900..=2100).contains(&d.year()));
    repeated || along_a_run || birthday
}

/// Why a new password is refused; the message key says it to the person.
pub fn password_problem(password: &str) -> Option<&'static str> {
    const COMMON: &[&str] = &[
        "password",
        "12345678",
        "123456789",
        "1234567890",
        "88888888",
        "11111111",
        "00000000",
        "66666666",
        "qwertyui",
        "password1",
        "iloveyou",
        "abc12345",
        "a1234567",
        "woaini1314",
        "11223344",
        "aa123456",
        "qwerty123",
    ];
    if password.chars().count() < 8 {
        Some("password-too-short")
    } else if password.len() > 256 {
        Some("password-too-long")
    } else if COMMON.contains(&password.to_lowercase().as_str()) || easy_to_guess(password) {
        Some("password-too-common")
    } else {
        None
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

/// After a password change: every other session and every API token of the
/// account stop working.
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

async fn viewer_from_session(db: &Db, token: &str) -> Result<Option<Viewer>, AppError> {
    let sql = format!(
        "SELECT {VIEWER_COLUMNS} FROM sessions s JOIN accounts a ON a.id = s.account_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.active"
    );
    let viewer = on_db!(db, |pool| sqlx::query_as::<_, Viewer>(sqlx::AssertSqlSafe(
        sql
    ))
    .bind(token_hash(token))
    .bind(now())
    .fetch_optional(pool)
    .await)?;
    Ok(viewer)
}

async fn viewer_from_api_token(db: &Db, token: &str) -> Result<Option<Viewer>, AppError> {
    let sql = format!(
        "SELECT {VIEWER_COLUMNS} FROM api_tokens t JOIN accounts a ON a.id = t.account_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND a.active"
    );
    let viewer = on_db!(db, |pool| sqlx::query_as::<_, Viewer>(sqlx::AssertSqlSafe(
        sql
    ))
    .bind(token_hash(token))
    .fetch_optional(pool)
    .await)?;
    Ok(viewer)
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
            match viewer_from_api_token(&state.db, token).await? {
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
    fn passwords_hash_and_verify() {
        let hash = hash_password("lily pond 2026").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("lily pond 2026", &hash));
        assert!(!verify_password("lily pond 2027", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn wrong_passwords_lock_for_longer_each_time() {
        assert_eq!(lock_seconds(0), None);
        assert_eq!(lock_seconds(FREE_TRIES - 1), None);
        assert_eq!(lock_seconds(FREE_TRIES), Some(60));
        assert_eq!(lock_seconds(FREE_TRIES + 1), Some(120));
        assert_eq!(lock_seconds(FREE_TRIES + 5), Some(1920));
        assert_eq!(lock_seconds(FREE_TRIES + 6), Some(3600));
        assert_eq!(lock_seconds(i64::MAX), Some(3600));
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        assert_eq!(password_problem(""), Some("password-too-short"));
        assert_eq!(password_problem("1234567"), Some("password-too-short"));
        assert_eq!(password_problem("12345678"), Some("password-too-common"));
        assert_eq!(password_problem("PassWord"), Some("password-too-common"));
        assert_eq!(password_problem("lily pond 2026"), None);
        for easy in [
            "aaaaaaaa",
            "12121212",
            "abcabcabc",
            "52015201",
            "23456789",
            "98765432",
            "abcdefghij",
            "asdfghjk",
            "1qaz2wsx",
            "19580312",
            "20011231",
        ] {
            assert_eq!(
                password_problem(easy),
                Some("password-too-common"),
                "{easy}"
            );
        }
        for fine in ["19581332", "lotus-pond-7", "12345679x", "a1b2c3d4e5"] {
            assert_eq!(password_problem(fine), None, "{fine}");
        }
        assert_eq!(
            password_problem("荷花池边的凉亭"),
            Some("password-too-short")
        );
        assert_eq!(password_problem("荷花池边的凉亭好"), None);
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
