//! [`DiscardStorage`] and the discard write of an operation on PostgreSQL (the rules of
//! `sqlite_discards`).

use chrono::{DateTime, Utc};
use postgres::{GenericClient, Row};

use super::discards::DISCARD_COLUMNS;
use super::pg::{all, parse_ts, Postgres};
use super::sqlite::ts;
use super::{DiscardRow, DiscardStorage, Result, StorageError};

fn discard_row(r: &Row) -> Result<DiscardRow> {
    let monitors: i64 = r.try_get(6)?;
    Ok(DiscardRow {
        workspace_id: r.try_get(0)?,
        id: r.try_get(1)?,
        user_id: r.try_get(2)?,
        entry_id: r.try_get(3)?,
        captured: parse_ts(&r.try_get::<_, String>(4)?)?,
        removed_seconds: r.try_get(5)?,
        monitors: u32::try_from(monitors)
            .map_err(|_| StorageError::Corrupt(format!("a discard holds {monitors} monitors")))?,
    })
}

/// Keeps a discard in the caller's transaction; `false` if its id was already kept.
pub(super) fn add_discard(
    c: &mut impl GenericClient,
    d: &DiscardRow,
    now: DateTime<Utc>,
) -> Result<bool> {
    let added = c.execute(
        &format!(
            "INSERT INTO discarded_captures ({DISCARD_COLUMNS}, created_utc)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING"
        ),
        &[
            &d.workspace_id,
            &d.id,
            &d.user_id,
            &d.entry_id,
            &ts(d.captured),
            &d.removed_seconds,
            &i64::from(d.monitors),
            &ts(now),
        ],
    )?;
    Ok(added == 1)
}

/// The kept discard with this id.
pub(super) fn discard(
    c: &mut impl GenericClient,
    workspace_id: &str,
    user_id: &str,
    id: &str,
) -> Result<Option<DiscardRow>> {
    Ok(all(
        c,
        &format!(
            "SELECT {DISCARD_COLUMNS} FROM discarded_captures
             WHERE workspace_id = $1 AND user_id = $2 AND id = $3"
        ),
        &[&workspace_id, &user_id, &id],
        discard_row,
    )?
    .pop())
}

impl DiscardStorage for Postgres {
    fn discards(
        &self,
        workspace_id: &str,
        user_id: Option<&str>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<DiscardRow>> {
        self.read(|tx| {
            all(
                tx,
                &format!(
                    "SELECT {DISCARD_COLUMNS} FROM discarded_captures
                     WHERE workspace_id = $1 AND ($2::text IS NULL OR user_id = $2)
                       AND captured_utc >= $3 AND captured_utc < $4
                     ORDER BY captured_utc, id"
                ),
                &[&workspace_id, &user_id, &ts(from), &ts(to)],
                discard_row,
            )
        })
    }
}
