//! The `/api/v1` routes in Clockify's shape.

mod batch;
mod changes;
pub(crate) mod entries;
mod entry_filters;
mod in_progress;
mod members;
mod pictures;
mod project_list;
mod references;
pub(crate) mod screenshots;
mod settings;
pub(crate) mod versions;

use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use serde::de::DeserializeOwned;
use stint_api::{ApiError, Membership, NewProject, Project, User, Workspace, API_KEY_HEADER};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::idempotency::{Authenticated, KeptInTransaction, Pending};
use crate::storage::{Keep, Role, UserRow, WorkspaceRow};
use crate::{ApiFailure, AppState};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Stint server API",
        description = "Time entries in the shape of Clockify's public API v1, plus Stint's additions \
            (client-generated entry ids, Idempotency-Key, entry source)."
    ),
    modifiers(&ApiKeyAuth),
    security(("api_key" = []))
)]
struct ApiDoc;

struct ApiKeyAuth;

impl utoipa::Modify for ApiKeyAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new(API_KEY_HEADER))),
        );
    }
}

/// Every route, each with its OpenAPI description: the router and the document are made
/// from the same list, so neither can miss a route.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(current_user))
        .routes(routes!(workspaces))
        .routes(routes!(users))
        .routes(routes!(projects, create_project))
        .routes(routes!(project_tasks))
        .routes(routes!(clients))
        .routes(routes!(tags))
        .merge(entries::routes())
        .merge(changes::routes())
        .merge(batch::routes())
        .merge(in_progress::routes())
        .merge(members::routes())
        .merge(settings::routes())
        .merge(screenshots::routes().layer(DefaultBodyLimit::max(crate::MAX_UPLOAD_BYTES)))
}

/// The authenticated user behind the request's `X-Api-Key`.
pub struct Caller(pub UserRow);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiFailure> {
        if let Some(Authenticated(user)) = parts.extensions.get::<Authenticated>() {
            return Ok(Caller(user.clone()));
        }
        let unauthorized = |m: &str| ApiFailure::new(StatusCode::UNAUTHORIZED, m);
        let key = parts
            .headers
            .get(API_KEY_HEADER)
            .ok_or_else(|| unauthorized("an X-Api-Key header is required"))?
            .to_str()
            .map_err(|_| unauthorized("the API key is not valid"))?
            .to_owned();
        state
            .db(move |db| db.authenticate(&key))
            .await?
            .map(Caller)
            .ok_or_else(|| unauthorized("the API key is not valid"))
    }
}

/// The request's `Idempotency-Key`, once its caller is authenticated: a change keeps its
/// answer in its own transaction with [`Idem::keep`] and answers with [`kept`].
pub struct Idem(pub Option<Pending>);

impl<S: Send + Sync> FromRequestParts<S> for Idem {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Idem(parts.extensions.get::<Pending>().cloned()))
    }
}

impl Idem {
    /// The answer `value` with `status`, as bytes, and what to keep of it, if anything.
    pub fn answer<T: serde::Serialize>(
        &self,
        status: StatusCode,
        value: &T,
    ) -> Result<(Vec<u8>, Option<Keep>), ApiFailure> {
        let body = serde_json::to_vec(value)
            .map_err(|e| ApiFailure::internal(format!("writing an answer: {e}")))?;
        let keep = self.0.as_ref().map(|p| p.keep(status, &body));
        Ok((body, keep))
    }

    /// What to keep of an answer without a body.
    pub fn empty(&self, status: StatusCode) -> Option<Keep> {
        self.0.as_ref().map(|p| p.keep(status, b""))
    }
}

/// A JSON answer whose `Idempotency-Key` record was kept with the change.
pub fn kept(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    response.extensions_mut().insert(KeptInTransaction);
    response
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.0.role == Role::Admin
    }

    /// Another workspace's objects answer 404, as if they did not exist.
    pub fn own_workspace(&self, wid: &str) -> Result<(), ApiFailure> {
        if self.0.workspace_id == wid {
            Ok(())
        } else {
            Err(ApiFailure::not_found(format!("workspace {wid} not found")))
        }
    }
}

/// Parses a JSON body with a message a person can act on.
pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiFailure> {
    serde_json::from_slice(body)
        .map_err(|e| ApiFailure::bad_request(format!("invalid request body: {e}")))
}

pub(super) fn membership(user: &UserRow) -> Membership {
    Membership {
        user_id: user.id.clone(),
        target_id: user.workspace_id.clone(),
        membership_type: "WORKSPACE".into(),
        membership_status: "ACTIVE".into(),
    }
}

pub(super) fn user_json(user: &UserRow) -> User {
    User {
        id: user.id.clone(),
        email: user.email.clone(),
        name: user.name.clone(),
        active_workspace: user.workspace_id.clone(),
        default_workspace: user.workspace_id.clone(),
        status: "ACTIVE".into(),
        memberships: vec![membership(user)],
        role: user.role.as_str().into(),
    }
}

#[utoipa::path(get, path = "/api/v1/user", tag = "users",
    responses((status = 200, body = User), (status = 401, body = ApiError)))]
async fn current_user(caller: Caller) -> Json<User> {
    Json(user_json(&caller.0))
}

#[utoipa::path(get, path = "/api/v1/workspaces", tag = "workspaces",
    responses((status = 200, body = Vec<Workspace>), (status = 401, body = ApiError)))]
