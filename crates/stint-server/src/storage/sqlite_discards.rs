//! [`DiscardStorage`] and the discard write of an operation on SQLite.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

use super::discards::DISCARD_COLUMNS;
use super::sqlite::{parse_ts, ts, Sqlite};
use super::{DiscardRow, DiscardStorage, Result};

fn discard_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DiscardRow> {
    Ok(DiscardRow {
        workspace_id: r.get(0)?,
        id: r.get(1)?,
        user_id: r.get(2)?,
        entry_id: r.get(3)?,
        captured: parse_ts(&r.get::<_, String>(4)?)?,
        removed_seconds: r.get(5)?,
        monitors: r.get(6)?,
    })
}

/// Keeps a discard in the caller's transaction; `false` if its id was already kept.
pub(super) fn add_discard(conn: &Connection, d: &DiscardRow, now: DateTime<Utc>) -> Result<bool> {
    let added = conn.execute(
        &format!(
            "INSERT INTO discarded_captures ({DISCARD_COLUMNS}, created_utc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING"
        ),
        params![
            d.workspace_id,
            d.id,
            d.user_id,
            d.entry_id,
            ts(d.captured),
            d.removed_seconds,
            d.monitors,
            ts(now)
        ],
    )?;
    Ok(added == 1)
}

/// A member's kept discard with this id.
pub(super) fn discard(
    conn: &Connection,
    workspace_id: &str,
    user_id: &str,
    id: &str,
) -> Result<Option<DiscardRow>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            &format!(
                "SELECT {DISCARD_COLUMNS} FROM discarded_captures
                 WHERE workspace_id = ?1 AND user_id = ?2 AND id = ?3"
            ),
            [workspace_id, user_id, id],
            discard_row,
        )
        .optional()?)
}

impl DiscardStorage for Sqlite {
    fn discards(
        &self,
        workspace_id: &str,
        user_id: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<DiscardRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {DISCARD_COLUMNS} FROM discarded_captures
             WHERE workspace_id = ?1 AND (?2 IS NULL OR user_id = ?2)
               AND captured_utc >= ?3 AND captured_utc < ?4
             ORDER BY captured_utc, id"
        ))?;
        let rows = stmt.query_map(
            params![workspace_id, user_id, ts(from), ts(to)],
            discard_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
