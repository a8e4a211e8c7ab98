//! The rows of one member's own data on SQLite, for the "My data" page and its downloads
//! (`ops::my_data`): all their entries, their stored capture sets, and the audit records
//! that may be about them. Read inside a [`super::CatalogTx`]'s transaction.

use rusqlite::{params, Connection};

use super::sqlite::{entry_row, ENTRY_COLUMNS};
use super::sqlite_audit::{record, COLUMNS as AUDIT_COLUMNS};
use super::sqlite_screenshots::{set_row, with_screenshots, SET_COLUMNS};
use super::{AuditRecord, CaptureSetRow, EntryRow, Result};

/// A `LIKE` pattern (escape `\`) for text holding `id` as a JSON string: `%"id"%`.
pub(super) fn quoted_pattern(id: &str) -> String {
    let mut escaped = String::with_capacity(id.len() + 4);
    for c in id.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    format!("%\"{escaped}\"%")
}

pub(super) fn entries_of_user(
    conn: &Connection,
    workspace_id: &str,
    user_id: &str,
) -> Result<Vec<EntryRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS} FROM time_entries WHERE workspace_id = ?1 AND user_id = ?2
         ORDER BY start_utc, id"
    ))?;
    let rows = stmt.query_map([workspace_id, user_id], entry_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub(super) fn capture_sets_of_user(
    conn: &Connection,
    workspace_id: &str,
    user_id: &str,
) -> Result<Vec<CaptureSetRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {SET_COLUMNS} FROM capture_sets
         WHERE workspace_id = ?1 AND user_id = ?2 AND stored = 1
         ORDER BY captured_utc, id"
    ))?;
    let sets: Vec<CaptureSetRow> = stmt
        .query_map([workspace_id, user_id], set_row)?
        .collect::<rusqlite::Result<_>>()?;
    sets.into_iter()
        .map(|s| with_screenshots(conn, s))
        .collect()
}

pub(super) fn audit_records_about(
    conn: &Connection,
    workspace_id: &str,
    user_id: &str,
) -> Result<Vec<AuditRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {AUDIT_COLUMNS} FROM audit_log
         WHERE workspace_id = ?1 AND (
               author_id = ?2 OR target_id = ?2 OR details LIKE ?3 ESCAPE '\\'
            OR target_id IN (
                   SELECT id FROM time_entries WHERE workspace_id = ?1 AND user_id = ?2
                   UNION SELECT object_id FROM changes
                         WHERE workspace_id = ?1 AND user_id = ?2 AND kind = 'entry'
                   UNION SELECT target_id FROM audit_log
                         WHERE workspace_id = ?1 AND details LIKE ?3 ESCAPE '\\'
                           AND action LIKE 'time\\_entry.%' ESCAPE '\\'))
         ORDER BY at_utc, rowid"
    ))?;
    let rows = stmt.query_map(
        params![workspace_id, user_id, quoted_pattern(user_id)],
        record,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::quoted_pattern;

    #[test]
    fn like_wildcards_in_an_id_are_escaped() {
        assert_eq!(quoted_pattern("abc123"), "%\"abc123\"%");
        assert_eq!(quoted_pattern("a%b_c\\"), "%\"a\\%b\\_c\\\\\"%");
    }
}
