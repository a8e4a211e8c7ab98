//! The change feed on SQLite: pages of the `changes` log, and publishing what a finished
//! operation added to it.

use rusqlite::{Connection, OptionalExtension};

use super::feed::{ChangeHub, FeedPage};
use super::sqlite::{entry_row, ENTRY_COLUMNS};
use super::Result;

/// After an operation: the log's new positions, told to the hub by workspace.
pub(super) fn publish(conn: &Connection, hub: &ChangeHub) -> rusqlite::Result<()> {
    let last = last_position(conn)?;
    let seen = hub.last();
    if last <= seen {
        return Ok(());
    }
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT workspace_id, user_id FROM changes WHERE seq > ?1 AND seq <= ?2",
    )?;
    let reaches = stmt
        .query_map([seen, last], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<super::feed::Reach>>>()?;
    hub.publish(last, reaches);
    Ok(())
}

/// The log's highest position ever given (AUTOINCREMENT's mark, which expiring rows does
/// not lower).
pub(super) fn last_position(conn: &Connection) -> rusqlite::Result<i64> {
    Ok(conn
        .prepare_cached("SELECT seq FROM sqlite_sequence WHERE name = 'changes'")?
        .query_row([], |r| r.get::<_, i64>(0))
        .optional()?
        .unwrap_or(0))
}

/// What changed for `user_id` in `workspace_id` after `since`, at most `limit` changes.
pub(super) fn page(
    conn: &Connection,
    workspace_id: &str,
    user_id: &str,
    since: Option<i64>,
    limit: u32,
) -> Result<FeedPage> {
    let first_kept: Option<i64> =
        conn.query_row("SELECT min(seq) FROM changes", [], |r| r.get(0))?;
    let last = last_position(conn)?;
    // A first sync, or a cursor older than what the log still holds (the rows after it
    // were forgotten) or newer than it: everything.
    let forgotten = |since: i64| since < first_kept.map_or(last, |first| first - 1);
    // A cursor ahead of every position given (a server restored from a backup, a cursor
    // from another server): what changed since cannot be told, so everything is.
    let unknown = |since: i64| since > last;
    // Cursors move to this workspace's last change, never to the log's last one: another
    // workspace's activity must not show in this one's cursors.
    let workspace_last: Option<i64> = conn.query_row(
        "SELECT max(seq) FROM changes WHERE workspace_id = ?1",
        [workspace_id],
        |r| r.get(0),
    )?;
    let floor = workspace_last.unwrap_or_else(|| first_kept.map_or(last, |first| first - 1));
    let Some(since) = since.filter(|s| !forgotten(*s) && !unknown(*s)) else {
        let cursor = floor;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM time_entries WHERE workspace_id = ?1 AND user_id = ?2
             ORDER BY start_utc DESC"
        ))?;
        let entries = stmt
            .query_map([workspace_id, user_id], entry_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        return Ok(FeedPage {
            entries,
            settings: true,
            notices: true,
            catalog: true,
            cursor,
            snapshot: true,
            ..FeedPage::default()
        });
    };
    let mut stmt = conn.prepare_cached(
        "SELECT seq, kind, object_id FROM changes
         WHERE workspace_id = ?1 AND (user_id = ?2 OR user_id IS NULL) AND seq > ?3
         ORDER BY seq LIMIT ?4",
    )?;
    let rows = stmt
        .query_map(
            rusqlite::params![workspace_id, user_id, since, i64::from(limit) + 1],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let more = rows.len() > limit as usize;
    let rows = &rows[..rows.len().min(limit as usize)];
    let mut page = FeedPage {
        more,
        cursor: rows.last().map_or(since, |(seq, _, _)| *seq),
        ..FeedPage::default()
    };
    if !more {
        // Nothing further for this user: the cursor may skip what others changed (the
        // page's reads share one snapshot: nothing was written between them).
        page.cursor = page.cursor.max(floor);
    }
    let mut seen = std::collections::HashSet::new();
    for (_, kind, object) in rows.iter().rev() {
        match kind.as_str() {
            "settings" => page.settings = true,
            "notice" => page.notices = true,
            "catalog" => page.catalog = true,
            "entry" if seen.insert(object.clone()) => {
                let now = conn
                    .query_row(
                        &format!(
                            "SELECT {ENTRY_COLUMNS} FROM time_entries
                             WHERE workspace_id = ?1 AND id = ?2"
                        ),
                        [workspace_id, object.as_str()],
                        entry_row,
                    )
                    .optional()?;
                match now.filter(|e| e.user_id == user_id) {
                    Some(entry) => page.entries.push(entry),
                    None => page.deleted.push(object.clone()),
                }
            }
            _ => {}
        }
    }
    // Oldest change first, as they happened.
    page.entries.reverse();
    page.deleted.reverse();
    Ok(page)
}

/// Forgets log rows older than `before` (RFC 3339); a reader behind them gets a snapshot.
pub(super) fn expire(conn: &Connection, before: &str) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM changes WHERE at_utc < ?1", [before])
}
