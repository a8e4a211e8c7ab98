//! What an entry points at must be the workspace's (issue 15): its project, its task (which
//! must be its project's) and its tags are checked against the workspace's, so another
//! workspace's object is a 400 that says nothing of it, never a link to it. A workspace may
//! require a project (and a task) on every entry; as in Clockify's API, the rule applies to
//! entries with an end, so a timer starts without one and is refused at its stop.

use std::collections::{HashMap, HashSet};

use crate::storage::EntryRow;
use crate::{ApiFailure, AppState};

/// The workspace's projects, tasks (with their project) and tags, by id.
#[derive(Default)]
pub(super) struct References {
    projects: HashSet<String>,
    tasks: HashMap<String, String>,
    tags: HashSet<String>,
    force_projects: bool,
    force_tasks: bool,
}

/// Reads what entries of `wid` may point at, in one snapshot.
pub(super) async fn of_workspace(state: &AppState, wid: &str) -> Result<References, ApiFailure> {
    let w = wid.to_owned();
    let (known, settings) = state
        .db(move |db| {
            Ok((
                super::entry_filters::Hydration::read(db, &w)?,
                db.settings(&w)?,
            ))
        })
        .await?;
    Ok(References {
        force_projects: settings.force_projects,
        force_tasks: settings.force_tasks,
        projects: known.projects.into_keys().collect(),
        tasks: known
            .tasks
            .into_iter()
            .map(|(id, t)| (id, t.project_id))
            .collect(),
        tags: known.tags.into_keys().collect(),
    })
}

/// Why `entry` may not be written in a workspace with these objects, if it may not.
pub(super) fn refusal(entry: &EntryRow, known: &References) -> Option<ApiFailure> {
    let bad = |m: String| Some(ApiFailure::bad_request(m));
    if let Some(project) = &entry.project_id {
        if !known.projects.contains(project) {
            return bad(format!(
                "projectId {project:?} is not a project of this workspace"
            ));
        }
    }
    if let Some(task) = &entry.task_id {
        if known.tasks.get(task) != entry.project_id.as_ref() || entry.project_id.is_none() {
            return bad(format!(
                "taskId {task:?} is not a task of the entry's project"
            ));
        }
    }
    if let Some(tag) = entry.tag_ids.iter().find(|t| !known.tags.contains(*t)) {
        return bad(format!("tagIds: {tag:?} is not a tag of this workspace"));
    }
    if entry.end.is_some() {
        if known.force_projects && entry.project_id.is_none() {
            return bad("this workspace requires a project on every entry".into());
        }
        if known.force_tasks && entry.task_id.is_none() {
            return bad("this workspace requires a task on every entry".into());
        }
    }
    None
}

/// [`refusal`] for one entry (a running one naming nothing passes without a read).
pub(super) async fn check(state: &AppState, entry: &EntryRow) -> Result<(), ApiFailure> {
    let names_nothing =
        entry.project_id.is_none() && entry.task_id.is_none() && entry.tag_ids.is_empty();
    if names_nothing && entry.end.is_none() {
        return Ok(());
    }
    let known = of_workspace(state, &entry.workspace_id).await?;
    refusal(entry, &known).map_or(Ok(()), Err)
}
