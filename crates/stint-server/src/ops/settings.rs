//! A workspace's settings changed by an admin: what a request leaves out keeps its value
//! (a client that knows fewer fields than the server never switches the others off), the
//! result is checked, and the change is recorded in the audit log whenever the log was on
//! before it — so switching the log off is itself recorded.

use serde_json::{json, Value};
use stint_api::WorkspaceSettings;

use super::{invalid, Op, Result};
use crate::audit::Category;

/// Applies `changes` (a JSON object of settings fields) to the workspace's settings.
pub fn save(op: &mut Op<'_>, wid: &str, changes: Value) -> Result<WorkspaceSettings> {
    let wid = op.admin_only(wid, "change workspace settings")?;
    let before = op.tx.settings(&wid)?;
    let mut merged = json!(before);
    let Value::Object(fields) = changes else {
        return Err(invalid("the settings must be a JSON object"));
    };
    // Fields Stint does not know are ignored and null keeps a value, as in Clockify's
    // bodies; the log's own switches merge one level deeper.
    merge(&mut merged, fields);
    let after: WorkspaceSettings =
        serde_json::from_value(merged).map_err(|e| invalid(format!("invalid settings: {e}")))?;
    if let Some(problem) = after.problem() {
        return Err(invalid(problem));
    }
    if after == before {
        return Ok(after);
    }
    let changed = super::field_changes(&json!(before), &json!(after));
    let fields: Vec<&str> = changed.iter().filter_map(|c| c["field"].as_str()).collect();
    let (summary, details) = (fields.join(", "), json!({ "changes": changed }));
    if after.audit_log.enabled && !before.audit_log.enabled {
        // Switching the log on is the first record of the log it starts.
        op.record_anyway("workspace.settings_updated", &wid, summary, details);
    } else {
        // Recorded against the settings as they were: a switch-off is seen by the log it
        // ends.
        op.record(
            Category::Settings,
            "workspace.settings_updated",
            &wid,
            summary,
            details,
        )?;
    }
    op.tx.save_settings(&wid, &after, op.now)?;
    Ok(after)
}

/// Copies the known, non-null fields of `changes` into `into` (objects merge field by
/// field).
fn merge(into: &mut Value, changes: serde_json::Map<String, Value>) {
    for (field, value) in changes {
        let Some(slot) = into.get_mut(&field) else {
            continue;
        };
        match (slot, value) {
            (_, Value::Null) => {}
            (Value::Object(inner), Value::Object(parts)) => {
                let mut nested = Value::Object(std::mem::take(inner));
                merge(&mut nested, parts);
                if let Value::Object(done) = nested {
                    *inner = done;
                }
            }
            (slot, value) => *slot = value,
        }
    }
}
