//! The idle tracker and every answer of the prompt, with clock jumps and suspends.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use stint_core::idle::{
    choices, resolve, IdleChange, IdleChoice, IdleChoiceKind, IdlePeriod, IdleSettings,
    IdleTracker, Observation,
};
use stint_core::{Entry, EntryId};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).unwrap() + Duration::seconds(secs)
}

fn settings() -> IdleSettings {
    IdleSettings {
        enabled: true,
        threshold_seconds: 300,
    }
}

/// A machine that never slept: both clocks move with the wall clock from 1000 s.
fn obs(now: i64, idle_for: i64) -> Observation {
    Observation {
        now: t(now),
        idle_for: Duration::seconds(idle_for),
        awake: Duration::seconds(1000 + now),
        since_boot: Duration::seconds(1000 + now),
        away_since: None,
    }
}

fn running(start: i64) -> Entry {
    Entry {
        work: Default::default(),
        id: EntryId("e".into()),
        description: "Report".into(),
        start: t(start),
        end: None,
    }
}

fn ids() -> [EntryId; 2] {
    [EntryId("n1".into()), EntryId("n2".into())]
}

#[test]
fn idle_starts_at_the_last_input_not_when_noticed() {
    let mut tr = IdleTracker::default();
    assert_eq!(tr.observe(obs(0, 0), &settings()), IdleChange::Nothing);
    assert_eq!(tr.observe(obs(299, 299), &settings()), IdleChange::Nothing);
    // Noticed at 420 s with 320 s of no input: idle since 100 s.
    assert_eq!(
        tr.observe(obs(420, 320), &settings()),
        IdleChange::Began(t(100))
    );
    assert_eq!(tr.observe(obs(900, 800), &settings()), IdleChange::Nothing);
    // Back: input 3 s ago.
    assert_eq!(
        tr.observe(obs(1500, 3), &settings()),
        IdleChange::Ended(IdlePeriod {
            start: t(100),
            end: t(1497)
        })
    );
    assert_eq!(tr.observe(obs(1510, 1), &settings()), IdleChange::Nothing);
}

#[test]
fn the_off_switch_sees_nothing() {
    let mut tr = IdleTracker::default();
    let off = IdleSettings {
        enabled: false,
        ..settings()
    };
    assert_eq!(tr.observe(obs(0, 0), &off), IdleChange::Nothing);
    assert_eq!(tr.observe(obs(900, 900), &off), IdleChange::Nothing);
    assert_eq!(tr.observe(obs(1000, 1), &off), IdleChange::Nothing);
}

#[test]
fn a_suspend_seen_in_the_clock_gap_counts_from_its_start() {
    let mut tr = IdleTracker::default();
    tr.observe(obs(0, 2), &settings());
    // 30 s awake after the last look, then asleep: the boot clock moved 3600 s more than
    // the awake clock. The user pressed a key to wake it, 1 s ago, so the sleep ended by
    // then and began an hour earlier (29 s). The last look is too old to tell whether input
    // came before the suspend, so idle began at the suspend.
    let woke = Observation {
        now: t(3630),
        idle_for: Duration::seconds(1),
        awake: Duration::seconds(1000 + 30),
        since_boot: Duration::seconds(1000 + 3630),
        away_since: None,
    };
    assert_eq!(
        tr.observe(woke, &settings()),
        IdleChange::Ended(IdlePeriod {
            start: t(29),
            end: t(3629)
        })
    );
}

#[test]
fn awake_time_after_the_resume_does_not_move_the_suspend_start() {
    let mut tr = IdleTracker::default();
    tr.observe(obs(0, 0), &settings());
    // Asleep at 40 s for an hour; a key at the resume; the next look 20 s after it. The
    // 60 s awake could all lie before the suspend, but the input after the resume shows
    // the suspend ended by then.
    let woke = Observation {
        now: t(3660),
        idle_for: Duration::seconds(20),
        awake: Duration::seconds(1000 + 60),
        since_boot: Duration::seconds(1000 + 3660),
        away_since: None,
    };
    assert_eq!(
        tr.observe(woke, &settings()),
        IdleChange::Ended(IdlePeriod {
            start: t(40),
            end: t(3640)
        })
    );
}

