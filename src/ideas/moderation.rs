//! Moderation: residents flag an idea or a comment; a post with a held
//! word waits; staff see the queue, hide a post with a reason (its author
//! is told and may edit and ask again) or show it.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::{Role, SignedIn, Viewer};
use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;
use crate::web::{AppError, AppState, Ctx, render};

/// Who moderates: the secretary, reception and workgroup leads.
pub const MODERATORS: [Role; 3] = [Role::Admin, Role::Reception, Role::Lead];

pub fn is_moderator(viewer: &Viewer) -> bool {
    MODERATORS.contains(&viewer.role())
}

/// What can be flagged: an idea or a comment, each in its own table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Idea,
    Comment,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "idea" => Some(Kind::Idea),
            "comment" => Some(Kind::Comment),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Idea => "idea",
            Kind::Comment => "comment",
        }
    }
    fn table(self) -> &'static str {
        match self {
            Kind::Idea => "ideas",
            Kind::Comment => "idea_comments",
        }
    }
    /// The community a post belongs to, through its idea.
    fn community_sql(self) -> &'static str {
        match self {
            Kind::Idea => "SELECT community_id, author_id, id, title FROM ideas WHERE id = $1",
            Kind::Comment => {
                "SELECT i.community_id, c.author_id, i.id, i.title FROM idea_comments c \
                 JOIN ideas i ON i.id = c.idea_id WHERE c.id = $1"
            }
        }
    }
}

/// A post's community, author, idea and the idea's title.
pub async fn owner_of(
    db: &Db,
    kind: Kind,
    id: i64,
) -> Result<Option<(i64, i64, i64, String)>, StoreError> {
    Ok(on_db!(db, |pool| sqlx::query_as::<
        _,
        (i64, i64, i64, String),
    >(kind.community_sql())
    .bind(id)
    .fetch_optional(pool)
    .await)?)
}

/// Flags a post once per person; false when they had flagged it already.
pub async fn flag(
    db: &Db,
    kind: Kind,
    id: i64,
    account_id: i64,
    reason: &str,
) -> Result<bool, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO voice_flags (kind, target_id, account_id, reason, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (kind, target_id, account_id) DO UPDATE SET reason = $4, created_at = $5, cleared_at = NULL \
         WHERE voice_flags.cleared_at IS NOT NULL"
    )
    .bind(kind.as_str())
    .bind(id)
    .bind(account_id)
    .bind(reason)
    .bind(now())
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })? > 0)
}

/// Hides or shows a post and clears its flags; a hidden post's author is
/// told why, a post shown after waiting is announced to its author.
pub async fn decide(db: &Db, kind: Kind, id: i64, hide: Option<&str>) -> Result<(), StoreError> {
    let Some((_, author, idea_id, title)) = owner_of(db, kind, id).await? else {
        return Ok(());
    };
    let at = now();
    let (state, reason, message) = match hide {
        Some(reason) => ("hidden", reason, "notify-voice-hidden"),
        None => ("shown", "", "notify-voice-shown"),
    };
    let update = format!(
        "UPDATE {} SET moderation = $1, moderation_reason = $2 WHERE id = $3 AND moderation <> $1",
        kind.table()
    );
    let detail = match hide {
        Some(reason) => format!("#{idea_id} {title} · {reason}"),
        None => format!("#{idea_id} {title}"),
    };
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let changed = sqlx::query(sqlx::AssertSqlSafe(update.clone()))
                .bind(state)
                .bind(reason)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query(
                "UPDATE voice_flags SET cleared_at = $1 WHERE kind = $2 AND target_id = $3 AND cleared_at IS NULL",
            )
            .bind(at)
            .bind(kind.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if changed > 0 {
                sqlx::query(
                    "INSERT INTO notifications (account_id, message_key, detail, created_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(author)
                .bind(message)
                .bind(&detail)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await
        }
        .await
    })?;
    Ok(())
}

/// The author's edit: the text changes, and a hidden post (or one with a
/// held word) waits for a moderator again.
pub async fn edit(
    db: &Db,
    kind: Kind,
    id: i64,
    title: &str,
    body: &str,
    held: bool,
) -> Result<(), StoreError> {
    // A hidden post, or one with a held word, waits for a moderator again.
    const AGAIN: &str =
        "moderation = CASE WHEN moderation = 'hidden' OR $3 THEN 'held' ELSE moderation END";
    let (table, title) = match kind {
        Kind::Idea => ("ideas", Some(title)),
        Kind::Comment => ("idea_comments", None),
    };
    let sql = format!("UPDATE {table} SET body = $1, edited_at = $2, {AGAIN} WHERE id = $4");
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(body)
                .bind(now())
                .bind(held)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if let Some(title) = title {
                sqlx::query("UPDATE ideas SET title = $1 WHERE id = $2")
                    .bind(title)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        }
        .await
    })?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Waiting {
    pub kind: String,
    pub id: i64,
    pub idea_id: i64,
    pub text: String,
    pub author_name: String,
    pub moderation: String,
    pub flags: i64,
    pub reasons: String,
}

