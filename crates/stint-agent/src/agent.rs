//! The agent API: every way of changing time entries goes through these methods.

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Local, NaiveDate, SubsecRound, TimeZone, Utc};
use stint_core::timer::{self, StartOutcome, StopOutcome};
use stint_core::{day_total, overlaps_day, DaySpan, Entry, EntryId, EntryPatch};
use stint_store::Store;
use tokio::sync::{broadcast, Notify};

use crate::activity::Activity;
use crate::capture::Capture;
use crate::credentials::SignIn;
use crate::error::AgentError;
use crate::idle::Idle;
use crate::paths::Paths;
use crate::settings::AppSettings;
use crate::sync::{Shared, SyncWorker};
pub use stint_ipc::{AgentEvent, DayView};
use stint_ipc::{SyncState, SyncStatus, WorkspacePolicy};
use stint_private::PrivateStore;
use stint_sync::{Credentials, Remote};

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

/// How the agent is put together; [`AgentOptions::default`] is the product.
pub struct AgentOptions {
    pub capturer: Arc<dyn stint_sensors::ScreenCapturer>,
    /// Length of a screenshot window: five minutes, shorter only in tests.
    pub capture_window: chrono::Duration,
    pub idle_source: Arc<dyn stint_sensors::IdleSource>,
    pub window_source: Arc<dyn stint_sensors::ActiveWindowSource>,
}

impl Default for AgentOptions {
    fn default() -> Self {
        AgentOptions {
            capturer: Arc::new(stint_sensors::XcapCapturer),
            capture_window: stint_core::capture::window(),
            idle_source: Arc::new(stint_sensors::X11Idle::default()),
            window_source: Arc::new(stint_sensors::X11ActiveWindow::default()),
        }
    }
}

pub struct Agent {
    store: Mutex<Store>,
    clock: Arc<dyn Clock>,
    events: broadcast::Sender<AgentEvent>,
    pub(crate) wake: Notify,
    pub(crate) paths: Paths,
    shared: Arc<Shared>,
    sync: Mutex<Option<SyncWorker>>,
    pub(crate) capture: Capture,
    pub(crate) idle: Idle,
    pub(crate) activity: Activity,
}

impl Agent {
    /// Opens the agent on the data under `paths`, creating what is missing.
    pub fn open(paths: &Paths, clock: Arc<dyn Clock>) -> anyhow::Result<Arc<Agent>> {
        Self::open_with(paths, clock, AgentOptions::default())
    }

    pub fn open_with(
        paths: &Paths,
        clock: Arc<dyn Clock>,
        options: AgentOptions,
    ) -> anyhow::Result<Arc<Agent>> {
        paths.create()?;
        let mut store = Store::open(&paths.database())?;
        if let Some(running) = store.running()? {
            tracing::info!(entry = %running.id, start = %running.start, "resuming the running timer");
        }
        let private = PrivateStore::open(&paths.private_database())?;
        let settings = AppSettings::load(&paths.settings_file());
        let expired = store.expire_capture_sets(clock.now() - crate::capture::local_retention())?;
        if expired > 0 {
            tracing::info!(
                sets = expired,
                "deleted screenshots that could not be sent for 7 days"
            );
        }
        let agent = Arc::new(Agent {
            store: Mutex::new(store),
            clock,
            events: broadcast::channel(64).0,
            wake: Notify::new(),
            paths: paths.clone(),
            shared: Arc::new(Shared::new()),
            sync: Mutex::new(None),
            capture: Capture::new(options.capturer, options.capture_window),
            idle: Idle::open(options.idle_source, private, settings.idle),
            activity: Activity::new(
                options.window_source,
                settings.auto_tracker.unwrap_or_default(),
            ),
        });
        agent.expire_activity(agent.now());
        if let Some(saved) = SignIn::load(&paths.config_dir) {
            agent.start_sync(&saved);
        }
        Ok(agent)
    }

