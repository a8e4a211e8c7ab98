//! [`ScreenshotStorage`] on the PostgreSQL database: capture sets and their pictures'
//! metadata, and the deletion rules applied in one transaction with the entry change (the
//! rules of `sqlite_screenshots`).

use chrono::{DateTime, Utc};
use postgres::types::ToSql;
use postgres::{GenericClient, Row};
use stint_api::Monitor;
use stint_core::screenshot_rules::{
    delete_capture, Deleter, DeletionRefused, EntryChange, EntryFacts,
};

use super::pg::{all, is_constraint, one, parse_ts, Postgres};
use super::pg_rows::{find_entry, user_id_by_email, write_entry};
use super::sqlite::ts;
use super::{
    CaptureSetRow, EntryRow, Result, ScreenshotRow, ScreenshotStorage, SetDeletion, StorageError,
};

pub(super) const SET_COLUMNS: &str = "id, workspace_id, user_id, entry_id, captured_utc";

pub(super) fn set_row(r: &Row) -> Result<CaptureSetRow> {
    Ok(CaptureSetRow {
        id: r.try_get(0)?,
        workspace_id: r.try_get(1)?,
        user_id: r.try_get(2)?,
        entry_id: r.try_get(3)?,
        captured: parse_ts(&r.try_get::<_, String>(4)?)?,
        screenshots: Vec::new(),
    })
}

/// Column `i` (a BIGINT) as the narrower integer the row type holds; a stored value out of
/// its range is a damaged row, not a panic.
fn int<T: TryFrom<i64>>(r: &Row, i: usize) -> Result<T> {
    let value: i64 = r.try_get(i)?;
    T::try_from(value).map_err(|_| {
        StorageError::Corrupt(format!(
            "a screenshot's column {} holds {value}, out of range",
            r.columns().get(i).map_or("?", |c| c.name())
        ))
    })
}

fn screenshot_row(r: &Row) -> Result<ScreenshotRow> {
    Ok(ScreenshotRow {
        id: r.try_get(0)?,
        monitor: Monitor {
            name: r.try_get(1)?,
            x: int(r, 2)?,
            y: int(r, 3)?,
            width: int(r, 4)?,
            height: int(r, 5)?,
        },
        width: int(r, 6)?,
        height: int(r, 7)?,
        size_bytes: int(r, 8)?,
        sha256: r.try_get(9)?,
        blob_key: r.try_get(10)?,
        private: r.try_get(11)?,
    })
}

pub(super) fn with_screenshots(
    c: &mut impl GenericClient,
    mut set: CaptureSetRow,
) -> Result<CaptureSetRow> {
    set.screenshots = all(
        c,
        "SELECT id, monitor_name, monitor_x, monitor_y, monitor_width, monitor_height,
                width, height, size_bytes, sha256, blob_key, private
         FROM screenshots WHERE workspace_id = $1 AND set_id = $2 ORDER BY position",
        &[&set.workspace_id, &set.id],
        screenshot_row,
    )?;
    Ok(set)
}

/// A set and whether its pictures are stored; `stored_only` leaves out sets still waiting
/// for their pictures.
fn find_set(
    c: &mut impl GenericClient,
    workspace_id: &str,
    id: &str,
    stored_only: bool,
) -> Result<Option<(CaptureSetRow, bool)>> {
    let set = one(
        c,
        &format!(
            "SELECT {SET_COLUMNS}, stored FROM capture_sets
             WHERE workspace_id = $1 AND id = $2 AND (stored OR NOT $3::boolean)"
        ),
        &[&workspace_id, &id, &stored_only],
        |r| Ok((set_row(r)?, r.try_get::<_, bool>(5)?)),
    )?;
    set.map(|(s, stored)| Ok((with_screenshots(c, s)?, stored)))
        .transpose()
}

