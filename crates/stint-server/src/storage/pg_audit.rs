//! [`AuditStorage`] on the PostgreSQL database (the rules of `sqlite_audit`; `seq` keeps
//! the order records were written in, as `rowid` does there).

use chrono::{DateTime, Utc};
use postgres::{GenericClient, Row};

use super::pg::{all, one, parse_ts, Postgres};
use super::sqlite::ts;
use super::{AuditFilter, AuditRecord, AuditStorage, Result};

pub(super) const COLUMNS: &str =
    "id, workspace_id, at_utc, author_id, author_name, action, target_id, summary, details";

pub(super) fn record(r: &Row) -> Result<AuditRecord> {
    let details: String = r.try_get(8)?;
    Ok(AuditRecord {
        id: r.try_get(0)?,
        workspace_id: r.try_get(1)?,
        at: parse_ts(&r.try_get::<_, String>(2)?)?,
        author_id: r.try_get(3)?,
        author_name: r.try_get(4)?,
        action: r.try_get(5)?,
        target_id: r.try_get(6)?,
        summary: r.try_get(7)?,
        details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
    })
}

impl AuditStorage for Postgres {
    fn add_audit(&self, a: &AuditRecord) -> Result<()> {
        self.add_audits(std::slice::from_ref(a))
    }

    fn add_audits(&self, records: &[AuditRecord]) -> Result<()> {
        self.write(|tx| insert_audits(tx, records))
    }

    fn audit_records(&self, workspace_id: &str, f: &AuditFilter) -> Result<Vec<AuditRecord>> {
        self.read(|tx| {
            all(
                tx,
                &format!(
                    "SELECT {COLUMNS} FROM audit_log
                     WHERE workspace_id = $1
                       AND ($2::text IS NULL OR at_utc >= $2) AND ($3::text IS NULL OR at_utc < $3)
                       AND ($4::text IS NULL OR coalesce(author_id, 'system') = $4)
                       AND ($5::text IS NULL OR action = $5)
                     ORDER BY at_utc DESC, seq DESC"
                ),
                &[
                    &workspace_id,
                    &f.from.map(ts),
                    &f.to.map(ts),
                    &f.author,
                    &f.action,
                ],
                record,
            )
        })
    }

    fn audit_record(&self, workspace_id: &str, id: &str) -> Result<Option<AuditRecord>> {
        self.read(|tx| record_in(tx, workspace_id, id))
    }

    fn expire_audit(&self, before: DateTime<Utc>) -> Result<usize> {
        let removed = self.write(|tx| {
            Ok(tx.execute("DELETE FROM audit_log WHERE at_utc < $1", &[&ts(before)])?)
        })?;
        Ok(usize::try_from(removed).unwrap_or(usize::MAX))
    }
}

/// Writes records in the caller's transaction.
pub(super) fn insert_audits(c: &mut impl GenericClient, records: &[AuditRecord]) -> Result<()> {
    let sql =
        format!("INSERT INTO audit_log ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
    for a in records {
        c.execute(
            &sql,
            &[
                &a.id,
                &a.workspace_id,
                &ts(a.at),
                &a.author_id,
                &a.author_name,
                &a.action,
                &a.target_id,
                &a.summary,
                &a.details.to_string(),
            ],
        )?;
    }
    Ok(())
}

/// One record of the workspace, in the caller's transaction.
pub(super) fn record_in(
    c: &mut impl GenericClient,
    workspace_id: &str,
    id: &str,
) -> Result<Option<AuditRecord>> {
    one(
        c,
        &format!("SELECT {COLUMNS} FROM audit_log WHERE workspace_id = $1 AND id = $2"),
        &[&workspace_id, &id],
        record,
    )
}

/// The records about one object, oldest first, in the caller's transaction.
pub(super) fn records_of(
    c: &mut impl GenericClient,
    workspace_id: &str,
    target_id: &str,
) -> Result<Vec<AuditRecord>> {
    all(
        c,
        &format!(
            "SELECT {COLUMNS} FROM audit_log WHERE workspace_id = $1 AND target_id = $2
             ORDER BY at_utc, seq"
        ),
        &[&workspace_id, &target_id],
        record,
    )
}
