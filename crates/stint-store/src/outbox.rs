//! The outbox as the sync drainer sees it: the oldest due row, and what became of a try.

use chrono::{DateTime, Utc};
use rusqlite::params;

use crate::{time, Store, StoreError};

/// A pending change for the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub seq: i64,
    /// `entry` (a time entry change) or [`crate::CAPTURE_ENTITY`] (a screenshot upload).
    pub entity: String,
    pub entity_id: String,
    pub op: String,
    pub payload: String,
    pub idempotency_key: String,
    pub attempts: u32,
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

const OUTBOX_COLUMNS: &str = "seq, entity_id, op, payload, idempotency_key, attempts, entity";

fn outbox_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        seq: r.get(0)?,
        entity_id: r.get(1)?,
        op: r.get(2)?,
        payload: r.get(3)?,
        idempotency_key: r.get(4)?,
        attempts: r.get(5)?,
        entity: r.get(6)?,
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
