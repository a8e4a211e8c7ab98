//! An offline backlog: finished entries queued in an agent's database, as if made while
//! the server was unreachable.

use std::path::Path;

use chrono::{Duration, TimeZone, Utc};
use stint_core::{Entry, EntryId};
use stint_store::Store;

/// Queues `count` finished 30-second entries, one a minute from 2026-01-01, with fixed ids
/// (`00000000-0000-4000-8000-<n>`), in the database at `database` (created if needed).
pub fn queue_backlog(database: &Path, count: usize) -> anyhow::Result<()> {
    if let Some(dir) = database.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut store = Store::open(database)?;
    let base = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("a valid time");
    for n in 0..count {
        let start = base + Duration::minutes(n as i64);
        store.save(&Entry {
            work: Default::default(),
            id: EntryId(format!("00000000-0000-4000-8000-{n:012}")),
            description: format!("backlog {n}"),
            start,
            end: Some(start + Duration::seconds(30)),
        })?;
    }
    Ok(())
}
