//! The device's SQLite store. Every change to an entry is written together with its outbox
//! row in one transaction, so the sync drainer can never miss or invent a change.
//! The database runs in WAL mode with `synchronous=FULL`: a change reported as saved
//! survives a killed process or a power cut.

mod captures;
mod migrations;
mod mine;
mod outbox;
mod remote;
mod review;
pub mod time;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use stint_core::{Entry, EntryId};

pub use captures::{LocalCaptureSet, LocalPicture, CAPTURE_ENTITY};
pub use migrations::{migrations, SCHEMA_VERSION};
pub use mine::{CaptureDay, StoreCounts};
pub use outbox::{Change, OutboxBatch, OutboxRow, ParkedRow};
pub use remote::{Applied, FeedBatch, MovedOutcome, RemoteEntry};
pub use review::{DiscardWrite, DISCARD_ENTITY};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the database at {path} is damaged or not a Stint database ({source}); \
         it was left untouched, move it aside to start afresh"
    )]
    Corrupt {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("could not open the database at {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("could not bring the database at {path} up to date: {source}")]
    Migrate {
        path: PathBuf,
        source: rusqlite_migration::Error,
    },
    #[error("the database at {path} was written by a newer Stint (schema {found}, this one knows {known})")]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("a timer is already running")]
    AlreadyRunning,
    #[error("no screenshot is waiting for review with that id (it may have been sent, discarded or expired)")]
    NotHeld,
    #[error("no entry with id {0}")]
    NotFound(EntryId),
    #[error("stored time {0:?} is not a valid timestamp")]
    BadTimestamp(String),
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// What the outbox row says happened to an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutboxOp {
    Upsert,
    Delete,
}

impl OutboxOp {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            OutboxOp::Upsert => "upsert",
            OutboxOp::Delete => "delete",
        }
    }
}

pub struct Store {
    conn: Connection,
}

/// Switches a connection to WAL. Where another process is switching the same new file at
/// that moment SQLite answers "busy" without waiting, so this waits (up to 5 s) itself.
pub fn wal(conn: &Connection) -> Result<(), rusqlite::Error> {
    let mut tries = 0;
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && tries < 250 =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
    )
}

