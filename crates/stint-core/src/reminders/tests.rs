//! Reminders over simulated days: each step is taken at the moment the previous one asked
//! for, as the agent's paused-time tests and its real loop do.

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};

use super::*;
use crate::{Entry, EntryId, Work};

fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    // 2026-12-07 is a Monday.
    Utc.with_ymd_and_hms(2026, 12, day, hour, minute, 0)
        .unwrap()
}

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap()
}

fn running(start: DateTime<Utc>) -> Entry {
    Entry {
        id: EntryId("e1".into()),
        description: "Report".into(),
        start,
        end: None,
        work: Work::default(),
    }
}

/// Steps from `from` to `until`, always at the moment asked, and answers the moments a
/// no-timer reminder came.
fn no_timer_moments(
    settings: &ReminderSettings,
    offset: FixedOffset,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    present: impl Fn(DateTime<Utc>) -> bool,
) -> Vec<DateTime<Utc>> {
    let mut reminders = Reminders::default();
    let mut now = from;
    let mut moments = vec![];
    while now < until {
        let step = reminders.step(settings, now, offset, None, present(now));
        if step.remind == Some(Reminder::NoTimer) {
            moments.push(now);
        }
        let Some(next) = step.next else { break };
        assert!(
            next > now,
            "a step asks for a later moment: {next} after {now}"
        );
        now = next;
    }
    moments
}

#[test]
fn no_timer_reminders_come_every_interval_inside_work_hours_only() {
    let settings = ReminderSettings::default();
    // From Monday 08:00 to Tuesday 08:00: 9:15, 9:30, … 16:45 (the last before 17:00).
    let moments = no_timer_moments(&settings, utc(), at(7, 8, 0), at(8, 8, 0), |_| true);
    assert_eq!(moments.first(), Some(&at(7, 9, 15)));
    assert_eq!(moments.last(), Some(&at(7, 16, 45)));
    assert_eq!(moments.len(), 31);
    assert!(moments
        .windows(2)
        .all(|w| w[1] - w[0] == Duration::minutes(15)));
}

#[test]
fn weekends_are_skipped_in_one_step() {
    let settings = ReminderSettings::default();
    // Friday 2026-12-11 18:00: the next look is Monday 9:00.
    let mut reminders = Reminders::default();
    let step = reminders.step(&settings, at(11, 18, 0), utc(), None, true);
    assert_eq!(
        step,
        Step {
            remind: None,
            next: Some(at(14, 9, 0))
        }
    );
    let moments = no_timer_moments(&settings, utc(), at(12, 0, 0), at(14, 9, 20), |_| true);
    assert_eq!(moments, vec![at(14, 9, 15)]);
}

#[test]
fn work_hours_are_the_users_local_hours() {
    let settings = ReminderSettings::default();
    // UTC+2: 9:00 local is 7:00 UTC.
    let plus_two = FixedOffset::east_opt(2 * 3600).unwrap();
    let moments = no_timer_moments(&settings, plus_two, at(7, 0, 0), at(7, 8, 0), |_| true);
    assert_eq!(moments.first(), Some(&at(7, 7, 15)));
    // Sunday 23:00 UTC is Monday 01:00 local: not yet work hours, next at Monday 7:00 UTC.
    let mut reminders = Reminders::default();
    let step = reminders.step(&settings, at(6, 23, 0), plus_two, None, true);
    assert_eq!(step.next, Some(at(7, 7, 0)));
}

#[test]
fn quiet_while_away_and_the_interval_starts_again_on_return() {
    let settings = ReminderSettings::default();
    // Away (idle or locked) from 9:00 to 10:07.
    let away = |t: DateTime<Utc>| !(at(7, 9, 0)..at(7, 10, 7)).contains(&t);
    let moments = no_timer_moments(&settings, utc(), at(7, 9, 0), at(7, 11, 0), away);
    // Looked at 10:15 (the first look after return) and reminded 15 minutes later.
    assert_eq!(moments.first(), Some(&at(7, 10, 30)));
    assert!(moments.iter().all(|m| away(*m)));
}

