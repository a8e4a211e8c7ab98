//! What an entry points at must be the workspace's (issue 15): its project, its task (which
//! must be its project's) and its tags are checked against the workspace's, so another
//! workspace's object is a 400 that says nothing of it, never a link to it.

use std::collections::{HashMap, HashSet};

use crate::storage::EntryRow;
use crate::{ApiFailure, AppState};

/// The workspace's projects, tasks (with their project) and tags, by id.
#[derive(Default)]
pub(super) struct References {
    projects: HashSet<String>,
    tasks: HashMap<String, String>,
    tags: HashSet<String>,
}

/// Reads what entries of `wid` may point at, in one snapshot.
pub(super) async fn of_workspace(state: &AppState, wid: &str) -> Result<References, ApiFailure> {
    let w = wid.to_owned();
    let known = state
        .db(move |db| super::entry_filters::Hydration::read(db, &w))
        .await?;
    Ok(References {
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
    None
}

/// [`refusal`] for one entry, reading the workspace's objects only when it names one.
pub(super) async fn check(state: &AppState, entry: &EntryRow) -> Result<(), ApiFailure> {
    if entry.project_id.is_none() && entry.task_id.is_none() && entry.tag_ids.is_empty() {
        return Ok(());
    }
    let known = of_workspace(state, &entry.workspace_id).await?;
    refusal(entry, &known).map_or(Ok(()), Err)
}
