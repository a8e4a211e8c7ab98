//! The admin pages for projects and their tasks (issue 16; clients and tags are in
//! `named_pages`): lists,
//! create forms, edits, archive and delete, each through the operations layer (so each
//! change is checked and recorded as the API's are). A refused form is shown again with
//! what was typed and the reason beside it, status 400; a done one redirects with a note.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use stint_api::{NewProject, ProjectChanges, Rate, TaskStatus};

use super::pages::{nav, page};
use super::{PageError, Posted, Session};
use crate::ops;
use crate::{ApiFailure, AppState};

/// The project form's fields as typed (kept to show again when refused).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ProjectForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    color: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    billable: Option<String>,
    /// Money an hour, e.g. `50` or `49.90`; empty for none.
    #[serde(default)]
    hourly_rate: String,
}

/// A checkbox's value: browsers send `on`; a hand-made form may say `true`, `1` or `yes`.
fn ticked(value: &Option<String>) -> bool {
    value
        .as_deref()
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "on" | "true" | "1" | "yes"))
}

/// Money as typed (`50`, `49.9`, `49.90`) in cents; `""` is none.
fn cents(text: &str) -> Result<Option<Rate>, ApiFailure> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || ApiFailure::bad_request(format!("{text:?} is not an amount such as 50 or 49.90"));
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || fraction.len() > 2
        || !format!("{whole}{fraction}")
            .chars()
            .all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let fraction: i64 = format!("{fraction:0<2}").parse().map_err(|_| bad())?;
    let amount = whole
        .checked_mul(100)
        .and_then(|c| c.checked_add(fraction))
        .ok_or_else(bad)?;
    Ok(Some(Rate {
        amount,
        currency: "USD".into(),
    }))
}

/// A rate as typed back into the form; none (or 0) is empty.
fn money(rate: &Option<Rate>) -> String {
    rate.as_ref()
        .filter(|r| r.amount > 0)
        .map(|r| crate::ops::report_csv::money(r.amount))
        .unwrap_or_default()
}

/// An ISO-8601 duration (`PT1H30M`) as people read it (`01:30:00`).
fn readable(iso: &str) -> String {
    stint_api::parse_iso_duration(iso)
        .map(crate::ops::report_csv::hms)
        .unwrap_or_else(|_| iso.to_owned())
}

/// A colour dot for a project.
fn dot(color: &str) -> Markup {
    html! { span class="dot" style=(format!("background:{color}")) {} }
}

pub(super) fn done(to: &str, note: &str) -> Response {
    super::notes::redirect_noting(to, note)
}

fn notes(note: Option<&String>, problem: Option<&str>) -> Markup {
    html! {
        @if let Some(n) = note { p id="note" class="note" { (n) } }
        @if let Some(p) = problem { p id="problem" class="problem" role="alert" { (p) } }
    }
}

/// The projects list with the create form; `problem` and `draft` show a refused form again.
async fn projects_view(
    state: &AppState,
    session: &Session,
    q: &HashMap<String, String>,
    problem: Option<&str>,
    draft: &ProjectForm,
) -> Result<Markup, PageError> {
    session.require_admin("manage projects")?;
    let wid = session.user.workspace_id.clone();
    let (projects, clients) = state
        .read_op(&session.user, move |op| {
            Ok((
                ops::projects::projects(op, &wid)?,
                ops::catalog::clients(op, &wid)?,
            ))
        })
        .await?;
    let show_archived = q.get("archived").map(String::as_str) == Some("1");
    let color = if draft.color.is_empty() {
        "#2563EB"
    } else {
        draft.color.as_str()
    };
    Ok(html! {
        (nav(&session.user, &session.csrf))
        h1 { "Projects" }
        (notes(q.get("note"), problem))
        p { @if show_archived { a href="/web/projects" { "Hide archived" } } @else { a id="show-archived" href="/web/projects?archived=1" { "Show archived" } } }
        table id="projects" {
            thead { tr { th { "Project" } th { "Client" } th { "Billable" } th { "Rate" } th { "Tracked" } th {} } }
            tbody {
                @for p in projects.iter().filter(|p| show_archived || !p.archived) {
                    tr class=[p.archived.then_some("archived")] {
                        td { (dot(&p.color)) " " (p.name) @if p.archived { " (archived)" } }
                        td { (p.client_name) }
                        td { @if p.billable { "Yes" } @else { "No" } }
                        td { (money(&p.hourly_rate)) }
                        td { (readable(&p.duration)) }
                        td { a href=(format!("/web/projects/{}", p.id)) { "Edit" } }
                    }
                }
            }
        }
        h2 { "New project" }
        form id="new-project" method="post" action="/web/projects" {
            input type="hidden" name="csrf" value=(session.csrf);
            (project_fields(draft, &clients, color))
            button id="create-project" type="submit" { "Create project" }
        }
    })
}

