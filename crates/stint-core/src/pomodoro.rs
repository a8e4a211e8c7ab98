//! The optional pomodoro mode (Francesco Cirillo's technique, as Clockify's and Toggl's
//! timers offer it): while a timer runs, work for a set length, then a break, then work
//! again. The timer runs on through the break so nothing has to be started by hand; at the
//! break's end its time is cut out of the entry (the entry ends where the break began and a
//! new one like it starts where it ended: idle's "discard and continue"), unless the user
//! kept the break, or stopped or switched the timer meanwhile. Pure: the agent passes the
//! time and the running entry.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::idle::IdlePeriod;
use crate::{Entry, EntryId};

/// The user's pomodoro settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PomodoroSettings {
    pub enabled: bool,
    /// Length of a work stretch, in seconds (25 minutes by default).
    pub work_seconds: u32,
    /// Length of a break, in seconds (5 minutes by default).
    pub break_seconds: u32,
}

impl Default for PomodoroSettings {
    fn default() -> Self {
        PomodoroSettings {
            enabled: false,
            work_seconds: 25 * 60,
            break_seconds: 5 * 60,
        }
    }
}

impl PomodoroSettings {
    /// Checks what the window or a settings file sent.
    ///
    /// # Errors
    /// A sentence for the user.
    pub fn validate(&self) -> Result<(), &'static str> {
        let ok = |s: u32| (1..=4 * 3600).contains(&s);
        if ok(self.work_seconds) && ok(self.break_seconds) {
            Ok(())
        } else {
            Err("pomodoro work and break lengths are 1 second to 4 hours")
        }
    }
}

/// Where the pomodoro is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
enum Phase {
    /// No timer (or the mode is off).
    #[default]
    Off,
    Work {
        since: DateTime<Utc>,
    },
    Break {
        since: DateTime<Utc>,
        entry: EntryId,
        kept: bool,
    },
}

/// What happened at a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Work time is up: a break begins now (the timer runs on).
    BreakStarted { seconds: i64 },
    /// The break is over. `cut`: the break's time, to take out of `entry` (the running
    /// one); `None` when the user kept it.
    BreakEnded {
        entry: EntryId,
        cut: Option<IdlePeriod>,
    },
}

/// What a step decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub change: Option<Change>,
    /// When to take the next step at the latest; `None`: only when the timer changes.
    pub next: Option<DateTime<Utc>>,
}

/// The pomodoro's memory between steps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pomodoro {
    phase: Phase,
}

impl Pomodoro {
    /// One look at `now` (at each `next`, and whenever the timer starts or stops).
    pub fn step(
        &mut self,
        settings: &PomodoroSettings,
        now: DateTime<Utc>,
        running: Option<&Entry>,
    ) -> Step {
        let quiet = |next| Step { change: None, next };
        let (true, Some(entry)) = (settings.enabled, running) else {
            self.phase = Phase::Off;
            return quiet(None);
        };
        let work = Duration::seconds(i64::from(settings.work_seconds));
        let pause = Duration::seconds(i64::from(settings.break_seconds));
        match self.phase.clone() {
            Phase::Off => {
                // A timer started (or the mode was switched on): work begins.
                let since = entry.start.max(now - Duration::seconds(5));
                self.phase = Phase::Work { since };
                quiet(Some(since + work))
            }
            Phase::Work { since } if now < since + work => quiet(Some(since + work)),
            Phase::Work { since } => {
                let began = since + work;
                self.phase = Phase::Break {
                    since: began,
                    entry: entry.id.clone(),
                    kept: false,
                };
                Step {
                    change: Some(Change::BreakStarted {
                        seconds: pause.num_seconds(),
                    }),
                    next: Some(began + pause),
                }
            }
            Phase::Break { entry: on, .. } if on != entry.id => {
                // Another timer was started during the break: that is work again.
                self.phase = Phase::Work { since: now };
                quiet(Some(now + work))
            }
            Phase::Break { since, .. } if now < since + pause => quiet(Some(since + pause)),
            Phase::Break {
                since,
                entry: on,
                kept,
            } => {
                let ended = since + pause;
                self.phase = Phase::Work { since: ended };
                let cut = (!kept).then_some(IdlePeriod {
                    start: since,
                    end: ended,
                });
                Step {
                    change: Some(Change::BreakEnded { entry: on, cut }),
                    next: Some(ended + work),
                }
            }
        }
    }

