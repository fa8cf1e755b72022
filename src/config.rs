//! Command line and environment: one source of truth for every flag and its
//! `GRASSROOTS_*` variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "grassroots",
    version,
    about = "The software a residential community runs itself on"
)]
pub struct Cli {
    #[command(flatten)]
    pub storage: StorageArgs,
    /// `grassroots --demo` is `grassroots serve --demo`.
    #[command(flatten)]
    pub serve: ServeArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where the data lives; accepted by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct StorageArgs {
    /// Folder for the embedded database and other files.
    #[arg(
        long,
        global = true,
        env = "GRASSROOTS_DATA_DIR",
        default_value = "grassroots-data"
    )]
    pub data_dir: PathBuf,
    /// Database URL (`sqlite://FILE` or `postgres://…`); by default a SQLite
    /// file in the data folder.
    #[arg(long, global = true, env = "GRASSROOTS_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl StorageArgs {
    pub fn database_url(&self) -> String {
        match self
            .database_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            Some(url) => url.to_string(),
            None => format!(
                "sqlite://{}",
                self.data_dir.join("grassroots.db").to_string_lossy()
            ),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the site (the default).
    Serve(ServeArgs),
    /// Apply the database migrations and exit.
    Migrate,
    /// Copy the embedded database to FILE while the server keeps serving.
    Backup { file: std::path::PathBuf },
    /// Put a backup in place of the embedded database (stop the server first).
    Restore { file: std::path::PathBuf },
    /// Administer accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Copy this embedded (SQLite) estate into a PostgreSQL database: a
    /// fresh one, or a district's as one more community. The SQLite file is
    /// left as it is; run it again after an interruption.
    MigrateTo {
        /// postgres://USER@HOST/DATABASE
        url: String,
        /// The community's code in the district, when its own is taken.
        #[arg(long = "as")]
        rename_as: Option<String>,
        /// The street (by code) to place the community under.
        #[arg(long)]
        street: Option<String>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "GRASSROOTS_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Rate limits per address and per account: `off`, `on`, or e.g.
    /// `submit=20/h,signin=30/10min,kiosk=60/h,lookup=300/10min` (the defaults;
    /// lookup counts reading requests by their code).
    #[arg(long, env = "GRASSROOTS_RATE_LIMITS", default_value = "on",
          value_parser = crate::web::limits::RateLimitSetting::parse)]
    pub rate_limits: crate::web::limits::RateLimitSetting,
    /// A proxy or load balancer in front of the site whose X-Forwarded-For
    /// header is believed, by address or block (`10.0.0.5`, `10.0.0.0/24`);
    /// repeat the flag or separate with commas. None by default: the
    /// connection's own address is the person's.
    #[arg(long = "trusted-proxy", env = "GRASSROOTS_TRUSTED_PROXIES", value_delimiter = ',',
          value_parser = crate::web::address::ProxyNet::parse)]
    pub trusted_proxies: Vec<crate::web::address::ProxyNet>,
    /// Load the Jinyuan example estate into an empty database.
    #[arg(long, env = "GRASSROOTS_DEMO")]
    pub demo: bool,
    /// The address people use to reach the site (e.g. https://jinyuan.example),
    /// used in printed links and trusted for form posts behind a proxy.
    #[arg(long, env = "GRASSROOTS_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Send news by email through this SMTP server, e.g.
    /// smtps://user:password@smtp.example.cn or smtp://host:587?tls=required.
    #[arg(long, env = "GRASSROOTS_SMTP_URL", requires = "mail_from")]
    pub smtp_url: Option<String>,
    /// The sender of those emails, e.g. "金苑小区 <noreply@jinyuan.example>".
    #[arg(long, env = "GRASSROOTS_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Make a backup of the embedded database here every day.
    #[arg(long, env = "GRASSROOTS_BACKUP_DIR")]
    pub backup_dir: Option<PathBuf>,
    /// How many daily backups to keep.
    #[arg(long, env = "GRASSROOTS_BACKUP_KEEP", default_value_t = 14)]
    pub backup_keep: usize,
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            demo: false,
            public_url: None,
            smtp_url: None,
            mail_from: None,
            backup_dir: None,
            backup_keep: 14,
            rate_limits: crate::web::limits::RateLimitSetting(None),
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an account.
    CreateAccount {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// resident, volunteer, member, lead, reception or admin
        #[arg(long)]
        role: String,
        /// Read from the terminal's standard input when left out.
        #[arg(long, env = "GRASSROOTS_NEW_PASSWORD")]
        password: Option<String>,
        /// The community's code; the first community when left out.
        #[arg(long)]
        community: Option<String>,
    },
    /// Open311 API keys.
    #[command(subcommand)]
    ApiKey(ApiKeyCommand),
    /// Districts, their streets and their offices.
    #[command(subcommand)]
    District(DistrictCommand),
    /// Give an account a role in another community than its own.
    AddRole {
        #[arg(long)]
        username: String,
        #[arg(long)]
        community: String,
        /// resident, volunteer, member, lead, reception or admin
        #[arg(long)]
        role: String,
    },
    /// Set a new password for an account and end its sessions.
    ResetPassword {
        #[arg(long)]
        username: String,
        #[arg(long, env = "GRASSROOTS_NEW_PASSWORD")]
        password: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DistrictCommand {
    /// Create a district.
    Create {
        code: String,
        #[arg(long)]
        name_zh: String,
        #[arg(long)]
        name_en: String,
    },
    /// Create a street of a district.
    Street {
        code: String,
        #[arg(long)]
        district: String,
        #[arg(long)]
        name_zh: String,
        #[arg(long)]
        name_en: String,
    },
    /// Place a community under a street.
    Place {
        community: String,
        #[arg(long)]
        street: String,
    },
    /// Make an account staff of a district's office, or of a street's.
    Office {
        #[arg(long)]
        username: String,
        #[arg(long)]
        district: String,
        #[arg(long)]
        street: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Make a key; it is printed alone on the last line.
    Create {
        #[arg(long)]
        name: String,
    },
    /// List the keys.
    List,
    /// Revoke a key by its number.
    Revoke {
        #[arg(long)]
        id: i64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_readme_first_command_serves() {
        // `cargo run --release -- --demo`
        let cli = Cli::try_parse_from(["grassroots", "--demo"]).expect("parses");
        assert!(cli.command.is_none() && cli.serve.demo);
        let cli = Cli::try_parse_from(["grassroots", "serve", "--demo"]).expect("parses");
        assert!(matches!(
            cli.command,
            Some(Command::Serve(ServeArgs { demo: true, .. }))
        ));
        assert!(Cli::try_parse_from(["grassroots", "--rate-limits", "submit=0/h"]).is_err());
    }

    #[test]
    fn the_command_line_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_subcommand_means_serve_with_defaults() {
        let cli = Cli::try_parse_from(["grassroots"]).unwrap();
        assert!(cli.command.is_none());
        assert!(cli.storage.database_url().starts_with("sqlite://"));
    }

    #[test]
    fn data_dir_works_after_a_subcommand() {
        let cli = Cli::try_parse_from(["grassroots", "migrate", "--data-dir", "/tmp/x"]).unwrap();
        assert_eq!(cli.storage.data_dir, PathBuf::from("/tmp/x"));
    }
}
