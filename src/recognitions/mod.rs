//! Recognition of good deeds: anyone nominates a neighbour (who, what,
//! when, a photo); the secretary approves or declines; approved deeds are
//! shown on the site and the screens, and on the person's profile only if
//! they agree. The Red Armband volunteers' monthly commendation is one
//! kind of recognition.

mod api;
mod pages;
pub mod store;

use axum::Router;
use axum::routing::{get, post};

use crate::db::{Db, StoreError, iso};
use crate::web::AppState;

pub use api::RecognitionsApi;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/recognitions", get(pages::list).post(pages::create))
        .route("/recognitions/new", get(pages::new_form))
        .route("/recognitions/{id}/decide", post(pages::decide))
        .route("/recognitions/{id}/profile", post(pages::profile))
        .route("/recognitions/photos/{id}", get(pages::photo))
        .route("/people/{id}", get(pages::person))
        .route("/api/v1/recognitions", get(api::list))
}

/// A person's part of their own-data download: what they nominated, and
/// the recognitions of them.
pub async fn own_recognitions(db: &Db, account_id: i64) -> Result<serde_json::Value, StoreError> {
    let list = store::involving(db, account_id).await?;
    Ok(serde_json::json!(
        list.iter()
            // A nomination of the person reaches them only once approved;
            // why one was declined is the nominator's to read.
            .filter(|r| r.nominated_by == Some(account_id) || r.state == "approved")
            .map(|r| {
                let mine = r.nominated_by == Some(account_id);
                serde_json::json!({
                    "nominated_by_me": mine,
                    "of_me": r.person_account_id == Some(account_id),
                    "kind": r.kind, "person": r.person_name, "what": r.what,
                    "happened_on": r.happened_on, "state": r.state,
                    "reason": if mine { r.reason.as_str() } else { "" },
                    "on_profile": r.on_profile, "created_at": iso(r.created_at),
                })
            })
            .collect::<Vec<_>>()
    ))
}

/// The demo estate's two approved recognitions: a neighbour's good deed,
/// and Zhao's Red Armband commendation (shown on her profile).
pub async fn demo(
    db: &Db,
    community_id: i64,
    nominator: i64,
    secretary: i64,
    zhao: i64,
) -> Result<(), StoreError> {
    let today = crate::rooms::rules::local(&jiff::tz::TimeZone::UTC, crate::db::now() - 3 * 86_400)
        .map(|t| t.date().to_string())
        .unwrap_or_default();
    let deeds = [
        store::Nomination {
            kind: "deed",
            person_name: "3号楼刘阿姨 Auntie Liu of building 3",
            person_account_id: None,
            what: "每天帮腿脚不便的邻居买菜送上楼。 Buys groceries every day for a neighbour who cannot walk far, and carries them upstairs.",
            happened_on: &today,
        },
        store::Nomination {
            kind: "red_armband",
            person_name: "赵阿姨 Auntie Zhao",
            person_account_id: Some(zhao),
            what: "本月巡逻二十次，夜里帮迷路的老人找到了家。 Twenty patrols this month; one night she walked a lost elderly man home.",
            happened_on: &today,
        },
    ];
    for deed in deeds {
        let id = store::nominate(db, community_id, Some(nominator), &deed, &[]).await?;
        if let Some(r) = store::get(db, community_id, id).await? {
            store::decide(db, &r, secretary, true, "").await?;
        }
    }
    let zhao_own = store::involving(db, zhao).await?;
    for r in zhao_own
        .iter()
        .filter(|r| r.person_account_id == Some(zhao))
    {
        store::set_on_profile(db, r.id, zhao, true).await?;
    }
    Ok(())
}
