//! What the server says about this device's entries (issue 14, two-way sync): each entry as
//! the server last had it (the base an edit here is merged from), the change feed applied
//! without queueing it back, and what an answer to a delivered change means for the store.
//! Every method is one transaction, so a change made here in the meantime is never
//! overwritten: an entry with a change waiting to be sent is left to the merge.

use std::collections::HashSet;

use rusqlite::{params, OptionalExtension, Transaction};
use stint_core::merge::{merge, Conflict};
use stint_core::{Entry, EntryId};

use crate::outbox::Change;
use crate::{captures, time, write_entry, Store, StoreError};

/// An entry as the server has it: its content, its version (what `If-Match` names) and
/// whether an admin locked it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteEntry {
    pub entry: Entry,
    pub version: i64,
    pub locked: bool,
}

/// One answer of the server's change feed, for [`Store::apply_feed`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedBatch {
    /// Entries changed on the server, as they are now, oldest change first.
    pub entries: Vec<RemoteEntry>,
    /// Ids of entries deleted on the server.
    pub deleted: Vec<String>,
    /// `entries` is every entry of the account: what the server had before and is not in
    /// it is gone.
    pub snapshot: bool,
    /// Where the next read of the feed starts.
    pub cursor: i64,
}

/// What [`Store::apply_feed`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Entries written or deleted here.
    pub changed: usize,
    /// Entries left alone because a change of this device's waits to be sent (the
    /// delivery merges them).
    pub waiting: usize,
}

/// What a delivery that found the server's copy moved (412) did, for telling the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovedOutcome {
    /// The entry as it is here now (`None`: deleted here and on its way to the server).
    pub entry: Option<Entry>,
    /// The device's values that were not kept.
    pub conflicts: Vec<Conflict>,
    /// A delete from this device was dropped because the entry is locked on the server.
    pub delete_refused: bool,
}

fn remote_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(crate::RawEntry, i64, bool)> {
    Ok((crate::raw_entry(r)?, r.get(8)?, r.get(9)?))
}

fn remote_in(tx: &rusqlite::Connection, id: &str) -> Result<Option<RemoteEntry>, StoreError> {
    tx.query_row(
        &format!(
            "SELECT {}, version, locked FROM remote_entries WHERE id = ?1",
            crate::ENTRY_COLUMNS
        ),
        [id],
        remote_row,
    )
    .optional()?
    .map(|(raw, version, locked)| {
        Ok(RemoteEntry {
            entry: raw.into_entry()?,
            version,
            locked,
        })
    })
    .transpose()
}

fn save_remote(tx: &Transaction<'_>, remote: &RemoteEntry) -> Result<(), StoreError> {
    let e = &remote.entry;
    tx.prepare_cached(
        "INSERT INTO remote_entries (id, description, start_utc, end_utc, version, locked,
             project_id, task_id, tag_ids, billable)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(id) DO UPDATE SET description = excluded.description,
             start_utc = excluded.start_utc, end_utc = excluded.end_utc,
             version = excluded.version, locked = excluded.locked,
             project_id = excluded.project_id, task_id = excluded.task_id,
             tag_ids = excluded.tag_ids, billable = excluded.billable",
    )?
    .execute(params![
        e.id.0,
        e.description,
        time::to_sql(e.start),
        e.end.map(time::to_sql),
        remote.version,
        remote.locked,
        e.work.project_id,
        e.work.task_id,
        crate::tags_to_sql(&e.work.tag_ids),
        e.work.billable
    ])?;
    Ok(())
}

/// Whether a change of the entry's waits to be sent (refused ones do not count).
fn waiting(tx: &rusqlite::Connection, id: &str) -> Result<bool, StoreError> {
    Ok(tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE entity = 'entry' AND entity_id = ?1 AND parked = 0)",
        )?
        .query_row([id], |r| r.get(0))?)
}

