//! Screenshots: upload a capture set (multipart), list them by user and time, fetch a
//! picture, delete a set under the deletion rules (DESIGN.md). A regular user reaches only
//! their own; an admin everyone's in the workspace. Pictures have no public URLs.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use sha2::{Digest, Sha256};
use stint_api::{
    ApiError, CaptureSet, CaptureSetDeleted, NewCaptureSet, Screenshot, METADATA_PART,
};
use stint_core::screenshot_rules::{Deleter, DeletionRefused};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::entries::{query_time, to_json, valid_client_id, visible_entry};
use super::{parse_body, Caller};
use crate::storage::{CaptureSetRow, Role, ScreenshotRow, UserRow};
use crate::{ApiFailure, AppState};

/// Largest accepted picture, and most pictures in one set.
pub const MAX_PICTURE_BYTES: usize = 8 * 1024 * 1024;
const MAX_PICTURES: usize = 16;
use super::pictures::MAX_SIDE;
/// A capture may be a little outside its entry's bounds (clocks differ by a little).
const CAPTURE_SLACK_SECONDS: i64 = 60;
/// Longest span one list request may cover.
const MAX_LIST_DAYS: i64 = 31;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload, list))
        .routes(routes!(remove))
        .routes(routes!(image))
}

fn set_json(set: &CaptureSetRow) -> CaptureSet {
    CaptureSet {
        id: set.id.clone(),
        workspace_id: set.workspace_id.clone(),
        user_id: set.user_id.clone(),
        time_entry_id: set.entry_id.clone(),
        captured_at: set.captured,
        screenshots: set
            .screenshots
            .iter()
            .map(|s| Screenshot {
                id: s.id.clone(),
                monitor: s.monitor.clone(),
                width: s.width,
                height: s.height,
                size_bytes: s.size_bytes,
                sha256: s.sha256.clone(),
                image_path: format!(
                    "/api/v1/workspaces/{}/screenshot-images/{}",
                    set.workspace_id, s.id
                ),
                private: s.private,
            })
            .collect(),
    }
}

/// A multipart body that could not be read is the client's fault (413 when too large),
/// never ours.
fn multipart_failure(what: &str, e: axum::extract::multipart::MultipartError) -> ApiFailure {
    let status = match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    };
    ApiFailure::new(status, format!("{what}: {e}"))
}

/// Reads the multipart body: the metadata part and the pictures by name.
async fn read_upload(
    mut multipart: Multipart,
) -> Result<(NewCaptureSet, HashMap<String, Bytes>), ApiFailure> {
    let bad = |m: String| ApiFailure::bad_request(m);
    let mut metadata = None;
    let mut pictures = HashMap::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_failure("invalid multipart body", e))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| multipart_failure(&format!("reading part {name:?}"), e))?;
        if name == METADATA_PART {
            metadata = Some(parse_body::<NewCaptureSet>(&bytes)?);
        } else if pictures.insert(name.clone(), bytes).is_some() {
            return Err(bad(format!("part {name:?} appears twice")));
        }
    }
    let metadata = metadata.ok_or_else(|| bad(format!("the {METADATA_PART:?} part is missing")))?;
    Ok((metadata, pictures))
}

