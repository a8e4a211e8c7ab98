//! The query of `GET /workspaces/{wid}/user/{uid}/time-entries` (issue 15): Clockify's
//! filters are applied, never silently ignored. A parameter Stint does not know is a 400
//! that says so, rather than an unfiltered list a client would take for the filtered one.
//! `get-week-before` lists the seven days before an instant; `consider-duration-format` is
//! taken and changes nothing, as a Stint workspace writes durations in ISO-8601, the format
//! Clockify's flag falls back to. `hydrated=true` adds each entry's `project`, `task` and
//! `tags` objects, as Clockify's.

use std::collections::HashMap;

use stint_api::{Project, Tag, Task, TimeEntry};

use super::entries::{query_flag, query_map, query_number, query_time};
use crate::storage::EntryFilter;
use crate::ApiFailure;

const MAX_PAGE_SIZE: u32 = 5000;
const DEFAULT_PAGE_SIZE: u32 = 50;

/// The parameters this list takes.
const KNOWN: [&str; 12] = [
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
    "get-week-before",
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
    // Checked as a flag; the answer is the same either way (see the module's comment).
    query_flag(&q, "consider-duration-format")?;
    let (mut start, mut end) = (query_time(&q, "start")?, query_time(&q, "end")?);
    if let Some(before) = query_time(&q, "get-week-before")? {
        if start.is_some() || end.is_some() {
            return Err(ApiFailure::bad_request(
                "get-week-before takes the place of start and end: give one or the other",
            ));
        }
        (start, end) = (Some(before - chrono::Duration::days(7)), Some(before));
    }
    let text = |name: &str| {
        q.get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let filter = EntryFilter {
        start,
        end,
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

/// What hydrated entries show of their project, task and tags, by id.
#[derive(Default)]
pub(super) struct Hydration {
    pub projects: HashMap<String, Project>,
    pub tasks: HashMap<String, Task>,
    pub tags: HashMap<String, Tag>,
}

impl Hydration {
    /// The workspace's projects, tasks and tags, read in one snapshot. With `filled_at`,
    /// projects are as `GET .../projects/{id}` shows them then (time tracked, members: a
    /// query each, so only the hydrated list asks for it; the checks of every entry write
    /// need the ids alone).
    pub fn read(
        db: &dyn crate::storage::Storage,
        wid: &str,
        filled_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> crate::storage::Result<Self> {
        let mut found = Hydration::default();
        db.read(&mut |tx| {
            for stored in tx.projects(wid)? {
                let project = match filled_at {
                    Some(now) => crate::ops::projects::fill(tx, now, stored)?,
                    None => stored,
                };
                for task in tx.tasks(wid, &project.id)? {
                    found.tasks.insert(task.id.clone(), task);
                }
                found.projects.insert(project.id.clone(), project);
            }
            found.tags = tx
                .tags(wid)?
                .into_iter()
                .map(|t| (t.id.clone(), t))
                .collect();
            Ok(())
        })?;
        Ok(found)
    }
}

/// An entry as Clockify's hydrated list shows it: with its `project` and `task` objects (or
/// null) and its `tags` objects.
pub(super) fn hydrate(entry: TimeEntry, known: &Hydration) -> serde_json::Value {
    let find = |id: &Option<String>| id.as_ref().and_then(|id| known.projects.get(id));
    let project = find(&entry.project_id).cloned();
    let task = entry
        .task_id
        .as_ref()
        .and_then(|id| known.tasks.get(id))
        .cloned();
    let tags: Vec<Tag> = entry
        .tag_ids
        .iter()
        .filter_map(|id| known.tags.get(id))
        .cloned()
        .collect();
    let mut value = serde_json::to_value(entry).unwrap_or_default();
    value["project"] = serde_json::to_value(project).unwrap_or_default();
    value["task"] = serde_json::to_value(task).unwrap_or_default();
    value["tags"] = serde_json::to_value(tags).unwrap_or_default();
    value
}
