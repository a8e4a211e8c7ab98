//! SQL on a [`TestServer`]'s own database, whichever engine it runs on (SQLite in its data
//! directory, or its PostgreSQL database on a run with `STINT_TEST_POSTGRES`): for tests
//! that look at rows no API shows, or hold the server's writes.

use anyhow::Context;

use crate::TestServer;

/// The server's writes held back until dropped: an immediate transaction on SQLite, the
/// server's write lock (a session advisory lock) on PostgreSQL.
pub enum WriteHold {
    Sqlite(rusqlite::Connection),
    Postgres(::postgres::Client),
}

impl WriteHold {
    /// Lets the writes go.
    pub fn release(self) -> anyhow::Result<()> {
        match self {
            WriteHold::Sqlite(db) => db.execute_batch("COMMIT")?,
            // Ending the session ends its locks.
            WriteHold::Postgres(client) => drop(client),
        }
        Ok(())
    }
}

impl TestServer {
    fn sqlite(&self) -> anyhow::Result<rusqlite::Connection> {
        let path = self.data_dir.path().join("stint-server.db");
        rusqlite::Connection::open(&path).with_context(|| format!("opening {}", path.display()))
    }

    fn postgres(address: &str) -> anyhow::Result<::postgres::Client> {
        ::postgres::Client::connect(address, ::postgres::NoTls)
            .context("connecting to the database")
    }

    /// Runs one query and returns its rows, each value as text (`None` for NULL). Write
    /// the SQL both engines read alike (`CASE WHEN flag THEN 1 ELSE 0 END` for a flag).
    pub fn sql(&self, query: &str) -> anyhow::Result<Vec<Vec<Option<String>>>> {
        match self.database() {
            Some(address) => {
                let mut rows = Vec::new();
                for message in Self::postgres(address)?.simple_query(query)? {
                    if let ::postgres::SimpleQueryMessage::Row(row) = message {
                        rows.push(
                            (0..row.len())
                                .map(|i| row.get(i).map(str::to_owned))
                                .collect(),
                        );
                    }
                }
                Ok(rows)
            }
            None => {
                let db = self.sqlite()?;
                let mut stmt = db.prepare(query)?;
                let columns = stmt.column_count();
                let rows = stmt.query_map([], |r| {
                    (0..columns)
                        .map(|i| {
                            Ok(match r.get_ref(i)? {
                                rusqlite::types::ValueRef::Null => None,
                                rusqlite::types::ValueRef::Integer(n) => Some(n.to_string()),
                                rusqlite::types::ValueRef::Real(x) => Some(x.to_string()),
                                rusqlite::types::ValueRef::Text(t)
                                | rusqlite::types::ValueRef::Blob(t) => {
                                    Some(String::from_utf8_lossy(t).into_owned())
                                }
                            })
                        })
                        .collect::<rusqlite::Result<Vec<_>>>()
                })?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            }
        }
    }

    /// Holds the server's writes until the hold is released; `pg_write_lock` is the
    /// server's PostgreSQL write lock key (`stint_server::storage::PG_WRITE_LOCK`).
    pub fn hold_writes(&self, pg_write_lock: i64) -> anyhow::Result<WriteHold> {
        match self.database() {
            Some(address) => {
                let mut client = Self::postgres(address)?;
                client.execute("SELECT pg_advisory_lock($1)", &[&pg_write_lock])?;
                Ok(WriteHold::Postgres(client))
            }
            None => {
                let db = self.sqlite()?;
                db.execute_batch("BEGIN IMMEDIATE")?;
                Ok(WriteHold::Sqlite(db))
            }
        }
    }

    /// Whether one of the server's writes waits on a [`WriteHold`]: on PostgreSQL a lock
    /// not granted; on SQLite a thread of the server in a timed sleep (the busy handler's
    /// retry: `nanosleep` or `clock_nanosleep`).
    pub fn writes_wait(&self) -> bool {
        match self.database() {
            Some(address) => Self::postgres(address)
                .and_then(|mut c| {
                    Ok(c.query_one(
                        // This server's database only: the test command runs every server
                        // of its PostgreSQL pass in one cluster, where other tests' writes
                        // wait too.
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                         AND database = (SELECT oid FROM pg_database
                                         WHERE datname = current_database())",
                        &[],
                    )?
                    .get::<_, i64>(0))
                })
                .is_ok_and(|waiting| waiting > 0),
            None => {
                let Some(pid) = self.pid() else { return false };
                std::fs::read_dir(format!("/proc/{pid}/task"))
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter_map(|t| std::fs::read_to_string(t.path().join("syscall")).ok())
                    .any(|s| s.starts_with("230 ") || s.starts_with("35 "))
            }
        }
    }
}
