//! [`ScreenshotStorage`] on the server's SQLite database: capture sets and their pictures'
//! metadata, and the deletion rules applied in one transaction with the entry change.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use stint_api::Monitor;
use stint_core::screenshot_rules::{
    delete_capture, Deleter, DeletionRefused, EntryChange, EntryFacts,
};

use super::sqlite::{parse_ts, ts, write_entry, Sqlite};
use super::{
    CaptureSetRow, EntryRow, Result, ScreenshotRow, ScreenshotStorage, SetDeletion, StorageError,
};

const SET_COLUMNS: &str = "id, workspace_id, user_id, entry_id, captured_utc";

fn set_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CaptureSetRow> {
    Ok(CaptureSetRow {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        user_id: r.get(2)?,
        entry_id: r.get(3)?,
        captured: parse_ts(&r.get::<_, String>(4)?)?,
        screenshots: Vec::new(),
    })
}

fn with_screenshots(conn: &Connection, mut set: CaptureSetRow) -> Result<CaptureSetRow> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, monitor_name, monitor_x, monitor_y, monitor_width, monitor_height,
                width, height, size_bytes, sha256
         FROM screenshots WHERE set_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([&set.id], |r| {
        Ok(ScreenshotRow {
            id: r.get(0)?,
            monitor: Monitor {
                name: r.get(1)?,
                x: r.get(2)?,
                y: r.get(3)?,
                width: r.get(4)?,
                height: r.get(5)?,
            },
            width: r.get(6)?,
            height: r.get(7)?,
            size_bytes: r.get(8)?,
            sha256: r.get(9)?,
        })
    })?;
    set.screenshots = rows.collect::<rusqlite::Result<_>>()?;
    Ok(set)
}

fn find_set(conn: &Connection, workspace_id: &str, id: &str) -> Result<Option<CaptureSetRow>> {
    let set = conn
        .query_row(
            &format!("SELECT {SET_COLUMNS} FROM capture_sets WHERE workspace_id = ?1 AND id = ?2"),
            [workspace_id, id],
            set_row,
        )
        .optional()?;
    set.map(|s| with_screenshots(conn, s)).transpose()
}

