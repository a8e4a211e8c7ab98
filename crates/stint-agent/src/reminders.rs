//! Reminders in the agent: stint-core's rules ([`stint_core::reminders`]) fed with the
//! clock, the local UTC offset, the running entry and whether the user is at the computer;
//! a reminder is an [`AgentEvent::Reminder`], which the desktop shows as a notification
//! with a Start or Stop button.

use chrono::{DateTime, Offset, Utc};
use stint_core::reminders::{Reminder, ReminderSettings, Reminders};
use stint_core::Entry;
use stint_ipc::{AgentEvent, ReminderKind};

use crate::actor::Agent;
use crate::error::AgentError;

pub(crate) struct RemindersPart {
    pub settings: ReminderSettings,
    state: Reminders,
    pub due: crate::due::Due,
}

impl RemindersPart {
    pub fn new(settings: Option<ReminderSettings>) -> RemindersPart {
        RemindersPart {
            // Checked when read (settings.rs): a section that is not valid is `None`.
            settings: settings.unwrap_or_default(),
            state: Reminders::default(),
            due: crate::due::Due::default(),
        }
    }
}

/// "2 h 05 min".
fn hours_minutes(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    format!("{} h {:02} min", minutes / 60, minutes % 60)
}

impl Agent {
    /// Looks when a reminder may be due or the timer changed (not at every command: the
    /// look reads the idle sensor).
    pub(crate) fn reminder_step(&mut self, now: DateTime<Utc>, running: Option<&Entry>) {
        if !self.reminders.due.now(now, running) {
            return;
        }
        let offset = now.with_timezone(&chrono::Local).offset().fix();
        let threshold =
            std::time::Duration::from_secs(u64::from(self.idle_settings().threshold_seconds));
        let present = self.idle.user_present(threshold);
        let reminders = &mut self.reminders;
        let step = reminders
            .state
            .step(&reminders.settings, now, offset, running, present);
        self.reminders.due.stepped(step.next, running);
        let (kind, message) = match step.remind {
            None => return,
            Some(Reminder::NoTimer) => (
                ReminderKind::NoTimer,
                "No timer is running. Start one for what you are working on?".to_owned(),
            ),
            Some(Reminder::StillRunning { seconds, .. }) => {
                let what = running
                    .map(|e| e.description.trim())
                    .filter(|d| !d.is_empty())
                    .map_or_else(|| "Your timer".to_owned(), |d| format!("“{d}”"));
                (
                    ReminderKind::StillRunning,
                    format!(
                        "{what} has been running for {}. Still on it?",
                        hours_minutes(seconds)
                    ),
                )
            }
        };
        tracing::info!(?kind, "reminder");
        self.emit(AgentEvent::Reminder {
            reminder: kind,
            message,
        });
    }

    pub fn reminder_settings(&self) -> ReminderSettings {
        self.reminders.settings.clone()
    }

    pub fn set_reminder_settings(
        &mut self,
        settings: ReminderSettings,
    ) -> Result<ReminderSettings, AgentError> {
        settings
            .validate()
            .map_err(|e| AgentError::BadInput(e.to_string()))?;
        self.reminders.settings = settings;
        // Looked at again by the tick after this command, with the new rules.
        self.reminders.due.reset();
        self.save_settings(crate::settings::REMINDERS)?;
        Ok(self.reminders.settings.clone())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_read_as_hours_and_minutes() {
        assert_eq!(super::hours_minutes(8 * 3600 + 5 * 60 + 59), "8 h 05 min");
        assert_eq!(super::hours_minutes(-3), "0 h 00 min");
    }
}
