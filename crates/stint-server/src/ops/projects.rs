//! Projects: admins create, change, archive and delete them (archived first, as Clockify
//! asks); a deleted project's entries keep their time and lose the project and its task,
//! each a linked change in the audit log. Projects are read with the fields Clockify's
//! clients read: the client's name, the time tracked and the members.

use serde_json::json;
use stint_api::{Estimate, NewProject, Project, ProjectChanges, Rate};

use chrono::{DateTime, Utc};

use super::{given, invalid, name, not_found, Op, Result};
use crate::audit::Category;
use crate::storage::{CatalogTx, EntryRef};

/// Clockify's limit on project names.
const MAX_NAME: usize = 250;

fn check_color(color: &str) -> Result<()> {
    let is_hex = color.len() == 7
        && color.starts_with('#')
        && color[1..].chars().all(|c| c.is_ascii_hexdigit());
    if is_hex {
        Ok(())
    } else {
        Err(invalid("color must look like #1A2B3C"))
    }
}

/// The highest rate taken, in cents an hour (ten million an hour): far above any real rate,
/// and low enough that a year of entries at it cannot overflow a report's sums.
pub const MAX_RATE: i64 = 1_000_000_000;

pub(super) fn check_rate(rate: &Option<Rate>, what: &str) -> Result<()> {
    match rate {
        Some(r) if r.amount < 0 => Err(invalid(format!("{what} cannot be negative"))),
        Some(r) if r.amount > MAX_RATE => Err(invalid(format!(
            "{what} can be at most {} an hour ({MAX_RATE} in cents)",
            crate::ops::report_csv::money(MAX_RATE)
        ))),
        Some(r) if r.currency.trim().is_empty() || r.currency.len() > 8 => {
            Err(invalid(format!("{what} needs a currency such as USD")))
        }
        _ => Ok(()),
    }
}

fn check_estimate(estimate: &Estimate) -> Result<()> {
    stint_api::parse_iso_duration(&estimate.estimate)
        .map_err(|e| invalid(format!("estimate: {e}")))?;
    if !matches!(estimate.kind.as_str(), "MANUAL" | "AUTO") {
        return Err(invalid("estimate type must be MANUAL or AUTO"));
    }
    Ok(())
}

/// The client, which must be the workspace's.
fn check_client(op: &Op<'_>, wid: &str, client_id: Option<&str>) -> Result<Option<String>> {
    match given(client_id) {
        None => Ok(None),
        Some(id) => match op.tx.client(wid, id)? {
            Some(c) => Ok(Some(c.id)),
            None => Err(invalid(format!(
                "client {id} is not one of this workspace's"
            ))),
        },
    }
}

fn filled(op: &Op<'_>, p: Project) -> Result<Project> {
    fill(op.tx, op.now, p)
}

/// Fills what is read but not stored: the client's name, an automatic estimate, the time
/// tracked up to `now` and the members.
pub fn fill(tx: &dyn CatalogTx, now: DateTime<Utc>, mut p: Project) -> Result<Project> {
    if let Some(cid) = &p.client_id {
        p.client_name = tx
            .client(&p.workspace_id, cid)?
            .map(|c| c.name)
            .unwrap_or_default();
    }
    if p.estimate.kind == "AUTO" {
        // An automatic estimate is the sum of the project's tasks' estimates.
        let tasks = tx.tasks(&p.workspace_id, &p.id)?;
        let sum: i64 = tasks
            .iter()
            .filter_map(|t| stint_api::parse_iso_duration(&t.estimate).ok())
            .fold(0i64, i64::saturating_add);
        p.estimate.estimate = stint_api::format_iso_duration(sum);
    }
    let seconds = tx.project_seconds(&p.workspace_id, &p.id, now)?;
    p.duration = stint_api::format_iso_duration(seconds);
    if p.public {
        p.memberships = tx
            .members(&p.workspace_id)?
            .iter()
            .filter(|m| m.active)
            .map(|m| stint_api::Membership {
                user_id: m.id.clone(),
                target_id: p.id.clone(),
                membership_type: "PROJECT".into(),
                membership_status: "ACTIVE".into(),
            })
            .collect();
    }
    Ok(p)
}

pub fn projects(op: &mut Op<'_>, wid: &str) -> Result<Vec<Project>> {
    let wid = op.workspace(wid)?;
    let all = op.tx.projects(&wid)?;
    all.into_iter().map(|p| filled(op, p)).collect()
}

pub fn project(op: &mut Op<'_>, wid: &str, id: &str) -> Result<Project> {
    let wid = op.workspace(wid)?;
    let found = op
        .tx
        .project(&wid, id)?
        .ok_or_else(|| not_found(format!("project {id} not found")))?;
    filled(op, found)
}

