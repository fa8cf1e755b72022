//! Moving estates up, proven with the real command: three demo estates,
//! each on its own SQLite file, are moved into one PostgreSQL database as
//! a district of three communities under two streets. Nothing is lost (the
//! first keeps its ids, every table's rows are all there), the moved
//! estate serves the same pages as before, the SQLite files are untouched,
//! and the district's roll-ups are the sums of each community's own
//! `/rates.json`. Bad targets get a clear message and nothing is written.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::crash::Server;
use crate::support::{Engine, TestApp};

fn migrate_to(source_url: &str, target_url: &str, extra: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_grassroots"))
        .args(["migrate-to", target_url])
        .args(extra)
        .env("GRASSROOTS_DATABASE_URL", source_url)
        .env("RUST_LOG", "error")
        .output()
        .expect("run grassroots migrate-to");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

fn digest(path: &Path) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    Sha256::digest(std::fs::read(path).expect("read the file")).to_vec()
}

/// A fresh, empty PostgreSQL database; its URL, and the admin URL and name
/// to drop it with.
async fn empty_database() -> Option<(String, String, String)> {
    let admin_url = std::env::var("GRASSROOTS_TEST_POSTGRES_URL").ok()?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!("grassroots_move_{}_{nanos}", std::process::id());
    let admin = sqlx::PgPool::connect(&admin_url).await.expect("connect");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {name} LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
    )))
    .execute(&admin)
    .await
    .expect("create a database");
    admin.close().await;
    let base = admin_url
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .unwrap_or(admin_url.clone());
    Some((format!("{base}/{name}"), admin_url, name))
}

async fn drop_database(admin_url: &str, name: &str) {
    if let Ok(admin) = sqlx::PgPool::connect(admin_url).await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&admin)
        .await;
        admin.close().await;
    }
}

async fn rows_per_table(db: &grassroots::db::Db) -> Vec<(String, i64)> {
    let tables: Vec<String> = match db {
        grassroots::db::Db::Postgres(pool) => sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() \
             AND table_type = 'BASE TABLE' AND table_name <> '_sqlx_migrations' ORDER BY 1",
        )
        .fetch_all(pool)
        .await
        .expect("tables"),
        grassroots::db::Db::Sqlite(_) => panic!("counted on PostgreSQL"),
    };
    let mut counts = Vec::new();
    for t in tables {
        counts.push((
            t.clone(),
            count(db, &format!("SELECT COUNT(*) FROM \"{t}\"")).await,
        ));
    }
    counts
}

async fn count(db: &grassroots::db::Db, sql: &str) -> i64 {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match db {
        grassroots::db::Db::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
        grassroots::db::Db::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await,
    }
    .expect("count")
}

async fn json(base: &str, path: &str) -> Value {
    reqwest::get(format!("{base}{path}"))
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("{path} is JSON: {e}"))
}

fn counts_of(period: &Value) -> [(i64, i64); 3] {
    ["response", "resolution", "satisfaction"].map(|rate| {
        (
            period[rate]["count"].as_i64().expect("a count"),
            period[rate]["out_of"].as_i64().expect("out of"),
        )
    })
}

