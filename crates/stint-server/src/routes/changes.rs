//! The change feed's route (issue 14, Stint's addition): what changed for one user after a
//! cursor, paged, and a long-poll form that answers as soon as something changes, so an
//! idle agent asks about once a minute instead of every few seconds.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::Json;
use stint_api::{ApiError, EntryChanges};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::entries::{may_see_user, query_number, to_json};
use super::Caller;
use crate::storage::FeedPage;
use crate::{ApiFailure, AppState};

/// The longest a long-poll waits (seconds); proxies commonly cut idle requests at 60-100 s.
pub const MAX_WAIT_SECS: u32 = 60;
/// Changes per page unless `page-size` says otherwise, and the most it may say.
const DEFAULT_PAGE: u32 = 500;
const MAX_PAGE: u32 = 5000;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(changes))
}

fn answer(page: FeedPage) -> EntryChanges {
    EntryChanges {
        entries: page.entries.iter().map(to_json).collect(),
        deleted: page.deleted,
        settings_changed: page.settings,
        notices_changed: page.notices,
        catalog_changed: page.catalog,
        cursor: page.cursor,
        more: page.more,
        snapshot: page.snapshot,
    }
}

/// Whether a page tells the reader anything beyond a new cursor.
fn says_something(page: &FeedPage) -> bool {
    page.snapshot
        || page.settings
        || page.notices
        || page.catalog
        || !page.entries.is_empty()
        || !page.deleted.is_empty()
}

#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/user/{uid}/time-entries/changes", tag = "time entries",
    description = "Stint's addition: the user's entries created, changed (edits, stops, locks, \
        cuts and splits from screenshot deletions, restores) or deleted after `since`, each as it \
        is now with its version, oldest change first; whether the workspace's settings or the \
        user's notices changed; and the cursor to ask from next. Without `since` (or with one \
        older than the 30 days the log keeps) the answer is a snapshot of all the user's entries.",
    params(("wid" = String, Path, description = "Workspace id"), ("uid" = String, Path, description = "User id"),
        ("since" = Option<i64>, Query, minimum = 0, description = "The cursor of the previous answer; none for a snapshot (as is a cursor older than the log keeps, or newer than any change)"),
        ("wait" = Option<u32>, Query, minimum = 1, maximum = 60, description = "Seconds (1 to 60) to hold the request while nothing changed for the user; it is answered as soon as something does"),
        ("page-size" = Option<u32>, Query, minimum = 1, maximum = 5000, description = "Changes per answer, 1 to 5000 (default 500); `more` says whether to ask again at once")),
    responses((status = 200, body = EntryChanges), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn changes(
    State(state): State<AppState>,
    caller: Caller,
    Path((wid, uid)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<EntryChanges>, ApiFailure> {
    may_see_user(&state, &caller, &wid, &uid).await?;
    let since = match q.get("since") {
        None => None,
        Some(v) => Some(v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            ApiFailure::bad_request(
                "since must be a cursor from an earlier answer (a whole number, 0 or more)",
            )
        })?),
    };
    let wait = match q.get("wait") {
        None => 0,
        Some(_) => query_number(&q, "wait", 0, MAX_WAIT_SECS)?,
    };
    let limit = query_number(&q, "page-size", DEFAULT_PAGE, MAX_PAGE)?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait.into());
    // Subscribed before the first read, so a change between the read and the wait still
    // wakes it.
    let mut grew = state.storage.subscribe(&wid, &uid);
    let mut stopping = state.stopping.subscribe();
    let mut since = since;
    loop {
        let (w, u) = (wid.clone(), uid.clone());
        let page = state.db(move |db| db.feed(&w, &u, since, limit)).await?;
        if says_something(&page) || wait == 0 || *stopping.borrow() {
            return Ok(Json(answer(page)));
        }
        // Other users' changes moved the cursor on: wait from there.
        since = Some(page.cursor);
        tokio::select! {
            changed = grew.changed() => {
                if changed.is_err() {
                    return Ok(Json(answer(page)));
                }
            }
            () = tokio::time::sleep_until(deadline) => return Ok(Json(answer(page))),
            _ = stopping.changed() => return Ok(Json(answer(page))),
        }
    }
}