/// Checks every picture against its description and returns the rows to store.
fn check_pictures(
    set: &NewCaptureSet,
    mut pictures: HashMap<String, Bytes>,
) -> Result<Vec<(ScreenshotRow, Bytes)>, ApiFailure> {
    let bad = |m: String| ApiFailure::bad_request(m);
    if set.screenshots.is_empty() || set.screenshots.len() > MAX_PICTURES {
        return Err(bad(format!(
            "a capture set holds 1 to {MAX_PICTURES} screenshots"
        )));
    }
    let mut rows = Vec::new();
    for s in &set.screenshots {
        if s.monitor.name.chars().count() > 128 {
            return Err(bad(format!(
                "screenshot {}'s monitor name is too long",
                s.id
            )));
        }
        if !valid_client_id(&s.id) {
            return Err(bad(format!("{:?} is not a valid screenshot id", s.id)));
        }
        let bytes = pictures
            .remove(&s.id)
            .ok_or_else(|| bad(format!("no part holds screenshot {}", s.id)))?;
        if bytes.len() > MAX_PICTURE_BYTES {
            return Err(ApiFailure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "screenshot {} is larger than {MAX_PICTURE_BYTES} bytes",
                    s.id
                ),
            ));
        }
        let valid_side = |v: u32| (1..=MAX_SIDE).contains(&v);
        if !(valid_side(s.width) && valid_side(s.height)) {
            return Err(bad(format!("screenshot {} has an impossible size", s.id)));
        }
        let digest = hex(&Sha256::digest(&bytes));
        if digest != s.sha256.to_ascii_lowercase() {
            return Err(bad(format!(
                "screenshot {} does not match its sha256 (damaged in transit?)",
                s.id
            )));
        }
        super::pictures::check_jpeg(&s.id, &bytes, s.width, s.height)?;
        rows.push((
            ScreenshotRow {
                id: s.id.clone(),
                monitor: s.monitor.clone(),
                width: s.width,
                height: s.height,
                size_bytes: bytes.len() as u64,
                sha256: digest,
                // Made here, never taken from the client: one client's id can never name
                // (and so overwrite) another's picture.
                blob_key: crate::auth::new_id(),
                private: s.private,
            },
            bytes,
        ));
    }
    if let Some(extra) = pictures.keys().next() {
        return Err(bad(format!(
            "part {extra:?} is not described in the metadata"
        )));
    }
    Ok(rows)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Uploads the screenshots of one moment, tied to one of the caller's own time entries.
#[utoipa::path(post, path = "/api/v1/workspaces/{wid}/screenshots", tag = "screenshots",
    params(("wid" = String, Path, description = "Workspace id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    request_body(content = NewCaptureSet, content_type = "multipart/form-data",
        description = "A `metadata` part with this JSON, and one JPEG part per screenshot, named by its id"),
    responses((status = 201, body = CaptureSet), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 413, body = ApiError),
        (status = 422, body = ApiError)))]
async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(wid): Path<String>,
    headers: axum::http::HeaderMap,
    multipart: Multipart,
) -> Result<(StatusCode, Json<CaptureSet>), ApiFailure> {
    caller.own_workspace(&wid)?;
    // A body declared too large is refused before a byte of it is read.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > crate::MAX_UPLOAD_BYTES as u64) {
        return Err(ApiFailure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("an upload may be at most {} bytes", crate::MAX_UPLOAD_BYTES),
        ));
    }
    let (set, pictures) = read_upload(multipart).await?;
    if !valid_client_id(&set.id) {
        return Err(ApiFailure::bad_request(format!(
            "{:?} is not a valid capture set id",
            set.id
        )));
    }
    let entry = visible_entry(&state, &caller, &wid, &set.time_entry_id).await?;
    if entry.user_id != caller.0.id {
        return Err(ApiFailure::new(
            StatusCode::FORBIDDEN,
            "screenshots can only be uploaded to your own time entries",
        ));
    }
    let captured = super::entries::sane("capture time", set.captured_at)?.trunc_subsecs(3);
    let slack = Duration::seconds(CAPTURE_SLACK_SECONDS);
    let until = entry.end.unwrap_or_else(Utc::now) + slack;
    if captured < entry.start - slack || captured > until {
        return Err(ApiFailure::bad_request(format!(
            "the capture time {captured} lies outside its time entry"
        )));
    }
    // Decoding costs CPU: off the async threads, so other requests go on meanwhile.
    let described = set.clone();
    let checked = tokio::task::spawn_blocking(move || check_pictures(&described, pictures))
        .await
        .map_err(|e| ApiFailure::internal(format!("picture check failed: {e}")))??;
    let mut bytes_by_id: HashMap<String, Bytes> = HashMap::new();
    let mut screenshots = Vec::new();
    for (row, bytes) in checked {
        bytes_by_id.insert(row.id.clone(), bytes);
        screenshots.push(row);
    }
    let row = CaptureSetRow {
        id: set.id.clone(),
        workspace_id: wid,
        user_id: caller.0.id.clone(),
        entry_id: entry.id,
        captured,
        screenshots,
    };
    // The database accepts the set as new and the caller's before any byte is stored; a
    // refusal (another's id, other content) therefore leaves the blob store untouched.
    // Reserving, storing and finishing run in a task of their own: a client that hangs up
    // cancels none of it, so a reserved set is always finished or abandoned.
    let st = state.clone();
    let saved = tokio::spawn(async move {
        let (saved, needs_pictures) = st.db(move |db| db.reserve_capture_set(&row)).await?;
        if needs_pictures {
            store_pictures(&st, &saved, bytes_by_id).await?;
        }
        Ok::<_, ApiFailure>(saved)
    })
    .await
    .map_err(|e| ApiFailure::internal(format!("storing pictures failed: {e}")))??;
    tracing::info!(set = %saved.id, user = %saved.user_id, pictures = saved.screenshots.len(), "capture set stored");
    Ok((StatusCode::CREATED, Json(set_json(&saved))))
}

