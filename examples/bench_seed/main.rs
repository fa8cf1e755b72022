//! Fills an empty database with the benchmark's volume: the demo estate,
//! its shape copied into more communities, and many requests with their
//! histories over the last two years, mostly in Chinese.
//!
//! `bench_seed DATABASE_URL [REQUESTS] [COMMUNITIES]` (defaults 1,000,000
//! and 200) prints the demo's lines (screen and kiosk addresses) and a
//! `seeded …` line. The data is what the running service would have made:
//! statuses with the times that go with them, a timeline per request, the
//! scheduler's past jobs marked done (so the first run at start has no
//! backlog that a real estate would not have), ratings on most closed
//! requests. Rows go in as multi-row inserts, a transaction per batch.

mod care;
mod library;
mod voice;

use std::collections::HashMap;

use anyhow::Context;
use grassroots::chase::rules::{Step, due_steps};
use grassroots::db::{BeginWrite, Db, now};
use grassroots::on_db;
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

const DAY: i64 = 86_400;
const SPAN_DAYS: i64 = 730;
const BATCH: usize = 500;

const WHERE_ZH: &[&str] = &[
    "3号楼二单元",
    "荷花池边",
    "东门口",
    "地下停车场",
    "6号楼楼道",
    "1号楼电梯间",
    "主楼大厅",
    "健身器材旁",
    "小广场",
    "垃圾分类点",
    "自行车棚",
    "2号楼顶楼",
    "4号楼一楼",
    "5号楼后面",
    "会议室",
    "图书室门口",
];
const WHAT_ZH: &[&str] = &[
    "漏水严重",
    "路灯不亮",
    "电梯停在半层",
    "下水道堵塞",
    "噪音扰民到深夜",
    "垃圾没人清运",
    "墙皮脱落",
    "楼道灯坏了",
    "有人乱停车",
    "井盖松动",
    "暖气不热",
    "门禁刷不开",
    "水管爆裂",
    "野猫太多",
    "树枝挡路",
    "广场舞音响太大",
    "消防通道被占",
    "外墙渗水",
    "监控摄像头坏了",
    "有陌生人推销",
];
const MORE_ZH: &[&str] = &[
    "，老人出入不方便，麻烦尽快处理。",
    "，已经好几天了，请物业来看看。",
    "，晚上走路很危险。",
    "，邻居们都反映过，希望早日解决。",
    "，家里有小孩，担心安全。",
    "。谢谢社区！",
    "，上次修过又坏了。",
    "，请红袖章巡逻时留意一下。",
    "，下雨天更严重。",
    "，我腿脚不好，下楼很难。",
];
const WHAT_EN: &[&str] = &[
    "Water leaking from the ceiling",
    "Street light out",
    "Lift stuck between floors",
    "Blocked drain",
    "Noise late at night",
];
const ANSWERS_ZH: &[&str] = &[
    "已收到，我们会尽快安排人员处理。",
    "维修师傅明天上午上门。",
    "已联系相关单位。",
];
const RESOLVED_ZH: &[&str] = &[
    "已修好，请您确认。",
    "已处理完毕，感谢反映。",
    "问题已解决，欢迎继续监督。",
];
const NAMES_ZH: &[&str] = &[
    "王阿姨",
    "李大爷",
    "张女士",
    "刘先生",
    "陈奶奶",
    "赵师傅",
    "黄老师",
    "周大姐",
];
const CHANNELS: &[&str] = &[
    "web",
    "web",
    "web",
    "reception",
    "phone",
    "phone",
    "screen",
    "api",
];
const KINDS: &[&str] = &[
    "report",
    "report",
    "report",
    "help",
    "complaint",
    "consultation",
    "suggestion",
];

struct Category {
    id: i64,
    workgroup_id: i64,
    response_hours: i64,
    resolution_days: i64,
}

struct Shape {
    categories: Vec<Category>,
    places: Vec<i64>,
}

/// One generated request, before it has an id.
struct Seeded {
    community_id: i64,
    code: String,
    kind: &'static str,
    urgency: &'static str,
    category: usize,
    place_id: Option<i64>,
    description: String,
    channel: &'static str,
    visibility: &'static str,
    reporter_account_id: Option<i64>,
    reporter_name: &'static str,
    reporter_phone: String,
    status: &'static str,
    created_at: i64,
    response_due_at: i64,
    resolution_due_at: i64,
    responded_at: Option<i64>,
    resolved_at: Option<i64>,
    closed_at: Option<i64>,
    rating: Option<i64>,
    rated_at: Option<i64>,
    rejection_reason: &'static str,
    referred_to: &'static str,
}

