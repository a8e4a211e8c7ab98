//! Idle detection while a timer runs: the tick reads the idle sensor and the clocks, the
//! pure tracker (stint-core) decides, the period is kept in the private store, and one
//! prompt asks what to do. Only the entry changes of the answer go to the server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use stint_core::idle::{
    choices, resolve, IdleChange, IdleChoice, IdlePeriod, IdleSettings, IdleTracker, Observation,
};
use stint_core::{Entry, EntryId};
use stint_private::{IdleRecord, PrivateStore};
use stint_sensors::IdleSource;

use crate::agent::{Agent, AgentEvent};
use crate::error::AgentError;
pub use stint_ipc::IdlePrompt;

/// How often to look for the user's return while they are away.
const WHILE_AWAY: Duration = Duration::from_secs(2);
/// Answered periods are kept this long on the device, then deleted.
const KEEP_ANSWERED_DAYS: i64 = 45;

pub(crate) struct Idle {
    pub source: Arc<dyn IdleSource>,
    private: Mutex<PrivateStore>,
    state: Mutex<IdleState>,
}

#[derive(Default)]
struct IdleState {
    tracker: IdleTracker,
    /// The entry running when the user went away.
    entry: Option<EntryId>,
    local: Option<IdleSettings>,
    sensor_failed: bool,
}

