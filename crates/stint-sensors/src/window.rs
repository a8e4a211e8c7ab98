//! The window in front: its app, title and process, behind [`ActiveWindowSource`]. The
//! backends live beside it (`x11_window`, `wayland::toplevel`, `platform`).

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Foreground {
    pub app: String,
    pub title: String,
    pub process_path: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowSensorError {
    #[error("no X display to ask for the foreground window (DISPLAY is not set)")]
    NoDisplay,
    #[error("the window manager does not say which window is active (no EWMH _NET_ACTIVE_WINDOW)")]
    NoWindowManager,
    #[error("{0}")]
    Unavailable(String),
}

/// Which window is in front.
pub trait ActiveWindowSource: Send + Sync {
    /// `None` when no window is active (an empty desktop).
    fn foreground(&self) -> Result<Option<Foreground>, WindowSensorError>;

    /// Starts calling `on_change`, from another thread, whenever the window in front or its
    /// title may have changed (the caller then reads [`Self::foreground`]). `false` where the
    /// source cannot tell (the caller then looks every few seconds).
    fn watch(&self, on_change: std::sync::Arc<dyn Fn() + Send + Sync>) -> bool {
        drop(on_change);
        false
    }
}
