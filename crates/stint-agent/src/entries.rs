//! Time entries: the timer, edits, manual entries, today's list and the recent entries to
//! continue. The decisions are stint-core's; each change is written with its outbox row
//! in one transaction (stint-store), then told to subscribers.

use chrono::{DateTime, Datelike, Local, NaiveDate, SubsecRound, TimeZone, Utc};
use stint_core::timer::{self, StartOutcome, StopOutcome};
use stint_core::{day_total, overlaps_day, DaySpan, Entry, EntryId, EntryPatch, Work};
use stint_ipc::{AgentEvent, DayGroup, DayView, Overview, WeekView};

use crate::actor::Agent;
use crate::error::AgentError;

/// How many entries the tray offers to continue.
pub const RECENT: usize = 5;

/// A new entry's id: 24 hexadecimal digits, the shape of Clockify's ids (some Clockify
/// clients refuse others), about 90 random bits.
pub(crate) fn new_id() -> EntryId {
    let mut hex = uuid::Uuid::new_v4().simple().to_string();
    hex.truncate(24);
    EntryId(hex)
}

impl Agent {
    /// What the workspace requires of stopped entries, as last read (nothing when not
    /// known: the server checks again).
    pub(crate) fn requirements(&self) -> stint_core::Requirements {
        self.sync
            .policy
            .as_ref()
            .map(stint_ipc::WorkspacePolicy::requirements)
            .unwrap_or_default()
    }

    /// Starts a timer for `work`, or returns the one already running: never two.
    pub fn start(&mut self, description: &str, work: &Work) -> Result<Entry, AgentError> {
        self.check_work(work, true)?;
        let now = self.now();
        let outcome = self.store.update_running(|running| {
            match timer::start(running, new_id(), description, work, now) {
                Ok(StartOutcome::Started(e)) => (Some(e.clone()), Ok(StartOutcome::Started(e))),
                other => (None, other),
            }
        })??;
        match outcome {
            StartOutcome::Started(entry) => {
                tracing::info!(entry = %entry.id, "timer started");
                self.timer_changed(Some(entry.clone()));
                Ok(entry)
            }
            StartOutcome::AlreadyRunning(entry) => Ok(entry),
        }
    }

    /// Stops the running timer; `None` if none was running. Refused while the timer lacks
    /// a project (or task) the workspace requires, as in Clockify: the timer runs on
    /// until one is picked.
    pub fn stop(&mut self) -> Result<Option<Entry>, AgentError> {
        if let Some(running) = self.store.running()? {
            self.requirements().check(&running.work)?;
        }
        let now = self.now();
        let outcome = self
            .store
            .update_running(|running| match timer::stop(running, now) {
                Ok(StopOutcome::Stopped(e)) => (Some(e.clone()), Ok(StopOutcome::Stopped(e))),
                other => (None, other),
            })??;
        match outcome {
            StopOutcome::Stopped(entry) => {
                tracing::info!(entry = %entry.id, "timer stopped");
                self.timer_changed(None);
                Ok(Some(entry))
            }
            StopOutcome::NotRunning => Ok(None),
        }
    }

    /// Refuses a change to an entry an admin locked on the server.
    pub(crate) fn unlocked(&self, id: &EntryId) -> Result<(), AgentError> {
        if self.store.is_locked(id)? {
            return Err(AgentError::Locked);
        }
        Ok(())
    }

    pub fn edit(&mut self, id: &EntryId, patch: &EntryPatch) -> Result<Entry, AgentError> {
        self.unlocked(id)?;
        let now = self.now();
        if let Some(work) = &patch.work {
            self.check_work(work, false)?;
        }
        let edited = self.store.get(id)?.patched(patch, now)?;
        if !edited.is_running() {
            self.requirements().check(&edited.work)?;
        }
        self.store.save(&edited)?;
        if edited.is_running() {
            self.timer_changed(Some(edited.clone()));
        } else {
            self.emit(AgentEvent::EntriesChanged);
        }
        Ok(edited)
    }

    pub fn delete(&mut self, id: &EntryId) -> Result<(), AgentError> {
        self.unlocked(id)?;
        let was_running = self.store.get(id)?.is_running();
        self.store.delete(id)?;
        if was_running {
            self.timer_changed(None);
        } else {
            self.emit(AgentEvent::EntriesChanged);
        }
        Ok(())
    }

    /// A stopped entry typed in by hand.
    pub fn add_manual(
        &mut self,
        description: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        work: &Work,
    ) -> Result<Entry, AgentError> {
        let entry = Entry::manual(
            new_id(),
            description,
            start.trunc_subsecs(3),
            end.trunc_subsecs(3),
            work,
        )?;
        self.requirements().check(&entry.work)?;
        self.check_work(&entry.work, true)?;
        self.store.save(&entry)?;
        self.emit(AgentEvent::EntriesChanged);
        Ok(entry)
    }