/// Writes a reserved set's pictures under its server-made keys, then lists the set. If a
/// picture cannot be written, the set and what was written go again.
async fn store_pictures(
    state: &AppState,
    set: &CaptureSetRow,
    mut bytes_by_id: HashMap<String, Bytes>,
) -> Result<(), ApiFailure> {
    let to_write: Vec<(String, Bytes)> = set
        .screenshots
        .iter()
        .filter_map(|s| Some((s.blob_key.clone(), bytes_by_id.remove(&s.id)?)))
        .collect();
    let written = state
        .blob(move |blobs| {
            to_write
                .iter()
                .try_for_each(|(key, bytes)| blobs.put(key, bytes))
        })
        .await
        .and_then(|r| {
            r.map_err(|e| {
                // The store's own words (addresses, paths) go to the log, not to the client.
                tracing::error!("storing a screenshot failed: {e}");
                ApiFailure::internal(
                    "storing a screenshot failed; the picture was not kept, try again later",
                )
            })
        });
    let (w, i) = (set.workspace_id.clone(), set.id.clone());
    if let Err(failure) = written {
        let keys = state
            .db(move |db| db.abandon_capture_set(&w, &i))
            .await
            .unwrap_or_default();
        crate::remove_blobs(state, keys).await;
        return Err(failure);
    }
    state.db(move |db| db.finish_capture_set(&w, &i)).await
}

/// Capture sets taken in `[start, end)`, oldest first: the caller's own, or (admins) one
/// member's with `userId`, or everyone's without it.
#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/screenshots", tag = "screenshots",
    params(("wid" = String, Path, description = "Workspace id"),
        ("start" = String, Query, description = "ISO-8601 UTC, inclusive"),
        ("end" = String, Query, description = "ISO-8601 UTC, exclusive; at most 31 days after start"),
        ("userId" = Option<String>, Query, description = "Whose; a regular user may only name themselves")),
    responses((status = 200, body = Vec<CaptureSet>), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 404, body = ApiError)))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(wid): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Vec<CaptureSet>>, ApiFailure> {
    caller.own_workspace(&wid)?;
    let required = |name: &str| -> Result<DateTime<Utc>, ApiFailure> {
        query_time(&q, name)?
            .ok_or_else(|| ApiFailure::bad_request(format!("the {name} parameter is required")))
    };
    let (start, end) = (required("start")?, required("end")?);
    if end == start {
        // Both bounds inside one millisecond: an empty range.
        return Ok(Json(Vec::new()));
    }
    if end < start || end - start > Duration::days(MAX_LIST_DAYS) {
        return Err(ApiFailure::bad_request(format!(
            "end must be after start and at most {MAX_LIST_DAYS} days later"
        )));
    }
    let user = match q.get("userId") {
        Some(uid) if *uid == caller.0.id => Some(uid.clone()),
        Some(uid) if caller.is_admin() => Some(uid.clone()),
        Some(uid) => return Err(ApiFailure::not_found(format!("user {uid} not found"))),
        None if caller.is_admin() => None,
        None => Some(caller.0.id.clone()),
    };
    let sets = state
        .db(move |db| db.capture_sets(&wid, user.as_deref(), start, end))
        .await?;
    Ok(Json(sets.iter().map(set_json).collect()))
}

