//! The operations layer (issue 15): every change to clients, tags, projects, tasks and
//! members is one function here that checks the actor's permission, makes the change,
//! makes its linked changes (a deleted project leaves its entries without it) and writes
//! the audit records of all of them, in one transaction with time from an injected clock.
//! Routes and pages only turn requests into calls and results into answers.
//!
//! An operation returns [`StorageError::Refused`] to refuse; nothing it wrote is kept.
//! The entry routes still decide in their own module (noted in the closing note).

pub mod catalog;
pub mod discards;
pub mod entries;
pub mod members;
pub mod my_audit;
pub mod my_data;
pub mod projects;
pub mod report_csv;
pub mod reports;
pub mod settings;
pub mod tasks;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::audit::Category;
use crate::storage::{AuditRecord, CatalogTx, EntryRow, Keep, Role, StorageError, UserRow};
use crate::{ApiFailure, AppState};

/// Where operations read the time: the system clock in the server, a fixed one in tests.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The system's clock.
pub fn system_clock() -> Clock {
    Arc::new(Utc::now)
}

/// A refusal with its HTTP status: nothing of the operation is written.
pub fn refused(status: u16, message: impl Into<String>) -> StorageError {
    StorageError::Refused {
        status,
        message: message.into(),
    }
}

pub fn invalid(message: impl Into<String>) -> StorageError {
    refused(400, message)
}

pub fn not_found(message: impl Into<String>) -> StorageError {
    refused(404, message)
}

pub type Result<T> = std::result::Result<T, StorageError>;

/// One operation under way: its transaction, who acts, when, and the audit records it has
/// made so far (written with the change when the operation ends well).
pub struct Op<'a> {
    pub tx: &'a dyn CatalogTx,
    pub actor: &'a UserRow,
    pub now: DateTime<Utc>,
    audits: Vec<AuditRecord>,
    settings: Option<stint_api::AuditSettings>,
}

impl<'a> Op<'a> {
    pub fn new(tx: &'a dyn CatalogTx, actor: &'a UserRow, now: DateTime<Utc>) -> Op<'a> {
        Op {
            tx,
            actor,
            now,
            audits: Vec::new(),
            settings: None,
        }
    }

    /// The actor's workspace; another one answers 404 as if it did not exist.
    pub fn workspace(&self, wid: &str) -> Result<String> {
        if self.actor.workspace_id == wid {
            Ok(wid.to_owned())
        } else {
            Err(not_found(format!("workspace {wid} not found")))
        }
    }

    /// Refuses anyone but an admin of the workspace (Clockify's default permissions for
    /// managing projects, clients, tags, tasks and members).
    pub fn admin_only(&self, wid: &str, what: &str) -> Result<String> {
        let wid = self.workspace(wid)?;
        if self.actor.role == Role::Admin {
            Ok(wid)
        } else {
            Err(refused(403, format!("only an admin can {what}")))
        }
    }

    /// Notes a record for the audit log if the workspace's settings ask for `category`.
    pub fn record(
        &mut self,
        category: Category,
        action: &str,
        target_id: &str,
        summary: String,
        details: Value,
    ) -> Result<()> {
        let settings = match self.settings {
            Some(s) => s,
            None => {
                let s = self.tx.settings(&self.actor.workspace_id)?.audit_log;
                self.settings = Some(s);
                s
            }
        };
        if !crate::audit::wanted(&settings, category) {
            return Ok(());
        }
        let record = crate::audit::Author::User(self.actor)
            .auditor(self.now)
            .record(
                &self.actor.workspace_id,
                action,
                target_id,
                summary,
                details,
            );
        self.audits.push(record);
        Ok(())
    }

    /// Notes a record whatever the workspace's settings say (switching the log on is
    /// recorded by the log it starts).
    pub fn record_anyway(
        &mut self,
        action: &str,
        target_id: &str,
        summary: String,
        details: Value,
    ) {
        let record = crate::audit::Author::User(self.actor)
            .auditor(self.now)
            .record(
                &self.actor.workspace_id,
                action,
                target_id,
                summary,
                details,
            );
        self.audits.push(record);
    }

    /// Writes `after` over `before` as a change that follows from `cause` (e.g.
    /// `project.deleted`), recorded as the entry's update with the cause named.
    pub fn linked_entry_change(
        &mut self,
        before: &EntryRow,
        after: &EntryRow,
        cause: &str,
        cause_id: &str,
    ) -> Result<()> {
        self.tx.update_entry(after)?;
        if let Some((_, id, action, summary, mut details)) =
            crate::audit::entry_event(Some(before), Some(after))
        {
            details["linkedTo"] = serde_json::json!({"action": cause, "targetId": cause_id});
            let summary = format!("{summary} (linked: {})", crate::audit::action_label(cause));
            self.record(Category::TimeEntries, action, &id, summary, details)?;
        }
        Ok(())
    }

    /// Ends the operation: its audit records and the kept answer go into its transaction.
    fn finish(self, keep: Option<&Keep>) -> Result<()> {
        if !self.audits.is_empty() {
            self.tx.add_audits(&self.audits)?;
        }
        self.tx.keep(keep)
    }
}