    /// The user keeps the break (it counts as work); `false` when no break runs.
    pub fn keep_break(&mut self) -> bool {
        match &mut self.phase {
            Phase::Break { kept, .. } => {
                *kept = true;
                true
            }
            _ => false,
        }
    }

    /// Whether a break is under way.
    pub fn on_break(&self) -> bool {
        matches!(self.phase, Phase::Break { .. })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::Work;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap() + Duration::minutes(minute)
    }

    fn entry(id: &str, start: i64) -> Entry {
        Entry {
            id: EntryId(id.into()),
            description: "Essay".into(),
            start: at(start),
            end: None,
            work: Work::default(),
        }
    }

    const ON: PomodoroSettings = PomodoroSettings {
        enabled: true,
        work_seconds: 25 * 60,
        break_seconds: 5 * 60,
    };

    #[test]
    fn work_break_work_with_the_break_cut_out() {
        let mut p = Pomodoro::default();
        let e = entry("a", 0);
        assert_eq!(p.step(&ON, at(0), Some(&e)).next, Some(at(25)));
        assert_eq!(p.step(&ON, at(10), Some(&e)).next, Some(at(25)));
        let step = p.step(&ON, at(25), Some(&e));
        assert_eq!(step.change, Some(Change::BreakStarted { seconds: 300 }));
        assert_eq!(step.next, Some(at(30)));
        assert!(p.on_break());
        let step = p.step(&ON, at(30), Some(&e));
        assert_eq!(
            step.change,
            Some(Change::BreakEnded {
                entry: e.id.clone(),
                cut: Some(IdlePeriod {
                    start: at(25),
                    end: at(30)
                }),
            })
        );
        // The next round counts from the break's end, on the continued entry.
        assert_eq!(step.next, Some(at(55)));
        let continued = entry("b", 30);
        assert_eq!(p.step(&ON, at(31), Some(&continued)).next, Some(at(55)));
    }

    #[test]
    fn a_kept_break_is_not_cut_and_a_late_look_cuts_only_the_break() {
        let mut p = Pomodoro::default();
        let e = entry("a", 0);
        p.step(&ON, at(0), Some(&e));
        p.step(&ON, at(25), Some(&e));
        assert!(p.keep_break());
        let step = p.step(&ON, at(30), Some(&e));
        assert_eq!(
            step.change,
            Some(Change::BreakEnded {
                entry: e.id.clone(),
                cut: None
            })
        );
        // Woken late (a suspend): the break still began at 25 and ended at 30.
        let mut late = Pomodoro::default();
        late.step(&ON, at(0), Some(&e));
        late.step(&ON, at(40), Some(&e));
        let step = late.step(&ON, at(70), Some(&e));
        assert_eq!(
            step.change,
            Some(Change::BreakEnded {
                entry: e.id.clone(),
                cut: Some(IdlePeriod {
                    start: at(25),
                    end: at(30)
                }),
            })
        );
    }

    #[test]
    fn stopping_or_switching_during_a_break_ends_it_without_a_cut() {
        let mut p = Pomodoro::default();
        let e = entry("a", 0);
        p.step(&ON, at(0), Some(&e));
        p.step(&ON, at(25), Some(&e));
        // Another timer: work again from now, nothing cut from either.
        let other = entry("c", 27);
        assert_eq!(
            p.step(&ON, at(27), Some(&other)),
            Step {
                change: None,
                next: Some(at(52))
            }
        );
        assert!(!p.keep_break(), "no break to keep");
        // Stopped: the pomodoro rests until a timer runs again.
        assert_eq!(
            p.step(&ON, at(28), None),
            Step {
                change: None,
                next: None
            }
        );
        let off = PomodoroSettings {
            enabled: false,
            ..ON
        };
        assert_eq!(
            p.step(&off, at(29), Some(&e)),
            Step {
                change: None,
                next: None
            }
        );
    }

    #[test]
    fn lengths_are_checked() {
        assert!(ON.validate().is_ok());
        assert!(PomodoroSettings {
            work_seconds: 0,
            ..ON
        }
        .validate()
        .is_err());
        assert!(PomodoroSettings {
            break_seconds: 5 * 3600,
            ..ON
        }
        .validate()
        .is_err());
    }
}
