//! Windows and macOS: idle time through the `user-idle` crate (`GetLastInputInfo`,
//! `CGEventSourceSecondsSinceLastEventType`), the window in front through
//! `active-win-pos-rs` on Windows and `NSWorkspace.frontmostApplication` (objc2-app-kit) on
//! macOS. `active-win-pos-rs`'s macOS helper cannot be compiled from Linux (it generates its
//! bindings on a macOS host only), and window titles on macOS need the screen-recording
//! permission, so there the app's name stands for both. None of these can tell when the
//! user comes back, so the agent looks every few seconds while they are away.

use std::time::Duration;

use crate::idle::{IdleSensorError, IdleSource};
#[cfg(any(windows, target_os = "macos"))]
use crate::window::{ActiveWindowSource, Foreground, WindowSensorError};

/// Idle time from the OS (`user-idle`).
#[derive(Debug, Default, Clone, Copy)]
pub struct UserIdle;

impl IdleSource for UserIdle {
    fn idle_for(&self) -> Result<Duration, IdleSensorError> {
        user_idle::UserIdle::get_time()
            .map(|t| Duration::from_millis(u64::try_from(t.as_milliseconds()).unwrap_or(u64::MAX)))
            .map_err(|e| IdleSensorError::Unavailable(format!("{e:?}")))
    }
}

/// The foreground window on Windows (`active-win-pos-rs`).
#[cfg(windows)]
#[derive(Debug, Default, Clone, Copy)]
pub struct ActiveWinPos;

#[cfg(windows)]
impl ActiveWindowSource for ActiveWinPos {
    fn foreground(&self) -> Result<Option<Foreground>, WindowSensorError> {
        // The crate answers `Err(())` when no window is in front (the desktop, a lock).
        Ok(active_win_pos_rs::get_active_window()
            .ok()
            .map(|w| Foreground {
                app: if w.app_name.is_empty() {
                    "unknown".into()
                } else {
                    w.app_name
                },
                title: w.title.trim().to_owned(),
                process_path: Some(w.process_path),
            }))
    }
}

/// The frontmost application on macOS (its name is the title too; see the module's note).
#[cfg(target_os = "macos")]
#[derive(Debug, Default, Clone, Copy)]
pub struct FrontmostApp;

#[cfg(target_os = "macos")]
impl ActiveWindowSource for FrontmostApp {
    fn foreground(&self) -> Result<Option<Foreground>, WindowSensorError> {
        use objc2_app_kit::NSWorkspace;
        let Some(app) = NSWorkspace::sharedWorkspace().frontmostApplication() else {
            return Ok(None);
        };
        let name = app
            .localizedName()
            .map(|n| n.to_string())
            .or_else(|| app.bundleIdentifier().map(|b| b.to_string()))
            .unwrap_or_else(|| "unknown".into());
        Ok(Some(Foreground {
            app: name.clone(),
            title: name,
            process_path: None,
        }))
    }
}
