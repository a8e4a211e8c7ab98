//! Clockify's `GET /workspaces/{wid}/time-entries/status/in-progress` (issue 15): the
//! timers running in a workspace. Clockify answers it to admins only; Stint answers a
//! member with their own running timer, which is what a member's client wants from it.

use axum::extract::{Path, State};
use axum::Json;
use stint_api::{ApiError, TimeEntry};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::entries::to_json;
use super::Caller;
use crate::storage::EntryFilter;
use crate::{ApiFailure, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(in_progress))
}

#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/time-entries/status/in-progress", tag = "time entries",
    description = "The running timers of the workspace's members, newest first (an admin's answer); \
        a member gets their own running timer, if any.",
    params(("wid" = String, Path, description = "Workspace id")),
    responses((status = 200, body = Vec<TimeEntry>), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn in_progress(
    State(state): State<AppState>,
    caller: Caller,
    Path(wid): Path<String>,
) -> Result<Json<Vec<TimeEntry>>, ApiFailure> {
    caller.own_workspace(&wid)?;
    let users: Vec<String> = if caller.is_admin() {
        let w = wid.clone();
        state
            .db(move |db| db.users_in(&w))
            .await?
            .into_iter()
            .map(|u| u.id)
            .collect()
    } else {
        vec![caller.0.id.clone()]
    };
    let running = state
        .db(move |db| {
            let filter = EntryFilter {
                in_progress: Some(true),
                ..EntryFilter::default()
            };
            let mut all = Vec::new();
            for user in users {
                all.extend(db.list_entries(&wid, &user, &filter, 1, 1)?.0);
            }
            Ok(all)
        })
        .await?;
    let mut running: Vec<TimeEntry> = running.iter().map(to_json).collect();
    running.sort_by_key(|e| std::cmp::Reverse(e.time_interval.start));
    Ok(Json(running))
}
