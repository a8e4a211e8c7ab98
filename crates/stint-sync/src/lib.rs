//! Stint's sync client. [`Remote`] signs in to a Stint server with an API key and delivers
//! outbox rows over HTTP (async, on the caller's tokio runtime). Delivery is three steps so
//! that the agent's one task keeps the store while the network waits elsewhere:
//! [`plan`] picks the due rows (store), [`deliver_all`] sends them (network only) and
//! [`record`] writes each outcome back (store). [`drain_batch`] does all three in a row,
//! for tests and benches that own both. Every request carries the row's idempotency key and
//! the entry's own id, so a retry after a lost answer can never create a second entry.
//!
//! This crate sees only the shared tables through `stint_store::Store`; the private ones
//! (idle, auto tracker) live behind other types it cannot name.

mod remote;

pub use remote::{Account, Credentials, Delivery, Remote, SyncError};

use chrono::{DateTime, Utc};
use stint_core::backoff::retry_delay;
use stint_core::Entry;
use stint_store::{LocalCaptureSet, OutboxBatch, OutboxRow, Store, StoreError};

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

/// The rows due now, each with the pictures it carries (a screenshot upload).
#[derive(Debug)]
pub enum Plan {
    Empty,
    WaitUntil(DateTime<Utc>),
    Ready(Vec<(OutboxRow, Option<LocalCaptureSet>)>),
}

/// Up to `width` due rows (of different entries: one entry's changes go one after another),
/// read with what they carry.
pub fn plan(store: &Store, now: DateTime<Utc>, width: usize) -> Result<Plan, StoreError> {
    let rows = match store.outbox_ready(now, width)? {
        OutboxBatch::Empty => return Ok(Plan::Empty),
        OutboxBatch::WaitUntil(t) => return Ok(Plan::WaitUntil(t)),
        OutboxBatch::Ready(rows) => rows,
    };
    rows.into_iter()
        .map(|row| {
            let capture = match &row.change {
                stint_store::Change::UploadCapture { set_id } => store.capture_set(set_id)?,
                _ => None,
            };
            Ok((row, capture))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Plan::Ready)
}

/// Sends the planned rows at once; the deliveries come back in the same order.
pub async fn deliver_all(
    remote: &Remote,
    rows: &[(OutboxRow, Option<LocalCaptureSet>)],
) -> Vec<Delivery> {
    let sends = rows
        .iter()
        .map(|(row, capture)| remote.deliver(row, capture.as_ref()));
    futures_util::future::join_all(sends).await
}

/// Writes the outcome of one delivery: done rows leave the outbox, refused ones are parked
/// with their reason, failed ones wait for a retry (`jitter` in `[0, 1)` spreads retries).
pub fn record(
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
    rows.iter()
        .zip(deliveries)
        .map(|((row, _), delivery)| record(store, row, delivery, now, jitter))
        .collect()
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

/// What the server says about the timer, read for the device's running entry `local`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteTimer {
    /// The device's running entry the answer was read for.
    pub local: Option<Entry>,
    /// The timer running on the server.
    pub running: Option<Entry>,
    /// The server's copy of `local` when another timer (or none) runs there.
    pub local_copy: Option<Entry>,
}

/// Asks the server about the timer; call it when the outbox is empty.
pub async fn fetch_timer(remote: &Remote, local: Option<Entry>) -> Result<RemoteTimer, String> {
    let running = remote.running_entry().await?;
    let local_copy = match (&local, &running) {
        (Some(l), r) if r.as_ref().is_none_or(|r| r.id != l.id) => remote.entry(&l.id).await?,
        _ => None,
    };
    Ok(RemoteTimer {
        local,
        running,
        local_copy,
    })
}

/// Adopts what happened to the running timer elsewhere, if the device did not change it
/// since `timer` was read (its running entry is the same and nothing waits to be sent).
/// Returns the running entry after the change if anything was written here.
pub fn adopt_timer(
    store: &mut Store,
    timer: &RemoteTimer,
) -> Result<Option<Option<Entry>>, StoreError> {
    let writes = stint_core::reconcile::reconcile_running(
        timer.local.as_ref(),
        timer.running.as_ref(),
        timer.local_copy.as_ref(),
    );
    if writes.is_empty() {
        return Ok(None);
    }
    let expected = timer.local.as_ref().map(|e| &e.id);
    if !store.apply_remote_if_quiet(expected, &writes)? {
        return Ok(None);
    }
    tracing::info!(
        entries = writes.len(),
        "adopted timer changes made elsewhere"
    );
    Ok(Some(store.running()?))
}

/// [`fetch_timer`] then [`adopt_timer`], for callers that own the store.
pub async fn pull_running(
    store: &mut Store,
    remote: &Remote,
) -> Result<Option<Option<Entry>>, String> {
    let local = store.running().map_err(|e| e.to_string())?;
    let timer = fetch_timer(remote, local).await?;
    adopt_timer(store, &timer).map_err(|e| e.to_string())
}
