//! The batch operation (issue 14): a change as the route checked it, what the storage made
//! of it, and the rules that decide each change inside the batch's one transaction (every
//! change decided on the rows as the changes before it left them, each answer kept under
//! its own key in the same transaction). The engines give the rows ([`BatchRows`]).

use chrono::{DateTime, Utc};

use super::{EntryRow, Keep, Result, StoredResponse, UserRow};

/// One change of a batch, its input already checked.
#[derive(Debug, Clone)]
pub struct BatchItem {
    /// The change's idempotency key (scoped to the caller).
    pub key: String,
    /// The entry's id.
    pub id: String,
    /// The version the change was decided on.
    pub if_match: Option<i64>,
    pub op: BatchOp,
    /// Why an upsert may not create the entry (time is not added to an archived project
    /// or a done task), though it may change one that exists.
    pub refused_if_new: Option<(u16, String)>,
    /// What the change asked, as kept with its answer: the same key sent again with
    /// another change is refused instead of answered with the first change's answer.
    pub fingerprint: Vec<u8>,
}

/// How a batch change's fingerprint starts: a kept answer made by a batch says so.
pub const BATCH_FINGERPRINT: &[u8] = b"batch:";

#[derive(Debug, Clone)]
pub enum BatchOp {
    /// Create the entry, or set the existing one's description, start and end.
    Upsert(EntryRow),
    Delete,
    /// The input was refused before the transaction (status, why).
    Invalid(u16, String),
}

/// What became of one change.
#[derive(Debug, Clone)]
pub enum BatchOutcome {
    /// The key was answered before: that answer.
    Replayed(StoredResponse),
    Created(EntryRow),
    Replaced {
        before: EntryRow,
        after: EntryRow,
    },
    /// The entry already was as asked.
    Unchanged(EntryRow),
    /// Deleted, with the blob keys of its pictures to remove.
    Deleted {
        before: EntryRow,
        blobs: Vec<String>,
    },
    /// The entry moved since `if_match` (412): here it is now.
    Moved(EntryRow),
    Refused {
        status: u16,
        message: String,
    },
}

/// The answer an outcome keeps under its key, made by the route (it knows the wire shape):
/// `None` for one that must not be kept (a 412, a conflict that may pass).
pub type BatchAnswer = dyn Fn(&BatchOutcome) -> Option<(u16, Vec<u8>)> + Sync;

/// The rows a batch reads and writes, in one transaction of an engine (SQLite or
/// PostgreSQL); the decisions are made once, here.
pub(super) trait BatchRows {
    fn find_entry(&mut self, workspace_id: &str, id: &str) -> Result<Option<EntryRow>>;
    /// Deletes the entry and its capture sets; returns the sets' blob keys.
    fn delete_entry(&mut self, workspace_id: &str, id: &str) -> Result<Vec<String>>;
    /// See `sqlite::stop_for_new_timer`.
    fn stop_for_new_timer(
        &mut self,
        user_id: &str,
        start: DateTime<Utc>,
    ) -> Result<std::result::Result<Option<(EntryRow, EntryRow)>, &'static str>>;
    /// Inserts or updates the entry and returns it as stored; `None` when a constraint
    /// refused it (the id is taken, or another entry of the user runs).
    fn write_entry(&mut self, entry: &EntryRow, insert: bool) -> Result<Option<EntryRow>>;
    fn kept_response(&mut self, scope: &str, key: &str) -> Result<Option<StoredResponse>>;
    fn keep(&mut self, keep: &Keep) -> Result<()>;
    fn audit_entries(
        &mut self,
        auditor: Option<&super::Auditor>,
        changes: &[(Option<&EntryRow>, Option<&EntryRow>)],
    ) -> Result<()>;
}

fn refused(status: u16, message: impl Into<String>) -> BatchOutcome {
    BatchOutcome::Refused {
        status,
        message: message.into(),
    }
}