    /// The latest stopped entries, one per description.
    pub fn recent(&self) -> Result<Vec<Entry>, AgentError> {
        // Enough rows to find five descriptions in a day of repeats.
        let latest = self.store.latest_entries(200)?;
        Ok(timer::recent_distinct(&latest, RECENT))
    }

    /// Starts a new entry like `id`; a running timer stops first (both in one transaction).
    pub fn continue_entry(&mut self, id: &EntryId) -> Result<Entry, AgentError> {
        let from = self.store.get(id)?;
        self.check_work(&from.work, true)?;
        let running = self.store.running()?;
        if let Some(running) = &running {
            // The timer this one stops must be complete, as a stop by hand must.
            self.requirements().check(&running.work)?;
        }
        let writes = timer::continue_from(running.as_ref(), &from, new_id(), self.now())?;
        self.store.save_all(&writes)?;
        let started = writes
            .last()
            .cloned()
            .ok_or(AgentError::Unsupported("continuing wrote nothing"))?;
        tracing::info!(entry = %started.id, from = %from.id, "timer continued");
        self.timer_changed(Some(started.clone()));
        Ok(started)
    }

    /// Today (in the local time zone) with its total.
    pub fn today(&self) -> Result<DayView, AgentError> {
        let now = self.now();
        self.day(local_day(now.with_timezone(&Local).date_naive()), now)
    }

    pub fn day(&self, day: DaySpan, now: DateTime<Utc>) -> Result<DayView, AgentError> {
        let mut entries = self.store.entries_between(day.start, day.end)?;
        let running = self.store.running()?;
        entries.retain(|e| overlaps_day(e, day, now));
        entries.reverse();
        let total = day_total(&entries, day, now).num_seconds();
        Ok(DayView {
            entries,
            total_seconds: u32::try_from(total).unwrap_or(u32::MAX),
            running,
        })
    }

    /// The week `weeks_back` weeks before the current one, by local day, newest first.
    pub fn week(&self, weeks_back: u32) -> Result<WeekView, AgentError> {
        let now = self.now();
        let today = now.with_timezone(&Local).date_naive();
        let monday = stint_core::day::week_start(today)
            .checked_sub_days(chrono::Days::new(7 * u64::from(weeks_back)))
            .filter(|d| d.year() >= stint_core::time::EARLIEST_YEAR)
            .ok_or_else(|| {
                AgentError::BadInput(format!(
                    "{weeks_back} weeks back is before {}; no entry is that old",
                    stint_core::time::EARLIEST_YEAR
                ))
            })?;
        let days: Vec<(NaiveDate, DaySpan)> = monday
            .iter_days()
            .take(7)
            .map(|d| (d, local_day(d)))
            .collect();
        let (from, to) = (days[0].1.start, days[6].1.end);
        let entries = self.store.entries_between(from, to)?;
        let locked = self.store.locked_between(from, to)?.into_iter().collect();
        let seconds = |d: chrono::Duration| u32::try_from(d.num_seconds()).unwrap_or(u32::MAX);
        let groups: Vec<DayGroup> = days
            .iter()
            .rev()
            .filter_map(|(date, span)| {
                let mut on_day: Vec<Entry> = entries
                    .iter()
                    .filter(|e| overlaps_day(e, *span, now))
                    .cloned()
                    .collect();
                if on_day.is_empty() {
                    return None;
                }
                on_day.reverse();
                Some(DayGroup {
                    date: *date,
                    total_seconds: seconds(day_total(&on_day, *span, now)),
                    entries: on_day,
                })
            })
            .collect();
        let week = DaySpan {
            start: from,
            end: to,
        };
        Ok(WeekView {
            first_day: monday,
            total_seconds: seconds(day_total(&entries, week, now)),
            days: groups,
            running: self.store.running()?,
            locked,
        })
    }

    /// What the tray shows.
    pub fn overview(&self) -> Result<Overview, AgentError> {
        let recent = self.recent()?;
        Ok(Overview {
            running: self.store.running()?,
            capture_armed: self.capture.armed,
            idle_pending: self.private.pending_idle()?.is_some(),
            auto_tracker: self.activity.settings,
            recent_projects: self.project_labels(&recent),
            recent,
            problems: self.sensor_problems(),
        })
    }
}

/// The UTC bounds of a local calendar day. Where midnight does not exist (a DST jump at
/// 00:00) the day starts at the first instant that does.
pub fn local_day(date: NaiveDate) -> DaySpan {
    let start_of = |d: NaiveDate| -> DateTime<Utc> {
        let midnight = d.and_hms_opt(0, 0, 0).expect("midnight is a valid time");
        (0..=3)
            .find_map(|h| {
                Local
                    .from_local_datetime(&(midnight + chrono::Duration::hours(h)))
                    .earliest()
            })
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| Utc.from_utc_datetime(&midnight))
    };
    let next = date.succ_opt().unwrap_or(date);
    DaySpan {
        start: start_of(date),
        end: start_of(next),
    }
}