    fn start_sync(&self, saved: &SignIn) {
        let (waiting, parked) = self.store().outbox_counts().unwrap_or((0, 0));
        *self.shared.status.lock().unwrap_or_else(|p| p.into_inner()) = SyncStatus {
            state: if waiting == 0 {
                SyncState::Synced
            } else {
                SyncState::Waiting
            },
            waiting,
            parked,
            message: None,
            server: Some(saved.server.clone()),
            email: Some(saved.account.email.clone()),
            key_storage: Some(saved.key_storage),
        };
        let worker = SyncWorker::start(
            self.paths.database(),
            saved,
            self.shared.clone(),
            self.events.clone(),
        );
        *self.sync.lock().unwrap_or_else(|p| p.into_inner()) = Some(worker);
    }

    /// Checks the key with the server, keeps the sign-in and starts syncing. Blocks on
    /// the network: call it off the UI thread.
    pub fn sign_in(&self, server: &str, api_key: &str) -> Result<SyncStatus, AgentError> {
        let server = server.trim();
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            return Err(AgentError::BadInput(format!(
                "the server address must start with http:// or https:// (got {server:?})"
            )));
        }
        let credentials = Credentials {
            server: server.to_owned(),
            api_key: api_key.trim().to_owned(),
        };
        let remote = Remote::sign_in(&credentials)?;
        self.sign_out_quietly();
        let saved = SignIn::keep(
            credentials.server,
            credentials.api_key,
            remote.account,
            &self.paths.config_dir,
        )
        .map_err(AgentError::SaveSignIn)?;
        tracing::info!(server = %saved.server, user = %saved.account.email, "signed in");
        self.start_sync(&saved);
        Ok(self.sync_status())
    }

    fn sign_out_quietly(&self) {
        // Dropping the worker stops and joins its thread.
        drop(self.sync.lock().unwrap_or_else(|p| p.into_inner()).take());
        *self.shared.status.lock().unwrap_or_else(|p| p.into_inner()) = SyncStatus::signed_out();
        *self.shared.policy.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Forgets the sign-in. Changes not yet sent stay queued for the next sign-in.
    pub fn sign_out(&self) -> Result<(), AgentError> {
        self.sign_out_quietly();
        SignIn::forget(&self.paths.config_dir).map_err(AgentError::SaveSignIn)?;
        self.emit(AgentEvent::SyncChanged {
            status: SyncStatus::signed_out(),
        });
        Ok(())
    }

    pub fn sync_status(&self) -> SyncStatus {
        self.shared
            .status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The workspace's rules, once learned from the server; `None` while signed out.
    pub fn workspace_policy(&self) -> Option<WorkspacePolicy> {
        self.shared
            .policy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Ids of the notices passed on in this session.
    pub fn shown_notices(&self) -> Vec<String> {
        self.shared
            .notices
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(crate) fn wake_sync(&self) {
        if let Some(worker) = &*self.sync.lock().unwrap_or_else(|p| p.into_inner()) {
            worker.wake();
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<AgentEvent> {
        self.events.subscribe()
    }

    /// Milliseconds are what the store keeps; cutting here keeps memory and disk equal.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now().trunc_subsecs(3)
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions
        // roll back), so the store is still safe to use.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn emit(&self, event: AgentEvent) {
        if event == AgentEvent::EntriesChanged {
            // Every change to entries queued an outbox row.
            self.wake_sync();
        }
        // No subscriber is fine: the CLI often has none.
        let _ = self.events.send(event);
    }

    pub(crate) fn timer_changed(&self, running: Option<Entry>) {
        self.emit(AgentEvent::TimerChanged { running });
        self.emit(AgentEvent::EntriesChanged);
        self.wake.notify_one();
    }

    pub fn running(&self) -> Result<Option<Entry>, AgentError> {
        Ok(self.store().running()?)
    }

    /// Starts a timer, or returns the one already running: never two.
    pub fn start(&self, description: &str) -> Result<Entry, AgentError> {
        let id = EntryId(uuid::Uuid::new_v4().to_string());
        // The time is read under the store's lock: a start that waited for a stop gets a
        // moment after it, so entries never overlap.
        let outcome = self.store().update_running(|running| {
            match timer::start(running, id, description, self.now()) {
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
        let outcome =
            self.store()
                .update_running(|running| match timer::stop(running, self.now()) {
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
