//! The PostgreSQL implementation of [`Storage`] (issue 17): the same rows and rules as
//! [`super::Sqlite`], on a database several server processes share.
//!
//! - Connections come from a pool (r2d2, up to [`POOL_SIZE`]); every call runs off the async
//!   threads (`AppState::store`), so the blocking client is right here.
//! - Every writing operation runs in one transaction that first takes one advisory lock
//!   ([`PG_WRITE_LOCK`]), held to its commit: writes are serialized as they are on SQLite (one
//!   writer), so an operation's read-then-write decisions hold on every node. Reads run on
//!   a repeatable-read snapshot and never wait.
//! - The change log's positions are given in commit order (see `pg_schema`); a listener
//!   thread per process (LISTEN `stint_changes`) wakes its long-polling readers whichever
//!   process made the change.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use postgres::{GenericClient, IsolationLevel, NoTls, Row, Transaction};
use r2d2_postgres::PostgresConnectionManager;
use stint_api::{EntrySource, Project};

use super::feed::ChangeHub;
use super::{EntryRow, Result, Role, StorageError, UserRow};

/// The most connections one server process opens.
pub const POOL_SIZE: u32 = 16;

/// The advisory lock every writing transaction holds (any constant of our own; tests
/// hold it to make writes wait).
pub const PG_WRITE_LOCK: i64 = 0x5354_494e_5402;

/// The advisory lock the process that runs the periodic jobs holds, on a connection of
/// its own, for as long as it lives.
pub const PG_JOBS_LOCK: i64 = 0x5354_494e_5403;

/// How long a write waits for [`PG_WRITE_LOCK`] before it is answered "try again".
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// How long a connection may sit in an open transaction doing nothing before the database
/// ends it (and its locks).
const IDLE_IN_TRANSACTION: Duration = Duration::from_secs(30);

/// How long a request waits for a connection (the database down: answered 503 soon).
const CONNECTION_WAIT: Duration = Duration::from_secs(5);

/// The oldest PostgreSQL the schema is written for (`server_version_num`).
const OLDEST: i32 = 150_000;

type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

pub struct Postgres {
    /// `None` only while dropping (see `Drop`).
    pool: Option<Pool>,
    config: postgres::Config,
    /// The connection that holds [`PG_JOBS_LOCK`] once this process leads the periodic jobs
    /// (see [`Postgres::lead_jobs`]); `true` while it holds it.
    jobs: Mutex<(Option<postgres::Client>, bool)>,
    hub: Arc<ChangeHub>,
    /// Tells the listener thread to end when the storage goes.
    stop: Arc<AtomicBool>,
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // The client closes its connections by blocking on a runtime of its own, which
        // panics on a thread of the server's runtime (where the last `AppState` may go):
        // the connections are closed on a thread of their own.
        let jobs = self.jobs.get_mut().map(|j| j.0.take()).unwrap_or(None);
        if let Some(pool) = self.pool.take() {
            let closed = std::thread::Builder::new()
                .name("stint-pg-close".into())
                .spawn(move || drop((pool, jobs)));
            match closed {
                Ok(thread) => {
                    let _ = thread.join();
                }
                Err(e) => tracing::warn!("could not close the database connections: {e}"),
            }
        }
    }
}

/// One transaction, shared by the row functions that take `&self` (the client needs
/// `&mut` for every call).
pub(super) struct Tx<'a, 'b>(pub RefCell<&'a mut Transaction<'b>>);

