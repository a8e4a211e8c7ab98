//! Time entries: create, read, replace, delete, list a user's, stop the running timer.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::Json;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use stint_api::{
    format_iso_duration, ApiError, EntrySource, LockEntry, NewTimeEntry, StopTimer, TimeEntry,
    TimeInterval, LAST_PAGE_HEADER,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::response::{IntoResponse, Response};

use super::versions::{self, IfMatch};
use super::{kept, parse_body, Caller, Idem};
use crate::audit::Author;
use crate::idempotency::KeptInTransaction;
use crate::storage::{EntryFilter, EntryRow, Side};
use crate::{auth, ApiFailure, AppState};

const MAX_DESCRIPTION_CHARS: usize = 3000;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(read, replace, remove))
        .routes(routes!(list, stop, create_for_member))
        .routes(routes!(lock))
}

pub(super) fn to_json(e: &EntryRow) -> TimeEntry {
    TimeEntry {
        id: e.id.clone(),
        description: e.description.clone(),
        user_id: e.user_id.clone(),
        workspace_id: e.workspace_id.clone(),
        project_id: e.project_id.clone(),
        task_id: e.task_id.clone(),
        tag_ids: e.tag_ids.clone(),
        billable: e.billable,
        time_interval: TimeInterval {
            start: e.start,
            end: e.end,
            duration: e
                .end
                .map(|end| format_iso_duration((end - e.start).num_seconds())),
        },
        is_locked: e.locked,
        entry_type: "REGULAR".into(),
        custom_field_values: Vec::new(),
        source: e.source,
        version: e.version,
    }
}

fn not_in_far_future(what: &str, t: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), ApiFailure> {
    if t > now + Duration::days(1) {
        return Err(ApiFailure::bad_request(format!(
            "the {what} ({t}) is more than a day in the future"
        )));
    }
    Ok(())
}

/// How far a running timer's start may be ahead of the server's clock: devices' clocks
/// differ by a little.
pub(crate) fn max_clock_skew() -> Duration {
    Duration::minutes(5)
}

/// A time from a request, folded and range-checked ([`stint_api::sane_time`]).
pub(super) fn sane(what: &str, t: DateTime<Utc>) -> Result<DateTime<Utc>, ApiFailure> {
    stint_api::sane_time(t).map_err(|e| ApiFailure::bad_request(format!("the {what}: {e}")))
}

/// A list's query as a map. A parameter not in `known` is a 400 (a filter Stint does not
/// apply must not answer unfiltered), and so is one given twice (which value was meant
/// cannot be told), except those in `repeatable`, which the caller reads from `pairs`.
pub(super) fn query_map(
    pairs: &[(String, String)],
    known: &[&str],
    repeatable: &[&str],
) -> Result<HashMap<String, String>, ApiFailure> {
    let mut map = HashMap::new();
    for (name, value) in pairs {
        if !known.contains(&name.as_str()) {
            return Err(ApiFailure::bad_request(format!(
                "the query parameter {name:?} is not one Stint applies here (it takes {})",
                known.join(", ")
            )));
        }
        if map.insert(name.clone(), value.clone()).is_some() && !repeatable.contains(&name.as_str())
        {
            return Err(ApiFailure::bad_request(format!(
                "the query parameter {name:?} is given more than once"
            )));
        }
    }
    Ok(map)
}

/// A yes/no parameter: `true`/`false`, or `1`/`0` as Clockify's clients also send.
pub(super) fn query_flag(
    q: &HashMap<String, String>,
    name: &str,
) -> Result<Option<bool>, ApiFailure> {
    match q.get(name).map(String::as_str) {
        None => Ok(None),
        Some("true" | "1") => Ok(Some(true)),
        Some("false" | "0") => Ok(Some(false)),
        Some(_) => Err(ApiFailure::bad_request(format!(
            "{name} must be true or false (or 1 or 0)"
        ))),
    }
}

