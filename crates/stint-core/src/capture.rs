//! When screenshots are taken: a running entry's time is cut into consecutive 5-minute
//! windows from its start, and in each window one moment is drawn uniformly at random. The
//! draw depends only on the entry's seed and the window's number, so the schedule needs no
//! stored state and survives restarts. A moment missed (suspend, a wall-clock jump) is
//! skipped, never caught up in a burst.

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A moment noticed later than this (the machine was asleep or busy) is skipped rather
/// than captured late: the screen then may show something else entirely.
pub fn late_tolerance() -> Duration {
    Duration::seconds(10)
}

/// Length of one capture window.
pub fn window() -> Duration {
    Duration::minutes(5)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaptureSchedule {
    /// The running entry's start.
    pub start: DateTime<Utc>,
    /// Drawn once per entry (the caller's randomness); fixes every window's moment.
    pub seed: u64,
    /// Window length: [`window`] in the product; shorter in end-to-end tests that cannot
    /// wait five minutes per capture.
    pub window: Duration,
}

impl CaptureSchedule {
    /// The product's schedule: five-minute windows.
    pub fn new(start: DateTime<Utc>, seed: u64) -> CaptureSchedule {
        CaptureSchedule {
            start,
            seed,
            window: window(),
        }
    }

    /// The capture moment of window `k` (0-based), uniformly within it.
    pub fn moment(&self, k: u64) -> DateTime<Utc> {
        let mut rng = StdRng::seed_from_u64(self.seed ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let span_ms = self.window.num_milliseconds().max(1);
        let offset = rng.random_range(0..span_ms);
        self.start
            + self.window * i32::try_from(k).unwrap_or(i32::MAX)
            + Duration::milliseconds(offset)
    }

    /// The window that `t` falls in, if `t` is not before the start.
    pub fn window_of(&self, t: DateTime<Utc>) -> Option<u64> {
        let since = t - self.start;
        (since >= Duration::zero())
            .then(|| (since.num_milliseconds() / self.window.num_milliseconds().max(1)) as u64)
    }

    /// Which window's capture is due at `now`, given that the schedule was last looked at
    /// `previous`. Only the current window's moment counts: if it fell after `previous`,
    /// is not after `now` and not more than [`late_tolerance`] ago, that window is due.
    /// Moments that passed unseen (the machine slept, the clock jumped) are skipped. Time
    /// going backwards makes nothing due.
    pub fn due(&self, previous: DateTime<Utc>, now: DateTime<Utc>) -> Option<u64> {
        if now <= previous {
            return None;
        }
        let k = self.window_of(now)?;
        let moment = self.moment(k);
        (moment > previous && moment <= now && now - moment <= late_tolerance()).then_some(k)
    }

    /// When to look again after `now`: this window's moment if still ahead, else the next
    /// window's.
    pub fn next_check(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let Some(k) = self.window_of(now) else {
            return self.moment(0);
        };
        let this = self.moment(k);
        if this > now {
            this
        } else {
            self.moment(k + 1)
        }
    }
}
