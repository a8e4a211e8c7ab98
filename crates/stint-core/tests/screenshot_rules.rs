//! The screenshot deletion rules for both roles, and that a cut is exact.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use stint_core::screenshot_rules::{
    delete_capture, Deleter, DeletionRefused, EntryChange, EntryFacts,
};

fn t(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap() + Duration::minutes(min)
}

fn stopped(start: i64, end: i64) -> EntryFacts {
    EntryFacts {
        start: t(start),
        end: Some(t(end)),
        locked: false,
    }
}

fn kept(change: EntryChange, entry: &EntryFacts) -> Duration {
    let end = entry.end.unwrap();
    match change {
        EntryChange::Unchanged => end - entry.start,
        EntryChange::DeleteEntry => Duration::zero(),
        EntryChange::Trim { start, end } => end - start,
        EntryChange::Split {
            first_end,
            second_start,
        } => (first_end - entry.start) + (end - second_start),
    }
}

#[test]
fn first_capture_trims_the_start() {
    let e = stopped(0, 60);
    let caps = [t(3), t(8), t(14)];
    assert_eq!(
        delete_capture(&e, &caps, t(3), Deleter::Owner),
        Ok(EntryChange::Trim {
            start: t(3),
            end: t(60)
        })
    );
}

#[test]
fn a_middle_capture_splits_the_entry() {
    let e = stopped(0, 60);
    let caps = [t(14), t(3), t(8)];
    assert_eq!(
        delete_capture(&e, &caps, t(8), Deleter::Owner),
        Ok(EntryChange::Split {
            first_end: t(3),
            second_start: t(8)
        })
    );
    // The last capture still leaves the time after it: a split, not a trim.
    assert_eq!(
        delete_capture(&e, &caps, t(14), Deleter::Owner),
        Ok(EntryChange::Split {
            first_end: t(8),
            second_start: t(14)
        })
    );
}

#[test]
fn a_capture_at_the_very_end_trims_the_end() {
    let e = stopped(0, 20);
    let caps = [t(3), t(20)];
    assert_eq!(
        delete_capture(&e, &caps, t(20), Deleter::Owner),
        Ok(EntryChange::Trim {
            start: t(0),
            end: t(3)
        })
    );
}

#[test]
fn the_only_capture_deletes_the_entry() {
    let e = stopped(0, 4);
    assert_eq!(
        delete_capture(&e, &[t(2)], t(2), Deleter::Owner),
        Ok(EntryChange::DeleteEntry)
    );
}

#[test]
fn running_and_locked_entries_refuse_owners_but_not_admins() {
    let running = EntryFacts {
        start: t(0),
        end: None,
        locked: false,
    };
    let locked = EntryFacts {
        locked: true,
        ..stopped(0, 30)
    };
    let caps = [t(2), t(7)];
    assert_eq!(
        delete_capture(&running, &caps, t(7), Deleter::Owner),
        Err(DeletionRefused::TimerRunning)
    );
    assert_eq!(
        delete_capture(&locked, &caps, t(7), Deleter::Owner),
        Err(DeletionRefused::Locked)
    );
    for e in [running, locked, stopped(0, 30)] {
        assert_eq!(
            delete_capture(&e, &caps, t(7), Deleter::Admin),
            Ok(EntryChange::Unchanged)
        );
    }
    assert!(DeletionRefused::TimerRunning
        .to_string()
        .contains("stop it first"));
}

proptest! {
    /// Whatever capture an owner deletes, the entry loses exactly the span from the
    /// previous capture (or the start) to it, and never gains time or goes negative.
    #[test]
    fn the_total_drops_by_exactly_the_cut(
        len in 1i64..600,
        mut offsets in prop::collection::btree_set(0i64..600, 1..20),
        pick in any::<prop::sample::Index>(),
    ) {
        offsets.retain(|o| *o <= len);
        prop_assume!(!offsets.is_empty());
        let caps: Vec<_> = offsets.iter().map(|o| t(*o)).collect();
        let deleted = caps[pick.index(caps.len())];
        let e = stopped(0, len);
        let change = delete_capture(&e, &caps, deleted, Deleter::Owner).unwrap();
        let previous = caps.iter().copied().filter(|c| *c < deleted).max().unwrap_or(e.start);
        if caps.len() == 1 {
            prop_assert_eq!(change, EntryChange::DeleteEntry);
        } else {
            prop_assert_eq!(kept(change, &e), (t(len) - t(0)) - (deleted - previous));
        }
        match change {
            EntryChange::Trim { start, end } => prop_assert!(start <= end),
            EntryChange::Split { first_end, second_start } => {
                prop_assert!(e.start < first_end && first_end < second_start && second_start < t(len));
            }
            _ => {}
        }
    }
}