/// One picture's JPEG bytes, for whoever may see its capture set.
#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/screenshot-images/{id}", tag = "screenshots",
    params(("wid" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Screenshot id")),
    responses((status = 200, content_type = "image/jpeg", body = Vec<u8>), (status = 401, body = ApiError),
        (status = 404, body = ApiError)))]
async fn image(
    State(state): State<AppState>,
    caller: Caller,
    Path((wid, id)): Path<(String, String)>,
) -> Result<Response, ApiFailure> {
    caller.own_workspace(&wid)?;
    let bytes = picture_for(&state, &caller.0, &id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        bytes,
    )
        .into_response())
}

/// Deletes a capture set. A regular user's delete takes the time since the entry's
/// previous capture (or its start) out of the entry; an admin's subtracts nothing.
#[utoipa::path(delete, path = "/api/v1/workspaces/{wid}/screenshots/{id}", tag = "screenshots",
    params(("wid" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Capture set id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    responses((status = 200, body = CaptureSetDeleted), (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 404, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path((wid, id)): Path<(String, String)>,
) -> Result<Json<CaptureSetDeleted>, ApiFailure> {
    caller.own_workspace(&wid)?;
    let outcome = delete_set_as(&state, &caller.0, &id).await?;
    Ok(Json(CaptureSetDeleted {
        removed_seconds: outcome.removed_seconds,
        entry_deleted: outcome.entry_deleted,
        entry: outcome.entry.as_ref().map(to_json),
        split_off: outcome.split_off.as_ref().map(to_json),
    }))
}

/// A picture's bytes for `user`: their own, or anyone's in their workspace for an admin;
/// others' answer 404 as if they did not exist. Used by the API and the web pages.
pub(crate) async fn picture_for(
    state: &AppState,
    user: &UserRow,
    id: &str,
) -> Result<Vec<u8>, ApiFailure> {
    let not_found = || ApiFailure::not_found(format!("screenshot {id} not found"));
    let (wid, sid) = (user.workspace_id.clone(), id.to_owned());
    let found = state.db(move |db| db.screenshot_blob(&wid, &sid)).await?;
    let key = match found {
        Some((owner, key)) if owner == user.id || user.role == Role::Admin => key,
        _ => return Err(not_found()),
    };
    state
        .blob(move |blobs| blobs.get(&key))
        .await?
        .map_err(|e| {
            tracing::error!("reading a screenshot failed: {e}");
            ApiFailure::internal("reading a screenshot failed; try again later")
        })?
        .ok_or_else(not_found)
}

/// Deletes a capture set as `user` under the deletion rules (an admin's subtracts
/// nothing); refusals carry the rules' messages. Used by the API and the web pages.
pub(crate) async fn delete_set_as(
    state: &AppState,
    user: &UserRow,
    id: &str,
) -> Result<crate::storage::SetDeletion, ApiFailure> {
    let not_found = || ApiFailure::not_found(format!("capture set {id} not found"));
    let (w, i) = (user.workspace_id.clone(), id.to_owned());
    let set = state
        .db(move |db| db.capture_set(&w, &i))
        .await?
        .ok_or_else(not_found)?;
    let admin = user.role == Role::Admin;
    if set.user_id != user.id && !admin {
        return Err(not_found());
    }
    let by = if admin {
        Deleter::Admin
    } else {
        Deleter::Owner
    };
    let (w, i) = (user.workspace_id.clone(), id.to_owned());
    let auditor = crate::audit::Author::User(user).auditor((state.clock)());
    let outcome = state
        .db(move |db| db.delete_capture_set(&w, &i, by, Some(&auditor)))
        .await?
        .map_err(|refused| {
            let status = match refused {
                DeletionRefused::TimerRunning => StatusCode::CONFLICT,
                DeletionRefused::Locked => StatusCode::FORBIDDEN,
            };
            ApiFailure::new(status, refused.to_string())
        })?;
    crate::remove_blobs(state, outcome.blob_keys.clone()).await;
    tracing::info!(set = %set.id, by = ?by, removed_seconds = outcome.removed_seconds, "capture set deleted");
    Ok(outcome)
}
