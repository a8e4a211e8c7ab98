//! The device's private data: idle periods now, the auto tracker's spans later. A file of
//! its own (`private.db`) behind a type of its own: it has no outbox, nothing in it is ever
//! queued for the server, and the sync code (which works on [`crate::Store`]) cannot reach
//! it. Only the entry changes a user chooses from it travel, through the ordinary store.

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use rusqlite_migration::{Migrations, M};

use crate::{time, StoreError};

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(
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
    )])
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
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "secure_delete", "ON")?;
        migrations()
            .to_latest(&mut conn)
            .map_err(|source| StoreError::Migrate {
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
