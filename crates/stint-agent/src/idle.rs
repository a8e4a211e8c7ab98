//! Presence and the idle prompt. The idle sensor is read once per tick, and only when it
//! can tell something new: at the moment the threshold could be crossed, and, once the
//! user is away, at their next input (the sensor calls back; a sensor that cannot is read
//! every two seconds instead). The auto tracker uses the same look to end its span; the
//! pure tracker (stint-core) decides idle periods while a timer runs, the period is kept
//! in the private store, and one prompt asks what to do. Only the entry changes of the
//! answer go to the server. Screen locks and sleep come from the session's signals
//! (stint-sensors' `LockSource`) and count as idle from their start (stint-core's
//! `presence` rule).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use stint_core::idle::{
    choices, resolve, suspend_between, until_threshold, IdleChange, IdleChoice, IdlePeriod,
    IdleSettings, IdleTracker, Observation,
};
use stint_core::presence::{SessionAway, SessionSignal};
use stint_core::{Entry, EntryId};
use stint_ipc::AgentEvent;
use stint_private::IdleRecord;
use stint_sensors::{Capability, IdleSource, LockEvent};
use tokio::sync::Notify;

use crate::actor::{Agent, Wake};
use crate::error::AgentError;
pub use stint_ipc::IdlePrompt;

/// How often to look for the user's return while they are away, where the sensor cannot
/// call back at their input.
const WHILE_AWAY: Duration = Duration::seconds(2);
/// How long to wait before asking a failed sensor again.
const SENSOR_RETRY: Duration = Duration::seconds(60);
/// Answered periods are kept this long on the device, then deleted.
const KEEP_ANSWERED_DAYS: i64 = 45;

pub(crate) struct Idle {
    source: Arc<dyn IdleSource>,
    tracker: IdleTracker,
    /// The entry running when the user went away.
    entry: Option<EntryId>,
    local: Option<IdleSettings>,
    sensor_failed: bool,
    /// When to read the sensor next; `None`: only at an event.
    pub next_look: Option<DateTime<Utc>>,
    /// The previous reading, to see a suspend in between.
    last: Option<Observation>,
    /// Away since then, as of the last reading.
    away_since: Option<DateTime<Utc>>,
    /// Notified by the sensor at the first input after the user went away.
    pub input: Arc<Notify>,
    input_armed: bool,
    /// Locks and sleep as the session told them.
    session: SessionAway,
    /// When the sensor last called back at input.
    last_input_wake: Option<DateTime<Utc>>,
}

/// What the tick knows about the user.
pub(crate) struct Presence {
    /// This tick's reading, if the sensor was read.
    pub fresh: Option<Observation>,
    /// Away (no input for the threshold) since then.
    pub away_since: Option<DateTime<Utc>>,
    /// The machine slept from then until this reading.
    pub slept_at: Option<DateTime<Utc>>,
}

impl Idle {
    pub fn new(source: Arc<dyn IdleSource>, local: Option<IdleSettings>) -> Idle {
        Idle {
            source,
            tracker: IdleTracker::default(),
            entry: None,
            local,
            sensor_failed: false,
            next_look: None,
            last: None,
            away_since: None,
            input: Arc::new(Notify::new()),
            input_armed: false,
            session: SessionAway::default(),
            last_input_wake: None,
        }
    }

    /// Whether the user is at the computer now (for reminders): not locked or asleep, and
    /// input within `threshold`. A failed sensor counts as present (a reminder too many
    /// beats none).
    pub fn user_present(&self, threshold: std::time::Duration) -> bool {
        !self.session.is_locked_or_asleep()
            && self.source.idle_for().map_or(true, |idle| idle < threshold)
    }
}

impl Agent {
    /// The settings in force: the app's own if set, else the workspace's default threshold.
    pub fn idle_settings(&self) -> IdleSettings {
        if let Some(local) = self.idle.local {
            return local;
        }
        let mut settings = IdleSettings::default();
        if let Some(policy) = &self.sync.policy {
            settings.threshold_seconds = policy.idle_threshold_minutes.max(1) * 60;
        }
        settings
    }

