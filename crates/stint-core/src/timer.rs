//! The timer state machine. The running entry is the state; start and stop are the
//! transitions. Repeated clicks are answered with "nothing changed" rather than an error
//! or a second entry, because a double click or a tray click racing a window click is normal.

use chrono::{DateTime, Utc};

use crate::entry::{normalize_description, Entry, EntryError, EntryId, Work};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartOutcome {
    /// A new entry now runs; persist it.
    Started(Entry),
    /// A timer was already running; nothing to persist.
    AlreadyRunning(Entry),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopOutcome {
    /// The running entry, now with its end; persist it.
    Stopped(Entry),
    /// No timer was running; nothing to persist.
    NotRunning,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimerError {
    #[error(transparent)]
    Entry(#[from] EntryError),
}

/// Start a timer at `now` for `work` unless one is already running.
pub fn start(
    running: Option<&Entry>,
    id: EntryId,
    description: &str,
    work: &Work,
    now: DateTime<Utc>,
) -> Result<StartOutcome, TimerError> {
    if let Some(entry) = running {
        return Ok(StartOutcome::AlreadyRunning(entry.clone()));
    }
    Ok(StartOutcome::Started(Entry {
        id,
        description: normalize_description(description)?,
        start: now,
        end: None,
        work: work.normalized()?,
    }))
}

/// Stop the running timer at `now`. A timer can always be stopped: one whose start is
/// ahead of `now` (adopted from a device whose clock runs fast, or this clock was set
/// back) ends at its start, with no time, rather than refusing to stop.
pub fn stop(running: Option<&Entry>, now: DateTime<Utc>) -> Result<StopOutcome, TimerError> {
    let Some(entry) = running else {
        return Ok(StopOutcome::NotRunning);
    };
    Ok(StopOutcome::Stopped(Entry {
        end: Some(now.max(entry.start)),
        ..entry.clone()
    }))
}

/// The next moment at which the whole minutes elapsed since `start` change: displays
/// outside the window (tray title) show minutes, so they need no refresh in between.
/// Never earlier than one second from `now`, so a clock set back cannot cause a busy loop.
pub fn next_display_refresh(start: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    let minute = chrono::Duration::minutes(1);
    let elapsed = (now - start).max(chrono::Duration::zero());
    let whole = elapsed.num_minutes() + 1;
    let due = start + minute * i32::try_from(whole).unwrap_or(i32::MAX);
    due.max(now + chrono::Duration::seconds(1))
}

/// Continue an earlier entry (the tray's recent entries, Clockify's "continue"): a new entry
/// with `from`'s description, project, task, tags and billable runs from `now`; a running timer stops at `now` first. Returns
/// the entries to write, in order.
pub fn continue_from(
    running: Option<&Entry>,
    from: &Entry,
    id: EntryId,
    now: DateTime<Utc>,
) -> Result<Vec<Entry>, TimerError> {
    let mut writes = Vec::new();
    if let Ok(StopOutcome::Stopped(stopped)) = stop(running, now) {
        writes.push(stopped);
    }
    writes.push(Entry {
        id,
        description: normalize_description(&from.description)?,
        start: now,
        end: None,
        work: from.work.clone(),
    });
    Ok(writes)
}

/// The entries to offer for continuing: stopped ones, one per description and project,
/// newest first, at most `n`. `newest_first` is a recent stretch of entries, newest first.
pub fn recent_distinct(newest_first: &[Entry], n: usize) -> Vec<Entry> {
    let mut seen = std::collections::HashSet::new();
    newest_first
        .iter()
        .filter(|e| !e.is_running())
        .filter(|e| {
            seen.insert((
                e.description.trim().to_lowercase(),
                e.work.project_id.clone(),
                e.work.task_id.clone(),
            ))
        })
        .take(n)
        .cloned()
        .collect()
}

/// The projects (with their task) of the latest entries, most recent first, each pair
/// once, at most `n`: what the picker offers first (Clockify's and Toggl's "recent").
/// Only the project and task are kept.
pub fn recent_work(newest_first: &[Entry], n: usize) -> Vec<Work> {
    let mut out: Vec<Work> = Vec::new();
    for e in newest_first.iter().filter(|e| e.work.project_id.is_some()) {
        let pair = Work {
            project_id: e.work.project_id.clone(),
            task_id: e.work.task_id.clone(),
            ..Work::default()
        };
        if !out.contains(&pair) {
            out.push(pair);
        }
        if out.len() == n {
            break;
        }
    }
    out
}
