//! [`AuditStorage`] on the server's SQLite database.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::sqlite::{parse_ts, ts, Sqlite};
use super::{AuditFilter, AuditRecord, AuditStorage, Result};

pub(super) const COLUMNS: &str =
    "id, workspace_id, at_utc, author_id, author_name, action, target_id, summary, details";

pub(super) fn record(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRecord> {
    let details: String = r.get(8)?;
    Ok(AuditRecord {
        id: r.get(0)?,
        workspace_id: r.get(1)?,
        at: parse_ts(&r.get::<_, String>(2)?)?,
        author_id: r.get(3)?,
        author_name: r.get(4)?,
        action: r.get(5)?,
        target_id: r.get(6)?,
        summary: r.get(7)?,
        details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
    })
}

impl AuditStorage for Sqlite {
    fn add_audit(&self, a: &AuditRecord) -> Result<()> {
        self.add_audits(std::slice::from_ref(a))
    }

    fn add_audits(&self, records: &[AuditRecord]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        insert_audits(&tx, records)?;
        tx.commit()?;
        Ok(())
    }

    fn audit_records(&self, workspace_id: &str, f: &AuditFilter) -> Result<Vec<AuditRecord>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM audit_log
             WHERE workspace_id = ?1
               AND (?2 IS NULL OR at_utc >= ?2) AND (?3 IS NULL OR at_utc < ?3)
               AND (?4 IS NULL OR ifnull(author_id, 'system') = ?4)
               AND (?5 IS NULL OR action = ?5)
             ORDER BY at_utc DESC, rowid DESC"
        ))?;
        let rows = stmt.query_map(
            params![
                workspace_id,
                f.from.map(ts),
                f.to.map(ts),
                f.author,
                f.action
            ],
            record,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn audit_record(&self, workspace_id: &str, id: &str) -> Result<Option<AuditRecord>> {
        record_in(&self.conn(), workspace_id, id)
    }

    fn expire_audit(&self, before: DateTime<Utc>) -> Result<usize> {
        Ok(self
            .conn()
            .execute("DELETE FROM audit_log WHERE at_utc < ?1", [ts(before)])?)
    }
}

/// Writes records in the caller's transaction.
pub(super) fn insert_audits(conn: &Connection, records: &[AuditRecord]) -> Result<()> {
    let mut stmt = conn.prepare_cached(&format!(
        "INSERT INTO audit_log ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    ))?;
    for a in records {
        stmt.execute(params![
            a.id,
            a.workspace_id,
            ts(a.at),
            a.author_id,
            a.author_name,
            a.action,
            a.target_id,
            a.summary,
            a.details.to_string()
        ])?;
    }
    Ok(())
}

/// One record of the workspace, in the caller's transaction.
pub(super) fn record_in(
    conn: &Connection,
    workspace_id: &str,
    id: &str,
) -> Result<Option<AuditRecord>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM audit_log WHERE workspace_id = ?1 AND id = ?2"),
            [workspace_id, id],
            record,
        )
        .optional()?)
}

/// The records about one object, oldest first, in the caller's transaction.
pub(super) fn records_of(
    conn: &Connection,
    workspace_id: &str,
    target_id: &str,
) -> Result<Vec<AuditRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE workspace_id = ?1 AND target_id = ?2
         ORDER BY at_utc, rowid"
    ))?;
    let rows = stmt.query_map([workspace_id, target_id], record)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
