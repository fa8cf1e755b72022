//! The command line: `serve` (the default), `migrate`, `admin …`.

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use tokio::net::TcpListener;

use crate::auth::{Role, end_all_sessions, hash_password, password_problem};
use crate::community::{Community, create_account, valid_username};
use crate::config::{AdminCommand, ApiKeyCommand, Cli, Command, DistrictCommand};
use crate::db::Db;
use crate::on_db;
use crate::server::{open_database, prepare, serve};
use crate::web::WebConfig;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("GRASSROOTS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // One JSON object per line, for a log collector.
    if std::env::var("GRASSROOTS_LOG_FORMAT").is_ok_and(|f| f == "json") {
        logs.json().init();
    } else {
        logs.init();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(Command::Restore { file }) = &cli.command {
        let version = crate::backup::restore(&cli.storage.database_url(), file).await?;
        println!(
            "Restored {} (database version {version}, now brought up to {}).",
            file.display(),
            crate::backup::newest_known()
        );
        return Ok(());
    }
    if let Some(Command::MigrateTo {
        url,
        rename_as,
        street,
    }) = &cli.command
    {
        // The estate is read from a snapshot: nothing is migrated in place.
        let options = crate::backup::move_up::Options {
            target_url: url.clone(),
            rename_as: rename_as.clone(),
            street: street.clone(),
        };
        let moved = crate::backup::move_up::move_up(&cli.storage.database_url(), &options).await?;
        let rows: u64 = moved.tables.iter().map(|(_, n)| n).sum();
        println!(
            "Moved {} ({} tables, {rows} rows; every table's count and checksum match{}).",
            moved.communities.join(", "),
            moved.tables.len(),
            if moved.kept_ids {
                "; ids kept"
            } else {
                "; ids moved past the district's own"
            }
        );
        for (table, key) in &moved.left_behind {
            println!("Not moved: {table} {key}, which the district already holds.");
        }
        for (from, to) in &moved.renamed {
            println!("The username {from} was taken in the district: it is now {to}.");
        }
        return Ok(());
    }
    if matches!(cli.command, Some(Command::Backup { .. })) {
        // Refused before connecting: nothing is migrated on the way.
        crate::backup::embedded_only(&cli.storage.database_url())?;
    }
    let db = open_database(&cli.storage).await?;
    match cli.command.unwrap_or(Command::Serve(cli.serve)) {
        Command::Serve(args) => {
            let listener = TcpListener::bind(args.addr)
                .await
                .with_context(|| format!("listening on {}", args.addr))?;
            let local = listener.local_addr()?;
            let base_url = args
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{local}"))
                .trim_end_matches('/')
                .to_string();
            let mailer = match (&args.smtp_url, &args.mail_from) {
                (Some(url), Some(from)) => Some(crate::mail::Mailer::new(url, from, &base_url)?),
                _ => None,
            };
            let startup = prepare(&db, &args, &base_url).await?;
            println!("Grassroots serves {base_url}/ ({} database)", db.engine());
            for line in startup.lines {
                println!("{line}");
            }
            serve(
                db,
                listener,
                crate::app::Config {
                    web: WebConfig {
                        public_url: args.public_url,
                        daily_backups: args.backup_dir.map(|dir| (dir, args.backup_keep)),
                        limiter: args
                            .rate_limits
                            .0
                            .clone()
                            .and_then(crate::web::limits::Limiter::new),
                        trusted_proxies: crate::web::address::TrustedProxies(
                            args.trusted_proxies.clone(),
                        ),
                    },
                    mailer,
                    base_url,
                    texts_in_background: true,
                },
            )
            .await
        }
        Command::Backup { file } => {
            crate::backup::backup(&db, &file).await?;
            println!("Backed up to {}.", file.display());
            Ok(())
        }
        Command::Restore { .. } => Ok(()),
        Command::MigrateTo { .. } => Ok(()),
        Command::Admin(AdminCommand::District(command)) => district_command(&db, command).await,
        Command::Admin(AdminCommand::AddRole {
            username,
            community,
            role,
        }) => {
            let role = Role::parse(&role).with_context(|| format!("unknown role {role:?}"))?;
            let account = account_by_username(&db, &username).await?;
            let community = Community::by_code(&db, &community)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?
                .with_context(|| format!("no community with the code {community:?}"))?;
            crate::district::communities::add_membership(&db, account, community.id, role)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            println!("{username} is now {} in {}.", role.as_str(), community.code);
            Ok(())
        }
        Command::Migrate => {
            println!("The {} database is up to date.", db.engine());
            Ok(())
        }
        Command::Admin(AdminCommand::CreateAccount {
            username,
            name,
            role,
            password,
            community,
        }) => {
            let role = Role::parse(&role).with_context(|| {
                format!("unknown role {role:?}: use resident, volunteer, member, lead, reception or admin")
            })?;
            anyhow::ensure!(
                valid_username(&username),
                "the username must be 2 to 40 letters, digits, dots, dashes or underscores"
            );
            let password = password_or_prompt(password)?;
            let community = match community {
                Some(code) => on_db!(&db, |pool| sqlx::query_scalar::<_, i64>(
                    "SELECT id FROM communities WHERE code = $1"
                )
                .bind(&code)
                .fetch_optional(pool)
                .await)?
                .with_context(|| format!("no community with the code {code:?}"))?,
                None => match Community::default_one(&db).await {
                    Ok(c) => c.id,
                    Err(_) => Community::create(&db, "home", "我们的小区", "Our community")
                        .await
                        .map_err(|e| anyhow::anyhow!("{e:?}"))?,
                },
            };
            let created = create_account(
                &db,
                community,
                &username,
                &name,
                role,
                Some(&password),
                None,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            anyhow::ensure!(created.is_some(), "the username {username:?} is taken");
            println!("Created {username} ({}).", role.as_str());
            Ok(())
        }
        Command::Admin(AdminCommand::ApiKey(ApiKeyCommand::Create { name })) => {
            anyhow::ensure!(
                !name.trim().is_empty(),
                "give the key a name, e.g. --name \"district app\""
            );
            let community = default_community(&db).await?;
            let (id, key) = crate::open311::keys::create(&db, community, &name)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            println!(
                "API key {id} for {:?} (shown once; revoke with `grassroots admin api-key revoke --id {id}`):",
                name.trim()
            );
            println!("{key}");
            Ok(())
        }
        Command::Admin(AdminCommand::ApiKey(ApiKeyCommand::List)) => {
            let community = default_community(&db).await?;
            for k in crate::open311::keys::list(&db, community)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?
            {
                let state = if k.revoked_at.is_some() {
                    "revoked"
                } else {
                    "in use"
                };
                println!(
                    "{:>4}  {:<30} {:>6} requests  {state}",
                    k.id, k.name, k.requests
                );
            }
            Ok(())
        }
        Command::Admin(AdminCommand::ApiKey(ApiKeyCommand::Revoke { id })) => {
            let community = default_community(&db).await?;
            let revoked = crate::open311::keys::revoke(&db, community, id)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            anyhow::ensure!(revoked, "no key {id} in use");
            println!("Key {id} revoked.");
            Ok(())
        }
        Command::Admin(AdminCommand::ResetPassword { username, password }) => {
            let password = password_or_prompt(password)?;
            let hash = hash_password(&password)?;
            let id: Option<i64> = on_db!(&db, |pool| {
                sqlx::query_scalar(
                    "UPDATE accounts SET password_hash = $1 WHERE username = $2 RETURNING id",
                )
                .bind(&hash)
                .bind(&username)
                .fetch_optional(pool)
                .await
            })?;
            let id = id.with_context(|| format!("no account {username:?}"))?;
            end_all_sessions(&db, id)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            println!("New password set for {username}; their sessions have ended.");
            Ok(())
        }
    }
}

fn password_or_prompt(password: Option<String>) -> anyhow::Result<String> {
    let password = match password {
        Some(p) => p,
        None => {
            eprintln!("Password (read from standard input):");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    if let Some(problem) = password_problem(&password, &[]) {
        anyhow::bail!(
            "the password is not accepted ({problem}): use at least 8 characters, not a common password"
        );
    }
    Ok(password)
}

/// The community the command line's keys belong to: the first one.
async fn default_community(db: &crate::db::Db) -> anyhow::Result<i64> {
    Ok(Community::default_one(db)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        .id)
}

async fn account_by_username(db: &Db, username: &str) -> anyhow::Result<i64> {
    on_db!(db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT id FROM accounts WHERE username = $1"
    )
    .bind(username)
    .fetch_optional(pool)
    .await)?
    .with_context(|| format!("no account {username:?}"))
}

async fn district_command(db: &Db, command: DistrictCommand) -> anyhow::Result<()> {
    use crate::district::{rules::Office, store};
    let err = |e: crate::db::StoreError| anyhow::anyhow!("{e}");
    let district = |code: String| async move {
        store::district_by_code(db, &code)
            .await
            .map_err(err)?
            .with_context(|| format!("no district {code:?}"))
    };
    let street = |code: String| async move {
        store::street_by_code(db, &code)
            .await
            .map_err(err)?
            .with_context(|| format!("no street {code:?}"))
    };
    match command {
        DistrictCommand::Create {
            code,
            name_zh,
            name_en,
        } => {
            store::create_district(db, &code, &name_zh, &name_en)
                .await
                .map_err(err)
                .with_context(|| format!("creating the district {code} (is the code taken?)"))?;
            println!("Created the district {code}.");
        }
        DistrictCommand::Street {
            code,
            district: of,
            name_zh,
            name_en,
        } => {
            let d = district(of).await?;
            store::create_street(db, d.id, &code, &name_zh, &name_en)
                .await
                .map_err(err)
                .with_context(|| format!("creating the street {code} (is the code taken?)"))?;
            println!("Created the street {code} in {}.", d.code);
        }
        DistrictCommand::Place {
            community,
            street: to,
        } => {
            let c = Community::by_code(db, &community)
                .await
                .map_err(err)?
                .with_context(|| format!("no community {community:?}"))?;
            let s = street(to).await?;
            store::move_community(db, c.id, s.id).await.map_err(err)?;
            println!("{} is now under the street {}.", c.code, s.code);
        }
        DistrictCommand::Office {
            username,
            district: of,
            street: within,
        } => {
            let account = account_by_username(db, &username).await?;
            let d = district(of).await?;
            let street_id = match within {
                Some(code) => {
                    let s = street(code).await?;
                    anyhow::ensure!(
                        s.district_id == d.id,
                        "the street {} is not in {}",
                        s.code,
                        d.code
                    );
                    Some(s.id)
                }
                None => None,
            };
            store::add_office(
                db,
                account,
                Office {
                    district_id: d.id,
                    street_id,
                },
            )
            .await
            .map_err(err)?;
            println!("{username} now works for the office of {}.", d.code);
        }
    }
    Ok(())
}
