//! Checking a password without telling a guesser anything.
//!
//! Wrong passwords are counted per name as typed and per address, whether
//! or not the name exists: after a few, that name from that address waits,
//! longer each time. The owner, signing in from home, is not held up by a
//! stranger guessing from elsewhere. An unknown name costs the same work
//! as a known one (a dummy hash is verified) and gets the same answers.

use std::sync::LazyLock;

use super::{hash_password, verify_password};
use crate::db::{Db, now};
use crate::on_db;
use crate::web::AppError;

/// What a sign-in with a username and password comes to.
#[derive(Debug, PartialEq, Eq)]
pub enum SignIn {
    Accepted {
        id: i64,
        role: String,
    },
    /// The name and password do not match (or the name is unknown).
    Wrong,
    /// Too many wrong tries of this name from this address: no password is
    /// tried until then.
    Wait {
        until: i64,
    },
}

/// Wrong tries of a name from an address before waits begin.
pub const FREE_TRIES: i64 = 5;

/// Wrong tries are forgotten after a day without one.
const FORGET_AFTER: i64 = 86_400;

/// How long the next try waits after `failures` wrong ones in a row: none
/// for the first few, then a minute, doubling up to an hour.
pub fn wait_seconds(failures: i64) -> Option<i64> {
    if failures < FREE_TRIES {
        return None;
    }
    let doublings = u32::try_from(failures - FREE_TRIES)
        .unwrap_or(u32::MAX)
        .min(6);
    Some((60i64 << doublings).min(3600))
}

/// Verified when the name is unknown, so that it takes as long as a real one.
static DUMMY_HASH: LazyLock<Option<String>> =
    LazyLock::new(|| hash_password(&super::random_token()).ok());

/// The name as the guard counts it: trimmed, case ignored.
fn guard_name(username: &str) -> String {
    username.trim().to_lowercase()
}

/// Checks a password for a username, counting wrong ones per name and
/// address.
pub async fn check_password(
    db: &Db,
    username: &str,
    password: &str,
    address: &str,
) -> Result<SignIn, AppError> {
    let name = guard_name(username);
    let at = now();
    let waiting: Option<i64> = on_db!(db, |pool| {
        sqlx::query_scalar(
        "SELECT wait_until FROM signin_failures WHERE username = $1 AND address = $2 AND wait_until > $3"
    )
    .bind(&name)
    .bind(address)
    .bind(at)
    .fetch_optional(pool)
    .await
    })?;
    if let Some(until) = waiting {
        return Ok(SignIn::Wait { until });
    }
    let found: Option<(i64, Option<String>, String)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT id, password_hash, role FROM accounts WHERE username = $1 AND active"
    )
    .bind(username.trim())
    .fetch_optional(pool)
    .await)?;
    let (account, hash) = match found {
        Some((id, Some(hash), role)) => (Some((id, role)), hash),
        _ => (None, DUMMY_HASH.clone().unwrap_or_default()),
    };
    let password = password.to_string();
    let right = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    match account {
        Some((id, role)) if right => {
            on_db!(db, |pool| sqlx::query(
                "DELETE FROM signin_failures WHERE username = $1 AND address = $2"
            )
            .bind(&name)
            .bind(address)
            .execute(pool)
            .await
            .map(|_| ()))?;
            Ok(SignIn::Accepted { id, role })
        }
        _ => count_failure(db, &name, address, at).await,
    }
}

async fn count_failure(db: &Db, name: &str, address: &str, at: i64) -> Result<SignIn, AppError> {
    let failures: i64 = on_db!(db, |pool| {
        sqlx::query_scalar(
        "INSERT INTO signin_failures (username, address, failures, last_at) VALUES ($1, $2, 1, $3) \
         ON CONFLICT (username, address) DO UPDATE SET \
         failures = CASE WHEN signin_failures.last_at < $4 THEN 1 ELSE signin_failures.failures + 1 END, \
         last_at = $3 \
         RETURNING failures"
    )
    .bind(name)
    .bind(address)
    .bind(at)
    .bind(at - FORGET_AFTER)
    .fetch_one(pool)
    .await
    })?;
    on_db!(db, |pool| sqlx::query(
        "DELETE FROM signin_failures WHERE last_at < $1"
    )
    .bind(at - FORGET_AFTER)
    .execute(pool)
    .await
    .map(|_| ()))?;
    let Some(seconds) = wait_seconds(failures) else {
        return Ok(SignIn::Wrong);
    };
    let until = at + seconds;
    on_db!(db, |pool| sqlx::query(
        "UPDATE signin_failures SET wait_until = $3 WHERE username = $1 AND address = $2"
    )
    .bind(name)
    .bind(address)
    .bind(until)
    .execute(pool)
    .await
    .map(|_| ()))?;
    tracing::info!(failures, "sign-in slowed after wrong passwords");
    Ok(SignIn::Wait { until })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_passwords_wait_longer_each_time() {
        assert_eq!(wait_seconds(0), None);
        assert_eq!(wait_seconds(FREE_TRIES - 1), None);
        assert_eq!(wait_seconds(FREE_TRIES), Some(60));
        assert_eq!(wait_seconds(FREE_TRIES + 1), Some(120));
        assert_eq!(wait_seconds(FREE_TRIES + 5), Some(1920));
        assert_eq!(wait_seconds(FREE_TRIES + 6), Some(3600));
        assert_eq!(wait_seconds(i64::MAX), Some(3600));
        assert_eq!(wait_seconds(-1), None);
    }

    #[test]
    fn the_guard_counts_a_name_however_it_is_typed() {
        assert_eq!(guard_name("  Secretary "), "secretary");
        assert_eq!(guard_name("王丽"), "王丽");
    }

    #[test]
    fn the_dummy_hash_is_a_real_hash_that_nothing_matches() {
        let hash = DUMMY_HASH.clone().expect("hashed");
        assert!(hash.starts_with("$argon2id$"));
        assert!(!verify_password("", &hash));
    }
}