pub fn create(op: &mut Op<'_>, wid: &str, body: NewProject) -> Result<Project> {
    let wid = op.admin_only(wid, "create projects")?;
    let project = Project {
        id: crate::auth::new_id(),
        name: name(&body.name, "project", MAX_NAME)?,
        client_id: check_client(op, &wid, body.client_id.as_deref())?,
        workspace_id: wid,
        color: body.color.unwrap_or_else(|| "#2563EB".into()),
        billable: body.billable,
        archived: false,
        public: body.is_public.unwrap_or(true),
        note: body.note,
        client_name: String::new(),
        hourly_rate: body.hourly_rate,
        cost_rate: body.cost_rate,
        estimate: body.estimate.unwrap_or_default(),
        duration: "PT0S".into(),
        memberships: Vec::new(),
        tasks: None,
    };
    check_color(&project.color)?;
    check_rate(&project.hourly_rate, "hourlyRate")?;
    check_rate(&project.cost_rate, "costRate")?;
    check_estimate(&project.estimate)?;
    let others = op.tx.projects(&project.workspace_id)?;
    super::unique_name(
        "project",
        &project.id,
        &project.name,
        others.iter().map(|p| (p.id.as_str(), p.name.as_str())),
    )?;
    op.tx.put_project(&project, true)?;
    // Recorded as it is answered, with its client's name and members.
    let project = filled(op, project)?;
    op.record(
        Category::Projects,
        "project.created",
        &project.id,
        format!("\"{}\"", project.name),
        json!({ "project": project }),
    )?;
    Ok(project)
}

pub fn update(op: &mut Op<'_>, wid: &str, id: &str, body: ProjectChanges) -> Result<Project> {
    let wid = op.admin_only(wid, "change projects")?;
    let before = op
        .tx
        .project(&wid, id)?
        .ok_or_else(|| not_found(format!("project {id} not found")))?;
    let mut after = before.clone();
    if let Some(n) = &body.name {
        after.name = name(n, "project", MAX_NAME)?;
    }
    if body.client_id.is_some() {
        after.client_id = check_client(op, &wid, body.client_id.as_deref())?;
    }
    after.color = body.color.unwrap_or(after.color);
    after.billable = body.billable.unwrap_or(after.billable);
    after.archived = body.archived.unwrap_or(after.archived);
    after.public = body.is_public.unwrap_or(after.public);
    after.note = body.note.unwrap_or(after.note);
    if body.hourly_rate.is_some() {
        after.hourly_rate = body.hourly_rate;
    }
    if body.cost_rate.is_some() {
        after.cost_rate = body.cost_rate;
    }
    after.estimate = body.estimate.unwrap_or(after.estimate);
    check_color(&after.color)?;
    check_rate(&after.hourly_rate, "hourlyRate")?;
    check_rate(&after.cost_rate, "costRate")?;
    check_estimate(&after.estimate)?;
    if after != before {
        let others = op.tx.projects(&wid)?;
        super::unique_name(
            "project",
            id,
            &after.name,
            others.iter().map(|p| (p.id.as_str(), p.name.as_str())),
        )?;
        op.tx.put_project(&after, false)?;
        let changes = super::field_changes(&json!(before), &json!(after));
        op.record(
            Category::Projects,
            "project.updated",
            id,
            format!("\"{}\"", after.name),
            json!({"changes": changes}),
        )?;
    }
    filled(op, after)
}

/// Deletes an archived project and its tasks; every entry on it keeps its time and loses
/// the project and task (a linked change each, locked entries too: the project is gone).
pub fn delete(op: &mut Op<'_>, wid: &str, id: &str) -> Result<Project> {
    let wid = op.admin_only(wid, "delete projects")?;
    let gone = op
        .tx
        .project(&wid, id)?
        .ok_or_else(|| not_found(format!("project {id} not found")))?;
    if !gone.archived {
        return Err(invalid("archive the project before deleting it"));
    }
    // Recorded as it was last read, with the time tracked on it.
    let gone = filled(op, gone)?;
    for entry in op.tx.entries_with(&wid, EntryRef::Project(id))? {
        let mut after = entry.clone();
        after.project_id = None;
        after.task_id = None;
        op.linked_entry_change(&entry, &after, "project.deleted", id)?;
    }
    for task in op.tx.tasks(&wid, id)? {
        op.record(
            Category::Projects,
            "task.deleted",
            &task.id,
            format!("\"{}\" (linked: Project deleted)", task.name),
            json!({"task": task, "linkedTo": {"action": "project.deleted", "targetId": id}}),
        )?;
    }
    op.tx.delete_project(&wid, id)?;
    op.record(
        Category::Projects,
        "project.deleted",
        id,
        format!("\"{}\"", gone.name),
        json!({"project": gone}),
    )?;
    Ok(gone)
}
