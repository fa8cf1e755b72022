//! Polls: a consultation of the estate, one vote per household or per
//! resident as the poll says, changeable until it closes, results hidden
//! until then unless the poll says live. Ballots are secret: only counts
//! leave the store. Reception records paper ballots.

mod api;
mod new;
mod pages;
pub mod rules;
pub mod store;

use axum::Router;
use axum::routing::{get, post};

use crate::db::{BeginWrite, Db, StoreError, iso, now};
use crate::on_db;
use crate::web::AppState;

pub use api::PollsApi;
pub use new::QUESTIONS;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/polls", get(pages::list))
        .route("/polls/new", get(new::page).post(new::create))
        .route("/polls/{id}", get(pages::show))
        .route("/polls/{id}/vote", post(pages::vote))
        .route("/polls/{id}/paper", post(pages::paper))
        .route("/api/v1/polls", get(api::list))
        .route("/api/v1/polls/{id}/votes", post(api::vote))
}

/// A poll's results for the screen: its title and each choice's count.
async fn results_payload(db: &Db, poll: &store::Poll) -> Result<serde_json::Value, StoreError> {
    let choices = store::choices(db, poll.id, true).await?;
    Ok(serde_json::json!({
        "id": poll.id, "title_zh": poll.title_zh, "title_en": poll.title_en,
        "ballots": poll.ballots,
        "choices": choices.iter().map(|c| serde_json::json!({
            "text_zh": c.text_zh, "text_en": c.text_en, "votes": c.votes,
        })).collect::<Vec<_>>(),
    }))
}

/// Polls that closed since the last look put their results on the
/// screens, once each (keyed, so several instances announce once).
pub async fn announce_closed(db: &Db) -> Result<u64, StoreError> {
    let at = now();
    let closed = on_db!(db, |pool| {
        sqlx::query_as::<_, (i64, i64)>(
        "SELECT p.community_id, p.id FROM polls p WHERE p.closes_at <= $1 AND p.closes_at > $1 - 7 * 86400 \
         AND NOT EXISTS (SELECT 1 FROM jobs_done j WHERE j.job_key = 'poll-closed:' || CAST(p.id AS TEXT))"
    )
    .bind(at)
    .fetch_all(pool)
    .await
    })?;
    let mut told = 0;
    for (community_id, id) in closed {
        let Some(poll) = store::get(db, community_id, id).await? else {
            continue;
        };
        let payload = results_payload(db, &poll).await?;
        let key = format!("poll-closed:{id}");
        told += on_db!(db, |pool| {
            async {
                let mut tx = pool.begin_write().await?;
                let fresh = sqlx::query(
                    "INSERT INTO jobs_done (job_key, done_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(&key)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if fresh > 0 {
                    crate::record_live_event!(tx, community_id, "poll_closed", payload)?;
                }
                tx.commit().await?;
                Ok::<u64, sqlx::Error>(fresh)
            }
            .await
        })?;
    }
    Ok(told)
}

/// Once a minute: closed polls' results go to the screens.
pub async fn run_forever(db: Db) {
    loop {
        if let Err(e) = announce_closed(&db).await {
            tracing::warn!(error = ?e, "announcing closed polls");
        }
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    }
}

/// A person's part of their own-data download: the polls they voted in
/// and when (the choices stay secret, even here).
pub async fn own_votes(db: &Db, account_id: i64) -> Result<serde_json::Value, StoreError> {
    let votes = store::voted_by(db, account_id).await?;
    Ok(serde_json::json!(
        votes
            .iter()
            .map(|(poll, title, at, paper)| serde_json::json!({
                "poll": poll, "title": title, "cast_at": iso(*at), "on_paper": paper,
            }))
            .collect::<Vec<_>>()
    ))
}

/// The demo estate's open household poll: where the new parcel lockers go.
pub async fn demo(db: &Db, community_id: i64, by: i64) -> Result<(), StoreError> {
    let at = now();
    let poll = store::NewPoll {
        title_zh: "快递柜放在哪里？".into(),
        title_en: "Where should the parcel lockers go?".into(),
        body_zh: "街道出资装一组快递柜，请每户投一票。".into(),
        body_en:
            "The street office pays for a set of parcel lockers. One vote per household, please."
                .into(),
        per: "household",
        live_results: false,
        opens_at: at - 86_400,
        closes_at: at + 14 * 86_400,
        questions: vec![store::NewQuestion {
            text_zh: "您希望快递柜放在哪里？".into(),
            text_en: "Where would you like the lockers?".into(),
            multiple: false,
            choices: [
                ("北门", "North gate"),
                ("主楼大厅", "Main hall"),
                ("3号楼旁", "Beside building 3"),
            ]
            .map(|(zh, en)| (zh.to_string(), en.to_string()))
            .to_vec(),
        }],
    };
    store::create(db, community_id, by, &poll).await?;
    Ok(())
}
