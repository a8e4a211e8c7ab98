//! The agent API: every way of changing time entries goes through these methods.

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Local, NaiveDate, SubsecRound, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use stint_core::timer::{self, StartOutcome, StopOutcome};
use stint_core::{day_total, overlaps_day, DaySpan, Entry, EntryId, EntryPatch};
use stint_store::Store;
use tokio::sync::{broadcast, Notify};

use crate::error::AgentError;
use crate::paths::Paths;

/// The source of "now". Real time in the app, a hand-moved clock in tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// What changed, for the tray, the window and any other subscriber.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum AgentEvent {
    /// A timer started or stopped (or its running entry was edited).
    TimerChanged { running: Option<Entry> },
    /// Entries were added, edited or deleted.
    EntriesChanged,
    /// Periodic refresh while a timer runs, so elapsed time shown outside the window moves.
    Tick { running: Option<Entry> },
}

/// Today's entries as the window shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DayView {
    /// Newest first; a running entry is included.
    pub entries: Vec<Entry>,
    /// Seconds tracked inside the local day, up to now for a running entry.
    pub total_seconds: u32,
    pub running: Option<Entry>,
}

pub struct Agent {
    store: Mutex<Store>,
    clock: Arc<dyn Clock>,
    events: broadcast::Sender<AgentEvent>,
    pub(crate) wake: Notify,
}

impl Agent {
    /// Opens the agent on the data under `paths`, creating what is missing.
    pub fn open(paths: &Paths, clock: Arc<dyn Clock>) -> anyhow::Result<Arc<Agent>> {
        paths.create()?;
        let store = Store::open(&paths.database())?;
        if let Some(running) = store.running()? {
            tracing::info!(entry = %running.id, start = %running.start, "resuming the running timer");
        }
        Ok(Arc::new(Agent {
            store: Mutex::new(store),
            clock,
            events: broadcast::channel(64).0,
            wake: Notify::new(),
        }))
    }

    pub fn subscribe(&self) -> broadcast::Receiver<AgentEvent> {
        self.events.subscribe()
    }

    /// Milliseconds are what the store keeps; cutting here keeps memory and disk equal.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now().trunc_subsecs(3)
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions
        // roll back), so the store is still safe to use.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn emit(&self, event: AgentEvent) {
        // No subscriber is fine: the CLI often has none.
        let _ = self.events.send(event);
    }

    fn timer_changed(&self, running: Option<Entry>) {
        self.emit(AgentEvent::TimerChanged { running });
        self.emit(AgentEvent::EntriesChanged);
        self.wake.notify_one();
    }

    pub fn running(&self) -> Result<Option<Entry>, AgentError> {
        Ok(self.store().running()?)
    }

    /// Starts a timer, or returns the one already running: never two.
    pub fn start(&self, description: &str) -> Result<Entry, AgentError> {
        let now = self.now();
        let id = EntryId(uuid::Uuid::new_v4().to_string());
        let outcome = self.store().update_running(|running| {
            match timer::start(running, id, description, now) {
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

    /// Stops the running timer; `None` if none was running.
    pub fn stop(&self) -> Result<Option<Entry>, AgentError> {
        let now = self.now();
        let outcome =
            self.store()
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

    pub fn edit(&self, id: &EntryId, patch: &EntryPatch) -> Result<Entry, AgentError> {
        let now = self.now();
        let edited = {
            let mut store = self.store();
            let edited = store.get(id)?.patched(patch, now)?;
            store.save(&edited)?;
            edited
        };
        if edited.is_running() {
            self.timer_changed(Some(edited.clone()));
        } else {
            self.emit(AgentEvent::EntriesChanged);
        }
        Ok(edited)
    }

    pub fn delete(&self, id: &EntryId) -> Result<(), AgentError> {
        let was_running = {
            let mut store = self.store();
            let was_running = store.get(id)?.is_running();
            store.delete(id)?;
            was_running
        };
        if was_running {
            self.timer_changed(None);
        } else {
            self.emit(AgentEvent::EntriesChanged);
        }
        Ok(())
    }

    /// A stopped entry typed in by hand.
    pub fn add_manual(
        &self,
        description: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Entry, AgentError> {
        let id = EntryId(uuid::Uuid::new_v4().to_string());
        let entry = Entry::manual(
            id,
            description,
            start.trunc_subsecs(3),
            end.trunc_subsecs(3),
        )?;
        self.store().save(&entry)?;
        self.emit(AgentEvent::EntriesChanged);
        Ok(entry)
    }

    /// Today (in the local time zone) with its total.
    pub fn today(&self) -> Result<DayView, AgentError> {
        let now = self.now();
        self.day(local_day(now.with_timezone(&Local).date_naive()), now)
    }

    pub(crate) fn day(&self, day: DaySpan, now: DateTime<Utc>) -> Result<DayView, AgentError> {
        let (mut entries, running) = {
            let store = self.store();
            (store.entries_between(day.start, day.end)?, store.running()?)
        };
        entries.retain(|e| overlaps_day(e, day, now));
        entries.reverse();
        let total = day_total(&entries, day, now).num_seconds();
        Ok(DayView {
            entries,
            total_seconds: u32::try_from(total).unwrap_or(u32::MAX),
            running,
        })
    }

    pub(crate) fn emit_tick(&self) -> Result<(), AgentError> {
        let running = self.running()?;
        self.emit(AgentEvent::Tick { running });
        Ok(())
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