    pub fn set_idle_settings(
        &mut self,
        settings: IdleSettings,
    ) -> Result<IdleSettings, AgentError> {
        if settings.threshold_seconds == 0 || settings.threshold_seconds > 24 * 3600 {
            return Err(AgentError::BadInput(
                "the idle threshold must be between 1 second and 24 hours".into(),
            ));
        }
        self.idle.local = Some(settings);
        if !settings.enabled {
            self.idle.tracker.reset();
        }
        self.save_settings(crate::settings::IDLE)?;
        Ok(settings)
    }

    pub fn local_idle_settings(&self) -> Option<IdleSettings> {
        self.idle.local
    }

    fn prompt_wanted(&self, running: Option<&Entry>) -> bool {
        self.idle_settings().enabled
            && (running.is_some() || self.idle.tracker.idle_since().is_some())
    }

    /// Reads the idle sensor when it can tell something new and anyone (the prompt, the
    /// auto tracker) needs to know; `None` when nobody does.
    pub fn look_at_presence(
        &mut self,
        now: DateTime<Utc>,
        wake: Wake,
        running: Option<&Entry>,
    ) -> Option<Presence> {
        let prompt = self.prompt_wanted(running);
        if !prompt {
            self.idle.tracker.reset();
        }
        if !prompt && self.activity.settings.paused {
            self.idle.next_look = None;
            return None;
        }
        if wake == Wake::Input {
            self.idle.input_armed = false;
            self.idle.last_input_wake = Some(now);
        }
        let due = matches!(
            wake,
            Wake::Start | Wake::Command | Wake::Input | Wake::Timer | Wake::Session
        ) || self.idle.next_look.is_some_and(|at| now >= at);
        let mut presence = Presence {
            fresh: None,
            away_since: self.idle.away_since,
            slept_at: None,
        };
        if !due {
            return Some(presence);
        }
        let sensed = match self.idle.source.idle_for() {
            Ok(d) => {
                if self.idle.sensor_failed {
                    self.idle.sensor_failed = false;
                    self.problem_solved(Capability::Idle);
                }
                Duration::from_std(d).unwrap_or(Duration::MAX)
            }
            Err(e) => {
                if !self.idle.sensor_failed {
                    self.report_problem(
                        Capability::Idle,
                        &format!("idle time cannot be read: {e}"),
                    );
                    self.idle.sensor_failed = true;
                }
                self.idle.next_look = Some(now + SENSOR_RETRY);
                return Some(presence);
            }
        };
        // An unlock is input; a lock or sleep is away from its start.
        let last_input = self
            .idle
            .session
            .last_input(now.checked_sub_signed(sensed).unwrap_or(now))
            .min(now);
        let idle_for = now - last_input;
        let told_away = self.idle.session.away_since(last_input);
        let (awake, since_boot) = self.clock.uptime();
        let observation = Observation {
            now,
            idle_for,
            awake: Duration::from_std(awake).unwrap_or_default(),
            since_boot: Duration::from_std(since_boot).unwrap_or_default(),
            away_since: told_away,
        };
        presence.slept_at = self
            .idle
            .last
            .replace(observation)
            .and_then(|last| suspend_between(&last, &observation));
        let settings = self.idle_settings();
        let by_input = (idle_for >= settings.threshold()).then_some(last_input);
        let away_from = [told_away, by_input].into_iter().flatten().min();
        let away = away_from.is_some();
        self.idle.away_since = away_from.map(|from| self.idle.away_since.unwrap_or(from));
        self.idle.next_look = if away {
            self.wait_for_input(now)
        } else {
            Some(now + until_threshold(idle_for, &settings))
        };
        presence.fresh = Some(observation);
        presence.away_since = self.idle.away_since;
        Some(presence)
    }

    /// A lock, unlock, sleep or wake the session told, stamped now.
    pub fn session_signal(&mut self, event: LockEvent) {
        let now = self.now();
        let signal = match event {
            LockEvent::Locked => SessionSignal::Locked,
            LockEvent::Unlocked => SessionSignal::Unlocked,
            LockEvent::Sleeping => SessionSignal::Sleeping,
            LockEvent::Woke => SessionSignal::Woke,
            LockEvent::Gone => {
                self.report_problem(
                    Capability::Lock,
                    "Stint no longer sees a locked screen or sleep (the system bus went \
                     away); idle time is still noticed after the threshold without input. \
                     Quit and start Stint again to see them again.",
                );
                SessionSignal::Lost
            }
        };
        tracing::info!(?event, "session");
        self.idle.session.signal(signal, now);
    }