impl Seeded {
    fn updated_at(&self) -> i64 {
        [
            self.responded_at,
            self.resolved_at,
            self.closed_at,
            self.rated_at,
        ]
        .into_iter()
        .flatten()
        .fold(self.created_at, i64::max)
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .context("usage: bench_seed DATABASE_URL [REQUESTS] [COMMUNITIES]")?;
    let total: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let communities: i64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(200);
    let db = Db::connect(&url).await?;
    db.migrate().await?;
    let existing: i64 = on_db!(&db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM communities"
    )
    .fetch_one(pool)
    .await)?;
    anyhow::ensure!(existing == 0, "the database is not empty");
    for line in grassroots::demo::load(&db, "http://127.0.0.1").await? {
        println!("{line}");
    }
    let started = std::time::Instant::now();
    copy_communities(&db, communities).await?;
    seed_activities(&db).await?;
    let poll = voice::seed(&db).await?;
    println!("The closed poll: /polls/{poll}");
    library::seed(&db).await?;
    care::seed(&db).await?;
    let shapes = shapes(&db).await?;
    let residents: Vec<i64> = on_db!(&db, |pool| sqlx::query_scalar(
        "SELECT id FROM accounts WHERE community_id = 1 AND role = 'resident' ORDER BY id"
    )
    .fetch_all(pool)
    .await)?;
    let ids: Vec<i64> = shapes.keys().copied().collect();
    let mut rng = SmallRng::seed_from_u64(8);
    let until = now();
    let from = until - SPAN_DAYS * DAY;
    let mut made = 0usize;
    while made < total {
        let n = BATCH.min(total - made);
        let batch: Vec<Seeded> = (0..n)
            .map(|i| {
                let created = from + ((made + i) as i64 * (SPAN_DAYS * DAY)) / total as i64;
                let community = ids[rng.random_range(0..ids.len())];
                let residents = if community == 1 { &residents[..] } else { &[] };
                request(
                    &mut rng,
                    community,
                    &shapes[&community],
                    residents,
                    created,
                    until,
                )
            })
            .collect();
        insert(&db, &shapes, batch, until).await?;
        made += n;
        if made.is_multiple_of(100_000) {
            eprintln!("seeded {made} requests in {:.0?}", started.elapsed());
        }
    }
    analyse(&db).await?;
    println!(
        "seeded {made} requests over {} communities in {:.1} s",
        ids.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A year of community life in every community: the demo's rooms, and its
/// four classes running since 245 days ago (the coming 120 days written by
/// the app's own code, the past ones here), with a few sign-ups each.
async fn seed_activities(db: &Db) -> anyhow::Result<()> {
    use grassroots::activities::store::{self, NewActivity};
    let started = std::time::Instant::now();
    on_db!(db, |pool| {
        sqlx::query(
        "INSERT INTO rooms (community_id, place_id, code, opens_minute, closes_minute, longest_minutes, who_may_book, \
         approver_workgroup_id, grace_minutes) \
         SELECT p.community_id, p.id, r.code, r.opens_minute, r.closes_minute, r.longest_minutes, r.who_may_book, \
         w.id, r.grace_minutes FROM rooms r JOIN places op ON op.id = r.place_id \
         JOIN places p ON p.community_id <> 1 AND p.code = op.code \
         LEFT JOIN workgroups ow ON ow.id = r.approver_workgroup_id \
         LEFT JOIN workgroups w ON w.community_id = p.community_id AND w.code = ow.code \
         WHERE r.community_id = 1"
    )
    .execute(pool)
    .await
    .map(|r| r.rows_affected())
    })?;
    let demo = store::activities(db, 1, None).await?;
    let communities: Vec<(i64, String)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT id, timezone FROM communities WHERE id <> 1 ORDER BY id"
    )
    .fetch_all(pool)
    .await)?;
    let until = now();
    let since = until - 245 * DAY;
    let mut rng = SmallRng::seed_from_u64(18);
    let mut occurrences = 0usize;
    for (community, zone) in communities {
        for a in &demo {
            let Some(mut timing) = a.timing() else {
                continue;
            };
            timing.starts_local = timing
                .starts_local
                .checked_sub(jiff::Span::new().days(245))
                .unwrap_or(timing.starts_local);
            let (workgroup_id, place_id): (i64, Option<i64>) = on_db!(db, |pool| sqlx::query_as(
                "SELECT w.id, (SELECT p.id FROM places p JOIN places op ON op.code = p.code \
                 WHERE op.id = $3 AND p.community_id = $1) FROM workgroups w \
                 WHERE w.community_id = $1 AND w.code = $2"
            )
            .bind(community)
            .bind(&a.workgroup_code)
            .bind(a.place_id)
            .fetch_one(pool)
            .await)?;
            let room = match place_id {
                Some(p) => grassroots::rooms::store::at_place(db, p).await?,
                None => None,
            };
            let new = NewActivity {
                workgroup_id,
                place_id,
                title_zh: a.title_zh.clone(),
                title_en: a.title_en.clone(),
                description: a.description.clone(),
                teacher: a.teacher.clone(),
                capacity: a.capacity,
                timing: timing.clone(),
                closes_minutes_before: a.closes_minutes_before,
                created_by: None,
            };
            let id = store::create(db, community, &zone, room.as_ref(), &new).await?;
            let past = grassroots::activities::recurrence::starts_between(
                &timing,
                &zone,
                since,
                until - timing.minutes * 60,
                1000,
            )
            .map_err(|e| anyhow::anyhow!(e))?;
            occurrences += past.len();
            for chunk in past.chunks(200) {
                on_db!(db, |pool| {
                    let mut q = sqlx::QueryBuilder::new(
                        "INSERT INTO occurrences (activity_id, community_id, original_at, starts_at, ends_at, checkin_code) ",
                    );
                    q.push_values(chunk, |mut row, start| {
                        row.push_bind(id)
                            .push_bind(community)
                            .push_bind(*start)
                            .push_bind(*start)
                            .push_bind(*start + timing.minutes * 60)
                            .push_bind(format!("bench-{id}-{start}"));
                    });
                    q.build().execute(pool).await.map(|r| r.rows_affected())
                })?;
            }
        }
        // A few people came to each past time, and a few signed up ahead.
        let times: Vec<(i64, i64)> = on_db!(db, |pool| sqlx::query_as(
            "SELECT o.id, o.starts_at FROM occurrences o WHERE o.community_id = $1"
        )
        .bind(community)
        .fetch_all(pool)
        .await)?;
        let mut rows: Vec<(i64, String, i64, Option<i64>)> = Vec::new();
        for (occurrence, starts) in times {
            for k in 0..rng.random_range(1..6) {
                let attended = (starts < until).then_some(starts);
                rows.push((occurrence, format!("居民{k}"), starts - DAY, attended));
            }
        }
        for chunk in rows.chunks(500) {
            on_db!(db, |pool| {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO signups (occurrence_id, walk_in_name, state, at, attended_at) ",
                );
                q.push_values(chunk, |mut row, (occurrence, name, at, attended)| {
                    row.push_bind(*occurrence)
                        .push_bind(name.as_str())
                        .push_bind("going")
                        .push_bind(*at)
                        .push_bind(*attended);
                });
                q.build().execute(pool).await.map(|r| r.rows_affected())
            })?;
        }
    }
    eprintln!(
        "seeded a year of activities ({occurrences} past times) in {:.0?}",
        started.elapsed()
    );
    Ok(())
}