impl AppState {
    /// Runs a changing operation for `actor` in one transaction; `keep` (an
    /// `Idempotency-Key`'s answer, made from the result) is written in it too.
    pub async fn op<T, F, K>(&self, actor: &UserRow, run: F, keep: K) -> Answer<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Op<'_>) -> Result<T> + Send + 'static,
        K: FnOnce(&T) -> std::result::Result<Option<Keep>, ApiFailure> + Send + 'static,
    {
        let storage = self.storage.clone();
        let now = (self.clock)();
        let actor = actor.clone();
        tokio::task::spawn_blocking(move || {
            let mut run = Some(run);
            let mut keep = Some(keep);
            let mut out: Option<std::result::Result<T, ApiFailure>> = None;
            let written = storage.write(&mut |tx| {
                let (Some(run), Some(keep)) = (run.take(), keep.take()) else {
                    return Err(StorageError::Conflict("an operation ran twice".into()));
                };
                let mut op = Op::new(tx, &actor, now);
                let value = run(&mut op)?;
                let kept = match keep(&value) {
                    Ok(k) => k,
                    Err(failure) => {
                        out = Some(Err(failure));
                        return Err(refused(500, "the answer could not be written"));
                    }
                };
                op.finish(kept.as_ref())?;
                out = Some(Ok(value));
                Ok(())
            });
            match (written, out) {
                (Ok(()), Some(result)) => result,
                (Err(_), Some(Err(failure))) => Err(failure),
                (Err(e), _) => Err(ApiFailure::from(e)),
                (Ok(()), None) => Err(ApiFailure::internal("an operation gave no result")),
            }
        })
        .await
        .map_err(|e| ApiFailure::internal(format!("operation task failed: {e}")))?
    }

    /// Runs a reading operation for `actor` on one snapshot.
    pub async fn read_op<T, F>(&self, actor: &UserRow, run: F) -> Answer<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Op<'_>) -> Result<T> + Send + 'static,
    {
        let storage = self.storage.clone();
        let now = (self.clock)();
        let actor = actor.clone();
        tokio::task::spawn_blocking(move || {
            let mut run = Some(run);
            let mut out = None;
            storage.read(&mut |tx| {
                let run = run
                    .take()
                    .ok_or_else(|| StorageError::Conflict("an operation ran twice".into()))?;
                out = Some(run(&mut Op::new(tx, &actor, now))?);
                Ok(())
            })?;
            out.ok_or_else(|| ApiFailure::internal("an operation gave no result"))
        })
        .await
        .map_err(|e| ApiFailure::internal(format!("operation task failed: {e}")))?
    }
}

/// What an operation's caller gets: the value, or the answer that says why not.
pub type Answer<T> = std::result::Result<T, ApiFailure>;

/// A name as Clockify takes it: trimmed, 1 to `max` characters, something visible in it
/// and no control characters (a line break or NUL in a name breaks every list, CSV file and
/// page it is shown in).
pub fn name(text: &str, what: &str, max: usize) -> Result<String> {
    // Zero-width spaces and joiners, the word joiner, the BOM and the soft hyphen show
    // nothing on their own.
    let invisible = |c: char| {
        c.is_whitespace()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{00AD}')
    };
    let name = text.trim_matches(invisible);
    if name.is_empty() || name.chars().count() > max {
        return Err(invalid(format!(
            "a {what} name must be 1 to {max} characters"
        )));
    }
    // Bidirectional overrides and isolates make a name read as another one.
    let bidi = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    if name.chars().any(|c| c.is_control() || bidi(c)) {
        return Err(invalid(format!(
            "a {what} name cannot hold control characters such as line breaks"
        )));
    }
    Ok(name.to_owned())
}

/// Each top-level field of two JSON objects whose value differs, as the audit log records
/// it: `{"field", "previous", "new"}`.
pub fn field_changes(before: &Value, after: &Value) -> Vec<Value> {
    after
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(field, value)| before[field.as_str()] != **value)
        .map(|(field, value)| {
            serde_json::json!({"field": field, "previous": before[field.as_str()], "new": value})
        })
        .collect()
}

/// Refuses `name` for the object `id` when another of its kind already has it in any
/// case ("Website" and "website" are one name to the people who pick them).
pub fn unique_name<'n>(
    what: &str,
    id: &str,
    name: &str,
    others: impl IntoIterator<Item = (&'n str, &'n str)>,
) -> Result<()> {
    let folded = name.to_lowercase();
    let taken = others
        .into_iter()
        .any(|(other, n)| other != id && n.to_lowercase() == folded);
    if taken {
        return Err(StorageError::Conflict(format!(
            "a {what} named {name:?} already exists"
        )));
    }
    Ok(())
}

/// An optional id as clients send it: `None` or `""` is none.
pub fn given(id: Option<&str>) -> Option<&str> {
    id.map(str::trim).filter(|id| !id.is_empty())
}
