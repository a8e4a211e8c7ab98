//! `stint-server`: serve the API, or manage users.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::sync::Arc;

use stint_server::storage::{Role, Storage};
use stint_server::AppState;

#[derive(Parser)]
#[command(name = "stint-server", about = "Stint's sync server", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API until SIGTERM. Flags win over environment variables, which win over
    /// the config file.
    Serve {
        /// A TOML file with `data_dir`, `database`, `listen` and `blob_store`.
        #[arg(long, env = "STINT_SERVER_CONFIG")]
        config: Option<PathBuf>,
        /// Where the database lives (created on first start).
        #[arg(long, env = "STINT_SERVER_DATA_DIR")]
        data_dir: Option<PathBuf>,
        /// The PostgreSQL database to keep the data in (`postgres://user:password@host/db`);
        /// without it, SQLite in the data directory.
        #[arg(long, env = "STINT_SERVER_DATABASE", hide_env_values = true)]
        database: Option<String>,
        /// Address to listen on (default 127.0.0.1:8400); port 0 picks a free port, which
        /// is printed on stdout.
        #[arg(long, env = "STINT_SERVER_LISTEN")]
        listen: Option<SocketAddr>,
        /// Where screenshots are kept: a directory, or `s3://bucket/prefix` with the
        /// endpoint, region and credentials in AWS_ENDPOINT_URL, AWS_REGION,
        /// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (AWS_ALLOW_HTTP=true for plain HTTP).
        /// Default: DATA_DIR/screenshots.
        #[arg(long, env = "STINT_SERVER_BLOB_STORE")]
        blob_store: Option<String>,
        /// How long a web page sign-in lasts, in seconds.
        #[arg(long, env = "STINT_SERVER_SESSION_SECONDS", default_value_t = 12 * 3600)]
        session_seconds: u32,
        /// Mark session cookies Secure (when users reach the server over HTTPS; a proxy's
        /// `X-Forwarded-Proto: https` does the same per request).
        #[arg(long, env = "STINT_SERVER_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Seconds between runs of the retention job (which also forgets old change log
        /// rows, kept answers and audit records).
        #[arg(
            long,
            env = "STINT_SERVER_RETENTION_INTERVAL_SECONDS",
            default_value_t = 3600
        )]
        retention_interval_seconds: u32,
        /// Seconds a client may take to send a request's headers.
        #[arg(
            long,
            env = "STINT_SERVER_HEADER_TIMEOUT_SECONDS",
            default_value_t = 10
        )]
        header_timeout_seconds: u32,
    },
    /// Bring the database's schema up to date and say its version (`serve` does this too
    /// at start; this does it explicitly, e.g. before starting several servers).
    Migrate {
        #[arg(long, env = "STINT_SERVER_DATA_DIR")]
        data_dir: PathBuf,
        /// The PostgreSQL database to keep the data in (`postgres://user:password@host/db`);
        /// without it, SQLite in the data directory.
        #[arg(long, env = "STINT_SERVER_DATABASE", hide_env_values = true)]
        database: Option<String>,
    },
    /// Run the screenshot retention job once (the server also runs it every hour).
    Retention {
        #[arg(long, env = "STINT_SERVER_DATA_DIR")]
        data_dir: PathBuf,
        /// The PostgreSQL database to keep the data in (`postgres://user:password@host/db`);
        /// without it, SQLite in the data directory.
        #[arg(long, env = "STINT_SERVER_DATABASE", hide_env_values = true)]
        database: Option<String>,
        /// The server's blob store (see `serve --blob-store`).
        #[arg(long, env = "STINT_SERVER_BLOB_STORE")]
        blob_store: Option<String>,
        /// Take this moment (RFC 3339) as now instead of the clock.
        #[arg(long)]
        now: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Write the whole server's data (every workspace's rows, the audit log, the screenshot
    /// pictures) into a new directory, to load into another database with `import`.
    Export {
        #[command(flatten)]
        place: PlaceArgs,
        /// The directory to write: new, or empty.
        #[arg(long)]
        to: PathBuf,
    },
    /// Load what `export` wrote into an empty database (all rows or none) and its pictures
    /// into the blob store.
    Import {
        #[command(flatten)]
        place: PlaceArgs,
        /// The directory `export` wrote.
        #[arg(long)]
        from: PathBuf,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user (and the workspace if new); prints the API key alone on the last line.
    Add {
        #[arg(long, env = "STINT_SERVER_DATA_DIR")]
        data_dir: PathBuf,
        /// The PostgreSQL database to keep the data in (`postgres://user:password@host/db`);
        /// without it, SQLite in the data directory.
        #[arg(long, env = "STINT_SERVER_DATABASE", hide_env_values = true)]
        database: Option<String>,
        #[arg(long)]
        workspace: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["admin", "regular"])]
        role: String,
    },
    /// Delete a user with their time entries, screenshots and notices.
    Delete(UserRef),
    /// Set a user's password for the web pages, read from standard input (one line).
    Password(UserRef),
    /// Issue a new API key for a user; the old one stops working.
    KeyReset(UserRef),
}

