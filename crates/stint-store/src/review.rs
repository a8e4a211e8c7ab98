//! Review before upload on the device (issue 19). A held set has no outbox row until its
//! review window ends ([`Store::release_held`]); the end is stored, so closing the app does
//! not skip the wait, and a set released after a restart goes out then. Discarding a held
//! set deletes its pictures, writes the entry's cut and queues a report for the admin (no
//! pixels) in one transaction, so the cut and the report can never part. The workspace's
//! rules as last read are kept here too, so they hold after an offline restart.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use stint_core::{Entry, EntryId};

use crate::captures::{queue_upload, CAPTURE_ENTITY};
use crate::{time, LocalCaptureSet, OutboxOp, Store, StoreError};

/// The outbox's name for reports of sets discarded before upload.
pub const DISCARD_ENTITY: &str = "capture_discard";

/// What a discard writes, decided by `stint_core::review::discard`.
#[derive(Debug, Clone)]
pub struct DiscardWrite<'a> {
    /// The entry the set belonged to.
    pub entry_id: &'a EntryId,
    /// The entry as cut and the later part of a split, in order.
    pub writes: &'a [Entry],
    /// The entry goes.
    pub delete: bool,
    /// The later part of a split: the entry's sets captured after the discarded one move
    /// to it.
    pub split_off: Option<&'a EntryId>,
    /// The report for the server.
    pub report: &'a stint_api::DiscardedCapture,
}

impl Store {
    /// Sets waiting for their review window to end, pictures included, oldest first.
    pub fn held_sets(&self) -> Result<Vec<LocalCaptureSet>, StoreError> {
        let ids: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT id FROM capture_sets WHERE hold_until_utc IS NOT NULL
                 ORDER BY captured_utc, id",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut sets = Vec::with_capacity(ids.len());
        for id in ids {
            sets.extend(self.capture_set(&id)?);
        }
        Ok(sets)
    }

    /// How many sets wait for review.
    pub fn held_count(&self) -> Result<u32, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM capture_sets WHERE hold_until_utc IS NOT NULL",
            [],
            |r| r.get(0),
        )?)
    }

    /// When the next review window ends, if a set is held.
    pub fn next_release(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let next: Option<String> = self.conn.query_row(
            "SELECT min(hold_until_utc) FROM capture_sets WHERE hold_until_utc IS NOT NULL",
            [],
            |r| r.get(0),
        )?;
        next.as_deref().map(time::from_sql).transpose()
    }

    /// Queues the upload of every held set whose review window ended by `now`; returns
    /// how many.
    pub fn release_held(&mut self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let tx = self.write()?;
        let due: Vec<(String, String)> = tx
            .prepare_cached(
                "SELECT id, entry_id FROM capture_sets
                 WHERE hold_until_utc IS NOT NULL AND hold_until_utc <= ?1
                 ORDER BY captured_utc, id",
            )?
            .query_map([time::to_sql(now)], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (set, entry) in &due {
            tx.execute(
                "UPDATE capture_sets SET hold_until_utc = NULL WHERE id = ?1",
                [set],
            )?;
            queue_upload(&tx, set, entry)?;
        }
        tx.commit()?;
        Ok(due.len())
    }

    /// When this device's captures of an entry were taken (sent ones included).
    pub fn capture_moments(&self, entry_id: &EntryId) -> Result<Vec<DateTime<Utc>>, StoreError> {
        let texts: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT captured_utc FROM capture_moments WHERE entry_id = ?1 ORDER BY captured_utc",
            )?
            .query_map([&entry_id.0], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        texts.iter().map(|t| time::from_sql(t)).collect()
    }

    /// Discards held set `set_id` with what the rules decided, in one transaction.
    /// [`StoreError::NotHeld`] if it is no longer waiting (sent, expired or discarded).
    pub fn discard_held(&mut self, set_id: &str, d: &DiscardWrite<'_>) -> Result<(), StoreError> {
        let tx = self.write()?;
        let held: Option<(Option<String>, String)> = tx
            .query_row(
                "SELECT hold_until_utc, captured_utc FROM capture_sets WHERE id = ?1",
                [set_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((Some(_), captured)) = held else {
            return Err(StoreError::NotHeld);
        };
        tx.execute("DELETE FROM capture_sets WHERE id = ?1", [set_id])?;
        tx.execute("DELETE FROM capture_moments WHERE set_id = ?1", [set_id])?;
        if let Some(new_id) = d.split_off {
            // Later captures belong to the later part now, queued uploads included.
            let later = "SELECT id FROM capture_sets WHERE entry_id = ?2 AND captured_utc > ?3";
            tx.execute(
                &format!(
                    "UPDATE outbox SET entity_id = ?1 WHERE entity = ?4 AND entity_id = ?2
                     AND json_extract(payload, '$.setId') IN ({later})"
                ),
                params![new_id.0, d.entry_id.0, captured, CAPTURE_ENTITY],
            )?;
            for table in ["capture_sets", "capture_moments"] {
                tx.execute(
                    &format!(
                        "UPDATE {table} SET entry_id = ?1 WHERE entry_id = ?2 AND captured_utc > ?3"
                    ),
                    params![new_id.0, d.entry_id.0, captured],
                )?;
            }
        }
        for entry in d.writes {
            crate::write_entry(&tx, entry)?;
            crate::enqueue_entity(
                &tx,
                "entry",
                &entry.id.0,
                OutboxOp::Upsert,
                &crate::payload_of(entry),
            )?;
        }
        if d.delete {
            tx.execute("DELETE FROM entries WHERE id = ?1", [&d.entry_id.0])?;
            crate::captures::forget_entry_captures(&tx, &d.entry_id.0)?;
            crate::enqueue_entity(&tx, "entry", &d.entry_id.0, OutboxOp::Delete, "{}")?;
        }
        crate::enqueue_entity(
            &tx,
            DISCARD_ENTITY,
            &d.entry_id.0,
            OutboxOp::Upsert,
            &serde_json::to_string(d.report).unwrap_or_default(),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The workspace's rules as last read (JSON), if any.
    pub fn policy(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT body FROM policy WHERE one = 1", [], |r| r.get(0))
            .optional()?)
    }

    /// Keeps the workspace's rules (JSON); `None` forgets them (signed out).
    pub fn save_policy(&mut self, body: Option<&str>) -> Result<(), StoreError> {
        match body {
            Some(body) => self.conn.execute(
                "INSERT INTO policy (one, body) VALUES (1, ?1)
                 ON CONFLICT(one) DO UPDATE SET body = excluded.body",
                [body],
            )?,
            None => self.conn.execute("DELETE FROM policy", [])?,
        };
        Ok(())
    }
}
