//! Ideas for the estate: a resident proposes, neighbours support and
//! comment, an idea with enough support goes on the branch's agenda by
//! itself, and the responsible workgroup answers in public ("you said, we
//! did"). Residents flag what should not be there; moderators decide.

mod admin;
pub mod answers;
mod api;
mod comments;
mod edit;
pub mod moderation;
mod pages;
pub mod photos;
pub mod rules;
pub mod store;

use axum::Router;
use axum::routing::{get, post};

use crate::db::{Db, StoreError, iso};
use crate::on_db;
use crate::web::AppState;

pub use api::IdeasApi;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ideas", get(pages::list).post(pages::create))
        .route("/ideas/new", get(pages::new_form))
        .route("/ideas/we-did", get(pages::we_did))
        .route("/ideas/{id}", get(pages::show))
        .route("/ideas/{id}/support", post(pages::support))
        .route("/ideas/{id}/withdraw", post(pages::withdraw))
        .route("/ideas/{id}/comments", post(comments::comment))
        .route("/ideas/{id}/flag", post(comments::flag_idea))
        .route("/ideas/{id}/answers", post(answers::answer))
        .route("/ideas/{id}/edit", get(edit::edit_form).post(edit::edit))
        .route("/ideas/comments/{id}/flag", post(comments::flag_comment))
        .route("/ideas/comments/{id}/edit", post(comments::edit_comment))
        .route("/ideas/photos/{id}", get(photos::photo))
        .route("/moderation", get(moderation::page))
        .route("/moderation/{kind}/{id}", post(moderation::act))
        .route("/admin/ideas", get(admin::page).post(admin::save))
        .route("/api/v1/ideas", get(api::list).post(api::create))
        .route("/api/v1/ideas/{id}", get(api::one))
        .route(
            "/api/v1/ideas/{id}/support",
            post(api::support).delete(api::withdraw),
        )
}

/// The words an idea's state is shown with.
pub fn state_key(state: &str) -> String {
    format!("idea-state-{}", state.replace('_', "-"))
}

/// The dashboard's figures for ideas posted in a period: received,
/// answered within 30 days, done.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Figures {
    pub received: i64,
    pub answered_in_30_days: i64,
    pub done: i64,
}

pub async fn figures(
    db: &Db,
    community_id: i64,
    from: i64,
    to: i64,
) -> Result<Figures, StoreError> {
    let (received, answered, done) = on_db!(db, |pool| {
        sqlx::query_as::<_, (i64, i64, i64)>(
        "SELECT COUNT(*), \
         COALESCE(SUM(CASE WHEN first_answer_at IS NOT NULL AND first_answer_at - created_at <= 30 * 86400 THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END), 0) \
         FROM ideas WHERE community_id = $1 AND created_at >= $2 AND created_at < $3 AND moderation <> 'hidden'"
    )
    .bind(community_id)
    .bind(from)
    .bind(to)
    .fetch_one(pool)
    .await
    })?;
    Ok(Figures {
        received,
        answered_in_30_days: answered,
        done,
    })
}

