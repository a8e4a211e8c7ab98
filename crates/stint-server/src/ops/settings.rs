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
    for (field, value) in fields {
        if field == "auditLog" {
            // The log's own switches merge one level deeper.
            if let (Some(log), Value::Object(parts)) =
                (merged[&field].as_object_mut(), value.clone())
            {
                log.extend(parts);
                continue;
            }
        }
        merged[&field] = value;
    }
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
    // Recorded against the settings as they were: a switch-off is seen by the log it ends.
    op.record(
        Category::Settings,
        "workspace.settings_updated",
        &wid,
        fields.join(", "),
        json!({"changes": changed}),
    )?;
    op.tx.save_settings(&wid, &after, op.now)?;
    Ok(after)
}
