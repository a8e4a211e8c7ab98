//! The query of `GET /workspaces/{wid}/user/{uid}/time-entries` (issue 15): Clockify's
//! filters are applied, never silently ignored. A parameter Stint does not know, or one it
//! does not serve yet (`get-week-before`, `consider-duration-format=true`), is a 400 that
//! says so, rather than an unfiltered list a client would take for the filtered one.
//! `hydrated=true` adds each entry's `project`, `task` and `tags` objects, as Clockify's.

use stint_api::{Project, TimeEntry};

use super::entries::{query_flag, query_map, query_number, query_time};
use crate::storage::EntryFilter;
use crate::ApiFailure;

const MAX_PAGE_SIZE: u32 = 5000;
const DEFAULT_PAGE_SIZE: u32 = 50;

/// The parameters this list takes.
const KNOWN: [&str; 11] = [
    "start",
    "end",
    "in-progress",
    "page",
    "page-size",
    "description",
    "project",
    "task",
    "tags",
    "hydrated",
    "consider-duration-format",
];

/// What a list asks for: the filter, the page (from 1), the page size, and whether the
/// entries come hydrated.
pub(super) struct EntryQuery {
    pub filter: EntryFilter,
    pub page: u32,
    pub size: u32,
    pub hydrated: bool,
}

/// Reads a list's query.
pub(super) fn entry_query(pairs: &[(String, String)]) -> Result<EntryQuery, ApiFailure> {
    let q = query_map(pairs, &KNOWN, &["tags"])?;
    // Clockify's `tags` may repeat (`tags=a&tags=b`) or list ids with commas.
    let tags: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "tags")
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let hydrated = query_flag(&q, "hydrated")?.unwrap_or(false);
    if query_flag(&q, "consider-duration-format")? == Some(true) {
        return Err(ApiFailure::bad_request(
            "consider-duration-format=true (durations in the workspace's format) is not served \
             yet; leave it out or false",
        ));
    }
    let text = |name: &str| {
        q.get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let filter = EntryFilter {
        start: query_time(&q, "start")?,
        end: query_time(&q, "end")?,
        in_progress: query_flag(&q, "in-progress")?,
        description: text("description"),
        project_id: text("project"),
        task_id: text("task"),
        tag_ids: tags,
    };
    Ok(EntryQuery {
        filter,
        page: query_number(&q, "page", 1, u32::MAX)?,
        size: query_number(&q, "page-size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?,
        hydrated,
    })
}

/// An entry as Clockify's hydrated list shows it: with its `project` object (or null),
/// its `task` (tasks come later in issue 15: null) and its `tags` objects (tags too: none
/// yet, so an empty list).
pub(super) fn hydrate(entry: TimeEntry, projects: &[Project]) -> serde_json::Value {
    let project = entry
        .project_id
        .as_ref()
        .and_then(|id| projects.iter().find(|p| &p.id == id))
        .cloned();
    let mut value = serde_json::to_value(entry).unwrap_or_default();
    value["project"] = serde_json::to_value(project).unwrap_or_default();
    value["task"] = serde_json::Value::Null;
    value["tags"] = serde_json::json!([]);
    value
}
