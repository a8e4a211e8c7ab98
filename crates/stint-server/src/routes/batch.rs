//! The batch route (issue 14, Stint's addition): the agent's outbox drains in a few
//! requests instead of one per change. Input is checked here, each change is decided and
//! written by the storage's batch operation in one transaction, and the audit log and the
//! removal of deleted pictures follow, as for single requests.

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use stint_api::{
    ApiError, ChangeOp, ChangeResult, EntryBatch, EntryBatchResults, EntryChange, TimeEntry,
    MAX_BATCH_CHANGES,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::entries::{entry_from, to_json, valid_client_id};
use super::{parse_json, Caller};
use crate::audit::Author;
use crate::storage::{BatchItem, BatchOp, BatchOutcome};
use crate::{ApiFailure, AppState};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(batch))
}

/// The checked form of one change; bad input becomes a refusal with its reason (kept under
/// the change's key, like a single request's 400).
fn item_of(change: EntryChange, wid: &str, user_id: &str) -> BatchItem {
    let invalid = |why: String| BatchOp::Invalid(400, why);
    let fingerprint = {
        use sha2::Digest;
        let canonical = serde_json::to_vec(&change).unwrap_or_default();
        let mut out = crate::storage::BATCH_FINGERPRINT.to_vec();
        out.extend_from_slice(&sha2::Sha256::digest(&canonical));
        out
    };
    let op = if crate::hardening::json_has_nul(&serde_json::to_vec(&change).unwrap_or_default()) {
        invalid("a NUL character (\\u0000) cannot be part of an entry's text".into())
    } else if !valid_client_id(&change.id) {
        invalid("an entry id must be 1 to 64 letters, digits, - or _, and not \"batch\"".into())
    } else if change.if_match.is_some_and(|v| v < 1) {
        invalid("ifMatch must be an entry's version, 1 or more".into())
    } else {
        match (change.op, change.entry) {
            (ChangeOp::Delete, _) => BatchOp::Delete,
            (ChangeOp::Upsert, None) => invalid("an upsert needs the entry".into()),
            (ChangeOp::Upsert, Some(mut body)) => match body.id.take() {
                Some(other) if other != change.id => {
                    invalid("the entry's id differs from the change's".into())
                }
                _ => match entry_from(body, change.id.clone(), wid, user_id) {
                    Ok(row) => BatchOp::Upsert(row),
                    Err(failure) => BatchOp::Invalid(failure.status.as_u16(), failure.message),
                },
            },
        }
    };
    BatchItem {
        key: change.key,
        id: change.id,
        if_match: change.if_match,
        op,
        refused_if_new: None,
        fingerprint,
    }
}

fn json(entry: &TimeEntry) -> Vec<u8> {
    serde_json::to_vec(entry).unwrap_or_default()
}

/// The answer kept under a change's key: the shape a single request would have had, so
/// that a change sent again alone or in a batch gets the same answer.
fn kept_answer(outcome: &BatchOutcome) -> Option<(u16, Vec<u8>)> {
    match outcome {
        BatchOutcome::Created(e) => Some((201, json(&to_json(e)))),
        BatchOutcome::Replaced { after: e, .. } | BatchOutcome::Unchanged(e) => {
            Some((200, json(&to_json(e))))
        }
        BatchOutcome::Deleted { .. } => Some((204, Vec::new())),
        // Not final: the client merges and sends again; a conflict with a running timer
        // may pass once that one stops.
        BatchOutcome::Moved(_) | BatchOutcome::Replayed(_) => None,
        BatchOutcome::Refused { status: 409, .. } => None,
        BatchOutcome::Refused { status, message } => {
            let error = ApiError {
                message: message.clone(),
                code: *status,
            };
            Some((*status, serde_json::to_vec(&error).unwrap_or_default()))
        }
    }
}

fn result_of(key: String, outcome: &BatchOutcome) -> ChangeResult {
    let with_entry = |status: u16, e| ChangeResult {
        key: key.clone(),
        status,
        entry: Some(to_json(e)),
        message: None,
    };
    match outcome {
        BatchOutcome::Created(e) => with_entry(201, e),
        BatchOutcome::Replaced { after: e, .. } | BatchOutcome::Unchanged(e) => with_entry(200, e),
        BatchOutcome::Moved(e) => ChangeResult {
            message: Some(format!(
                "this entry changed since the version the change was decided on; it is now version {}",
                e.version
            )),
            ..with_entry(412, e)
        },
        BatchOutcome::Deleted { .. } => ChangeResult {
            key,
            status: 204,
            entry: None,
            message: None,
        },
        BatchOutcome::Refused { status, message } => ChangeResult {
            key,
            status: *status,
            entry: None,
            message: Some(message.clone()),
        },
        BatchOutcome::Replayed(stored) => ChangeResult {
            key,
            status: stored.status,
            entry: serde_json::from_slice::<TimeEntry>(&stored.body).ok(),
            message: serde_json::from_slice::<ApiError>(&stored.body)
                .ok()
                .map(|e| e.message),
        },
    }
}