/// A client-chosen id: 1 to 64 letters, digits, `-` or `_`, and not a word the entries'
/// paths use (`batch`, `invoiced`), which would leave the entry out of reach of its own
/// routes.
pub(super) fn valid_client_id(id: &str) -> bool {
    !["batch", "invoiced"].contains(&id)
        && (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Checks a request body and turns it into a row for `user_id`.
/// Times are kept to the millisecond, as stored, so that an answer never shows more
/// precision than a later read of the same entry.
pub(super) fn entry_from(
    mut body: NewTimeEntry,
    id: String,
    workspace_id: &str,
    user_id: &str,
) -> Result<EntryRow, ApiFailure> {
    body.start = sane("start", body.start)?.trunc_subsecs(3);
    body.end = body
        .end
        .map(|e| sane("end", e))
        .transpose()?
        .map(|e| e.trunc_subsecs(3));
    let now = Utc::now();
    if body.end.is_none() && body.start > now + max_clock_skew() {
        // A timer that starts in the future could never be stopped at "now".
        return Err(ApiFailure::bad_request(format!(
            "a timer cannot start in the future: its start ({}) is after the server's time ({})",
            body.start,
            now.trunc_subsecs(0)
        )));
    }
    if let Some(end) = body.end {
        if end < body.start {
            return Err(ApiFailure::bad_request(format!(
                "the end ({end}) is before the start ({})",
                body.start
            )));
        }
        not_in_far_future("end", end, now)?;
    }
    not_in_far_future("start", body.start, now)?;
    if body.description.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(ApiFailure::bad_request(format!(
            "the description is longer than {MAX_DESCRIPTION_CHARS} characters"
        )));
    }
    // Clockify's clients send "" for "no project" (or task, or tag).
    body.project_id = body.project_id.filter(|p| !p.is_empty());
    body.task_id = body.task_id.filter(|t| !t.is_empty());
    // "" is no tag, and a tag is on an entry once, however often a client names it.
    let mut seen = std::collections::HashSet::new();
    body.tag_ids
        .retain(|t| !t.is_empty() && seen.insert(t.clone()));
    let source = body.source.unwrap_or(if body.end.is_none() {
        EntrySource::Timer
    } else {
        EntrySource::Manual
    });
    Ok(EntryRow {
        id,
        workspace_id: workspace_id.to_owned(),
        user_id: user_id.to_owned(),
        description: body.description,
        start: body.start,
        end: body.end,
        billable: body.billable,
        project_id: body.project_id,
        task_id: body.task_id,
        tag_ids: body.tag_ids,
        source,
        locked: false,
        version: 1,
    })
}

#[utoipa::path(post, path = "/api/v1/workspaces/{wid}/time-entries", tag = "time entries",
    params(("wid" = String, Path, description = "Workspace id"), ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    request_body = NewTimeEntry,
    responses((status = 201, body = TimeEntry), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError),
        (status = 413, body = ApiError), (status = 422, body = ApiError)))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path(wid): Path<String>,
    body: Bytes,
) -> Result<Response, ApiFailure> {
    caller.own_workspace(&wid)?;
    let owner = caller.0.id.clone();
    create_as(&state, &caller, idem, &wid, &owner, &body).await
}

/// Clockify's "add a time entry for another user": an admin adds time for a member of the
/// workspace (a member may use it for themselves).
#[utoipa::path(post, path = "/api/v1/workspaces/{wid}/user/{uid}/time-entries", tag = "time entries",
    params(("wid" = String, Path, description = "Workspace id"), ("uid" = String, Path, description = "The member the entry is for"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    request_body = NewTimeEntry,
    responses((status = 201, body = TimeEntry), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError),
        (status = 413, body = ApiError), (status = 422, body = ApiError)))]
