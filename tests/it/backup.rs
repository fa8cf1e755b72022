//! A backup taken while residents keep submitting restores whole: every
//! request it holds has its history, nothing half-written; files that are
//! not our backups, or come from a newer version, are refused.

use std::sync::Arc;

use grassroots::db::Db;

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(
    a_backup_under_load_restores_whole,
    daily_backups_keep_the_newest
);

async fn count(db: &Db, sql: &'static str) -> i64 {
    grassroots::on_db!(db, |pool| sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await)
    .expect(sql)
}

async fn a_backup_under_load_restores_whole(app: Arc<TestApp>) {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("jinyuan-backup.db");
    if matches!(app.db, Db::Postgres(_)) {
        let refused = grassroots::backup::backup(&app.db, &file).await;
        assert!(format!("{:?}", refused.expect_err("PostgreSQL")).contains("pg_dump"));
        return;
    }
    let before = count(&app.db, "SELECT COUNT(*) FROM requests").await;
    // Residents keep submitting while the copy is taken.
    let mut writers = Vec::new();
    for i in 0..4 {
        let app = app.clone();
        writers.push(tokio::spawn(async move {
            let resident = app
                .signed_in(if i % 2 == 0 { "huang" } else { "sun" })
                .await;
            for n in 0..10 {
                let sent = resident
                    .report(
                        &[
                            ("category", "clean"),
                            ("place", "B6"),
                            ("description", &format!("备份时提交的第{i}-{n}件")),
                            ("go_ahead", "1"),
                        ],
                        &[],
                    )
                    .await;
                assert_eq!(sent.status, 303, "{}", sent.body);
            }
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    grassroots::backup::backup(&app.db, &file)
        .await
        .expect("a backup while serving");
    for w in writers {
        w.await.expect("writer");
    }
    assert!(
        grassroots::backup::backup(&app.db, &file).await.is_err(),
        "an existing file is never overwritten"
    );

    let version = grassroots::backup::check(&file)
        .await
        .expect("a whole backup");
    assert_eq!(version, grassroots::backup::newest_known());
    let url = format!(
        "sqlite://{}",
        dir.path().join("restored/grassroots.db").display()
    );
    grassroots::backup::restore(&url, &file)
        .await
        .expect("restore");
    let restored = Db::connect(&url).await.expect("open the restored copy");
    let held = count(&restored, "SELECT COUNT(*) FROM requests").await;
    assert!(
        held >= before,
        "everything from before the backup: {held} < {before}"
    );
    assert_eq!(
        count(
            &restored,
            "SELECT COUNT(*) FROM requests r WHERE NOT EXISTS \
             (SELECT 1 FROM request_events e WHERE e.request_id = r.id AND e.kind = 'created')"
        )
        .await,
        0,
        "no request without its history"
    );
    let integrity: String = grassroots::on_db!(&restored, |pool| sqlx::query_scalar(
        "PRAGMA integrity_check"
    )
    .fetch_one(pool)
    .await)
    .expect("integrity");
    assert_eq!(integrity, "ok");
    restored.close().await;

    // Not ours: any other file, and a database from a newer version.
    let junk = dir.path().join("notes.txt");
    std::fs::write(&junk, "电梯坏了").expect("junk");
    let refused = grassroots::backup::restore(&url, &junk)
        .await
        .expect_err("junk");
    assert!(format!("{refused:#}").contains("notes.txt"), "{refused:#}");
    let newer = dir.path().join("newer.db");
    std::fs::copy(&file, &newer).expect("copy");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", newer.display()))
        .await
        .expect("open");
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         VALUES (9999, 'from the future', CURRENT_TIMESTAMP, TRUE, X'00', 0)",
    )
    .execute(&pool)
    .await
    .expect("pretend a newer version");
    pool.close().await;
    let refused = grassroots::backup::restore(&url, &newer)
        .await
        .expect_err("newer");
    assert!(
        format!("{refused:#}").contains("newer Grassroots"),
        "{refused:#}"
    );
}

async fn daily_backups_keep_the_newest(app: Arc<TestApp>) {
    if matches!(app.db, Db::Postgres(_)) {
        return; // PostgreSQL's own tools make its backups.
    }
    let dir = tempfile::tempdir().expect("dir");
    let day = 86_400;
    let start = 1_795_737_600; // 2026-11-27 00:00 UTC
    let daily = |at: i64| grassroots::backup::daily(&app.db, dir.path(), 2, at);
    assert!(daily(start + 3_600).await.expect("first day"));
    assert!(!daily(start + 7_200).await.expect("same day"), "once a day");
    assert!(daily(start + day).await.expect("second day"));
    assert!(daily(start + 2 * day).await.expect("third day"));
    let mut kept: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    kept.sort();
    assert_eq!(
        kept,
        vec!["grassroots-2026-11-28.db", "grassroots-2026-11-29.db"]
    );
    let newest = dir.path().join("grassroots-2026-11-29.db");
    assert!(grassroots::backup::check(&newest).await.is_ok());
}
