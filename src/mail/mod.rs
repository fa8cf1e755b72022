//! News by email, when SMTP is configured: each person chooses to have it
//! as it happens, in a daily digest (at 08:00 in the community's time), or
//! not at all. The inbox on the site always has everything.
//!
//! A notification is claimed for sending by setting `emailed_at` in the
//! same statement that reads it, so two instances never send it twice; a
//! digest is also recorded in `jobs_done` under the person and the day. If
//! sending fails, the claim is undone and the next run tries again.

pub mod compose;
pub mod settings;

use crate::db::BeginWrite;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::community::Community;
use crate::db::Db;
use crate::on_db;
use crate::web::AppError;
use compose::{Item, compose};

/// News older than this is not emailed (after a long outage, say).
const FRESH_FOR: i64 = 7 * 86_400;
/// The local hour of the daily digest.
pub const DIGEST_HOUR: i8 = 8;

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    base_url: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// `smtp_url` as lettre reads it: `smtps://user:pass@host` (TLS),
    /// `smtp://host:587?tls=required` (STARTTLS) or `smtp://host:25`.
    pub fn new(smtp_url: &str, from: &str, base_url: &str) -> anyhow::Result<Mailer> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|e| anyhow::anyhow!("GRASSROOTS_SMTP_URL: {e}"))?
            .build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| anyhow::anyhow!("GRASSROOTS_MAIL_FROM ({from}): {e}"))?;
        Ok(Mailer {
            transport,
            from,
            base_url: base_url.to_string(),
        })
    }

    async fn send(&self, to: &str, letter: &compose::Letter) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(to.parse::<Mailbox>()?)
            .subject(&letter.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(letter.body.clone())?;
        self.transport.send(message).await?;
        Ok(())
    }
}

/// What one run sent.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub letters: u64,
    pub failed: u64,
}

#[derive(Debug, sqlx::FromRow)]
struct Waiting {
    account_id: i64,
    email: String,
    email_mode: String,
    community_id: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct Claimed {
    id: i64,
    message_key: String,
    request_id: Option<i64>,
    created_at: i64,
}

/// The local date of `now` when the digest hour has come, else none.
fn digest_day(community: &Community, now: i64) -> Option<String> {
    let local = jiff::Timestamp::from_second(now)
        .ok()?
        .to_zoned_datetime(community.tz());
    (local.hour() >= DIGEST_HOUR).then(|| local.date().to_string())
}

/// Claims the person's unsent news (and, for a digest, the day's key).
async fn claim(
    db: &Db,
    account_id: i64,
    digest_key: Option<&str>,
    now: i64,
) -> Result<Vec<Claimed>, AppError> {
    Ok(on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            if let Some(key) = digest_key {
                let fresh = sqlx::query(
                    "INSERT INTO jobs_done (job_key, done_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(key)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if fresh == 0 {
                    return Ok::<_, sqlx::Error>(Vec::new());
                }
            }
            let claimed = sqlx::query_as::<_, Claimed>(
                "UPDATE notifications SET emailed_at = $1 WHERE account_id = $2 AND emailed_at IS NULL \
                 AND created_at > $3 RETURNING id, message_key, request_id, created_at",
            )
            .bind(now)
            .bind(account_id)
            .bind(now - FRESH_FOR)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(claimed)
        }
        .await
    })?)
}

/// Sending failed: the news goes back to wait for the next run.
async fn unclaim(db: &Db, claimed: &[Claimed], digest_key: Option<&str>) -> Result<(), AppError> {
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            for c in claimed {
                sqlx::query("UPDATE notifications SET emailed_at = NULL WHERE id = $1")
                    .bind(c.id)
                    .execute(&mut *tx)
                    .await?;
            }
            if let Some(key) = digest_key {
                sqlx::query("DELETE FROM jobs_done WHERE job_key = $1")
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        }
        .await
    })?;
    Ok(())
}

async fn tracking_code(db: &Db, request_id: i64) -> Result<Option<String>, AppError> {
    Ok(on_db!(db, |pool| sqlx::query_scalar::<_, String>(
        "SELECT tracking_code FROM requests WHERE id = $1"
    )
    .bind(request_id)
    .fetch_optional(pool)
    .await)?)
}