/// A person's part of their own-data download: their ideas, supports and
/// comments.
pub async fn own_ideas(db: &Db, account_id: i64) -> Result<serde_json::Value, StoreError> {
    let ideas = store::of_author(db, account_id, false).await?;
    let supports = on_db!(db, |pool| {
        sqlx::query_as::<_, (i64, String, i64)>(
        "SELECT i.id, i.title, s.created_at FROM idea_supports s JOIN ideas i ON i.id = s.idea_id \
         WHERE s.account_id = $1 ORDER BY s.created_at"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
    })?;
    let comments = on_db!(db, |pool| {
        sqlx::query_as::<_, (i64, String, String, i64)>(
        "SELECT idea_id, body, moderation, created_at FROM idea_comments WHERE author_id = $1 ORDER BY id"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
    })?;
    Ok(serde_json::json!({
        "ideas": ideas.iter().map(|i| serde_json::json!({
            "id": i.id, "title": i.title, "body": i.body, "state": i.state,
            "moderation": i.moderation, "moderation_reason": i.moderation_reason,
            "supports": i.supports, "created_at": iso(i.created_at),
        })).collect::<Vec<_>>(),
        "supports": supports.iter().map(|(id, title, at)| serde_json::json!({
            "idea": id, "title": title, "at": iso(*at),
        })).collect::<Vec<_>>(),
        "comments": comments.iter().map(|(idea, body, moderation, at)| serde_json::json!({
            "idea": idea, "body": body, "moderation": moderation, "at": iso(*at),
        })).collect::<Vec<_>>(),
    }))
}

/// The person asked for their name to come off what they posted, as off
/// their past requests: their ideas and comments stay, signed "a resident".
pub async fn anonymise(db: &Db, account_id: i64) -> Result<(), StoreError> {
    for sql in [
        "UPDATE ideas SET author_named = FALSE WHERE author_id = $1",
        "UPDATE idea_comments SET author_named = FALSE WHERE author_id = $1",
    ] {
        on_db!(db, |pool| sqlx::query(sql)
            .bind(account_id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// An account closing: its supports are taken back (the counts follow);
/// its ideas and comments stay, under the closed account's name, as a
/// closed account's requests do.
pub async fn forget_supports(db: &Db, account_id: i64) -> Result<(), StoreError> {
    let ideas = on_db!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT idea_id FROM idea_supports WHERE account_id = $1"
    )
    .bind(account_id)
    .fetch_all(pool)
    .await)?;
    for idea in ideas {
        store::withdraw_support(db, idea, account_id).await?;
    }
    Ok(())
}

/// The demo estate's ideas: one just under its threshold, one planned,
/// one done with a photo. `people` are residents who post and support.
pub async fn demo(
    db: &Db,
    community_id: i64,
    people: &[i64],
    answerer: i64,
) -> Result<(), StoreError> {
    let Some(&author) = people.first() else {
        return Ok(());
    };
    let workgroup = crate::community::Workgroup::list(db, community_id)
        .await?
        .into_iter()
        .find(|w| w.code == "property")
        .map(|w| w.id);
    let settings = store::Settings {
        idea_supports: people.len() as i64 + 1,
        idea_percent: 0,
        idea_workgroup_id: workgroup,
        held_words: "广告\n代开发票\nspam".into(),
    };
    store::save_settings(db, community_id, &settings).await?;
    let threshold = store::threshold(db, community_id).await?;
    let ideas = [
        (
            "荷花池边加几张长椅 Benches by the lily pond",
            "老人散步走累了没地方坐，希望在荷花池边加三四张长椅。\nOlder neighbours have nowhere to rest on their walk; three or four benches by the pond would help.",
            "POND",
        ),
        (
            "3号楼门口装一个坡道 A ramp at building 3",
            "推轮椅和婴儿车进出很难，希望在台阶旁边加一个坡道。\nWheelchairs and prams struggle with the steps; a ramp beside them would help.",
            "B3",
        ),
        (
            "花坛种上月季 Roses in the flower beds",
            "北门花坛空了很久，可以请大家一起种月季。\nThe north gate's beds have been bare for long; we could plant roses together.",
            "",
        ),
    ];
    let mut ids = Vec::new();
    for (title, body, place) in ideas {
        let place_id = match place {
            "" => None,
            code => crate::community::Place::by_code(db, community_id, code)
                .await?
                .map(|p| p.id),
        };
        let idea = store::NewIdea {
            title,
            body,
            place_id,
            workgroup_id: workgroup,
            held: false,
        };
        ids.push(store::create(db, community_id, author, &idea, &[]).await?);
    }
    // Everyone supports the first: one short of the threshold.
    for &id in ids.iter().take(1) {
        if let Some(idea) = store::get(db, community_id, id).await? {
            for &person in people {
                store::support(db, &idea, person, threshold).await?;
            }
        }
    }
    if let Some(idea) = store::get(db, community_id, ids[1]).await? {
        let day =
            crate::rooms::rules::local(&jiff::tz::TimeZone::UTC, crate::db::now() + 30 * 86_400)
                .map(|t| t.date())
                .unwrap_or_default();
        answers::give(
            db,
            &idea,
            answerer,
            "planned",
            "已报街道审批，预计下月施工。 Sent to the street office; work is expected next month.",
            &day.to_string(),
            &[],
        )
        .await?;
    }
    if let Some(idea) = store::get(db, community_id, ids[2]).await? {
        let photo = crate::photos::process_photo(&demo_photo())
            .map_err(|e| StoreError::Other(anyhow::anyhow!("demo photo: {e}")))?;
        answers::give(
            db,
            &idea,
            answerer,
            "done",
            "志愿者们周六一起种好了月季。 Volunteers planted the roses together on Saturday.",
            "",
            &[photo],
        )
        .await?;
    }
    Ok(())
}

/// A small green picture standing for the roses planted.
fn demo_photo() -> Vec<u8> {
    let mut image = image::RgbImage::new(64, 48);
    for (x, y, pixel) in image.enumerate_pixels_mut() {
        let red = if (x / 8 + y / 8) % 3 == 0 { 200 } else { 40 };
        *pixel = image::Rgb([red, 140, 60]);
    }
    let mut bytes = Vec::new();
    let _ = image::DynamicImage::ImageRgb8(image).write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    );
    bytes
}
