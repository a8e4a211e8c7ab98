//! The `/api/v1` routes in Clockify's shape.

mod entries;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use stint_api::{Membership, User, Workspace, API_KEY_HEADER};

use crate::storage::{Role, UserRow, WorkspaceRow};
use crate::{ApiFailure, AppState};

pub fn api() -> Router<AppState> {
    Router::new()
        .route("/api/v1/user", get(current_user))
        .route("/api/v1/workspaces", get(workspaces))
        .route("/api/v1/workspaces/{wid}/users", get(users))
        .route("/api/v1/workspaces/{wid}/projects", get(empty_list))
        .route(
            "/api/v1/workspaces/{wid}/projects/{pid}/tasks",
            get(project_tasks),
        )
        .route("/api/v1/workspaces/{wid}/clients", get(empty_list))
        .route("/api/v1/workspaces/{wid}/tags", get(empty_list))
        .merge(entries::routes())
}

/// The authenticated user behind the request's `X-Api-Key`.
pub struct Caller(pub UserRow);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiFailure> {
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

fn membership(user: &UserRow) -> Membership {
    Membership {
        user_id: user.id.clone(),
        target_id: user.workspace_id.clone(),
        membership_type: "WORKSPACE".into(),
        membership_status: "ACTIVE".into(),
    }
}

fn user_json(user: &UserRow) -> User {
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

async fn current_user(caller: Caller) -> Json<User> {
    Json(user_json(&caller.0))
}

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
async fn empty_list(
    caller: Caller,
    Path(wid): Path<String>,
) -> Result<Json<Vec<serde_json::Value>>, ApiFailure> {
    caller.own_workspace(&wid)?;
    Ok(Json(Vec::new()))
}

/// No project exists yet, so none has tasks.
async fn project_tasks(
    caller: Caller,
    Path((wid, pid)): Path<(String, String)>,
) -> Result<Json<Vec<serde_json::Value>>, ApiFailure> {
    caller.own_workspace(&wid)?;
    Err(ApiFailure::not_found(format!("project {pid} not found")))
}