/// Picture ids (blob keys) of the sets chosen by `filter` (a WHERE clause on capture_sets
/// with one parameter), after which those sets are deleted.
fn delete_sets(conn: &Connection, filter: &str, param: &str) -> Result<Vec<String>> {
    let keys: Vec<String> = conn
        .prepare(&format!(
            "SELECT s.id FROM screenshots s JOIN capture_sets c ON c.id = s.set_id WHERE {filter}"
        ))?
        .query_map([param], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    conn.execute(
        &format!("DELETE FROM capture_sets AS c WHERE {filter}"),
        [param],
    )?;
    Ok(keys)
}

/// Used when an entry is deleted, inside the caller's transaction.
pub(super) fn delete_sets_of_entry(conn: &Connection, entry_id: &str) -> Result<Vec<String>> {
    delete_sets(conn, "c.entry_id = ?1", entry_id)
}

impl ScreenshotStorage for Sqlite {
    fn add_capture_set(&self, set: &CaptureSetRow) -> Result<CaptureSetRow> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(existing) = find_set(&tx, &set.workspace_id, &set.id)? {
            let same = existing.entry_id == set.entry_id
                && existing.user_id == set.user_id
                && existing.captured == set.captured
                && existing.screenshots == set.screenshots;
            return if same {
                Ok(existing)
            } else {
                Err(StorageError::Conflict(format!(
                    "capture set {} already exists with other content",
                    set.id
                )))
            };
        }
        let taken: Option<String> = tx
            .query_row(
                "SELECT id FROM capture_sets WHERE id = ?1",
                [&set.id],
                |r| r.get(0),
            )
            .optional()?;
        if taken.is_some() {
            return Err(StorageError::Conflict(format!(
                "capture set id {} is taken",
                set.id
            )));
        }
        tx.execute(
            &format!("INSERT INTO capture_sets ({SET_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5)"),
            params![
                set.id,
                set.workspace_id,
                set.user_id,
                set.entry_id,
                ts(set.captured)
            ],
        )?;
        for (position, s) in set.screenshots.iter().enumerate() {
            let inserted = tx.execute(
                "INSERT INTO screenshots (id, set_id, position, monitor_name, monitor_x, monitor_y,
                     monitor_width, monitor_height, width, height, size_bytes, sha256)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    s.id,
                    set.id,
                    position as i64,
                    s.monitor.name,
                    s.monitor.x,
                    s.monitor.y,
                    s.monitor.width,
                    s.monitor.height,
                    s.width,
                    s.height,
                    s.size_bytes as i64,
                    s.sha256
                ],
            );
            if let Err(e) = inserted {
                return Err(if super::sqlite::is_constraint(&e) {
                    StorageError::Conflict(format!("screenshot id {} is taken", s.id))
                } else {
                    e.into()
                });
            }
        }
        tx.commit()?;
        Ok(set.clone())
    }

    fn capture_sets(
        &self,
        workspace_id: &str,
        user_id: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CaptureSetRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {SET_COLUMNS} FROM capture_sets
             WHERE workspace_id = ?1 AND (?2 IS NULL OR user_id = ?2)
               AND captured_utc >= ?3 AND captured_utc < ?4
             ORDER BY captured_utc, id"
        ))?;
        let sets: Vec<CaptureSetRow> = stmt
            .query_map(params![workspace_id, user_id, ts(from), ts(to)], set_row)?
            .collect::<rusqlite::Result<_>>()?;
        sets.into_iter()
            .map(|s| with_screenshots(&conn, s))
            .collect()
    }

    fn capture_set(&self, workspace_id: &str, id: &str) -> Result<Option<CaptureSetRow>> {
        find_set(&self.conn(), workspace_id, id)
    }

    fn screenshot_owner(&self, workspace_id: &str, screenshot_id: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT c.user_id FROM screenshots s JOIN capture_sets c ON c.id = s.set_id
                 WHERE c.workspace_id = ?1 AND s.id = ?2",
                [workspace_id, screenshot_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn delete_capture_set(
        &self,
        workspace_id: &str,
        id: &str,
        by: Deleter,
    ) -> Result<std::result::Result<SetDeletion, DeletionRefused>> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let set = find_set(&tx, workspace_id, id)?
            .ok_or_else(|| StorageError::NotFound(format!("capture set {id} not found")))?;
        let entry = Sqlite::find_entry(&tx, workspace_id, &set.entry_id)?;
        let mut outcome = SetDeletion {
            removed_seconds: 0,
            entry_deleted: false,
            entry: entry.clone(),
            split_off: None,
            blob_keys: Vec::new(),
        };
        if let Some(entry) = entry {
            let captures: Vec<DateTime<Utc>> = tx
                .prepare_cached("SELECT captured_utc FROM capture_sets WHERE entry_id = ?1")?
                .query_map([&entry.id], |r| parse_ts(&r.get::<_, String>(0)?))?
                .collect::<rusqlite::Result<_>>()?;
            let facts = EntryFacts {
                start: entry.start,
                end: entry.end,
                locked: entry.locked,
            };
            let change = match delete_capture(&facts, &captures, set.captured, by) {
                Ok(change) => change,
                Err(refused) => return Ok(Err(refused)),
            };
            apply_change(&tx, &entry, &set, change, &mut outcome)?;
        }
        outcome
            .blob_keys
            .extend(delete_sets(&tx, "c.id = ?1", &set.id)?);
        tx.commit()?;
        Ok(Ok(outcome))
    }

    fn expire_capture_sets(&self, before: DateTime<Utc>) -> Result<Vec<String>> {
        let conn = self.conn();
        delete_sets(&conn, "c.captured_utc < ?1", &ts(before))
    }

    fn delete_user(&self, workspace: &str, email: &str) -> Result<Vec<String>> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let user_id: String = tx
            .query_row(
                "SELECT u.id FROM users u JOIN workspaces w ON w.id = u.workspace_id
                 WHERE w.name = ?1 AND u.email = ?2",
                [workspace, email],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| StorageError::NotFound(format!("no user {email} in {workspace}")))?;
        let keys = delete_sets(&tx, "c.user_id = ?1", &user_id)?;
        tx.execute("DELETE FROM time_entries WHERE user_id = ?1", [&user_id])?;
        tx.execute("DELETE FROM notices WHERE user_id = ?1", [&user_id])?;
        tx.execute("DELETE FROM users WHERE id = ?1", [&user_id])?;
        tx.commit()?;
        Ok(keys)
    }
}

/// Writes what the rules decided about the entry.
fn apply_change(
    tx: &Connection,
    entry: &EntryRow,
    set: &CaptureSetRow,
    change: EntryChange,
    outcome: &mut SetDeletion,
) -> Result<()> {
    let length = |e: &EntryRow| e.end.map_or(0, |end| (end - e.start).num_seconds());
    match change {
        EntryChange::Unchanged => {}
        EntryChange::DeleteEntry => {
            outcome
                .blob_keys
                .extend(delete_sets_of_entry(tx, &entry.id)?);
            tx.execute("DELETE FROM time_entries WHERE id = ?1", [&entry.id])?;
            outcome.removed_seconds = length(entry);
            outcome.entry_deleted = true;
            outcome.entry = None;
        }
        EntryChange::Trim { start, end } => {
            let trimmed = EntryRow {
                start,
                end: Some(end),
                ..entry.clone()
            };
            write_entry(tx, &trimmed, false)?;
            outcome.removed_seconds = length(entry) - length(&trimmed);
            outcome.entry = Some(trimmed);
        }
        EntryChange::Split {
            first_end,
            second_start,
        } => {
            let first = EntryRow {
                end: Some(first_end),
                ..entry.clone()
            };
            let second = EntryRow {
                id: crate::auth::new_id(),
                start: second_start,
                locked: false,
                ..entry.clone()
            };
            write_entry(tx, &first, false)?;
            write_entry(tx, &second, true)?;
            // The captures after the cut now belong to the later part.
            tx.execute(
                "UPDATE capture_sets SET entry_id = ?1
                 WHERE entry_id = ?2 AND captured_utc > ?3 AND id != ?4",
                params![second.id, entry.id, ts(set.captured), set.id],
            )?;
            outcome.removed_seconds = length(entry) - length(&first) - length(&second);
            outcome.entry = Some(first);
            outcome.split_off = Some(second);
        }
    }
    Ok(())
}