/// Which user a command is about.
#[derive(clap::Args)]
struct UserRef {
    #[arg(long, env = "STINT_SERVER_DATA_DIR")]
    data_dir: PathBuf,
    /// The PostgreSQL database to keep the data in (`postgres://user:password@host/db`);
    /// without it, SQLite in the data directory.
    #[arg(long, env = "STINT_SERVER_DATABASE", hide_env_values = true)]
    database: Option<String>,
    #[arg(long)]
    workspace: String,
    #[arg(long)]
    email: String,
    /// The server's blob store (see `serve --blob-store`), where a deleted user's
    /// screenshots are removed from.
    #[arg(long, env = "STINT_SERVER_BLOB_STORE")]
    blob_store: Option<String>,
}

/// Where a server's data is, for `export` and `import`.
#[derive(clap::Args)]
struct PlaceArgs {
    /// The SQLite database's directory, and the screenshots' unless --blob-store says.
    #[arg(long, env = "STINT_SERVER_DATA_DIR")]
    data_dir: PathBuf,
    /// The PostgreSQL database (`postgres://user:password@host/db`); without it, SQLite in
    /// the data directory.
    #[arg(long, env = "STINT_SERVER_DATABASE", hide_env_values = true)]
    database: Option<String>,
    /// The server's blob store (see `serve --blob-store`).
    #[arg(long, env = "STINT_SERVER_BLOB_STORE")]
    blob_store: Option<String>,
}

impl PlaceArgs {
    fn place(&self) -> stint_server::transfer::Place<'_> {
        stint_server::transfer::Place {
            data_dir: &self.data_dir,
            database: self.database.as_deref(),
            blob_store: self.blob_store.as_deref(),
        }
    }
}

/// The `serve` settings a config file may hold.
#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    data_dir: Option<PathBuf>,
    database: Option<String>,
    listen: Option<SocketAddr>,
    blob_store: Option<String>,
}

fn read_config(path: &Path) -> anyhow::Result<ConfigFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the config file {}", path.display()))?;
    toml::from_str(&text)
        .with_context(|| format!("the config file {} is not valid", path.display()))
}