#[test]
fn a_look_just_before_a_suspend_tells_the_last_input() {
    let mut tr = IdleTracker::default();
    tr.observe(obs(0, 0), &settings());
    // 8 s awake after a look that saw input 20 s earlier: no input came since, so idle
    // began at that input.
    tr.observe(obs(100, 20), &settings());
    let woke = Observation {
        now: t(3700),
        idle_for: Duration::seconds(1),
        awake: Duration::seconds(1000 + 108),
        since_boot: Duration::seconds(1000 + 3700),
        away_since: None,
    };
    assert_eq!(
        tr.observe(woke, &settings()),
        IdleChange::Ended(IdlePeriod {
            start: t(80),
            end: t(3699)
        })
    );
}

#[test]
fn a_suspend_after_a_short_pause_starts_at_the_last_input() {
    let mut tr = IdleTracker::default();
    tr.observe(obs(0, 0), &settings());
    tr.observe(obs(60, 50), &settings());
    let woke = Observation {
        now: t(5000),
        idle_for: Duration::seconds(2),
        awake: Duration::seconds(1000 + 70),
        since_boot: Duration::seconds(1000 + 5000),
        away_since: None,
    };
    // Last input at 10 s, suspended at 70 s: idle from 10 s.
    assert_eq!(
        tr.observe(woke, &settings()),
        IdleChange::Ended(IdlePeriod {
            start: t(10),
            end: t(4998)
        })
    );
}

#[test]
fn a_locked_screen_is_idle_from_the_lock_until_unlocked() {
    let mut tr = IdleTracker::default();
    tr.observe(obs(0, 0), &settings());
    // Last input at 5 s, locked at 18 s (below the threshold): idle from the lock.
    let locked = Observation {
        away_since: Some(t(18)),
        ..obs(20, 15)
    };
    assert_eq!(tr.observe(locked, &settings()), IdleChange::Began(t(18)));
    assert!(
        matches!(tr.observe(obs(600, 1), &settings()), IdleChange::Ended(p) if p.start == t(18) && p.end == t(599))
    );
    // Idle past the threshold before the screen locked itself: from the last input.
    let mut tr = IdleTracker::default();
    tr.observe(obs(0, 0), &settings());
    let auto_locked = Observation {
        away_since: Some(t(900)),
        ..obs(901, 901)
    };
    assert_eq!(
        tr.observe(auto_locked, &settings()),
        IdleChange::Began(t(0))
    );
}

