//! `POST /workspaces/{wid}/time-entries/batch` (Stint's addition, issue 14): many changes to
//! the caller's own entries in one request and one transaction, each with its own
//! idempotency key and its own answer, so an offline backlog drains in a few requests.

use serde::{Deserialize, Serialize};

use crate::{NewTimeEntry, TimeEntry};

/// The most changes one batch may carry.
pub const MAX_BATCH_CHANGES: usize = 500;

/// The request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EntryBatch {
    /// Applied in order; 1 to 500.
    pub changes: Vec<EntryChange>,
}

/// What one change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ChangeOp {
    /// Create the entry with this id, or set the description, start, end, project, task,
    /// tags and billable of the one that exists (its source and lock stay).
    Upsert,
    /// Delete the entry (and its screenshots).
    Delete,
}

/// One change of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EntryChange {
    /// The change's idempotency key (1 to 255 characters): a change sent again with it,
    /// alone or in a batch, gets its first answer without being applied twice.
    pub key: String,
    pub op: ChangeOp,
    /// The entry's client-generated id.
    pub id: String,
    /// The entry's version the change was decided on, as `If-Match`: a 412 with the entry
    /// as it is now answers when it moved. None: applied as it is (Clockify's way).
    pub if_match: Option<i64>,
    /// The entry's content, for an upsert.
    pub entry: Option<NewTimeEntry>,
}

/// The answer: one result per change, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EntryBatchResults {
    pub results: Vec<ChangeResult>,
}

/// What became of one change: the status a request of its own would have got (201 created,
/// 200 changed or unchanged, 204 deleted, 412 moved, 4xx refused), with the entry as it now
/// is or why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChangeResult {
    pub key: String,
    pub status: u16,
    pub entry: Option<TimeEntry>,
    pub message: Option<String>,
}
