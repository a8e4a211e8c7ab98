//! How long the user has not touched the keyboard or mouse (the X screen saver extension),
//! and the two clocks that reveal a suspend: CLOCK_MONOTONIC stops while the machine
//! sleeps, CLOCK_BOOTTIME does not.

use std::sync::Mutex;
use std::time::Duration;

use x11rb::connection::Connection;
use x11rb::protocol::screensaver::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdleSensorError {
    #[error("no X display to ask for idle time (DISPLAY is not set)")]
    NoDisplay,
    #[error("the X server cannot tell idle time: {0}")]
    Unavailable(String),
}

/// Time since the last input.
pub trait IdleSource: Send + Sync {
    fn idle_for(&self) -> Result<Duration, IdleSensorError>;
}

/// The X screen saver extension's idle counter, over one kept connection (opened on first
/// use, reopened after an error). Pure Rust (x11rb): a missing display is an error, not a
/// crash.
#[derive(Default)]
pub struct X11Idle {
    connection: Mutex<Option<(RustConnection, u32)>>,
}

impl X11Idle {
    fn connect() -> Result<(RustConnection, u32), IdleSensorError> {
        if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
            return Err(IdleSensorError::NoDisplay);
        }
        let (conn, screen) =
            x11rb::connect(None).map_err(|e| IdleSensorError::Unavailable(e.to_string()))?;
        let root = conn.setup().roots[screen].root;
        Ok((conn, root))
    }
}

impl IdleSource for X11Idle {
    fn idle_for(&self) -> Result<Duration, IdleSensorError> {
        let mut guard = self.connection.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(Self::connect()?);
        }
        let (conn, root) = guard.as_ref().expect("connected above");
        let answer = conn
            .screensaver_query_info(*root)
            .map_err(|e| e.to_string())
            .and_then(|cookie| cookie.reply().map_err(|e| e.to_string()));
        match answer {
            Ok(info) => Ok(Duration::from_millis(u64::from(info.ms_since_user_input))),
            Err(e) => {
                // A broken connection is reopened next time.
                *guard = None;
                Err(IdleSensorError::Unavailable(e))
            }
        }
    }
}

/// (awake, since boot): CLOCK_MONOTONIC and CLOCK_BOOTTIME now.
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
