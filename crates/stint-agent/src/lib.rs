//! Stint's runtime. One [`Agent`] owns the store and answers every command (from the tray,
//! the window, the CLI or a test) through the same methods, then tells every subscriber what
//! changed. A single tick task does all periodic work and sleeps until the next thing is due.

mod activity;
mod agent;
mod capture;
mod credentials;
mod error;
mod idle;
mod paths;
mod settings;
pub mod socket;
mod sync;
mod tick;

pub use activity::{ActivityDay, AutoTrackerSettings};
pub use agent::{Agent, AgentEvent, AgentOptions, Clock, DayView, SystemClock};
pub use credentials::KeyStorage;
pub use error::{AgentError, UiError};
pub use idle::IdlePrompt;
pub use paths::{Paths, PathsError};
pub use stint_core::activity::Span;
pub use stint_core::idle::{IdleChoice, IdleChoiceKind, IdlePeriod, IdleSettings};
pub use stint_core::{Entry, EntryId, EntryPatch};
pub use stint_private::{IgnoreKind, StoredSpan};
pub use sync::{SyncState, SyncStatus, WorkspacePolicy};
