//! The device's private data: idle periods and the auto tracker's spans. A file of
//! its own (`private.db`) in a crate of its own: it has no outbox, nothing in it is ever
//! queued for the server, and the sync crate cannot name it (stint-sync does not depend on
//! this crate; the test command checks with `cargo tree`). Only the entry changes a user
//! chooses from it travel, through the ordinary store (`stint_store::Store`).

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use rusqlite_migration::{Migrations, M};

use stint_core::activity::Span;
pub use stint_core::activity::{IgnoreKind, StoredSpan};

use stint_store::{time, StoreError};

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(
            "CREATE TABLE idle_periods (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            entry_id     TEXT NOT NULL,
            start_utc    TEXT NOT NULL,
            end_utc      TEXT NOT NULL,
            answered_utc TEXT,
            answer       TEXT,
            CHECK (end_utc >= start_utc)
        ) STRICT;
        CREATE UNIQUE INDEX idle_one_open ON idle_periods (ifnull(answered_utc, 'open'))
            WHERE answered_utc IS NULL;",
        ),
        M::up(
            "CREATE TABLE activity_spans (
                id        INTEGER PRIMARY KEY AUTOINCREMENT,
                app       TEXT NOT NULL,
                title     TEXT NOT NULL,
                site      TEXT,
                start_utc TEXT NOT NULL,
                end_utc   TEXT NOT NULL,
                CHECK (end_utc >= start_utc)
            ) STRICT;
            CREATE INDEX activity_by_start ON activity_spans (start_utc);
            CREATE TABLE activity_ignored (
                kind  TEXT NOT NULL CHECK (kind IN ('app', 'site')),
                value TEXT NOT NULL,
                PRIMARY KEY (kind, value)
            ) STRICT;",
        ),
    ])
}

/// An idle period on record; unanswered while `answer` is `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdleRecord {
    pub id: i64,
    /// The entry that was running when the user went idle.
    pub entry_id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub answer: Option<String>,
}

pub struct PrivateStore {
    conn: Connection,
}

fn record(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(i64, String, String, String, Option<String>)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

impl PrivateStore {
    pub fn open(path: &Path) -> Result<PrivateStore, StoreError> {
        let mut conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_owned(),
            source,
        })?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        stint_store::wal(&conn)?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        // Two processes opening a new data directory at once (the agent and a CLI) may both
        // start the migrations (the version is read before their transaction): the second
        // then fails on tables the first made. Reading the version again finds the work done.
        let migrated = migrations()
            .to_latest(&mut conn)
            .or_else(|_| migrations().to_latest(&mut conn));
        migrated.map_err(|source| StoreError::Migrate {
            path: path.to_owned(),
            source,
        })?;
        Ok(PrivateStore { conn })
    }

    fn one(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Option<IdleRecord>, StoreError> {
        let raw = self.conn.query_row(sql, params, record).optional()?;
        raw.map(|(id, entry_id, start, end, answer)| {
            Ok(IdleRecord {
                id,
                entry_id,
                start: time::from_sql(&start)?,
                end: time::from_sql(&end)?,
                answer,
            })
        })
        .transpose()
    }

    /// The period waiting for an answer, if any.
    pub fn pending_idle(&self) -> Result<Option<IdleRecord>, StoreError> {
        self.one(
            "SELECT id, entry_id, start_utc, end_utc, answer FROM idle_periods
             WHERE answered_utc IS NULL",
            [],
        )
    }

    pub fn idle_record(&self, id: i64) -> Result<Option<IdleRecord>, StoreError> {
        self.one(
            "SELECT id, entry_id, start_utc, end_utc, answer FROM idle_periods WHERE id = ?1",
            [id],
        )
    }

    /// Records a period the user came back from. If one still waits for an answer the two
    /// merge into it (first start to last end), so there is only ever one prompt.
    pub fn record_idle(
        &mut self,
        entry_id: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<IdleRecord, StoreError> {
        let end = end.max(start);
        let tx = self.conn.transaction()?;
        let merged = tx.execute(
            "UPDATE idle_periods SET start_utc = min(start_utc, ?1), end_utc = max(end_utc, ?2)
             WHERE answered_utc IS NULL",
            params![time::to_sql(start), time::to_sql(end)],
        )?;
        if merged == 0 {
            tx.execute(
                "INSERT INTO idle_periods (entry_id, start_utc, end_utc) VALUES (?1, ?2, ?3)",
                params![entry_id, time::to_sql(start), time::to_sql(end)],
            )?;
        }
        tx.commit()?;
        Ok(self.pending_idle()?.expect("a period was just recorded"))
    }

    /// The user answered: the period stays on the device with the answer's name.
    pub fn answer_idle(
        &mut self,
        id: i64,
        answer: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE idle_periods SET answer = ?2, answered_utc = ?3 WHERE id = ?1",
            params![id, answer, time::to_sql(at)],
        )?;
        Ok(())
    }

    /// Deletes answered periods older than `before`.
    pub fn forget_idle_before(&mut self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM idle_periods WHERE answered_utc IS NOT NULL AND end_utc < ?1",
            [time::to_sql(before)],
        )?)
    }
}

