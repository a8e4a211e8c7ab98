//! How long the user has not touched the keyboard or mouse, the first input after they
//! went away (where the source can tell, so nobody polls while they are away), and the two
//! clocks that reveal a suspend: CLOCK_MONOTONIC stops while the machine sleeps,
//! CLOCK_BOOTTIME does not. The backends live beside it (`x11_idle`, `wayland::idle`,
//! `gnome`, `platform`).

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdleSensorError {
    #[error("no X display to ask for idle time (DISPLAY is not set)")]
    NoDisplay,
    #[error("{0}")]
    Unavailable(String),
}

/// Time since the last input.
pub trait IdleSource: Send + Sync {
    fn idle_for(&self) -> Result<Duration, IdleSensorError>;

    /// Arranges for `on_input` to be called once, from another thread, at the next keyboard
    /// or pointer input, so that nobody polls while the user is away. `false` where the
    /// source cannot tell (the caller then looks again every few seconds).
    fn on_next_input(&self, on_input: Box<dyn FnOnce() + Send>) -> bool {
        drop(on_input);
        false
    }
}

/// (awake, since boot): CLOCK_MONOTONIC and CLOCK_BOOTTIME now.
#[cfg(target_os = "linux")]
pub fn clocks() -> (Duration, Duration) {
    use rustix::time::{clock_gettime, ClockId};
    let read = |id| {
        let t = clock_gettime(id);
        Duration::new(
            t.tv_sec.max(0) as u64,
            t.tv_nsec.clamp(0, 999_999_999) as u32,
        )
    };
    (read(ClockId::Monotonic), read(ClockId::Boottime))
}

/// (awake, since boot) where the OS offers no boot clock here: both from one monotonic
/// clock since the process started, so a suspend is seen through idle time only.
#[cfg(not(target_os = "linux"))]
pub fn clocks() -> (Duration, Duration) {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let t = START.get_or_init(std::time::Instant::now).elapsed();
    (t, t)
}
