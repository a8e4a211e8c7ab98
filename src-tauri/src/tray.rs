//! The tray icon and its menu. Its Start and Stop call the same agent API as the window.

use std::sync::Arc;

use stint_agent::{Agent, Entry, UiError};
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Wry};

/// What a tray menu item does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayAction {
    Start,
    Stop,
    Open,
    /// Reopens a dismissed idle prompt.
    Idle,
    /// Pauses or resumes the auto tracker.
    PauseTracker,
    Quit,
}

impl TrayAction {
    pub const ALL: [TrayAction; 6] = [
        Self::Start,
        Self::Stop,
        Self::Open,
        Self::Idle,
        Self::PauseTracker,
        Self::Quit,
    ];

    pub fn menu_id(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Stop => "stop",
            Self::Open => "open",
            Self::Idle => "idle",
            Self::PauseTracker => "pause-tracker",
            Self::Quit => "quit",
        }
    }

    pub fn from_menu_id(id: &str) -> Option<TrayAction> {
        Self::ALL.into_iter().find(|a| a.menu_id() == id)
    }
}

/// Carries out the timer part of a tray action through the agent API; Open and Quit
/// concern the shell only and do nothing here.
pub fn perform(action: TrayAction, agent: &Agent) -> Result<(), UiError> {
    match action {
        TrayAction::Start => agent.start("").map(drop)?,
        TrayAction::Stop => agent.stop().map(drop)?,
        TrayAction::PauseTracker => {
            let paused = agent.auto_tracker_settings().paused;
            agent.set_auto_tracker_paused(!paused).map(drop)?;
        }
        TrayAction::Open | TrayAction::Idle | TrayAction::Quit => {}
    }
    Ok(())
}

struct TrayItems {
    tray: TrayIcon,
    status: MenuItem<Wry>,
    start: MenuItem<Wry>,
    stop: MenuItem<Wry>,
    idle: MenuItem<Wry>,
    tracker: MenuItem<Wry>,
}

const RUNNING_ICON: &[u8] = include_bytes!("../../icons/tray-running.png");
const STOPPED_ICON: &[u8] = include_bytes!("../../icons/tray-stopped.png");
/// Running with screenshots armed: a red dot, so capture is never invisible.
const SCREENSHOTS_ICON: &[u8] = include_bytes!("../../icons/tray-screenshots.png");

pub fn build(app: &AppHandle, agent: &Arc<Agent>) -> tauri::Result<()> {
    let status = MenuItem::with_id(app, "status", "Stopped", false, None::<&str>)?;
    let start = MenuItem::with_id(
        app,
        TrayAction::Start.menu_id(),
        "Start timer",
        true,
        None::<&str>,
    )?;
    let stop = MenuItem::with_id(
        app,
        TrayAction::Stop.menu_id(),
        "Stop timer",
        false,
        None::<&str>,
    )?;
    let open = MenuItem::with_id(
        app,
        TrayAction::Open.menu_id(),
        "Open Stint",
        true,
        None::<&str>,
    )?;
    let idle = MenuItem::with_id(
        app,
        TrayAction::Idle.menu_id(),
        "Idle time…",
        matches!(agent.idle_prompt(), Ok(Some(_))),
        None::<&str>,
    )?;
    let tracker = MenuItem::with_id(
        app,
        TrayAction::PauseTracker.menu_id(),
        tracker_label(agent.auto_tracker_settings().paused),
        true,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(app, TrayAction::Quit.menu_id(), "Quit", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(
        app,
        &[
            &status, &separator, &start, &stop, &open, &idle, &tracker, &quit,
        ],
    )?;
    let agent_for_menu = agent.clone();
    let tray = TrayIconBuilder::with_id("stint")
        .icon(Image::from_bytes(STOPPED_ICON)?)
        .tooltip("Stint")
        .menu(&menu)
        .on_menu_event(move |app, event| {
            let Some(action) = TrayAction::from_menu_id(event.id.as_ref()) else {
                return;
            };
            match action {
                TrayAction::Open => crate::window::show(app),
                TrayAction::Idle => crate::window::show_idle(app),
                TrayAction::Quit => app.exit(0),
                _ => {
                    if let Err(e) = perform(action, &agent_for_menu) {
                        log::error!("tray {action:?} failed: {}", e.message);
                    }
                }
            }
        })
        .build(app)
        .inspect_err(|e| log::warn!("no tray icon: {e}"))?;
    app.manage(TrayItems {
        tray,
        status,
        start,
        stop,
        idle,
        tracker,
    });
    match agent.running() {
        Ok(running) => refresh(app, running.as_ref(), agent.capture_armed()),
        Err(e) => log::warn!("tray could not read the timer: {e}"),
    }
    Ok(())
}

/// Shows the running entry and its elapsed minutes, and whether screenshots are being
/// taken. Linux trays have no tooltips, so the same text goes in the title beside the icon
/// and in the menu's first line.
pub fn refresh(app: &AppHandle, running: Option<&Entry>, screenshots: bool) {
    let Some(items) = app.try_state::<TrayItems>() else {
        return;
    };
    let text = running.map(|e| status_text(e, screenshots, chrono::Utc::now()));
    let icon = match (running.is_some(), screenshots) {
        (true, true) => SCREENSHOTS_ICON,
        (true, false) => RUNNING_ICON,
        (false, _) => STOPPED_ICON,
    };
    let result = (|| -> tauri::Result<()> {
        items
            .status
            .set_text(text.as_deref().unwrap_or("Stopped"))?;
        items.start.set_enabled(running.is_none())?;
        items.stop.set_enabled(running.is_some())?;
        items.tray.set_icon(Some(Image::from_bytes(icon)?))?;
        items
            .tray
            .set_tooltip(Some(text.as_deref().unwrap_or("Stint: stopped")))?;
        items.tray.set_title(text.as_deref())?;
        Ok(())
    })();
    if let Err(e) = result {
        log::warn!("could not update the tray: {e}");
    }
}

fn tracker_label(paused: bool) -> &'static str {
    if paused {
        "Resume auto tracker"
    } else {
        "Pause auto tracker"
    }
}

/// Shows whether the auto tracker records.
pub fn set_tracker_paused(app: &AppHandle, paused: bool) {
    if let Some(items) = app.try_state::<TrayItems>() {
        if let Err(e) = items.tracker.set_text(tracker_label(paused)) {
            log::warn!("could not update the tray: {e}");
        }
    }
}

/// Enables "Idle time…" while a prompt waits for an answer.
pub fn set_idle_pending(app: &AppHandle, pending: bool) {
    if let Some(items) = app.try_state::<TrayItems>() {
        if let Err(e) = items.idle.set_enabled(pending) {
            log::warn!("could not update the tray: {e}");
        }
    }
}

/// The tray's line: the entry's label, and a warning while screenshots are taken.
pub fn status_text(entry: &Entry, screenshots: bool, now: chrono::DateTime<chrono::Utc>) -> String {
    let text = label(entry, now);
    if screenshots {
        format!("{text} · screenshots on")
    } else {
        text
    }
}

/// "Writing docs · 1:05" (hours:minutes), or "Running · 0:03" without a description.
pub fn label(entry: &Entry, now: chrono::DateTime<chrono::Utc>) -> String {
    let minutes = entry.duration(now).num_minutes();
    let what = if entry.description.is_empty() {
        "Running"
    } else {
        entry.description.as_str()
    };
    format!("{what} · {}:{:02}", minutes / 60, minutes % 60)
}
