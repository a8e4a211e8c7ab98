//! The batch operation on SQLite: every change of a batch in one immediate transaction,
//! each decided on the rows as the changes before it left them, each answer kept under its
//! own key in the same transaction.

use rusqlite::Connection;

use super::batch::{BatchAnswer, BatchItem, BatchOp, BatchOutcome, BATCH_FINGERPRINT};
use super::sqlite::{is_constraint, keep_in, kept_response, write_entry, Sqlite};
use super::{EntryRow, Keep, Result, StoredResponse, UserRow};

fn refused(status: u16, message: impl Into<String>) -> BatchOutcome {
    BatchOutcome::Refused {
        status,
        message: message.into(),
    }
}

/// Decides and writes one change.
/// One change; a running timer a new one stopped is added to `stopped` (before, after).
fn apply_one(
    tx: &Connection,
    user: &UserRow,
    item: &BatchItem,
    stopped: &mut Vec<(EntryRow, EntryRow)>,
) -> Result<BatchOutcome> {
    let current = Sqlite::find_entry(tx, &user.workspace_id, &item.id)?;
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
            let blobs =
                super::sqlite_screenshots::delete_sets_of_entry(tx, &c.workspace_id, &c.id)?;
            tx.execute(
                "DELETE FROM time_entries WHERE workspace_id = ?1 AND id = ?2",
                [&c.workspace_id, &c.id],
            )?;
            Ok(BatchOutcome::Deleted { before: c, blobs })
        }
        (BatchOp::Upsert(_), None) if item.refused_if_new.is_some() => {
            let (status, message) = item.refused_if_new.clone().unwrap_or_default();
            Ok(refused(status, message))
        }
        (BatchOp::Upsert(new), None) => {
            if new.end.is_none() {
                // A new timer stops the running one at its start, as a single create does.
                match super::sqlite::stop_for_new_timer(tx, &user.id, new.start)? {
                    Ok(Some(pair)) => stopped.push(pair),
                    Ok(None) => {}
                    Err(why) => return Ok(refused(409, why)),
                }
            }
            match write_entry(tx, new, true) {
                Err(e) if is_constraint(&e) => Ok(refused(
                    409,
                    format!("an entry with id {} already exists", new.id),
                )),
                Err(e) => Err(e.into()),
                Ok(_) => Ok(BatchOutcome::Created(Sqlite::stored(tx, new)?)),
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
            match write_entry(tx, &next, false) {
                Err(e) if is_constraint(&e) => Ok(refused(
                    409,
                    "another entry of this user is already running",
                )),
                Err(e) => Err(e.into()),
                Ok(_) => Ok(BatchOutcome::Replaced {
                    after: Sqlite::stored(tx, &next)?,
                    before: c,
                }),
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

/// See `Storage::apply_batch`.
pub(super) fn apply(
    conn: &mut Connection,
    user: &UserRow,
    items: &[BatchItem],
    answer: &BatchAnswer,
    auditor: Option<&super::Auditor>,
) -> Result<Vec<BatchOutcome>> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut outcomes = Vec::with_capacity(items.len());
    let mut stopped = Vec::new();
    for item in items {
        if let Some(before) = kept_response(&tx, &user.id, &item.key)? {
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
        let outcome = apply_one(&tx, user, item, &mut stopped)?;
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
            keep_in(&tx, Some(&keep))?;
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
    super::sqlite::audit_entries(&tx, auditor, &changes)?;
    tx.commit()?;
    Ok(outcomes)
}
