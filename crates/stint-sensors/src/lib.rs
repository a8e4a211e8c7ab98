//! Stint's OS adapters, each behind a small trait so the agent's logic is tested with fakes
//! and the adapters themselves are tested in real sessions: idle time, screen lock and
//! sleep, the window in front, and screenshots of every monitor, on X11, Wayland (wlroots,
//! GNOME, KDE), Windows and macOS. [`Sensors::detect`] looks at the session and picks the
//! backend for each capability ([`session`]).

pub mod detect;
pub mod hotkey;
pub mod idle;
pub mod lock;
pub mod screen;
pub mod session;
pub mod window;

#[cfg(target_os = "linux")]
pub mod gnome;
#[cfg(target_os = "linux")]
mod notified;
#[cfg(any(windows, target_os = "macos"))]
pub mod platform;
#[cfg(target_os = "linux")]
pub mod portal;
#[cfg(target_os = "linux")]
pub mod portal_hotkey;
#[cfg(target_os = "linux")]
pub mod wayland;
#[cfg(target_os = "linux")]
pub mod x11_front;
#[cfg(target_os = "linux")]
mod x11_grab;
#[cfg(target_os = "linux")]
pub mod x11_hotkey;
#[cfg(target_os = "linux")]
pub mod x11_idle;
#[cfg(target_os = "linux")]
mod x11_link;
#[cfg(target_os = "linux")]
pub mod x11_window;

#[cfg(feature = "testing")]
pub mod fake;

pub use detect::{Missing, Sensors, IDLE_RESOLUTION};
pub use hotkey::{Accelerator, HotkeySource};
pub use idle::{clocks, IdleSensorError, IdleSource};
pub use lock::{LockEvent, LockSource};
pub use screen::{CaptureError, Frame, MonitorInfo, ScreenCapturer, Shot, XcapCapturer};
pub use session::Capability;
pub use window::{ActiveWindowSource, Foreground, FrontWindows, WindowSensorError};
#[cfg(target_os = "linux")]
pub use x11_front::X11FrontWindows;
#[cfg(target_os = "linux")]
pub use x11_idle::X11Idle;
#[cfg(target_os = "linux")]
pub use x11_window::X11ActiveWindow;

/// Whether the X display named by `DISPLAY` answers: a process that lives on the desktop
/// says so in one line at start instead of running blind.
///
/// # Errors
/// The display's name and why it cannot be opened.
#[cfg(target_os = "linux")]
pub fn check_x11_display() -> Result<(), String> {
    let name = std::env::var("DISPLAY").unwrap_or_default();
    x11rb::connect(None)
        .map(drop)
        .map_err(|e| format!("cannot open the display {name:?}: {e}"))
}
