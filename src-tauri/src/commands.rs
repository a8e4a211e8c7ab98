//! The window's commands: each one forwards a `Command` over the agent's socket and hands
//! back its answer; nothing is decided or stored here.

use chrono::{DateTime, NaiveDate, Utc};
use stint_core::activity::IgnoreKind;
use stint_core::idle::{IdleChoice, IdleSettings};
use stint_core::pomodoro::PomodoroSettings;
use stint_core::reminders::ReminderSettings;
use stint_core::{Entry, EntryId, EntryPatch, Work};
use stint_ipc::protocol::{Answer, Command};
use stint_ipc::{
    AboutInfo, ActivityDay, AutoTrackerSettings, AutostartStatus, Catalog, DayView, IdlePrompt,
    SensorProblem, ShortcutStatus, SyncStatus, UiError, WeekView, WorkspacePolicy,
};
use tauri::State;

use crate::link::{AgentLink, LinkStatus};
use crate::AppInfo;

type Result<T> = std::result::Result<T, UiError>;

pub(crate) fn unexpected(answer: &Answer) -> UiError {
    UiError {
        code: "internal".into(),
        message: format!("the agent answered {answer:?}"),
    }
}

#[tauri::command]
#[specta::specta]
pub async fn app_info(link: State<'_, AgentLink>) -> Result<AppInfo> {
    let info = link.info.lock().unwrap_or_else(|p| p.into_inner()).clone();
    Ok(AppInfo {
        tray_available: info.tray_available,
        data_dir: info.data_dir,
    })
}

/// Whether the window reaches the agent, and why not.
#[tauri::command]
#[specta::specta]
pub async fn link_status(link: State<'_, AgentLink>) -> Result<LinkStatus> {
    Ok(link.status())
}

#[tauri::command]
#[specta::specta]
pub async fn timer_status(link: State<'_, AgentLink>) -> Result<Option<Entry>> {
    ask!(link, Command::TimerStatus, MaybeEntry)
}

#[tauri::command]
#[specta::specta]
pub async fn start_timer(
    link: State<'_, AgentLink>,
    description: String,
    work: Work,
) -> Result<Entry> {
    ask!(link, Command::StartTimer { description, work }, Entry)
}

/// Starts a new entry like entry `id` (its description, project, task, tags, billable).
#[tauri::command]
#[specta::specta]
pub async fn continue_entry(link: State<'_, AgentLink>, id: EntryId) -> Result<Entry> {
    ask!(link, Command::ContinueEntry { id }, Entry)
}

/// The workspace's projects (with tasks) and tags, and the recent project / task pairs.
#[tauri::command]
#[specta::specta]
pub async fn catalog(link: State<'_, AgentLink>) -> Result<Catalog> {
    ask!(link, Command::Catalog, Catalog)
}

/// Creates a tag on the server; answers the catalog with it.
#[tauri::command]
#[specta::specta]
pub async fn create_tag(link: State<'_, AgentLink>, name: String) -> Result<Catalog> {
    ask!(link, Command::CreateTag { name }, Catalog)
}

#[tauri::command]
#[specta::specta]
pub async fn stop_timer(link: State<'_, AgentLink>) -> Result<Option<Entry>> {
    ask!(link, Command::StopTimer, MaybeEntry)
}

#[tauri::command]
#[specta::specta]
pub async fn today(link: State<'_, AgentLink>) -> Result<DayView> {
    ask!(link, Command::Today, Day)
}

/// The week `weeks_back` weeks before the current one (0: this week).
#[tauri::command]
#[specta::specta]
pub async fn week(link: State<'_, AgentLink>, weeks_back: u32) -> Result<WeekView> {
    ask!(link, Command::Week { weeks_back }, Week)
}