fn project_fields(form: &ProjectForm, clients: &[stint_api::Client], color: &str) -> Markup {
    html! {
        label { "Name " input id="project-name" type="text" name="name" required value=(form.name); }
        label { "Client "
            select id="project-client" name="client_id" {
                option value="" { "No client" }
                @for c in clients.iter().filter(|c| !c.archived || c.id == form.client_id) {
                    option value=(c.id) selected[c.id == form.client_id] { (c.name) }
                }
            }
        }
        label { "Colour " input id="project-color" type="color" name="color" value=(color); }
        label { input id="project-billable" type="checkbox" name="billable" checked[form.billable.is_some()]; " Billable" }
        label { "Hourly rate " input id="project-rate" type="text" inputmode="decimal" name="hourly_rate" value=(form.hourly_rate); }
    }
}

pub async fn projects_page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let body = projects_view(&state, &session, &q, None, &ProjectForm::default()).await?;
    Ok(page("Projects", body).into_response())
}

pub async fn create_project(
    State(state): State<AppState>,
    Posted { session, form }: Posted<ProjectForm>,
) -> Result<Response, PageError> {
    let wid = session.user.workspace_id.clone();
    let made = match cents(&form.hourly_rate) {
        Err(e) => Err(e),
        Ok(rate) => {
            let body = NewProject {
                name: form.name.clone(),
                client_id: Some(form.client_id.clone()),
                color: Some(form.color.clone()).filter(|c| !c.is_empty()),
                billable: ticked(&form.billable),
                is_public: None,
                note: String::new(),
                hourly_rate: rate,
                cost_rate: None,
                estimate: None,
            };
            state
                .op(
                    &session.user,
                    move |op| ops::projects::create(op, &wid, body),
                    |_| Ok(None),
                )
                .await
        }
    };
    match made {
        Ok(p) => Ok(done(
            "/web/projects",
            &format!("Project {} created.", p.name),
        )),
        Err(e) => {
            let body =
                projects_view(&state, &session, &HashMap::new(), Some(&e.message), &form).await?;
            Ok((e.status, page("Projects", body)).into_response())
        }
    }
}

/// One project: its form, archive and delete, and its tasks.
async fn project_view(
    state: &AppState,
    session: &Session,
    pid: &str,
    note: Option<&String>,
    problem: Option<&str>,
    draft: Option<&ProjectForm>,
) -> Result<Markup, PageError> {
    session.require_admin("manage projects")?;
    let (wid, id) = (session.user.workspace_id.clone(), pid.to_owned());
    let (project, clients, tasks) = state
        .read_op(&session.user, move |op| {
            Ok((
                ops::projects::project(op, &wid, &id)?,
                ops::catalog::clients(op, &wid)?,
                ops::tasks::tasks(op, &wid, &id)?,
            ))
        })
        .await?;
    let current = ProjectForm {
        name: project.name.clone(),
        client_id: project.client_id.clone().unwrap_or_default(),
        color: project.color.clone(),
        billable: project.billable.then(|| "on".to_owned()),
        hourly_rate: money(&project.hourly_rate),
    };
    let form = draft.unwrap_or(&current);
    let base = format!("/web/projects/{}", project.id);
    Ok(html! {
        (nav(&session.user, &session.csrf))
        p { a href="/web/projects" { "← Projects" } }
        h1 { (dot(&project.color)) " " (project.name) @if project.archived { " (archived)" } }
        (notes(note, problem))
        p { "Tracked: " (readable(&project.duration)) }
        form id="edit-project" method="post" action=(base) {
            input type="hidden" name="csrf" value=(session.csrf);
            (project_fields(form, &clients, if form.color.is_empty() { "#2563EB" } else { &form.color }))
            button id="save-project" type="submit" { "Save" }
        }
        form class="inline" method="post" action=(format!("{base}/archive")) {
            input type="hidden" name="csrf" value=(session.csrf);
            input type="hidden" name="archived" value=(if project.archived { "false" } else { "true" });
            button id="archive-project" type="submit" { @if project.archived { "Restore from archive" } @else { "Archive" } }
        }
        @if project.archived {
            form class="inline" method="post" action=(format!("{base}/delete")) {
                input type="hidden" name="csrf" value=(session.csrf);
                button id="delete-project" class="danger" type="submit" { "Delete (entries keep their time)" }
            }
        }
        h2 { "Tasks" }
        table id="tasks" {
            thead { tr { th { "Task" } th { "Estimate" } th { "Status" } th {} } }
            tbody {
                @for t in &tasks {
                    tr {
                        td { (t.name) }
                        td { (readable(&t.estimate)) }
                        td { @if t.status == TaskStatus::Done { "Done" } @else { "Active" } }
                        td {
                            form class="inline" method="post" action=(format!("{base}/tasks/{}", t.id)) {
                                input type="hidden" name="csrf" value=(session.csrf);
                                @if t.status == TaskStatus::Done {
                                    button name="action" value="active" type="submit" { "Reopen" }
                                } @else {
                                    button name="action" value="done" type="submit" { "Mark done" }
                                }
                                " "
                                button name="action" value="delete" class="danger" type="submit" { "Delete" }
                            }
                        }
                    }
                }
            }
        }
        form id="new-task" method="post" action=(format!("{base}/tasks")) {
            input type="hidden" name="csrf" value=(session.csrf);
            label { "New task " input id="task-name" type="text" name="name" required; }
            button id="create-task" type="submit" { "Add task" }
        }
    })
}

