//! Who follows a request ("me too") and who may handle it.

use crate::auth::{Role, Viewer};
use crate::db::{BeginWrite, Db, StoreError, now};
use crate::on_db;

use super::record::{Audience, RequestRow};

/// "Me too": a neighbour follows a public request. Returns false when they
/// already did.
pub async fn follow(db: &Db, request: &RequestRow, account_id: i64) -> Result<bool, StoreError> {
    let at = now();
    let request_id = request.id;
    let added: bool = on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let inserted = sqlx::query(
                "INSERT INTO request_followers (request_id, account_id, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(request_id)
            .bind(account_id)
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted > 0 {
                sqlx::query("UPDATE requests SET follower_count = follower_count + 1 WHERE id = $1")
                    .bind(request_id)
                    .execute(&mut *tx)
                    .await?;
                insert_event!(tx, request_id, at, Some(account_id), "resident", "followed", None::<String>,
                    None::<String>, "", "", Audience::Staff.as_str())?;
            }
            tx.commit().await?;
            Ok::<bool, sqlx::Error>(inserted > 0)
        }
        .await
    })?;
    Ok(added)
}

pub async fn is_follower(db: &Db, request_id: i64, account_id: i64) -> Result<bool, StoreError> {
    let found: Option<i64> = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT account_id FROM request_followers WHERE request_id = $1 AND account_id = $2"
    )
    .bind(request_id)
    .bind(account_id)
    .fetch_optional(pool)
    .await)?;
    Ok(found.is_some())
}

/// Whether the viewer may handle this request: the administrator, or a
/// member of its workgroup, in its community.
pub async fn can_handle(
    db: &Db,
    request: &RequestRow,
    viewer: &Viewer,
) -> Result<bool, StoreError> {
    if viewer.community_id != request.community_id || !viewer.is_staff() {
        return Ok(false);
    }
    if viewer.role() == Role::Admin && !request.category_private {
        return Ok(true);
    }
    let found: Option<i64> = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT account_id FROM workgroup_members WHERE workgroup_id = $1 AND account_id = $2"
    )
    .bind(request.workgroup_id)
    .bind(viewer.id)
    .fetch_optional(pool)
    .await)?;
    Ok(found.is_some())
}

/// Whether the viewer leads the request's workgroup (or runs the estate):
/// leads route work — assign, reject, merge, refer.
pub async fn is_lead(db: &Db, request: &RequestRow, viewer: &Viewer) -> Result<bool, StoreError> {
    if viewer.community_id != request.community_id {
        return Ok(false);
    }
    if viewer.role() == Role::Admin && !request.category_private {
        return Ok(true);
    }
    let lead: Option<bool> = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT is_lead FROM workgroup_members WHERE workgroup_id = $1 AND account_id = $2"
    )
    .bind(request.workgroup_id)
    .bind(viewer.id)
    .fetch_optional(pool)
    .await)?;
    Ok(lead == Some(true))
}