impl PrivateStore {
    /// Whether an app or site is ignored.
    pub fn is_ignored(&self, kind: IgnoreKind, value: &str) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM activity_ignored WHERE kind = ?1 AND value = ?2",
            params![kind.as_str(), value],
            |r| r.get::<_, i64>(0),
        )? > 0)
    }

    /// Keeps a span, unless its app or site is ignored. Returns whether it was kept.
    pub fn add_span(&mut self, span: &Span) -> Result<bool, StoreError> {
        if self.is_ignored(IgnoreKind::App, &span.app)?
            || span
                .site
                .as_deref()
                .map(|s| self.is_ignored(IgnoreKind::Site, s))
                .transpose()?
                .unwrap_or(false)
        {
            return Ok(false);
        }
        self.conn.execute(
            "INSERT INTO activity_spans (app, title, site, start_utc, end_utc)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                span.app,
                span.title,
                span.site,
                time::to_sql(span.start),
                time::to_sql(span.end.max(span.start))
            ],
        )?;
        Ok(true)
    }

    /// Spans that touch `[from, to)`, oldest first.
    pub fn spans_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<StoredSpan>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, app, title, site, start_utc, end_utc FROM activity_spans
             WHERE start_utc < ?2 AND end_utc > ?1 ORDER BY start_utc, id",
        )?;
        let rows = stmt.query_map(params![time::to_sql(from), time::to_sql(to)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        rows.map(|row| {
            let (id, app, title, site, start, end) = row?;
            Ok(StoredSpan {
                id: u32::try_from(id).unwrap_or(u32::MAX),
                span: Span {
                    app,
                    title,
                    site,
                    start: time::from_sql(&start)?,
                    end: time::from_sql(&end)?,
                },
            })
        })
        .collect()
    }

    pub fn delete_spans(&mut self, ids: &[u32]) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let mut gone = 0;
        for id in ids {
            gone += tx.execute("DELETE FROM activity_spans WHERE id = ?1", [id])?;
        }
        tx.commit()?;
        Ok(gone)
    }

    /// Deletes the spans that start in `[from, to)`; everything with `None`.
    pub fn delete_spans_between(
        &mut self,
        range: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> Result<usize, StoreError> {
        Ok(match range {
            Some((from, to)) => self.conn.execute(
                "DELETE FROM activity_spans WHERE start_utc >= ?1 AND start_utc < ?2",
                params![time::to_sql(from), time::to_sql(to)],
            )?,
            None => self.conn.execute("DELETE FROM activity_spans", [])?,
        })
    }

    /// Stops recording an app or site and deletes its history. Returns the spans deleted.
    pub fn ignore(&mut self, kind: IgnoreKind, value: &str) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT OR IGNORE INTO activity_ignored (kind, value) VALUES (?1, ?2)",
            params![kind.as_str(), value],
        )?;
        let column = match kind {
            IgnoreKind::App => "app",
            IgnoreKind::Site => "site",
        };
        let gone = tx.execute(
            &format!("DELETE FROM activity_spans WHERE {column} = ?1"),
            [value],
        )?;
        tx.commit()?;
        Ok(gone)
    }

    /// Deletes spans that ended before `before` (the retention period).
    pub fn forget_spans_before(&mut self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM activity_spans WHERE end_utc < ?1",
            [time::to_sql(before)],
        )?)
    }
}

/// What of the user's this store holds (issue 19's "My data").
impl PrivateStore {
    /// How many auto tracker spans and idle periods are kept.
    pub fn counts(&self) -> Result<(u32, u32), StoreError> {
        let count = |sql: &str| -> Result<u32, StoreError> {
            Ok(self.conn.query_row(sql, [], |r| r.get::<_, u32>(0))?)
        };
        Ok((
            count("SELECT count(*) FROM activity_spans")?,
            count("SELECT count(*) FROM idle_periods")?,
        ))
    }

    /// Every idle period on record, oldest first.
    pub fn idle_records(&self) -> Result<Vec<IdleRecord>, StoreError> {
        let ids: Vec<i64> = self
            .conn
            .prepare("SELECT id FROM idle_periods ORDER BY start_utc, id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(self.idle_record(id)?);
        }
        Ok(out)
    }

    /// Deletes every idle period, span and ignore rule, and compacts the file.
    pub fn wipe(&mut self) -> Result<(), StoreError> {
        self.conn.execute_batch(
            "BEGIN IMMEDIATE;
             DELETE FROM idle_periods;
             DELETE FROM activity_spans;
             DELETE FROM activity_ignored;
             COMMIT;
             VACUUM;",
        )?;
        // The write-ahead log still holds the old pages until a checkpoint empties it.
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}