async fn workspaces(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<Workspace>>, ApiFailure> {
    let wid = caller.0.workspace_id.clone();
    let workspace: Option<WorkspaceRow> = state.db(move |db| db.workspace(&wid)).await?;
    Ok(Json(
        workspace
            .map(|w| Workspace {
                id: w.id,
                name: w.name,
                memberships: vec![membership(&caller.0)],
            })
            .into_iter()
            .collect(),
    ))
}

/// Admins see every member; a regular user sees only themselves.
#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/users", tag = "users",
    params(("wid" = String, Path, description = "Workspace id")),
    responses((status = 200, body = Vec<User>), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn users(
    State(state): State<AppState>,
    caller: Caller,
    Path(wid): Path<String>,
) -> Result<Json<Vec<User>>, ApiFailure> {
    caller.own_workspace(&wid)?;
    if !caller.is_admin() {
        return Ok(Json(vec![user_json(&caller.0)]));
    }
    let all = state.db(move |db| db.users_in(&wid)).await?;
    Ok(Json(all.iter().map(user_json).collect()))
}

/// Projects, clients and tags are not kept yet: an empty list in the right place.
fn empty_list(caller: &Caller, wid: &str) -> Result<Json<Vec<serde_json::Value>>, ApiFailure> {
    caller.own_workspace(wid)?;
    Ok(Json(Vec::new()))
}

#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/projects", tag = "projects",
    params(("wid" = String, Path, description = "Workspace id"),
        ("name" = Option<String>, Query, description = "Projects whose name contains this text (any case)"),
        ("strict-name-search" = Option<bool>, Query, description = "The name must match whole (any case)"),
        ("archived" = Option<bool>, Query, description = "Only archived (true) or active (false) projects"),
        ("billable" = Option<bool>, Query, description = "Only billable (true) or non-billable (false) projects"),
        ("clients" = Option<String>, Query, description = "Only projects of these clients (ids separated by commas)"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page, from 1"),
        ("page-size" = Option<u32>, Query, minimum = 1, maximum = 5000, description = "Projects per page, 1 to 5000 (default 50)")),
    responses((status = 200, body = Vec<Project>, headers(("Last-Page" = bool, description = "Whether this is the last page"))),
        (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn projects(
    State(state): State<AppState>,
    caller: Caller,
    Path(wid): Path<String>,
    axum::extract::Query(q): axum::extract::Query<Vec<(String, String)>>,
) -> Result<(axum::http::HeaderMap, Json<Vec<Project>>), ApiFailure> {
    caller.own_workspace(&wid)?;
    let all = state.db(move |db| db.projects(&wid)).await?;
    let (headers, page) = project_list::page_of(all, &q)?;
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
async fn create_project(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(wid): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, ApiFailure> {
    caller.own_workspace(&wid)?;
    if !caller.is_admin() {
        return Err(ApiFailure::new(
            StatusCode::FORBIDDEN,
            "only an admin can create projects",
        ));
    }
    let body: NewProject = parse_body(&body)?;
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 250 {
        return Err(ApiFailure::bad_request(
            "a project name must be 1 to 250 characters",
        ));
    }
    let color = body.color.unwrap_or_else(|| "#2563EB".into());
    let is_hex = color.len() == 7
        && color.starts_with('#')
        && color[1..].chars().all(|c| c.is_ascii_hexdigit());
    if !is_hex {
        return Err(ApiFailure::bad_request("color must look like #1A2B3C"));
    }
    let project = Project {
        id: crate::auth::new_id(),
        name,
        workspace_id: wid,
        client_id: body.client_id,
        color,
        billable: body.billable,
        archived: false,
        public: body.is_public.unwrap_or(true),
        note: body.note,
    };
    let (answer, keep) = idem.answer(StatusCode::CREATED, &project)?;
    let saved = state
        .db(move |db| db.create_project(&project, keep.as_ref()))
        .await?;
    let event = crate::audit::Event {
        category: crate::audit::Category::Projects,
        action: "project.created",
        target_id: &saved.id,
        summary: format!("\"{}\"", saved.name),
        details: serde_json::json!({"project": saved}),
    };
    crate::audit::record(
        &state,
        &saved.workspace_id,
        crate::audit::Author::User(&caller.0),
        event,
    )
    .await;
    Ok(kept(StatusCode::CREATED, answer))
}

#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/clients", tag = "clients",
    params(("wid" = String, Path, description = "Workspace id")),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn clients(
    caller: Caller,
    Path(wid): Path<String>,
) -> Result<Json<Vec<serde_json::Value>>, ApiFailure> {
    empty_list(&caller, &wid)
}

#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/tags", tag = "tags",
    params(("wid" = String, Path, description = "Workspace id")),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn tags(
    caller: Caller,
    Path(wid): Path<String>,
) -> Result<Json<Vec<serde_json::Value>>, ApiFailure> {
    empty_list(&caller, &wid)
}

/// A project's tasks.
#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/projects/{pid}/tasks", tag = "projects",
    params(("wid" = String, Path, description = "Workspace id"), ("pid" = String, Path, description = "Project id")),
    responses((status = 200, body = Vec<Object>), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn project_tasks(
    State(state): State<AppState>,
    caller: Caller,
    Path((wid, pid)): Path<(String, String)>,
) -> Result<Json<Vec<serde_json::Value>>, ApiFailure> {
    caller.own_workspace(&wid)?;
    let id = pid.clone();
    match state.db(move |db| db.project(&wid, &id)).await? {
        // Tasks are not kept yet: an existing project has none.
        Some(_) => Ok(Json(Vec::new())),
        None => Err(ApiFailure::not_found(format!("project {pid} not found"))),
    }
}
