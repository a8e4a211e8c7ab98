//! The audit log: when an admin switched it on (and the category), every change to time
//! entries (created — timer, manual or import —, updated with each field's previous and
//! new value, deleted, restored), projects, and users' sign-ins is written with its author
//! (a user, or "System" for jobs such as retention). Records are kept one year. A change's
//! records are written in the change's own transaction (by the storage for entry changes,
//! by `ops` for the rest); [`record`] is left for what is not a change of stored data (a
//! web sign-in, the retention job's summary), and its failure is logged, never returned.

use chrono::Utc;
use serde_json::{json, Value};

use crate::storage::{EntryRow, UserRow};
use crate::AppState;

/// How long records are kept.
pub fn retention() -> chrono::Duration {
    chrono::Duration::days(365)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    TimeEntries,
    Projects,
    Users,
    /// The workspace's settings: recorded whenever the log is on.
    Settings,
}

/// Who did it.
#[derive(Clone, Copy)]
pub enum Author<'a> {
    User(&'a UserRow),
    System,
}

/// What an action is called in the log and in its filter.
pub const ACTIONS: [(&str, &str); 25] = [
    ("time_entry.created", "Time entry created"),
    ("time_entry.updated", "Time entry updated"),
    ("time_entry.deleted", "Time entry deleted"),
    ("time_entry.restored", "Time entry restored"),
    ("project.created", "Project created"),
    ("project.updated", "Project updated"),
    ("project.deleted", "Project deleted"),
    ("client.created", "Client created"),
    ("client.updated", "Client updated"),
    ("client.deleted", "Client deleted"),
    ("tag.created", "Tag created"),
    ("tag.updated", "Tag updated"),
    ("tag.deleted", "Tag deleted"),
    ("task.created", "Task created"),
    ("task.updated", "Task updated"),
    ("task.deleted", "Task deleted"),
    ("user.updated", "User's role or status changed"),
    ("user.added", "Member added"),
    ("user.invited", "Member invited"),
    ("user.key_reset", "Member's API key reset"),
    ("user.deleted", "Member deleted their account"),
    ("workspace.settings_updated", "Workspace settings changed"),
    ("user.signed_in", "User signed in"),
    ("screenshots.expired", "Screenshots deleted by retention"),
    (
        "screenshots.discarded",
        "Screenshots discarded before upload",
    ),
];

pub fn action_label(action: &str) -> &str {
    ACTIONS
        .iter()
        .find(|(a, _)| *a == action)
        .map_or(action, |(_, label)| label)
}

/// One thing that happened.
pub struct Event<'a> {
    pub category: Category,
    pub action: &'a str,
    pub target_id: &'a str,
    pub summary: String,
    pub details: Value,
}

/// Whether the workspace's settings ask for records of `category`.
pub fn wanted(settings: &stint_api::AuditSettings, category: Category) -> bool {
    settings.enabled
        && match category {
            Category::TimeEntries => settings.time_entries,
            Category::Projects => settings.projects,
            Category::Users => settings.users,
            Category::Settings => true,
        }
}

impl Author<'_> {
    /// The author as the storage writes records for them, at `at`.
    pub fn auditor(self, at: chrono::DateTime<Utc>) -> crate::storage::Auditor {
        let (author_id, author_name) = match self {
            Author::User(u) => (Some(u.id.clone()), u.name.clone()),
            Author::System => (None, "System".to_owned()),
        };
        crate::storage::Auditor {
            author_id,
            author_name,
            at,
        }
    }
}

/// Writes one record if the workspace's settings ask for this category.
pub async fn record(state: &AppState, workspace_id: &str, author: Author<'_>, event: Event<'_>) {
    let wid = workspace_id.to_owned();
    let settings = match state.db(move |db| db.settings(&wid)).await {
        Ok(s) => s.audit_log,
        Err(e) => {
            tracing::error!("audit log: could not read the settings: {}", e.message);
            return;
        }
    };
    if !wanted(&settings, event.category) {
        return;
    }
    let record = author.auditor((state.clock)()).record(
        workspace_id,
        event.action,
        event.target_id,
        event.summary,
        event.details,
    );
    if let Err(e) = state.db(move |db| db.add_audits(&[record])).await {
        tracing::error!("audit log: could not write a record: {}", e.message);
    }
}

/// An entry as the log keeps it (enough to restore it).
pub fn snapshot(e: &EntryRow) -> Value {
    json!({
        "id": e.id, "userId": e.user_id, "description": e.description,
        "start": e.start, "end": e.end, "billable": e.billable,
        "projectId": e.project_id, "taskId": e.task_id, "tagIds": e.tag_ids,
        "source": e.source, "locked": e.locked,
    })
}

/// The entry a snapshot describes, in `workspace_id`.
pub fn from_snapshot(v: &Value, workspace_id: &str) -> Option<EntryRow> {
    Some(EntryRow {
        id: v["id"].as_str()?.to_owned(),
        workspace_id: workspace_id.to_owned(),
        user_id: v["userId"].as_str()?.to_owned(),
        description: v["description"].as_str()?.to_owned(),
        start: serde_json::from_value(v["start"].clone()).ok()?,
        end: serde_json::from_value(v["end"].clone()).ok()?,
        billable: v["billable"].as_bool().unwrap_or(false),
        project_id: v["projectId"].as_str().map(str::to_owned),
        task_id: v["taskId"].as_str().map(str::to_owned),
        tag_ids: serde_json::from_value(v["tagIds"].clone()).unwrap_or_default(),
        source: serde_json::from_value(v["source"].clone()).unwrap_or_default(),
        locked: false,
        // A restored entry starts its history again; the database numbers it.
        version: 1,
    })
}

/// Each changed field with its previous and new value.
pub fn changes(before: &EntryRow, after: &EntryRow) -> Vec<Value> {
    let (b, a) = (snapshot(before), snapshot(after));
    [
        "description",
        "start",
        "end",
        "billable",
        "projectId",
        "taskId",
        "tagIds",
        "locked",
    ]
    .iter()
    .filter(|f| b[**f] != a[**f])
    .map(|f| json!({"field": f, "previous": b[*f], "new": a[*f]}))
    .collect()
}

/// The record an entry change makes: its workspace, target, action, summary and details;
/// `None` when nothing changed.
pub(crate) fn entry_event(
    before: Option<&EntryRow>,
    after: Option<&EntryRow>,
) -> Option<(String, String, &'static str, String, Value)> {
    let (action, target, summary, details) = match (before, after) {
        (None, Some(a)) => (
            "time_entry.created",
            a,
            format!("{:?} entry \"{}\"", a.source, a.description),
            json!({"entry": snapshot(a), "source": a.source}),
        ),
        (Some(b), Some(a)) => {
            let changed = changes(b, a);
            if changed.is_empty() {
                return None;
            }
            let fields: Vec<&str> = changed.iter().filter_map(|c| c["field"].as_str()).collect();
            (
                "time_entry.updated",
                a,
                format!("\"{}\": {}", a.description, fields.join(", ")),
                // The owner, as created and deleted records name it in their snapshot:
                // whose record this is does not depend on the entry's id (the client's
                // choice, and free again once the entry is deleted).
                json!({"changes": changed, "userId": a.user_id}),
            )
        }
        (Some(b), None) => (
            "time_entry.deleted",
            b,
            format!("\"{}\"", b.description),
            json!({"entry": snapshot(b)}),
        ),
        (None, None) => return None,
    };
    Some((
        target.workspace_id.clone(),
        target.id.clone(),
        action,
        summary,
        details,
    ))
}
