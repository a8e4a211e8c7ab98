//! The app's own settings, one JSON file in the config directory. A missing or invalid
//! file means defaults (an invalid one is logged and left alone until the user saves).

use serde::{Deserialize, Serialize};
use stint_core::idle::IdleSettings;
use stint_core::pomodoro::PomodoroSettings;
use stint_core::reminders::ReminderSettings;

use crate::activity::AutoTrackerSettings;
use crate::actor::Agent;
use crate::error::AgentError;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AppSettings {
    /// `None`: the workspace's idle threshold applies.
    pub idle: Option<IdleSettings>,
    pub auto_tracker: Option<AutoTrackerSettings>,
    /// `None`: the defaults (work days 9 to 17).
    #[serde(default)]
    pub reminders: Option<ReminderSettings>,
    /// The global shortcut (`Ctrl+Alt+Shift+Space`); empty: none; `None`: the default.
    #[serde(default)]
    pub shortcut: Option<String>,
    #[serde(default)]
    pub pomodoro: Option<PomodoroSettings>,
}

impl AppSettings {
    pub fn load(path: &std::path::Path) -> AppSettings {
        let Ok(text) = std::fs::read_to_string(path) else {
            return AppSettings::default();
        };
        serde_json::from_str(&text).unwrap_or_else(|e| {
            tracing::warn!(file = %path.display(), "settings ignored, not valid: {e}");
            AppSettings::default()
        })
    }
}

impl Agent {
    /// Writes the settings in force to the file.
    pub fn save_settings(&self) -> Result<(), AgentError> {
        let settings = AppSettings {
            idle: self.local_idle_settings(),
            auto_tracker: Some(self.activity.settings),
            reminders: Some(self.reminders.settings.clone()),
            shortcut: self.shortcut.setting.clone(),
            pomodoro: Some(self.pomodoro.settings),
        };
        let text = serde_json::to_string_pretty(&settings).expect("settings serialise");
        std::fs::write(self.paths.settings_file(), text).map_err(AgentError::SaveSettings)
    }
}
