//! Idle time from a desktop that tells rather than answers. Wayland's `ext-idle-notify-v1`
//! and `org_kde_kwin_idle`, and Mutter's IdleMonitor watches, say "idle" once no input came
//! for a set time (the resolution) and "resumed" at the next input; nobody asks, so a
//! thread blocked on the connection costs nothing while nothing happens. Idle time is then
//! the time since that notice plus the resolution, and zero before it: below the
//! resolution it reads low, which only makes the agent look once more at the threshold.
//! A suspend stops the desktop's timer: after one, "no notice" no longer means "input in
//! the last few seconds", so until the desktop speaks again idle time counts from its last
//! word and only a "resumed" is a return (DESIGN.md: after waking, the first input is).

use std::sync::Mutex;
use std::time::Duration;

use crate::idle::{clocks, IdleSensorError};

type OnInput = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct Inner {
    /// On the boot clock (it runs on through a suspend): when the last input was.
    idle_since: Option<Duration>,
    /// (boot, awake) clocks at the desktop's last word, to see a suspend since.
    last_word: Option<(Duration, Duration)>,
    /// Called once at the next "resumed".
    waiting: Option<OnInput>,
    /// Why the connection ended, once it has.
    broken: Option<String>,
}

/// What the connection's thread last heard, for [`crate::IdleSource`] to read.
pub(crate) struct NotifiedIdle {
    resolution: Duration,
    inner: Mutex<Inner>,
    /// (awake, since boot) now: [`clocks`], or a test's.
    clocks: fn() -> (Duration, Duration),
}

impl NotifiedIdle {
    pub fn new(resolution: Duration) -> NotifiedIdle {
        NotifiedIdle {
            resolution,
            inner: Mutex::default(),
            clocks,
        }
    }

    pub fn resolution(&self) -> Duration {
        self.resolution
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.last_word.is_none() {
            let (awake, boot) = (self.clocks)();
            inner.last_word = Some((boot, awake));
        }
        inner
    }

    /// The desktop spoke: its state is current from here.
    fn heard(&self, inner: &mut Inner) {
        let (awake, boot) = (self.clocks)();
        inner.last_word = Some((boot, awake));
    }

    /// Since the desktop's last word the machine slept: its "not idle" is stale. Returns
    /// the boot-clock time of that word.
    fn stale_since(&self, inner: &Inner) -> Option<Duration> {
        let (boot_then, awake_then) = inner.last_word?;
        let (awake, boot) = (self.clocks)();
        let slept = boot
            .saturating_sub(boot_then)
            .saturating_sub(awake.saturating_sub(awake_then));
        (slept > Duration::from_secs(2)).then_some(boot_then)
    }

    /// No input for `for_at_least` (the resolution, or more where the desktop said so).
    pub fn idled(&self, for_at_least: Duration) {
        let now = (self.clocks)().1;
        let mut inner = self.inner();
        if inner.idle_since.is_none() {
            inner.idle_since = Some(now.saturating_sub(for_at_least));
        }
        self.heard(&mut inner);
    }

    /// Input came: the waiter, if any, is called (outside the lock).
    pub fn resumed(&self) {
        let waiting = {
            let mut inner = self.inner();
            inner.idle_since = None;
            self.heard(&mut inner);
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

    /// The desktop answers again (its idle service came back): nothing is known of the
    /// time between, so the user counts as present until it says otherwise.
    pub fn repaired(&self) {
        let mut inner = self.inner();
        inner.broken = None;
        inner.idle_since = None;
        self.heard(&mut inner);
    }

    pub fn idle_for(&self) -> Result<Duration, IdleSensorError> {
        let inner = self.inner();
        if let Some(why) = &inner.broken {
            return Err(IdleSensorError::Unavailable(why.clone()));
        }
        let since = inner.idle_since.or_else(|| self.stale_since(&inner));
        Ok(since.map_or(Duration::ZERO, |since| {
            (self.clocks)().1.saturating_sub(since)
        }))
    }

    /// Calls `on_input` at the next input; at once if input came since the caller looked.
    pub fn on_next_input(&self, on_input: OnInput) -> bool {
        let mut inner = self.inner();
        if inner.broken.is_some() {
            return false;
        }
        if inner.idle_since.is_none() && self.stale_since(&inner).is_none() {
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

    /// A machine's clocks a test moves: awake and since-boot seconds.
    static AWAKE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1000);
    static BOOT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1000);

    fn test_clocks() -> (Duration, Duration) {
        (
            Duration::from_secs(AWAKE.load(Ordering::SeqCst)),
            Duration::from_secs(BOOT.load(Ordering::SeqCst)),
        )
    }

    #[test]
    fn after_a_suspend_no_notice_is_not_presence_until_the_desktop_speaks() {
        let state = NotifiedIdle {
            clocks: test_clocks,
            ..NotifiedIdle::new(Duration::from_secs(5))
        };
        state.resumed();
        AWAKE.fetch_add(3, Ordering::SeqCst);
        BOOT.fetch_add(3, Ordering::SeqCst);
        assert_eq!(
            state.idle_for().unwrap(),
            Duration::ZERO,
            "typing, no suspend"
        );
        // Asleep for an hour, three seconds after the last input.
        BOOT.fetch_add(3600, Ordering::SeqCst);
        AWAKE.fetch_add(1, Ordering::SeqCst);
        BOOT.fetch_add(1, Ordering::SeqCst);
        assert_eq!(state.idle_for().unwrap(), Duration::from_secs(3604));
        let woken = Arc::new(AtomicUsize::new(0));
        let w = woken.clone();
        state.on_next_input(Box::new(move || {
            w.fetch_add(1, Ordering::SeqCst);
        }));
        assert_eq!(woken.load(Ordering::SeqCst), 0, "waking is not a return");
        state.resumed();
        assert_eq!(woken.load(Ordering::SeqCst), 1);
        assert_eq!(state.idle_for().unwrap(), Duration::ZERO);
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
