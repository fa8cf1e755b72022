//! Volunteers and care in every community: a carer and fifty residents in
//! care each (two hundred communities make ten thousand plans), a fifth of
//! them overdue past their grace, so the care scheduler's pass has work;
//! and two years of daily evening patrols of the Red Armband team, so the
//! duty view finds the shift going on now among many.

use grassroots::db::{BeginWrite, Db, now};
use grassroots::on_db;
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

const PLANS_PER_COMMUNITY: usize = 50;
const DAY: i64 = 86_400;
const PATROL_DAYS: i64 = 730;

pub async fn seed(db: &Db) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let communities: Vec<(i64, i64)> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT c.id, w.id FROM communities c JOIN workgroups w ON w.community_id = c.id AND w.code = 'security' ORDER BY c.id"
    )
    .fetch_all(pool)
    .await
    })?;
    let mut rng = SmallRng::seed_from_u64(21);
    let at = now();
    let (mut plans, mut shifts) = (0usize, 0usize);
    for (community, team) in communities {
        let levels: Vec<(&str, i64, i64)> = (0..PLANS_PER_COMMUNITY)
            .map(|_| {
                let (level, every) = match rng.random_range(0..10) {
                    0..=2 => ("high", 7),
                    3..=7 => ("key", 30),
                    _ => ("other", 90),
                };
                // A fifth are overdue past their day of grace.
                let due = if rng.random_range(0..5) == 0 {
                    at - rng.random_range(2..20) * DAY
                } else {
                    at + rng.random_range(1..every) * DAY
                };
                (level, every, due)
            })
            .collect();
        on_db!(db, |pool| {
            async {
                let mut tx = pool.begin_write().await?;
                let carer: i64 = sqlx::query_scalar(
                    "INSERT INTO accounts (community_id, username, display_name, role, created_at) \
                     VALUES ($1, $2, '关爱志愿者', 'volunteer', $3) RETURNING id",
                )
                .bind(community)
                .bind(format!("carer-{community}"))
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                let mut q = sqlx::QueryBuilder::new("INSERT INTO accounts (community_id, username, display_name, role, created_at) ");
                q.push_values(0..PLANS_PER_COMMUNITY, |mut b, n| {
                    b.push_bind(community)
                        .push_bind(format!("cared-{community}-{n}"))
                        .push_bind(format!("独居老人{n}"))
                        .push_bind("resident")
                        .push_bind(at);
                });
                q.push(" RETURNING id");
                let residents: Vec<i64> = q.build_query_scalar().fetch_all(&mut *tx).await?;
                let mut q = sqlx::QueryBuilder::new("INSERT INTO care_consents (community_id, account_id, how, recorded_by, recorded_at) ");
                q.push_values(&residents, |mut b, r| {
                    b.push_bind(community).push_bind(*r).push_bind("written").push_bind(carer).push_bind(at - 400 * DAY);
                });
                q.push(" RETURNING id");
                let consents: Vec<i64> = q.build_query_scalar().fetch_all(&mut *tx).await?;
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO care_plans (community_id, account_id, consent_id, level, every_days, carer_id, grace_hours, began_at, due_at) ",
                );
                let rows: Vec<_> = residents.iter().zip(&consents).zip(&levels).collect();
                q.push_values(rows, |mut b, ((r, k), (level, every, due))| {
                    b.push_bind(community)
                        .push_bind(*r)
                        .push_bind(*k)
                        .push_bind(*level)
                        .push_bind(*every)
                        .push_bind(carer)
                        .push_bind(24_i64)
                        .push_bind(at - 400 * DAY)
                        .push_bind(*due);
                });
                q.build().execute(&mut *tx).await?;
                sqlx::query("INSERT INTO workgroup_members (workgroup_id, account_id, is_lead) VALUES ($1, $2, FALSE)")
                    .bind(team)
                    .bind(carer)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO duty_teams (workgroup_id, community_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(team)
                    .bind(community)
                    .execute(&mut *tx)
                    .await?;
                // Two years of evening patrols, 19:00 to 21:00 Beijing time.
                let first = at - at.rem_euclid(DAY) - PATROL_DAYS * DAY + 11 * 3600;
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO shifts (community_id, team_id, title, place, starts_at, ends_at, places, created_at) ",
                );
                q.push_values(0..PATROL_DAYS, |mut b, d| {
                    let starts = first + d * DAY;
                    b.push_bind(community)
                        .push_bind(team)
                        .push_bind("晚间巡逻")
                        .push_bind("南门岗亭")
                        .push_bind(starts)
                        .push_bind(starts + 2 * 3600)
                        .push_bind(2_i64)
                        .push_bind(starts - 30 * DAY);
                });
                q.push(" RETURNING id, starts_at");
                let made: Vec<(i64, i64)> = q.build_query_as().fetch_all(&mut *tx).await?;
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO shift_signups (shift_id, account_id, state, checked_in_at, checked_out_at, minutes, reminded_at, created_at) ",
                );
                q.push_values(&made, |mut b, (shift, starts)| {
                    b.push_bind(*shift)
                        .push_bind(carer)
                        .push_bind("on")
                        .push_bind(*starts)
                        .push_bind(*starts + 7200)
                        .push_bind(120_i64)
                        .push_bind(*starts - 3600)
                        .push_bind(*starts - 7 * DAY);
                });
                q.build().execute(&mut *tx).await?;
                tx.commit().await?;
                Ok::<_, sqlx::Error>(())
            }
            .await
        })?;
        plans += PLANS_PER_COMMUNITY;
        shifts += PATROL_DAYS as usize;
    }
    println!(
        "seeded {plans} care plans and {shifts} patrol shifts in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
