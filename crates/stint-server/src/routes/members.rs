//! Clockify's `GET /workspaces/{wid}` and `GET /workspaces/{wid}/users/{uid}`, and a
//! member's role and status changed (issue 15).
//! A member reads their workspace and themselves; an admin any member of it. Anything else
//! is 404, as if it did not exist.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use stint_api::{ApiError, RoleChange, StatusChange, User, Workspace};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{answer_op, parse_body, user_json, Caller, Idem};
use crate::ops::members;
use crate::storage::Role;
use crate::{ApiFailure, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(workspace))
        .routes(routes!(member, set_status))
        .routes(routes!(set_role))
}

/// Makes a member inactive (their key and sign-in stop working, their time stays) or
/// active again (admins; a workspace keeps one active admin).
#[utoipa::path(put, path = "/api/v1/workspaces/{wid}/users/{uid}", tag = "users",
    params(("wid" = String, Path, description = "Workspace id"), ("uid" = String, Path, description = "User id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    request_body = StatusChange,
    responses((status = 200, body = User), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn set_status(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path((wid, uid)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ApiFailure> {
    let body: StatusChange = parse_body(&body)?;
    let active = match body.status.as_str() {
        "ACTIVE" => true,
        "INACTIVE" => false,
        other => {
            return Err(ApiFailure::bad_request(format!(
                "status must be ACTIVE or INACTIVE, not {other:?}"
            )))
        }
    };
    answer_op(&state, &caller, idem, StatusCode::OK, move |op| {
        members::update(op, &wid, &uid, None, Some(active)).map(|u| user_json(&u))
    })
    .await
}

/// Makes a member an admin or a regular member (admins; a workspace keeps one active
/// admin). Recorded in the audit log's users category.
#[utoipa::path(put, path = "/api/v1/workspaces/{wid}/users/{uid}/role", tag = "users",
    params(("wid" = String, Path, description = "Workspace id"), ("uid" = String, Path, description = "User id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    request_body = RoleChange,
    responses((status = 200, body = User), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError)))]
async fn set_role(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path((wid, uid)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ApiFailure> {
    let body: RoleChange = parse_body(&body)?;
    let role = Role::parse(&body.role).ok_or_else(|| {
        ApiFailure::bad_request(format!(
            "role must be admin or regular, not {:?}",
            body.role
        ))
    })?;
    answer_op(&state, &caller, idem, StatusCode::OK, move |op| {
        members::update(op, &wid, &uid, Some(role), None).map(|u| user_json(&u))
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/workspaces/{wid}", tag = "workspaces",
    params(("wid" = String, Path, description = "Workspace id")),
    responses((status = 200, body = Workspace), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn workspace(
    State(state): State<AppState>,
    caller: Caller,
    Path(wid): Path<String>,
) -> Result<Json<Workspace>, ApiFailure> {
    caller.own_workspace(&wid)?;
    super::workspace_json(&state, &caller, &wid)
        .await?
        .map(Json)
        .ok_or_else(|| ApiFailure::not_found(format!("workspace {wid} not found")))
}

#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/users/{uid}", tag = "users",
    params(("wid" = String, Path, description = "Workspace id"), ("uid" = String, Path, description = "User id")),
    responses((status = 200, body = User), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn member(
    State(state): State<AppState>,
    caller: Caller,
    Path((wid, uid)): Path<(String, String)>,
) -> Result<Json<User>, ApiFailure> {
    caller.own_workspace(&wid)?;
    if caller.0.id == uid {
        return Ok(Json(user_json(&caller.0)));
    }
    let not_found = || ApiFailure::not_found(format!("user {uid} not found"));
    if !caller.is_admin() {
        return Err(not_found());
    }
    let members = state.db(move |db| db.users_in(&wid)).await?;
    members
        .iter()
        .find(|u| u.id == uid)
        .map(|u| Json(user_json(u)))
        .ok_or_else(not_found)
}
