//! Errors of the agent API, and the `{code, message}` form the UI receives.

use stint_core::{EntryError, TimerError};
pub use stint_ipc::UiError;
use stint_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error(transparent)]
    Timer(#[from] TimerError),
    #[error(transparent)]
    Entry(#[from] EntryError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sync(#[from] stint_sync::SyncError),
    #[error("could not save the sign-in: {0}")]
    SaveSignIn(std::io::Error),
    #[error("{0}")]
    BadInput(String),
    #[error(transparent)]
    Idle(#[from] stint_core::idle::IdleError),
    #[error("there is no idle time waiting for an answer")]
    NoIdlePrompt,
    #[error("could not save the settings: {0}")]
    SaveSettings(std::io::Error),
    #[error("could not change start at login ({path}): {source}")]
    Autostart {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("not possible here: {0}")]
    Unsupported(&'static str),
    /// An admin locked the entry on the server (Clockify's "lock time entries"): it can
    /// no longer be edited or deleted by its owner.
    #[error("this entry is locked by your workspace's admin and can no longer be changed")]
    Locked,
}

impl AgentError {
    /// A stable, machine-readable code for the UI and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            AgentError::Entry(EntryError::ProjectRequired | EntryError::TaskRequired)
            | AgentError::Timer(TimerError::Entry(
                EntryError::ProjectRequired | EntryError::TaskRequired,
            )) => "project_required",
            AgentError::Timer(TimerError::Entry(_)) | AgentError::Entry(_) => "invalid_entry",
            AgentError::Store(StoreError::NotFound(_)) => "not_found",
            AgentError::Store(StoreError::AlreadyRunning) => "already_running",
            AgentError::Store(StoreError::Corrupt { .. }) => "database_damaged",
            AgentError::Store(StoreError::NotHeld) => "not_applicable",
            AgentError::Store(_) => "storage",
            AgentError::Sync(stint_sync::SyncError::BadKey) => "bad_key",
            AgentError::Sync(stint_sync::SyncError::Offline { .. }) => "offline",
            AgentError::Sync(stint_sync::SyncError::Server { .. }) => "server_error",
            AgentError::SaveSignIn(_) => "storage",
            AgentError::BadInput(_) => "invalid_input",
            AgentError::Idle(_) => "not_applicable",
            AgentError::NoIdlePrompt => "no_idle_prompt",
            AgentError::SaveSettings(_) | AgentError::Autostart { .. } => "storage",
            AgentError::Unsupported(_) => "unsupported",
            AgentError::Locked => "locked",
        }
    }
}

impl From<AgentError> for UiError {
    fn from(e: AgentError) -> Self {
        UiError {
            code: e.code().to_owned(),
            message: e.to_string(),
        }
    }
}
