//! The outbox as the sync drainer sees it: the oldest due row, and what became of a try.

use chrono::{DateTime, Utc};
use rusqlite::params;

use crate::{time, Store, StoreError};

/// A pending change for the server, read back typed: the sync code never parses the
/// stored text itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub seq: i64,
    /// The time entry the change is about (a screenshot upload's entry too, so an upload
    /// never overtakes its entry).
    pub entity_id: String,
    pub change: Change,
    pub idempotency_key: String,
    pub attempts: u32,
}

/// What a queued row asks the server to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Create the time entry with this content, or replace it (Clockify's body shape,
    /// with the entry's own id).
    UpsertEntry(stint_api::NewTimeEntry),
    /// Delete the time entry.
    DeleteEntry,
    /// Upload capture set `set_id` (its pictures are read from the store at delivery).
    UploadCapture { set_id: String },
    /// Tell the server a capture set was discarded before upload (no pixels).
    ReportDiscard(stint_api::DiscardedCapture),
    /// A row that cannot be read (a damaged file, a format this version does not know):
    /// the server is never sent a guess; delivery refuses it with `reason`.
    Unreadable { reason: String },
}

impl Change {
    /// The change a stored row (`entity`, `op`, `payload` JSON) holds.
    fn read(entity: &str, op: &str, payload: &str) -> Change {
        let unreadable = |why: String| Change::Unreadable {
            reason: format!("the queued change ({entity} {op}) is unreadable: {why}"),
        };
        match (entity, op) {
            ("entry", "delete") => Change::DeleteEntry,
            ("entry", "upsert") => serde_json::from_str(payload)
                .map(Change::UpsertEntry)
                .unwrap_or_else(|e| unreadable(e.to_string())),
            (crate::CAPTURE_ENTITY, _) => {
                match serde_json::from_str::<serde_json::Value>(payload)
                    .ok()
                    .and_then(|v| v["setId"].as_str().map(str::to_owned))
                {
                    Some(set_id) => Change::UploadCapture { set_id },
                    None => unreadable("no capture set id".into()),
                }
            }
            (crate::DISCARD_ENTITY, _) => serde_json::from_str(payload)
                .map(Change::ReportDiscard)
                .unwrap_or_else(|e| unreadable(e.to_string())),
            _ => unreadable("unknown kind of change".into()),
        }
    }

    /// Whether the change deletes (a 404 then means it is already done).
    pub fn is_delete(&self) -> bool {
        matches!(self, Change::DeleteEntry)
    }
}

/// What the sync drainer should do next: rows that may be sent together, or why there
/// are none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxBatch {
    Empty,
    Ready(Vec<OutboxRow>),
    WaitUntil(DateTime<Utc>),
}

/// A row the server refused, for the user to see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkedRow {
    pub seq: i64,
    pub entity_id: String,
    pub op: String,
    pub reason: String,
}

pub(crate) const OUTBOX_COLUMNS: &str =
    "seq, entity_id, op, payload, idempotency_key, attempts, entity";

pub(crate) fn outbox_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxRow> {
    let (op, payload, entity): (String, String, String) = (r.get(2)?, r.get(3)?, r.get(6)?);
    Ok(OutboxRow {
        seq: r.get(0)?,
        entity_id: r.get(1)?,
        change: Change::read(&entity, &op, &payload),
        idempotency_key: r.get(4)?,
        attempts: r.get(5)?,
    })
}

impl Store {
    /// Every change not yet acknowledged, parked ones included, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY seq"))?;
        let rows = stmt.query_map([], outbox_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Up to `max` due rows from the front of the queue that may be sent at once: the
    /// prefix that stops at the first row not yet due or touching an entity already in it,
    /// so changes to one entry still go strictly in order.
    pub fn outbox_ready(&self, now: DateTime<Utc>, max: usize) -> Result<OutboxBatch, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {OUTBOX_COLUMNS}, next_attempt_utc FROM outbox WHERE parked = 0 ORDER BY seq LIMIT ?1"
        ))?;
        let rows = stmt.query_map([max.max(1) as i64], |r| {
            Ok((outbox_row(r)?, r.get::<_, Option<String>>(7)?))
        })?;
        let mut batch: Vec<OutboxRow> = Vec::new();
        for row in rows {
            let (row, next) = row?;
            let due_at = next.as_deref().map(time::from_sql).transpose()?;
            match due_at {
                Some(t) if t > now && batch.is_empty() => return Ok(OutboxBatch::WaitUntil(t)),
                Some(t) if t > now => break,
                _ => {}
            }
            if batch.iter().any(|b| b.entity_id == row.entity_id) {
                break;
            }
            batch.push(row);
        }
        Ok(if batch.is_empty() {
            OutboxBatch::Empty
        } else {
            OutboxBatch::Ready(batch)
        })
    }

    /// The server has the change: forget the row (and a delivered screenshot's local copy).
    pub fn outbox_done(&mut self, seq: i64) -> Result<(), StoreError> {
        let tx = self.write()?;
        crate::captures::forget_delivered(&tx, seq)?;
        tx.execute("DELETE FROM outbox WHERE seq = ?1", [seq])?;
        tx.commit()?;
        Ok(())
    }

    /// The try failed in a way worth repeating; try again at `next`.
    pub fn outbox_retry(
        &mut self,
        seq: i64,
        next: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_utc = ?2, last_error = ?3
             WHERE seq = ?1",
            params![seq, time::to_sql(next), error],
        )?;
        Ok(())
    }

    /// The server refused the change for good: keep it, with why, out of the queue's way.
    pub fn outbox_park(&mut self, seq: i64, reason: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE outbox SET parked = 1, attempts = attempts + 1, last_error = ?2 WHERE seq = ?1",
            params![seq, reason],
        )?;
        Ok(())
    }

    /// How many rows wait to be sent, and how many were refused.
    pub fn outbox_counts(&self) -> Result<(u32, u32), StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FILTER (WHERE parked = 0), count(*) FILTER (WHERE parked = 1) FROM outbox",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    pub fn parked(&self) -> Result<Vec<ParkedRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, entity_id, op, coalesce(last_error, '') FROM outbox WHERE parked = 1 ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ParkedRow {
                seq: r.get(0)?,
                entity_id: r.get(1)?,
                op: r.get(2)?,
                reason: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
