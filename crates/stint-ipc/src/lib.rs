//! What Stint's agent and its window say to each other: the answers and events the window
//! shows (today's entries, sync state, the workspace's rules, the idle prompt, the auto
//! tracker's day) and the error shape, as serde types with TypeScript bindings (specta).
//! No runtime: the window process is to link this crate, never the agent's (DESIGN.md:
//! stint-ipc). [`protocol`] is the socket protocol (commands, answers, events, version),
//! [`paths`] where Stint keeps its files, [`socket`] where the socket is and a blocking one-call client, and [`link`] (feature
//! `link`) the window's async client.

#[cfg(feature = "link")]
pub mod link;
pub mod paths;
pub mod privacy;
pub mod protocol;
pub mod socket;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use stint_core::activity::StoredSpan;
use stint_core::idle::{IdleChoiceKind, IdlePeriod};
use stint_core::Entry;

pub use privacy::{
    DeviceData, DiscardOutcome, PrivacySettings, PrivacyStatus, ReviewMode, ScreenshotDay, Waiting,
    WaitingPicture, WaitingSet,
};

/// What changed, for the tray, the window and any other subscriber.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum AgentEvent {
    /// A timer started or stopped (or its running entry was edited).
    TimerChanged { running: Option<Entry> },
    /// Entries were added, edited or deleted.
    EntriesChanged,
    /// Periodic refresh while a timer runs, so elapsed time shown outside the window moves.
    Tick { running: Option<Entry> },
    /// Sync state or counts changed.
    SyncChanged { status: SyncStatus },
    /// The workspace's rules changed (or were learned after sign-in).
    PolicyChanged { policy: WorkspacePolicy },
    /// A message from the workspace for this user; shown once, as a desktop notification.
    Notice { id: String, message: String },
    /// Screenshot capture started or stopped being armed (timer running and enabled).
    CaptureChanged { armed: bool },
    /// The screenshots of one moment were taken and queued for upload.
    ScreenshotsTaken { at: DateTime<Utc> },
    /// Capture sets waiting for review came, went (sent or discarded): `waiting` are left.
    ReviewChanged { waiting: u32 },
    /// Screenshots could not be taken; told once per kind, with what to do.
    CaptureProblem { message: String },
    /// A sensor this desktop cannot serve (or that stopped working); told once per feature.
    SensorProblem { problem: SensorProblem },
    /// The user came back from idle time: ask once (a merged period keeps its id).
    IdlePrompt { prompt: IdlePrompt },
    /// The idle prompt was answered.
    IdleResolved { id: u32 },
    /// The auto tracker kept or deleted spans.
    ActivityChanged,
    /// The auto tracker was paused or resumed.
    AutoTrackerChanged { settings: AutoTrackerSettings },
    /// The workspace's projects, tasks or tags changed: read [`Catalog`] again.
    CatalogChanged,
    /// A reminder to show (as a notification with a Start or Stop button).
    Reminder {
        reminder: ReminderKind,
        message: String,
    },
}

/// Which reminder ([`stint_core::reminders`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ReminderKind {
    /// Work hours and no timer: offers Start.
    NoTimer,
    /// A timer ran past the set length: offers Stop.
    StillRunning,
    /// Pomodoro: work time is up, a break begins; offers "Count the break".
    Break,
    /// Pomodoro: the break is over; offers Stop.
    BackToWork,
}

/// What an entry may be for: the workspace's projects (with their tasks) and tags as the
/// agent last read them from the server, and the project / task pairs used last. Kept on
/// the device, so the picker works offline. Archived projects, done tasks and archived
/// tags are kept (so old entries show their names) but flagged: new time never goes to
/// them (Clockify's rule).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Catalog {
    /// By client name, then project name (no client last).
    pub projects: Vec<CatalogProject>,
    /// By name.
    pub tags: Vec<CatalogTag>,
    /// Project / task pairs of the latest entries, most recent first, at most 5.
    #[serde(default)]
    pub recent: Vec<stint_core::Work>,
    /// Whether a member may create tags from the window (the server decides in the end).
    #[serde(default)]
    pub can_create_tags: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CatalogProject {
    pub id: String,
    pub name: String,
    /// `#rrggbb`.
    pub color: String,
    pub client_name: Option<String>,
    /// New entries of this project are billable by default (Clockify's rule).
    pub billable: bool,
    pub archived: bool,
    pub tasks: Vec<CatalogTask>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CatalogTask {
    pub id: String,
    pub name: String,
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CatalogTag {
    pub id: String,
    pub name: String,
    pub archived: bool,
}

/// A week of entries as the window shows them (issue 14): the days that have entries,
/// newest first, each with its total; weeks start on Monday (ISO 8601, Clockify's default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WeekView {
    /// The week's Monday, local.
    pub first_day: NaiveDate,
    /// Days with entries, newest first.
    pub days: Vec<DayGroup>,
    /// Seconds tracked inside the week, up to now for a running entry.
    pub total_seconds: u32,
    pub running: Option<Entry>,
    /// Entries an admin locked on the server: shown as locked, not editable.
    pub locked: Vec<stint_core::EntryId>,
}

/// One day of a [`WeekView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DayGroup {
    pub date: NaiveDate,
    /// Newest first; an entry across midnight is listed on each day it touches.
    pub entries: Vec<Entry>,
    /// Seconds inside this day, up to now for a running entry.
    pub total_seconds: u32,
}

/// Today's entries as the window shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct DayView {
    /// Newest first; a running entry is included.
    pub entries: Vec<Entry>,
    /// Seconds tracked inside the local day, up to now for a running entry.
    pub total_seconds: u32,
    pub running: Option<Entry>,
}