pub async fn project_page(
    State(state): State<AppState>,
    session: Session,
    Path(pid): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let body = project_view(&state, &session, &pid, q.get("note"), None, None).await?;
    Ok(page("Project", body).into_response())
}

/// Shows the project page again after a refused change, with the reason.
pub(super) async fn refused_project(
    state: &AppState,
    session: &Session,
    pid: &str,
    e: ApiFailure,
    draft: Option<&ProjectForm>,
) -> Result<Response, PageError> {
    if e.status == StatusCode::NOT_FOUND || e.status == StatusCode::FORBIDDEN {
        return Err(e.into());
    }
    let body = project_view(state, session, pid, None, Some(&e.message), draft).await?;
    Ok((e.status, page("Project", body)).into_response())
}

pub async fn save_project(
    State(state): State<AppState>,
    Path(pid): Path<String>,
    Posted { session, form }: Posted<ProjectForm>,
) -> Result<Response, PageError> {
    let (wid, id) = (session.user.workspace_id.clone(), pid.clone());
    let saved = match cents(&form.hourly_rate) {
        Err(e) => Err(e),
        Ok(rate) => {
            let changes = ProjectChanges {
                name: Some(form.name.clone()),
                client_id: Some(form.client_id.clone()),
                color: Some(form.color.clone()).filter(|c| !c.is_empty()),
                billable: Some(ticked(&form.billable)),
                // An empty rate field takes the rate away (0 is shown as none).
                hourly_rate: Some(rate.unwrap_or(Rate {
                    amount: 0,
                    currency: "USD".into(),
                })),
                ..ProjectChanges::default()
            };
            state
                .op(
                    &session.user,
                    move |op| ops::projects::update(op, &wid, &id, changes),
                    |_| Ok(None),
                )
                .await
        }
    };
    match saved {
        Ok(_) => Ok(done(&format!("/web/projects/{pid}"), "Saved.")),
        Err(e) => refused_project(&state, &session, &pid, e, Some(&form)).await,
    }
}

#[derive(serde::Deserialize)]
pub struct ArchiveForm {
    archived: bool,
}

pub async fn archive_project(
    State(state): State<AppState>,
    Path(pid): Path<String>,
    Posted { session, form }: Posted<ArchiveForm>,
) -> Result<Response, PageError> {
    let (wid, id) = (session.user.workspace_id.clone(), pid.clone());
    let changes = ProjectChanges {
        archived: Some(form.archived),
        ..ProjectChanges::default()
    };
    let saved = state
        .op(
            &session.user,
            move |op| ops::projects::update(op, &wid, &id, changes),
            |_| Ok(None),
        )
        .await;
    match saved {
        Ok(_) => Ok(done(
            &format!("/web/projects/{pid}"),
            if form.archived {
                "Archived."
            } else {
                "Restored from the archive."
            },
        )),
        Err(e) => refused_project(&state, &session, &pid, e, None).await,
    }
}

pub async fn delete_project(
    State(state): State<AppState>,
    Path(pid): Path<String>,
    Posted { session, .. }: Posted<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let (wid, id) = (session.user.workspace_id.clone(), pid.clone());
    let gone = state
        .op(
            &session.user,
            move |op| ops::projects::delete(op, &wid, &id),
            |_| Ok(None),
        )
        .await;
    match gone {
        Ok(p) => Ok(done(
            "/web/projects",
            &format!("Project {} deleted; its entries keep their time.", p.name),
        )),
        Err(e) => refused_project(&state, &session, &pid, e, None).await,
    }
}
