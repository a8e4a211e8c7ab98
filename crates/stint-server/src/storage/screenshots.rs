//! What the server keeps about screenshots (the bytes live in a [`crate::blobs::BlobStore`]).

use chrono::{DateTime, Utc};
use stint_api::Monitor;
use stint_core::screenshot_rules::{Deleter, DeletionRefused};

use super::{EntryRow, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenshotRow {
    /// The client's id, unique in its workspace.
    pub id: String,
    pub monitor: Monitor,
    pub width: u32,
    pub height: u32,
    pub size_bytes: u64,
    pub sha256: String,
    /// Where the picture lives in the blob store: made by the server, never by a client.
    pub blob_key: String,
    /// A plain "private" tile stands for this monitor.
    pub private: bool,
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
    /// Reserves a new set (listed nowhere until [`ScreenshotStorage::finish_capture_set`])
    /// before any picture is stored, and returns the set with its blob keys and whether its
    /// pictures still need storing. The same id again with the same content returns the
    /// stored set (`false` once finished); with other content it is a conflict.
    fn reserve_capture_set(&self, set: &CaptureSetRow) -> Result<(CaptureSetRow, bool)>;
    /// Marks a reserved set's pictures as stored: from now on it is listed and served.
    fn finish_capture_set(&self, workspace_id: &str, id: &str) -> Result<()>;
    /// Forgets a reserved set whose pictures could not be stored; returns its blob keys.
    fn abandon_capture_set(&self, workspace_id: &str, id: &str) -> Result<Vec<String>>;
    /// Forgets sets reserved before `created_before` and never finished (a crash between
    /// reserving and finishing); returns their blob keys.
    fn sweep_unfinished(&self, created_before: DateTime<Utc>) -> Result<Vec<String>>;
    /// Whether a screenshot row names this blob key (the orphan sweep asks).
    fn blob_key_known(&self, key: &str) -> Result<bool>;
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
    /// The user whose picture this is and its blob key, for a stored set's screenshot.
    fn screenshot_blob(
        &self,
        workspace_id: &str,
        screenshot_id: &str,
    ) -> Result<Option<(String, String)>>;
    /// Deletes a set under the deletion rules, changing its entry (and recording that
    /// change) in the same transaction.
    fn delete_capture_set(
        &self,
        workspace_id: &str,
        id: &str,
        by: Deleter,
        auditor: Option<&super::Auditor>,
    ) -> Result<std::result::Result<SetDeletion, DeletionRefused>>;
    /// Deletes every set captured before `before`; returns the blob keys to remove.
    fn expire_capture_sets(&self, before: DateTime<Utc>) -> Result<Vec<String>>;
    /// Deletes a user and every row about them, in one transaction: entries (and the
    /// change log's and the audit log's records of them), screenshots, notices, sessions,
    /// kept answers, sign-in failures, and audit records they wrote or that name them.
    /// `record` (its workspace filled in here) is written in the same transaction: what
    /// the audit log keeps is only that it happened. Returns the blob keys to remove.
    fn delete_user(
        &self,
        workspace: &str,
        email: &str,
        record: Option<super::AuditRecord>,
    ) -> Result<Vec<String>>;
}

/// Why a user may not be deleted: they are the last active admin of their workspace.
pub const ONLY_ADMIN: &str =
    "this is the workspace's only admin: make another member an admin first";

/// Whether deleting a user leaves their workspace without an active admin.
pub fn leaves_no_admin(admin_active: bool, other_admins: i64) -> bool {
    admin_active && other_admins == 0
}

/// A JSON array of ids without `id` (a task's assignees); the text as it was if it does
/// not read as one.
pub fn without_id(json: &str, id: &str) -> String {
    match serde_json::from_str::<Vec<String>>(json) {
        Ok(ids) => serde_json::to_string(&ids.into_iter().filter(|i| i != id).collect::<Vec<_>>())
            .unwrap_or_else(|_| json.to_owned()),
        Err(_) => json.to_owned(),
    }
}