/// Blob keys of the sets chosen by `filter` (a WHERE clause on capture_sets `c`), after
/// which those sets (and, by cascade, their screenshots' rows) are deleted. Run in the
/// caller's writing transaction, so no set comes or goes between the two statements.
fn delete_sets(
    c: &mut impl GenericClient,
    filter: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<String>> {
    let keys = all(
        c,
        &format!(
            "SELECT s.blob_key FROM screenshots s
             JOIN capture_sets c ON c.workspace_id = s.workspace_id AND c.id = s.set_id
             WHERE {filter}"
        ),
        params,
        |r| Ok(r.try_get(0)?),
    )?;
    c.execute(
        &format!("DELETE FROM capture_sets AS c WHERE {filter}"),
        params,
    )?;
    Ok(keys)
}

/// Used when an entry is deleted, inside the caller's transaction.
pub(super) fn delete_sets_of_entry(
    c: &mut impl GenericClient,
    workspace_id: &str,
    entry_id: &str,
) -> Result<Vec<String>> {
    delete_sets(
        c,
        "c.workspace_id = $1 AND c.entry_id = $2",
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

impl ScreenshotStorage for Postgres {
    fn reserve_capture_set(&self, set: &CaptureSetRow) -> Result<(CaptureSetRow, bool)> {
        self.write(|tx| {
            if let Some((existing, stored)) = find_set(tx, &set.workspace_id, &set.id, false)? {
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
                     VALUES ($1, $2, $3, $4, $5, FALSE, $6)"
                ),
                &[
                    &set.id,
                    &set.workspace_id,
                    &set.user_id,
                    &set.entry_id,
                    &ts(set.captured),
                    &ts(Utc::now()),
                ],
            )?;
            for (position, s) in set.screenshots.iter().enumerate() {
                let inserted = tx.execute(
                    "INSERT INTO screenshots (workspace_id, id, set_id, position, monitor_name,
                         monitor_x, monitor_y, monitor_width, monitor_height, width, height,
                         size_bytes, sha256, blob_key, private)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                    &[
                        &set.workspace_id,
                        &s.id,
                        &set.id,
                        &(position as i64),
                        &s.monitor.name,
                        &i64::from(s.monitor.x),
                        &i64::from(s.monitor.y),
                        &i64::from(s.monitor.width),
                        &i64::from(s.monitor.height),
                        &i64::from(s.width),
                        &i64::from(s.height),
                        // As on SQLite (a size past i64 cannot be a picture).
                        &(s.size_bytes as i64),
                        &s.sha256,
                        &s.blob_key,
                        &s.private,
                    ],
                );
                if let Err(e) = inserted {
                    return Err(if is_constraint(&e) {
                        StorageError::Conflict(format!("screenshot id {} is taken", s.id))
                    } else {
                        e.into()
                    });
                }
            }
            Ok((set.clone(), true))
        })
    }

    fn finish_capture_set(&self, workspace_id: &str, id: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE capture_sets SET stored = TRUE WHERE workspace_id = $1 AND id = $2",
                &[&workspace_id, &id],
            )?;
            Ok(())
        })
    }

    fn abandon_capture_set(&self, workspace_id: &str, id: &str) -> Result<Vec<String>> {
        self.write(|tx| {
            delete_sets(
                tx,
                "c.workspace_id = $1 AND c.id = $2 AND NOT c.stored",
                &[&workspace_id, &id],
            )
        })
    }

    fn sweep_unfinished(&self, created_before: DateTime<Utc>) -> Result<Vec<String>> {
        self.write(|tx| {
            delete_sets(
                tx,
                "NOT c.stored AND c.created_utc < $1",
                &[&ts(created_before)],
            )
        })
    }

    fn blob_key_known(&self, key: &str) -> Result<bool> {
        self.read(|tx| {
            Ok(one(
                tx,
                "SELECT 1 FROM screenshots WHERE blob_key = $1",
                &[&key],
                |_| Ok(()),
            )?
            .is_some())
        })
    }

    fn capture_sets(
        &self,
        workspace_id: &str,
        user_id: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CaptureSetRow>> {
        self.read(|tx| {
            let sets = all(
                tx,
                &format!(
                    "SELECT {SET_COLUMNS} FROM capture_sets
                     WHERE workspace_id = $1 AND ($2::text IS NULL OR user_id = $2)
                       AND captured_utc >= $3 AND captured_utc < $4 AND stored
                     ORDER BY captured_utc, id"
                ),
                &[&workspace_id, &user_id, &ts(from), &ts(to)],
                set_row,
            )?;
            sets.into_iter().map(|s| with_screenshots(tx, s)).collect()
        })
    }

    fn capture_set(&self, workspace_id: &str, id: &str) -> Result<Option<CaptureSetRow>> {
        self.read(|tx| Ok(find_set(tx, workspace_id, id, true)?.map(|(set, _)| set)))
    }

    fn screenshot_blob(
        &self,
        workspace_id: &str,
        screenshot_id: &str,
    ) -> Result<Option<(String, String)>> {
        self.read(|tx| {
            one(
                tx,
                "SELECT c.user_id, s.blob_key FROM screenshots s
                 JOIN capture_sets c ON c.workspace_id = s.workspace_id AND c.id = s.set_id
                 WHERE s.workspace_id = $1 AND s.id = $2 AND c.stored",
                &[&workspace_id, &screenshot_id],
                |r| Ok((r.try_get(0)?, r.try_get(1)?)),
            )
        })
    }

    fn delete_capture_set(
        &self,
        workspace_id: &str,
        id: &str,
        by: Deleter,
        auditor: Option<&super::Auditor>,
    ) -> Result<std::result::Result<SetDeletion, DeletionRefused>> {
        self.write(|tx| {
            let (set, _) = find_set(tx, workspace_id, id, true)?
                .ok_or_else(|| StorageError::NotFound(format!("capture set {id} not found")))?;
            let entry = find_entry(tx, workspace_id, &set.entry_id)?;
            let mut outcome = SetDeletion {
                removed_seconds: 0,
                entry_deleted: false,
                entry: entry.clone(),
                split_off: None,
                blob_keys: Vec::new(),
            };
            if let Some(entry) = &entry {
                let captures = all(
                    tx,
                    "SELECT captured_utc FROM capture_sets
                     WHERE workspace_id = $1 AND entry_id = $2 AND stored",
                    &[&workspace_id, &entry.id],
                    |r| parse_ts(&r.try_get::<_, String>(0)?),
                )?;
                let facts = EntryFacts {
                    start: entry.start,
                    end: entry.end,
                    locked: entry.locked,
                };
                let change = match delete_capture(&facts, &captures, set.captured, by) {
                    Ok(change) => change,
                    // Nothing was written yet: the empty transaction commits as it is.
                    Err(refused) => return Ok(Err(refused)),
                };
                apply_change(tx, entry, &set, change, &mut outcome)?;
            }
            outcome.blob_keys.extend(delete_sets(
                tx,
                "c.workspace_id = $1 AND c.id = $2",
                &[&workspace_id, &set.id],
            )?);
            // The entry's cut, split or deletion, recorded with the deletion.
            let mut changes = vec![(entry.as_ref(), outcome.entry.as_ref())];
            if let Some(split) = &outcome.split_off {
                changes.push((None, Some(split)));
            }
            super::pg_rows::audit_entries(tx, auditor, &changes)?;
            Ok(Ok(outcome))
        })
    }

    fn expire_capture_sets(&self, before: DateTime<Utc>) -> Result<Vec<String>> {
        self.write(|tx| {
            // What was discarded before upload is kept as long as what was sent.
            tx.execute(
                "DELETE FROM discarded_captures WHERE captured_utc < $1",
                &[&ts(before)],
            )?;
            delete_sets(tx, "c.captured_utc < $1", &[&ts(before)])
        })
    }

    fn delete_user(
        &self,
        workspace: &str,
        email: &str,
        record: Option<super::AuditRecord>,
    ) -> Result<Vec<String>> {
        self.write(|tx| {
            let user_id = user_id_by_email(tx, workspace, email)?;
            let row = tx.query_one(
                "SELECT workspace_id::text, email::text, role = 'admin' AND active
                 FROM users WHERE id = $1",
                &[&user_id],
            )?;
            let (workspace_id, stored_email, admin_active): (String, String, bool) =
                (row.get(0), row.get(1), row.get(2));
            // Checked in the deleting transaction (the write lock is held): two admins
            // leaving at once cannot both go.
            let row = tx.query_one(
                "SELECT count(*) FROM users
                 WHERE workspace_id = $1 AND id <> $2 AND active AND role = 'admin'",
                &[&workspace_id, &user_id],
            )?;
            if super::leaves_no_admin(admin_active, row.get(0)) {
                return Err(StorageError::Conflict(super::ONLY_ADMIN.into()));
            }
            // Their entries (today's, and those deleted while the change log remembers
            // them): the change log and the versions of deleted ids name them, and so do
            // the audit log's entry records. Only entry records: an entry id is the
            // client's choice, and may equal a project's or a user's id.
            let entry_ids: Vec<String> = tx
                .query(
                    "SELECT id::text FROM time_entries WHERE user_id = $1
                     UNION SELECT object_id::text FROM changes WHERE user_id = $1 AND kind = 'entry'",
                    &[&user_id],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect();
            let keys = delete_sets(tx, "c.user_id = $1", &[&user_id])?;
            tx.execute("DELETE FROM time_entries WHERE user_id = $1", &[&user_id])?;
            tx.execute(
                "DELETE FROM deleted_entry_versions WHERE workspace_id = $1 AND id = ANY($2)",
                &[&workspace_id, &entry_ids],
            )?;
            tx.execute(
                "DELETE FROM audit_log WHERE workspace_id = $1 AND (author_id = $2
                 OR (target_id = $2 AND action LIKE 'user.%')
                 OR (target_id = ANY($3) AND action LIKE 'time\\_entry.%'))",
                &[&workspace_id, &user_id, &entry_ids],
            )?;
            // Other records that name them (a task's assignees) keep what happened, not who.
            let like = format!("%{user_id}%");
            for column in ["summary", "details"] {
                tx.execute(
                    &format!(
                        "UPDATE audit_log SET {column} = replace({column}, $2, 'a deleted member')
                         WHERE workspace_id = $1 AND {column} LIKE $3"
                    ),
                    &[&workspace_id, &user_id, &like],
                )?;
            }
            let assigned: Vec<(String, String)> = tx
                .query(
                    "SELECT id::text, assignee_ids::text FROM tasks WHERE assignee_ids LIKE $1",
                    &[&like],
                )?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            for (task, ids) in assigned {
                let kept = super::without_id(&ids, &user_id);
                tx.execute(
                    "UPDATE tasks SET assignee_ids = $1 WHERE id = $2",
                    &[&kept, &task],
                )?;
            }
            tx.execute("DELETE FROM changes WHERE user_id = $1", &[&user_id])?;
            tx.execute("DELETE FROM notices WHERE user_id = $1", &[&user_id])?;
            tx.execute("DELETE FROM idempotency WHERE scope = $1", &[&user_id])?;
            // The failures count for the email on every workspace: kept while another
            // workspace has a user with it.
            tx.execute(
                "DELETE FROM sign_in_failures WHERE lower(email) = lower($1) AND NOT EXISTS
                 (SELECT 1 FROM users WHERE lower(email) = lower($1) AND id <> $2)",
                &[&stored_email, &user_id],
            )?;
            tx.execute("DELETE FROM users WHERE id = $1", &[&user_id])?;
            if let Some(mut record) = record {
                record.workspace_id = workspace_id;
                super::pg_audit::insert_audits(tx, &[record])?;
            }
            Ok(keys)
        })
    }
}

/// Writes what the rules decided about the entry.
fn apply_change(
    tx: &mut impl GenericClient,
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
                "DELETE FROM time_entries WHERE workspace_id = $1 AND id = $2",
                &[&entry.workspace_id, &entry.id],
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
                "UPDATE capture_sets SET entry_id = $1
                 WHERE workspace_id = $5 AND entry_id = $2 AND captured_utc > $3 AND id != $4",
                &[
                    &second.id,
                    &entry.id,
                    &ts(set.captured),
                    &set.id,
                    &entry.workspace_id,
                ],
            )?;
            outcome.removed_seconds = length(entry) - length(&first) - length(&second);
            outcome.entry = Some(first);
            outcome.split_off = Some(second);
        }
    }
    Ok(())
}