#[utoipa::path(post, path = "/api/v1/workspaces/{wid}/time-entries/batch", tag = "time entries",
    description = "Stint's addition: up to 500 changes to the caller's own entries in one \
        request and one transaction, applied in order. Each change carries its own idempotency \
        key (a change sent again, alone or in a batch, gets its first answer) and its own \
        answer: the status a single request would have got (201, 200, 204, 400, 403, 404, 409, \
        412) with the entry as it now is, or why not. An upsert creates the entry with its id \
        or sets the existing one's description, start and end; `ifMatch` guards it as If-Match \
        does a PUT.",
    params(("wid" = String, Path, description = "Workspace id")),
    request_body = EntryBatch,
    responses((status = 200, body = EntryBatchResults), (status = 400, body = ApiError), (status = 401, body = ApiError),
        (status = 404, body = ApiError), (status = 413, body = ApiError)))]
async fn batch(
    State(state): State<AppState>,
    caller: Caller,
    Path(wid): Path<String>,
    body: Bytes,
) -> Result<Json<EntryBatchResults>, ApiFailure> {
    caller.own_workspace(&wid)?;
    let batch: EntryBatch = parse_json(&body)?;
    if batch.changes.is_empty() || batch.changes.len() > MAX_BATCH_CHANGES {
        return Err(ApiFailure::bad_request(format!(
            "a batch carries 1 to {MAX_BATCH_CHANGES} changes (got {})",
            batch.changes.len()
        )));
    }
    let mut keys = HashSet::new();
    for change in &batch.changes {
        if change.key.is_empty() || change.key.len() > 255 || change.key.contains('\0') {
            return Err(ApiFailure::bad_request(
                "each change's key must be 1 to 255 characters, none of them NUL",
            ));
        }
        if !keys.insert(change.key.as_str()) {
            return Err(ApiFailure::bad_request(format!(
                "the key {:?} is used by two changes of the batch",
                change.key
            )));
        }
    }
    let user = caller.0.clone();
    let items: Vec<BatchItem> = batch
        .changes
        .into_iter()
        .map(|c| item_of(c, &wid, &user.id))
        .collect();
    let rows: Vec<&crate::storage::EntryRow> = items
        .iter()
        .filter_map(|item| match &item.op {
            BatchOp::Upsert(row) => Some(row),
            _ => None,
        })
        .collect();
    let known = super::references::of_entries(&state, &wid, &rows).await?;
    // A new timer stops the running one: in a workspace that requires a project (or task),
    // only if that one has it. The running one is followed through the batch, so a timer
    // the batch itself started is held to the rule too.
    let mut running = super::references::running_of(&state, &wid, &caller.0.id).await?;
    let items: Vec<BatchItem> = items
        .into_iter()
        .map(|mut item| {
            if let BatchOp::Upsert(row) = &item.op {
                let stops = row.end.is_none().then_some(running.as_ref()).flatten();
                let refused = super::references::refusal(row, &known).or_else(|| {
                    stops
                        .filter(|r| r.id != row.id)
                        .and_then(|r| super::references::refusal_to_stop(r, &known))
                });
                item.refused_if_new = super::references::refusal_for_new(row, &known)
                    .map(|f| (f.status.as_u16(), f.message));
                match refused {
                    Some(refused) => {
                        item.op = BatchOp::Invalid(refused.status.as_u16(), refused.message);
                    }
                    None if row.end.is_none() => running = Some(row.clone()),
                    None if running.as_ref().is_some_and(|r| r.id == row.id) => running = None,
                    None => {}
                }
            }
            item
        })
        .collect();
    let keys: Vec<String> = items.iter().map(|i| i.key.clone()).collect();
    let auditor = Author::User(&caller.0).auditor((state.clock)());
    let outcomes = state
        .db(move |db| db.apply_batch(&user, &items, &kept_answer, Some(&auditor)))
        .await?;
    let blobs: Vec<String> = outcomes
        .iter()
        .filter_map(|outcome| match outcome {
            BatchOutcome::Deleted { blobs, .. } => Some(blobs.iter().cloned()),
            _ => None,
        })
        .flatten()
        .collect();
    crate::remove_blobs(&state, blobs).await;
    Ok(Json(EntryBatchResults {
        results: keys
            .into_iter()
            .zip(&outcomes)
            .map(|(key, outcome)| result_of(key, outcome))
            .collect(),
    }))
}
