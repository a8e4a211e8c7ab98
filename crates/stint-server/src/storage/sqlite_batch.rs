//! The batch operation on SQLite: [`BatchRows`] on one immediate transaction.

use chrono::{DateTime, Utc};
use rusqlite::Connection;

use super::batch::{BatchAnswer, BatchItem, BatchOutcome, BatchRows};
use super::sqlite::{is_constraint, keep_in, kept_response, write_entry, Sqlite};
use super::{EntryRow, Keep, Result, StoredResponse, UserRow};

struct Rows<'a>(&'a Connection);

impl BatchRows for Rows<'_> {
    fn find_entry(&mut self, workspace_id: &str, id: &str) -> Result<Option<EntryRow>> {
        Sqlite::find_entry(self.0, workspace_id, id)
    }

    fn delete_entry(&mut self, workspace_id: &str, id: &str) -> Result<Vec<String>> {
        let blobs = super::sqlite_screenshots::delete_sets_of_entry(self.0, workspace_id, id)?;
        self.0.execute(
            "DELETE FROM time_entries WHERE workspace_id = ?1 AND id = ?2",
            [workspace_id, id],
        )?;
        Ok(blobs)
    }

    fn stop_for_new_timer(
        &mut self,
        user_id: &str,
        start: DateTime<Utc>,
    ) -> Result<std::result::Result<Option<(EntryRow, EntryRow)>, &'static str>> {
        super::sqlite::stop_for_new_timer(self.0, user_id, start)
    }

    fn write_entry(&mut self, entry: &EntryRow, insert: bool) -> Result<Option<EntryRow>> {
        match write_entry(self.0, entry, insert) {
            Err(e) if is_constraint(&e) => Ok(None),
            Err(e) => Err(e.into()),
            Ok(_) => Ok(Some(Sqlite::stored(self.0, entry)?)),
        }
    }

    fn kept_response(&mut self, scope: &str, key: &str) -> Result<Option<StoredResponse>> {
        kept_response(self.0, scope, key)
    }

    fn keep(&mut self, keep: &Keep) -> Result<()> {
        keep_in(self.0, Some(keep))
    }

    fn audit_entries(
        &mut self,
        auditor: Option<&super::Auditor>,
        changes: &[(Option<&EntryRow>, Option<&EntryRow>)],
    ) -> Result<()> {
        super::sqlite::audit_entries(self.0, auditor, changes)
    }
}

/// See `Storage::apply_batch`.
pub(super) fn apply(
    conn: &mut Connection,
    user: &UserRow,
    items: &[BatchItem],
    answer: &BatchAnswer,
    auditor: Option<&super::Auditor>,
) -> Result<Vec<BatchOutcome>> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let outcomes = super::batch::apply(&mut Rows(&tx), user, items, answer, auditor)?;
    tx.commit()?;
    Ok(outcomes)
}
