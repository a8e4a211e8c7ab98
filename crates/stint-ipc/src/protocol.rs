//! The socket protocol between the agent and its windows (and `stint-cli`): one JSON
//! message a line, at most [`MAX_MESSAGE_BYTES`]. A client opens with [`ToAgent::Hello`];
//! the agent answers [`FromAgent::Welcome`], or [`FromAgent::Refused`] with code
//! `version_mismatch` when the client speaks another [`PROTOCOL_VERSION`] (the window then
//! says "restart Stint"). Then each [`ToAgent::Call`] gets one [`FromAgent::Reply`] with
//! the same id, and [`FromAgent::Event`]s arrive between replies. A line that is not a
//! message of this version gets a `bad_message` refusal, never a crash.

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use stint_core::activity::IgnoreKind;
use stint_core::idle::{IdleChoice, IdleSettings};
use stint_core::pomodoro::PomodoroSettings;
use stint_core::reminders::ReminderSettings;
use stint_core::{Entry, EntryId, EntryPatch, Work};

use crate::{
    ActivityDay, AgentEvent, AgentInfo, AutoTrackerSettings, DayView, IdlePrompt, Overview,
    SyncStatus, UiError, WeekView, WindowKind, WorkspacePolicy,
};

/// The protocol's version; both sides must speak the same one.
pub const PROTOCOL_VERSION: u32 = 2;
/// The longest line either side reads; a longer one is refused, not buffered.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// What a client asks the agent to do: the window's and the CLI's commands. Its `Debug`
/// hides a sign-in's API key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "command",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Command {
    TimerStatus,
    StartTimer {
        description: String,
        #[serde(default)]
        work: Work,
    },
    StopTimer,
    /// Stops the running timer, or starts one with no description (the global shortcut);
    /// answers the running entry afterwards.
    ToggleTimer,
    Today,
    /// The week `weeks_back` weeks before the current one (0: this week).
    Week {
        weeks_back: u32,
    },
    EditEntry {
        id: EntryId,
        patch: EntryPatch,
    },
    DeleteEntry {
        id: EntryId,
    },
    AddManualEntry {
        description: String,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        #[serde(default)]
        work: Work,
    },
    /// The workspace's projects, tasks and tags ([`crate::Catalog`]).
    Catalog,
    /// Creates a tag on the server (online only) and answers the catalog with it.
    CreateTag {
        name: String,
    },
    SignIn {
        server: String,
        api_key: String,
    },
    SignOut,
    SyncStatus,
    WorkspacePolicy,
    IdlePrompt,
    ResolveIdle {
        id: u32,
        choice: IdleChoice,
    },
    IdleSettings,
    SetIdleSettings {
        settings: IdleSettings,
    },
    ActivityDay {
        date: NaiveDate,
    },
    DeleteActivity {
        ids: Vec<u32>,
    },
    /// `None`: everything recorded.
    DeleteActivityDay {
        date: Option<NaiveDate>,
    },
    IgnoreActivity {
        kind: IgnoreKind,
        value: String,
    },
    SetAutoTrackerPaused {
        paused: bool,
    },
    /// The latest stopped entries of different descriptions, newest first (at most five):
    /// what the tray offers to continue.
    RecentEntries,
    /// Starts a new entry like `id` (its description), stopping the running timer first.
    ContinueEntry {
        id: EntryId,
    },
    /// What the tray shows: the timer, capture, a waiting idle prompt, the auto tracker,
    /// the recent entries.
    Overview,
    /// The ids of the workspace notices shown in this session, oldest first.
    ShownNotices,
    /// The pomodoro settings.
    Pomodoro,
    SetPomodoro {
        settings: PomodoroSettings,
    },
    /// Counts the pomodoro break under way as work.
    KeepBreak,
    /// Version and folders ([`crate::AboutInfo`]).
    About,
    /// Opens the logs folder in the file manager.
    OpenLogsFolder,
    /// Writes a zip of the logs and settings, secrets removed; answers its path.
    ReportProblem,
    /// The global shortcut ([`crate::ShortcutStatus`]).
    Shortcut,
    /// A new shortcut (`Ctrl+Alt+T`), or `""` for none.
    SetShortcut {
        accelerator: String,
    },
    /// The reminder settings ([`ReminderSettings`]).
    Reminders,
    SetReminders {
        settings: ReminderSettings,
    },
    /// Whether the session starts Stint at login ([`crate::AutostartStatus`]).
    Autostart,
    /// Starts Stint at login, or not; answers the state afterwards.
    SetAutostart {
        enabled: bool,
    },
    /// Review and private apps: the rules and the user's choices ([`crate::PrivacyStatus`]).
    Privacy,
    SetPrivacy {
        settings: crate::PrivacySettings,
    },
    /// Capture sets waiting for review ([`crate::Waiting`]).
    WaitingScreenshots,
    /// Discards a waiting set: it is never sent, and the time since the entry's previous
    /// capture is cut ([`crate::DiscardOutcome`]).
    DiscardScreenshots {
        id: String,
    },
    /// What of the user's is on this device and what was sent ([`crate::DeviceData`]).
    MyData,
    /// Writes everything of the user's on this device to a zip; answers its path.
    ExportMyData,
    /// Deletes both databases, the settings' private parts and the sign-in: signs out.
    /// `confirm` must be true.
    DeleteLocalData {
        confirm: bool,
    },
    /// The agent's version, data directory and whether it has a tray.
    AgentInfo,
    /// Show the main window (a second `stint` started by the user asks this).
    OpenWindow,
    /// Show the small idle prompt window (the tray's "Idle time…").
    OpenIdlePrompt,
    Quit,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::SignIn { server, .. } => f
                .debug_struct("SignIn")
                .field("server", server)
                .field("api_key", &"<hidden>")
                .finish(),
            other => f.write_str(other.name()),
        }
    }
}