#[tauri::command]
#[specta::specta]
pub async fn edit_entry(
    link: State<'_, AgentLink>,
    id: EntryId,
    patch: EntryPatch,
) -> Result<Entry> {
    ask!(link, Command::EditEntry { id, patch }, Entry)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_entry(link: State<'_, AgentLink>, id: EntryId) -> Result<()> {
    ask!(link, Command::DeleteEntry { id })
}

#[tauri::command]
#[specta::specta]
pub async fn add_manual_entry(
    link: State<'_, AgentLink>,
    description: String,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    work: Work,
) -> Result<Entry> {
    let command = Command::AddManualEntry {
        description,
        start,
        end,
        work,
    };
    ask!(link, command, Entry)
}

/// Checks the key with the server and starts syncing.
#[tauri::command]
#[specta::specta]
pub async fn sign_in(
    link: State<'_, AgentLink>,
    server: String,
    api_key: String,
) -> Result<SyncStatus> {
    ask!(link, Command::SignIn { server, api_key }, Sync)
}

#[tauri::command]
#[specta::specta]
pub async fn sign_out(link: State<'_, AgentLink>) -> Result<()> {
    ask!(link, Command::SignOut)
}

#[tauri::command]
#[specta::specta]
pub async fn sync_status(link: State<'_, AgentLink>) -> Result<SyncStatus> {
    ask!(link, Command::SyncStatus, Sync)
}

/// The workspace's rules, once known; `null` while signed out.
/// What this desktop cannot do for Stint (a sensor it does not offer), with what to do.
#[tauri::command]
#[specta::specta]
pub async fn sensor_problems(link: State<'_, AgentLink>) -> Result<Vec<SensorProblem>> {
    let overview = ask!(link, Command::Overview, Overview)?;
    Ok(overview.problems)
}

#[tauri::command]
#[specta::specta]
pub async fn workspace_policy(link: State<'_, AgentLink>) -> Result<Option<WorkspacePolicy>> {
    ask!(link, Command::WorkspacePolicy, Policy)
}

/// The idle prompt waiting for an answer, if any.
#[tauri::command]
#[specta::specta]
pub async fn idle_prompt(link: State<'_, AgentLink>) -> Result<Option<IdlePrompt>> {
    ask!(link, Command::IdlePrompt, Prompt)
}

/// Answers the idle prompt; returns the entries it wrote.
#[tauri::command]
#[specta::specta]
pub async fn resolve_idle(
    link: State<'_, AgentLink>,
    id: u32,
    choice: IdleChoice,
) -> Result<Vec<Entry>> {
    ask!(link, Command::ResolveIdle { id, choice }, Entries)
}

#[tauri::command]
#[specta::specta]
pub async fn idle_settings(link: State<'_, AgentLink>) -> Result<IdleSettings> {
    ask!(link, Command::IdleSettings, IdleSettings)
}

#[tauri::command]
#[specta::specta]
pub async fn set_idle_settings(
    link: State<'_, AgentLink>,
    settings: IdleSettings,
) -> Result<IdleSettings> {
    ask!(link, Command::SetIdleSettings { settings }, IdleSettings)
}

/// The pomodoro settings.
#[tauri::command]
#[specta::specta]
pub async fn pomodoro(link: State<'_, AgentLink>) -> Result<PomodoroSettings> {
    ask!(link, Command::Pomodoro, Pomodoro)
}

#[tauri::command]
#[specta::specta]
pub async fn set_pomodoro(
    link: State<'_, AgentLink>,
    settings: PomodoroSettings,
) -> Result<PomodoroSettings> {
    ask!(link, Command::SetPomodoro { settings }, Pomodoro)
}

/// Version and folders, for About.
#[tauri::command]
#[specta::specta]
pub async fn about(link: State<'_, AgentLink>) -> Result<AboutInfo> {
    ask!(link, Command::About, About)
}

#[tauri::command]
#[specta::specta]
pub async fn open_logs_folder(link: State<'_, AgentLink>) -> Result<()> {
    ask!(link, Command::OpenLogsFolder)
}

/// Writes the problem report (logs and settings, secrets removed); answers its path.
#[tauri::command]
#[specta::specta]
pub async fn report_problem(link: State<'_, AgentLink>) -> Result<String> {
    ask!(link, Command::ReportProblem, Path)
}

/// The global shortcut and whether it works here.
#[tauri::command]
#[specta::specta]
pub async fn shortcut(link: State<'_, AgentLink>) -> Result<ShortcutStatus> {
    ask!(link, Command::Shortcut, Shortcut)
}

/// A new global shortcut (`Ctrl+Alt+T`), or `""` for none.
#[tauri::command]
#[specta::specta]
pub async fn set_shortcut(
    link: State<'_, AgentLink>,
    accelerator: String,
) -> Result<ShortcutStatus> {
    ask!(link, Command::SetShortcut { accelerator }, Shortcut)
}

/// The reminder settings (work hours, intervals).
#[tauri::command]
#[specta::specta]
pub async fn reminders(link: State<'_, AgentLink>) -> Result<ReminderSettings> {
    ask!(link, Command::Reminders, Reminders)
}

#[tauri::command]
#[specta::specta]
pub async fn set_reminders(
    link: State<'_, AgentLink>,
    settings: ReminderSettings,
) -> Result<ReminderSettings> {
    ask!(link, Command::SetReminders { settings }, Reminders)
}

/// Whether the desktop session starts Stint at login.
#[tauri::command]
#[specta::specta]
pub async fn autostart(link: State<'_, AgentLink>) -> Result<AutostartStatus> {
    ask!(link, Command::Autostart, Autostart)
}

/// The settings' "Start at login" switch.
#[tauri::command]
#[specta::specta]
pub async fn set_autostart(link: State<'_, AgentLink>, enabled: bool) -> Result<AutostartStatus> {
    ask!(link, Command::SetAutostart { enabled }, Autostart)
}

/// One local day of the private auto tracker.
#[tauri::command]
#[specta::specta]
pub async fn activity_day(link: State<'_, AgentLink>, date: NaiveDate) -> Result<ActivityDay> {
    ask!(link, Command::ActivityDay { date }, Activity)
}

#[tauri::command]
#[specta::specta]
pub async fn delete_activity(link: State<'_, AgentLink>, ids: Vec<u32>) -> Result<()> {
    ask!(link, Command::DeleteActivity { ids })
}

/// Deletes a day's spans, or every span with `null`.
#[tauri::command]
#[specta::specta]
pub async fn delete_activity_day(
    link: State<'_, AgentLink>,
    date: Option<NaiveDate>,
) -> Result<()> {
    ask!(link, Command::DeleteActivityDay { date })
}

#[tauri::command]
#[specta::specta]
pub async fn ignore_activity(
    link: State<'_, AgentLink>,
    kind: IgnoreKind,
    value: String,
) -> Result<()> {
    ask!(link, Command::IgnoreActivity { kind, value })
}

#[tauri::command]
#[specta::specta]
pub async fn set_auto_tracker_paused(
    link: State<'_, AgentLink>,
    paused: bool,
) -> Result<AutoTrackerSettings> {
    ask!(link, Command::SetAutoTrackerPaused { paused }, AutoTracker)
}
