//! Stint's agent: the runtime that tracks time all day, without a web engine. One task owns
//! the stores and answers every command (from the tray, a window, the CLI or a test) sent
//! through an [`AgentHandle`], then tells every subscriber what changed ([`AgentEvent`]s).
//! The sensors wake it when something happens; otherwise it sleeps until the next thing is
//! due. [`socket`] serves the handle to windows and `stint-cli` over the local socket.

mod about;
mod activity;
mod actor;
pub mod autostart;
mod capture;
mod catalog;
mod clock;
mod credentials;
pub mod data_lock;
pub mod desktop;
pub(crate) mod due;
mod entries;
mod error;
mod handle;
mod idle;
mod mydata;
pub mod notify;
mod pomodoro;
mod problems;
mod reminders;
mod review;
mod settings;
mod shortcut;
pub mod socket;
mod sync;
pub mod tray;
pub mod windows;

pub use actor::{start, AgentOptions};
pub use clock::{Clock, SystemClock, TokioClock};
pub use credentials::KeyStorage;
pub use entries::{local_day, RECENT};
pub use error::{AgentError, UiError};
pub use handle::AgentHandle;
pub use stint_core::activity::Span;
pub use stint_core::idle::{IdleChoice, IdleChoiceKind, IdlePeriod, IdleSettings};
pub use stint_core::{Entry, EntryId, EntryPatch};
pub use stint_ipc::paths::{Paths, PathsError};
pub use stint_ipc::{
    ActivityDay, AgentEvent, AutoTrackerSettings, DayView, IdlePrompt, SyncState, SyncStatus,
    WorkspacePolicy,
};
pub use stint_private::{IgnoreKind, StoredSpan};
