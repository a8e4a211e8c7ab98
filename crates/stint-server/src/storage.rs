//! Everything the server keeps, behind one small interface. SQLite in the data directory
//! is the default ([`Sqlite`]); [`Postgres`] is the same interface on a PostgreSQL database
//! that several server processes share. The handlers never know which one they have.

mod audit;
mod batch;
mod catalog;
mod discards;
mod feed;
mod migrations;
mod pg;
mod pg_audit;
mod pg_batch;
mod pg_catalog;
mod pg_discards;
mod pg_feed;
mod pg_my_data;
mod pg_rows;
mod pg_schema;
mod pg_screenshots;
mod pg_store;
mod pg_web;
mod screenshots;
mod sqlite;
mod sqlite_audit;
mod sqlite_batch;
mod sqlite_catalog;
mod sqlite_discards;
mod sqlite_feed;
mod sqlite_my_data;
mod sqlite_screenshots;
mod sqlite_web;
mod web;

pub use audit::{AuditFilter, AuditRecord, AuditStorage};
pub use batch::{BatchAnswer, BatchItem, BatchOp, BatchOutcome, BATCH_FINGERPRINT};
pub use catalog::{CatalogStorage, CatalogTx, EntryRef};
pub use discards::{DiscardRow, DiscardStorage};
pub use feed::FeedPage;
pub use pg::{Postgres, PG_JOBS_LOCK, PG_WRITE_LOCK};
pub use screenshots::{
    leaves_no_admin, without_id, CaptureSetRow, ScreenshotRow, ScreenshotStorage, SetDeletion,
    ONLY_ADMIN,
};
pub use sqlite::Sqlite;
pub use web::WebStorage;

use chrono::{DateTime, Utc};
use stint_api::{EntrySource, Notice, WorkspaceSettings};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    /// The object changed between the request's read and its write (another request won).
    #[error("this entry changed while the request ran; send it again")]
    Changed,
    /// Another request with the same `Idempotency-Key` committed first.
    #[error("another request with this Idempotency-Key was answered first; repeat it to get that answer")]
    KeyTaken,
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("database error: {}", pg::pg_reason(.0))]
    Pg(#[from] postgres::Error),
    /// The database cannot be reached or used now (down, too old, no free connection);
    /// a request may be tried again.
    #[error("{0}")]
    Unavailable(String),
    /// A stored value does not read back (a row written by hand or damaged).
    #[error("a stored row does not read back: {0}")]
    Corrupt(String),
    /// An operation refused (permission, a rule, bad input) and wrote nothing; `status`
    /// is the HTTP status that says why.
    #[error("{message}")]
    Refused { status: u16, message: String },
    #[error("could not prepare the database: {0}")]
    Migrate(#[from] rusqlite_migration::Error),
    /// The database was written by a newer server; it is left untouched.
    #[error("the database was written by a newer stint-server (schema {found}; this one knows up to {known}); it was left untouched")]
    TooNew { found: i64, known: i64 },
}

pub type Result<T> = std::result::Result<T, StorageError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    Regular,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Regular => "regular",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "regular" => Some(Role::Regular),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: String,
    pub workspace_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// An inactive member's key and sign-in stop working; their time stays.
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceRow {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    pub id: String,
    pub workspace_id: String,
    pub user_id: String,
    pub description: String,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    pub billable: bool,
    pub project_id: Option<String>,
    pub task_id: Option<String>,
    pub tag_ids: Vec<String>,
    pub source: EntrySource,
    pub locked: bool,
    /// Bumped by the database at every change of the entry's content (starts at 1): what
    /// `If-Match` compares.
    pub version: i64,
}

/// Which of a user's entries a list asks for.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub in_progress: Option<bool>,
    /// Descriptions containing this text, in any case.
    pub description: Option<String>,
    pub project_id: Option<String>,
    pub task_id: Option<String>,
    /// Entries with every one of these tags.
    pub tag_ids: Vec<String>,
}

/// Who makes a change and when, for the audit records written in the change's own
/// transaction (whether there are any is the workspace's settings' to say).
#[derive(Debug, Clone)]
pub struct Auditor {
    /// `None` for the system.
    pub author_id: Option<String>,
    pub author_name: String,
    pub at: DateTime<Utc>,
}

impl Auditor {
    /// The record of one action by this author at this moment.
    pub fn record(
        &self,
        workspace_id: &str,
        action: &str,
        target_id: &str,
        summary: String,
        details: serde_json::Value,
    ) -> AuditRecord {
        AuditRecord {
            id: crate::auth::new_id(),
            workspace_id: workspace_id.to_owned(),
            at: self.at,
            author_id: self.author_id.clone(),
            author_name: self.author_name.clone(),
            action: action.to_owned(),
            target_id: target_id.to_owned(),
            summary,
            details,
        }
    }
}

/// What an entry change writes beside itself, in its own transaction: the
/// `Idempotency-Key`'s answer and the audit records of every entry it changes (the one it
/// was asked to, and a running timer a new one stops).
#[derive(Debug, Clone, Copy, Default)]
pub struct Side<'a> {
    pub keep: Option<&'a Keep>,
    pub auditor: Option<&'a Auditor>,
}

/// A response kept for an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub request_hash: Vec<u8>,
    pub status: u16,
    pub body: Vec<u8>,
}

/// An `Idempotency-Key` answer to store in the same transaction as the change it reports,
/// so a crash can never leave the change without its answer (and a retry doing it twice).
/// `scope` is the authenticated user's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keep {
    pub scope: String,
    pub key: String,
    pub response: StoredResponse,
}