/// Writes the server's copy here, without an outbox row. A second running entry is refused
/// by the store's own rule: then the copy waits for the server to settle which one runs.
fn adopt(tx: &Transaction<'_>, remote: &RemoteEntry) -> Result<bool, StoreError> {
    match write_entry(tx, &remote.entry) {
        Err(StoreError::AlreadyRunning) => {
            tracing::info!(entry = %remote.entry.id, "another timer runs here; the server's waits");
            return Ok(false);
        }
        other => other?,
    }
    tx.execute(
        "UPDATE entries SET locked = ?2 WHERE id = ?1",
        params![remote.entry.id.0, remote.locked],
    )?;
    Ok(true)
}

/// See [`Store::delivered`].
fn delivered_in(
    tx: &Transaction<'_>,
    seq: i64,
    answer: Option<&RemoteEntry>,
) -> Result<(), StoreError> {
    // Only a delivered delete of an entry ends its base (an upload answers nothing).
    let deleted: Option<String> = tx
        .prepare_cached(
            "SELECT entity_id FROM outbox WHERE seq = ?1 AND entity = 'entry' AND op = 'delete'",
        )?
        .query_row([seq], |r| r.get(0))
        .optional()?;
    captures::forget_delivered(tx, seq)?;
    tx.prepare_cached("DELETE FROM outbox WHERE seq = ?1")?
        .execute([seq])?;
    match (answer, deleted) {
        (Some(remote), _) => {
            save_remote(tx, remote)?;
            // The entry here takes the server's copy (its version, a normalised field)
            // unless it is gone here or changed again meanwhile.
            let here: Option<(crate::RawEntry, bool)> = tx
                .prepare_cached(&format!(
                    "SELECT {}, locked FROM entries WHERE id = ?1",
                    crate::ENTRY_COLUMNS
                ))?
                .query_row([&remote.entry.id.0], |r| {
                    Ok((crate::raw_entry(r)?, r.get(8)?))
                })
                .optional()?;
            if let Some((raw, locked)) = here {
                let same = raw.into_entry()? == remote.entry && locked == remote.locked;
                if !same && !waiting(tx, &remote.entry.id.0)? {
                    adopt(tx, remote)?;
                }
            }
        }
        (None, Some(id)) => {
            tx.prepare_cached("DELETE FROM remote_entries WHERE id = ?1")?
                .execute([id])?;
        }
        (None, None) => {}
    }
    Ok(())
}

fn forget(tx: &Transaction<'_>, id: &str) -> Result<(), StoreError> {
    tx.execute("DELETE FROM entries WHERE id = ?1", [id])?;
    tx.execute("DELETE FROM remote_entries WHERE id = ?1", [id])?;
    captures::forget_entry_captures(tx, id)
}

impl Store {
    /// The entry as the server last had it, if it ever reached the server.
    pub fn remote_entry(&self, id: &str) -> Result<Option<RemoteEntry>, StoreError> {
        remote_in(&self.conn, id)
    }

