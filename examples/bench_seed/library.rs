//! The legal book corner in every community: 10,000 titles each (two
//! hundred communities make two million), one or two copies a title, so
//! the catalogue search reads a large corner among many.

use grassroots::db::{BeginWrite, Db};
use grassroots::library::rules::{TOPICS, copy_code};
use grassroots::on_db;
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};

const TITLES_PER_COMMUNITY: usize = 10_000;
const CHUNK: usize = 500;
const SUBJECTS: &[&str] = &[
    "劳动合同",
    "婚姻家庭",
    "物业管理",
    "房屋租赁合同",
    "消费者权益",
    "相邻关系",
    "遗产继承",
    "老年人权益",
    "交通事故",
    "民间借贷",
    "人身损害赔偿",
    "工伤认定",
    "邻里纠纷调解",
    "网络购物",
    "社区治理",
    "人民调解",
    "遗嘱公证",
    "养老服务合同",
];
const KINDS: &[&str] = &[
    "法律问答",
    "实务指南",
    "百问百答",
    "条文释义",
    "普法读本",
    "图解",
    "案例精解",
];
const AUTHORS: &[&str] = &[
    "中国法制出版社 编",
    "法律出版社法规中心 编",
    "人民法院出版社 编",
    "社区法律服务组 编",
];

pub async fn seed(db: &Db) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let communities: Vec<i64> = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT id FROM communities ORDER BY id"
    )
    .fetch_all(pool)
    .await)?;
    let mut rng = SmallRng::seed_from_u64(20);
    let mut made = 0usize;
    for community in communities {
        for start in (0..TITLES_PER_COMMUNITY).step_by(CHUNK) {
            let rows: Vec<(String, String, &str, String)> = (start..start + CHUNK)
                .map(|i| {
                    let title = format!(
                        "{}{}（第{}版）",
                        SUBJECTS[rng.random_range(0..SUBJECTS.len())],
                        KINDS[rng.random_range(0..KINDS.len())],
                        i % 9 + 1
                    );
                    let author = AUTHORS[rng.random_range(0..AUTHORS.len())].to_string();
                    let topic = TOPICS[rng.random_range(0..TOPICS.len())];
                    let search = format!("{title} {author}").to_lowercase();
                    (title, author, topic, search)
                })
                .collect();
            let copies: Vec<i64> = (0..CHUNK).map(|_| rng.random_range(1..=2)).collect();
            on_db!(db, |pool| {
                async {
                    let mut tx = pool.begin_write().await?;
                    let mut q = sqlx::QueryBuilder::new(
                        "INSERT INTO books (community_id, title, author, topic, search, shelf, created_at) ",
                    );
                    q.push_values(&rows, |mut b, (title, author, topic, search)| {
                        b.push_bind(community)
                            .push_bind(title)
                            .push_bind(author)
                            .push_bind(*topic)
                            .push_bind(search)
                            .push_bind("A1")
                            .push_bind(0_i64);
                    });
                    q.push(" RETURNING id");
                    let ids: Vec<i64> = q.build_query_scalar().fetch_all(&mut *tx).await?;
                    let labels: Vec<(i64, String)> = ids
                        .iter()
                        .zip(&copies)
                        .flat_map(|(id, n)| (1..=*n).map(move |k| (*id, copy_code(*id, k))))
                        .collect();
                    let mut q = sqlx::QueryBuilder::new("INSERT INTO book_copies (community_id, book_id, code) ");
                    q.push_values(&labels, |mut b, (id, code)| {
                        b.push_bind(community).push_bind(*id).push_bind(code);
                    });
                    q.build().execute(&mut *tx).await?;
                    tx.commit().await?;
                    Ok::<(), sqlx::Error>(())
                }
                .await
            })?;
            made += CHUNK;
        }
    }
    println!(
        "seeded {made} catalogue titles in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
