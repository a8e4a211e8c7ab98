//! Stint's sync client. [`Remote`] signs in to a Stint server with an API key and delivers
//! outbox rows; [`drain_step`] takes the oldest due row, delivers it and records the
//! outcome. Every request carries the row's idempotency key and the entry's own id, so a
//! retry after a lost answer can never create a second entry.
//!
//! This crate sees only the shared tables through `stint_store::Store`; the private ones
//! (idle, auto tracker) live behind other types it cannot name.

mod remote;

pub use remote::{Account, Credentials, Delivery, Remote, SyncError};

use chrono::{DateTime, Utc};
use stint_core::backoff::retry_delay;
use stint_store::{OutboxBatch, OutboxRow, Store, StoreError};

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
}

/// Adopts what happened to the running timer elsewhere; call it when the outbox is empty.
/// Returns the running entry after the change if anything was written here.
pub fn pull_running(
    store: &mut Store,
    remote: &Remote,
) -> Result<Option<Option<stint_core::Entry>>, String> {
    let local = store.running().map_err(|e| e.to_string())?;
    let remote_running = remote.running_entry()?;
    let remote_copy = match (&local, &remote_running) {
        (Some(l), r) if r.as_ref().is_none_or(|r| r.id != l.id) => remote.entry(&l.id)?,
        _ => None,
    };
    let writes = stint_core::reconcile::reconcile_running(
        local.as_ref(),
        remote_running.as_ref(),
        remote_copy.as_ref(),
    );
    if writes.is_empty() {
        return Ok(None);
    }
    let expected = local.as_ref().map(|e| &e.id);
    if !store
        .apply_remote_if_quiet(expected, &writes)
        .map_err(|e| e.to_string())?
    {
        return Ok(None);
    }
    tracing::info!(
        entries = writes.len(),
        "adopted timer changes made elsewhere"
    );
    Ok(Some(store.running().map_err(|e| e.to_string())?))
}

/// Delivers the oldest due row, if any. `jitter` in `[0, 1)` spreads retries.
pub fn drain_step(
    store: &mut Store,
    remote: &Remote,
    now: DateTime<Utc>,
    jitter: f64,
) -> Result<Step, StoreError> {
    Ok(drain_batch(store, remote, now, jitter, 1)?
        .into_iter()
        .next()
        .unwrap_or(Step::Idle))
}

/// Delivers up to `width` due rows at once (rows of different entries; one entry's
/// changes still go one after another) and records each outcome in queue order.
pub fn drain_batch(
    store: &mut Store,
    remote: &Remote,
    now: DateTime<Utc>,
    jitter: f64,
    width: usize,
) -> Result<Vec<Step>, StoreError> {
    let rows = match store.outbox_ready(now, width)? {
        OutboxBatch::Empty => return Ok(vec![Step::Idle]),
        OutboxBatch::WaitUntil(t) => return Ok(vec![Step::WaitUntil(t)]),
        OutboxBatch::Ready(rows) => rows,
    };
    // Screenshot uploads carry their pictures, read here on the store's thread.
    let captures = rows
        .iter()
        .map(|row| match &row.change {
            stint_store::Change::UploadCapture { set_id } => store.capture_set(set_id),
            _ => Ok(None),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let deliveries: Vec<Delivery> = if rows.len() == 1 {
        vec![remote.deliver(&rows[0], captures[0].as_ref())]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = rows
                .iter()
                .zip(&captures)
                .map(|(row, capture)| scope.spawn(move || remote.deliver(row, capture.as_ref())))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Delivery::Retry("delivery panicked".into()))
                })
                .collect()
        })
    };
    rows.iter()
        .zip(deliveries)
        .map(|(row, delivery)| record(store, row, delivery, now, jitter))
        .collect()
}

fn record(
    store: &mut Store,
    row: &OutboxRow,
    delivery: Delivery,
    now: DateTime<Utc>,
    jitter: f64,
) -> Result<Step, StoreError> {
    match delivery {
        Delivery::Done => {
            store.outbox_done(row.seq)?;
            Ok(Step::Sent)
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