#[test]
fn a_running_timer_stops_them_and_is_reminded_once_after_its_length() {
    let settings = ReminderSettings::default();
    let entry = running(at(7, 9, 5));
    let mut reminders = Reminders::default();
    let step = reminders.step(&settings, at(7, 9, 10), utc(), Some(&entry), true);
    assert_eq!(
        step,
        Step {
            remind: None,
            next: Some(at(7, 17, 5))
        }
    );
    let step = reminders.step(&settings, at(7, 17, 5), utc(), Some(&entry), true);
    assert_eq!(
        step.remind,
        Some(Reminder::StillRunning {
            entry: entry.id.clone(),
            seconds: 8 * 3600
        })
    );
    assert_eq!(step.next, None);
    // Once per entry, not at every later look.
    let step = reminders.step(&settings, at(7, 18, 0), utc(), Some(&entry), true);
    assert_eq!(
        step,
        Step {
            remind: None,
            next: None
        }
    );
    // Stopped inside work hours: the no-timer interval starts at the stop.
    let step = reminders.step(&settings, at(7, 16, 0), utc(), None, true);
    assert_eq!(step.next, Some(at(7, 16, 15)));
}

#[test]
fn switched_off_they_ask_for_nothing() {
    let settings = ReminderSettings {
        no_timer: false,
        long_timer_seconds: 0,
        ..ReminderSettings::default()
    };
    let mut reminders = Reminders::default();
    assert_eq!(
        reminders.step(&settings, at(7, 10, 0), utc(), None, true),
        Step {
            remind: None,
            next: None
        }
    );
    let entry = running(at(7, 0, 0));
    assert_eq!(
        reminders.step(&settings, at(7, 23, 0), utc(), Some(&entry), true),
        Step {
            remind: None,
            next: None
        }
    );
    let none = ReminderSettings {
        work_days: vec![],
        ..ReminderSettings::default()
    };
    assert_eq!(none.next_work_start(at(7, 10, 0), utc()), None);
}

#[test]
fn bad_settings_are_refused_with_a_reason() {
    let ok = ReminderSettings::default();
    assert_eq!(ok.validate(), Ok(()));
    let bad = |f: fn(&mut ReminderSettings)| {
        let mut s = ok.clone();
        f(&mut s);
        s.validate().unwrap_err()
    };
    assert_eq!(bad(|s| s.work_days = vec![0]), ReminderError::BadDay);
    assert_eq!(bad(|s| s.work_days = vec![8]), ReminderError::BadDay);
    assert_eq!(
        bad(|s| s.work_end_minutes = s.work_start_minutes),
        ReminderError::BadHours
    );
    assert_eq!(bad(|s| s.work_end_minutes = 1441), ReminderError::BadHours);
    assert_eq!(
        bad(|s| s.no_timer_every_seconds = 4),
        ReminderError::BadInterval
    );
    assert_eq!(
        bad(|s| s.long_timer_seconds = 8 * 86_400),
        ReminderError::BadLongTimer
    );
    // A day that ends at midnight is allowed.
    let all_day = ReminderSettings {
        work_start_minutes: 0,
        work_end_minutes: 1440,
        ..ok
    };
    assert_eq!(all_day.validate(), Ok(()));
    assert!(all_day.in_work_hours(at(7, 23, 59), utc()));
}

#[test]
fn a_night_shift_runs_past_midnight_and_belongs_to_its_first_day() {
    // Mondays, 22:00 to 06:00.
    let night = ReminderSettings {
        work_days: vec![1],
        work_start_minutes: 22 * 60,
        work_end_minutes: 6 * 60,
        ..ReminderSettings::default()
    };
    assert_eq!(night.validate(), Ok(()));
    assert!(night.in_work_hours(at(7, 23, 0), utc()), "Monday night");
    assert!(
        night.in_work_hours(at(8, 5, 59), utc()),
        "Tuesday morning, Monday's shift"
    );
    assert!(!night.in_work_hours(at(8, 6, 0), utc()), "the shift ended");
    assert!(
        !night.in_work_hours(at(8, 23, 0), utc()),
        "Tuesday is not a work day"
    );
    assert!(
        !night.in_work_hours(at(7, 5, 0), utc()),
        "Monday morning is Sunday's shift"
    );
    let moments = no_timer_moments(&night, utc(), at(7, 21, 0), at(8, 7, 0), |_| true);
    assert_eq!(moments.first(), Some(&at(7, 22, 15)));
    assert_eq!(moments.last(), Some(&at(8, 5, 45)));
}