fn open(data_dir: &Path, database: Option<&str>) -> anyhow::Result<Arc<dyn Storage>> {
    stint_server::open_storage(data_dir, database)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STINT_SERVER_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match Cli::parse().command {
        Command::Serve {
            config,
            data_dir,
            database,
            listen,
            blob_store,
            session_seconds,
            secure_cookies,
            header_timeout_seconds,
            retention_interval_seconds,
        } => {
            let file = config
                .as_deref()
                .map(read_config)
                .transpose()?
                .unwrap_or_default();
            let data_dir = data_dir
                .or(file.data_dir)
                .context("say where the data lives: --data-dir, STINT_SERVER_DATA_DIR or data_dir in --config")?;
            let listen = listen
                .or(file.listen)
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8400)));
            let blob_store = blob_store.or(file.blob_store);
            // A blank setting is no setting: it must not turn a configured database
            // into a new, empty SQLite one.
            let database = database.filter(|d| !d.trim().is_empty()).or(file.database);
            // The S3 client is made inside the runtime it will run on.
            let runtime = runtime()?;
            let mut state = {
                let _inside = runtime.enter();
                AppState::open_with(&data_dir, database.as_deref(), blob_store.as_deref())?
            };
            state.jobs_every =
                std::time::Duration::from_secs(u64::from(retention_interval_seconds.max(1)));
            state.web = stint_server::web::WebConfig {
                session_ttl: chrono::Duration::seconds(i64::from(session_seconds.max(1))),
                secure_cookies,
            };
            let header_timeout =
                std::time::Duration::from_secs(u64::from(header_timeout_seconds.max(1)));
            runtime.block_on(stint_server::serve(state, listen, header_timeout))
        }
        Command::Migrate { data_dir, database } => {
            let database = database.as_deref().filter(|d| !d.trim().is_empty());
            let version = match database {
                Some(address) => {
                    anyhow::ensure!(
                        stint_server::is_postgres_address(address),
                        "--database takes a PostgreSQL address (postgres://user@host/database)"
                    );
                    let db = stint_server::storage::Postgres::open(address)
                        .context("opening the PostgreSQL database")?;
                    println!(
                        "the PostgreSQL database is at schema {} (up to date)",
                        db.schema_version()?
                    );
                    return Ok(());
                }
                None => {
                    std::fs::create_dir_all(&data_dir)
                        .with_context(|| format!("creating {}", data_dir.display()))?;
                    let path = data_dir.join("stint-server.db");
                    stint_server::storage::Sqlite::open(&path)
                        .with_context(|| format!("opening {}", path.display()))?
                        .schema_version()?
                }
            };
            println!(
                "{} is at schema {version} (up to date)",
                data_dir.join("stint-server.db").display(),
            );
            Ok(())
        }
        Command::Retention {
            data_dir,
            database,
            blob_store,
            now,
        } => {
            let runtime = runtime()?;
            let state = {
                let _inside = runtime.enter();
                AppState::open_with(&data_dir, database.as_deref(), blob_store.as_deref())?
            };
            let now = now.unwrap_or_else(chrono::Utc::now);
            let count = runtime
                .block_on(stint_server::expire_screenshots(&state, now))
                .map_err(|e| anyhow::anyhow!(e.message))?;
            println!(
                "deleted {count} screenshots captured before {}",
                now - stint_server::screenshot_retention()
            );
            Ok(())
        }
        Command::Export { place, to } => {
            println!("{}", stint_server::transfer::export(&place.place(), &to)?);
            Ok(())
        }
        Command::Import { place, from } => {
            println!("{}", stint_server::transfer::import(&place.place(), &from)?);
            Ok(())
        }
        Command::User { command } => match command {
            UserCommand::Password(UserRef {
                data_dir,
                database,
                workspace,
                email,
                ..
            }) => {
                let mut password = String::new();
                std::io::stdin().read_line(&mut password)?;
                let password = password.trim_end_matches(['\r', '\n']);
                anyhow::ensure!(
                    password.chars().count() >= 10,
                    "a password needs at least 10 characters"
                );
                let hash = stint_server::auth::hash_password(password)
                    .map_err(|e| anyhow::anyhow!("could not hash the password: {e}"))?;
                let found = open(&data_dir, database.as_deref())?
                    .set_password(&workspace, &email, &hash)?;
                anyhow::ensure!(found, "no user {email} in {workspace}");
                println!("password set for {email}");
                Ok(())
            }
            UserCommand::Delete(UserRef {
                data_dir,
                database,
                workspace,
                email,
                blob_store,
            }) => {
                let runtime = runtime()?;
                let state = {
                    let _inside = runtime.enter();
                    AppState::open_with(&data_dir, database.as_deref(), blob_store.as_deref())?
                };
                // Recorded as the workspace's settings ask, as every change is.
                let mut audit = None;
                for id in state.storage.workspace_ids()? {
                    if state
                        .storage
                        .workspace(&id)?
                        .is_some_and(|w| w.name == workspace)
                    {
                        audit = Some(state.storage.settings(&id)?.audit_log);
                    }
                }
                let record = audit
                    .filter(|a| {
                        stint_server::audit::wanted(a, stint_server::audit::Category::Users)
                    })
                    .map(|_| {
                        stint_server::audit::Author::System
                            .auditor(chrono::Utc::now())
                            .record(
                                "",
                                "user.deleted",
                                "",
                                "An operator deleted a member's account and all its data".into(),
                                serde_json::json!({}),
                            )
                    });
                let keys = state.storage.delete_user(&workspace, &email, record)?;
                let count = keys.len();
                runtime.block_on(stint_server::remove_blobs(&state, keys));
                println!("deleted {email} of {workspace} with {count} screenshots");
                Ok(())
            }
            UserCommand::Add {
                data_dir,
                database,
                workspace,
                email,
                name,
                role,
            } => {
                let role = Role::parse(&role).context("role must be admin or regular")?;
                let (user, key) = open(&data_dir, database.as_deref())?
                    .add_user(&workspace, &email, &name, role)?;
                println!(
                    "added {} <{}> as {} of {} (user id {}, workspace id {})",
                    user.name,
                    user.email,
                    role.as_str(),
                    workspace,
                    user.id,
                    user.workspace_id
                );
                println!("{key}");
                Ok(())
            }
            UserCommand::KeyReset(UserRef {
                data_dir,
                database,
                workspace,
                email,
                ..
            }) => {
                let key = open(&data_dir, database.as_deref())?.reset_key(&workspace, &email)?;
                println!("{key}");
                Ok(())
            }
        },
    }
}
