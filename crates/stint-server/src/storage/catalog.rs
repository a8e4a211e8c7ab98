//! The rows an operation of the operations layer ([`crate::ops`]) reads and writes inside
//! its one transaction: workspace settings, members, clients, tags, projects, tasks, the
//! entries a change ripples into, audit records and kept answers. The storage only moves
//! rows; what may be done and what follows from it is decided in `ops`.

use chrono::{DateTime, Utc};
use stint_api::{Client, Project, Tag, Task, WorkspaceSettings};

use super::{AuditRecord, CaptureSetRow, EntryRow, Keep, Result, UserRow};

/// Which entries point at an object (the ones its deletion changes).
#[derive(Debug, Clone, Copy)]
pub enum EntryRef<'a> {
    Project(&'a str),
    Task(&'a str),
    Tag(&'a str),
}

/// One transaction's view of the rows. Every write fails with
/// [`super::StorageError::Conflict`] when a name is already taken in its scope.
pub trait CatalogTx {
    fn settings(&self, workspace_id: &str) -> Result<WorkspaceSettings>;
    /// Saves the settings; switching screenshots on or off leaves every member a notice.
    fn save_settings(
        &self,
        workspace_id: &str,
        settings: &WorkspaceSettings,
        now: DateTime<Utc>,
    ) -> Result<()>;

    fn member(&self, workspace_id: &str, user_id: &str) -> Result<Option<UserRow>>;
    fn members(&self, workspace_id: &str) -> Result<Vec<UserRow>>;
    /// Saves a member's role and whether they are active.
    fn put_member(&self, user: &UserRow) -> Result<()>;
    /// Adds a member with the key `key` (its hash is kept); a used email is a conflict.
    fn add_member(&self, user: &UserRow, key: &crate::auth::IssuedKey) -> Result<()>;
    /// Gives a member a new key; the old one and every web session end.
    fn set_member_key(&self, user_id: &str, key: &crate::auth::IssuedKey) -> Result<()>;
    /// Sets a member's web password (an Argon2id PHC string).
    fn set_member_password(&self, user_id: &str, hash: &str) -> Result<()>;
    /// Keeps a one-time invitation (only the token's SHA-256) until `expires`; the member's
    /// earlier links end.
    fn add_invitation(
        &self,
        token_hash: &[u8],
        user_id: &str,
        expires: DateTime<Utc>,
    ) -> Result<()>;
    /// Uses up an invitation: its member if it is known and not expired at `now`. Every
    /// other link of that member and their web sessions end with it.
    fn take_invitation(&self, token_hash: &[u8], now: DateTime<Utc>) -> Result<Option<UserRow>>;
    /// The member an invitation is for, if it is known and not expired at `now` (not used up).
    fn invited(&self, token_hash: &[u8], now: DateTime<Utc>) -> Result<Option<UserRow>>;
    /// Ends every invitation of a member.
    fn drop_invitations(&self, user_id: &str) -> Result<()>;

    fn client(&self, workspace_id: &str, id: &str) -> Result<Option<Client>>;
    /// By name, then id.
    fn clients(&self, workspace_id: &str) -> Result<Vec<Client>>;
    fn put_client(&self, client: &Client, new: bool) -> Result<()>;
    fn delete_client(&self, workspace_id: &str, id: &str) -> Result<()>;

    fn tag(&self, workspace_id: &str, id: &str) -> Result<Option<Tag>>;
    fn tags(&self, workspace_id: &str) -> Result<Vec<Tag>>;
    fn put_tag(&self, tag: &Tag, new: bool) -> Result<()>;
    fn delete_tag(&self, workspace_id: &str, id: &str) -> Result<()>;

    /// A project as stored (`client_name`, `duration` and `memberships` are filled by ops).
    fn project(&self, workspace_id: &str, id: &str) -> Result<Option<Project>>;
    fn projects(&self, workspace_id: &str) -> Result<Vec<Project>>;
    fn put_project(&self, project: &Project, new: bool) -> Result<()>;
    /// Deletes the project and its tasks.
    fn delete_project(&self, workspace_id: &str, id: &str) -> Result<()>;
    /// Seconds tracked on the project, a running entry counted up to `now`.
    fn project_seconds(&self, workspace_id: &str, id: &str, now: DateTime<Utc>) -> Result<i64>;

    fn task(&self, workspace_id: &str, id: &str) -> Result<Option<Task>>;
    /// A project's tasks, by name.
    fn tasks(&self, workspace_id: &str, project_id: &str) -> Result<Vec<Task>>;
    fn put_task(&self, task: &Task, new: bool) -> Result<()>;
    fn delete_task(&self, workspace_id: &str, id: &str) -> Result<()>;

    /// The workspace's entries starting in `[from, to)`, oldest first.
    fn entries_between(
        &self,
        workspace_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<EntryRow>>;
    fn entry(&self, workspace_id: &str, id: &str) -> Result<Option<EntryRow>>;
    /// Stores a new entry and returns it with the version the database gave it.
    fn insert_entry(&self, entry: &EntryRow) -> Result<EntryRow>;
    fn audit_record(&self, workspace_id: &str, id: &str) -> Result<Option<AuditRecord>>;
    /// The records about one object, oldest first (as written).
    fn audit_records_of(&self, workspace_id: &str, target_id: &str) -> Result<Vec<AuditRecord>>;
    /// Which of the workspace's entries are marked invoiced.
    fn invoiced(&self, workspace_id: &str) -> Result<std::collections::HashSet<String>>;
    fn set_invoiced(&self, workspace_id: &str, id: &str, invoiced: bool) -> Result<()>;
    /// Every entry of the workspace that points at the object.
    fn entries_with(&self, workspace_id: &str, what: EntryRef<'_>) -> Result<Vec<EntryRow>>;
    /// Writes an entry's fields (its version is bumped by the database).
    fn update_entry(&self, entry: &EntryRow) -> Result<()>;

    /// Every entry of one member, oldest first (by start, then id).
    fn entries_of_user(&self, workspace_id: &str, user_id: &str) -> Result<Vec<EntryRow>>;
    /// Every stored capture set of one member with its screenshots (in monitor order),
    /// oldest first; sets still waiting for their pictures are left out.
    fn capture_sets_of_user(&self, workspace_id: &str, user_id: &str)
        -> Result<Vec<CaptureSetRow>>;
    /// The audit records that may be about one member, in the order they were written: a
    /// superset that `ops::my_data` narrows. Records they wrote, records whose target is
    /// their id, records whose details hold their id in quotes (a JSON string), and every
    /// record whose target is an entry id of theirs (an entry of theirs now, one the change
    /// log remembers, or one whose entry record holds their id).
    fn audit_records_about(&self, workspace_id: &str, user_id: &str) -> Result<Vec<AuditRecord>>;

    fn add_audits(&self, records: &[AuditRecord]) -> Result<()>;
    /// Keeps a capture set discarded before upload, stamped `now`; `false` if its id was
    /// already kept (a retried report).
    fn add_discard(&self, row: &super::DiscardRow, now: DateTime<Utc>) -> Result<bool>;
    /// How many discards of a member were captured in `[from, to)`.
    fn discards_between(
        &self,
        workspace_id: &str,
        user_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<i64>;
    /// A member's kept discard with this id (ids are the member's: another's are not seen).
    fn discard(
        &self,
        workspace_id: &str,
        user_id: &str,
        id: &str,
    ) -> Result<Option<super::DiscardRow>>;
    /// Keeps an `Idempotency-Key`'s answer with the change.
    fn keep(&self, keep: Option<&Keep>) -> Result<()>;
}

/// Runs operations in transactions.
pub trait CatalogStorage {
    /// Runs `op` in one immediate transaction: committed when it returns `Ok`, rolled back
    /// (nothing written) when it returns an error.
    fn write(&self, op: &mut dyn FnMut(&dyn CatalogTx) -> Result<()>) -> Result<()>;
    /// Runs `op` on one consistent snapshot, writing nothing.
    fn read(&self, op: &mut dyn FnMut(&dyn CatalogTx) -> Result<()>) -> Result<()>;
}
