//! Delivering many outbox rows in one request (issue 14): the server's batch endpoint
//! applies them in one transaction and answers each with the status a single request would
//! have had, which is then judged exactly as that request's answer would be.

use std::sync::atomic::Ordering;

use stint_api::{
    ApiError, ChangeOp, EntryBatch, EntryBatchResults, EntryChange, NewTimeEntry, API_KEY_HEADER,
};
use stint_store::Change;

use super::{judge, message_of, read_answer, Delivery, Remote};
use crate::Planned;

/// What became of a batch as a whole.
pub enum BatchDelivery {
    /// One delivery per row, in order.
    Each(Vec<Delivery>),
    /// The server has no batch endpoint (an older Stint) or refused the batch as a whole:
    /// deliver these rows one by one.
    One,
}

impl Remote {
    /// Sends `rows` (entry upserts and deletes only) as one batch.
    pub async fn deliver_batch(&self, rows: &[&Planned]) -> BatchDelivery {
        let changes = rows
            .iter()
            .map(|p| {
                let (op, entry) = match &p.row.change {
                    Change::UpsertEntry(e) => (
                        ChangeOp::Upsert,
                        Some(NewTimeEntry {
                            id: Some(p.row.entity_id.clone()),
                            ..e.clone()
                        }),
                    ),
                    _ => (ChangeOp::Delete, None),
                };
                EntryChange {
                    key: p.row.idempotency_key.clone(),
                    op,
                    id: p.row.entity_id.clone(),
                    if_match: p.base.as_ref().map(|b| b.version),
                    entry,
                }
            })
            .collect();
        let url = format!(
            "{}/workspaces/{}/time-entries/batch",
            self.base, self.account.workspace_id
        );
        let answer = read_answer(
            self.http
                .post(url)
                .header(API_KEY_HEADER, &self.key)
                .json(&EntryBatch { changes })
                .send()
                .await,
        )
        .await;
        let (status, body) = match answer {
            Err(reason) => {
                return BatchDelivery::Each(
                    rows.iter()
                        .map(|_| Delivery::Retry(reason.clone()))
                        .collect(),
                )
            }
            Ok(answer) => answer,
        };
        match status {
            200 => {}
            404 | 405 => {
                tracing::info!("the server has no batch endpoint; sending changes one by one");
                self.no_batch.store(true, Ordering::Relaxed);
                return BatchDelivery::One;
            }
            // One row the server cannot take as part of a batch (too large, say): one by
            // one, each row gets its own answer.
            400 | 413 | 422 => return BatchDelivery::One,
            // A fault of the server or the way there (5xx, 401, 429…): every row waits.
            _ => {
                let reason = format!("{status}: {}", message_of(status, &body));
                return BatchDelivery::Each(
                    rows.iter()
                        .map(|_| Delivery::Retry(reason.clone()))
                        .collect(),
                );
            }
        }
        let results = match serde_json::from_str::<EntryBatchResults>(&body) {
            Ok(r) if r.results.len() == rows.len() => r.results,
            _ => {
                let reason = "the server's batch answer is not one result per change".to_owned();
                return BatchDelivery::Each(
                    rows.iter()
                        .map(|_| Delivery::Retry(reason.clone()))
                        .collect(),
                );
            }
        };
        BatchDelivery::Each(
            rows.iter()
                .zip(results)
                .map(|(p, result)| {
                    // The body a single request would have had.
                    let body = match (&result.entry, &result.message) {
                        (Some(entry), _) => serde_json::to_string(entry).unwrap_or_default(),
                        (None, Some(message)) => serde_json::to_string(&ApiError {
                            message: message.clone(),
                            code: result.status,
                        })
                        .unwrap_or_default(),
                        (None, None) => String::new(),
                    };
                    judge(
                        Ok((result.status, body)),
                        p.row.change.is_delete(),
                        p.base.is_some(),
                    )
                })
                .collect(),
        )
    }

    /// Whether batches are worth trying (the server had none last time).
    pub fn batches(&self) -> bool {
        !self.no_batch.load(Ordering::Relaxed)
    }
}