impl Idle {
    pub fn open(
        source: Arc<dyn IdleSource>,
        private: PrivateStore,
        local: Option<IdleSettings>,
    ) -> Idle {
        Idle {
            source,
            private: Mutex::new(private),
            state: Mutex::new(IdleState {
                local,
                ..IdleState::default()
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, IdleState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn private(&self) -> std::sync::MutexGuard<'_, PrivateStore> {
        self.private.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Agent {
    /// The settings in force: the app's own if set, else the workspace's default threshold.
    pub fn idle_settings(&self) -> IdleSettings {
        if let Some(local) = self.idle.state().local {
            return local;
        }
        let mut settings = IdleSettings::default();
        if let Some(policy) = self.workspace_policy() {
            settings.threshold_seconds = policy.idle_threshold_minutes.max(1) * 60;
        }
        settings
    }

    pub fn set_idle_settings(&self, settings: IdleSettings) -> Result<IdleSettings, AgentError> {
        if settings.threshold_seconds == 0 || settings.threshold_seconds > 24 * 3600 {
            return Err(AgentError::BadInput(
                "the idle threshold must be between 1 second and 24 hours".into(),
            ));
        }
        {
            let mut state = self.idle.state();
            state.local = Some(settings);
            if !settings.enabled {
                state.tracker.reset();
            }
        }
        self.save_settings()?;
        self.wake.notify_one();
        Ok(settings)
    }

    pub(crate) fn local_idle_settings(&self) -> Option<IdleSettings> {
        self.idle.state().local
    }

    /// The prompt waiting for an answer, if any.
    pub fn idle_prompt(&self) -> Result<Option<IdlePrompt>, AgentError> {
        let pending = self.idle.private().pending_idle()?;
        pending.map(|r| self.prompt_of(&r)).transpose()
    }

    fn prompt_of(&self, record: &IdleRecord) -> Result<IdlePrompt, AgentError> {
        let entry = match self.store().get(&EntryId(record.entry_id.clone())) {
            Ok(e) => Some(e),
            Err(stint_store::StoreError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        };
        let period = IdlePeriod {
            start: record.start,
            end: record.end,
        };
        Ok(IdlePrompt {
            id: u32::try_from(record.id).unwrap_or(u32::MAX),
            period,
            timer_stopped: entry.as_ref().is_none_or(|e| !e.is_running()),
            choices: choices(entry.as_ref(), &period),
            entry,
        })
    }

    /// Answers the prompt `id`. Keep changes nothing; the other answers change entries,
    /// which are synced like any edit. The idle period itself stays on the device.
    pub fn resolve_idle(&self, id: u32, choice: &IdleChoice) -> Result<Vec<Entry>, AgentError> {
        let record = self
            .idle
            .private()
            .pending_idle()?
            .filter(|r| r.id == i64::from(id))
            .ok_or(AgentError::NoIdlePrompt)?;
        let prompt = self.prompt_of(&record)?;
        let new_ids = [0, 1].map(|_| EntryId(uuid::Uuid::new_v4().to_string()));
        let writes = resolve(prompt.entry.as_ref(), &prompt.period, choice, new_ids)?;
        self.store().save_all(&writes)?;
        let answer = format!("{:?}", choice.kind());
        self.idle
            .private()
            .answer_idle(record.id, &answer, self.now())?;
        tracing::info!(answer = %answer, "idle prompt answered");
        self.emit(AgentEvent::IdleResolved { id });
        if writes.is_empty() {
            self.emit(AgentEvent::EntriesChanged);
        } else {
            self.timer_changed(self.running()?);
        }
        Ok(writes)
    }

    /// Looks at the idle sensor if a timer runs (or the user is away since one ran);
    /// returns when to look again.
    pub(crate) fn check_idle(&self) -> Option<Duration> {
        let settings = self.idle_settings();
        let running = self.running().ok().flatten();
        let away = self.idle.state().tracker.idle_since().is_some();
        if !settings.enabled || (running.is_none() && !away) {
            self.idle.state().tracker.reset();
            return None;
        }
        let idle_for = match self.idle.source.idle_for() {
            Ok(d) => {
                self.idle.state().sensor_failed = false;
                d
            }
            Err(e) => {
                let mut state = self.idle.state();
                if !state.sensor_failed {
                    tracing::warn!("idle detection is unavailable: {e}");
                    state.sensor_failed = true;
                }
                return Some(Duration::from_secs(60));
            }
        };
        let (awake, since_boot) = stint_sensors::clocks();
        let observation = Observation {
            now: self.now(),
            idle_for: chrono::Duration::from_std(idle_for).unwrap_or(chrono::Duration::MAX),
            awake: chrono::Duration::from_std(awake).unwrap_or_default(),
            since_boot: chrono::Duration::from_std(since_boot).unwrap_or_default(),
            locked: false,
        };
        let change = {
            let mut state = self.idle.state();
            let change = state.tracker.observe(observation, &settings);
            if let IdleChange::Began(_) = change {
                state.entry = running.as_ref().map(|e| e.id.clone());
            }
            change
        };
        match change {
            IdleChange::Began(since) => tracing::info!(%since, "user idle"),
            IdleChange::Ended(period) => self.came_back(period, running.as_ref()),
            IdleChange::Nothing => {}
        }
        let threshold = settings.threshold().to_std().unwrap_or(WHILE_AWAY);
        Some(if self.idle.state().tracker.idle_since().is_some() {
            WHILE_AWAY
        } else {
            // The earliest moment the threshold can be crossed.
            threshold
                .saturating_sub(idle_for)
                .max(Duration::from_millis(500))
        })
    }

    fn came_back(&self, period: IdlePeriod, running: Option<&Entry>) {
        let entry = self
            .idle
            .state()
            .entry
            .take()
            .or_else(|| running.map(|e| e.id.clone()));
        let Some(entry) = entry else { return };
        let recorded = self
            .idle
            .private()
            .record_idle(&entry.0, period.start, period.end);
        match recorded
            .map_err(AgentError::from)
            .and_then(|r| self.prompt_of(&r))
        {
            Ok(prompt) => {
                tracing::info!(
                    minutes = prompt.period.length().num_minutes(),
                    "back from idle time"
                );
                self.emit(AgentEvent::IdlePrompt { prompt });
            }
            Err(e) => tracing::error!("could not keep an idle period: {e}"),
        }
        let cutoff: DateTime<Utc> = self.now() - chrono::Duration::days(KEEP_ANSWERED_DAYS);
        if let Err(e) = self.idle.private().forget_idle_before(cutoff) {
            tracing::warn!("could not delete old idle periods: {e}");
        }
    }
}