/// Decides and writes one change.
/// One change; a running timer a new one stopped is added to `stopped` (before, after).
fn apply_one(
    tx: &mut dyn BatchRows,
    user: &UserRow,
    item: &BatchItem,
    stopped: &mut Vec<(EntryRow, EntryRow)>,
) -> Result<BatchOutcome> {
    let current = tx.find_entry(&user.workspace_id, &item.id)?;
    // Another member's entry is as unknown as one that never was.
    let current = current.filter(|e| e.user_id == user.id);
    let moved = |c: &EntryRow| item.if_match.is_some_and(|v| v != c.version);
    match (&item.op, current) {
        (BatchOp::Invalid(status, message), _) => Ok(refused(*status, message.clone())),
        (BatchOp::Delete, None) => Ok(refused(404, format!("time entry {} not found", item.id))),
        (BatchOp::Upsert(_), None) if item.if_match.is_some() => Ok(refused(
            404,
            format!(
                "time entry {} not found: deleted since the version the change was decided on, or never here",
                item.id
            ),
        )),
        (_, Some(c)) if moved(&c) => Ok(BatchOutcome::Moved(c)),
        (_, Some(c)) if c.locked => Ok(refused(403, "this entry is locked; ask an admin")),
        (BatchOp::Delete, Some(c)) => {
            let blobs = tx.delete_entry(&c.workspace_id, &c.id)?;
            Ok(BatchOutcome::Deleted { before: c, blobs })
        }
        (BatchOp::Upsert(_), None) if item.refused_if_new.is_some() => {
            let (status, message) = item.refused_if_new.clone().unwrap_or_default();
            Ok(refused(status, message))
        }
        (BatchOp::Upsert(new), None) => {
            if new.end.is_none() {
                // A new timer stops the running one at its start, as a single create does.
                match tx.stop_for_new_timer(&user.id, new.start)? {
                    Ok(Some(pair)) => stopped.push(pair),
                    Ok(None) => {}
                    Err(why) => return Ok(refused(409, why)),
                }
            }
            match tx.write_entry(new, true)? {
                None => Ok(refused(
                    409,
                    format!("an entry with id {} already exists", new.id),
                )),
                Some(stored) => Ok(BatchOutcome::Created(stored)),
            }
        }
        (BatchOp::Upsert(new), Some(c)) => {
            // What the agent knows of an entry (issue 16: its project, task, tags and
            // billable too); the rest (source, lock, invoiced) stays.
            let next = EntryRow {
                description: new.description.clone(),
                start: new.start,
                end: new.end,
                project_id: new.project_id.clone(),
                task_id: new.task_id.clone(),
                tag_ids: new.tag_ids.clone(),
                billable: new.billable,
                ..c.clone()
            };
            if next == c {
                return Ok(BatchOutcome::Unchanged(c));
            }
            match tx.write_entry(&next, false)? {
                None => Ok(refused(409, "another entry of this user is already running")),
                Some(after) => Ok(BatchOutcome::Replaced { after, before: c }),
            }
        }
    }
}

/// Whether a kept answer is this change's. One a batch kept knows the change it answered;
/// one a single request kept (before the client sent batches) is trusted for the same
/// entry, as the key is the same outbox row's.
fn same_change(kept: &StoredResponse, item: &BatchItem) -> bool {
    if kept.request_hash.starts_with(BATCH_FINGERPRINT) {
        return kept.request_hash == item.fingerprint;
    }
    match serde_json::from_slice::<serde_json::Value>(&kept.body) {
        Ok(answer) => answer["id"].as_str().is_none_or(|id| id == item.id),
        Err(_) => true,
    }
}

/// See `Storage::apply_batch`: the batch's changes in the caller's one transaction (`tx`).
pub(super) fn apply(
    tx: &mut dyn BatchRows,
    user: &UserRow,
    items: &[BatchItem],
    answer: &BatchAnswer,
    auditor: Option<&super::Auditor>,
) -> Result<Vec<BatchOutcome>> {
    let mut outcomes = Vec::with_capacity(items.len());
    let mut stopped = Vec::new();
    for item in items {
        if let Some(before) = tx.kept_response(&user.id, &item.key)? {
            outcomes.push(if same_change(&before, item) {
                BatchOutcome::Replayed(before)
            } else {
                // Not kept: the key's first answer stays the key's answer.
                refused(
                    422,
                    "this key was already used for a different change; a new change needs a new key",
                )
            });
            continue;
        }
        let outcome = apply_one(tx, user, item, &mut stopped)?;
        if let Some((status, body)) = answer(&outcome) {
            let keep = Keep {
                scope: user.id.clone(),
                key: item.key.clone(),
                response: StoredResponse {
                    request_hash: item.fingerprint.clone(),
                    status,
                    body,
                },
            };
            tx.keep(&keep)?;
        }
        outcomes.push(outcome);
    }
    // The records of every change, in the batch's transaction: the asked ones and the
    // running timers new ones stopped.
    let changes: Vec<(Option<&EntryRow>, Option<&EntryRow>)> = outcomes
        .iter()
        .filter_map(|outcome| match outcome {
            BatchOutcome::Created(e) => Some((None, Some(e))),
            BatchOutcome::Replaced { before, after } => Some((Some(before), Some(after))),
            BatchOutcome::Deleted { before, .. } => Some((Some(before), None)),
            _ => None,
        })
        .chain(stopped.iter().map(|(b, a)| (Some(b), Some(a))))
        .collect();
    tx.audit_entries(auditor, &changes)?;
    Ok(outcomes)
}
