//! Operations on entries that go beyond one member's own entry: locking and unlocking
//! (admins; one rule for the API and the web pages), restoring a deleted entry from its
//! audit record (admins, the web page) and marking entries invoiced
//! (Clockify's `PATCH /workspaces/{wid}/time-entries/invoiced`, admins only, all or none),
//! each change recorded in the audit log in its transaction.

use serde_json::json;

use super::{invalid, not_found, refused, Op, Result};
use crate::audit::Category;
use crate::storage::{EntryRow, Role};

/// The most entries one request marks.
pub const MAX_INVOICED: usize = 1000;

/// Marks `ids` invoiced or not; an id that is not one of the workspace's entries refuses
/// the whole request (400, naming it). Returns how many entries changed.
pub fn mark_invoiced(op: &mut Op<'_>, wid: &str, ids: &[String], invoiced: bool) -> Result<usize> {
    let wid = op.admin_only(wid, "mark entries invoiced")?;
    if ids.is_empty() || ids.len() > MAX_INVOICED {
        return Err(invalid(format!(
            "timeEntryIds takes 1 to {MAX_INVOICED} entry ids"
        )));
    }
    let already = op.tx.invoiced(&wid)?;
    let mut seen = std::collections::HashSet::new();
    let mut changed = 0;
    for id in ids.iter().filter(|id| seen.insert(id.as_str())) {
        let entry = op
            .tx
            .entry(&wid, id)?
            .ok_or_else(|| invalid(format!("{id:?} is not a time entry of this workspace")))?;
        if already.contains(id) == invoiced {
            continue;
        }
        op.tx.set_invoiced(&wid, id, invoiced)?;
        changed += 1;
        op.record(
            Category::TimeEntries,
            "time_entry.updated",
            id,
            format!("\"{}\": invoiced", entry.description),
            json!({"changes": [{"field": "invoiced", "previous": !invoiced, "new": invoiced}]}),
        )?;
    }
    Ok(changed)
}

/// Locks or unlocks an entry (admins; another member's entry is 404 to a member, as if it
/// did not exist). A running timer cannot be locked: its owner could never stop it (409).
/// Returns the entry as stored, with its new version.
pub fn set_lock(op: &mut Op<'_>, wid: &str, id: &str, locked: bool) -> Result<EntryRow> {
    let wid = op.workspace(wid)?;
    let before = match op.tx.entry(&wid, id)? {
        Some(e) if e.user_id == op.actor.id || op.actor.role == Role::Admin => e,
        _ => return Err(not_found(format!("time entry {id} not found"))),
    };
    if op.actor.role != Role::Admin {
        return Err(refused(403, "only an admin can lock or unlock entries"));
    }
    if locked && before.end.is_none() {
        return Err(refused(
            409,
            "a running timer cannot be locked; stop it first",
        ));
    }
    if before.locked == locked {
        return Ok(before);
    }
    let after = EntryRow {
        locked,
        ..before.clone()
    };
    op.tx.update_entry(&after)?;
    if let Some((_, target, action, summary, details)) =
        crate::audit::entry_event(Some(&before), Some(&after))
    {
        op.record(Category::TimeEntries, action, &target, summary, details)?;
    }
    op.tx
        .entry(&wid, id)?
        .ok_or_else(|| not_found(format!("time entry {id} not found")))
}

/// Restores the entry a `time_entry.deleted` record describes (admins). A timer deleted
/// while it ran comes back stopped where it was deleted: restoring it running would stop
/// (and empty) the timer its user runs now. Refused when the member is gone (404) or the
/// entry exists again (409).
pub fn restore(op: &mut Op<'_>, record_id: &str) -> Result<EntryRow> {
    let wid = op.admin_only(&op.actor.workspace_id.clone(), "restore deleted entries")?;
    let record = op
        .tx
        .audit_record(&wid, record_id)?
        .filter(|r| r.action == "time_entry.deleted")
        .ok_or_else(|| not_found("No such deleted entry in the log."))?;
    let mut entry = crate::audit::from_snapshot(&record.details["entry"], &wid)
        .ok_or_else(|| invalid("This record cannot be restored."))?;
    if op.tx.member(&wid, &entry.user_id)?.is_none() {
        return Err(not_found(
            "This entry's member was deleted; it cannot be restored.",
        ));
    }
    if op.tx.entry(&wid, &entry.id)?.is_some() {
        return Err(refused(
            409,
            "This entry exists again already; nothing to restore.",
        ));
    }
    let history = op.tx.audit_records_of(&wid, &entry.id)?;
    let later = history
        .iter()
        .skip_while(|r| r.id != record.id)
        .skip(1)
        .any(|r| r.action == "time_entry.deleted");
    if later {
        return Err(refused(
            409,
            "This entry was deleted again later; restore its latest deletion instead.",
        ));
    }
    // What was deleted since the entry was goes: as the deletions cleared live entries.
    if let Some(p) = entry.project_id.clone() {
        if op.tx.project(&wid, &p)?.is_none() {
            entry.project_id = None;
        }
    }
    if let Some(t) = entry.task_id.clone() {
        let of_project = op.tx.task(&wid, &t)?.map(|t| t.project_id);
        if of_project.is_none() || of_project != entry.project_id {
            entry.task_id = None;
        }
    }
    let tags = op.tx.tags(&wid)?;
    entry.tag_ids.retain(|id| tags.iter().any(|t| &t.id == id));
    if entry.end.is_none() {
        entry.end = Some(record.at.max(entry.start));
    }
    let restored = op.tx.insert_entry(&entry)?;
    op.record(
        Category::TimeEntries,
        "time_entry.restored",
        &restored.id,
        format!("\"{}\"", restored.description),
        json!({"entry": crate::audit::snapshot(&restored), "fromRecord": record.id}),
    )?;
    Ok(restored)
}
