//! The batch operation on PostgreSQL: [`BatchRows`] on one writing transaction.

use chrono::{DateTime, Utc};
use postgres::Transaction;

use super::batch::{BatchAnswer, BatchItem, BatchOutcome, BatchRows};
use super::pg::{is_constraint, Postgres};
use super::pg_rows;
use super::{EntryRow, Keep, Result, StoredResponse, UserRow};

struct Rows<'a, 'b>(&'a mut Transaction<'b>);

impl BatchRows for Rows<'_, '_> {
    fn find_entry(&mut self, workspace_id: &str, id: &str) -> Result<Option<EntryRow>> {
        pg_rows::find_entry(self.0, workspace_id, id)
    }

    fn delete_entry(&mut self, workspace_id: &str, id: &str) -> Result<Vec<String>> {
        let blobs = super::pg_screenshots::delete_sets_of_entry(self.0, workspace_id, id)?;
        self.0.execute(
            "DELETE FROM time_entries WHERE workspace_id = $1 AND id = $2",
            &[&workspace_id, &id],
        )?;
        Ok(blobs)
    }

    fn stop_for_new_timer(
        &mut self,
        user_id: &str,
        start: DateTime<Utc>,
    ) -> Result<std::result::Result<Option<(EntryRow, EntryRow)>, &'static str>> {
        pg_rows::stop_for_new_timer(self.0, user_id, start)
    }

    fn write_entry(&mut self, entry: &EntryRow, insert: bool) -> Result<Option<EntryRow>> {
        // A refused statement ends a PostgreSQL transaction: a savepoint keeps the rest of
        // the batch going, as a refused statement does on SQLite.
        let mut savepoint = self.0.savepoint("write_entry")?;
        match pg_rows::write_entry(&mut savepoint, entry, insert) {
            Err(e) if is_constraint(&e) => {
                savepoint.rollback()?;
                Ok(None)
            }
            Err(e) => Err(e.into()),
            Ok(_) => {
                let stored = pg_rows::stored(&mut savepoint, entry)?;
                savepoint.commit()?;
                Ok(Some(stored))
            }
        }
    }

    fn kept_response(&mut self, scope: &str, key: &str) -> Result<Option<StoredResponse>> {
        pg_rows::kept_response(self.0, scope, key)
    }

    fn keep(&mut self, keep: &Keep) -> Result<()> {
        pg_rows::keep_in(self.0, Some(keep))
    }

    fn audit_entries(
        &mut self,
        auditor: Option<&super::Auditor>,
        changes: &[(Option<&EntryRow>, Option<&EntryRow>)],
    ) -> Result<()> {
        pg_rows::audit_entries(self.0, auditor, changes)
    }
}

/// See `Storage::apply_batch`.
pub(super) fn apply(
    db: &Postgres,
    user: &UserRow,
    items: &[BatchItem],
    answer: &BatchAnswer,
    auditor: Option<&super::Auditor>,
) -> Result<Vec<BatchOutcome>> {
    db.write(|tx| super::batch::apply(&mut Rows(tx), user, items, answer, auditor))
}
