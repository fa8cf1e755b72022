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

/// Wrong tries of one name from all addresses together, in the last hour,
/// beyond which every try of that name is slowed (not refused: the owner
/// still gets in), so that many addresses do not make many guessers.
const SLOW_AFTER_ACROSS_ADDRESSES: i64 = 50;
const SLOW_BY: std::time::Duration = std::time::Duration::from_secs(2);

/// Checks a password for a username, counting wrong ones per name and
/// address. The try is counted before the password is checked, so that
/// tries sent all at once cannot slip past the count.
pub async fn check_password(
    db: &Db,
    username: &str,
    password: &str,
    address: &str,
) -> Result<SignIn, AppError> {
    let name = guard_name(username);
    let at = now();
    let (tries, waiting) = count_try(db, &name, address, at).await?;
    let may_try = match waiting {
        Some(until) if until > at => return Ok(SignIn::Wait { until }),
        // The wait is over: one try, taken by whoever claims it first.
        Some(over) => claim_try_after_wait(db, &name, address, over).await?,
        // Past the free tries with no wait set: tries sent all at once.
        None => tries <= FREE_TRIES,
    };
    if !may_try {
        return Ok(SignIn::Wait {
            until: set_wait(db, &name, address, at, tries).await?,
        });
    }
    if recent_tries_everywhere(db, &name, at).await? > SLOW_AFTER_ACROSS_ADDRESSES {
        tokio::time::sleep(SLOW_BY).await;
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
        _ => match wait_seconds(tries) {
            Some(_) => Ok(SignIn::Wait {
                until: set_wait(db, &name, address, at, tries).await?,
            }),
            None => Ok(SignIn::Wrong),
        },
    }
}

/// Counts a try of the name from the address: how many in a row now, and
/// until when the address waits, if it does. A day without a try starts
/// the count again.
async fn count_try(
    db: &Db,
    name: &str,
    address: &str,
    at: i64,
) -> Result<(i64, Option<i64>), AppError> {
    let counted: (i64, Option<i64>) = on_db!(db, |pool| {
        sqlx::query_as(
        "INSERT INTO signin_failures (username, address, failures, last_at) VALUES ($1, $2, 1, $3) \
         ON CONFLICT (username, address) DO UPDATE SET \
         failures = CASE WHEN signin_failures.last_at < $4 THEN 1 ELSE signin_failures.failures + 1 END, \
         wait_until = CASE WHEN signin_failures.last_at < $4 THEN NULL ELSE signin_failures.wait_until END, \
         last_at = $3 \
         RETURNING failures, wait_until"
    )
    .bind(name)
    .bind(address)
    .bind(at)
    .bind(at - FORGET_AFTER)
    .fetch_one(pool)
    .await
    })?;
    Ok(counted)
}

/// Forgets tries older than a day (a stale row is also reset when its
/// name is tried again); run now and then, not on every sign-in.
pub async fn forget_old_tries(db: &Db) -> Result<(), AppError> {
    on_db!(db, |pool| sqlx::query(
        "DELETE FROM signin_failures WHERE last_at < $1"
    )
    .bind(now() - FORGET_AFTER)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// The one try after a wait: true for the request that claims it.
async fn claim_try_after_wait(
    db: &Db,
    name: &str,
    address: &str,
    over: i64,
) -> Result<bool, AppError> {
    let claimed = on_db!(db, |pool| {
        sqlx::query(
        "UPDATE signin_failures SET wait_until = NULL WHERE username = $1 AND address = $2 AND wait_until = $3"
    )
    .bind(name)
    .bind(address)
    .bind(over)
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    Ok(claimed == 1)
}

async fn recent_tries_everywhere(db: &Db, name: &str, at: i64) -> Result<i64, AppError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_scalar::<_, i64>(
        "SELECT CAST(COALESCE(SUM(failures), 0) AS BIGINT) FROM signin_failures WHERE username = $1 AND last_at > $2"
    )
    .bind(name)
    .bind(at - 3_600)
    .fetch_one(pool)
    .await
    })?)
}

/// The address waits after `failures` tries; returns until when.
async fn set_wait(
    db: &Db,
    name: &str,
    address: &str,
    at: i64,
    failures: i64,
) -> Result<i64, AppError> {
    let until = at + wait_seconds(failures).unwrap_or(60);
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
    Ok(until)
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
