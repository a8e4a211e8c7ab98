//! What deleting a capture set (the screenshots of one moment) does to its time entry.
//! DESIGN.md: a regular user deleting one cuts the time from the entry's previous capture
//! (or its start) up to this one out of the entry, so work they hide is not paid either;
//! deleting the only capture deletes the entry; an admin's delete subtracts nothing.

use chrono::{DateTime, Utc};

/// Who deletes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleter {
    /// The entry's owner, a regular member.
    Owner,
    /// A workspace admin (also when deleting their own).
    Admin,
}

/// What the rules need to know of the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryFacts {
    pub start: DateTime<Utc>,
    /// `None` while its timer runs.
    pub end: Option<DateTime<Utc>>,
    pub locked: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DeletionRefused {
    #[error("this screenshot's timer is still running; stop it first, then delete the screenshot")]
    TimerRunning,
    #[error("this screenshot's time entry is locked; ask a workspace admin")]
    Locked,
}

/// What becomes of the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryChange {
    /// The time stays as it is (an admin's delete).
    Unchanged,
    /// It was the entry's only capture: the entry goes too.
    DeleteEntry,
    /// The cut reached an edge: the entry keeps `[start, end]`.
    Trim {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    /// The cut lies inside: the entry keeps `[start, first_end]` and a new entry takes
    /// `[second_start, end]` with the captures after the deleted one.
    Split {
        first_end: DateTime<Utc>,
        second_start: DateTime<Utc>,
    },
}

/// Decides the effect of deleting the capture taken at `deleted`, given every capture of
/// the same entry (`captures`, in any order, including `deleted`).
pub fn delete_capture(
    entry: &EntryFacts,
    captures: &[DateTime<Utc>],
    deleted: DateTime<Utc>,
    by: Deleter,
) -> Result<EntryChange, DeletionRefused> {
    if by == Deleter::Admin {
        return Ok(EntryChange::Unchanged);
    }
    let Some(end) = entry.end else {
        return Err(DeletionRefused::TimerRunning);
    };
    if entry.locked {
        return Err(DeletionRefused::Locked);
    }
    if captures.iter().all(|c| *c == deleted) {
        return Ok(EntryChange::DeleteEntry);
    }
    let at = deleted.clamp(entry.start, end);
    let previous = captures
        .iter()
        .copied()
        .filter(|c| *c < deleted)
        .max()
        .map_or(entry.start, |c| c.clamp(entry.start, end));
    Ok(if previous <= entry.start {
        EntryChange::Trim { start: at, end }
    } else if at >= end {
        EntryChange::Trim {
            start: entry.start,
            end: previous,
        }
    } else {
        EntryChange::Split {
            first_end: previous,
            second_start: at,
        }
    })
}
