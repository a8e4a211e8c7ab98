//! Reminders, as Toggl and Clockify give them: "no timer running" during the user's work
//! hours (quiet while they are away or the screen is locked), and "timer still running"
//! once an entry has run for a set time. Pure: the agent passes the time, the local UTC
//! offset, the running entry and whether the user is at the computer, and is told what to
//! show and when to look again.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDateTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

use crate::{Entry, EntryId};

/// The user's reminder settings (the window's "This computer" section). Times are local.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReminderSettings {
    /// Remind when no timer runs during work hours.
    pub no_timer: bool,
    /// Work days as ISO weekday numbers: Monday 1 … Sunday 7.
    pub work_days: Vec<u8>,
    /// Work hours, minutes after local midnight, `[start, end)`; `end` may be 1440, and an
    /// `end` before `start` is a shift past midnight.
    pub work_start_minutes: u16,
    pub work_end_minutes: u16,
    /// Seconds without a timer (at the computer, in work hours) before a reminder, and
    /// between reminders while it lasts.
    pub no_timer_every_seconds: u32,
    /// Remind once when an entry has run this long, in seconds; 0: never.
    pub long_timer_seconds: u32,
}

impl Default for ReminderSettings {
    /// Monday to Friday, 9:00 to 17:00, every 15 minutes; a timer past 8 hours.
    fn default() -> Self {
        ReminderSettings {
            no_timer: true,
            work_days: vec![1, 2, 3, 4, 5],
            work_start_minutes: 9 * 60,
            work_end_minutes: 17 * 60,
            no_timer_every_seconds: 15 * 60,
            long_timer_seconds: 8 * 3600,
        }
    }
}

/// What is wrong with settings a user sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReminderError {
    #[error("work days are numbered 1 (Monday) to 7 (Sunday)")]
    BadDay,
    #[error("work hours are times of day (00:00 to 24:00) that do not start when they end")]
    BadHours,
    #[error("reminders without a timer come every 5 seconds to 24 hours")]
    BadInterval,
    #[error("the long-timer reminder is at most 7 days")]
    BadLongTimer,
}

impl ReminderSettings {
    /// Checks what the window or a settings file sent.
    ///
    /// # Errors
    /// The first rule broken, in words for the user.
    pub fn validate(&self) -> Result<(), ReminderError> {
        if self.work_days.iter().any(|d| !(1..=7).contains(d)) {
            return Err(ReminderError::BadDay);
        }
        if self.work_start_minutes == self.work_end_minutes
            || self.work_start_minutes >= 1440
            || self.work_end_minutes > 1440
        {
            return Err(ReminderError::BadHours);
        }
        if !(5..=86_400).contains(&self.no_timer_every_seconds) {
            return Err(ReminderError::BadInterval);
        }
        if self.long_timer_seconds > 7 * 86_400 {
            return Err(ReminderError::BadLongTimer);
        }
        Ok(())
    }

    fn local(now: DateTime<Utc>, offset: FixedOffset) -> NaiveDateTime {
        now.with_timezone(&offset).naive_local()
    }

    fn is_work_day(&self, local: NaiveDateTime) -> bool {
        let day = local.weekday().number_from_monday();
        self.work_days.iter().any(|d| u32::from(*d) == day)
    }

    /// Whether `now` is inside the work hours. Hours that end before they start (22:00 to
    /// 06:00, a night shift) run past midnight and belong to the day they start on.
    pub fn in_work_hours(&self, now: DateTime<Utc>, offset: FixedOffset) -> bool {
        let local = Self::local(now, offset);
        let minute = local.hour() * 60 + local.minute();
        let (start, end) = (
            u32::from(self.work_start_minutes),
            u32::from(self.work_end_minutes),
        );
        if start < end {
            return self.is_work_day(local) && minute >= start && minute < end;
        }
        (minute >= start && self.is_work_day(local))
            || (minute < end && self.is_work_day(local - Duration::days(1)))
    }

    /// The next start of work hours after `now`; `None` without work days.
    pub fn next_work_start(
        &self,
        now: DateTime<Utc>,
        offset: FixedOffset,
    ) -> Option<DateTime<Utc>> {
        let local = Self::local(now, offset);
        (0..=7).find_map(|days| {
            let start = (local.date() + Duration::days(days)).and_hms_opt(0, 0, 0)?
                + Duration::minutes(i64::from(self.work_start_minutes));
            (start > local && self.is_work_day(start)).then(|| (start - offset).and_utc())
        })
    }
}

/// A reminder to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reminder {
    /// Work hours, at the computer, and no timer for a while.
    NoTimer,
    /// This entry has run for the set time.
    StillRunning { entry: EntryId, seconds: i64 },
}

/// What a step decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub remind: Option<Reminder>,
    /// When to take the next step at the latest; `None`: only when something changes.
    pub next: Option<DateTime<Utc>>,
}

/// What the reminders remember between steps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reminders {
    /// Start of the current stretch without a timer (or the last reminder in it).
    quiet_since: Option<DateTime<Utc>>,
    /// The entry already reminded about (once per entry).
    told_long: Option<EntryId>,
}

impl Reminders {
    /// One look at the situation at `now` (call it at each `next`, and when the timer
    /// starts or stops). `present`: input within the idle threshold and not locked.
    pub fn step(
        &mut self,
        settings: &ReminderSettings,
        now: DateTime<Utc>,
        offset: FixedOffset,
        running: Option<&Entry>,
        present: bool,
    ) -> Step {
        if let Some(entry) = running {
            self.quiet_since = None;
            return self.long_timer(settings, now, entry);
        }
        self.told_long = None;
        if !settings.no_timer {
            self.quiet_since = None;
            return Step {
                remind: None,
                next: None,
            };
        }
        if !settings.in_work_hours(now, offset) {
            self.quiet_since = None;
            return Step {
                remind: None,
                next: settings.next_work_start(now, offset),
            };
        }
        let every = Duration::seconds(i64::from(settings.no_timer_every_seconds));
        if !present {
            // Away or locked: nothing now, and the stretch starts again on return.
            self.quiet_since = None;
            return Step {
                remind: None,
                next: Some(now + every),
            };
        }
        let since = *self.quiet_since.get_or_insert(now);
        if now >= since + every {
            self.quiet_since = Some(now);
            Step {
                remind: Some(Reminder::NoTimer),
                next: Some(now + every),
            }
        } else {
            Step {
                remind: None,
                next: Some(since + every),
            }
        }
    }

    fn long_timer(
        &mut self,
        settings: &ReminderSettings,
        now: DateTime<Utc>,
        entry: &Entry,
    ) -> Step {
        let quiet = Step {
            remind: None,
            next: None,
        };
        if settings.long_timer_seconds == 0 || self.told_long.as_ref() == Some(&entry.id) {
            return quiet;
        }
        let due = entry.start + Duration::seconds(i64::from(settings.long_timer_seconds));
        if now < due {
            return Step {
                remind: None,
                next: Some(due),
            };
        }
        self.told_long = Some(entry.id.clone());
        Step {
            remind: Some(Reminder::StillRunning {
                entry: entry.id.clone(),
                seconds: (now - entry.start).num_seconds(),
            }),
            next: None,
        }
    }
}

#[cfg(test)]
mod tests;
