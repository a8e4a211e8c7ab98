//! Editing and typing in entries, and day totals across midnight.

use chrono::{DateTime, Duration, TimeZone, Utc};
use stint_core::{
    day_total, format_elapsed, overlaps_day, DaySpan, Entry, EntryError, EntryId, EntryPatch,
    Requirements, Work,
};

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, h, m, 0).unwrap()
}

fn entry(start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> Entry {
    Entry {
        work: Default::default(),
        id: EntryId("e".into()),
        description: "d".into(),
        start,
        end,
    }
}

#[test]
fn manual_entry_with_end_before_start_is_rejected() {
    let err = Entry::manual(
        EntryId("m".into()),
        "x",
        at(10, 0),
        at(9, 0),
        &Work::default(),
    )
    .unwrap_err();
    assert!(matches!(err, EntryError::EndBeforeStart { .. }));
    let ok = Entry::manual(
        EntryId("m".into()),
        " x ",
        at(9, 0),
        at(10, 0),
        &Work::default(),
    )
    .unwrap();
    assert_eq!(ok.description, "x");
    assert_eq!(ok.duration(at(23, 0)), Duration::hours(1));
}

#[test]
fn patching_a_stopped_entry() {
    let e = entry(at(9, 0), Some(at(10, 0)));
    let p = EntryPatch {
        work: Default::default(),
        description: Some("new".into()),
        start: Some(at(8, 30)),
        end: None,
    };
    let out = e.patched(&p, at(12, 0)).unwrap();
    assert_eq!(
        (out.description.as_str(), out.start, out.end),
        ("new", at(8, 30), Some(at(10, 0)))
    );

    let bad = EntryPatch {
        end: Some(at(8, 0)),
        ..Default::default()
    };
    assert!(matches!(
        e.patched(&bad, at(12, 0)),
        Err(EntryError::EndBeforeStart { .. })
    ));
    let bad_start = EntryPatch {
        start: Some(at(10, 1)),
        ..Default::default()
    };
    assert!(e.patched(&bad_start, at(12, 0)).is_err());
}

#[test]
fn patching_a_running_entry() {
    let e = entry(at(9, 0), None);
    let end = EntryPatch {
        end: Some(at(10, 0)),
        ..Default::default()
    };
    assert_eq!(
        e.patched(&end, at(12, 0)),
        Err(EntryError::EndOfRunningEntry)
    );
    let future = EntryPatch {
        start: Some(at(13, 0)),
        ..Default::default()
    };
    assert!(matches!(
        e.patched(&future, at(12, 0)),
        Err(EntryError::StartInFuture { .. })
    ));
    let earlier = EntryPatch {
        start: Some(at(8, 0)),
        ..Default::default()
    };
    assert_eq!(e.patched(&earlier, at(12, 0)).unwrap().start, at(8, 0));
}

#[test]
fn running_duration_never_goes_negative_when_the_clock_goes_back() {
    let e = entry(at(9, 0), None);
    assert_eq!(e.duration(at(8, 0)), Duration::zero());
    assert_eq!(e.duration(at(9, 30)), Duration::minutes(30));
}

fn day(d: u32) -> DaySpan {
    DaySpan {
        start: Utc.with_ymd_and_hms(2026, 3, d, 0, 0, 0).unwrap(),
        end: Utc.with_ymd_and_hms(2026, 3, d + 1, 0, 0, 0).unwrap(),
    }
}

#[test]
fn an_entry_across_midnight_counts_its_part_in_each_day() {
    let e = Entry {
        end: Some(Utc.with_ymd_and_hms(2026, 3, 2, 0, 30, 0).unwrap()),
        ..entry(at(23, 30), None)
    };
    let now = Utc.with_ymd_and_hms(2026, 3, 5, 0, 0, 0).unwrap();
    assert!(overlaps_day(&e, day(1), now) && overlaps_day(&e, day(2), now));
    assert!(!overlaps_day(&e, day(3), now));
    assert_eq!(day_total([&e], day(1), now), Duration::minutes(30));
    assert_eq!(day_total([&e], day(2), now), Duration::minutes(30));
    assert_eq!(day_total([&e], day(3), now), Duration::zero());
}

#[test]
fn a_running_entry_from_yesterday_counts_today_up_to_now() {
    let e = entry(at(22, 0), None);
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 1, 15, 0).unwrap();
    assert_eq!(day_total([&e], day(1), now), Duration::hours(2));
    assert_eq!(day_total([&e], day(2), now), Duration::minutes(75));
}