/// The community's posts waiting for a moderator: held ones, and shown
/// ones that someone flagged.
pub async fn queue(db: &Db, community_id: i64) -> Result<Vec<Waiting>, StoreError> {
    Ok(on_db!(db, |pool| {
        sqlx::query_as::<_, Waiting>(
        "SELECT * FROM (SELECT 'idea' AS kind, i.id, i.id AS idea_id, i.title || ' — ' || i.body AS text, \
         CASE WHEN i.author_named THEN a.display_name ELSE '' END AS author_name, \
         i.moderation, (SELECT COUNT(*) FROM voice_flags f WHERE f.kind = 'idea' AND f.target_id = i.id AND f.cleared_at IS NULL) AS flags, \
         COALESCE((SELECT MAX(f.reason) FROM voice_flags f WHERE f.kind = 'idea' AND f.target_id = i.id AND f.cleared_at IS NULL), '') AS reasons \
         FROM ideas i JOIN accounts a ON a.id = i.author_id WHERE i.community_id = $1 AND (i.moderation = 'held' OR \
         (i.moderation = 'shown' AND EXISTS (SELECT 1 FROM voice_flags f WHERE f.kind = 'idea' AND f.target_id = i.id AND f.cleared_at IS NULL))) \
         UNION ALL \
         SELECT 'comment' AS kind, c.id, c.idea_id, c.body AS text, \
         CASE WHEN c.author_named THEN a.display_name ELSE '' END AS author_name, c.moderation, \
         (SELECT COUNT(*) FROM voice_flags f WHERE f.kind = 'comment' AND f.target_id = c.id AND f.cleared_at IS NULL) AS flags, \
         COALESCE((SELECT MAX(f.reason) FROM voice_flags f WHERE f.kind = 'comment' AND f.target_id = c.id AND f.cleared_at IS NULL), '') AS reasons \
         FROM idea_comments c JOIN ideas i ON i.id = c.idea_id JOIN accounts a ON a.id = c.author_id \
         WHERE i.community_id = $1 AND (c.moderation = 'held' OR (c.moderation = 'shown' AND EXISTS \
         (SELECT 1 FROM voice_flags f WHERE f.kind = 'comment' AND f.target_id = c.id AND f.cleared_at IS NULL))) \
         ) q ORDER BY q.flags DESC, q.id"
    )
    .bind(community_id)
    .fetch_all(pool)
    .await
    })?)
}

#[derive(Template)]
#[template(path = "moderation.html")]
struct QueuePage {
    ctx: Ctx,
    waiting: Vec<Waiting>,
    error: &'static str,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
) -> Result<Response, AppError> {
    viewer.require(&MODERATORS)?;
    let waiting = queue(&state.db, viewer.community_id).await?;
    render(&QueuePage {
        ctx,
        waiting,
        error: "",
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DecideForm {
    /// `hide` or `show`.
    pub decision: String,
    pub reason: String,
}

/// `POST /moderation/{kind}/{id}`: hide (a reason is required) or show.
pub async fn act(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(viewer): SignedIn,
    Path((kind, id)): Path<(String, i64)>,
    Form(form): Form<DecideForm>,
) -> Result<Response, AppError> {
    viewer.require(&MODERATORS)?;
    let kind = Kind::parse(&kind).ok_or(AppError::NotFound)?;
    let Some((community_id, ..)) = owner_of(&state.db, kind, id).await? else {
        return Err(AppError::NotFound);
    };
    if community_id != viewer.community_id {
        return Err(AppError::NotFound);
    }
    let reason = form.reason.trim();
    let hide = match form.decision.as_str() {
        "hide" if reason.is_empty() || reason.chars().count() > 300 => {
            let waiting = queue(&state.db, viewer.community_id).await?;
            let page = QueuePage {
                ctx,
                waiting,
                error: if reason.is_empty() {
                    "moderation-reason-required"
                } else {
                    "field-too-long"
                },
            };
            return crate::web::render_form(&page, true);
        }
        "hide" => Some(reason),
        "show" => None,
        _ => return Err(AppError::BadRequest("error-bad-input")),
    };
    decide(&state.db, kind, id, hide).await?;
    Ok(Redirect::to("/moderation").into_response())
}
