//! Clockify's `GET /workspaces/{wid}` and `GET /workspaces/{wid}/users/{uid}` (issue 15).
//! A member reads their workspace and themselves; an admin any member of it. Anything else
//! is 404, as if it did not exist.

use axum::extract::{Path, State};
use axum::Json;
use stint_api::{ApiError, User, Workspace};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{membership, user_json, Caller};
use crate::{ApiFailure, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(workspace))
        .routes(routes!(member))
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
    let w = wid.clone();
    let row = state
        .db(move |db| db.workspace(&w))
        .await?
        .ok_or_else(|| ApiFailure::not_found(format!("workspace {wid} not found")))?;
    Ok(Json(Workspace {
        id: row.id,
        name: row.name,
        memberships: vec![membership(&caller.0)],
    }))
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
