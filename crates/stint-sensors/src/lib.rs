//! Stint's OS adapters, each behind a small trait so the agent's logic is tested with fakes
//! and the adapters themselves are tested on a real X server. Only the screen for now; idle
//! time and the active window follow.

pub mod screen;

#[cfg(feature = "testing")]
pub mod fake;

pub use screen::{CaptureError, Frame, MonitorInfo, ScreenCapturer, Shot, XcapCapturer};
