//! Stint's sync client. [`Remote`] signs in to a Stint server with an API key and delivers
//! outbox rows over HTTP (async, on the caller's tokio runtime). Delivery is three steps so
//! that the agent's one task keeps the store while the network waits elsewhere:
//! [`plan`] picks the due rows (store), [`deliver_all`] sends them (network only) and
//! [`record`] writes each outcome back (store). [`drain_batch`] does all three in a row,
//! for tests and benches that own both. Every request carries the row's idempotency key and
//! the entry's own id, so a retry after a lost answer can never create a second entry, and
//! an entry the server had carries the version it was decided on, so it never overwrites a
//! change made elsewhere (the server's copy is merged instead). [`apply_changes`] writes
//! the server's change feed into the store (issue 14).
//!
//! This crate sees only the shared tables through `stint_store::Store`; the private ones
//! (idle, auto tracker) live behind other types it cannot name.

mod remote;

pub use remote::{
    remote_of, Account, BatchDelivery, Credentials, Delivery, Remote, RemoteCatalog, SyncError,
};

use chrono::{DateTime, Utc};
use stint_api::EntryChanges;
use stint_core::backoff::retry_delay;
use stint_core::Entry;
use stint_store::{
    Applied, FeedBatch, LocalCaptureSet, MovedOutcome, OutboxBatch, OutboxRow, RemoteEntry, Store,
    StoreError,
};

/// What one drain step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The outbox is empty.
    Idle,
    /// A row reached the server and was removed.
    Sent,
    /// The server refused a row; it is parked with its reason.
    Parked(String),
    /// Nothing is due before then (a failed row waits for its retry).
    WaitUntil(DateTime<Utc>),
    /// The try failed (offline, 5xx); the row waits for its retry.
    Failed(String),
    /// The server's copy had moved: the change was merged with it (and is sent again if
    /// anything of the device's is left to send).
    Merged(MovedOutcome),
    /// The entry was deleted on the server; the device's change to it was dropped (the
    /// entry as it was here).
    Gone(Option<Entry>),
}

/// A due row with what its delivery needs: the pictures of a screenshot upload, and the
/// entry as the server last had it.
#[derive(Debug)]
pub struct Planned {
    pub row: OutboxRow,
    pub capture: Option<LocalCaptureSet>,
    pub base: Option<RemoteEntry>,
}

/// The rows due now.
#[derive(Debug)]
pub enum Plan {
    Empty,
    WaitUntil(DateTime<Utc>),
    Ready(Vec<Planned>),
}

/// The most screenshot uploads sent at once: each carries pictures, while entry changes
/// go together in one small batch.
const UPLOADS_AT_ONCE: usize = 4;

/// Up to `width` due rows (of different entries: one entry's changes go one after another),
/// read with what they carry; at most [`UPLOADS_AT_ONCE`] of them uploads.
pub fn plan(store: &Store, now: DateTime<Utc>, width: usize) -> Result<Plan, StoreError> {
    let rows = match store.outbox_ready(now, width)? {
        OutboxBatch::Empty => return Ok(Plan::Empty),
        OutboxBatch::WaitUntil(t) => return Ok(Plan::WaitUntil(t)),
        OutboxBatch::Ready(rows) => rows,
    };
    let mut uploads = 0;
    let mut planned = Vec::with_capacity(rows.len());
    for row in rows {
        let (capture, base) = match &row.change {
            stint_store::Change::UploadCapture { set_id } => {
                uploads += 1;
                if uploads > UPLOADS_AT_ONCE {
                    break;
                }
                (store.capture_set(set_id)?, None)
            }
            _ => (None, store.remote_entry(&row.entity_id)?),
        };
        planned.push(Planned { row, capture, base });
    }
    Ok(Plan::Ready(planned))
}

/// Sends the planned rows at once: entry changes as one batch (one by one where the server
/// has no batch endpoint), uploads side by side. The deliveries come back in row order.
pub async fn deliver_all(remote: &Remote, rows: &[Planned]) -> Vec<Delivery> {
    let in_batch = |p: &Planned| {
        matches!(
            p.row.change,
            stint_store::Change::UpsertEntry(_) | stint_store::Change::DeleteEntry
        )
    };
    let batched: Vec<&Planned> = rows.iter().filter(|p| in_batch(p)).collect();
    let mut batch_answer = None;
    if batched.len() > 1 && remote.batches() {
        if let BatchDelivery::Each(each) = remote.deliver_batch(&batched).await {
            batch_answer = Some(each.into_iter());
        }
    }
    let singles = rows
        .iter()
        .filter(|p| batch_answer.is_none() || !in_batch(p))
        .map(|p| remote.deliver(&p.row, p.capture.as_ref(), p.base.as_ref()));
    let mut singles = futures_util::future::join_all(singles).await.into_iter();
    rows.iter()
        .map(|p| match (&mut batch_answer, in_batch(p)) {
            (Some(each), true) => each.next(),
            _ => singles.next(),
        })
        .map(|d| d.unwrap_or_else(|| Delivery::Retry("no answer for this change".into())))
        .collect()
}