async fn create_for_member(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path((wid, uid)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiFailure> {
    may_see_user(&state, &caller, &wid, &uid).await?;
    create_as(&state, &caller, idem, &wid, &uid, &body).await
}

/// Creates an entry for `owner` in `wid`, made by `caller`; the checks are the caller's.
async fn create_as(
    state: &AppState,
    caller: &Caller,
    idem: Idem,
    wid: &str,
    owner: &str,
    body: &[u8],
) -> Result<Response, ApiFailure> {
    let mut body: NewTimeEntry = parse_body(body)?;
    let id = match body.id.take() {
        Some(id) if valid_client_id(&id) => id,
        Some(_) => {
            return Err(ApiFailure::bad_request(
                "an entry id must be 1 to 64 letters, digits, - or _, and not \"batch\" or \"invoiced\"",
            ))
        }
        None => auth::new_id(),
    };
    let mut row = entry_from(body, id, wid, owner)?;
    super::references::check_new(state, &row).await?;
    let (w, i) = (wid.to_owned(), row.id.clone());
    let first = state.db(move |db| db.first_version(&w, &i)).await?;
    // The answer is kept before the write: it says the version the database will give.
    row.version = first;
    let (answer, keep) = idem.answer(StatusCode::CREATED, &to_json(&row))?;
    let auditor = Author::User(&caller.0).auditor((state.clock)());
    let saved = state
        .db(move |db| {
            let side = Side {
                keep: keep.as_ref(),
                auditor: Some(&auditor),
            };
            db.create_entry(&row, side)
        })
        .await?;
    Ok(versions::tagged(
        kept(StatusCode::CREATED, answer),
        saved.version,
    ))
}

/// The entry if the caller may see it: their own, or any in their workspace for an admin.
pub(super) async fn visible_entry(
    state: &AppState,
    caller: &Caller,
    wid: &str,
    id: &str,
) -> Result<EntryRow, ApiFailure> {
    caller.own_workspace(wid)?;
    let (w, i) = (wid.to_owned(), id.to_owned());
    match state.db(move |db| db.entry(&w, &i)).await? {
        Some(e) if e.user_id == caller.0.id || caller.is_admin() => Ok(e),
        _ => Err(ApiFailure::not_found(format!("time entry {id} not found"))),
    }
}

fn writable(caller: &Caller, entry: &EntryRow) -> Result<(), ApiFailure> {
    if entry.locked && !caller.is_admin() {
        return Err(ApiFailure::new(
            StatusCode::FORBIDDEN,
            "this entry is locked; ask an admin",
        ));
    }
    Ok(())
}

#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/time-entries/{id}", tag = "time entries",
    params(("wid" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Entry id")),
    responses((status = 200, body = TimeEntry), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path((wid, id)): Path<(String, String)>,
) -> Result<Response, ApiFailure> {
    let entry = visible_entry(&state, &caller, &wid, &id).await?;
    Ok(versions::tagged(
        Json(to_json(&entry)).into_response(),
        entry.version,
    ))
}

#[utoipa::path(put, path = "/api/v1/workspaces/{wid}/time-entries/{id}", tag = "time entries",
    params(("wid" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Entry id"), ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed"), ("If-Match" = Option<String>, Header, description = "Stint's addition: the entry's version the change was decided on (its ETag, e.g. \"3\"); a 412 with the entry as it is now answers when it moved since. Without it the change is made as in Clockify")),
    request_body = NewTimeEntry,
    responses((status = 200, body = TimeEntry), (status = 412, body = TimeEntry, description = "The entry moved since the If-Match version: here it is as it is now, with message and code"), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError), (status = 403, body = ApiError), (status = 409, body = ApiError),
        (status = 413, body = ApiError), (status = 422, body = ApiError)))]
async fn replace(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    if_match: IfMatch,
    Path((wid, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiFailure> {
    let current = visible_entry(&state, &caller, &wid, &id).await?;
    if let Some(moved) = versions::moved(&if_match, &current) {
        return Ok(moved);
    }
    writable(&caller, &current)?;
    let body: NewTimeEntry = parse_body(&body)?;
    if body.id.as_ref().is_some_and(|given| *given != id) {
        return Err(ApiFailure::bad_request(
            "the body's id differs from the one in the path",
        ));
    }
    let mut row = entry_from(body, id, &wid, &current.user_id)?;
    super::references::check(&state, &row).await?;
    row.locked = current.locked;
    row.source = current.source;
    if row.locked && row.end.is_none() {
        return Err(ApiFailure::new(
            StatusCode::CONFLICT,
            "a locked entry cannot be made to run; unlock it first",
        ));
    }
    row.version = versions::after_write(&current, &row);
    let (answer, keep) = idem.answer(StatusCode::OK, &to_json(&row))?;
    let expected = current.clone();
    let auditor = Author::User(&caller.0).auditor((state.clock)());
    let saved = state
        .db(move |db| {
            let side = Side {
                keep: keep.as_ref(),
                auditor: Some(&auditor),
            };
            db.replace_entry(&row, &expected, side)
        })
        .await?;
    Ok(versions::tagged(
        kept(StatusCode::OK, answer),
        saved.version,
    ))
}

#[utoipa::path(delete, path = "/api/v1/workspaces/{wid}/time-entries/{id}", tag = "time entries",
    params(("wid" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Entry id"), ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed"), ("If-Match" = Option<String>, Header, description = "Stint's addition: the entry's version the change was decided on (its ETag, e.g. \"3\"); a 412 with the entry as it is now answers when it moved since. Without it the change is made as in Clockify")),
    responses((status = 204), (status = 412, body = TimeEntry, description = "The entry moved since the If-Match version: here it is as it is now, with message and code"), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError), (status = 403, body = ApiError), (status = 422, body = ApiError)))]
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    if_match: IfMatch,
    Path((wid, id)): Path<(String, String)>,
) -> Result<Response, ApiFailure> {
    let current = visible_entry(&state, &caller, &wid, &id).await?;
    if let Some(moved) = versions::moved(&if_match, &current) {
        return Ok(moved);
    }
    writable(&caller, &current)?;
    let keep = idem.empty(StatusCode::NO_CONTENT);
    // Deleting an entry deletes its screenshots, pictures included.
    let auditor = Author::User(&caller.0).auditor((state.clock)());
    let deleted = state
        .db(move |db| {
            let side = Side {
                keep: keep.as_ref(),
                auditor: Some(&auditor),
            };
            db.delete_entry(&wid, &id, side)
        })
        .await?;
    if let Some(blobs) = deleted {
        crate::remove_blobs(&state, blobs).await;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.extensions_mut().insert(KeptInTransaction);
    Ok(response)
}

/// A regular user reaches only their own list; an admin anyone's in the workspace.
/// Whether the caller may reach `uid`'s entries in `wid`: their own, or (admins) a member
/// of the workspace. Anyone else, another workspace's user or an id nobody has, is 404.
pub(super) async fn may_see_user(
    state: &AppState,
    caller: &Caller,
    wid: &str,
    uid: &str,
) -> Result<(), ApiFailure> {
    caller.own_workspace(wid)?;
    let not_found = || ApiFailure::not_found(format!("user {uid} not found"));
    if caller.0.id == uid {
        return Ok(());
    }
    if !caller.is_admin() {
        return Err(not_found());
    }
    let (w, u) = (wid.to_owned(), uid.to_owned());
    let member = state
        .db(move |db| Ok(db.users_in(&w)?.iter().any(|m| m.id == u)))
        .await?;
    member.then_some(()).ok_or_else(not_found)
}

pub(super) fn query_time(
    q: &HashMap<String, String>,
    name: &str,
) -> Result<Option<DateTime<Utc>>, ApiFailure> {
    q.get(name)
        .map(|v| {
            stint_api::parse_time(v)
                .map(ceil_millis)
                .map_err(|why| ApiFailure::bad_request(format!("{name}: {why}")))
        })
        .transpose()
}

/// Times are stored to the millisecond: a bound between two milliseconds means the next
/// one, for `start` (at or after) as for `end` (before), so ranges stay half-open.
fn ceil_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    let floor = t.trunc_subsecs(3);
    if floor == t {
        t
    } else {
        floor + Duration::milliseconds(1)
    }
}