#[test]
fn entries_ending_exactly_at_midnight_belong_to_the_day_before_only() {
    let e = entry(
        at(23, 0),
        Some(Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).unwrap()),
    );
    let now = at(23, 59) + Duration::days(3);
    assert!(overlaps_day(&e, day(1), now));
    assert!(!overlaps_day(&e, day(2), now));
    let zero = entry(day(2).start, Some(day(2).start));
    assert!(!overlaps_day(&zero, day(1), now) && overlaps_day(&zero, day(2), now));
}

#[test]
fn day_total_sums_several_entries() {
    let a = entry(at(9, 0), Some(at(10, 0)));
    let b = entry(at(11, 0), Some(at(11, 45)));
    let c = entry(at(14, 0), None);
    assert_eq!(
        day_total([&a, &b, &c], day(1), at(14, 10)),
        Duration::minutes(115)
    );
}

#[test]
fn elapsed_is_formatted_h_mm_ss() {
    assert_eq!(format_elapsed(Duration::seconds(0)), "0:00:00");
    assert_eq!(format_elapsed(Duration::seconds(3725)), "1:02:05");
    assert_eq!(format_elapsed(Duration::hours(27)), "27:00:00");
    assert_eq!(format_elapsed(Duration::seconds(-5)), "0:00:00");
}

#[test]
fn years_nobody_means_are_refused_by_manual_entries_and_edits() {
    let id = || EntryId("e".into());
    let ok = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
    for bad in [
        "-0001-01-01T00:00:00Z",
        "1900-01-01T00:00:00Z",
        "2500-01-01T00:00:00Z",
        "+10000-01-01T00:00:00Z",
    ] {
        let bad: chrono::DateTime<Utc> = bad.parse().unwrap();
        let (low, high) = (bad.min(ok), bad.max(ok));
        assert!(
            matches!(
                Entry::manual(id(), "x", low, high, &Work::default()),
                Err(EntryError::OutOfRange(_))
            ),
            "{bad}"
        );
        let entry = Entry::manual(
            id(),
            "x",
            ok,
            ok + chrono::Duration::hours(1),
            &Work::default(),
        )
        .unwrap();
        let patch = if bad < ok {
            EntryPatch {
                start: Some(bad),
                ..EntryPatch::default()
            }
        } else {
            EntryPatch {
                end: Some(bad),
                ..EntryPatch::default()
            }
        };
        assert!(
            matches!(entry.patched(&patch, ok), Err(EntryError::OutOfRange(_))),
            "{bad}"
        );
    }
}

fn work(project: Option<&str>, task: Option<&str>, tags: &[&str]) -> Work {
    Work {
        project_id: project.map(str::to_owned),
        task_id: task.map(str::to_owned),
        tag_ids: tags.iter().map(|t| (*t).to_owned()).collect(),
        billable: false,
    }
}

#[test]
fn work_is_normalised_and_a_task_needs_its_project() {
    let tidy = work(Some(" p1 "), Some(""), &["t1", " t1", "", "t2"])
        .normalized()
        .unwrap();
    assert_eq!(tidy, work(Some("p1"), None, &["t1", "t2"]));
    assert_eq!(
        work(None, Some("k1"), &[]).normalized(),
        Err(EntryError::TaskWithoutProject)
    );
    let many: Vec<String> = (0..=stint_core::MAX_TAGS).map(|i| i.to_string()).collect();
    let too_many = Work {
        tag_ids: many,
        ..Work::default()
    };
    assert_eq!(too_many.normalized(), Err(EntryError::TooManyTags));
    // A patch changes the work as a whole and keeps it otherwise.
    let e = Entry::manual(
        EntryId("m".into()),
        "x",
        at(9, 0),
        at(10, 0),
        &work(Some("p1"), None, &["t1"]),
    )
    .unwrap();
    let kept = e
        .patched(
            &EntryPatch {
                description: Some("y".into()),
                ..Default::default()
            },
            at(11, 0),
        )
        .unwrap();
    assert_eq!(kept.work, e.work);
    let patch = EntryPatch {
        work: Some(work(Some("p2"), Some("k2"), &[])),
        ..Default::default()
    };
    assert_eq!(
        e.patched(&patch, at(11, 0)).unwrap().work,
        work(Some("p2"), Some("k2"), &[])
    );
}

#[test]
fn the_workspace_requirements_name_what_is_missing() {
    let both = Requirements {
        project: true,
        task: true,
    };
    assert_eq!(
        both.check(&work(None, None, &[])),
        Err(EntryError::ProjectRequired)
    );
    assert_eq!(
        both.check(&work(Some("p"), None, &[])),
        Err(EntryError::TaskRequired)
    );
    assert_eq!(both.check(&work(Some("p"), Some("k"), &[])), Ok(()));
    assert_eq!(Requirements::default().check(&Work::default()), Ok(()));
    assert!(EntryError::ProjectRequired
        .to_string()
        .contains("requires a project"));
}