/// News about the safety of one's account (`security-…`, such as a
/// password link made at the desk) goes out at once to everyone with an
/// email address, whatever they chose for other news.
async fn send_security_news(db: &Db, mailer: &Mailer, now: i64) -> Result<Sent, AppError> {
    let mut sent = Sent::default();
    let claimed = on_db!(db, |pool| {
        sqlx::query_as::<_, (i64, String, i64, i64)>(
            "UPDATE notifications SET emailed_at = $1 WHERE emailed_at IS NULL AND created_at > $2 \
             AND message_key LIKE 'security-%' \
             AND account_id IN (SELECT id FROM accounts WHERE active AND email IS NOT NULL AND email <> '') \
             RETURNING id, message_key, created_at, account_id",
        )
        .bind(now)
        .bind(now - FRESH_FOR)
        .fetch_all(pool)
        .await
    })?;
    for (id, message_key, created_at, account_id) in claimed {
        let (email, community_id): (String, i64) = on_db!(db, |pool| sqlx::query_as(
            "SELECT email, community_id FROM accounts WHERE id = $1"
        )
        .bind(account_id)
        .fetch_one(pool)
        .await)?;
        let community = Community::by_id(db, community_id).await?;
        let item = Item {
            message_key: message_key.clone(),
            tracking_code: None,
            created_at,
        };
        let letter = compose(&community, &mailer.base_url, &[item], false);
        match mailer.send(&email, &letter).await {
            Ok(()) => sent.letters += 1,
            Err(e) => {
                tracing::warn!(error = %e, notification = id, "sending account news by email");
                let back = Claimed {
                    id,
                    message_key,
                    request_id: None,
                    created_at,
                };
                unclaim(db, &[back], None).await?;
                sent.failed += 1;
            }
        }
    }
    Ok(sent)
}

/// Sends every letter due at `now`: news about one's account at once, news
/// for those who want it as it happens, and digests whose hour has come.
pub async fn send_due(db: &Db, mailer: &Mailer, now: i64) -> Result<Sent, AppError> {
    let mut sent = send_security_news(db, mailer, now).await?;
    let waiting = on_db!(db, |pool| {
        sqlx::query_as::<_, Waiting>(
        "SELECT DISTINCT a.id AS account_id, a.email, a.email_mode, a.community_id FROM notifications n \
         JOIN accounts a ON a.id = n.account_id \
         WHERE n.emailed_at IS NULL AND n.created_at > $1 AND a.active \
         AND a.email IS NOT NULL AND a.email <> '' AND a.email_mode <> 'off'"
    )
    .bind(now - FRESH_FOR)
    .fetch_all(pool)
    .await
    })?;
    for person in waiting {
        let community = Community::by_id(db, person.community_id).await?;
        let digest = person.email_mode == "daily";
        let key = match digest {
            true => match digest_day(&community, now) {
                Some(day) => Some(format!("digest:{}:{day}", person.account_id)),
                None => continue,
            },
            false => None,
        };
        let claimed = claim(db, person.account_id, key.as_deref(), now).await?;
        if claimed.is_empty() {
            continue;
        }
        let mut items = Vec::with_capacity(claimed.len());
        for c in &claimed {
            let tracking_code = match c.request_id {
                Some(id) => tracking_code(db, id).await?,
                None => None,
            };
            items.push(Item {
                message_key: c.message_key.clone(),
                tracking_code,
                created_at: c.created_at,
            });
        }
        items.sort_by_key(|i| i.created_at);
        let letter = compose(&community, &mailer.base_url, &items, digest);
        match mailer.send(&person.email, &letter).await {
            Ok(()) => sent.letters += 1,
            Err(e) => {
                tracing::warn!(error = %e, account = person.account_id, "sending news by email");
                unclaim(db, &claimed, key.as_deref()).await?;
                sent.failed += 1;
            }
        }
    }
    Ok(sent)
}

/// In the binary: a run every thirty seconds.
pub async fn run_forever(db: Db, mailer: Mailer) {
    loop {
        match send_due(&db, &mailer, crate::db::now()).await {
            Ok(s) if s.letters + s.failed > 0 => {
                tracing::info!(letters = s.letters, failed = s.failed, "news emailed")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = ?e, "emailing news"),
        }
        tokio::time::sleep(std::time::Duration::from_secs(30)).await;
    }
}