impl Command {
    /// The command's name, for logs: never its arguments (a sign-in carries an API key).
    pub fn name(&self) -> &'static str {
        match self {
            Command::TimerStatus => "timerStatus",
            Command::StartTimer { .. } => "startTimer",
            Command::StopTimer => "stopTimer",
            Command::ToggleTimer => "toggleTimer",
            Command::Pomodoro => "pomodoro",
            Command::SetPomodoro { .. } => "setPomodoro",
            Command::KeepBreak => "keepBreak",
            Command::About => "about",
            Command::OpenLogsFolder => "openLogsFolder",
            Command::ReportProblem => "reportProblem",
            Command::Shortcut => "shortcut",
            Command::SetShortcut { .. } => "setShortcut",
            Command::Today => "today",
            Command::Week { .. } => "week",
            Command::EditEntry { .. } => "editEntry",
            Command::DeleteEntry { .. } => "deleteEntry",
            Command::AddManualEntry { .. } => "addManualEntry",
            Command::Catalog => "catalog",
            Command::CreateTag { .. } => "createTag",
            Command::SignIn { .. } => "signIn",
            Command::SignOut => "signOut",
            Command::SyncStatus => "syncStatus",
            Command::WorkspacePolicy => "workspacePolicy",
            Command::IdlePrompt => "idlePrompt",
            Command::ResolveIdle { .. } => "resolveIdle",
            Command::IdleSettings => "idleSettings",
            Command::SetIdleSettings { .. } => "setIdleSettings",
            Command::ActivityDay { .. } => "activityDay",
            Command::DeleteActivity { .. } => "deleteActivity",
            Command::DeleteActivityDay { .. } => "deleteActivityDay",
            Command::IgnoreActivity { .. } => "ignoreActivity",
            Command::SetAutoTrackerPaused { .. } => "setAutoTrackerPaused",
            Command::RecentEntries => "recentEntries",
            Command::ContinueEntry { .. } => "continueEntry",
            Command::Overview => "overview",
            Command::ShownNotices => "shownNotices",
            Command::Reminders => "reminders",
            Command::SetReminders { .. } => "setReminders",
            Command::Autostart => "autostart",
            Command::SetAutostart { .. } => "setAutostart",
            Command::AgentInfo => "agentInfo",
            Command::Privacy => "privacy",
            Command::SetPrivacy { .. } => "setPrivacy",
            Command::WaitingScreenshots => "waitingScreenshots",
            Command::DiscardScreenshots { .. } => "discardScreenshots",
            Command::MyData => "myData",
            Command::ExportMyData => "exportMyData",
            Command::DeleteLocalData { .. } => "deleteLocalData",
            Command::OpenWindow => "openWindow",
            Command::OpenIdlePrompt => "openIdlePrompt",
            Command::Quit => "quit",
        }
    }
}