impl Store {
    /// Opens (creating if needed) the database and applies pending migrations. A damaged
    /// file is reported and never modified.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let classify = |source: rusqlite::Error| {
            if is_corruption(&source) {
                StoreError::Corrupt {
                    path: path.to_owned(),
                    source,
                }
            } else {
                open_err(source)
            }
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        // Reading the schema version is the first access to the file's header, so a file
        // that is not a database fails here, before anything is written to it.
        let found: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(classify)?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: path.to_owned(),
                found,
                known: SCHEMA_VERSION,
            });
        }
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(open_err)?;
        wal(&conn).map_err(classify)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(classify)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(classify)?;
        // Deleted screenshots are overwritten in the file, not just unlinked from it.
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(classify)?;
        // Two processes opening a new data directory at once (the agent and a CLI) may both
        // start the migrations (the version is read before their transaction): the second
        // then fails on tables the first made. Reading the version again finds the work done.
        let migrated = migrations()
            .to_latest(&mut conn)
            .or_else(|_| migrations().to_latest(&mut conn));
        migrated.map_err(|source| match source {
            rusqlite_migration::Error::RusqliteError { err, .. } if is_corruption(&err) => {
                StoreError::Corrupt {
                    path: path.to_owned(),
                    source: err,
                }
            }
            source => StoreError::Migrate {
                path: path.to_owned(),
                source,
            },
        })?;
        tracing::debug!(path = %path.display(), "store opened");
        Ok(Store { conn })
    }

    pub fn running(&self) -> Result<Option<Entry>, StoreError> {
        running_in(&self.conn)
    }

    /// For the sync drainer's own connection: commits stop waiting for the disk. What it
    /// writes is only delivery state, and losing the newest of that in a power cut just
    /// means a row is sent again, which the server answers from its idempotency record.
    /// The changes themselves are written, durably, by the agent's connection.
    pub fn relax_durability_for_delivery_state(&self) -> Result<(), StoreError> {
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(())
    }

    /// A write transaction that takes the write lock at once, so a decision made inside it
    /// cannot be overtaken by another process.
    pub(crate) fn write(&mut self) -> Result<rusqlite::Transaction<'_>, StoreError> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    pub fn get(&self, id: &EntryId) -> Result<Entry, StoreError> {
        entry_in(&self.conn, &id.0)?.ok_or_else(|| StoreError::NotFound(id.clone()))
    }

    /// Entries that may touch `[from, to)`, oldest first.
    pub fn entries_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Entry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM entries
             WHERE start_utc < ?2 AND (end_utc IS NULL OR end_utc >= ?1)
             ORDER BY start_utc, id"
        ))?;
        let rows = stmt.query_map(params![time::to_sql(from), time::to_sql(to)], raw_entry)?;
        rows.map(|r| r?.into_entry()).collect()
    }

    /// The `limit` entries that started last, newest first (the running one included).
    pub fn latest_entries(&self, limit: usize) -> Result<Vec<Entry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM entries
             ORDER BY start_utc DESC, id DESC LIMIT ?1"
        ))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map([limit], raw_entry)?;
        rows.map(|r| r?.into_entry()).collect()
    }

    /// Runs `f` with commits that do not wait for the disk, then restores full durability.
    /// Only for delivery state (outbox rows done, retried, parked): losing the newest of
    /// that in a power cut just means a row is sent again, which the server answers from
    /// its idempotency record. The changes themselves are always committed durably.
    pub fn relaxed<T>(&mut self, f: impl FnOnce(&mut Store) -> T) -> T {
        if let Err(e) = self.conn.pragma_update(None, "synchronous", "NORMAL") {
            tracing::warn!("delivery state keeps full durability: {e}");
        }
        let answer = f(self);
        if let Err(e) = self.conn.pragma_update(None, "synchronous", "FULL") {
            tracing::error!("could not restore full durability: {e}");
        }
        answer
    }

    /// Runs `decide` on the running entry inside an immediate transaction, so that two
    /// processes racing to start or stop see each other's result; whatever entry it returns
    /// is written with its outbox row.
    pub fn update_running<T>(
        &mut self,
        decide: impl FnOnce(Option<&Entry>) -> (Option<Entry>, T),
    ) -> Result<T, StoreError> {
        let tx = self.write()?;
        let running = running_in(&tx)?;
        let (to_write, answer) = decide(running.as_ref());
        if let Some(entry) = to_write {
            upsert(&tx, &entry)?;
        }
        tx.commit()?;
        Ok(answer)
    }

    /// Inserts or replaces an entry, with its outbox row.
    pub fn save(&mut self, entry: &Entry) -> Result<(), StoreError> {
        let tx = self.write()?;
        upsert(&tx, entry)?;
        tx.commit()?;
        Ok(())
    }

    /// Writes several entries in one transaction, each with its outbox row, in the order
    /// given (end a running entry before starting the next).
    pub fn save_all(&mut self, entries: &[Entry]) -> Result<(), StoreError> {
        let tx = self.write()?;
        for entry in entries {
            upsert(&tx, entry)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Deletes an entry, with its outbox row.
    pub fn delete(&mut self, id: &EntryId) -> Result<(), StoreError> {
        let tx = self.write()?;
        if tx.execute("DELETE FROM entries WHERE id = ?1", [&id.0])? == 0 {
            return Err(StoreError::NotFound(id.clone()));
        }
        captures::forget_entry_captures(&tx, &id.0)?;
        enqueue(&tx, &id.0, OutboxOp::Delete, "{}")?;
        tx.commit()?;
        Ok(())
    }
}

/// The entry with this id, if the store has it.
pub(crate) fn entry_in(conn: &Connection, id: &str) -> Result<Option<Entry>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS} FROM entries WHERE id = ?1"
    ))?
    .query_row([id], raw_entry)
    .optional()?
    .map(RawEntry::into_entry)
    .transpose()
}

fn running_in(conn: &Connection) -> Result<Option<Entry>, StoreError> {
    conn.query_row(
        &format!("SELECT {ENTRY_COLUMNS} FROM entries WHERE end_utc IS NULL"),
        [],
        raw_entry,
    )
    .optional()?
    .map(RawEntry::into_entry)
    .transpose()
}

