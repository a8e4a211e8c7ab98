//! Operations on entries that go beyond one member's own entry: marking entries invoiced
//! (Clockify's `PATCH /workspaces/{wid}/time-entries/invoiced`, admins only), all or none
//! of them, each change recorded in the audit log.

use serde_json::json;

use super::{invalid, Op, Result};
use crate::audit::Category;

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
