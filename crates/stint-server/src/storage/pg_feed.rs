//! The change feed on PostgreSQL: pages of the `changes` log (the rules of
//! `sqlite_feed`, read on one snapshot), and the listener thread that wakes this process's
//! long-polling readers when any process's change commits (LISTEN / NOTIFY).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use postgres::{fallible_iterator::FallibleIterator, GenericClient, NoTls};

use super::feed::{ChangeHub, FeedPage};
use super::pg::{all, entry_row, one};
use super::sqlite::ENTRY_COLUMNS;
use super::Result;

/// The log's highest position ever given (kept in `feed_position`, which expiring rows
/// does not lower).
pub(super) fn last_position(c: &mut impl GenericClient) -> Result<i64> {
    Ok(c.query_one("SELECT last FROM feed_position", &[])?.get(0))
}

/// Tells the hub what the log gained since it last looked.
fn publish(c: &mut impl GenericClient, hub: &ChangeHub) -> Result<()> {
    let last = last_position(c)?;
    let seen = hub.last();
    if last <= seen {
        return Ok(());
    }
    let reaches = all(
        c,
        "SELECT DISTINCT workspace_id, user_id FROM changes WHERE seq > $1 AND seq <= $2",
        &[&seen, &last],
        |r| Ok((r.try_get(0)?, r.try_get(1)?)),
    )?;
    hub.publish(last, reaches);
    Ok(())
}

/// How long the listener waits for a notification before it looks at the log anyway (a
/// notification lost with a dropped connection is made up for within this).
const LOOK_EVERY: Duration = Duration::from_secs(2);

/// Starts the thread that listens on its own connection and publishes to `hub`; it ends
/// when `stop` is set. A lost connection is opened again (every few seconds, logged once).
pub(super) fn listen(config: postgres::Config, hub: Arc<ChangeHub>, stop: Arc<AtomicBool>) {
    let spawned = std::thread::Builder::new()
        .name("stint-pg-listen".into())
        .spawn(move || {
            let mut failing = false;
            while !stop.load(Ordering::Relaxed) {
                match listen_once(&config, &hub, &stop) {
                    Ok(()) => return,
                    Err(e) => {
                        if !failing {
                            tracing::warn!(
                                "the change feed's database listener stopped: {e}; trying again"
                            );
                        }
                        failing = true;
                        std::thread::sleep(LOOK_EVERY);
                    }
                }
            }
        });
    if let Err(e) = spawned {
        tracing::error!("could not start the change feed's database listener: {e}");
    }
}

fn listen_once(config: &postgres::Config, hub: &ChangeHub, stop: &AtomicBool) -> Result<()> {
    let mut client = config.connect(NoTls)?;
    client.batch_execute("LISTEN stint_changes")?;
    // What was missed while not listening.
    publish(&mut client, hub)?;
    while !stop.load(Ordering::Relaxed) {
        // Several notifications are one look: the look reads everything new.
        let woken = client
            .notifications()
            .timeout_iter(LOOK_EVERY)
            .next()?
            .is_some();
        if woken {
            while client.notifications().iter().next()?.is_some() {}
        }
        publish(&mut client, hub)?;
    }
    Ok(())
}

/// What changed for `user_id` in `workspace_id` after `since`, at most `limit` changes;
/// the same rules as on SQLite (see `sqlite_feed::page`). Run on one snapshot: positions
/// commit in order, so the snapshot holds every change up to its last position.
pub(super) fn page(
    c: &mut impl GenericClient,
    workspace_id: &str,
    user_id: &str,
    since: Option<i64>,
    limit: u32,
) -> Result<FeedPage> {
    let first_kept: Option<i64> = c.query_one("SELECT min(seq) FROM changes", &[])?.get(0);
    let last = last_position(c)?;
    let forgotten = |since: i64| since < first_kept.map_or(last, |first| first - 1);
    let unknown = |since: i64| since > last;
    let workspace_last: Option<i64> = c
        .query_one(
            "SELECT max(seq) FROM changes WHERE workspace_id = $1",
            &[&workspace_id],
        )?
        .get(0);
    let floor = workspace_last.unwrap_or_else(|| first_kept.map_or(last, |first| first - 1));
    let Some(since) = since.filter(|s| !forgotten(*s) && !unknown(*s)) else {
        let entries = all(
            c,
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM time_entries WHERE workspace_id = $1 AND user_id = $2
                 ORDER BY start_utc DESC"
            ),
            &[&workspace_id, &user_id],
            entry_row,
        )?;
        return Ok(FeedPage {
            entries,
            settings: true,
            notices: true,
            catalog: true,
            cursor: floor,
            snapshot: true,
            ..FeedPage::default()
        });
    };
    let rows = all(
        c,
        "SELECT seq, kind, object_id FROM changes
         WHERE workspace_id = $1 AND (user_id = $2 OR user_id IS NULL) AND seq > $3
         ORDER BY seq LIMIT $4",
        &[&workspace_id, &user_id, &since, &(i64::from(limit) + 1)],
        |r| {
            Ok((
                r.try_get::<_, i64>(0)?,
                r.try_get::<_, String>(1)?,
                r.try_get::<_, String>(2)?,
            ))
        },
    )?;
    let more = rows.len() > limit as usize;
    let rows = &rows[..rows.len().min(limit as usize)];
    let mut page = FeedPage {
        more,
        cursor: rows.last().map_or(since, |(seq, _, _)| *seq),
        ..FeedPage::default()
    };
    if !more {
        // Nothing further for this user on this snapshot: the cursor may skip what others
        // changed up to the snapshot's last position.
        page.cursor = page.cursor.max(floor);
    }
    let mut seen = std::collections::HashSet::new();
    for (_, kind, object) in rows.iter().rev() {
        match kind.as_str() {
            "settings" => page.settings = true,
            "notice" => page.notices = true,
            "catalog" => page.catalog = true,
            "entry" if seen.insert(object.clone()) => {
                let now = one(
                    c,
                    &format!(
                        "SELECT {ENTRY_COLUMNS} FROM time_entries
                         WHERE workspace_id = $1 AND id = $2"
                    ),
                    &[&workspace_id, object],
                    entry_row,
                )?;
                match now.filter(|e| e.user_id == user_id) {
                    Some(entry) => page.entries.push(entry),
                    None => page.deleted.push(object.clone()),
                }
            }
            _ => {}
        }
    }
    page.entries.reverse();
    page.deleted.reverse();
    Ok(page)
}

/// Forgets log rows older than `before` (RFC 3339); a reader behind them gets a snapshot.
pub(super) fn expire(c: &mut impl GenericClient, before: &str) -> Result<usize> {
    Ok(c.execute("DELETE FROM changes WHERE at_utc < $1", &[&before])? as usize)
}
