//! What an entry points at must be the workspace's (issue 15): a project id is checked
//! against the workspace's projects, so another workspace's project is a 400 that says
//! nothing of it, never a link to it. Tasks and tags are not kept yet and are not checked.

use std::collections::HashSet;

use crate::storage::EntryRow;
use crate::{ApiFailure, AppState};

/// The ids of the workspace's projects.
pub(super) async fn project_ids(
    state: &AppState,
    wid: &str,
) -> Result<HashSet<String>, ApiFailure> {
    let w = wid.to_owned();
    Ok(state
        .db(move |db| db.projects(&w))
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect())
}

/// Why `entry` may not be written in a workspace with these projects, if it may not.
pub(super) fn refusal(entry: &EntryRow, projects: &HashSet<String>) -> Option<ApiFailure> {
    let project = entry.project_id.as_ref()?;
    (!projects.contains(project)).then(|| {
        ApiFailure::bad_request(format!(
            "projectId {project:?} is not a project of this workspace"
        ))
    })
}

/// [`refusal`] for one entry, reading the workspace's projects only when it names one.
pub(super) async fn check(state: &AppState, entry: &EntryRow) -> Result<(), ApiFailure> {
    if entry.project_id.is_none() {
        return Ok(());
    }
    let projects = project_ids(state, &entry.workspace_id).await?;
    refusal(entry, &projects).map_or(Ok(()), Err)
}
