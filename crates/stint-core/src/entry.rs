//! Time entries and the rules every change to one must satisfy.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::time::sane_time;

/// Longest description we accept; Clockify rejects longer ones too.
pub const MAX_DESCRIPTION_CHARS: usize = 3000;

/// A client-generated entry id (a UUID in text form). Generated on the device so that a
/// retried upload can be recognised by the server and never doubles an entry.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type,
)]
#[serde(transparent)]
pub struct EntryId(pub String);

impl std::fmt::Display for EntryId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One span of tracked time. `end == None` means the timer is running.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub id: EntryId,
    pub description: String,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

/// The fields a user may change on an existing entry; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EntryPatch {
    pub description: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("the end ({end}) is before the start ({start})")]
    EndBeforeStart {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    #[error("a running entry cannot start in the future ({start}); it is now {now}")]
    StartInFuture {
        start: DateTime<Utc>,
        now: DateTime<Utc>,
    },
    #[error("a running entry has no end yet; stop the timer instead")]
    EndOfRunningEntry,
    #[error("the description is longer than {MAX_DESCRIPTION_CHARS} characters")]
    DescriptionTooLong,
    /// A year a person cannot mean (the same rule as the server's, [`crate::time`]).
    #[error("{0}")]
    OutOfRange(#[from] crate::time::OutOfRange),
}

/// Trims the description and folds line breaks into spaces: an entry's description is one line.
pub fn normalize_description(raw: &str) -> Result<String, EntryError> {
    let one_line: String = raw
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(EntryError::DescriptionTooLong);
    }
    Ok(one_line)
}

impl Entry {
    pub fn is_running(&self) -> bool {
        self.end.is_none()
    }

    /// Length so far: a running entry counts up to `now`, never below zero even if the
    /// wall clock was set back.
    pub fn duration(&self, now: DateTime<Utc>) -> Duration {
        let end = self.end.unwrap_or(now);
        (end - self.start).max(Duration::zero())
    }

    /// A stopped entry typed in by hand.
    pub fn manual(
        id: EntryId,
        description: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Entry, EntryError> {
        let (start, end) = (sane_time(start)?, sane_time(end)?);
        if end < start {
            return Err(EntryError::EndBeforeStart { start, end });
        }
        Ok(Entry {
            id,
            description: normalize_description(description)?,
            start,
            end: Some(end),
        })
    }

    /// The entry as it would be after `patch`, or why the patch is refused.
    pub fn patched(&self, patch: &EntryPatch, now: DateTime<Utc>) -> Result<Entry, EntryError> {
        let description = match &patch.description {
            Some(d) => normalize_description(d)?,
            None => self.description.clone(),
        };
        let start = patch
            .start
            .map(sane_time)
            .transpose()?
            .unwrap_or(self.start);
        let end = match (self.end, patch.end.map(sane_time).transpose()?) {
            (None, Some(_)) => return Err(EntryError::EndOfRunningEntry),
            (None, None) => None,
            (Some(old), new) => Some(new.unwrap_or(old)),
        };
        match end {
            Some(end) if end < start => return Err(EntryError::EndBeforeStart { start, end }),
            None if start > now => return Err(EntryError::StartInFuture { start, now }),
            _ => {}
        }
        Ok(Entry {
            id: self.id.clone(),
            description,
            start,
            end,
        })
    }
}

/// `H:MM:SS`, the way the tray and the timer show elapsed time.
pub fn format_elapsed(elapsed: Duration) -> String {
    let secs = elapsed.num_seconds().max(0);
    format!("{}:{:02}:{:02}", secs / 3600, secs % 3600 / 60, secs % 60)
}
