//! The batch operation's shapes (issue 14): a change as the route checked it, and what the
//! storage made of it inside the batch's one transaction.

use super::{EntryRow, StoredResponse};

/// One change of a batch, its input already checked.
#[derive(Debug, Clone)]
pub struct BatchItem {
    /// The change's idempotency key (scoped to the caller).
    pub key: String,
    /// The entry's id.
    pub id: String,
    /// The version the change was decided on.
    pub if_match: Option<i64>,
    pub op: BatchOp,
    /// Why an upsert may not create the entry (time is not added to an archived project
    /// or a done task), though it may change one that exists.
    pub refused_if_new: Option<(u16, String)>,
    /// What the change asked, as kept with its answer: the same key sent again with
    /// another change is refused instead of answered with the first change's answer.
    pub fingerprint: Vec<u8>,
}

/// How a batch change's fingerprint starts: a kept answer made by a batch says so.
pub const BATCH_FINGERPRINT: &[u8] = b"batch:";

#[derive(Debug, Clone)]
pub enum BatchOp {
    /// Create the entry, or set the existing one's description, start and end.
    Upsert(EntryRow),
    Delete,
    /// The input was refused before the transaction (status, why).
    Invalid(u16, String),
}

/// What became of one change.
#[derive(Debug, Clone)]
pub enum BatchOutcome {
    /// The key was answered before: that answer.
    Replayed(StoredResponse),
    Created(EntryRow),
    Replaced {
        before: EntryRow,
        after: EntryRow,
    },
    /// The entry already was as asked.
    Unchanged(EntryRow),
    /// Deleted, with the blob keys of its pictures to remove.
    Deleted {
        before: EntryRow,
        blobs: Vec<String>,
    },
    /// The entry moved since `if_match` (412): here it is now.
    Moved(EntryRow),
    Refused {
        status: u16,
        message: String,
    },
}

/// The answer an outcome keeps under its key, made by the route (it knows the wire shape):
/// `None` for one that must not be kept (a 412, a conflict that may pass).
pub type BatchAnswer = dyn Fn(&BatchOutcome) -> Option<(u16, Vec<u8>)> + Sync;