pub trait Storage:
    ScreenshotStorage
    + DiscardStorage
    + WebStorage
    + AuditStorage
    + CatalogStorage
    + Send
    + Sync
    + 'static
{
    /// Creates the workspace if needed, then the user; returns the user and the new key.
    fn add_user(
        &self,
        workspace: &str,
        email: &str,
        name: &str,
        role: Role,
    ) -> Result<(UserRow, String)>;
    /// A new key for the user with this email in this workspace; the old one stops working.
    fn reset_key(&self, workspace: &str, email: &str) -> Result<String>;
    /// The user a presented key belongs to, if the key is valid.
    fn authenticate(&self, key: &str) -> Result<Option<UserRow>>;
    fn workspace(&self, id: &str) -> Result<Option<WorkspaceRow>>;
    fn workspace_ids(&self) -> Result<Vec<String>>;
    fn users_in(&self, workspace_id: &str) -> Result<Vec<UserRow>>;

    /// Stores a new entry. A new running entry stops the user's running one at its start,
    /// as Clockify does. An existing id (in this workspace) with identical content is
    /// returned as it is. `keep` is written in the same transaction.
    fn create_entry(&self, entry: &EntryRow, side: Side<'_>) -> Result<EntryRow>;
    fn entry(&self, workspace_id: &str, id: &str) -> Result<Option<EntryRow>>;
    /// The version a new entry with this id gets: 1, or one more than the last version of a
    /// deleted entry that had the id (so an old `If-Match` never passes on the new one).
    fn first_version(&self, workspace_id: &str, id: &str) -> Result<i64>;
    /// Replaces an entry's fields (found by workspace and id) if it is still `expected` (what
    /// the caller read and decided on), else [`StorageError::Changed`]; `keep` in the same
    /// transaction. A second running entry of its user is a conflict.
    fn replace_entry(
        &self,
        entry: &EntryRow,
        expected: &EntryRow,
        side: Side<'_>,
    ) -> Result<EntryRow>;
    /// Deletes the entry and its screenshots; `None` if there was no such entry, else the
    /// blob keys of the pictures to remove. `keep` in the same transaction.
    fn delete_entry(
        &self,
        workspace_id: &str,
        id: &str,
        side: Side<'_>,
    ) -> Result<Option<Vec<String>>>;
    /// One page (1-based) of a user's entries, newest first, and whether it is the last.
    fn list_entries(
        &self,
        workspace_id: &str,
        user_id: &str,
        filter: &EntryFilter,
        page: u32,
        page_size: u32,
    ) -> Result<(Vec<EntryRow>, bool)>;
    /// Ends the user's running entry at `end` if it is still `expected_id`; `None` if no
    /// entry (or another one) runs. `keep` in the same transaction.
    fn stop_running(
        &self,
        workspace_id: &str,
        user_id: &str,
        expected_id: &str,
        end: DateTime<Utc>,
        side: Side<'_>,
    ) -> Result<Option<EntryRow>>;

    fn settings(&self, workspace_id: &str) -> Result<WorkspaceSettings>;
    /// Saves the settings; switching screenshots on or off leaves a notice for every
    /// member, in the same transaction.
    fn save_settings(
        &self,
        workspace_id: &str,
        settings: &WorkspaceSettings,
    ) -> Result<WorkspaceSettings>;
    fn notices(&self, user_id: &str, unread_only: bool) -> Result<Vec<Notice>>;
    /// Marks one of the user's notices read; false if the user has no such notice.
    fn mark_notice_read(&self, user_id: &str, notice_id: &str) -> Result<bool>;

    /// What changed for `user_id` after the cursor `since` (`None`: everything), at most
    /// `limit` changes: entries as they are now, deleted ids, whether the settings or the
    /// notices moved, and the next cursor.
    fn feed(
        &self,
        workspace_id: &str,
        user_id: &str,
        since: Option<i64>,
        limit: u32,
    ) -> Result<FeedPage>;
    /// Changes whenever the workspace's change log grows (for long-polling readers).
    fn subscribe(&self, workspace_id: &str, user_id: &str) -> tokio::sync::watch::Receiver<i64>;
    /// Forgets change-log rows older than `before`; a reader behind them gets a snapshot.
    fn expire_changes(&self, before: DateTime<Utc>) -> Result<usize>;

    /// Applies a batch of changes to `user`'s own entries in one transaction, in order,
    /// each decided on the rows the changes before it left: a key answered before gets
    /// that answer; a delete or an `if_match` upsert of an entry that is not there is a
    /// 404, a moved entry a 412, a locked one a 403. `answer` gives each outcome's kept
    /// answer, kept under the change's key in the same transaction.
    fn apply_batch(
        &self,
        user: &UserRow,
        items: &[BatchItem],
        answer: &BatchAnswer,
        auditor: Option<&Auditor>,
    ) -> Result<Vec<BatchOutcome>>;

    fn idempotent_response(&self, scope: &str, key: &str) -> Result<Option<StoredResponse>>;
    /// Forgets kept answers older than `before`; returns how many went.
    fn expire_responses(&self, before: DateTime<Utc>) -> Result<usize>;
    /// Keeps an answer that changed nothing (a refusal); a kept key is left as it is.
    fn keep_response(&self, scope: &str, key: &str, response: &StoredResponse) -> Result<()>;
    /// Whether this process runs the periodic jobs (retention) now. Several processes on
    /// one PostgreSQL database elect one: the first to take a session advisory lock keeps
    /// it while its connection lives, and another takes over once it is gone. SQLite has
    /// one process per database file: always `true`.
    fn lead_jobs(&self) -> Result<bool>;
}
