//! Starting the server: open the database, apply migrations, make sure there
//! is a community and a way in for its first administrator, then serve.

use anyhow::Context;
use tokio::net::TcpListener;

use crate::app;
use crate::auth::Role;
use crate::community::Community;
use crate::config::{ServeArgs, StorageArgs};
use crate::db::Db;
use crate::on_db;

/// Opens the database named by the storage flags, creating the data folder
/// for SQLite, and applies the migrations.
pub async fn open_database(storage: &StorageArgs) -> anyhow::Result<Db> {
    let url = storage.database_url();
    if url.starts_with("sqlite:") && url.ends_with("grassroots.db") {
        std::fs::create_dir_all(&storage.data_dir)
            .with_context(|| format!("creating the data folder {}", storage.data_dir.display()))?;
    }
    let db = Db::connect(&url).await?;
    db.migrate()
        .await
        .context("applying the database migrations")?;
    Ok(db)
}

/// What start-up has to tell the person who started it.
pub struct Startup {
    pub lines: Vec<String>,
}

/// Makes sure the database can be used: a community exists, the demo estate
/// is loaded when asked for, and an administrator can get in.
pub async fn prepare(db: &Db, args: &ServeArgs, base_url: &str) -> anyhow::Result<Startup> {
    let mut lines = Vec::new();
    let communities: i64 = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM communities"
    )
    .fetch_one(pool)
    .await)?;
    if communities == 0 {
        if args.demo {
            lines.extend(crate::demo::load(db, base_url).await?);
        } else {
            Community::create(db, "home", "我们的小区", "Our community")
                .await
                .map_err(|e| anyhow::anyhow!("creating the first community: {e:?}"))?;
        }
    } else if args.demo {
        match crate::demo::welcome_back(db, base_url).await? {
            Some(again) => lines.extend(again),
            None => {
                lines.push("The database is not empty: the demo estate was not loaded.".to_string())
            }
        }
    }
    let admins: i64 = on_db!(db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM accounts WHERE role = 'admin' AND active"
    )
    .fetch_one(pool)
    .await)?;
    if admins == 0 {
        let community = Community::default_one(db)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let id = crate::community::create_account(
            db,
            community.id,
            "admin",
            "管理员 Administrator",
            Role::Admin,
            None,
            None,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let id = match id {
            Some(id) => id,
            None => on_db!(db, |pool| sqlx::query_scalar::<_, i64>(
                "SELECT id FROM accounts WHERE username = 'admin'"
            )
            .fetch_one(pool)
            .await)?,
        };
        let link = crate::auth::choose::create_signin_link(db, id, 72)
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        lines.push(format!(
            "No administrator yet. Choose the administrator's password with this link (it works once, for 72 hours): {base_url}{link}"
        ));
    }
    Ok(Startup { lines })
}

/// Serves on `listener` until the process is told to stop.
pub async fn serve(
    db: Db,
    listener: TcpListener,
    config: impl Into<app::Config>,
) -> anyhow::Result<()> {
    let config = config.into();
    if let Db::Sqlite(_) = db {
        crate::web::once::forget_unfinished(&db)
            .await
            .map_err(|e| anyhow::anyhow!("clearing unfinished submissions: {e:?}"))?;
    }
    let live = crate::live::Live::new();
    let live_for_stop = live.clone();
    let mut tasks = vec![
        live.spawn_pump(db.clone()),
        crate::db::watch_settings(db.clone()),
        tokio::spawn(crate::web::idle::release_when_idle(db.clone())),
        tokio::spawn(crate::web::metrics::keep_up()),
    ];
    tasks.extend(app::background(&db, &config));
    match (&db, config.web.daily_backups.clone()) {
        (Db::Sqlite(_), Some((dir, keep))) => tasks.push(tokio::spawn(crate::backup::run_daily(
            db.clone(),
            dir,
            keep,
        ))),
        (Db::Postgres(_), Some(_)) => {
            tracing::warn!("--backup-dir is for the embedded database; on PostgreSQL use pg_dump");
        }
        _ => {}
    }
    if let Some(limiter) = config.web.limiter.clone() {
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(600)).await;
                limiter.forget_idle();
            }
        }));
    }
    let guard_db = db.clone();
    tasks.push(tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
            if let Err(e) = crate::auth::guard::forget_old_tries(&guard_db).await {
                tracing::warn!(error = ?e, "forgetting old sign-in tries");
            }
        }
    }));
    let router = app::router(app::state(db.clone(), config, live));
    // `into_make_service` hands each connection a clone of the finished
    // router. Serving the `Router` itself rebuilds every route per
    // connection (~220 KB each here, measured by bench/run's screen streams).
    crate::web::metrics::install();
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        tracing::info!("stopping: finishing the requests in flight, ending event streams");
        live_for_stop.stop_streams();
    })
    .await
    .context("serving")?;
    for task in tasks {
        task.abort();
    }
    db.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = ?e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