fn add(sum: &mut [(i64, i64); 3], more: [(i64, i64); 3]) {
    for (s, m) in sum.iter_mut().zip(more) {
        s.0 += m.0;
        s.1 += m.1;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_estates_move_up_into_one_district() {
    let Some((target, admin_url, name)) = empty_database().await else {
        eprintln!("skipped: GRASSROOTS_TEST_POSTGRES_URL is not set");
        return;
    };
    let estates = [
        TestApp::spawn(Engine::Sqlite).await.expect("an estate"),
        TestApp::spawn(Engine::Sqlite).await.expect("an estate"),
        TestApp::spawn(Engine::Sqlite).await.expect("an estate"),
    ];

    // Bad targets first: a clear message, nothing written.
    let (ok, said) = migrate_to(
        &estates[0].db_url,
        "postgres://postgres@127.0.0.1:1/none",
        &[],
    );
    assert!(!ok && said.contains("cannot reach PostgreSQL"), "{said}");
    let (ok, said) = migrate_to(&estates[0].db_url, "sqlite://elsewhere.db", &[]);
    assert!(!ok && said.contains("PostgreSQL URL"), "{said}");

    // The first estate into the empty database, as it is: ids kept.
    let (ok, said) = migrate_to(&estates[0].db_url, &target, &[]);
    assert!(ok, "the first move: {said}");
    assert!(said.contains("ids kept"), "{said}");
    let district = grassroots::db::Db::connect(&target).await.expect("connect");
    let source = &estates[0].db;
    let moved = rows_per_table(&district).await;
    for (table, rows) in &moved {
        let there = count(source, &format!("SELECT COUNT(*) FROM \"{table}\"")).await;
        assert_eq!(*rows, there, "every row of {table} was moved");
    }
    let max_request =
        "SELECT CAST(COALESCE(MAX(id), 0) + COALESCE(SUM(id), 0) AS BIGINT) FROM requests";
    assert_eq!(
        count(&district, max_request).await,
        count(source, max_request).await,
        "the requests keep their ids"
    );

    // The same estate again: refused, nothing written.
    let (ok, said) = migrate_to(&estates[0].db_url, &target, &[]);
    assert!(
        !ok && said.contains("already holds a community jinyuan"),
        "{said}"
    );
    assert_eq!(
        rows_per_table(&district).await,
        moved,
        "nothing was written"
    );

    // Two more estates, renamed, under the district's two streets.
    for (estate, code, street) in [
        (&estates[1], "jinyuan2", "jinyang"),
        (&estates[2], "jinyuan3", "binhu"),
    ] {
        let (ok, said) = migrate_to(&estate.db_url, &target, &["--as", code, "--street", street]);
        assert!(ok, "moving {code}: {said}");
        assert!(
            said.contains("huang.") && said.contains("is now"),
            "renamed usernames are said: {said}"
        );
        for table in [
            "requests",
            "request_events",
            "photos",
            "care_plans",
            "legal_cases",
            "signups",
        ] {
            let there = count(&estate.db, &format!("SELECT COUNT(*) FROM {table}")).await;
            let here = count(
                &district,
                &format!(
                    "SELECT COUNT(*) FROM {table} t WHERE {}",
                    match table {
                        "request_events" => "t.request_id IN (SELECT r.id FROM requests r JOIN communities c ON c.id = r.community_id WHERE c.code = '__')",
                        "photos" => "t.request_id IN (SELECT r.id FROM requests r JOIN communities c ON c.id = r.community_id WHERE c.code = '__')",
                        "signups" => "t.occurrence_id IN (SELECT o.id FROM occurrences o JOIN activities a ON a.id = o.activity_id JOIN communities c ON c.id = a.community_id WHERE c.code = '__')",
                        _ => "t.community_id = (SELECT id FROM communities WHERE code = '__')",
                    }
                )
                .replace("__", code),
            )
            .await;
            let there_attached = if table == "photos" {
                count(
                    &estate.db,
                    "SELECT COUNT(*) FROM photos WHERE request_id IS NOT NULL",
                )
                .await
            } else {
                there
            };
            assert_eq!(here, there_attached, "{code}: every row of {table} came");
        }
    }
    // The district served from PostgreSQL.
    let data = tempfile::tempdir().expect("dir");
    let server = Server::start(&target, data.path());
    let base = server.base.clone();
    let whole = json(&base, "/district/rates.json?district=guanshanhu").await;
    let communities = whole["communities"].as_array().expect("communities");
    assert_eq!(communities.len(), 3, "three communities: {whole}");
    let mut by_street: std::collections::HashMap<String, [[(i64, i64); 3]; 2]> = Default::default();
    let mut total = [[(0, 0); 3]; 2];
    for c in communities {
        let code = c["community"].as_str().expect("a code");
        let own = json(&base, &format!("/rates.json?community={code}")).await;
        let street = c["street"].as_str().expect("a street").to_string();
        for (i, period) in ["this_month", "last_month"].iter().enumerate() {
            let counted = counts_of(&c[period]);
            assert_eq!(
                counted,
                counts_of(&own[period]),
                "{code}'s {period} in the district is its own /rates.json"
            );
            add(&mut total[i], counted);
            add(
                &mut by_street.entry(street.clone()).or_default()[i],
                counted,
            );
        }
    }
    for (i, period) in ["this_month", "last_month"].iter().enumerate() {
        assert_eq!(
            counts_of(&whole[period]),
            total[i],
            "the district's {period} adds up its communities"
        );
    }
    let streets = whole["streets"].as_array().expect("streets");
    assert_eq!(streets.len(), 2, "two streets: {whole}");
    for s in streets {
        let code = s["street"].as_str().expect("a code");
        let theirs = by_street.get(code).copied().unwrap_or_default();
        for (i, period) in ["this_month", "last_month"].iter().enumerate() {
            assert_eq!(
                counts_of(&s[period]),
                theirs[i],
                "street {code}'s {period} adds up its communities"
            );
        }
    }
    assert!(
        total[0][0].1 > 0,
        "the demo estates' requests are counted: {whole}"
    );

    // The moved estate serves what it served before: the same public rates,
    // the same request pages, and its residents sign in as before.
    let old_rates = estates[0].public_json("/rates.json").await;
    let new_rates = json(&base, "/rates.json?community=jinyuan").await;
    assert_eq!(
        counts_of(&old_rates["this_month"]),
        counts_of(&new_rates["this_month"]),
        "the same rates before and after the move"
    );
    let public: Vec<(String, String)> = match &estates[0].db {
        grassroots::db::Db::Sqlite(pool) => sqlx::query_as(
            "SELECT tracking_code, description FROM requests WHERE visibility = 'public' ORDER BY id",
        )
        .fetch_all(pool)
        .await
        .expect("codes"),
        grassroots::db::Db::Postgres(_) => unreachable!(),
    };
    assert!(!public.is_empty());
    let client = reqwest::Client::new();
    for (code, description) in &public {
        // The description's opening words, up to any character HTML escapes.
        let words: String = description
            .chars()
            .take_while(|c| !"&<>\"'".contains(*c))
            .take(12)
            .collect();
        let shown = |body: &str| body.contains(code.as_str()) && body.contains(&words);
        let before = client
            .get(estates[0].url(&format!("/r/{code}")))
            .send()
            .await
            .expect("GET");
        let after = client
            .get(format!("{base}/r/{code}"))
            .send()
            .await
            .expect("GET");
        assert_eq!(before.status(), 200);
        assert_eq!(after.status(), 200, "/r/{code} is served after the move");
        assert!(shown(&before.text().await.expect("body")));
        assert!(
            shown(&after.text().await.expect("body")),
            "/r/{code} shows what it did"
        );
    }
    let huang = TestApp::client_for(&base);
    let answer = huang
        .post_form(
            "/signin",
            &[
                ("username", "huang"),
                ("password", grassroots::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        answer.status, 303,
        "Huang signs in with her password, moved"
    );
    let renamed = TestApp::client_for(&base);
    let answer = renamed
        .post_form(
            "/signin",
            &[
                ("username", "huang.jinyuan2"),
                ("password", grassroots::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        answer.status, 303,
        "the second estate's Huang signs in by her new name"
    );
    let my = renamed.get("/my").await;
    assert!(my.body.contains("黄奶奶"));

    // An estate file at rest is left exactly as it was; one from a newer
    // Grassroots is refused before anything is written.
    let dir = tempfile::tempdir().expect("dir");
    let at_rest = dir.path().join("at-rest.db");
    let newer = dir.path().join("newer.db");
    let fourth = TestApp::spawn(Engine::Sqlite).await.expect("an estate");
    let grassroots::db::Db::Sqlite(pool) = &fourth.db else {
        unreachable!()
    };
    for copy in [&at_rest, &newer] {
        sqlx::query("VACUUM INTO $1")
            .bind(copy.to_str().expect("UTF-8"))
            .execute(pool)
            .await
            .expect("a copy at rest");
    }
    let newer_db = grassroots::db::Db::connect(&format!("sqlite://{}", newer.display()))
        .await
        .expect("open");
    if let grassroots::db::Db::Sqlite(p) = &newer_db {
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (9999, 'from the future', TRUE, x'00', 0)",
        )
        .execute(p)
        .await
        .expect("a migration from the future");
    }
    newer_db.close().await;
    let rows = rows_per_table(&district).await;
    let (ok, said) = migrate_to(
        &format!("sqlite://{}", newer.display()),
        &target,
        &["--as", "later"],
    );
    assert!(!ok && said.contains("newer Grassroots"), "{said}");
    assert_eq!(rows_per_table(&district).await, rows, "nothing was written");
    let before = digest(&at_rest);
    let (ok, said) = migrate_to(
        &format!("sqlite://{}", at_rest.display()),
        &target,
        &["--as", "atrest"],
    );
    assert!(ok, "{said}");
    assert_eq!(digest(&at_rest), before, "the estate's file is untouched");
    assert!(
        !dir.path().join("at-rest.db-wal").exists()
            || std::fs::metadata(dir.path().join("at-rest.db-wal"))
                .map(|m| m.len())
                .unwrap_or(0)
                == 0
    );

    server.kill();
    for estate in estates.iter().chain([&fourth]) {
        estate.db.close().await;
    }
    district.close().await;
    drop_database(&admin_url, &name).await;
}
