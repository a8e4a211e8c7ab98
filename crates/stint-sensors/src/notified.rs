//! Idle time from a desktop that tells rather than answers. Wayland's `ext-idle-notify-v1`
//! and `org_kde_kwin_idle`, and Mutter's IdleMonitor watches, say "idle" once no input came
//! for a set time (the resolution) and "resumed" at the next input; nobody asks, so a
//! thread blocked on the connection costs nothing while nothing happens. Idle time is then
//! the time since that notice plus the resolution, and zero before it: below the
//! resolution it reads low, which only makes the agent look once more at the threshold.

use std::sync::Mutex;
use std::time::Duration;

use crate::idle::{clocks, IdleSensorError};

type OnInput = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct Inner {
    /// On the boot clock (it runs on through a suspend): when the last input was.
    idle_since: Option<Duration>,
    /// Called once at the next "resumed".
    waiting: Option<OnInput>,
    /// Why the connection ended, once it has.
    broken: Option<String>,
}

/// What the connection's thread last heard, for [`crate::IdleSource`] to read.
pub(crate) struct NotifiedIdle {
    resolution: Duration,
    inner: Mutex<Inner>,
}

impl NotifiedIdle {
    pub fn new(resolution: Duration) -> NotifiedIdle {
        NotifiedIdle {
            resolution,
            inner: Mutex::default(),
        }
    }

    pub fn resolution(&self) -> Duration {
        self.resolution
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// No input for `for_at_least` (the resolution, or more where the desktop said so).
    pub fn idled(&self, for_at_least: Duration) {
        let now = clocks().1;
        let mut inner = self.inner();
        if inner.idle_since.is_none() {
            inner.idle_since = Some(now.saturating_sub(for_at_least));
        }
    }

    /// Input came: the waiter, if any, is called (outside the lock).
    pub fn resumed(&self) {
        let waiting = {
            let mut inner = self.inner();
            inner.idle_since = None;
            inner.waiting.take()
        };
        if let Some(on_input) = waiting {
            on_input();
        }
    }

    /// The connection ended: readers get the error, a waiter is woken to find it.
    pub fn broke(&self, why: String) {
        let waiting = {
            let mut inner = self.inner();
            inner.broken = Some(why);
            inner.waiting.take()
        };
        if let Some(on_input) = waiting {
            on_input();
        }
    }

    pub fn idle_for(&self) -> Result<Duration, IdleSensorError> {
        let inner = self.inner();
        if let Some(why) = &inner.broken {
            return Err(IdleSensorError::Unavailable(why.clone()));
        }
        Ok(inner
            .idle_since
            .map_or(Duration::ZERO, |since| clocks().1.saturating_sub(since)))
    }

    /// Calls `on_input` at the next input; at once if input came since the caller looked.
    pub fn on_next_input(&self, on_input: OnInput) -> bool {
        let mut inner = self.inner();
        if inner.broken.is_some() {
            return false;
        }
        if inner.idle_since.is_none() {
            drop(inner);
            on_input();
        } else {
            inner.waiting = Some(on_input);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn idle_time_counts_from_the_last_input_and_input_wakes_the_waiter_once() {
        let state = NotifiedIdle::new(Duration::from_secs(5));
        assert_eq!(state.idle_for().unwrap(), Duration::ZERO);
        state.idled(state.resolution());
        let idle = state.idle_for().unwrap();
        assert!(idle >= Duration::from_secs(5) && idle < Duration::from_secs(6));
        let woken = Arc::new(AtomicUsize::new(0));
        let w = woken.clone();
        assert!(state.on_next_input(Box::new(move || {
            w.fetch_add(1, Ordering::SeqCst);
        })));
        assert_eq!(woken.load(Ordering::SeqCst), 0);
        state.resumed();
        state.resumed();
        assert_eq!(woken.load(Ordering::SeqCst), 1);
        assert_eq!(state.idle_for().unwrap(), Duration::ZERO);
        // Input already came: the waiter is called at once.
        let w = woken.clone();
        state.on_next_input(Box::new(move || {
            w.fetch_add(1, Ordering::SeqCst);
        }));
        assert_eq!(woken.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn a_broken_connection_is_an_error_and_wakes_the_waiter() {
        let state = NotifiedIdle::new(Duration::from_secs(5));
        state.idled(Duration::from_secs(5));
        let woken = Arc::new(AtomicUsize::new(0));
        let w = woken.clone();
        state.on_next_input(Box::new(move || {
            w.fetch_add(1, Ordering::SeqCst);
        }));
        state.broke("the compositor went away".into());
        assert_eq!(woken.load(Ordering::SeqCst), 1);
        assert!(matches!(
            state.idle_for(),
            Err(IdleSensorError::Unavailable(m)) if m.contains("went away")
        ));
        assert!(!state.on_next_input(Box::new(|| {})));
    }
}
