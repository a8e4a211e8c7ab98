//! Stint's OS adapters, each behind a small trait so the agent's logic is tested with fakes
//! and the adapters themselves are tested on a real X server: the screen, idle time and
//! the clocks that reveal a suspend, the foreground window.

pub mod idle;
pub mod screen;
pub mod window;
mod x11_grab;

#[cfg(feature = "testing")]
pub mod fake;

pub use idle::{clocks, IdleSensorError, IdleSource, X11Idle};

/// Whether the X display named by `DISPLAY` answers: a process that lives on the desktop
/// says so in one line at start instead of running blind.
///
/// # Errors
/// The display's name and why it cannot be opened.
pub fn check_x11_display() -> Result<(), String> {
    let name = std::env::var("DISPLAY").unwrap_or_default();
    x11rb::connect(None)
        .map(drop)
        .map_err(|e| format!("cannot open the display {name:?}: {e}"))
}
pub use screen::{CaptureError, Frame, MonitorInfo, ScreenCapturer, Shot, XcapCapturer};
pub use window::{ActiveWindowSource, Foreground, WindowSensorError, X11ActiveWindow};
