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
pub use screen::{CaptureError, Frame, MonitorInfo, ScreenCapturer, Shot, XcapCapturer};
pub use window::{ActiveWindowSource, Foreground, WindowSensorError, X11ActiveWindow};