    /// While away: the sensor calls back at the next input; where it cannot, look again soon.
    /// While the screen is locked or the machine asleep no input is a return (typing a
    /// password is not work): only the session's unlock or wake wakes the task, so input on
    /// the lock screen costs nothing. A sensor that calls back at once again and again is
    /// looked at every few seconds instead, never in a loop.
    fn wait_for_input(&mut self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.idle.session.is_locked_or_asleep() {
            return None;
        }
        let hasty = self
            .idle
            .last_input_wake
            .is_some_and(|at| now - at < Duration::seconds(1));
        if hasty {
            return Some(now + WHILE_AWAY);
        }
        if !self.idle.input_armed {
            let input = self.idle.input.clone();
            self.idle.input_armed = self
                .idle
                .source
                .on_next_input(Box::new(move || input.notify_one()));
        }
        (!self.idle.input_armed).then(|| now + WHILE_AWAY)
    }

    /// Feeds this tick's reading to the idle tracker while a timer runs.
    pub fn idle_step(
        &mut self,
        _now: DateTime<Utc>,
        running: Option<&Entry>,
        presence: Option<&Presence>,
    ) {
        let Some(observation) = presence.and_then(|p| p.fresh) else {
            return;
        };
        if !self.prompt_wanted(running) {
            return;
        }
        let settings = self.idle_settings();
        let change = self.idle.tracker.observe(observation, &settings);
        match change {
            IdleChange::Began(since) => {
                self.idle.entry = running.map(|e| e.id.clone());
                tracing::info!(%since, "user idle");
            }
            IdleChange::Ended(period) => self.came_back(period, running),
            IdleChange::Nothing => {}
        }
    }

    /// The prompt waiting for an answer, if any.
    pub fn idle_prompt(&self) -> Result<Option<IdlePrompt>, AgentError> {
        let pending = self.private.pending_idle()?;
        pending.map(|r| self.prompt_of(&r)).transpose()
    }

    fn prompt_of(&self, record: &IdleRecord) -> Result<IdlePrompt, AgentError> {
        let entry = match self.store.get(&EntryId(record.entry_id.clone())) {
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
    pub fn resolve_idle(&mut self, id: u32, choice: &IdleChoice) -> Result<Vec<Entry>, AgentError> {
        let record = self
            .private
            .pending_idle()?
            .filter(|r| r.id == i64::from(id))
            .ok_or(AgentError::NoIdlePrompt)?;
        let prompt = self.prompt_of(&record)?;
        let new_ids = [0, 1].map(|_| crate::entries::new_id());
        let writes = resolve(prompt.entry.as_ref(), &prompt.period, choice, new_ids)?;
        // An answer that would stop an entry the workspace will not take (no project where
        // one is required) is refused like a stop by hand; the prompt stays.
        self.requirements().check_stopped(&writes)?;
        self.store.save_all(&writes)?;
        let answer = format!("{:?}", choice.kind());
        let now = self.now();
        self.private.answer_idle(record.id, &answer, now)?;
        tracing::info!(answer = %answer, "idle prompt answered");
        self.emit(AgentEvent::IdleResolved { id });
        if writes.is_empty() {
            self.emit(AgentEvent::EntriesChanged);
        } else {
            let running = self.running()?;
            self.timer_changed(running);
        }
        Ok(writes)
    }

    fn came_back(&mut self, period: IdlePeriod, running: Option<&Entry>) {
        let entry = self
            .idle
            .entry
            .take()
            .or_else(|| running.map(|e| e.id.clone()));
        let Some(entry) = entry else { return };
        // Idle time before the timer started is not the entry's to ask about.
        let started = self.store.get(&entry).map(|e| e.start).ok();
        let start = started
            .map_or(period.start, |s| period.start.max(s))
            .min(period.end);
        let recorded = self.private.record_idle(&entry.0, start, period.end);
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
        let cutoff = self.now() - Duration::days(KEEP_ANSWERED_DAYS);
        if let Err(e) = self.private.forget_idle_before(cutoff) {
            tracing::warn!("could not delete old idle periods: {e}");
        }
    }
}