    /// Where `account`'s feed was read up to; `None` for a first read (a snapshot).
    pub fn sync_cursor(&self, account: &str) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT cursor FROM sync_cursor WHERE account = ?1",
                [account],
                |r| r.get::<_, Option<i64>>(0),
            )
            .optional()?
            .flatten())
    }

    /// Whether an admin locked the entry on the server.
    pub fn is_locked(&self, id: &EntryId) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT locked FROM entries WHERE id = ?1", [&id.0], |r| {
                r.get(0)
            })
            .optional()?
            .unwrap_or(false))
    }

    /// The locked entries among those that may touch `[from, to)`.
    pub fn locked_between(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<HashSet<EntryId>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM entries WHERE locked = 1 AND start_utc < ?2
                 AND (end_utc IS NULL OR end_utc >= ?1)",
        )?;
        let rows = stmt.query_map(params![time::to_sql(from), time::to_sql(to)], |r| {
            r.get::<_, String>(0)
        })?;
        Ok(rows.map(|r| r.map(EntryId)).collect::<Result<_, _>>()?)
    }

    /// Applies one answer of `account`'s change feed: entries changed on the server are
    /// written here and deleted ones deleted, neither queued back; an entry with a change
    /// of this device's waiting is left for its delivery to merge. Stopped entries go
    /// before running ones, so a timer started elsewhere replaces the one it stopped.
    pub fn apply_feed(&mut self, account: &str, batch: &FeedBatch) -> Result<Applied, StoreError> {
        let tx = self.write()?;
        let other_account: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM sync_cursor WHERE account != ?1)",
            [account],
            |r| r.get(0),
        )?;
        if other_account {
            // What another server said is no base for this one.
            tx.execute("DELETE FROM remote_entries", [])?;
            tx.execute("DELETE FROM sync_cursor", [])?;
        }
        let mut applied = Applied::default();
        let (stopped, running): (Vec<&RemoteEntry>, Vec<&RemoteEntry>) =
            batch.entries.iter().partition(|r| r.entry.end.is_some());
        for remote in stopped.into_iter().chain(running) {
            let id = &remote.entry.id.0;
            // Already known as it is (the echo of a change sent from here): nothing to do.
            if remote_in(&tx, id)?.as_ref() == Some(remote) {
                continue;
            }
            if waiting(&tx, id)? {
                applied.waiting += 1;
            } else if adopt(&tx, remote)? {
                save_remote(&tx, remote)?;
                applied.changed += 1;
            }
        }
        let mut gone: Vec<String> = batch.deleted.clone();
        if batch.snapshot {
            let listed: HashSet<&str> = batch
                .entries
                .iter()
                .map(|r| r.entry.id.0.as_str())
                .collect();
            let mut stmt = tx.prepare("SELECT id FROM remote_entries")?;
            let known = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            drop(stmt);
            gone.extend(known.into_iter().filter(|id| !listed.contains(id.as_str())));
        }
        for id in gone {
            if waiting(&tx, &id)? {
                applied.waiting += 1;
            } else {
                forget(&tx, &id)?;
                applied.changed += 1;
            }
        }
        tx.execute(
            "INSERT INTO sync_cursor (account, cursor) VALUES (?1, ?2)
             ON CONFLICT(account) DO UPDATE SET cursor = excluded.cursor",
            params![account, batch.cursor],
        )?;
        tx.commit()?;
        Ok(applied)
    }

    /// The server has the change of row `seq` and answered with the entry as it now is
    /// (`None` for a delete): the row goes, the answer is the new base, and the entry here
    /// takes it unless another change of it waits.
    pub fn delivered(&mut self, seq: i64, answer: Option<&RemoteEntry>) -> Result<(), StoreError> {
        self.delivered_all(&[(seq, answer.cloned())])
    }

    /// [`Store::delivered`] for many rows in one transaction (a batch's answers).
    pub fn delivered_all(&mut self, done: &[(i64, Option<RemoteEntry>)]) -> Result<(), StoreError> {
        let tx = self.write()?;
        for (seq, answer) in done {
            delivered_in(&tx, *seq, answer.as_ref())?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Row `seq` was refused because the server's copy moved (412) to `current`: every
    /// waiting change of the entry, and the entry here, are merged with it by the rule in
    /// `stint_core::merge`; `current` becomes the base. The row stays queued (due at once)
    /// unless the merge leaves nothing to send.
    pub fn moved(&mut self, seq: i64, current: &RemoteEntry) -> Result<MovedOutcome, StoreError> {
        let tx = self.write()?;
        let id = current.entry.id.0.clone();
        let base = remote_in(&tx, &id)?.map_or_else(|| current.entry.clone(), |r| r.entry);
        let theirs = &current.entry;
        let mut stmt = tx.prepare(&format!(
            "SELECT {} FROM outbox WHERE entity = 'entry' AND entity_id = ?1 AND parked = 0
             AND seq >= ?2 ORDER BY seq",
            crate::outbox::OUTBOX_COLUMNS
        ))?;
        let rows = stmt
            .query_map(params![id, seq], crate::outbox::outbox_row)?
            .collect::<Result<Vec<_>, _>>()?;
        drop(stmt);
        let mut outcome = MovedOutcome {
            entry: None,
            conflicts: Vec::new(),
            delete_refused: false,
        };
        for row in &rows {
            match &row.change {
                Change::UpsertEntry(body) => {
                    let ours = Entry {
                        id: theirs.id.clone(),
                        description: body.description.clone(),
                        start: body.start,
                        end: body.end,
                        work: stint_core::Work {
                            project_id: body.project_id.clone(),
                            task_id: body.task_id.clone(),
                            tag_ids: body.tag_ids.clone(),
                            billable: body.billable,
                        },
                    };
                    let merged = merge(&base, &ours, theirs, current.locked);
                    if row.seq == seq {
                        outcome.conflicts = merged.conflicts;
                    }
                    if row.seq == seq && merged.entry == *theirs {
                        tx.execute("DELETE FROM outbox WHERE seq = ?1", [row.seq])?;
                    } else {
                        tx.execute(
                            "UPDATE outbox SET payload = ?2, next_attempt_utc = NULL WHERE seq = ?1",
                            params![row.seq, crate::payload_of(&merged.entry)],
                        )?;
                    }
                }
                Change::DeleteEntry if current.locked => {
                    outcome.delete_refused = true;
                    tx.execute("DELETE FROM outbox WHERE seq = ?1", [row.seq])?;
                }
                _ => {
                    tx.execute(
                        "UPDATE outbox SET next_attempt_utc = NULL WHERE seq = ?1",
                        [row.seq],
                    )?;
                }
            }
        }
        let here = crate::entry_in(&tx, &id)?;
        let now_here = match here {
            Some(ours) => Some(merge(&base, &ours, theirs, current.locked).entry),
            None if outcome.delete_refused => Some(theirs.clone()),
            None => None,
        };
        if let Some(entry) = &now_here {
            adopt(
                &tx,
                &RemoteEntry {
                    entry: entry.clone(),
                    ..current.clone()
                },
            )?;
        }
        outcome.entry = now_here;
        save_remote(&tx, current)?;
        tx.commit()?;
        Ok(outcome)
    }

    /// Row `seq` changes an entry the server no longer has (deleted there): every waiting
    /// change of it is dropped and the entry goes here too. Returns the entry as it was
    /// here, for telling the user.
    pub fn gone_on_server(&mut self, seq: i64) -> Result<Option<Entry>, StoreError> {
        let tx = self.write()?;
        let Some(id): Option<String> = tx
            .query_row("SELECT entity_id FROM outbox WHERE seq = ?1", [seq], |r| {
                r.get(0)
            })
            .optional()?
        else {
            return Ok(None);
        };
        let here = crate::entry_in(&tx, &id)?;
        tx.execute(
            "DELETE FROM outbox WHERE entity = 'entry' AND entity_id = ?1",
            [&id],
        )?;
        forget(&tx, &id)?;
        tx.commit()?;
        Ok(here)
    }
}

impl Store {
    /// The workspace's projects, tasks and tags as last read for `account` (a JSON
    /// document the agent wrote), if ever read.
    pub fn catalog(&self, account: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT body FROM catalog WHERE account = ?1",
                [account],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Keeps `body` as `account`'s catalog; another account's is forgotten (one workspace
    /// is signed in at a time, and its names are nobody else's business).
    pub fn save_catalog(&mut self, account: &str, body: &str) -> Result<(), StoreError> {
        let tx = self.write()?;
        tx.execute("DELETE FROM catalog WHERE account != ?1", [account])?;
        tx.execute(
            "INSERT INTO catalog (account, body) VALUES (?1, ?2)
             ON CONFLICT(account) DO UPDATE SET body = excluded.body",
            [account, body],
        )?;
        tx.commit()?;
        Ok(())
    }
}
