//! Residents' voice in every community: a year of ideas (supported, about
//! half of them answered), and a closed household poll with a ballot from
//! most flats, so the ideas page and a poll's results read realistic
//! volumes.

use grassroots::db::{BeginWrite, Db, now};
use grassroots::on_db;
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

const DAY: i64 = 86_400;
const IDEAS_PER_COMMUNITY: i64 = 120;
const TITLES: &[&str] = &[
    "荷花池边加几张长椅",
    "北门装一个快递柜",
    "楼道里装扶手",
    "花坛种上月季",
    "健身器材旁加遮阳棚",
    "小区里设一个旧衣回收箱",
    "停车位画线重新规划",
    "夜里路灯再亮一些",
];
const STATES: &[&str] = &["under_study", "planned", "done", "declined"];

/// Seeds every community; returns the jinyuan estate's closed poll.
pub async fn seed(db: &Db) -> anyhow::Result<i64> {
    let started = std::time::Instant::now();
    let communities: Vec<i64> = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT id FROM communities ORDER BY id"
    )
    .fetch_all(pool)
    .await)?;
    let mut rng = SmallRng::seed_from_u64(19);
    let until = now();
    let mut jinyuan_poll = 0;
    let mut ballots = 0usize;
    for community in communities {
        let author = author_of(db, community).await?;
        let units: Vec<(i64, Option<i64>)> = on_db!(db, |pool| {
            sqlx::query_as(
            "SELECT id, parent_id FROM places WHERE community_id = $1 AND kind = 'unit' ORDER BY id"
        )
        .bind(community)
        .fetch_all(pool)
        .await
        })?;
        let ideas: Vec<(String, i64, i64, Option<&str>)> = (0..IDEAS_PER_COMMUNITY)
            .map(|i| {
                let created = until - 365 * DAY + i * (365 * DAY / IDEAS_PER_COMMUNITY);
                let answered = rng.random_range(0..2) == 0;
                (
                    format!("{} #{i}", TITLES[rng.random_range(0..TITLES.len())]),
                    created,
                    rng.random_range(0..60),
                    answered.then(|| STATES[rng.random_range(0..STATES.len())]),
                )
            })
            .collect();
        let marks: Vec<(i64, Option<i64>, usize)> = units
            .iter()
            .filter_map(|(unit, building)| {
                let votes = rng.random_range(0..10) < 7;
                votes.then(|| (*unit, *building, rng.random_range(0..3)))
            })
            .collect();
        ballots += marks.len();
        let poll = on_db!(db, |pool| {
            async {
                let mut tx = pool.begin_write().await?;
                for (title, created, supports, answer) in &ideas {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO ideas (community_id, author_id, title, body, state, supports, created_at, \
                         first_answer_at, answered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                    )
                    .bind(community)
                    .bind(author)
                    .bind(title)
                    .bind("希望大家一起商量，把小区变得更好。")
                    .bind(answer.unwrap_or("open"))
                    .bind(supports)
                    .bind(created)
                    .bind(answer.map(|_| created + 10 * DAY))
                    .fetch_one(&mut *tx)
                    .await?;
                    if let Some(state) = answer {
                        sqlx::query(
                            "INSERT INTO idea_answers (idea_id, state, body, by_account, created_at) VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(id)
                        .bind(state)
                        .bind("支部已经讨论，答复如下。")
                        .bind(author)
                        .bind(created + 10 * DAY)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                let poll: i64 = sqlx::query_scalar(
                    "INSERT INTO polls (community_id, title_zh, title_en, per, opens_at, closes_at, created_at) \
                     VALUES ($1, '电动车充电桩装在哪里？', 'Where should the e-bike chargers go?', 'household', $2, $3, $2) RETURNING id",
                )
                .bind(community)
                .bind(until - 30 * DAY)
                .bind(until - 16 * DAY)
                .fetch_one(&mut *tx)
                .await?;
                let question: i64 = sqlx::query_scalar(
                    "INSERT INTO poll_questions (poll_id, position, text_zh, text_en) VALUES ($1, 0, '充电桩装在哪里？', 'Where?') RETURNING id",
                )
                .bind(poll)
                .fetch_one(&mut *tx)
                .await?;
                let mut choices = Vec::new();
                for (i, (zh, en)) in [("北门", "North gate"), ("东门", "East gate"), ("地下车库", "Garage")]
                    .into_iter()
                    .enumerate()
                {
                    choices.push(
                        sqlx::query_scalar::<_, i64>(
                            "INSERT INTO poll_choices (question_id, poll_id, position, text_zh, text_en) \
                             VALUES ($1, $2, $3, $4, $5) RETURNING id",
                        )
                        .bind(question)
                        .bind(poll)
                        .bind(i as i64)
                        .bind(zh)
                        .bind(en)
                        .fetch_one(&mut *tx)
                        .await?,
                    );
                }
                for (unit, building, choice) in &marks {
                    sqlx::query(
                        "INSERT INTO poll_ballots (poll_id, voter, building_id, cast_at, choices) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(poll)
                    .bind(format!("h:{unit}"))
                    .bind(building)
                    .bind(until - 20 * DAY)
                    .bind(choices[*choice].to_string())
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok::<i64, sqlx::Error>(poll)
            }
            .await
        })?;
        if community == 1 {
            jinyuan_poll = poll;
        }
    }
    eprintln!(
        "seeded ideas and polls ({ballots} ballots) in {:.0?}",
        started.elapsed()
    );
    Ok(jinyuan_poll)
}

/// An account to post a community's ideas: the demo's Huang in the demo
/// estate, a resident made for it elsewhere.
async fn author_of(db: &Db, community: i64) -> anyhow::Result<i64> {
    let found: Option<i64> = on_db!(db, |pool| {
        sqlx::query_scalar(
        "SELECT id FROM accounts WHERE community_id = $1 AND role = 'resident' ORDER BY id LIMIT 1"
    )
    .bind(community)
    .fetch_optional(pool)
    .await
    })?;
    if let Some(id) = found {
        return Ok(id);
    }
    Ok(on_db!(db, |pool| sqlx::query_scalar(
        "INSERT INTO accounts (community_id, username, display_name, role, created_at) \
         VALUES ($1, $2, '居民', 'resident', $3) RETURNING id"
    )
    .bind(community)
    .bind(format!("voice-{community}"))
    .bind(now())
    .fetch_one(pool)
    .await)?)
}
