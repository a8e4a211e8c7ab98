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
    archived_projects: HashSet<String>,
    done_tasks: HashSet<String>,
}

/// Reads, in one snapshot, the workspace's rules and the objects `entries` point at, only
/// those (a workspace with thousands of projects must not be read whole for each entry).
/// An id that names nothing of the workspace is simply not found.
pub(super) async fn of_entries(
    state: &AppState,
    wid: &str,
    entries: &[&EntryRow],
) -> Result<References, ApiFailure> {
    let (w, wanted) = (wid.to_owned(), Wanted::of(entries));
    state.db(move |db| read(db, &w, &wanted)).await
}

/// The ids entries point at, to read with [`read`].
struct Wanted {
    projects: HashSet<String>,
    tasks: HashSet<String>,
    tags: HashSet<String>,
}

impl Wanted {
    fn of(entries: &[&EntryRow]) -> Wanted {
        Wanted {
            projects: entries
                .iter()
                .filter_map(|e| e.project_id.clone())
                .collect(),
            tasks: entries.iter().filter_map(|e| e.task_id.clone()).collect(),
            tags: entries
                .iter()
                .flat_map(|e| e.tag_ids.iter().cloned())
                .collect(),
        }
    }
}

/// [`of_entries`] inside a storage call.
fn read(
    db: &dyn crate::storage::Storage,
    wid: &str,
    wanted: &Wanted,
) -> crate::storage::Result<References> {
    let mut known = References::default();
    db.read(&mut |tx| {
        let settings = tx.settings(wid)?;
        known.force_projects = settings.force_projects;
        known.force_tasks = settings.force_tasks;
        for id in &wanted.projects {
            if let Some(project) = tx.project(wid, id)? {
                if project.archived {
                    known.archived_projects.insert(id.clone());
                }
                known.projects.insert(id.clone());
            }
        }
        for id in &wanted.tasks {
            if let Some(task) = tx.task(wid, id)? {
                if task.status == stint_api::TaskStatus::Done {
                    known.done_tasks.insert(id.clone());
                }
                known.tasks.insert(id.clone(), task.project_id);
            }
        }
        for id in &wanted.tags {
            if tx.tag(wid, id)?.is_some() {
                known.tags.insert(id.clone());
            }
        }
        Ok(())
    })?;
    Ok(known)
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

/// Why a new entry (one a Clockify client creates) may not be made: [`refusal`], and time
/// is not added to an archived project or a done task, as in Clockify.
pub(super) fn refusal_for_new(entry: &EntryRow, known: &References) -> Option<ApiFailure> {
    if let Some(refused) = refusal(entry, known) {
        return Some(refused);
    }
    if let Some(p) = entry
        .project_id
        .as_ref()
        .filter(|p| known.archived_projects.contains(*p))
    {
        return Some(ApiFailure::bad_request(format!(
            "project {p:?} is archived: time is no longer added to it"
        )));
    }
    if let Some(t) = entry
        .task_id
        .as_ref()
        .filter(|t| known.done_tasks.contains(*t))
    {
        return Some(ApiFailure::bad_request(format!(
            "task {t:?} is done: time is no longer added to it"
        )));
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
    let known = of_entries(state, &entry.workspace_id, &[entry]).await?;
    refusal(entry, &known).map_or(Ok(()), Err)
}

/// Why a new timer may not start: in a workspace that requires a project (or task), the
/// running timer it would stop must have one, as stopping it by hand would require.
pub(super) fn refusal_to_stop(running: &EntryRow, known: &References) -> Option<ApiFailure> {
    let what = if known.force_projects && running.project_id.is_none() {
        "a project"
    } else if known.force_tasks && running.task_id.is_none() {
        "a task"
    } else {
        return None;
    };
    Some(ApiFailure::bad_request(format!(
        "the running timer needs {what} before another one starts: this workspace requires \
         {what} on every entry"
    )))
}

/// The user's running entry, if one runs.
pub(super) async fn running_of(
    state: &AppState,
    wid: &str,
    uid: &str,
) -> Result<Option<EntryRow>, ApiFailure> {
    let (w, u) = (wid.to_owned(), uid.to_owned());
    let filter = crate::storage::EntryFilter {
        in_progress: Some(true),
        ..Default::default()
    };
    let (rows, _) = state
        .db(move |db| db.list_entries(&w, &u, &filter, 1, 1))
        .await?;
    Ok(rows.into_iter().next())
}

/// [`refusal_for_new`], and for a new timer [`refusal_to_stop`] of the one it would stop.
pub(super) async fn check_new(state: &AppState, entry: &EntryRow) -> Result<(), ApiFailure> {
    let known = &of_entries(state, &entry.workspace_id, &[entry]).await?;
    if let Some(refused) = refusal_for_new(entry, known) {
        return Err(refused);
    }
    if entry.end.is_none() {
        let running = running_of(state, &entry.workspace_id, &entry.user_id).await?;
        if let Some(refused) = running
            .filter(|r| r.id != entry.id)
            .and_then(|r| refusal_to_stop(&r, known))
        {
            return Err(refused);
        }
    }
    Ok(())
}