pub(super) fn query_number(
    q: &HashMap<String, String>,
    name: &str,
    default: u32,
    max: u32,
) -> Result<u32, ApiFailure> {
    match q.get(name) {
        None => Ok(default),
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                ApiFailure::bad_request(format!("{name} must be a whole number from 1 to {max}"))
            }),
    }
}

#[utoipa::path(get, path = "/api/v1/workspaces/{wid}/user/{uid}/time-entries", tag = "time entries",
    params(("wid" = String, Path, description = "Workspace id"), ("uid" = String, Path, description = "User id"),
        ("start" = Option<String>, Query, description = "Entries starting at or after this time (ISO-8601; inclusive)"),
        ("end" = Option<String>, Query, description = "Entries starting before this time (ISO-8601; exclusive: the range is half-open [start, end), as in Clockify, so adjacent days never share an entry)"),
        ("in-progress" = Option<bool>, Query, description = "Only the running entry (true or 1) or only stopped ones (false or 0)"),
        ("description" = Option<String>, Query, description = "Only entries whose description contains this text (any case)"),
        ("project" = Option<String>, Query, description = "Only entries of this project"),
        ("task" = Option<String>, Query, description = "Only entries of this task"),
        ("tags" = Option<Vec<String>>, Query, description = "Only entries with every one of these tags (repeat the parameter or separate ids with commas)"),
        ("hydrated" = Option<bool>, Query, description = "Each entry with its project, task and tag objects (Clockify's hydrated list)"),
        ("get-week-before" = Option<String>, Query, description = "Entries of the seven days before this time (ISO-8601), in place of start and end"),
        ("consider-duration-format" = Option<bool>, Query, description = "Taken as Clockify takes it; Stint writes durations in ISO-8601 either way"),
        ("page" = Option<u32>, Query, minimum = 1, description = "Page, from 1"),
        ("page-size" = Option<u32>, Query, minimum = 1, maximum = 5000, description = "Entries per page, 1 to 5000 (default 50)")),
    responses((status = 200, body = Vec<TimeEntry>, headers(("Last-Page" = bool, description = "Whether this is the last page"))), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError)))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path((wid, uid)): Path<(String, String)>,
    Query(q): Query<Vec<(String, String)>>,
) -> Result<(HeaderMap, Json<Vec<serde_json::Value>>), ApiFailure> {
    may_see_user(&state, &caller, &wid, &uid).await?;
    let query = super::entry_filters::entry_query(&q)?;
    let hydrated = query.hydrated;
    let now = (state.clock)();
    let (rows, last, known) = state
        .db(move |db| {
            let (rows, last) =
                db.list_entries(&wid, &uid, &query.filter, query.page, query.size)?;
            let known = if hydrated {
                super::entry_filters::Hydration::read(db, &wid, Some(now))?
            } else {
                super::entry_filters::Hydration::default()
            };
            Ok((rows, last, known))
        })
        .await?;
    let mut headers = HeaderMap::new();
    headers.insert(
        LAST_PAGE_HEADER,
        HeaderValue::from_static(if last { "true" } else { "false" }),
    );
    let list = rows
        .iter()
        .map(|e| match hydrated {
            true => super::entry_filters::hydrate(to_json(e), &known),
            false => serde_json::to_value(to_json(e)).unwrap_or_default(),
        })
        .collect();
    Ok((headers, Json(list)))
}