/// What a command returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer", content = "value", rename_all = "camelCase")]
pub enum Answer {
    Done,
    Entry(Entry),
    MaybeEntry(Option<Entry>),
    Entries(Vec<Entry>),
    Day(DayView),
    Week(WeekView),
    Sync(SyncStatus),
    Policy(Option<WorkspacePolicy>),
    Prompt(Option<IdlePrompt>),
    IdleSettings(IdleSettings),
    Activity(ActivityDay),
    AutoTracker(AutoTrackerSettings),
    Overview(Overview),
    Info(AgentInfo),
    Ids(Vec<String>),
    Catalog(crate::Catalog),
    Autostart(crate::AutostartStatus),
    Reminders(ReminderSettings),
    Shortcut(crate::ShortcutStatus),
    About(crate::AboutInfo),
    Pomodoro(PomodoroSettings),
    Privacy(crate::PrivacyStatus),
    Waiting(crate::Waiting),
    Discarded(crate::DiscardOutcome),
    MyData(crate::DeviceData),
    /// A file the agent wrote.
    Path(String),
}

/// A message from a client to the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ToAgent {
    /// The first message. A window process names the window it is there to show: the agent
    /// keeps one window process, so a second one is refused with `window_open` (and the
    /// first is asked to show that window instead).
    Hello {
        protocol: u32,
        client: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window: Option<WindowKind>,
    },
    Call {
        id: u64,
        command: Command,
    },
}

/// A message from the agent to a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum FromAgent {
    Welcome {
        protocol: u32,
        agent: String,
    },
    /// The connection cannot go on (another version) or a line was not understood.
    Refused {
        code: String,
        message: String,
    },
    Reply {
        id: u64,
        result: Result<Answer, UiError>,
    },
    Event {
        event: AgentEvent,
    },
    /// To the window process only: bring this window to the front (open it if closed).
    Show {
        window: WindowKind,
    },
    /// The agent is quitting (the user chose Quit, or the session ends): close every window
    /// and do not start the agent again.
    Closing,
}

/// A line that is not a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("a message is longer than {MAX_MESSAGE_BYTES} bytes")]
    TooLong,
    #[error("not a message of protocol {PROTOCOL_VERSION}: {0}")]
    Invalid(String),
}

impl ProtocolError {
    /// What the agent answers to it.
    pub fn refusal(&self) -> FromAgent {
        FromAgent::Refused {
            code: "bad_message".into(),
            message: self.to_string(),
        }
    }
}

/// One message as a line (JSON and `\n`).
pub fn encode<T: Serialize>(message: &T) -> Vec<u8> {
    // Serialising these types cannot fail: no maps with non-string keys, no custom code.
    let mut line = serde_json::to_vec(message).unwrap_or_default();
    line.push(b'\n');
    line
}

/// One line (with or without its `\n`) as a message.
///
/// # Errors
/// [`ProtocolError::TooLong`] past [`MAX_MESSAGE_BYTES`]; [`ProtocolError::Invalid`] for
/// anything that is not a message of this version, with serde's reason.
pub fn decode<T: DeserializeOwned>(line: &[u8]) -> Result<T, ProtocolError> {
    if line.len() > MAX_MESSAGE_BYTES {
        return Err(ProtocolError::TooLong);
    }
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    serde_json::from_slice(line).map_err(|e| ProtocolError::Invalid(e.to_string()))
}

/// The agent's answer to a client's hello.
pub fn welcome(protocol: u32, agent_version: &str) -> FromAgent {
    if protocol == PROTOCOL_VERSION {
        FromAgent::Welcome {
            protocol,
            agent: agent_version.to_owned(),
        }
    } else {
        FromAgent::Refused {
            code: "version_mismatch".into(),
            message: format!(
                "this window speaks protocol {protocol}, the running Stint agent {PROTOCOL_VERSION}: restart Stint"
            ),
        }
    }
}
