//! The merge rule's examples and its properties: convergence, no lost fields, no time the
//! server took out coming back, locked entries winning, and every dropped value reported.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::entry::EntryId;
use crate::entry::Work;

fn at(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + Duration::minutes(min)
}

fn e(description: &str, start: i64, end: Option<i64>) -> Entry {
    Entry {
        id: EntryId("e".into()),
        description: description.into(),
        start: at(start),
        end: end.map(at),
        work: Default::default(),
    }
}

#[test]
fn the_doubled_time_scenario_keeps_the_cut() {
    // [0, 30] was cut to [0, 3] on the server (the rest split off); the device changed
    // only the description.
    let base = e("work", 0, Some(30));
    let ours = e("report", 0, Some(30));
    let theirs = e("work", 0, Some(3));
    let merged = merge(&base, &ours, &theirs, false);
    assert_eq!(merged.entry, e("report", 0, Some(3)));
    assert!(merged.conflicts.is_empty());
}

#[test]
fn an_admins_edit_and_the_devices_edit_of_other_fields_both_stay() {
    let base = e("work", 0, Some(30));
    let merged = merge(
        &base,
        &e("work", 0, Some(45)),
        &e("client call", 0, Some(30)),
        false,
    );
    assert_eq!(merged.entry, e("client call", 0, Some(45)));
    assert!(merged.conflicts.is_empty());
}

#[test]
fn the_same_field_keeps_the_servers_value_and_says_so() {
    let base = e("work", 0, Some(30));
    let merged = merge(
        &base,
        &e("mine", 0, Some(30)),
        &e("theirs", 0, Some(30)),
        false,
    );
    assert_eq!(merged.entry, e("theirs", 0, Some(30)));
    assert_eq!(merged.conflicts.len(), 1);
    let line = merged.conflicts[0].describe(|t| t.format("%H:%M").to_string());
    assert_eq!(
        line,
        "Kept the server's description \u{201c}theirs\u{201d} instead of this device's \u{201c}mine\u{201d}: it was changed on the server too."
    );
}

#[test]
fn a_locked_entry_wins_whole() {
    let base = e("work", 0, Some(30));
    let theirs = e("work", 0, Some(30));
    let merged = merge(&base, &e("mine", 5, Some(30)), &theirs, true);
    assert_eq!(merged.entry, theirs);
    let fields: Vec<Field> = merged.conflicts.iter().map(|c| c.field).collect();
    assert_eq!(fields, vec![Field::Description, Field::Start]);
    assert!(merged.conflicts.iter().all(|c| c.reason == Reason::Locked));
}

#[test]
fn an_end_before_the_servers_new_start_takes_the_servers_span() {
    // The server trimmed the start to 20; the device moved the end to 10.
    let base = e("work", 0, Some(30));
    let merged = merge(
        &base,
        &e("work", 0, Some(10)),
        &e("work", 20, Some(30)),
        false,
    );
    assert_eq!(merged.entry, e("work", 20, Some(30)));
    assert_eq!(merged.conflicts.len(), 1);
    assert_eq!(merged.conflicts[0].reason, Reason::Span);
    assert_eq!(merged.conflicts[0].dropped, Value::Time(Some(at(10))));
}

/// A valid entry: end at or after start, or running; some project (with or without a
/// task), some tags, billable or not.
fn entry_strategy() -> impl Strategy<Value = Entry> {
    (
        prop::sample::select(vec!["a", "b", "c"]),
        0i64..60,
        prop::option::weighted(0.8, 0i64..60),
        prop::sample::select(vec![
            (None, None),
            (Some("p1"), None),
            (Some("p1"), Some("t1")),
            (Some("p2"), None),
        ]),
        prop::sample::subsequence(vec!["x", "y", "z"], 0..=3),
        any::<bool>(),
    )
        .prop_map(|(d, start, len, (project, task), tags, billable)| Entry {
            work: Work {
                project_id: project.map(str::to_owned),
                task_id: task.map(str::to_owned),
                tag_ids: tags.into_iter().map(str::to_owned).collect(),
                billable,
            },
            ..e(d, start, len.map(|l| start + l))
        })
}

