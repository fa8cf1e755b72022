//! Notices in the JSON API: those for the person (or, signed out, those
//! for everyone) showing now.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::pages::seen_by;
use crate::db::iso;
use crate::web::{AppError, AppState, Ctx};

/// The notices' part of `/api/v1/openapi.json`, merged in by the entry.
#[derive(OpenApi)]
#[openapi(paths(list), components(schemas(AnnouncementJson)))]
pub struct NoticesApi;

#[derive(Serialize, ToSchema)]
pub struct AnnouncementJson {
    id: i64,
    title_zh: String,
    title_en: String,
    body_zh: String,
    body_en: String,
    emergency: bool,
    important: bool,
    pinned: bool,
    /// `all`, `buildings`, `workgroup` or `volunteers`.
    audience: String,
    posted_at: String,
    /// When it stops showing, if it ends.
    ends_at: Option<String>,
    /// Where its photo or PDF is, if it has one.
    attachment_url: Option<String>,
    /// When you marked it read (signed in only).
    read_at: Option<String>,
}

/// Notices showing now: for a signed-in person those for them (their
/// buildings, workgroups, volunteers), unread first; for others, those
/// for everyone.
#[utoipa::path(get, path = "/api/v1/notices", operation_id = "list_notices", security(()),
    responses((status = 200, description = "Done; the answer holds the result", body = Vec<AnnouncementJson>)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<AnnouncementJson>>, AppError> {
    let seen = seen_by(&state, ctx.community.id, ctx.viewer.as_ref()).await?;
    Ok(Json(
        seen.into_iter()
            .map(|s| {
                let n = s.notice;
                AnnouncementJson {
                    attachment_url: (!n.attachment_type.is_empty())
                        .then(|| format!("/notices/{}/attachment", n.id)),
                    id: n.id,
                    title_zh: n.title_zh,
                    title_en: n.title_en,
                    body_zh: n.body_zh,
                    body_en: n.body_en,
                    emergency: n.emergency,
                    important: n.important,
                    pinned: n.pinned,
                    audience: n.audience,
                    posted_at: iso(n.created_at),
                    ends_at: n.ends_at.map(iso),
                    read_at: s.read_at.map(iso),
                }
            })
            .collect(),
    ))
}
