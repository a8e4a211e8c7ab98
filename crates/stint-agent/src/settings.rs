//! The app's own settings, one JSON file in the config directory. Each section is read on
//! its own: a section that is not valid (a hand edit, a newer version) is logged, its
//! defaults apply, and it is written back as it was found until the user sets that
//! section again, so one bad value never costs the others or itself. A file that is not
//! JSON at all means defaults, and is left alone until the user saves.

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use stint_core::idle::IdleSettings;
use stint_core::pomodoro::PomodoroSettings;
use stint_core::reminders::ReminderSettings;

use crate::activity::AutoTrackerSettings;
use crate::actor::Agent;
use crate::error::AgentError;

/// The sections' names in the file.
pub(crate) const IDLE: &str = "idle";
pub(crate) const AUTO_TRACKER: &str = "autoTracker";
pub(crate) const REMINDERS: &str = "reminders";
pub(crate) const SHORTCUT: &str = "shortcut";
pub(crate) const POMODORO: &str = "pomodoro";
pub(crate) const PRIVACY: &str = "privacy";

#[derive(Debug, Default)]
pub(crate) struct AppSettings {
    /// `None`: the workspace's idle threshold applies.
    pub idle: Option<IdleSettings>,
    pub auto_tracker: Option<AutoTrackerSettings>,
    /// `None`: the defaults (work days 9 to 17).
    pub reminders: Option<ReminderSettings>,
    /// The global shortcut (`Ctrl+Alt+Shift+Space`); empty: none; `None`: the default.
    pub shortcut: Option<String>,
    pub pomodoro: Option<PomodoroSettings>,
    pub privacy: Option<stint_ipc::PrivacySettings>,
    /// The file as read, to write back what this version did not take.
    pub file: SettingsFile,
}

/// What the file held that the agent keeps as it was.
#[derive(Debug, Default)]
pub(crate) struct SettingsFile {
    found: Map<String, Value>,
    /// Sections that were not valid: written back as found until set again.
    invalid: BTreeSet<String>,
}

fn section<T: DeserializeOwned>(
    found: &Map<String, Value>,
    name: &str,
    valid: impl Fn(&T) -> Result<(), String>,
    invalid: &mut BTreeSet<String>,
) -> Option<T> {
    let value = found.get(name).filter(|v| !v.is_null())?;
    let read = serde_json::from_value::<T>(value.clone())
        .map_err(|e| e.to_string())
        .and_then(|v| valid(&v).map(|()| v));
    match read {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::warn!("the {name} settings are not valid and are ignored: {e}");
            invalid.insert(name.to_owned());
            None
        }
    }
}

/// The privacy section, item by item: a private app that is not a name (not text, empty,
/// over 200 characters) is left out and counted in the log, so one bad item never switches
/// the others off; a single name instead of a list is taken as a list of one.
fn privacy_section(found: &Map<String, Value>) -> Option<stint_ipc::PrivacySettings> {
    let value = found.get(PRIVACY).filter(|v| !v.is_null())?;
    let Some(section) = value.as_object() else {
        tracing::warn!("the privacy settings are not an object and are ignored");
        return None;
    };
    let mut dropped = 0usize;
    let mut name = |item: &Value| match item.as_str().map(str::trim) {
        Some(a) if !a.is_empty() && a.chars().count() <= 200 => Some(a.to_owned()),
        _ => {
            dropped += 1;
            None
        }
    };
    let private_apps: Vec<String> = match section.get("privateApps") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().filter_map(&mut name).take(100).collect(),
        Some(one) => name(one).into_iter().collect(),
    };
    if dropped > 0 {
        tracing::warn!(
            dropped,
            "private apps that are not app or site names were left out"
        );
    }
    Some(stint_ipc::PrivacySettings {
        review_screenshots: section
            .get("reviewScreenshots")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        private_apps,
    })
}

