//! A project's tasks: admins create, change (done or active, estimate, assignees) and
//! delete them; a deleted task's entries keep their time and project and lose the task,
//! each a linked change in the audit log.

use serde_json::json;
use stint_api::{Task, TaskChanges, TaskStatus};

use super::{invalid, name, not_found, Op, Result};
use crate::audit::Category;
use crate::storage::EntryRef;

const MAX_NAME: usize = 1000;

fn check(op: &Op<'_>, task: &Task) -> Result<()> {
    stint_api::parse_iso_duration(&task.estimate).map_err(|e| invalid(format!("estimate: {e}")))?;
    for who in &task.assignee_ids {
        if !op
            .tx
            .member(&task.workspace_id, who)?
            .is_some_and(|m| m.active)
        {
            return Err(invalid(format!(
                "assignee {who} is not an active member of this workspace"
            )));
        }
    }
    super::projects::check_rate(&task.hourly_rate, "hourlyRate")?;
    super::projects::check_rate(&task.cost_rate, "costRate")?;
    Ok(())
}

/// The ids once each, in their first order.
fn distinct(ids: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    ids.into_iter()
        .filter(|id| seen.insert(id.clone()))
        .collect()
}

/// The project, which must be the workspace's.
fn project_of(op: &Op<'_>, wid: &str, pid: &str) -> Result<stint_api::Project> {
    let wid = op.workspace(wid)?;
    op.tx
        .project(&wid, pid)?
        .ok_or_else(|| not_found(format!("project {pid} not found")))
}

pub fn tasks(op: &mut Op<'_>, wid: &str, pid: &str) -> Result<Vec<Task>> {
    let project = project_of(op, wid, pid)?;
    op.tx.tasks(&project.workspace_id, &project.id)
}

pub fn task(op: &mut Op<'_>, wid: &str, pid: &str, id: &str) -> Result<Task> {
    let project = project_of(op, wid, pid)?;
    op.tx
        .task(&project.workspace_id, id)?
        .filter(|t| t.project_id == project.id)
        .ok_or_else(|| not_found(format!("task {id} not found")))
}

pub fn create(op: &mut Op<'_>, wid: &str, pid: &str, body: TaskChanges) -> Result<Task> {
    op.admin_only(wid, "create tasks")?;
    let project = project_of(op, wid, pid)?;
    let task = Task {
        id: crate::auth::new_id(),
        name: name(body.name.as_deref().unwrap_or(""), "task", MAX_NAME)?,
        project_id: project.id,
        workspace_id: project.workspace_id,
        assignee_ids: distinct(body.assignee_ids.unwrap_or_default()),
        estimate: body.estimate.unwrap_or_else(|| "PT0S".into()),
        status: body.status.unwrap_or(TaskStatus::Active),
        billable: body.billable.unwrap_or(project.billable),
        hourly_rate: body.hourly_rate,
        cost_rate: body.cost_rate,
    };
    check(op, &task)?;
    let others = op.tx.tasks(&task.workspace_id, &task.project_id)?;
    super::unique_name(
        "task of this project",
        &task.id,
        &task.name,
        others.iter().map(|t| (t.id.as_str(), t.name.as_str())),
    )?;
    op.tx.put_task(&task, true)?;
    op.record(
        Category::Projects,
        "task.created",
        &task.id,
        format!("\"{}\" in \"{}\"", task.name, project.name),
        json!({"task": task}),
    )?;
    Ok(task)
}

pub fn update(op: &mut Op<'_>, wid: &str, pid: &str, id: &str, body: TaskChanges) -> Result<Task> {
    op.admin_only(wid, "change tasks")?;
    let before = task(op, wid, pid, id)?;
    let mut after = before.clone();
    if let Some(n) = &body.name {
        after.name = name(n, "task", MAX_NAME)?;
    }
    after.assignee_ids = body
        .assignee_ids
        .map(distinct)
        .unwrap_or(after.assignee_ids);
    after.estimate = body.estimate.unwrap_or(after.estimate);
    after.status = body.status.unwrap_or(after.status);
    after.billable = body.billable.unwrap_or(after.billable);
    if body.hourly_rate.is_some() {
        after.hourly_rate = body.hourly_rate;
    }
    if body.cost_rate.is_some() {
        after.cost_rate = body.cost_rate;
    }
    check(op, &after)?;
    if after != before {
        let others = op.tx.tasks(&after.workspace_id, &after.project_id)?;
        super::unique_name(
            "task of this project",
            id,
            &after.name,
            others.iter().map(|t| (t.id.as_str(), t.name.as_str())),
        )?;
        op.tx.put_task(&after, false)?;
        op.record(
            Category::Projects,
            "task.updated",
            id,
            format!("\"{}\"", after.name),
            json!({"previous": before, "new": after}),
        )?;
    }
    Ok(after)
}

pub fn delete(op: &mut Op<'_>, wid: &str, pid: &str, id: &str) -> Result<Task> {
    op.admin_only(wid, "delete tasks")?;
    let gone = task(op, wid, pid, id)?;
    for entry in op.tx.entries_with(&gone.workspace_id, EntryRef::Task(id))? {
        let mut after = entry.clone();
        after.task_id = None;
        op.linked_entry_change(&entry, &after, "task.deleted", id)?;
    }
    op.tx.delete_task(&gone.workspace_id, id)?;
    op.record(
        Category::Projects,
        "task.deleted",
        id,
        format!("\"{}\"", gone.name),
        json!({"task": gone}),
    )?;
    Ok(gone)
}