/// Communities 2..=n: the demo estate's places, workgroups and categories.
async fn copy_communities(db: &Db, n: i64) -> anyhow::Result<()> {
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            for i in 2..=n {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO communities (code, name_zh, name_en, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(format!("estate-{i:03}"))
                .bind(format!("第{i}小区"))
                .bind(format!("Estate {i}"))
                .bind(now())
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO places (community_id, kind, code, name_zh, name_en) \
                     SELECT $1, kind, code, name_zh, name_en FROM places WHERE community_id = 1 AND parent_id IS NULL",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO places (community_id, kind, code, name_zh, name_en, parent_id) \
                     SELECT $1, u.kind, u.code, u.name_zh, u.name_en, b.id FROM places u \
                     JOIN places ob ON ob.id = u.parent_id \
                     JOIN places b ON b.community_id = $1 AND b.code = ob.code \
                     WHERE u.community_id = 1",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO workgroups (community_id, code, name_zh, name_en) \
                     SELECT $1, code, name_zh, name_en FROM workgroups WHERE community_id = 1",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO categories (community_id, workgroup_id, code, name_zh, name_en, icon, response_hours, \
                     resolution_days, notice_zh, notice_en, danger_stopper, private_by_nature, description_zh, \
                     description_en, keywords, needs_review) \
                     SELECT $1, w.id, c.code, c.name_zh, c.name_en, c.icon, c.response_hours, c.resolution_days, \
                     c.notice_zh, c.notice_en, c.danger_stopper, c.private_by_nature, c.description_zh, \
                     c.description_en, c.keywords, c.needs_review FROM categories c \
                     JOIN workgroups ow ON ow.id = c.workgroup_id \
                     JOIN workgroups w ON w.community_id = $1 AND w.code = ow.code \
                     WHERE c.community_id = 1",
                )
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

async fn shapes(db: &Db) -> anyhow::Result<HashMap<i64, Shape>> {
    let categories: Vec<(i64, i64, i64, i64, i64)> = on_db!(db, |pool| {
        sqlx::query_as(
        "SELECT community_id, id, workgroup_id, response_hours, resolution_days FROM categories \
         WHERE active AND NOT needs_review ORDER BY id"
    )
    .fetch_all(pool)
    .await
    })?;
    let places: Vec<(i64, i64)> = on_db!(db, |pool| sqlx::query_as(
        "SELECT community_id, id FROM places ORDER BY id"
    )
    .fetch_all(pool)
    .await)?;
    let mut shapes: HashMap<i64, Shape> = HashMap::new();
    for (community, id, workgroup_id, response_hours, resolution_days) in categories {
        let shape = shapes.entry(community).or_insert_with(|| Shape {
            categories: Vec::new(),
            places: Vec::new(),
        });
        shape.categories.push(Category {
            id,
            workgroup_id,
            response_hours,
            resolution_days,
        });
    }
    for (community, id) in places {
        if let Some(shape) = shapes.get_mut(&community) {
            shape.places.push(id);
        }
    }
    Ok(shapes)
}

fn pick<T: Copy>(rng: &mut SmallRng, from: &[T]) -> T {
    from[rng.random_range(0..from.len())]
}

fn request(
    rng: &mut SmallRng,
    community_id: i64,
    shape: &Shape,
    residents: &[i64],
    created_at: i64,
    now: i64,
) -> Seeded {
    let category = rng.random_range(0..shape.categories.len());
    let c = &shape.categories[category];
    let response_due_at = created_at + c.response_hours * 3_600;
    let resolution_due_at = created_at + c.resolution_days * DAY;
    let age = now - created_at;
    let roll: u32 = rng.random_range(0..100);
    // Older requests have mostly run their course; recent ones are a mix.
    let status = if age > 20 * DAY {
        match roll {
            0..=84 => "closed",
            85..=87 => "rejected",
            88..=90 => "referred",
            91..=93 => "duplicate",
            94..=96 => "in_progress",
            _ => "waiting",
        }
    } else {
        match roll {
            0..=14 => "submitted",
            15..=29 => "responded",
            30..=49 => "in_progress",
            50..=54 => "waiting",
            55..=69 => "resolved",
            70..=94 => "closed",
            _ => "rejected",
        }
    };
    let lateness: f64 = rng.random_range(0.05..1.4);
    let answered = created_at + (c.response_hours as f64 * 3_600.0 * lateness) as i64;
    let responded_at = (status != "submitted").then_some(answered.min(now));
    let solved_after = (c.resolution_days as f64 * DAY as f64 * rng.random_range(0.1..1.3)) as i64;
    let resolved_at = matches!(status, "resolved" | "closed").then(|| {
        (answered + solved_after)
            .min(now)
            .max(responded_at.unwrap_or(created_at))
    });
    // Resolved and not yet confirmed: within the 10 days before auto-close.
    let resolved_at = match (status, resolved_at) {
        ("resolved", Some(t)) => Some(t.max(now - 9 * DAY)),
        (_, t) => t,
    };
    let closed_at = match status {
        "closed" => resolved_at.map(|t| (t + rng.random_range(0..5 * DAY)).min(now)),
        "rejected" | "referred" | "duplicate" => responded_at,
        _ => None,
    };
    let rated = status == "closed" && rng.random_range(0..100) < 65;
    let rating = rated.then(|| match rng.random_range(0..100) {
        0..=4 => 1,
        5..=9 => 2,
        10..=19 => 3,
        20..=49 => 4,
        _ => 5,
    });
    let english = rng.random_range(0..100) < 5;
    let description = if english {
        format!(
            "{} near building {}.",
            pick(rng, WHAT_EN),
            rng.random_range(1..7)
        )
    } else {
        format!(
            "{}{}{}",
            pick(rng, WHERE_ZH),
            pick(rng, WHAT_ZH),
            pick(rng, MORE_ZH)
        )
    };
    let reporter_account_id =
        (!residents.is_empty() && rng.random_range(0..100) < 20).then(|| pick(rng, residents));
    Seeded {
        community_id,
        code: rng.random_range(10_000_000u32..100_000_000).to_string(),
        kind: pick(rng, KINDS),
        urgency: if roll.is_multiple_of(17) {
            "danger"
        } else {
            "general"
        },
        category,
        place_id: (!shape.places.is_empty() && rng.random_range(0..100) < 80)
            .then(|| pick(rng, &shape.places)),
        description,
        channel: pick(rng, CHANNELS),
        visibility: match rng.random_range(0..100) {
            0..=79 => "public",
            80..=94 => "private",
            _ => "anonymous",
        },
        reporter_account_id,
        reporter_name: pick(rng, NAMES_ZH),
        reporter_phone: format!("139{:08}", rng.random_range(0..100_000_000u32)),
        status,
        created_at,
        response_due_at,
        resolution_due_at,
        responded_at,
        resolved_at,
        closed_at,
        rating,
        rated_at: rated.then(|| closed_at.unwrap_or(created_at)),
        rejection_reason: if status == "rejected" {
            "不属于社区受理范围"
        } else {
            ""
        },
        referred_to: if status == "referred" {
            "街道办事处"
        } else {
            ""
        },
    }
}

/// One step of a timeline: at, kind, from, to, the public message.
type Event = (
    i64,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
);

/// The timeline a request of this status has.
fn events(r: &Seeded) -> Vec<Event> {
    let mut e = vec![(r.created_at, "created", None, Some("submitted"), "")];
    let answer = ANSWERS_ZH[r.code.len() % ANSWERS_ZH.len()];
    let Some(responded) = r.responded_at else {
        return e;
    };
    match r.status {
        "rejected" => e.push((
            responded,
            "reject",
            Some("submitted"),
            Some("rejected"),
            r.rejection_reason,
        )),
        "referred" => e.push((
            responded,
            "refer",
            Some("submitted"),
            Some("referred"),
            "已转交街道办事处。",
        )),
        "duplicate" => e.push((
            responded,
            "duplicate",
            Some("submitted"),
            Some("duplicate"),
            "",
        )),
        _ => {
            e.push((
                responded,
                "respond",
                Some("submitted"),
                Some("responded"),
                answer,
            ));
            if matches!(r.status, "in_progress" | "waiting" | "resolved" | "closed") {
                e.push((
                    responded,
                    "start",
                    Some("responded"),
                    Some("in_progress"),
                    "",
                ));
            }
            if r.status == "waiting" {
                e.push((
                    responded,
                    "ask",
                    Some("in_progress"),
                    Some("waiting"),
                    "请问您什么时候方便在家？",
                ));
            }
            if let Some(resolved) = r.resolved_at {
                let said = RESOLVED_ZH[r.code.len() % RESOLVED_ZH.len()];
                e.push((
                    resolved,
                    "resolve",
                    Some("in_progress"),
                    Some("resolved"),
                    said,
                ));
            }
            if let (Some(closed), "closed") = (r.closed_at, r.status) {
                let kind = if r.rating.is_some() {
                    "rated"
                } else {
                    "close_unconfirmed"
                };
                e.push((closed, kind, Some("resolved"), Some("closed"), ""));
            }
        }
    }
    e
}

/// The scheduler's jobs already due for an open request, as it names them.
fn jobs_done(id: i64, r: &Seeded, now: i64) -> Vec<String> {
    let mut keys = Vec::new();
    if matches!(
        r.status,
        "submitted" | "responded" | "in_progress" | "waiting"
    ) {
        for (clock, due, stopped) in [
            ("response", r.response_due_at, r.responded_at.is_some()),
            ("resolution", r.resolution_due_at, false),
        ] {
            for step in due_steps(r.created_at, due, stopped, now) {
                let name = match step {
                    Step::Remind => "remind",
                    Step::EscalateToLead => "lead",
                    Step::EscalateToSecretary => "secretary",
                };
                keys.push(format!("{name}:{clock}:{id}:{due}"));
            }
        }
    }
    if let (Some(resolved), "resolved") = (r.resolved_at, r.status)
        && now >= resolved + 3 * DAY
    {
        keys.push(format!("nudge:{id}:{resolved}"));
    }
    keys
}

async fn insert(
    db: &Db,
    shapes: &HashMap<i64, Shape>,
    batch: Vec<Seeded>,
    now: i64,
) -> anyhow::Result<()> {
    // Tracking codes are random: one that is taken (rarely) is dropped.
    on_db!(db, |pool| {
        async {
            let mut tx = pool.begin_write().await?;
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO requests (community_id, tracking_code, secret_hash, kind, urgency, category_id, \
                 workgroup_id, place_id, description, channel, visibility, reporter_account_id, reporter_name, \
                 reporter_phone, status, duplicate_of, referred_to, rejection_reason, created_at, updated_at, \
                 response_due_at, resolution_due_at, responded_at, resolved_at, closed_at, rating, rated_at, \
                 follower_count) ",
            );
            q.push_values(&batch, |mut row, r| {
                let c = &shapes[&r.community_id].categories[r.category];
                row.push_bind(r.community_id)
                    .push_bind(&r.code)
                    .push_bind(grassroots::auth::token_hash(&r.code))
                    .push_bind(r.kind)
                    .push_bind(r.urgency)
                    .push_bind(c.id)
                    .push_bind(c.workgroup_id)
                    .push_bind(r.place_id)
                    .push_bind(&r.description)
                    .push_bind(r.channel)
                    .push_bind(r.visibility)
                    .push_bind(r.reporter_account_id)
                    .push_bind(r.reporter_name)
                    .push_bind(&r.reporter_phone)
                    .push_bind(r.status)
                    .push_bind(None::<i64>)
                    .push_bind(r.referred_to)
                    .push_bind(r.rejection_reason)
                    .push_bind(r.created_at)
                    .push_bind(r.updated_at())
                    .push_bind(r.response_due_at)
                    .push_bind(r.resolution_due_at)
                    .push_bind(r.responded_at)
                    .push_bind(r.resolved_at)
                    .push_bind(r.closed_at)
                    .push_bind(r.rating)
                    .push_bind(r.rated_at)
                    .push_bind(i64::from(r.reporter_account_id.is_some()));
            });
            q.push(" ON CONFLICT DO NOTHING RETURNING id, tracking_code");
            let made: Vec<(i64, String)> = q.build_query_as().fetch_all(&mut *tx).await?;
            let by_code: HashMap<&str, &Seeded> = batch.iter().map(|r| (r.code.as_str(), r)).collect();
            let mut timeline = Vec::new();
            let mut jobs = Vec::new();
            let mut followers = Vec::new();
            for (id, code) in &made {
                let Some(r) = by_code.get(code.as_str()) else { continue };
                for e in events(r) {
                    timeline.push((*id, e));
                }
                jobs.extend(jobs_done(*id, r, now));
                if let Some(account) = r.reporter_account_id {
                    followers.push((*id, account, r.created_at));
                }
            }
            for chunk in timeline.chunks(BATCH * 2) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO request_events (request_id, at, actor_role, kind, from_status, to_status, \
                     public_message, audience) ",
                );
                q.push_values(chunk, |mut row, (id, (at, kind, from, to, message))| {
                    let role = if *kind == "created" || *kind == "rated" { "reporter" } else { "staff" };
                    row.push_bind(*id)
                        .push_bind(*at)
                        .push_bind(role)
                        .push_bind(*kind)
                        .push_bind(*from)
                        .push_bind(*to)
                        .push_bind(*message)
                        .push_bind("public");
                });
                q.build().execute(&mut *tx).await?;
            }
            for chunk in jobs.chunks(BATCH * 4) {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO jobs_done (job_key, done_at) ");
                q.push_values(chunk, |mut row, key| {
                    row.push_bind(key).push_bind(now);
                });
                q.build().execute(&mut *tx).await?;
            }
            if !followers.is_empty() {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO request_followers (request_id, account_id, at) ");
                q.push_values(&followers, |mut row, (id, account, at)| {
                    row.push_bind(*id).push_bind(*account).push_bind(*at);
                });
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await
        }
        .await
    })?;
    Ok(())
}

/// The write-ahead log folded in; PostgreSQL's planner statistics fresh,
/// as autovacuum would have them.
async fn analyse(db: &Db) -> anyhow::Result<()> {
    match db {
        // Left to the server, as a real estate's file would be.
        Db::Sqlite(pool) => {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(pool)
                .await?;
        }
        Db::Postgres(pool) => {
            sqlx::query("VACUUM ANALYZE").execute(pool).await?;
        }
    }
    Ok(())
}
