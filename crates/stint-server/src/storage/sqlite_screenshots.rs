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

pub(super) const SET_COLUMNS: &str = "id, workspace_id, user_id, entry_id, captured_utc";

pub(super) fn set_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CaptureSetRow> {
    Ok(CaptureSetRow {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        user_id: r.get(2)?,
        entry_id: r.get(3)?,
        captured: parse_ts(&r.get::<_, String>(4)?)?,
        screenshots: Vec::new(),
    })
}

pub(super) fn with_screenshots(conn: &Connection, mut set: CaptureSetRow) -> Result<CaptureSetRow> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, monitor_name, monitor_x, monitor_y, monitor_width, monitor_height,
                width, height, size_bytes, sha256, blob_key, private
         FROM screenshots WHERE workspace_id = ?1 AND set_id = ?2 ORDER BY position",
    )?;
    let rows = stmt.query_map([&set.workspace_id, &set.id], |r| {
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
            blob_key: r.get(10)?,
            private: r.get(11)?,
        })
    })?;
    set.screenshots = rows.collect::<rusqlite::Result<_>>()?;
    Ok(set)
}

/// A set and whether its pictures are stored; `stored_only` leaves out sets still waiting
/// for their pictures.
fn find_set(
    conn: &Connection,
    workspace_id: &str,
    id: &str,
    stored_only: bool,
) -> Result<Option<(CaptureSetRow, bool)>> {
    let set = conn
        .query_row(
            &format!(
                "SELECT {SET_COLUMNS}, stored FROM capture_sets
                 WHERE workspace_id = ?1 AND id = ?2 AND (stored = 1 OR ?3 = 0)"
            ),
            params![workspace_id, id, stored_only],
            |r| Ok((set_row(r)?, r.get::<_, bool>(5)?)),
        )
        .optional()?;
    set.map(|(s, stored)| Ok((with_screenshots(conn, s)?, stored)))
        .transpose()
}

