//! The audit log as stored: who did what to which object, with the details as JSON.

use chrono::{DateTime, Utc};

use super::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: String,
    pub workspace_id: String,
    pub at: DateTime<Utc>,
    /// `None` for the system (e.g. the retention job).
    pub author_id: Option<String>,
    pub author_name: String,
    /// e.g. `time_entry.updated`.
    pub action: String,
    pub target_id: String,
    /// One line for the table.
    pub summary: String,
    /// Previous and new values, the deleted entry, and so on.
    pub details: serde_json::Value,
}

/// Which records a page asks for.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// A user id, or `system`.
    pub author: Option<String>,
    pub action: Option<String>,
}

pub trait AuditStorage {
    fn add_audit(&self, record: &AuditRecord) -> Result<()>;
    /// Several records in one transaction (a batch's changes).
    fn add_audits(&self, records: &[AuditRecord]) -> Result<()>;
    /// Newest first.
    fn audit_records(&self, workspace_id: &str, filter: &AuditFilter) -> Result<Vec<AuditRecord>>;
    fn audit_record(&self, workspace_id: &str, id: &str) -> Result<Option<AuditRecord>>;
    /// Deletes records older than `before` (kept one year); returns how many.
    fn expire_audit(&self, before: DateTime<Utc>) -> Result<usize>;
}
