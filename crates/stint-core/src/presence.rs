//! Locks and sleep as the session tells them (logind's `Lock`/`Unlock`, `LockedHint`,
//! `PrepareForSleep`), turned into what the idle tracker needs: since when the user is
//! away by the session's word, and when they last gave input. The rule (DESIGN.md: "lock
//! and suspend count as idle from their start"): the user is away from the first lock or
//! sleep until input comes after every lock and sleep has ended. An unlock is input (the
//! user typed their password); waking is not (a lid opened by someone else, a timer): the
//! first keyboard or pointer input after it is.

use chrono::{DateTime, Utc};

/// What the session said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionSignal {
    Locked,
    Unlocked,
    Sleeping,
    Woke,
    /// The session's signals stopped: a lock or sleep in force is no longer known, so it
    /// ends here; the user is back at their next input (not now: nothing says they are).
    Lost,
}

/// Follows the session's signals; asked at each look at the idle sensor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionAway {
    /// Away by the session's word since then.
    since: Option<DateTime<Utc>>,
    locked: bool,
    asleep: bool,
    /// When the latest lock or sleep ended: only input after it ends the absence.
    ended_at: Option<DateTime<Utc>>,
    /// The latest unlock, which counts as input.
    unlocked_at: Option<DateTime<Utc>>,
}

impl SessionAway {
    /// Takes a signal received `at`.
    pub fn signal(&mut self, signal: SessionSignal, at: DateTime<Utc>) {
        match signal {
            SessionSignal::Locked => {
                self.locked = true;
                self.since.get_or_insert(at);
            }
            SessionSignal::Sleeping => {
                self.asleep = true;
                self.since.get_or_insert(at);
            }
            SessionSignal::Unlocked => {
                self.locked = false;
                self.unlocked_at = Some(at);
                self.ended_at = Some(at);
            }
            SessionSignal::Woke => {
                self.asleep = false;
                self.ended_at = Some(at);
            }
            SessionSignal::Lost => {
                self.locked = false;
                self.asleep = false;
                self.ended_at = Some(at);
            }
        }
    }

    /// The last input, from the sensor's and the latest unlock.
    pub fn last_input(&self, sensor: DateTime<Utc>) -> DateTime<Utc> {
        self.unlocked_at.map_or(sensor, |u| u.max(sensor))
    }

    /// Since when the user is away by the session's word, at a look that found the last
    /// input at `last_input` (from [`Self::last_input`]); `None` once input came after every
    /// lock and sleep ended (which also forgets them).
    pub fn away_since(&mut self, last_input: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let since = self.since?;
        let back = !self.locked
            && !self.asleep
            && last_input >= since
            && self.ended_at.is_none_or(|ended| last_input >= ended);
        if back {
            self.since = None;
            return None;
        }
        Some(since)
    }

    /// Whether the screen is locked or the machine asleep right now.
    pub fn is_locked_or_asleep(&self) -> bool {
        self.locked || self.asleep
    }
}