/// What the UI shows about sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    pub state: SyncState,
    /// Changes not yet on the server.
    pub waiting: u32,
    /// Changes the server refused; they stay on the device.
    pub parked: u32,
    /// Why the last try failed, or why a change was refused.
    pub message: Option<String>,
    pub server: Option<String>,
    pub email: Option<String>,
    /// Where the API key is kept, while signed in.
    pub key_storage: Option<KeyStorage>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum SyncState {
    SignedOut,
    Synced,
    Waiting,
    Offline,
}

impl SyncStatus {
    pub fn signed_out() -> SyncStatus {
        SyncStatus {
            state: SyncState::SignedOut,
            waiting: 0,
            parked: 0,
            message: None,
            server: None,
            email: None,
            key_storage: None,
        }
    }
}

/// The workspace rules the agent follows, as its admin set them on the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WorkspacePolicy {
    pub screenshots_enabled: bool,
    pub screenshot_max_side: u32,
    pub screenshot_blur: u32,
    pub idle_threshold_minutes: u32,
    /// Every stopped entry needs a project (Clockify's `forceProjects`).
    #[serde(default)]
    pub force_projects: bool,
    /// Every stopped entry needs a task (Clockify's `forceTasks`).
    #[serde(default)]
    pub force_tasks: bool,
    /// Review before upload (issue 19).
    #[serde(default)]
    pub screenshot_review: ReviewMode,
    /// The review window, in minutes.
    #[serde(default = "ten")]
    pub screenshot_review_minutes: u32,
    /// Whether members may list private apps and sites.
    #[serde(default = "yes")]
    pub private_apps_allowed: bool,
}

fn ten() -> u32 {
    10
}

fn yes() -> bool {
    true
}

impl WorkspacePolicy {
    /// What the workspace requires of entries with an end.
    pub fn requirements(&self) -> stint_core::Requirements {
        stint_core::Requirements {
            project: self.force_projects,
            task: self.force_tasks,
        }
    }
}

impl From<stint_api::WorkspaceSettings> for WorkspacePolicy {
    fn from(s: stint_api::WorkspaceSettings) -> Self {
        WorkspacePolicy {
            screenshots_enabled: s.screenshots_enabled,
            screenshot_max_side: s.screenshot_max_side,
            screenshot_blur: s.screenshot_blur,
            idle_threshold_minutes: s.idle_threshold_minutes,
            force_projects: s.force_projects,
            force_tasks: s.force_tasks,
            screenshot_review: s.screenshot_review.into(),
            screenshot_review_minutes: s.screenshot_review_minutes,
            private_apps_allowed: s.private_apps_allowed,
        }
    }
}

/// Where the API key of the current sign-in is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum KeyStorage {
    Keyring,
    /// A file readable by the user alone: no keyring service answered.
    File,
}

/// The app's auto tracker settings (in `settings.json`). The window in front is read when
/// it changes (the sensors say so), not on a timer; an older file's `pulseSeconds` is
/// ignored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AutoTrackerSettings {
    pub paused: bool,
}

/// What the tray shows, in one answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Overview {
    pub running: Option<Entry>,
    /// Screenshots are being taken (a timer runs and the workspace enabled them).
    pub capture_armed: bool,
    /// An idle prompt waits for an answer.
    pub idle_pending: bool,
    pub auto_tracker: AutoTrackerSettings,
    /// As [`crate::protocol::Command::RecentEntries`] answers.
    pub recent: Vec<Entry>,
    /// Each recent entry's "Project: Task" (in `recent`'s order), where it has a project.
    #[serde(default)]
    pub recent_projects: Vec<Option<String>>,
    /// What this desktop cannot do for Stint, and why.
    pub problems: Vec<SensorProblem>,
}

/// A feature that cannot work on this desktop, in words the user can act on: "Auto
/// tracker" and "GNOME on Wayland does not let apps see which window is in front, …".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SensorProblem {
    /// The feature as the user knows it (Idle detection, Auto tracker, Screenshots, Screen
    /// lock and sleep).
    pub feature: String,
    pub message: String,
}

/// The agent's facts a window needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AgentInfo {
    pub version: String,
    pub data_dir: String,
    /// False where the desktop shows no tray: closing the window then quits Stint.
    pub tray_available: bool,
}

/// What the window's About shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AboutInfo {
    pub version: String,
    pub data_dir: String,
    pub config_dir: String,
    pub log_dir: String,
}

/// The global shortcut that starts and stops the timer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ShortcutStatus {
    /// As `Ctrl+Alt+Shift+Space`; empty: none.
    pub accelerator: String,
    /// Why it does not work on this desktop, if it does not.
    pub problem: Option<String>,
}

/// Whether the desktop session starts Stint at login (XDG autostart on Linux).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AutostartStatus {
    pub enabled: bool,
    /// True where the package put a system-wide entry (on after installing); turning it
    /// off then writes the user's own entry that hides it.
    pub packaged: bool,
}

/// The windows of the window process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum WindowKind {
    Main,
    /// The small always-on-top idle prompt.
    Idle,
}

/// One day of the auto tracker, as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ActivityDay {
    pub date: NaiveDate,
    pub spans: Vec<StoredSpan>,
    pub paused: bool,
}

/// What the prompt shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct IdlePrompt {
    /// The period's number on this device.
    pub id: u32,
    pub period: IdlePeriod,
    /// The entry that was running when the user went idle, as it is now (`None`: deleted).
    pub entry: Option<Entry>,
    /// Its timer was stopped (here or elsewhere) since.
    pub timer_stopped: bool,
    pub choices: Vec<IdleChoiceKind>,
}

/// What a failed command looks like to the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct UiError {
    pub code: String,
    pub message: String,
}
