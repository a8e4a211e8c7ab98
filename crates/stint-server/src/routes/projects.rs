//! Projects and their tasks in Clockify's paths (issue 15): lists with filters and
//! paging, one project or task, create, update (also archive) and delete. Each handler
//! only reads the request and answers; [`crate::ops`] decides.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use stint_api::{ApiError, NewProject, Project, ProjectChanges, Task, TaskChanges};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::lists::{projects_page, ListQuery};
use super::{answer_op, parse_body, Caller, Idem};
use crate::ops::{projects as ops, tasks};
use crate::{ApiFailure, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(task_list, create_task))
        .routes(routes!(get_task, update_task, delete_task))
}

type Pairs = Query<Vec<(String, String)>>;

#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/projects", tag = "projects",
    params(("wid" = String, Path, description = "Workspace id"),
        ("name" = Option<String>, Query, description = "Projects whose name contains this text (any case)"),
        ("strict-name-search" = Option<bool>, Query, description = "The name must match whole (any case)"),
        ("archived" = Option<bool>, Query, description = "Only archived (true) or active (false) projects"),
        ("billable" = Option<bool>, Query, description = "Only billable (true) or non-billable (false) projects"),
        ("clients" = Option<String>, Query, description = "Only projects of these clients (ids separated by commas)"),
        ("hydrated" = Option<bool>, Query, description = "Each project with its tasks (Clockify's hydrated projects)"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page, from 1"),
        ("page-size" = Option<u32>, Query, minimum = 1, maximum = 5000, description = "Projects per page, 1 to 5000 (default 50)")),
    responses((status = 200, body = Vec<Project>, headers(("Last-Page" = bool, description = "Whether this is the last page"))),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(wid): Path<String>,
    Query(q): Pairs,
) -> Result<(HeaderMap, Json<Vec<Project>>), ApiFailure> {
    // The query is checked before anything is read.
    projects_page(Vec::new(), &q)?;
    let hydrated = super::lists::hydrated(&q)?;
    // One read: the page and its projects' tasks come from one snapshot.
    let (headers, page) = state
        .read_op(&caller.0, move |op| {
            let all = ops::projects(op, &wid)?;
            let (headers, mut page) =
                projects_page(all, &q).map_err(|f| crate::storage::StorageError::Refused {
                    status: f.status.as_u16(),
                    message: f.message,
                })?;
            if hydrated {
                for p in &mut page {
                    p.tasks = Some(tasks::tasks(op, &wid, &p.id)?);
                }
            }
            Ok((headers, page))
        })
        .await?;
    Ok((headers, Json(page)))
}

/// Admins create projects (Clockify's default workspace permission).
#[utoipa::path(post, path = "/api/v1/workspaces/{wid}/projects", tag = "projects",
    params(("wid" = String, Path, description = "Workspace id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    request_body = NewProject,
    responses((status = 201, body = Project), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError),
        (status = 413, body = ApiError), (status = 422, body = ApiError)))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(wid): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiFailure> {
    let body: NewProject = parse_body(&body)?;
    answer_op(&state, &caller, idem, StatusCode::CREATED, move |op| {
        ops::create(op, &wid, body)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/projects/{pid}", tag = "projects",
    params(("wid" = String, Path, description = "Workspace id"), ("pid" = String, Path, description = "Project id")),
    responses((status = 200, body = Project), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    Path((wid, pid)): Path<(String, String)>,
) -> Result<Json<Project>, ApiFailure> {
    let project = state
        .read_op(&caller.0, move |op| ops::project(op, &wid, &pid))
        .await?;
    Ok(Json(project))
}

/// Changes a project (admins); `archived: true` archives it. Fields left out stay.
#[utoipa::path(put, path = "/api/v1/workspaces/{wid}/projects/{pid}", tag = "projects",
    params(("wid" = String, Path, description = "Workspace id"), ("pid" = String, Path, description = "Project id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    request_body = ProjectChanges,
    responses((status = 200, body = Project), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path((wid, pid)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ApiFailure> {
    let body: ProjectChanges = parse_body(&body)?;
    answer_op(&state, &caller, idem, StatusCode::OK, move |op| {
        ops::update(op, &wid, &pid, body)
    })
    .await
}

/// Deletes an archived project (admins); its entries keep their time without it.
#[utoipa::path(delete, path = "/api/v1/workspaces/{wid}/projects/{pid}", tag = "projects",
    params(("wid" = String, Path, description = "Workspace id"), ("pid" = String, Path, description = "Project id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    responses((status = 200, body = Project), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path((wid, pid)): Path<(String, String)>,
) -> Result<Response, ApiFailure> {
    answer_op(&state, &caller, idem, StatusCode::OK, move |op| {
        ops::delete(op, &wid, &pid)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/projects/{pid}/tasks", tag = "tasks",
    params(("wid" = String, Path, description = "Workspace id"), ("pid" = String, Path, description = "Project id"),
        ("name" = Option<String>, Query, description = "Tasks whose name contains this text (any case)"),
        ("strict-name-search" = Option<bool>, Query, description = "The name must match whole (any case)"),
        ("is-active" = Option<bool>, Query, description = "Only active (true) or done (false) tasks"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page, from 1"),
        ("page-size" = Option<u32>, Query, minimum = 1, maximum = 5000, description = "Tasks per page (default 50)")),
    responses((status = 200, body = Vec<Task>, headers(("Last-Page" = bool, description = "Whether this is the last page"))),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn task_list(
    State(state): State<AppState>,
    caller: Caller,
    Path((wid, pid)): Path<(String, String)>,
    Query(q): Pairs,
) -> Result<(HeaderMap, Json<Vec<Task>>), ApiFailure> {
    let query = ListQuery::parse(&q, &["is-active"])?;
    let active = super::entries::query_flag(&query.q, "is-active")?;
    let all = state
        .read_op(&caller.0, move |op| tasks::tasks(op, &wid, &pid))
        .await?;
    let matching = all
        .into_iter()
        .filter(|t| query.name_matches(&t.name))
        .filter(|t| active.is_none_or(|a| (t.status == stint_api::TaskStatus::Active) == a))
        .collect();
    let (headers, page) = query.page(matching);
    Ok((headers, Json(page)))
}

#[utoipa::path(post, path = "/api/v1/workspaces/{wid}/projects/{pid}/tasks", tag = "tasks",
    params(("wid" = String, Path, description = "Workspace id"), ("pid" = String, Path, description = "Project id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    request_body = TaskChanges,
    responses((status = 201, body = Task), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
async fn create_task(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path((wid, pid)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ApiFailure> {
    let body: TaskChanges = parse_body(&body)?;
    answer_op(&state, &caller, idem, StatusCode::CREATED, move |op| {
        tasks::create(op, &wid, &pid, body)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/projects/{pid}/tasks/{tid}", tag = "tasks",
    params(("wid" = String, Path, description = "Workspace id"), ("pid" = String, Path, description = "Project id"),
        ("tid" = String, Path, description = "Task id")),
    responses((status = 200, body = Task), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn get_task(
    State(state): State<AppState>,
    caller: Caller,
    Path((wid, pid, tid)): Path<(String, String, String)>,
) -> Result<Json<Task>, ApiFailure> {
    let task = state
        .read_op(&caller.0, move |op| tasks::task(op, &wid, &pid, &tid))
        .await?;
    Ok(Json(task))
}

/// Changes a task (admins): name, assignees, estimate, `status` `DONE` or `ACTIVE`.
#[utoipa::path(put, path = "/api/v1/workspaces/{wid}/projects/{pid}/tasks/{tid}", tag = "tasks",
    params(("wid" = String, Path, description = "Workspace id"), ("pid" = String, Path, description = "Project id"),
        ("tid" = String, Path, description = "Task id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    request_body = TaskChanges,
    responses((status = 200, body = Task), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
async fn update_task(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path((wid, pid, tid)): Path<(String, String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ApiFailure> {
    let body: TaskChanges = parse_body(&body)?;
    answer_op(&state, &caller, idem, StatusCode::OK, move |op| {
        tasks::update(op, &wid, &pid, &tid, body)
    })
    .await
}

/// Deletes a task (admins); its entries keep their time and project without it.
#[utoipa::path(delete, path = "/api/v1/workspaces/{wid}/projects/{pid}/tasks/{tid}", tag = "tasks",
    params(("wid" = String, Path, description = "Workspace id"), ("pid" = String, Path, description = "Project id"),
        ("tid" = String, Path, description = "Task id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    responses((status = 200, body = Task), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError)))]
async fn delete_task(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path((wid, pid, tid)): Path<(String, String, String)>,
) -> Result<Response, ApiFailure> {
    answer_op(&state, &caller, idem, StatusCode::OK, move |op| {
        tasks::delete(op, &wid, &pid, &tid)
    })
    .await
}
