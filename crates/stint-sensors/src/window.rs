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

/// Which app is in front on each monitor, so that a capture of every monitor can leave out
/// the monitors where a private app is showing.
///
/// The rule: a monitor's front window is the topmost window in the stacking order that is
/// shown (mapped, not minimised), belongs to an app (it names its app, e.g. an X11
/// `WM_CLASS`; the desktop background, panels, notifications and bare unnamed windows are
/// passed over, so the next one down counts) and covers part of the monitor: its rectangle,
/// in the same desktop coordinates as [`MonitorInfo`], intersects the monitor's with a
/// non-zero area. A window across two monitors counts for both.
///
/// Only X11 has such a backend ([`crate::X11FrontWindows`]); Wayland compositors, Windows
/// and macOS offer no per-monitor stacking order here, so there is none: the caller treats
/// "unknown" as it must.
///
/// [`MonitorInfo`]: crate::MonitorInfo
pub trait FrontWindows: Send + Sync {
    /// For each of `monitors`, in the same order and as many: the front window's app and
    /// title ([`Foreground::app`] is the app's name, as [`ActiveWindowSource`] gives it),
    /// or `None` when no app's window covers any of that monitor (an empty monitor, or one
    /// of zero size).
    ///
    /// # Errors
    /// [`WindowSensorError`] when the display cannot be asked; then nothing is known about
    /// any monitor.
    fn front_windows(
        &self,
        monitors: &[crate::MonitorInfo],
    ) -> Result<Vec<Option<Foreground>>, WindowSensorError>;
}
