//! Settings kept in memory follow every change: one made through the
//! administrator's page shows on the next page at once; one made by another
//! process (another instance, the command line; here, SQL on the database)
//! shows within a few seconds, by PostgreSQL's notification or SQLite's
//! look at the settings' version every second.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::on_both_engines;
use crate::support::TestApp;

on_both_engines!(a_setting_changed_elsewhere_is_seen);

async fn a_setting_changed_elsewhere_is_seen(app: Arc<TestApp>) {
    let services = "/open311/v2/services.json?jurisdiction_id=jinyuan";
    let before = app.anonymous().get(services).await;
    assert_eq!(before.status, 200);
    assert!(before.body.contains("电梯故障"), "{}", before.body);
    // Read once more: now it comes from memory.
    assert!(
        app.anonymous()
            .get(services)
            .await
            .body
            .contains("电梯故障")
    );

    grassroots::on_db!(&app.db, |pool| sqlx::query(
        "UPDATE categories SET name_zh = '升降电梯' WHERE code = 'lift'"
    )
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .expect("rename, as another process would");
    let started = Instant::now();
    loop {
        let page = app.anonymous().get(services).await;
        if page.body.contains("升降电梯") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the new name was not seen within five seconds"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A district's count of communities is a setting too.
    let without_jurisdiction = app.anonymous().get("/open311/v2/services.json").await;
    assert_eq!(
        without_jurisdiction.status, 200,
        "one community: none needed"
    );
}

on_both_engines!(answers_are_the_same_after_connections_let_go_of_their_caches);

/// What the server does after ten quiet seconds (`Db::release_memory`):
/// every connection's page cache and prepared statements are emptied, and
/// the next queries prepare and read again, with the same answers.
async fn answers_are_the_same_after_connections_let_go_of_their_caches(app: Arc<TestApp>) {
    let services = "/open311/v2/services.json?jurisdiction_id=jinyuan";
    let listing = "/open311/v2/requests.json?jurisdiction_id=jinyuan";
    let before = (
        app.anonymous().get(services).await.body,
        app.anonymous().get(listing).await.body,
    );
    assert!(before.0.contains("电梯故障"), "{}", before.0);
    let idle = app.db.release_memory().await;
    assert!(
        idle >= 1,
        "the connections that just answered are idle again"
    );
    let after = (
        app.anonymous().get(services).await.body,
        app.anonymous().get(listing).await.body,
    );
    assert_eq!(before, after);
    // And a write still goes through the writer (on SQLite its connection
    // was emptied too).
    assert!(app.db.release_memory().await >= 1);
    let renamed = grassroots::on_db!(&app.db, |pool| async {
        use grassroots::db::BeginWrite;
        let mut tx = pool.begin_write().await?;
        let done =
            sqlx::query("UPDATE categories SET name_en = 'Lift out of order' WHERE code = 'lift'")
                .execute(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok::<u64, sqlx::Error>(done.rows_affected())
    }
    .await)
    .expect("a write after the release");
    assert!(renamed >= 1);
}