impl Tx<'_, '_> {
    /// Runs `f` on the transaction.
    pub fn with<T>(&self, f: impl FnOnce(&mut Transaction<'_>) -> Result<T>) -> Result<T> {
        f(&mut self.0.borrow_mut())
    }
}

impl Postgres {
    /// Connects to `url` (`postgres://user:password@host:port/database`, or the key=value
    /// form, `host=/run/postgresql dbname=stint`), checks the server is PostgreSQL 15 or
    /// newer and brings the schema to the latest step.
    ///
    /// Errors: the database cannot be reached (the client's reason, never the password),
    /// is too old, or was written by a newer stint-server ([`StorageError::TooNew`]).
    pub fn open(url: &str) -> Result<Postgres> {
        let mut config: postgres::Config = url.parse().map_err(|e: postgres::Error| {
            StorageError::Unavailable(format!("the database address is not valid: {e}"))
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        // The process id tells an operator (and the tests) which server holds what.
        config.application_name(&format!("stint-server:{}", std::process::id()));
        // A writer that stops (a frozen process, a cut network) must not hold every other
        // server's writes: a write waits for the lock at most LOCK_WAIT (then 503, sent
        // again), a transaction left idle ends after IDLE_IN_TRANSACTION, and keepalives
        // find a vanished peer.
        let options = format!(
            "{} -c lock_timeout={}ms -c idle_in_transaction_session_timeout={}ms",
            config.get_options().unwrap_or_default(),
            LOCK_WAIT.as_millis(),
            IDLE_IN_TRANSACTION.as_millis()
        );
        config.options(options.trim());
        config.keepalives(true);
        config.keepalives_idle(Duration::from_secs(30));
        // One connection first: its error says why (the pool's would only say it timed out).
        let mut first = config.connect(NoTls).map_err(|e| {
            StorageError::Unavailable(format!("cannot reach the database: {}", reason(&e)))
        })?;
        let version: i32 = first
            .query_one("SELECT current_setting('server_version_num')::int", &[])?
            .get(0);
        if version < OLDEST {
            return Err(StorageError::Unavailable(format!(
                "the database is PostgreSQL {}.{}; stint-server needs 15 or newer",
                version / 10_000,
                version % 10_000 / 100
            )));
        }
        super::pg_schema::migrate(&mut first)?;
        let last = super::pg_feed::last_position(&mut first)?;
        drop(first);
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(1))
            .connection_timeout(CONNECTION_WAIT)
            // A dead connection fails its statement, and the request is answered 503 and
            // sent again; a test round trip before every checkout would cost every
            // request one.
            .test_on_check_out(false)
            .build(PostgresConnectionManager::new(config.clone(), NoTls))
            .map_err(|e| StorageError::Unavailable(format!("cannot reach the database: {e}")))?;
        let hub = Arc::new(ChangeHub::starting_at(last));
        let stop = Arc::new(AtomicBool::new(false));
        super::pg_feed::listen(config.clone(), hub.clone(), stop.clone());
        Ok(Postgres {
            pool: Some(pool),
            config,
            jobs: Mutex::new((None, false)),
            hub,
            stop,
        })
    }

    /// Where `url` points, for a log line: database, user and hosts, never a password.
    pub fn describe(url: &str) -> String {
        let Ok(config) = url.parse::<postgres::Config>() else {
            return "(an address that does not parse)".into();
        };
        let hosts: Vec<String> = config
            .get_hosts()
            .iter()
            .map(|h| match h {
                postgres::config::Host::Tcp(name) => name.clone(),
                postgres::config::Host::Unix(path) => path.display().to_string(),
            })
            .collect();
        format!(
            "database {} as {} on {}",
            config.get_dbname().unwrap_or("(the user's)"),
            config.get_user().unwrap_or("(the system user)"),
            if hosts.is_empty() {
                "the default socket".to_owned()
            } else {
                hosts.join(", ")
            }
        )
    }

    /// Whether this process leads the periodic jobs: it holds [`PG_JOBS_LOCK`], or takes
    /// it now if no live process holds it. A lost connection loses the lock (the database
    /// ends a dead session's locks), and the next call tries again.
    pub fn lead_jobs(&self) -> Result<bool> {
        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        let (client, leading) = &mut *jobs;
        if let Some(c) = client.as_mut() {
            let alive = !c.is_closed() && c.simple_query("SELECT 1").is_ok();
            if alive && *leading {
                return Ok(true);
            }
            if !alive {
                *client = None;
                *leading = false;
            }
        }
        let c = match client {
            Some(c) => c,
            None => client.insert(self.config.connect(NoTls)?),
        };
        *leading = c
            .query_one("SELECT pg_try_advisory_lock($1)", &[&PG_JOBS_LOCK])?
            .get(0);
        Ok(*leading)
    }

    /// The schema version the database is at (after [`Postgres::open`], the latest).
    pub fn schema_version(&self) -> Result<i64> {
        super::pg_schema::version(&mut *self.conn()?)
    }

    pub(super) fn hub(&self) -> &ChangeHub {
        &self.hub
    }

    /// A connection of the pool.
    pub(super) fn conn(&self) -> Result<r2d2::PooledConnection<PostgresConnectionManager<NoTls>>> {
        self.pool
            .as_ref()
            .ok_or_else(|| StorageError::Unavailable("the server is stopping".into()))?
            .get()
            .map_err(|e| StorageError::Unavailable(format!("no database connection: {e}")))
    }

    /// Runs `f` in one writing transaction (serialized with every other writer on every
    /// node), committed when it returns `Ok`, rolled back when it returns an error.
    pub(super) fn write<T>(&self, f: impl FnOnce(&mut Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PG_WRITE_LOCK])?;
        let value = f(&mut tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Runs `f` on one consistent snapshot that writes nothing.
    pub(super) fn read<T>(&self, f: impl FnOnce(&mut Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        let mut tx = conn
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let value = f(&mut tx)?;
        tx.rollback()?;
        Ok(value)
    }
}

/// The client's reason for a failed connection, with its cause (the top error alone often
/// says only "error connecting to server").
fn reason(e: &postgres::Error) -> String {
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

/// The database's own words for a failed statement (its severity, message, SQLSTATE and
/// detail); the client's `Display` says only "db error".
pub fn pg_reason(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!(
            "{} {}: {}{}",
            db.severity(),
            db.code().code(),
            db.message(),
            db.detail().map(|d| format!(" ({d})")).unwrap_or_default()
        ),
        None => reason(e),
    }
}

/// A constraint refused the write (a unique name or id taken, a check, a reference):
/// SQLSTATE class 23, as SQLite's constraint errors.
pub(super) fn is_constraint(e: &postgres::Error) -> bool {
    e.code().is_some_and(|c| c.code().starts_with("23"))
}

/// SQLite's `fold_case` (Unicode lower case) on PostgreSQL: ICU's lower case, whatever
/// the database's own locale folds.
/// The folded name is then ordered by its bytes, as SQLite orders it (ICU's own order
/// would put "ångström" next to "Alpha").
pub(super) const FOLD_NAME: &str = "(lower(name COLLATE \"und-x-icu\") COLLATE \"C\")";

pub(super) fn entry_row(r: &Row) -> Result<EntryRow> {
    let tags: String = r.try_get(9)?;
    let source: String = r.try_get(10)?;
    Ok(EntryRow {
        id: r.try_get(0)?,
        workspace_id: r.try_get(1)?,
        user_id: r.try_get(2)?,
        description: r.try_get(3)?,
        start: parse_ts(&r.try_get::<_, String>(4)?)?,
        end: r
            .try_get::<_, Option<String>>(5)?
            .as_deref()
            .map(parse_ts)
            .transpose()?,
        billable: r.try_get(6)?,
        project_id: r.try_get(7)?,
        task_id: r.try_get(8)?,
        tag_ids: serde_json::from_str(&tags).unwrap_or_default(),
        source: match source.as_str() {
            "timer" => EntrySource::Timer,
            "import" => EntrySource::Import,
            _ => EntrySource::Manual,
        },
        locked: r.try_get(11)?,
        version: r.try_get(12)?,
    })
}

/// A stored time read back; a row that does not parse is a storage error, not a panic.
pub(super) fn parse_ts(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StorageError::Corrupt(format!("a stored time {s:?} does not parse: {e}")))
}

pub(super) fn project_row(r: &Row) -> Result<Project> {
    Ok(Project {
        id: r.try_get(0)?,
        workspace_id: r.try_get(1)?,
        name: r.try_get(2)?,
        client_id: r.try_get(3)?,
        color: r.try_get(4)?,
        billable: r.try_get(5)?,
        archived: r.try_get(6)?,
        public: r.try_get(7)?,
        note: r.try_get(8)?,
        client_name: String::new(),
        hourly_rate: super::sqlite::json_column(r.try_get(9)?),
        cost_rate: super::sqlite::json_column(r.try_get(10)?),
        estimate: super::sqlite::json_column(r.try_get(11)?).unwrap_or_default(),
        duration: "PT0S".into(),
        memberships: Vec::new(),
        tasks: None,
    })
}

pub(super) fn user_row(r: &Row) -> Result<UserRow> {
    let role: String = r.try_get(4)?;
    Ok(UserRow {
        id: r.try_get(0)?,
        workspace_id: r.try_get(1)?,
        email: r.try_get(2)?,
        name: r.try_get(3)?,
        role: Role::parse(&role).unwrap_or(Role::Regular),
        active: r.try_get(5)?,
    })
}

/// Every row of `sql` read by `read`.
pub(super) fn all<T>(
    c: &mut impl GenericClient,
    sql: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
    read: impl Fn(&Row) -> Result<T>,
) -> Result<Vec<T>> {
    c.query(sql, params)?.iter().map(read).collect()
}

/// The row of `sql`, if there is one, read by `read`.
pub(super) fn one<T>(
    c: &mut impl GenericClient,
    sql: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
    read: impl Fn(&Row) -> Result<T>,
) -> Result<Option<T>> {
    c.query_opt(sql, params)?.as_ref().map(read).transpose()
}
