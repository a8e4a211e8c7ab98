//! Every transition of the timer state machine, plus random click sequences.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use stint_core::timer::{start, stop};
use stint_core::{Entry, EntryId, StartOutcome, StopOutcome, Work};

fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap() + Duration::seconds(secs)
}

fn running(at: i64) -> Entry {
    Entry {
        work: Default::default(),
        id: EntryId("e1".into()),
        description: "Writing".into(),
        start: t(at),
        end: None,
    }
}

#[test]
fn start_when_stopped_creates_a_running_entry_at_now() {
    let out = start(
        None,
        EntryId("n".into()),
        "  Review\n PR ",
        &Work::default(),
        t(5),
    )
    .unwrap();
    let StartOutcome::Started(e) = out else {
        panic!("expected Started, got {out:?}")
    };
    assert_eq!(e.id, EntryId("n".into()));
    assert_eq!(e.description, "Review  PR");
    assert_eq!(e.start, t(5));
    assert!(e.is_running());
}

#[test]
fn start_when_running_changes_nothing() {
    let r = running(0);
    for now in [t(-10), t(0), t(10)] {
        let out = start(
            Some(&r),
            EntryId("other".into()),
            "x",
            &Work::default(),
            now,
        )
        .unwrap();
        assert_eq!(out, StartOutcome::AlreadyRunning(r.clone()));
    }
}

#[test]
fn stop_when_running_sets_end_to_now() {
    let out = stop(Some(&running(0)), t(90)).unwrap();
    let StopOutcome::Stopped(e) = out else {
        panic!("expected Stopped, got {out:?}")
    };
    assert_eq!(e.end, Some(t(90)));
    assert_eq!(e.duration(t(1000)), Duration::seconds(90));
    assert_eq!(e.id, EntryId("e1".into()));
}

#[test]
fn stop_at_the_start_instant_gives_a_zero_entry() {
    let out = stop(Some(&running(7)), t(7)).unwrap();
    assert!(matches!(out, StopOutcome::Stopped(e) if e.duration(t(99)) == Duration::zero()));
}

#[test]
fn a_timer_started_ahead_of_the_clock_still_stops_at_its_start() {
    // Issue 11 #9: a remote timer whose start is ahead of this device's clock (or a clock
    // set back) must be stoppable; it ends at its start and adds no time.
    for behind in [1, 60, 3 * 3600] {
        let stopped = stop(Some(&running(10)), t(10 - behind)).unwrap();
        let StopOutcome::Stopped(entry) = stopped else {
            panic!("not stopped: {stopped:?}")
        };
        assert_eq!(entry.end, Some(t(10)));
        assert_eq!(entry.start, t(10));
    }
}

#[test]
fn stop_when_stopped_changes_nothing() {
    for now in [t(-1), t(0), t(1)] {
        assert_eq!(stop(None, now).unwrap(), StopOutcome::NotRunning);
    }
}

#[test]
fn overlong_description_is_rejected_on_start() {
    let long = "a".repeat(stint_core::MAX_DESCRIPTION_CHARS + 1);
    assert!(start(None, EntryId("n".into()), &long, &Work::default(), t(0)).is_err());
    let max = "a".repeat(stint_core::MAX_DESCRIPTION_CHARS);
    assert!(start(None, EntryId("n".into()), &max, &Work::default(), t(0)).is_ok());
}

#[derive(Debug, Clone)]
enum Click {
    Start,
    Stop,
}

fn click() -> impl Strategy<Value = (Click, i64)> {
    (
        prop_oneof![Just(Click::Start), Just(Click::Stop)],
        0i64..120,
    )
}

proptest! {
    /// Any sequence of clicks, double clicks included, with time moving forward: at most one
    /// entry runs, stopped entries never overlap and never end before they start.
    #[test]
    fn click_sequences_keep_one_timer(clicks in proptest::collection::vec(click(), 0..60)) {
        let mut now = t(0);
        let mut running_entry: Option<Entry> = None;
        let mut done: Vec<Entry> = Vec::new();
        for (i, (c, gap)) in clicks.into_iter().enumerate() {
            now += Duration::seconds(gap);
            match c {
                Click::Start => match start(running_entry.as_ref(), EntryId(i.to_string()), "w", &Work::default(), now).unwrap() {
                    StartOutcome::Started(e) => { prop_assert!(running_entry.is_none()); running_entry = Some(e) }
                    StartOutcome::AlreadyRunning(e) => prop_assert_eq!(Some(e), running_entry.clone()),
                },
                Click::Stop => match stop(running_entry.as_ref(), now).unwrap() {
                    StopOutcome::Stopped(e) => { done.push(e); running_entry = None }
                    StopOutcome::NotRunning => prop_assert!(running_entry.is_none()),
                },
            }
        }
        for pair in done.windows(2) {
            prop_assert!(pair[0].end.unwrap() <= pair[1].start);
        }
        for e in &done {
            prop_assert!(e.end.unwrap() >= e.start);
        }
    }
}

#[test]
fn display_refresh_falls_on_whole_elapsed_minutes() {
    use stint_core::timer::next_display_refresh;
    assert_eq!(next_display_refresh(t(0), t(0)), t(60));
    assert_eq!(next_display_refresh(t(0), t(59)), t(60));
    assert_eq!(next_display_refresh(t(0), t(60)), t(120));
    assert_eq!(next_display_refresh(t(10), t(3605)), t(3610));
    // Just before a mark: at least a second away, never a busy loop.
    let almost = t(60) - Duration::milliseconds(999);
    assert_eq!(
        next_display_refresh(t(0), almost),
        almost + Duration::seconds(1)
    );
    // Clock set back before the start: the first mark is a minute after the start.
    assert_eq!(next_display_refresh(t(100), t(0)), t(160));
}

fn stopped(id: &str, from: i64, to: i64) -> Entry {
    Entry {
        id: EntryId(id.into()),
        end: Some(t(to)),
        ..running(from)
    }
}

#[test]
fn continuing_copies_the_work_and_recent_work_is_distinct_pairs() {
    let w = |p: &str, k: Option<&str>| Work {
        project_id: Some(p.into()),
        task_id: k.map(str::to_owned),
        tag_ids: vec!["t1".into()],
        billable: true,
    };
    let from = Entry {
        work: w("p1", Some("k1")),
        ..stopped("old", 0, 10)
    };
    let writes = stint_core::timer::continue_from(None, &from, EntryId("n".into()), t(20)).unwrap();
    assert_eq!(writes.len(), 1);
    assert_eq!(
        writes[0].work, from.work,
        "project, task, tags and billable carry over"
    );
    let e = |id: &str, work: Work| Entry {
        work,
        ..stopped(id, 0, 1)
    };
    let newest_first = [
        e("a", w("p1", Some("k1"))),
        e("b", Work::default()),
        e("c", w("p1", Some("k1"))),
        e("d", w("p2", None)),
        e("f", w("p1", None)),
    ];
    let pairs: Vec<(Option<String>, Option<String>)> =
        stint_core::timer::recent_work(&newest_first, 2)
            .into_iter()
            .map(|w| {
                assert!(w.tag_ids.is_empty() && !w.billable, "only the pair is kept");
                (w.project_id, w.task_id)
            })
            .collect();
    assert_eq!(
        pairs,
        [
            (Some("p1".into()), Some("k1".into())),
            (Some("p2".into()), None)
        ]
    );
}
