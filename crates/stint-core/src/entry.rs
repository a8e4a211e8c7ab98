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

/// Longest tag list an entry may carry (a guard against bad input, far above real use).
pub const MAX_TAGS: usize = 100;

/// What an entry's time is for: Clockify's `projectId`, `taskId`, `tagIds` and `billable`
/// (ids are the server's; the names come from the workspace's projects and tags).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Work {
    pub project_id: Option<String>,
    /// Only with a project: a task is always one of its project's.
    pub task_id: Option<String>,
    /// In the order chosen, each once.
    #[serde(default)]
    pub tag_ids: Vec<String>,
    #[serde(default)]
    pub billable: bool,
}

impl Work {
    /// The same work with empty ids dropped and each tag once; refused when a task comes
    /// without its project or there are more than [`MAX_TAGS`] tags.
    pub fn normalized(&self) -> Result<Work, EntryError> {
        let id = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let (project_id, task_id) = (id(&self.project_id), id(&self.task_id));
        if task_id.is_some() && project_id.is_none() {
            return Err(EntryError::TaskWithoutProject);
        }
        let mut tag_ids: Vec<String> = Vec::new();
        for tag in self
            .tag_ids
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
        {
            if !tag_ids.iter().any(|t| t == tag) {
                tag_ids.push(tag.to_owned());
            }
        }
        if tag_ids.len() > MAX_TAGS {
            return Err(EntryError::TooManyTags);
        }
        Ok(Work {
            project_id,
            task_id,
            tag_ids,
            billable: self.billable,
        })
    }
}

/// What a workspace requires of every entry with an end (Clockify's `forceProjects` and
/// `forceTasks`; as in Clockify, a running timer may lack them until it stops).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Requirements {
    pub project: bool,
    pub task: bool,
}

impl Requirements {
    /// Refuses `work` for an entry with an end when it lacks what is required.
    pub fn check(&self, work: &Work) -> Result<(), EntryError> {
        if self.project && work.project_id.is_none() {
            return Err(EntryError::ProjectRequired);
        }
        if self.task && work.task_id.is_none() {
            return Err(EntryError::TaskRequired);
        }
        Ok(())
    }

    /// [`Requirements::check`] for each entry of `writes` that has an end (what an idle
    /// answer or a Continue would write): one refused refuses them all.
    pub fn check_stopped(&self, writes: &[Entry]) -> Result<(), EntryError> {
        writes
            .iter()
            .filter(|e| !e.is_running())
            .try_for_each(|e| self.check(&e.work))
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
    /// Project, task, tags and billable (empty for entries made before issue 16).
    #[serde(default)]
    pub work: Work,
}

/// The fields a user may change on an existing entry; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct EntryPatch {
    pub description: Option<String>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    /// The whole work at once (project, task, tags, billable).
    #[serde(default)]
    pub work: Option<Work>,
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
    #[error("a task needs its project: pick the project too")]
    TaskWithoutProject,
    #[error("an entry may have at most {MAX_TAGS} tags")]
    TooManyTags,
    #[error("this workspace requires a project on every entry: pick a project first")]
    ProjectRequired,
    #[error("this workspace requires a task on every entry: pick a task first")]
    TaskRequired,
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
        work: &Work,
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
            work: work.normalized()?,
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
        let work = match &patch.work {
            Some(w) => w.normalized()?,
            None => self.work.clone(),
        };
        Ok(Entry {
            id: self.id.clone(),
            description,
            start,
            end,
            work,
        })
    }
}

/// `H:MM:SS`, the way the tray and the timer show elapsed time.
pub fn format_elapsed(elapsed: Duration) -> String {
    let secs = elapsed.num_seconds().max(0);
    format!("{}:{:02}:{:02}", secs / 3600, secs % 3600 / 60, secs % 60)
}
