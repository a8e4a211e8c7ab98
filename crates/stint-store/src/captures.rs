//! Screenshots on the device until the server has them. A set is written with its outbox
//! row in one transaction; the row names the set's entry, so an upload never overtakes the
//! entry it belongs to. The server acknowledging the upload deletes the local copy.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use stint_core::EntryId;

use crate::{time, Store, StoreError};

/// The outbox's name for capture set uploads.
pub const CAPTURE_ENTITY: &str = "capture";

/// One monitor's stored picture: small, blurred, JPEG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalPicture {
    pub id: String,
    pub monitor_name: String,
    pub monitor_x: i32,
    pub monitor_y: i32,
    pub monitor_width: u32,
    pub monitor_height: u32,
    pub width: u32,
    pub height: u32,
    /// SHA-256 of `jpeg`, lowercase hex.
    pub sha256: String,
    pub jpeg: Vec<u8>,
    /// A plain "private" tile: a private app was in front on this monitor.
    pub private: bool,
}

/// The pictures of every monitor at one moment, tied to one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalCaptureSet {
    pub id: String,
    pub entry_id: EntryId,
    pub captured: DateTime<Utc>,
    pub pictures: Vec<LocalPicture>,
    /// Under review until then: not queued for upload before (issue 19).
    pub hold_until: Option<DateTime<Utc>>,
}

impl Store {
    /// Keeps a capture set and queues its upload, unless it is held for review.
    pub fn save_capture_set(&mut self, set: &LocalCaptureSet) -> Result<(), StoreError> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO capture_sets (id, entry_id, captured_utc, hold_until_utc)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                set.id,
                set.entry_id.0,
                time::to_sql(set.captured),
                set.hold_until.map(time::to_sql)
            ],
        )?;
        tx.execute(
            "INSERT INTO capture_moments (set_id, entry_id, captured_utc) VALUES (?1, ?2, ?3)",
            params![set.id, set.entry_id.0, time::to_sql(set.captured)],
        )?;
        for (position, p) in set.pictures.iter().enumerate() {
            tx.execute(
                "INSERT INTO capture_pictures (id, set_id, position, monitor_name, monitor_x,
                     monitor_y, monitor_width, monitor_height, width, height, sha256, jpeg, private)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    p.id,
                    set.id,
                    position as i64,
                    p.monitor_name,
                    p.monitor_x,
                    p.monitor_y,
                    p.monitor_width,
                    p.monitor_height,
                    p.width,
                    p.height,
                    p.sha256,
                    p.jpeg,
                    p.private
                ],
            )?;
        }
        if set.hold_until.is_none() {
            queue_upload(&tx, &set.id, &set.entry_id.0)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// A set still on the device, pictures included.
    pub fn capture_set(&self, id: &str) -> Result<Option<LocalCaptureSet>, StoreError> {
        let head = self
            .conn
            .query_row(
                "SELECT entry_id, captured_utc, hold_until_utc FROM capture_sets WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                    ))
                },
            )
            .optional()?;
        let Some((entry_id, captured, hold_until)) = head else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, monitor_name, monitor_x, monitor_y, monitor_width, monitor_height,
                    width, height, sha256, jpeg, private
             FROM capture_pictures WHERE set_id = ?1 ORDER BY position",
        )?;
        let pictures = stmt
            .query_map([id], |r| {
                Ok(LocalPicture {
                    id: r.get(0)?,
                    monitor_name: r.get(1)?,
                    monitor_x: r.get(2)?,
                    monitor_y: r.get(3)?,
                    monitor_width: r.get(4)?,
                    monitor_height: r.get(5)?,
                    width: r.get(6)?,
                    height: r.get(7)?,
                    sha256: r.get(8)?,
                    jpeg: r.get(9)?,
                    private: r.get(10)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(Some(LocalCaptureSet {
            id: id.to_owned(),
            entry_id: EntryId(entry_id),
            captured: time::from_sql(&captured)?,
            pictures,
            hold_until: hold_until.as_deref().map(time::from_sql).transpose()?,
        }))
    }

    /// Ids of the sets on the device, oldest first.
    pub fn capture_set_ids(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM capture_sets ORDER BY captured_utc, id")?;
        let ids = stmt.query_map([], |r| r.get(0))?;
        Ok(ids.collect::<Result<_, _>>()?)
    }

    /// Deletes sets captured before `before` that were never sent, with their uploads.
    pub fn expire_capture_sets(&mut self, before: DateTime<Utc>) -> Result<usize, StoreError> {
        let tx = self.write()?;
        tx.execute(
            "DELETE FROM outbox WHERE entity = ?1 AND json_extract(payload, '$.setId') IN
                 (SELECT id FROM capture_sets WHERE captured_utc < ?2)",
            params![CAPTURE_ENTITY, time::to_sql(before)],
        )?;
        let gone = tx.execute(
            "DELETE FROM capture_sets WHERE captured_utc < ?1",
            [time::to_sql(before)],
        )?;
        tx.execute(
            "DELETE FROM capture_moments WHERE captured_utc < ?1",
            [time::to_sql(before)],
        )?;
        tx.commit()?;
        Ok(gone)
    }
}

/// An entry deleted here takes its unsent screenshots with it.
pub(crate) fn forget_entry_captures(
    tx: &rusqlite::Transaction<'_>,
    entry_id: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM outbox WHERE entity = ?1 AND entity_id = ?2",
        params![CAPTURE_ENTITY, entry_id],
    )?;
    tx.execute("DELETE FROM capture_sets WHERE entry_id = ?1", [entry_id])?;
    tx.execute(
        "DELETE FROM capture_moments WHERE entry_id = ?1",
        [entry_id],
    )?;
    Ok(())
}

/// Queues the upload of set `set_id` of entry `entry_id`.
pub(crate) fn queue_upload(
    tx: &rusqlite::Transaction<'_>,
    set_id: &str,
    entry_id: &str,
) -> Result<(), StoreError> {
    crate::enqueue_entity(
        tx,
        CAPTURE_ENTITY,
        entry_id,
        crate::OutboxOp::Upsert,
        &serde_json::json!({ "setId": set_id }).to_string(),
    )
}

/// The server has the upload of the outbox row `seq`: the local copy goes.
pub(crate) fn forget_delivered(conn: &rusqlite::Connection, seq: i64) -> Result<(), StoreError> {
    conn.prepare_cached(
        "DELETE FROM capture_sets WHERE id =
             (SELECT json_extract(payload, '$.setId') FROM outbox WHERE seq = ?1 AND entity = ?2)",
    )?
    .execute(params![seq, CAPTURE_ENTITY])?;
    Ok(())
}