#[utoipa::path(patch, path = "/api/v1/workspaces/{wid}/user/{uid}/time-entries", tag = "time entries",
    params(("wid" = String, Path, description = "Workspace id"), ("uid" = String, Path, description = "User id"), ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed"), ("If-Match" = Option<String>, Header, description = "Stint's addition: the entry's version the change was decided on (its ETag, e.g. \"3\"); a 412 with the entry as it is now answers when it moved since. Without it the change is made as in Clockify")),
    request_body = StopTimer,
    responses((status = 200, body = TimeEntry), (status = 412, body = TimeEntry, description = "The entry moved since the If-Match version: here it is as it is now, with message and code"), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError), (status = 403, body = ApiError),
        (status = 413, body = ApiError), (status = 422, body = ApiError)))]
async fn stop(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    if_match: IfMatch,
    Path((wid, uid)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiFailure> {
    may_see_user(&state, &caller, &wid, &uid).await?;
    let StopTimer { end } = parse_body(&body)?;
    let mut end = sane("end", end)?.trunc_subsecs(3);
    let now = Utc::now();
    not_in_far_future("end", end, now)?;
    let (w, u) = (wid.clone(), uid.clone());
    let running = state
        .db(move |db| {
            db.list_entries(
                &w,
                &u,
                &EntryFilter {
                    in_progress: Some(true),
                    ..Default::default()
                },
                1,
                1,
            )
        })
        .await?
        .0
        .into_iter()
        .next()
        .ok_or_else(|| ApiFailure::not_found("no timer is running"))?;
    if let Some(moved) = versions::moved(&if_match, &running) {
        return Ok(moved);
    }
    writable(&caller, &running)?;
    if end < running.start {
        if running.start <= now {
            return Err(ApiFailure::bad_request(format!(
                "the end ({end}) is before the running entry's start ({})",
                running.start
            )));
        }
        // A timer whose start is ahead of the server's clock (another device's clock ran
        // fast) must still be stoppable: it ends at its start, with no time.
        end = running.start;
    }
    let mut stopped = running.clone();
    stopped.end = Some(end);
    // A workspace that requires a project (or task) checks it when the timer stops.
    super::references::check(&state, &stopped).await?;
    stopped.version = versions::after_write(&running, &stopped);
    let (answer, keep) = idem.answer(StatusCode::OK, &to_json(&stopped))?;
    let expected = running.id.clone();
    let auditor = Author::User(&caller.0).auditor((state.clock)());
    state
        .db(move |db| {
            let side = Side {
                keep: keep.as_ref(),
                auditor: Some(&auditor),
            };
            db.stop_running(&wid, &uid, &expected, end, side)
        })
        .await?
        .ok_or_else(|| ApiFailure::not_found("no timer is running"))?;
    Ok(versions::tagged(
        kept(StatusCode::OK, answer),
        stopped.version,
    ))
}

#[utoipa::path(put, path = "/api/v1/workspaces/{wid}/time-entries/{id}/lock", tag = "time entries",
    params(("wid" = String, Path, description = "Workspace id"), ("id" = String, Path, description = "Entry id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat a request safely: the first answer is replayed")),
    request_body = LockEntry,
    responses((status = 200, body = TimeEntry), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 413, body = ApiError),
        (status = 422, body = ApiError)))]
async fn lock(
    State(state): State<AppState>,
    caller: Caller,
    idem: Idem,
    Path((wid, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiFailure> {
    let LockEntry { locked } = parse_body(&body)?;
    super::answer_op(&state, &caller, idem, StatusCode::OK, move |op| {
        crate::ops::entries::set_lock(op, &wid, &id, locked).map(|e| to_json(&e))
    })
    .await
}
