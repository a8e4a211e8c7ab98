//! A project's tasks on its admin page (issue 16): add one, close or reopen it, delete it,
//! through the operations layer; a refusal shows the project page again with the reason.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use stint_api::{TaskChanges, TaskStatus};

use super::catalog_pages::{done, refused_project};
use super::{PageError, Posted};
use crate::ops;
use crate::AppState;

#[derive(serde::Deserialize)]
pub struct TaskForm {
    #[serde(default)]
    name: String,
    /// `done`, `active` or `delete` for an existing task.
    #[serde(default)]
    action: String,
}

pub async fn create_task(
    State(state): State<AppState>,
    Path(pid): Path<String>,
    Posted { session, form }: Posted<TaskForm>,
) -> Result<Response, PageError> {
    let (wid, id) = (session.user.workspace_id.clone(), pid.clone());
    let body = TaskChanges {
        name: Some(form.name),
        ..TaskChanges::default()
    };
    let made = state
        .op(
            &session.user,
            move |op| ops::tasks::create(op, &wid, &id, body),
            |_| Ok(None),
        )
        .await;
    match made {
        Ok(t) => Ok(done(
            &format!("/web/projects/{pid}"),
            &format!("Task {} added.", t.name),
        )),
        Err(e) => refused_project(&state, &session, &pid, e, None).await,
    }
}

pub async fn change_task(
    State(state): State<AppState>,
    Path((pid, tid)): Path<(String, String)>,
    Posted { session, form }: Posted<TaskForm>,
) -> Result<Response, PageError> {
    let (wid, p, t) = (session.user.workspace_id.clone(), pid.clone(), tid.clone());
    let status = match form.action.as_str() {
        "done" => Some(TaskStatus::Done),
        "active" => Some(TaskStatus::Active),
        "delete" => None,
        _ => {
            return Err(PageError(
                StatusCode::BAD_REQUEST,
                "Choose Mark done, Reopen or Delete.".into(),
            ))
        }
    };
    let changed = state
        .op(
            &session.user,
            move |op| match status {
                Some(status) => ops::tasks::update(
                    op,
                    &wid,
                    &p,
                    &t,
                    TaskChanges {
                        status: Some(status),
                        ..TaskChanges::default()
                    },
                )
                .map(|_| ()),
                None => ops::tasks::delete(op, &wid, &p, &t).map(|_| ()),
            },
            |_| Ok(None),
        )
        .await;
    match changed {
        Ok(()) => Ok(done(&format!("/web/projects/{pid}"), "Task saved.")),
        Err(e) => refused_project(&state, &session, &pid, e, None).await,
    }
}
