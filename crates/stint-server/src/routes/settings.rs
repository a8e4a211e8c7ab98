//! Stint's own routes: workspace settings (admins write, members read) and each user's
//! notices.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use stint_api::{ApiError, Notice, WorkspaceSettings};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{parse_body, Caller};
use crate::{ApiFailure, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(read_settings, write_settings))
        .routes(routes!(notices))
        .routes(routes!(mark_read))
}

#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/settings", tag = "workspaces",
    params(("wid" = String, Path, description = "Workspace id")),
    responses((status = 200, body = WorkspaceSettings), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn read_settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(wid): Path<String>,
) -> Result<Json<WorkspaceSettings>, ApiFailure> {
    caller.own_workspace(&wid)?;
    Ok(Json(state.db(move |db| db.settings(&wid)).await?))
}

#[utoipa::path(put, path = "/api/v1/workspaces/{wid}/settings", tag = "workspaces",
    params(("wid" = String, Path, description = "Workspace id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    request_body = WorkspaceSettings,
    responses((status = 200, body = WorkspaceSettings), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 413, body = ApiError),
        (status = 422, body = ApiError)))]
async fn write_settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(wid): Path<String>,
    body: Bytes,
) -> Result<Json<WorkspaceSettings>, ApiFailure> {
    // Fields left out keep their values (ops::settings); still a JSON object.
    let changes: serde_json::Value = parse_body(&body)?;
    let saved = state
        .op(
            &caller.0,
            move |op| crate::ops::settings::save(op, &wid, changes),
            |_| Ok(None),
        )
        .await?;
    Ok(Json(saved))
}

#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/notices", tag = "notices",
    params(("wid" = String, Path, description = "Workspace id"),
        ("unread" = Option<bool>, Query, description = "Only notices not yet marked read")),
    responses((status = 200, body = Vec<Notice>), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 404, body = ApiError)))]
async fn notices(
    State(state): State<AppState>,
    caller: Caller,
    Path(wid): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Vec<Notice>>, ApiFailure> {
    caller.own_workspace(&wid)?;
    let unread = match q.get("unread").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiFailure::bad_request("unread must be true or false")),
    };
    let user = caller.0.id.clone();
    Ok(Json(state.db(move |db| db.notices(&user, unread)).await?))
}

#[utoipa::path(post, path = "/api/v1/workspaces/{wid}/notices/{id}/read", tag = "notices",
    params(("wid" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Notice id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    responses((status = 204), (status = 401, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
async fn mark_read(
    State(state): State<AppState>,
    caller: Caller,
    Path((wid, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiFailure> {
    caller.own_workspace(&wid)?;
    let user = caller.0.id.clone();
    if state.db(move |db| db.mark_notice_read(&user, &id)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiFailure::not_found("no such notice"))
    }
}
