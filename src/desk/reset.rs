//! A forgotten password at the desk. Reception checks the person's identity
//! card and makes a one-time link; the resident opens it (scanning the code
//! on the desk's screen, or from a printout) and chooses their own new
//! password. Reception never knows a password that works. The link is
//! logged, and the resident is told in their inbox and by email, so a link
//! they did not ask for does not go unnoticed.

use crate::audit::{self, Action};
use crate::auth::{Role, Viewer};
use crate::db::{Db, now};
use crate::on_db;
use crate::web::AppError;

/// How long a reset link works.
pub const RESET_HOURS: i64 = 24;

/// The news the resident gets: a link to choose a new password was made
/// at the desk.
const NEWS: &str = "security-desk-reset";

/// A link made: its path, and until when it works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetLink {
    pub path: String,
    pub expires_at: i64,
}

/// Why no link was made: the field and the message key.
pub type Refusal = (&'static str, &'static str);

/// Makes a reset link for a resident of the desk's community (any account,
/// for the administrator), after the identity check; earlier unused links
/// of the account stop working.
pub async fn make_link(
    db: &Db,
    by: &Viewer,
    username: &str,
    identity_checked: bool,
) -> Result<Result<ResetLink, Refusal>, AppError> {
    if !identity_checked {
        return Ok(Err(("checked", "desk-check-identity")));
    }
    let found: Option<(i64, String)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT id, role FROM accounts WHERE username = $1 AND community_id = $2 AND active"
    )
    .bind(username.trim())
    .bind(by.community_id)
    .fetch_optional(pool)
    .await)?;
    // Reception resets residents only; staff passwords are the administrator's.
    let target = found.filter(|(_, role)| role == "resident" || by.role() == Role::Admin);
    let Some((id, _)) = target else {
        return Ok(Err(("username", "desk-reset-unknown")));
    };
    audit::record(db, by.community_id, id, by.id, Action::PasswordLinkMade).await?;
    let at = now();
    on_db!(db, |pool| sqlx::query(
        "UPDATE signin_links SET used_at = $2 WHERE account_id = $1 AND used_at IS NULL"
    )
    .bind(id)
    .bind(at)
    .execute(pool)
    .await
    .map(|_| ()))?;
    let path = crate::auth::choose::create_signin_link(db, id, RESET_HOURS).await?;
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO notifications (account_id, request_id, message_key, created_at) VALUES ($1, NULL, $2, $3)"
    )
    .bind(id)
    .bind(NEWS)
    .bind(at)
    .execute(pool)
    .await
    .map(|_| ())
    })?;
    tracing::info!(account = id, desk = by.id, "password link made at the desk");
    Ok(Ok(ResetLink {
        path,
        expires_at: at + RESET_HOURS * 3_600,
    }))
}
