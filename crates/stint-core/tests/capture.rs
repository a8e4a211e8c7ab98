//! The screenshot schedule, checked over many seeds with a simulated clock.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use stint_core::capture::{window, CaptureSchedule};

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 7, 1, 9, 0, 7).unwrap()
}

/// Runs the schedule the way the agent does: wake at `next_check`, plus extra wake-ups every
/// `extra` ms, from the start until `end`, skipping the time in `sleep` (a suspend).
fn simulate(
    schedule: &CaptureSchedule,
    end: DateTime<Utc>,
    extra_ms: i64,
    sleep: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Vec<(u64, DateTime<Utc>)> {
    let mut captures = Vec::new();
    let mut previous = schedule.start;
    loop {
        let mut now = schedule
            .next_check(previous)
            .min(previous + Duration::milliseconds(extra_ms));
        if let Some((from, to)) = sleep {
            if now > from && now < to {
                now = to; // the machine wakes up here
            }
        }
        if now >= end {
            return captures;
        }
        if let Some(k) = schedule.due(previous, now) {
            captures.push((k, now));
        }
        previous = now;
    }
}

proptest! {
    // Each case simulates up to an hour and a half of ticks; 96 seeds per property.
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn one_capture_per_full_window_and_none_outside(seed in any::<u64>(), minutes in 0i64..60, extra_ms in 1_000i64..120_000) {
        let schedule = CaptureSchedule::new(start(), seed);
        let end = start() + Duration::minutes(minutes) + Duration::seconds(13);
        let captures = simulate(&schedule, end, extra_ms, None);
        let mut per_window: BTreeMap<u64, usize> = BTreeMap::new();
        for (k, at) in &captures {
            *per_window.entry(*k).or_default() += 1;
            prop_assert!(*at >= start() && *at < end, "capture outside the entry");
            let window_start = start() + window() * (*k as i32);
            prop_assert!(*at >= window_start && *at < window_start + window(), "capture outside its window");
            prop_assert_eq!(*at, schedule.moment(*k), "captured at the drawn moment");
        }
        prop_assert!(per_window.values().all(|n| *n == 1), "at most one per window: {per_window:?}");
        let full_windows = (end - start()).num_milliseconds() / window().num_milliseconds();
        for k in 0..full_windows as u64 {
            prop_assert!(per_window.contains_key(&k), "full window {k} has no capture");
        }
        // A window the timer did not reach has none.
        let last = schedule.window_of(end).unwrap();
        prop_assert!(per_window.keys().all(|k| *k <= last));
    }

    #[test]
    fn missed_windows_are_skipped_not_caught_up(seed in any::<u64>(), asleep_min in 6i64..60) {
        let schedule = CaptureSchedule::new(start(), seed);
        let from = start() + Duration::minutes(7);
        let to = from + Duration::minutes(asleep_min);
        let end = to + Duration::minutes(11);
        let captures = simulate(&schedule, end, 3_000, Some((from, to)));
        let ks: Vec<u64> = captures.iter().map(|(k, _)| *k).collect();
        // Never two in one window, never a burst at wake-up.
        let mut sorted = ks.clone();
        sorted.dedup();
        prop_assert_eq!(sorted.len(), ks.len());
        // Nothing is captured late at wake-up: a moment missed while asleep is skipped.
        for (k, at) in &captures {
            prop_assert!(*at - schedule.moment(*k) <= stint_core::capture::late_tolerance(), "window {k} captured late");
        }
        // Windows wholly inside the sleep have no capture.
        for (k, at) in &captures {
            prop_assert!(!(*at > from && *at < to), "captured while asleep: {k}");
            let window_start = start() + window() * (*k as i32);
            prop_assert!(!(window_start >= from && window_start + window() <= to), "window {k} was asleep");
        }
    }

    #[test]
    fn moments_are_uniform_enough_and_fixed_by_the_seed(seed in any::<u64>()) {
        let a = CaptureSchedule::new(start(), seed);
        let b = CaptureSchedule::new(start(), seed);
        for k in 0..20 {
            prop_assert_eq!(a.moment(k), b.moment(k), "same seed, same schedule (survives a restart)");
        }
    }
}

#[test]
fn offsets_spread_over_the_whole_window() {
    // Over many seeds, every fifth of the window gets a fair share of moments.
    let mut buckets = [0u32; 5];
    for seed in 0..2000u64 {
        let s = CaptureSchedule::new(start(), seed);
        let offset = (s.moment(3) - (start() + window() * 3)).num_milliseconds();
        buckets[(offset * 5 / window().num_milliseconds()) as usize] += 1;
    }
    assert!(
        buckets.iter().all(|b| (320..=480).contains(b)),
        "{buckets:?}"
    );
}

#[test]
fn time_going_backwards_makes_nothing_due() {
    let s = CaptureSchedule::new(start(), 42);
    let m = s.moment(0);
    assert_eq!(
        s.due(m + Duration::seconds(1), m - Duration::seconds(1)),
        None
    );
    assert_eq!(
        s.due(
            start() - Duration::minutes(1),
            start() - Duration::seconds(1)
        ),
        None
    );
    assert_eq!(s.due(start(), m), Some(0));
    assert_eq!(s.next_check(start() - Duration::minutes(3)), m);
    // Noticed too late: skipped.
    assert_eq!(s.due(start(), m + Duration::seconds(11)), None);
    assert_eq!(s.due(start(), m + Duration::seconds(9)), Some(0));
}

#[test]
fn a_shorter_window_keeps_every_moment_inside_its_window() {
    let s = CaptureSchedule {
        window: Duration::seconds(4),
        ..CaptureSchedule::new(start(), 9)
    };
    for k in 0..500u64 {
        let window_start = start() + Duration::seconds(4 * k as i64);
        let m = s.moment(k);
        assert!(m >= window_start && m < window_start + Duration::seconds(4));
        assert_eq!(s.window_of(m), Some(k));
    }
}