fn upsert(tx: &rusqlite::Transaction<'_>, entry: &Entry) -> Result<(), StoreError> {
    write_entry(tx, entry)?;
    enqueue(tx, &entry.id.0, OutboxOp::Upsert, &payload_of(entry))
}

/// An upsert row's payload: the entry's content in the server's body shape.
pub(crate) fn payload_of(entry: &Entry) -> String {
    serde_json::json!({
        "id": entry.id.0,
        "description": entry.description,
        "start": time::to_sql(entry.start),
        "end": entry.end.map(time::to_sql),
        "projectId": entry.work.project_id,
        "taskId": entry.work.task_id,
        "tagIds": entry.work.tag_ids,
        "billable": entry.work.billable,
    })
    .to_string()
}

/// Writes the entry row alone; callers decide whether an outbox row goes with it.
pub(crate) fn write_entry(tx: &rusqlite::Transaction<'_>, entry: &Entry) -> Result<(), StoreError> {
    let result = tx.execute(
        "INSERT INTO entries (id, description, start_utc, end_utc, project_id, task_id,
             tag_ids, billable) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(id) DO UPDATE SET description = excluded.description,
             start_utc = excluded.start_utc, end_utc = excluded.end_utc,
             project_id = excluded.project_id, task_id = excluded.task_id,
             tag_ids = excluded.tag_ids, billable = excluded.billable",
        params![
            entry.id.0,
            entry.description,
            time::to_sql(entry.start),
            entry.end.map(time::to_sql),
            entry.work.project_id,
            entry.work.task_id,
            tags_to_sql(&entry.work.tag_ids),
            entry.work.billable
        ],
    );
    match result {
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
            Err(StoreError::AlreadyRunning)
        }
        other => other.map(drop).map_err(StoreError::from),
    }
}

fn enqueue(
    tx: &rusqlite::Transaction<'_>,
    entity_id: &str,
    op: OutboxOp,
    payload: &str,
) -> Result<(), StoreError> {
    enqueue_entity(tx, "entry", entity_id, op, payload)
}

/// Queues a change for the server. `entity_id` is the entry the change belongs to: rows of
/// one entry are delivered strictly in order.
pub(crate) fn enqueue_entity(
    tx: &rusqlite::Transaction<'_>,
    entity: &str,
    entity_id: &str,
    op: OutboxOp,
    payload: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO outbox (entity, entity_id, op, payload, idempotency_key)
         VALUES (?5, ?1, ?2, ?3, ?4)",
        params![
            entity_id,
            op.as_str(),
            payload,
            uuid::Uuid::new_v4().to_string(),
            entity
        ],
    )?;
    Ok(())
}

/// The columns [`raw_entry`] reads, in its order (of `entries` and `remote_entries`).
pub(crate) const ENTRY_COLUMNS: &str =
    "id, description, start_utc, end_utc, project_id, task_id, tag_ids, billable";

pub(crate) struct RawEntry {
    id: String,
    description: String,
    start: String,
    end: Option<String>,
    project_id: Option<String>,
    task_id: Option<String>,
    /// A JSON array of ids.
    tag_ids: String,
    billable: bool,
}

/// Tag ids as stored: a JSON array.
pub(crate) fn tags_to_sql(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".into())
}

pub(crate) fn raw_entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawEntry> {
    Ok(RawEntry {
        id: row.get(0)?,
        description: row.get(1)?,
        start: row.get(2)?,
        end: row.get(3)?,
        project_id: row.get(4)?,
        task_id: row.get(5)?,
        tag_ids: row.get(6)?,
        billable: row.get(7)?,
    })
}

impl RawEntry {
    pub(crate) fn into_entry(self) -> Result<Entry, StoreError> {
        Ok(Entry {
            id: EntryId(self.id),
            description: self.description,
            start: time::from_sql(&self.start)?,
            end: self.end.as_deref().map(time::from_sql).transpose()?,
            work: stint_core::Work {
                project_id: self.project_id,
                task_id: self.task_id,
                // Written by this store from a Vec; a damaged value reads as no tags.
                tag_ids: serde_json::from_str(&self.tag_ids).unwrap_or_default(),
                billable: self.billable,
            },
        })
    }
}