#[test]
fn wall_clock_jumps_never_make_a_negative_period() {
    let mut tr = IdleTracker::default();
    tr.observe(obs(0, 0), &settings());
    assert_eq!(
        tr.observe(obs(400, 400), &settings()),
        IdleChange::Began(t(0))
    );
    // The wall clock is set back an hour while away; the user returns.
    let back = Observation {
        now: t(-3200),
        idle_for: Duration::seconds(1),
        awake: Duration::seconds(1000 + 800),
        since_boot: Duration::seconds(1000 + 800),
        away_since: None,
    };
    match tr.observe(back, &settings()) {
        IdleChange::Ended(p) => assert!(p.length() >= Duration::zero(), "{p:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn periods_merge_into_one_prompt() {
    let a = IdlePeriod {
        start: t(100),
        end: t(700),
    };
    let b = IdlePeriod {
        start: t(900),
        end: t(1500),
    };
    assert_eq!(
        a.merged(&b),
        IdlePeriod {
            start: t(100),
            end: t(1500)
        }
    );
    assert_eq!(b.merged(&a), a.merged(&b));
}

#[test]
fn every_answer_for_a_running_timer() {
    let e = running(0);
    let p = IdlePeriod {
        start: t(600),
        end: t(2100),
    };
    assert_eq!(
        choices(Some(&e), &p),
        vec![
            IdleChoiceKind::Keep,
            IdleChoiceKind::Discard,
            IdleChoiceKind::DiscardAndContinue,
            IdleChoiceKind::KeepAsNewEntry
        ]
    );
    assert_eq!(resolve(Some(&e), &p, &IdleChoice::Keep, ids()), Ok(vec![]));
    let discard = resolve(Some(&e), &p, &IdleChoice::Discard, ids()).unwrap();
    assert_eq!(
        discard,
        vec![Entry {
            end: Some(t(600)),
            ..e.clone()
        }]
    );
    let cont = resolve(Some(&e), &p, &IdleChoice::DiscardAndContinue, ids()).unwrap();
    assert_eq!(cont.len(), 2);
    assert_eq!(cont[0].end, Some(t(600)));
    assert_eq!(
        (cont[1].start, cont[1].end, cont[1].description.as_str()),
        (t(2100), None, "Report")
    );
    let keep_new = resolve(
        Some(&e),
        &p,
        &IdleChoice::KeepAsNewEntry {
            description: " Meeting ".into(),
        },
        ids(),
    )
    .unwrap();
    assert_eq!(keep_new.len(), 3);
    assert_eq!(keep_new[0].end, Some(t(600)));
    assert_eq!(
        (
            keep_new[1].start,
            keep_new[1].end,
            keep_new[1].description.as_str()
        ),
        (t(600), Some(t(2100)), "Meeting")
    );
    assert_eq!((keep_new[2].start, keep_new[2].end), (t(2100), None));
}

/// Issue 16: every part of an answer keeps the entry's project, and in a workspace that
/// requires a project an answer that would stop an entry without one is refused.
#[test]
fn answers_keep_the_project_and_follow_the_workspace_requirement() {
    let with_project = Entry {
        work: stint_core::Work {
            project_id: Some("p1".into()),
            ..Default::default()
        },
        ..running(0)
    };
    let p = IdlePeriod {
        start: t(600),
        end: t(2100),
    };
    let required = stint_core::Requirements {
        project: true,
        task: false,
    };
    let keep_new = resolve(
        Some(&with_project),
        &p,
        &IdleChoice::KeepAsNewEntry {
            description: "Meeting".into(),
        },
        ids(),
    )
    .unwrap();
    assert!(
        keep_new.iter().all(|e| e.work == with_project.work),
        "{keep_new:?}"
    );
    assert_eq!(required.check_stopped(&keep_new), Ok(()));
    let without = running(0);
    for choice in [IdleChoice::Discard, IdleChoice::DiscardAndContinue] {
        let writes = resolve(Some(&without), &p, &choice, ids()).unwrap();
        assert_eq!(
            required.check_stopped(&writes),
            Err(stint_core::EntryError::ProjectRequired),
            "{choice:?}"
        );
        assert_eq!(
            stint_core::Requirements::default().check_stopped(&writes),
            Ok(())
        );
    }
}

#[test]
fn a_timer_stopped_elsewhere_only_offers_what_applies() {
    let stopped = Entry {
        end: Some(t(1200)),
        ..running(0)
    };
    let p = IdlePeriod {
        start: t(600),
        end: t(2100),
    };
    let offered = choices(Some(&stopped), &p);
    assert!(
        !offered.contains(&IdleChoiceKind::DiscardAndContinue),
        "{offered:?}"
    );
    assert!(resolve(Some(&stopped), &p, &IdleChoice::DiscardAndContinue, ids()).is_err());
    // Discarding cuts the idle part out of the stopped entry; nothing after it is left.
    assert_eq!(
        resolve(Some(&stopped), &p, &IdleChoice::Discard, ids()).unwrap(),
        vec![Entry {
            end: Some(t(600)),
            ..stopped.clone()
        }]
    );
    // Stopped before the idle time began, or deleted: only Keep.
    let early = Entry {
        end: Some(t(500)),
        ..running(0)
    };
    assert_eq!(choices(Some(&early), &p), vec![IdleChoiceKind::Keep]);
    assert_eq!(choices(None, &p), vec![IdleChoiceKind::Keep]);
    assert!(resolve(None, &p, &IdleChoice::Discard, ids()).is_err());
}

proptest! {
    /// Any sequence of observations (input, no input, locks, suspends, clock jumps both
    /// ways) yields only periods that do not run backwards.
    #[test]
    fn no_negative_periods_ever(
        steps in prop::collection::vec((0i64..900, 0i64..900, 0u8..5, 0i64..4000, -4000i64..4000), 1..60),
        threshold in 1u32..600,
    ) {
        use stint_core::presence::{SessionAway, SessionSignal};
        let s = IdleSettings { enabled: true, threshold_seconds: threshold };
        let mut tr = IdleTracker::default();
        let mut session = SessionAway::default();
        let (mut wall, mut awake, mut boot) = (0i64, 1000i64, 1000i64);
        for (advance, idle_for, signal, slept, jump) in steps {
            awake += advance;
            boot += advance + slept;
            wall += advance + slept + jump;
            let now = t(wall);
            let signal = [None, Some(SessionSignal::Locked), Some(SessionSignal::Unlocked),
                Some(SessionSignal::Sleeping), Some(SessionSignal::Woke)][usize::from(signal)];
            if let Some(signal) = signal {
                session.signal(signal, now);
            }
            let last_input = session.last_input(now - Duration::seconds(idle_for)).min(now);
            let o = Observation {
                now,
                idle_for: now - last_input,
                awake: Duration::seconds(awake),
                since_boot: Duration::seconds(boot),
                away_since: session.away_since(last_input),
            };
            if let IdleChange::Ended(p) = tr.observe(o, &s) {
                prop_assert!(p.end >= p.start, "{p:?}");
            }
        }
    }

    /// Every answer leaves entries that do not run backwards and never adds time.
    #[test]
    fn answers_never_add_time(start in 0i64..1000, a in 0i64..5000, len in 0i64..5000, stop in prop::option::of(0i64..8000)) {
        let entry = Entry { end: stop.map(|s| t(start + s)), ..running(start) };
        let p = IdlePeriod { start: t(a), end: t(a + len) };
        let now_end = |e: &Entry| e.end.unwrap_or(t(20_000));
        let before: i64 = (now_end(&entry) - entry.start).num_seconds();
        for kind in choices(Some(&entry), &p) {
            let choice = match kind {
                IdleChoiceKind::Keep => IdleChoice::Keep,
                IdleChoiceKind::Discard => IdleChoice::Discard,
                IdleChoiceKind::DiscardAndContinue => IdleChoice::DiscardAndContinue,
                IdleChoiceKind::KeepAsNewEntry => IdleChoice::KeepAsNewEntry { description: "x".into() },
            };
            let writes = resolve(Some(&entry), &p, &choice, ids()).unwrap();
            let mut total = 0;
            for w in &writes {
                prop_assert!(w.end.is_none_or(|e| e >= w.start), "{w:?}");
                total += (now_end(w) - w.start).num_seconds();
            }
            prop_assert!(writes.iter().filter(|w| w.end.is_none()).count() <= 1);
            if kind == IdleChoiceKind::KeepAsNewEntry {
                prop_assert_eq!(total, before);
            } else if kind != IdleChoiceKind::Keep {
                prop_assert!(total < before);
            }
        }
    }
}

mod session {
    use super::t;
    use stint_core::presence::{SessionAway, SessionSignal};

    #[test]
    fn a_lock_is_away_from_its_start_and_the_unlock_is_the_return() {
        let mut s = SessionAway::default();
        assert_eq!(s.away_since(t(0)), None);
        s.signal(SessionSignal::Locked, t(100));
        // Input before the lock does not end it, nor does the sensor's input while locked.
        assert_eq!(s.away_since(s.last_input(t(90))), Some(t(100)));
        assert!(s.is_locked_or_asleep());
        s.signal(SessionSignal::Unlocked, t(400));
        assert_eq!(s.last_input(t(90)), t(400), "the unlock is input");
        assert_eq!(s.away_since(s.last_input(t(90))), None);
        // Forgotten once back.
        assert_eq!(s.away_since(t(401)), None);
    }

    #[test]
    fn after_waking_the_user_is_back_at_the_first_input() {
        let mut s = SessionAway::default();
        s.signal(SessionSignal::Sleeping, t(100));
        s.signal(SessionSignal::Woke, t(5000));
        // No input since before the sleep: still away.
        assert_eq!(s.away_since(s.last_input(t(90))), Some(t(100)));
        assert_eq!(s.away_since(s.last_input(t(4999))), Some(t(100)));
        assert_eq!(s.away_since(s.last_input(t(5030))), None);
    }

    #[test]
    fn lock_then_sleep_then_wake_then_unlock_is_one_absence() {
        let mut s = SessionAway::default();
        s.signal(SessionSignal::Locked, t(100));
        s.signal(SessionSignal::Sleeping, t(105));
        s.signal(SessionSignal::Woke, t(3000));
        // Awake but still locked: input on the lock screen is not a return.
        assert_eq!(s.away_since(s.last_input(t(3010))), Some(t(100)));
        s.signal(SessionSignal::Unlocked, t(3020));
        assert_eq!(s.away_since(s.last_input(t(3010))), None);
    }
}

#[test]
fn lost_session_signals_end_a_lock_and_the_next_input_is_the_return() {
    use stint_core::presence::{SessionAway, SessionSignal};
    let mut s = SessionAway::default();
    s.signal(SessionSignal::Locked, t(100));
    s.signal(SessionSignal::Lost, t(200));
    assert!(!s.is_locked_or_asleep());
    // Input before the loss is no return; input after it is.
    assert_eq!(s.away_since(s.last_input(t(150))), Some(t(100)));
    assert_eq!(s.away_since(s.last_input(t(210))), None);
}
