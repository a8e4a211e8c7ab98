//! The rows of one member's own data on PostgreSQL, for the "My data" page and its
//! downloads (the queries of `sqlite_my_data`; `seq` keeps the order audit records were
//! written in, as `rowid` does there). Read inside a [`super::CatalogTx`]'s transaction.

use postgres::GenericClient;

use super::pg::{all, entry_row};
use super::pg_audit::{record, COLUMNS as AUDIT_COLUMNS};
use super::pg_screenshots::{set_row, with_screenshots, SET_COLUMNS};
use super::sqlite::ENTRY_COLUMNS;
use super::sqlite_my_data::quoted_pattern;
use super::{AuditRecord, CaptureSetRow, EntryRow, Result};

pub(super) fn entries_of_user(
    c: &mut impl GenericClient,
    workspace_id: &str,
    user_id: &str,
) -> Result<Vec<EntryRow>> {
    all(
        c,
        &format!(
            "SELECT {ENTRY_COLUMNS} FROM time_entries WHERE workspace_id = $1 AND user_id = $2
             ORDER BY start_utc, id"
        ),
        &[&workspace_id, &user_id],
        entry_row,
    )
}

pub(super) fn capture_sets_of_user(
    c: &mut impl GenericClient,
    workspace_id: &str,
    user_id: &str,
) -> Result<Vec<CaptureSetRow>> {
    let sets = all(
        c,
        &format!(
            "SELECT {SET_COLUMNS} FROM capture_sets
             WHERE workspace_id = $1 AND user_id = $2 AND stored
             ORDER BY captured_utc, id"
        ),
        &[&workspace_id, &user_id],
        set_row,
    )?;
    sets.into_iter().map(|s| with_screenshots(c, s)).collect()
}

pub(super) fn audit_records_about(
    c: &mut impl GenericClient,
    workspace_id: &str,
    user_id: &str,
) -> Result<Vec<AuditRecord>> {
    let pattern = quoted_pattern(user_id);
    all(
        c,
        &format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log
             WHERE workspace_id = $1 AND (
                   author_id = $2 OR target_id = $2 OR details LIKE $3 ESCAPE '\\'
                OR target_id IN (
                       SELECT id FROM time_entries WHERE workspace_id = $1 AND user_id = $2
                       UNION SELECT object_id FROM changes
                             WHERE workspace_id = $1 AND user_id = $2 AND kind = 'entry'
                       UNION SELECT target_id FROM audit_log
                             WHERE workspace_id = $1 AND details LIKE $3 ESCAPE '\\'
                               AND action LIKE 'time\\_entry.%' ESCAPE '\\'))
             ORDER BY at_utc, seq"
        ),
        &[&workspace_id, &user_id, &pattern],
        record,
    )
}
