//! What the server keeps about screenshots (the bytes live in a [`crate::blobs::BlobStore`]).

use chrono::{DateTime, Utc};
use stint_api::Monitor;
use stint_core::screenshot_rules::{Deleter, DeletionRefused};

use super::{EntryRow, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenshotRow {
    /// Also the blob's key.
    pub id: String,
    pub monitor: Monitor,
    pub width: u32,
    pub height: u32,
    pub size_bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureSetRow {
    pub id: String,
    pub workspace_id: String,
    pub user_id: String,
    pub entry_id: String,
    pub captured: DateTime<Utc>,
    pub screenshots: Vec<ScreenshotRow>,
}

/// What a capture set's deletion did; `blob_keys` are the pictures to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetDeletion {
    pub removed_seconds: i64,
    pub entry_deleted: bool,
    pub entry: Option<EntryRow>,
    pub split_off: Option<EntryRow>,
    pub blob_keys: Vec<String>,
}

pub trait ScreenshotStorage {
    /// Stores a new set. The same id again with the same entry and moment returns the
    /// stored set; with other content it is a conflict.
    fn add_capture_set(&self, set: &CaptureSetRow) -> Result<CaptureSetRow>;
    /// Sets captured in `[from, to)`, oldest first; one user's, or everyone's in the
    /// workspace when `user_id` is `None`.
    fn capture_sets(
        &self,
        workspace_id: &str,
        user_id: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CaptureSetRow>>;
    fn capture_set(&self, workspace_id: &str, id: &str) -> Result<Option<CaptureSetRow>>;
    /// The user whose picture this is.
    fn screenshot_owner(&self, workspace_id: &str, screenshot_id: &str) -> Result<Option<String>>;
    /// Deletes a set under the deletion rules, changing its entry in the same transaction.
    fn delete_capture_set(
        &self,
        workspace_id: &str,
        id: &str,
        by: Deleter,
    ) -> Result<std::result::Result<SetDeletion, DeletionRefused>>;
    /// Deletes every set captured before `before`; returns the blob keys to remove.
    fn expire_capture_sets(&self, before: DateTime<Utc>) -> Result<Vec<String>>;
    /// Deletes a user with their entries, screenshots and notices; returns the blob keys.
    fn delete_user(&self, workspace: &str, email: &str) -> Result<Vec<String>>;
}
