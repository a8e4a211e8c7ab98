//! Sensors that outlive their compositor: when sway or KWin restarts (or crashes and comes
//! back) the connection of a following sensor ends, and this wrapper opens a new one at
//! the next read, at most every [`RETRY_EVERY`]. Until then reads fail with a sentence the
//! user can act on, so the agent says so once and records nothing.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::idle::{IdleSensorError, IdleSource};
use crate::window::{ActiveWindowSource, Foreground, WindowSensorError};

use super::idle::WaylandIdle;
use super::toplevel::WlrForeground;

/// How often a lost compositor is looked for.
pub const RETRY_EVERY: Duration = Duration::from_secs(5);

const GONE: &str = "the Wayland compositor went away (it restarted or crashed); Stint \
                    connects again by itself as soon as it is back";

type OnChange = Arc<dyn Fn() + Send + Sync>;

struct Slot<T> {
    current: Option<T>,
    tried: Option<Instant>,
}

/// A sensor `T` and how to open it again.
pub struct Reconnecting<T> {
    open: Box<dyn Fn() -> Result<T, String> + Send + Sync>,
    slot: Mutex<Slot<T>>,
    /// What a window sensor's watcher was given, for the next connection.
    watcher: Mutex<Option<OnChange>>,
}

impl<T> Reconnecting<T> {
    /// Opens the first connection now.
    ///
    /// # Errors
    /// `open`'s own.
    pub fn connect(
        open: impl Fn() -> Result<T, String> + Send + Sync + 'static,
    ) -> Result<Reconnecting<T>, String> {
        let first = open()?;
        Ok(Reconnecting {
            open: Box::new(open),
            slot: Mutex::new(Slot {
                current: Some(first),
                tried: None,
            }),
            watcher: Mutex::new(None),
        })
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Slot<T>> {
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `read` on the connection; when it fails, the connection is dropped and a new
    /// one tried at a later read (not more often than [`RETRY_EVERY`]).
    fn read<R, E>(&self, read: impl Fn(&T) -> Result<R, E>, gone: impl Fn() -> E) -> Result<R, E> {
        let mut slot = self.slot();
        if let Some(current) = &slot.current {
            match read(current) {
                Ok(value) => return Ok(value),
                Err(_) => {
                    tracing::warn!("{GONE}");
                    slot.current = None;
                    slot.tried = Some(Instant::now());
                    return Err(gone());
                }
            }
        }
        if slot.tried.is_some_and(|at| at.elapsed() < RETRY_EVERY) {
            return Err(gone());
        }
        slot.tried = Some(Instant::now());
        match (self.open)() {
            Ok(fresh) => {
                tracing::info!("connected to the Wayland compositor again");
                let value = read(&fresh);
                slot.current = Some(fresh);
                value
            }
            Err(e) => {
                tracing::debug!("the compositor is not back yet: {e}");
                Err(gone())
            }
        }
    }
}

impl IdleSource for Reconnecting<WaylandIdle> {
    fn idle_for(&self) -> Result<Duration, IdleSensorError> {
        self.read(
            |s| s.idle_for(),
            || IdleSensorError::Unavailable(GONE.into()),
        )
    }

    fn on_next_input(&self, on_input: Box<dyn FnOnce() + Send>) -> bool {
        match &self.slot().current {
            Some(current) => current.on_next_input(on_input),
            // The agent looks every few seconds until the compositor is back.
            None => false,
        }
    }
}

impl ActiveWindowSource for Reconnecting<WlrForeground> {
    fn foreground(&self) -> Result<Option<Foreground>, WindowSensorError> {
        let had = self.slot().current.is_some();
        let result = self.read(
            |s| s.foreground(),
            || WindowSensorError::Unavailable(GONE.into()),
        );
        // A new connection follows the window in front for the same watcher.
        if !had && self.slot().current.is_some() {
            let watcher = self
                .watcher
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            if let (Some(on_change), Some(current)) = (watcher, &self.slot().current) {
                current.watch(on_change);
            }
        }
        result
    }

    fn watch(&self, on_change: OnChange) -> bool {
        *self.watcher.lock().unwrap_or_else(|p| p.into_inner()) = Some(on_change.clone());
        match &self.slot().current {
            Some(current) => current.watch(on_change),
            None => true,
        }
    }
}
