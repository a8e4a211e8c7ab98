//! The global shortcut: one press starts a timer (with no description, as the tray's Start
//! timer does), the next stops it. The key is heard by stint-sensors' [`HotkeySource`]
//! (a key grab on X11); a press reaches the agent's task as a message. Where the desktop
//! cannot give a shortcut, or another program holds the keys, the problem is told once and
//! shown in the window; `stint-cli toggle` does the same as a press, for a key bound in the
//! desktop's own settings.

use std::sync::Arc;

use stint_core::{Entry, Work};
pub use stint_ipc::ShortcutStatus;
use stint_sensors::hotkey::{Accelerator, HotkeySource, DEFAULT_SHORTCUT};
use stint_sensors::Capability;

use crate::actor::{Agent, Message};
use crate::error::AgentError;

pub(crate) struct Shortcut {
    source: Arc<dyn HotkeySource>,
    /// As the user wrote it; empty: none. `None`: the default.
    pub setting: Option<String>,
    /// Why the shortcut does not work here, if it does not.
    problem: Option<String>,
}

impl Shortcut {
    pub fn new(source: Arc<dyn HotkeySource>, setting: Option<String>) -> Shortcut {
        Shortcut {
            source,
            setting,
            problem: None,
        }
    }

    /// The shortcut in force, in its canonical form; empty: none.
    fn accelerator(&self) -> String {
        let text = self.setting.as_deref().unwrap_or(DEFAULT_SHORTCUT);
        // Canonical where it reads as one (a hand-edited `ctrl+alt+t`).
        text.trim()
            .parse::<Accelerator>()
            .map_or_else(|_| text.to_owned(), |a| a.to_string())
    }
}

/// `""` is no shortcut; anything else must read as one.
fn parse(text: &str) -> Result<Option<Accelerator>, AgentError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|e: stint_sensors::hotkey::AcceleratorError| AgentError::BadInput(e.to_string()))
}

impl Agent {
    /// Takes the shortcut in force from the desktop (at start and after a change).
    pub(crate) fn apply_shortcut(&mut self) {
        let accel = match parse(&self.shortcut.accelerator()) {
            Ok(accel) => accel,
            Err(e) => {
                // A settings file edited by hand: said, and no shortcut.
                tracing::warn!("the shortcut in the settings is not valid: {e}");
                None
            }
        };
        let me = self.me.clone();
        let on_press = Arc::new(move || {
            if let Some(tx) = me.upgrade() {
                if tx.try_send(Message::Hotkey).is_err() {
                    tracing::warn!("the agent was too busy to take a shortcut press");
                }
            }
        });
        match self.shortcut.source.set(accel.as_ref(), on_press) {
            Ok(()) => {
                self.shortcut.problem = None;
                self.problem_solved(Capability::Shortcut);
                if let Some(accel) = accel {
                    tracing::info!(%accel, "global shortcut");
                }
            }
            Err(why) => {
                self.report_problem(Capability::Shortcut, &why);
                self.shortcut.problem = Some(why);
            }
        }
    }

    pub(crate) fn shortcut_status(&self) -> ShortcutStatus {
        ShortcutStatus {
            accelerator: self.shortcut.accelerator(),
            problem: self.shortcut.problem.clone(),
        }
    }

    /// The window's shortcut field: canonical form kept, taken at once.
    pub(crate) fn set_shortcut(&mut self, text: &str) -> Result<ShortcutStatus, AgentError> {
        let accel = parse(text)?;
        self.shortcut.setting = Some(accel.map(|a| a.to_string()).unwrap_or_default());
        self.save_settings(crate::settings::SHORTCUT)?;
        self.apply_shortcut();
        Ok(self.shortcut_status())
    }

    /// A press of the shortcut (or `stint-cli toggle`): stop the running timer, or start
    /// one. Answers the running entry afterwards.
    pub(crate) fn toggle_timer(&mut self) -> Result<Option<Entry>, AgentError> {
        if self.running()?.is_some() {
            self.stop()?;
            Ok(None)
        } else {
            self.start("", &Work::default()).map(Some)
        }
    }
}