/// One side's copy: the base with some fields changed (each to a valid entry's value).
fn changed(base: Entry) -> impl Strategy<Value = Entry> {
    (entry_strategy(), any::<[bool; 6]>()).prop_map(move |(other, which)| {
        let mut out = base.clone();
        if which[0] {
            out.description = other.description;
        }
        if which[1] {
            out.start = other.start;
        }
        if which[2] {
            out.end = other.end;
        }
        if which[3] {
            out.work.project_id = other.work.project_id.clone();
            out.work.task_id = other.work.task_id.clone();
        }
        if which[4] {
            out.work.tag_ids = other.work.tag_ids.clone();
        }
        if which[5] {
            out.work.billable = other.work.billable;
        }
        // Each side's copy is valid on its own: where one moved boundary would cross the
        // other, both move.
        if out.end.is_some_and(|end| end < out.start) {
            out.start = other.start;
            out.end = other.end;
        }
        out
    })
}

fn cases() -> impl Strategy<Value = (Entry, Entry, Entry, bool)> {
    entry_strategy().prop_flat_map(|base| {
        (
            Just(base.clone()),
            changed(base.clone()),
            changed(base),
            prop::bool::weighted(0.2),
        )
    })
}

/// Minutes covered, with a running end taken as minute 200.
fn minutes(entry: &Entry) -> std::ops::Range<i64> {
    let m = |t: DateTime<Utc>| (t - at(0)).num_minutes();
    m(entry.start)..entry.end.map_or(200, m)
}

proptest! {
    #[test]
    fn merging_is_valid_and_loses_nothing_only_one_side_changed(
        (base, ours, theirs, locked) in cases()
    ) {
        let merged = merge(&base, &ours, &theirs, locked);
        let m = &merged.entry;
        prop_assert!(m.end.is_none_or(|end| end >= m.start), "{m:?}");
        if locked {
            prop_assert_eq!(m, &theirs);
        }
        // Convergence: the device with nothing of its own takes the server's copy, and
        // merging the result again changes nothing.
        prop_assert_eq!(&merge(&base, &base, &theirs, locked).entry, &theirs);
        prop_assert_eq!(&merge(&base, m, &theirs, locked).entry, m);
        prop_assert_eq!(&merge(&theirs, m, m, false).entry, m);
        if !locked {
            prop_assert_eq!(&merge(&base, &ours, &base, false).entry, &ours);
            // No lost fields: what only one side changed is kept, unless the span rule
            // stepped in (and then it is reported).
            if theirs.description == base.description {
                prop_assert_eq!(&m.description, &ours.description);
            }
            if ours.description == base.description {
                prop_assert_eq!(&m.description, &theirs.description);
            }
            for field in [Field::Project, Field::Tags, Field::Billable] {
                if value(&theirs, field) == value(&base, field) {
                    prop_assert_eq!(value(m, field), value(&ours, field));
                }
            }
        }
        // Time the server took out of the entry never comes back.
        let (b, t, got) = (minutes(&base), minutes(&theirs), minutes(m));
        for minute in b.clone() {
            let taken_out = !t.contains(&minute);
            prop_assert!(!(taken_out && got.contains(&minute)),
                "minute {minute} was taken out by the server but came back: base {b:?} theirs {t:?} merged {got:?}");
        }
        // Every value of the device's that is not in the result is reported.
        for field in FIELDS {
            let (mine, now) = (value(&ours, field), value(m, field));
            let changed_here = value(&base, field) != mine;
            let reported = merged.conflicts.iter().any(|c| c.field == field && c.dropped == mine);
            prop_assert_eq!(changed_here && mine != now, reported, "{:?}", field);
        }
    }
}
