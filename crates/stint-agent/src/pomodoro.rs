//! The pomodoro mode in the agent: stint-core's rules ([`stint_core::pomodoro`]) at the
//! due moments; a break's start and end are [`AgentEvent::Reminder`]s (notifications with
//! "Count the break" and "Stop timer"), and a break not kept is cut out of the entry with
//! idle's "discard and continue", so it syncs like any edit.

use chrono::{DateTime, Utc};
use stint_core::idle::{resolve, IdleChoice};
use stint_core::pomodoro::{Change, Pomodoro, PomodoroSettings};
use stint_core::Entry;
use stint_ipc::{AgentEvent, ReminderKind};

use crate::actor::Agent;
use crate::error::AgentError;

pub(crate) struct PomodoroPart {
    pub settings: PomodoroSettings,
    state: Pomodoro,
    pub due: crate::due::Due,
}

impl PomodoroPart {
    pub fn new(settings: Option<PomodoroSettings>) -> PomodoroPart {
        PomodoroPart {
            // Checked when read (settings.rs): a section that is not valid is `None`.
            settings: settings.unwrap_or_default(),
            state: Pomodoro::default(),
            due: crate::due::Due::default(),
        }
    }
}

impl Agent {
    pub(crate) fn pomodoro_step(&mut self, now: DateTime<Utc>, running: Option<&Entry>) {
        if !self.pomodoro.due.now(now, running) {
            return;
        }
        let step = self
            .pomodoro
            .state
            .step(&self.pomodoro.settings, now, running);
        self.pomodoro.due.stepped(step.next, running);
        match step.change {
            None => {}
            Some(Change::BreakStarted { seconds }) => {
                tracing::info!(seconds, "pomodoro break");
                let length = if seconds % 60 == 0 {
                    format!("{}-minute", seconds / 60)
                } else {
                    format!("{seconds}-second")
                };
                self.emit(AgentEvent::Reminder {
                    reminder: ReminderKind::Break,
                    message: format!(
                        "Time for a {length} break. The timer runs on, but the break is \
                         taken out of the entry unless you count it."
                    ),
                });
            }
            Some(Change::BreakEnded { entry, cut }) => {
                let Some(running) = running.filter(|e| e.id == entry) else {
                    return;
                };
                let what = running.description.trim();
                let mut message = if what.is_empty() {
                    "The break is over: back to work.".to_owned()
                } else {
                    format!("The break is over: back to “{what}”.")
                };
                if let Some(period) = cut {
                    if let Err(e) = self.cut_break(running, &period) {
                        // Said, not swallowed: the user may pick a project or edit by hand.
                        tracing::warn!("the break could not be taken out of the entry: {e}");
                        message.push_str(&format!(" The break stayed in the entry: {e}."));
                    }
                }
                self.emit(AgentEvent::Reminder {
                    reminder: ReminderKind::BackToWork,
                    message,
                });
            }
        }
    }

    /// The entry ends where the break began; a new one like it runs from the break's end.
    fn cut_break(
        &mut self,
        running: &Entry,
        period: &stint_core::idle::IdlePeriod,
    ) -> Result<(), AgentError> {
        let ids = [0, 1].map(|_| crate::entries::new_id());
        let writes = resolve(Some(running), period, &IdleChoice::DiscardAndContinue, ids)?;
        self.requirements().check_stopped(&writes)?;
        self.store.save_all(&writes)?;
        let now_running = self.running()?;
        self.timer_changed(now_running);
        Ok(())
    }

    /// "Count the break": it stays in the entry.
    pub(crate) fn keep_break(&mut self) -> Result<(), AgentError> {
        if self.pomodoro.state.keep_break() {
            tracing::info!("pomodoro break kept");
            Ok(())
        } else {
            Err(AgentError::BadInput(
                "no pomodoro break is under way".into(),
            ))
        }
    }

    pub(crate) fn pomodoro_settings(&self) -> PomodoroSettings {
        self.pomodoro.settings
    }

    pub(crate) fn set_pomodoro_settings(
        &mut self,
        settings: PomodoroSettings,
    ) -> Result<PomodoroSettings, AgentError> {
        settings
            .validate()
            .map_err(|e| AgentError::BadInput(e.to_owned()))?;
        self.pomodoro.settings = settings;
        self.pomodoro.due.reset();
        self.save_settings(crate::settings::POMODORO)?;
        Ok(settings)
    }
}
