//! Where the agent reads the time. The product reads the wall clock and the system's
//! uptime clocks; tests pass a [`TokioClock`], whose wall clock moves with tokio's (paused)
//! time, so a test advances five minutes without waiting and a suspend is one call.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// The source of "now" and of the two uptime clocks that reveal a suspend.
pub trait Clock: Send + Sync + 'static {
    /// The wall clock (UTC).
    fn now(&self) -> DateTime<Utc>;
    /// (awake, since boot): a clock that stops while the machine sleeps (CLOCK_MONOTONIC)
    /// and one that keeps counting (CLOCK_BOOTTIME); their difference growing is a suspend.
    fn uptime(&self) -> (Duration, Duration);
}

/// The real clocks.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn uptime(&self) -> (Duration, Duration) {
        stint_sensors::clocks()
    }
}

/// A clock for tests on tokio's paused time: its wall clock starts at a chosen moment and
/// advances with `tokio::time`, and [`TokioClock::suspend`] plays a suspend (the wall and
/// boot clocks jump, the awake clock does not). Create it inside the runtime.
pub struct TokioClock {
    start_wall: DateTime<Utc>,
    start: tokio::time::Instant,
    /// Time slept in suspends so far, and wall-clock jumps.
    state: Mutex<Offsets>,
}

#[derive(Default)]
struct Offsets {
    slept: Duration,
    wall: chrono::Duration,
}

impl TokioClock {
    pub fn starting_at(start_wall: DateTime<Utc>) -> TokioClock {
        TokioClock {
            start_wall,
            start: tokio::time::Instant::now(),
            state: Mutex::new(Offsets::default()),
        }
    }

    fn offsets(&self) -> std::sync::MutexGuard<'_, Offsets> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The machine slept for `length`: the wall and boot clocks moved on, the awake clock
    /// and tokio's timers did not.
    pub fn suspend(&self, length: Duration) {
        self.offsets().slept += length;
    }

    /// The wall clock is set forward (or back, with a negative `by`), as a user or NTP does.
    pub fn set_wall_by(&self, by: chrono::Duration) {
        self.offsets().wall += by;
    }
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        let offsets = self.offsets();
        let awake = tokio::time::Instant::now() - self.start;
        self.start_wall
            + chrono::Duration::from_std(awake + offsets.slept).unwrap_or_default()
            + offsets.wall
    }

    fn uptime(&self) -> (Duration, Duration) {
        let awake = tokio::time::Instant::now() - self.start;
        (awake, awake + self.offsets().slept)
    }
}

/// A moment as the user reads it in messages: their own time zone, to the minute.
pub fn local_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono::Local)
        .format("%a %-d %b %H:%M")
        .to_string()
}