/// Writes the outcome of one delivery: done rows leave the outbox (the server's answer is
/// the entry's new base), a moved entry is merged, a change to an entry deleted on the
/// server is dropped, refused rows are parked with their reason, failed ones wait for a
/// retry (`jitter` in `[0, 1)` spreads retries).
pub fn record(
    store: &mut Store,
    row: &OutboxRow,
    delivery: Delivery,
    now: DateTime<Utc>,
    jitter: f64,
) -> Result<Step, StoreError> {
    match delivery {
        Delivery::Done(answer) => {
            store.delivered(row.seq, answer.as_ref())?;
            Ok(Step::Sent)
        }
        Delivery::Moved(current) => {
            let outcome = store.moved(row.seq, &current)?;
            tracing::info!(entry = %row.entity_id, version = current.version,
                conflicts = outcome.conflicts.len(), "merged with the server's newer copy");
            Ok(Step::Merged(outcome))
        }
        Delivery::Gone => {
            tracing::info!(entry = %row.entity_id, "deleted on the server; the change here is dropped");
            Ok(Step::Gone(store.gone_on_server(row.seq)?))
        }
        Delivery::Refused(reason) => {
            tracing::warn!(seq = row.seq, entry = %row.entity_id, "server refused a change: {reason}");
            store.outbox_park(row.seq, &reason)?;
            Ok(Step::Parked(reason))
        }
        Delivery::Retry(reason) => {
            let wait = retry_delay(row.attempts + 1, jitter);
            let next = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
            tracing::info!(
                seq = row.seq,
                attempts = row.attempts + 1,
                "delivery failed, retrying in {wait:?}: {reason}"
            );
            store.outbox_retry(row.seq, next, &reason)?;
            Ok(Step::Failed(reason))
        }
    }
}

/// [`record`] for a whole plan's deliveries, in order; the rows the server took are
/// recorded together in one transaction (a batch of 200 is one commit, not 200), and the
/// rows that failed wait for the same retry.
pub fn record_all(
    store: &mut Store,
    rows: &[OutboxRow],
    deliveries: Vec<Delivery>,
    now: DateTime<Utc>,
    jitter: impl Fn() -> f64,
) -> Result<Vec<Step>, StoreError> {
    let done: Vec<(i64, Option<RemoteEntry>)> = rows
        .iter()
        .zip(&deliveries)
        .filter_map(|(row, d)| match d {
            Delivery::Done(answer) => Some((row.seq, answer.clone())),
            _ => None,
        })
        .collect();
    store.delivered_all(&done)?;
    // One spread for the whole plan: rows that failed together are tried again together
    // (as one batch), not one by one as each one's own retry comes due.
    let jitter = jitter();
    rows.iter()
        .zip(deliveries)
        .map(|(row, delivery)| match delivery {
            Delivery::Done(_) => Ok(Step::Sent),
            other => record(store, row, other, now, jitter),
        })
        .collect()
}

/// Plans, delivers and records up to `width` rows in queue order.
pub async fn drain_batch(
    store: &mut Store,
    remote: &Remote,
    now: DateTime<Utc>,
    jitter: f64,
    width: usize,
) -> Result<Vec<Step>, StoreError> {
    let rows = match plan(store, now, width)? {
        Plan::Empty => return Ok(vec![Step::Idle]),
        Plan::WaitUntil(t) => return Ok(vec![Step::WaitUntil(t)]),
        Plan::Ready(rows) => rows,
    };
    let deliveries = deliver_all(remote, &rows).await;
    let rows: Vec<OutboxRow> = rows.into_iter().map(|p| p.row).collect();
    record_all(store, &rows, deliveries, now, || jitter)
}

/// Delivers the oldest due row, if any.
pub async fn drain_step(
    store: &mut Store,
    remote: &Remote,
    now: DateTime<Utc>,
    jitter: f64,
) -> Result<Step, StoreError> {
    Ok(drain_batch(store, remote, now, jitter, 1)
        .await?
        .into_iter()
        .next()
        .unwrap_or(Step::Idle))
}

/// Which account a store's feed cursor belongs to: the workspace and the user, ids the
/// server made up (so another address of the same server is the same account, and another
/// server is another).
pub fn account_key(remote: &Remote) -> String {
    format!("{} {}", remote.account.workspace_id, remote.account.user_id)
}

/// Writes one answer of the change feed into the store (see [`Store::apply_feed`]).
pub fn apply_changes(
    store: &mut Store,
    account: &str,
    changes: EntryChanges,
) -> Result<Applied, StoreError> {
    let batch = FeedBatch {
        entries: changes.entries.into_iter().map(remote_of).collect(),
        deleted: changes.deleted,
        snapshot: changes.snapshot,
        cursor: changes.cursor,
    };
    store.apply_feed(account, &batch)
}

/// Reads the feed from the store's cursor until nothing more waits, applying each answer;
/// for callers that own the store (tests, benches). Returns how many entries changed here.
pub async fn pull_changes(store: &mut Store, remote: &Remote) -> Result<usize, String> {
    let account = account_key(remote);
    let mut changed = 0;
    loop {
        let since = store.sync_cursor(&account).map_err(|e| e.to_string())?;
        let changes = remote.changes(since, 0).await?;
        let more = changes.more;
        changed += apply_changes(store, &account, changes)
            .map_err(|e| e.to_string())?
            .changed;
        if !more {
            return Ok(changed);
        }
    }
}