/// Blob keys of the sets chosen by `filter` (a WHERE clause on capture_sets `c`), after
/// which those sets (and, by cascade, their screenshots' rows) are deleted.
fn delete_sets(
    conn: &Connection,
    filter: &str,
    params: &[&dyn rusqlite::ToSql],
) -> Result<Vec<String>> {
    let keys: Vec<String> = conn
        .prepare(&format!(
            "SELECT s.blob_key FROM screenshots s
             JOIN capture_sets c ON c.workspace_id = s.workspace_id AND c.id = s.set_id
             WHERE {filter}"
        ))?
        .query_map(params, |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    conn.execute(
        &format!("DELETE FROM capture_sets AS c WHERE {filter}"),
        params,
    )?;
    Ok(keys)
}

/// Used when an entry is deleted, inside the caller's transaction.
pub(super) fn delete_sets_of_entry(
    conn: &Connection,
    workspace_id: &str,
    entry_id: &str,
) -> Result<Vec<String>> {
    delete_sets(
        conn,
        "c.workspace_id = ?1 AND c.entry_id = ?2",
        &[&workspace_id, &entry_id],
    )
}

/// The same capture as far as the client can say: everything but the server's blob names.
fn same_content(a: &CaptureSetRow, b: &CaptureSetRow) -> bool {
    let described = |s: &ScreenshotRow| {
        (
            s.id.clone(),
            s.monitor.clone(),
            s.width,
            s.height,
            s.size_bytes,
            s.sha256.clone(),
            s.private,
        )
    };
    a.entry_id == b.entry_id
        && a.user_id == b.user_id
        && a.captured == b.captured
        && a.screenshots
            .iter()
            .map(described)
            .eq(b.screenshots.iter().map(described))
}

impl ScreenshotStorage for Sqlite {
    fn reserve_capture_set(&self, set: &CaptureSetRow) -> Result<(CaptureSetRow, bool)> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some((existing, stored)) = find_set(&tx, &set.workspace_id, &set.id, false)? {
            return if same_content(&existing, set) {
                Ok((existing, !stored))
            } else {
                Err(StorageError::Conflict(format!(
                    "capture set {} already exists with other content",
                    set.id
                )))
            };
        }
        tx.execute(
            &format!(
                "INSERT INTO capture_sets ({SET_COLUMNS}, stored, created_utc)
                 VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)"
            ),
            params![
                set.id,
                set.workspace_id,
                set.user_id,
                set.entry_id,
                ts(set.captured),
                ts(Utc::now())
            ],
        )?;
        for (position, s) in set.screenshots.iter().enumerate() {
            let inserted = tx.execute(
                "INSERT INTO screenshots (workspace_id, id, set_id, position, monitor_name,
                     monitor_x, monitor_y, monitor_width, monitor_height, width, height,
                     size_bytes, sha256, blob_key, private)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                params![
                    set.workspace_id,
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
                    s.sha256,
                    s.blob_key,
                    s.private
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
        Ok((set.clone(), true))
    }

    fn finish_capture_set(&self, workspace_id: &str, id: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE capture_sets SET stored = 1 WHERE workspace_id = ?1 AND id = ?2",
            [workspace_id, id],
        )?;
        Ok(())
    }

    fn abandon_capture_set(&self, workspace_id: &str, id: &str) -> Result<Vec<String>> {
        delete_sets(
            &self.conn(),
            "c.workspace_id = ?1 AND c.id = ?2 AND c.stored = 0",
            &[&workspace_id, &id],
        )
    }

    fn sweep_unfinished(&self, created_before: DateTime<Utc>) -> Result<Vec<String>> {
        delete_sets(
            &self.conn(),
            "c.stored = 0 AND c.created_utc < ?1",
            &[&ts(created_before)],
        )
    }

    fn blob_key_known(&self, key: &str) -> Result<bool> {
        Ok(self
            .conn()
            .query_row(
                "SELECT 1 FROM screenshots WHERE blob_key = ?1",
                [key],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
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
               AND captured_utc >= ?3 AND captured_utc < ?4 AND stored = 1
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
        Ok(find_set(&self.conn(), workspace_id, id, true)?.map(|(set, _)| set))
    }

    fn screenshot_blob(
        &self,
        workspace_id: &str,
        screenshot_id: &str,
    ) -> Result<Option<(String, String)>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT c.user_id, s.blob_key FROM screenshots s
                 JOIN capture_sets c ON c.workspace_id = s.workspace_id AND c.id = s.set_id
                 WHERE s.workspace_id = ?1 AND s.id = ?2 AND c.stored = 1",
                [workspace_id, screenshot_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    fn delete_capture_set(
        &self,
        workspace_id: &str,
        id: &str,
        by: Deleter,
        auditor: Option<&super::Auditor>,
    ) -> Result<std::result::Result<SetDeletion, DeletionRefused>> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (set, _) = find_set(&tx, workspace_id, id, true)?
            .ok_or_else(|| StorageError::NotFound(format!("capture set {id} not found")))?;
        let entry = Sqlite::find_entry(&tx, workspace_id, &set.entry_id)?;
        let mut outcome = SetDeletion {
            removed_seconds: 0,
            entry_deleted: false,
            entry: entry.clone(),
            split_off: None,
            blob_keys: Vec::new(),
        };
        if let Some(entry) = &entry {
            let captures: Vec<DateTime<Utc>> = tx
                .prepare_cached(
                    "SELECT captured_utc FROM capture_sets
                     WHERE workspace_id = ?1 AND entry_id = ?2 AND stored = 1",
                )?
                .query_map([workspace_id, &entry.id], |r| {
                    parse_ts(&r.get::<_, String>(0)?)
                })?
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
            apply_change(&tx, entry, &set, change, &mut outcome)?;
        }
        outcome.blob_keys.extend(delete_sets(
            &tx,
            "c.workspace_id = ?1 AND c.id = ?2",
            &[&workspace_id, &set.id],
        )?);
        // The entry's cut, split or deletion, recorded with the deletion.
        let mut changes = vec![(entry.as_ref(), outcome.entry.as_ref())];
        if let Some(split) = &outcome.split_off {
            changes.push((None, Some(split)));
        }
        super::sqlite::audit_entries(&tx, auditor, &changes)?;
        tx.commit()?;
        Ok(Ok(outcome))
    }

    fn expire_capture_sets(&self, before: DateTime<Utc>) -> Result<Vec<String>> {
        let conn = self.conn();
        // What was discarded before upload is kept as long as what was sent.
        conn.execute(
            "DELETE FROM discarded_captures WHERE captured_utc < ?1",
            [ts(before)],
        )?;
        delete_sets(&conn, "c.captured_utc < ?1", &[&ts(before)])
    }

    fn delete_user(
        &self,
        workspace: &str,
        email: &str,
        record: Option<super::AuditRecord>,
    ) -> Result<Vec<String>> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let user_id = super::sqlite::user_id_by_email(&tx, workspace, email)?;
        let (workspace_id, stored_email, admin_active): (String, String, bool) = tx.query_row(
            "SELECT workspace_id, email, role = 'admin' AND active FROM users WHERE id = ?1",
            [&user_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        // Checked in the deleting transaction: two admins leaving at once cannot both go.
        let other_admins: i64 = tx.query_row(
            "SELECT count(*) FROM users
             WHERE workspace_id = ?1 AND id <> ?2 AND active AND role = 'admin'",
            [&workspace_id, &user_id],
            |r| r.get(0),
        )?;
        if super::leaves_no_admin(admin_active, other_admins) {
            return Err(StorageError::Conflict(super::ONLY_ADMIN.into()));
        }
        // Their entries (today's, and those deleted while the change log remembers them):
        // the change log and the versions of deleted ids name them, and so do the audit
        // log's entry records. Only entry records: an entry id is the client's choice, and
        // may equal a project's or a user's id.
        let entry_ids: Vec<String> = tx
            .prepare(
                "SELECT id FROM time_entries WHERE user_id = ?1
                 UNION SELECT object_id FROM changes WHERE user_id = ?1 AND kind = 'entry'",
            )?
            .query_map([&user_id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let keys = delete_sets(&tx, "c.user_id = ?1", &[&user_id])?;
        tx.execute("DELETE FROM time_entries WHERE user_id = ?1", [&user_id])?;
        for id in &entry_ids {
            tx.execute(
                "DELETE FROM deleted_entry_versions WHERE workspace_id = ?1 AND id = ?2",
                [&workspace_id, id],
            )?;
            tx.execute(
                "DELETE FROM audit_log WHERE workspace_id = ?1 AND target_id = ?2
                 AND action LIKE 'time\\_entry.%' ESCAPE '\\'",
                [&workspace_id, id],
            )?;
        }
        tx.execute(
            "DELETE FROM audit_log WHERE workspace_id = ?1 AND (author_id = ?2
             OR (target_id = ?2 AND action LIKE 'user.%'))",
            [&workspace_id, &user_id],
        )?;
        // Other records that name them (a task's assignees) keep what happened, not who.
        let like = format!("%{user_id}%");
        for column in ["summary", "details"] {
            tx.execute(
                &format!(
                    "UPDATE audit_log SET {column} = replace({column}, ?2, 'a deleted member')
                     WHERE workspace_id = ?1 AND {column} LIKE ?3"
                ),
                [&workspace_id, &user_id, &like],
            )?;
        }
        let assigned: Vec<(String, String)> = tx
            .prepare("SELECT id, assignee_ids FROM tasks WHERE assignee_ids LIKE ?1")?
            .query_map([&like], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (task, ids) in assigned {
            let kept = super::without_id(&ids, &user_id);
            tx.execute(
                "UPDATE tasks SET assignee_ids = ?1 WHERE id = ?2",
                [&kept, &task],
            )?;
        }
        tx.execute("DELETE FROM changes WHERE user_id = ?1", [&user_id])?;
        tx.execute("DELETE FROM notices WHERE user_id = ?1", [&user_id])?;
        tx.execute("DELETE FROM idempotency WHERE scope = ?1", [&user_id])?;
        // The failures count for the email on every workspace: kept while another
        // workspace has a user with it.
        tx.execute(
            "DELETE FROM sign_in_failures WHERE lower(email) = lower(?1) AND NOT EXISTS
             (SELECT 1 FROM users WHERE lower(email) = lower(?1) AND id <> ?2)",
            [&stored_email, &user_id],
        )?;
        // Sessions, invitations and the profile go with the user (ON DELETE CASCADE).
        tx.execute("DELETE FROM users WHERE id = ?1", [&user_id])?;
        if let Some(mut record) = record {
            record.workspace_id = workspace_id;
            super::sqlite_audit::insert_audits(&tx, &[record])?;
        }
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
                .extend(delete_sets_of_entry(tx, &entry.workspace_id, &entry.id)?);
            tx.execute(
                "DELETE FROM time_entries WHERE workspace_id = ?1 AND id = ?2",
                [&entry.workspace_id, &entry.id],
            )?;
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
                 WHERE workspace_id = ?5 AND entry_id = ?2 AND captured_utc > ?3 AND id != ?4",
                params![
                    second.id,
                    entry.id,
                    ts(set.captured),
                    set.id,
                    entry.workspace_id
                ],
            )?;
            outcome.removed_seconds = length(entry) - length(&first) - length(&second);
            outcome.entry = Some(first);
            outcome.split_off = Some(second);
        }
    }
    Ok(())
}
