//! Capture sets a member discarded on their device during the review window, before upload
//! (issue 19). The server never had their pixels: a row says only when, for which entry,
//! how many monitors, and how much time the discard cut from the entry, so the admin sees
//! that evidence is missing and what it cost. Rows go with their user (account deletion)
//! and with the screenshots' retention.

use chrono::{DateTime, Utc};

use super::Result;

/// One discarded capture set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscardRow {
    pub workspace_id: String,
    /// The set's client id.
    pub id: String,
    pub user_id: String,
    pub entry_id: String,
    pub captured: DateTime<Utc>,
    /// Seconds the discard cut from the entry.
    pub removed_seconds: i64,
    pub monitors: u32,
}

/// The columns every engine reads, in [`DiscardRow`]'s order.
pub(super) const DISCARD_COLUMNS: &str =
    "workspace_id, id, user_id, entry_id, captured_utc, removed_seconds, monitors";

/// Reading discards (the gallery and a member's export).
pub trait DiscardStorage {
    /// Discards captured in `[from, to)`, oldest first: one user's, or everyone's in the
    /// workspace when `user_id` is `None`.
    fn discards(
        &self,
        workspace_id: &str,
        user_id: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<DiscardRow>>;
}