impl AppSettings {
    pub fn load(path: &std::path::Path) -> AppSettings {
        let Ok(text) = std::fs::read_to_string(path) else {
            return AppSettings::default();
        };
        let found = match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(found)) => found,
            Ok(_) | Err(_) => {
                tracing::warn!(file = %path.display(), "settings ignored: not a JSON object");
                return AppSettings::default();
            }
        };
        let mut invalid = BTreeSet::new();
        let shortcut_ok = |s: &String| match s.trim() {
            "" => Ok(()),
            text => text
                .parse::<stint_sensors::Accelerator>()
                .map(drop)
                .map_err(|e| e.to_string()),
        };
        AppSettings {
            idle: section(&found, IDLE, |_: &IdleSettings| Ok(()), &mut invalid),
            auto_tracker: section(
                &found,
                AUTO_TRACKER,
                |_: &AutoTrackerSettings| Ok(()),
                &mut invalid,
            ),
            reminders: section(
                &found,
                REMINDERS,
                |s: &ReminderSettings| s.validate().map_err(|e| e.to_string()),
                &mut invalid,
            ),
            shortcut: section(&found, SHORTCUT, shortcut_ok, &mut invalid),
            pomodoro: section(
                &found,
                POMODORO,
                |s: &PomodoroSettings| s.validate().map_err(str::to_owned),
                &mut invalid,
            ),
            privacy: privacy_section(&found),
            file: SettingsFile { found, invalid },
        }
    }
}

impl Agent {
    /// Writes the settings in force to the file, `changed` being the section the user just
    /// set (which from now on is written as it is in force).
    pub fn save_settings(&mut self, changed: &str) -> Result<(), AgentError> {
        self.settings_file.invalid.remove(changed);
        let mut out = self.settings_file.found.clone();
        let sections = [
            (IDLE, serde_json::to_value(self.local_idle_settings())),
            (AUTO_TRACKER, serde_json::to_value(self.activity.settings)),
            (REMINDERS, serde_json::to_value(&self.reminders.settings)),
            (SHORTCUT, serde_json::to_value(&self.shortcut.setting)),
            (POMODORO, serde_json::to_value(self.pomodoro.settings)),
            (PRIVACY, serde_json::to_value(&self.capture.privacy)),
        ];
        for (name, value) in sections {
            if !self.settings_file.invalid.contains(name) {
                out.insert(name.to_owned(), value.expect("settings serialise"));
            }
        }
        let text = serde_json::to_string_pretty(&out).expect("settings serialise");
        std::fs::write(self.paths.settings_file(), text).map_err(AgentError::SaveSettings)?;
        self.settings_file.found = out;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_section_costs_neither_the_others_nor_itself() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        let text = r#"{"shortcut": "Super+1", "reminders": {"noTimer": false, "workDays": [1],
            "workStartMinutes": 480, "workEndMinutes": 960, "noTimerEverySeconds": 600,
            "longTimerSeconds": 0}, "pomodoro": {"enabled": true, "workSeconds": -1,
            "breakSeconds": 60}, "future": 7}"#;
        std::fs::write(&path, text).unwrap();
        let settings = AppSettings::load(&path);
        assert_eq!(settings.shortcut.as_deref(), Some("Super+1"));
        assert_eq!(settings.reminders.as_ref().map(|r| r.no_timer), Some(false));
        assert_eq!(settings.pomodoro, None, "not valid: the defaults apply");
        assert!(settings.file.invalid.contains(POMODORO));
        assert_eq!(settings.file.found["future"], 7);
    }

    #[test]
    fn one_bad_private_app_leaves_the_others_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        let long = "x".repeat(100_000);
        let text = serde_json::json!({"privacy": {"privateApps": [long, 7, " keepassxc ", ""]}});
        std::fs::write(&path, text.to_string()).unwrap();
        let privacy = AppSettings::load(&path).privacy.unwrap();
        assert_eq!(privacy.private_apps, ["keepassxc"]);
        std::fs::write(&path, r#"{"privacy": {"privateApps": "firefox"}}"#).unwrap();
        assert_eq!(
            AppSettings::load(&path).privacy.unwrap().private_apps,
            ["firefox"]
        );
    }
}
