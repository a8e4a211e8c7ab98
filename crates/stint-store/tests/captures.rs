//! Screenshots waiting on the device: queued with the entry they belong to, gone once
//! delivered, with their entry, or after the retention period.

use chrono::{DateTime, Duration, TimeZone, Utc};
use stint_core::{Entry, EntryId};
use stint_store::{Change, LocalCaptureSet, LocalPicture, OutboxBatch, Store};

fn t(mins: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 9, 0, 0).unwrap() + Duration::minutes(mins)
}

fn set(id: &str, entry: &str, at: i64) -> LocalCaptureSet {
    LocalCaptureSet {
        id: id.into(),
        entry_id: EntryId(entry.into()),
        captured: t(at),
        pictures: (0..2)
            .map(|i| LocalPicture {
                id: format!("{id}-{i}"),
                monitor_name: format!("M{i}"),
                monitor_x: 100 * i,
                monitor_y: 0,
                monitor_width: 100,
                monitor_height: 80,
                width: 50,
                height: 40,
                sha256: "ab".repeat(32),
                jpeg: vec![0xFF, 0xD8, 0xFF, i as u8],
                private: i == 1,
            })
            .collect(),
        hold_until: None,
    }
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("stint.db")).unwrap();
    (dir, store)
}

fn running(id: &str) -> Entry {
    Entry {
        work: Default::default(),
        id: EntryId(id.into()),
        description: String::new(),
        start: t(0),
        end: None,
    }
}

#[test]
fn a_set_is_queued_behind_its_entry_and_forgotten_once_delivered() {
    let (_dir, mut store) = open();
    store.save(&running("e1")).unwrap();
    store.save_capture_set(&set("s1", "e1", 3)).unwrap();
    assert_eq!(
        store.capture_set("s1").unwrap().unwrap(),
        set("s1", "e1", 3)
    );
    let rows = store.outbox().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].entity_id, "e1");
    assert_eq!(
        rows[1].change,
        Change::UploadCapture {
            set_id: "s1".into()
        }
    );
    // The upload waits for the entry's own change: never in the same batch.
    match store.outbox_ready(t(10), 4).unwrap() {
        OutboxBatch::Ready(batch) => assert_eq!(batch.len(), 1),
        other => panic!("{other:?}"),
    }
    store.outbox_done(rows[0].seq).unwrap();
    assert!(
        store.capture_set("s1").unwrap().is_some(),
        "the entry's row is not the set's"
    );
    store.outbox_done(rows[1].seq).unwrap();
    assert_eq!(store.capture_set("s1").unwrap(), None);
    assert!(store.capture_set_ids().unwrap().is_empty());
}

#[test]
fn deleting_the_entry_deletes_its_unsent_screenshots() {
    let (_dir, mut store) = open();
    store.save(&running("e1")).unwrap();
    store.save_capture_set(&set("s1", "e1", 3)).unwrap();
    store.save_capture_set(&set("s2", "e1", 8)).unwrap();
    store.delete(&EntryId("e1".into())).unwrap();
    assert!(store.capture_set_ids().unwrap().is_empty());
    let rows = store.outbox().unwrap();
    assert!(
        rows.iter()
            .all(|r| !matches!(r.change, Change::UploadCapture { .. })),
        "{rows:?}"
    );
    assert_eq!(rows.last().unwrap().change, Change::DeleteEntry);
}

#[test]
fn sets_older_than_the_cutoff_are_deleted_unsent() {
    let (_dir, mut store) = open();
    store.save(&running("e1")).unwrap();
    store.save_capture_set(&set("old", "e1", 3)).unwrap();
    store.save_capture_set(&set("new", "e1", 30)).unwrap();
    assert_eq!(store.expire_capture_sets(t(10)).unwrap(), 1);
    assert_eq!(store.capture_set_ids().unwrap(), vec!["new".to_owned()]);
    let uploads = store
        .outbox()
        .unwrap()
        .into_iter()
        .filter(|r| matches!(r.change, Change::UploadCapture { .. }))
        .count();
    assert_eq!(uploads, 1);
}

fn uploads(store: &Store) -> Vec<(String, String)> {
    store
        .outbox()
        .unwrap()
        .into_iter()
        .filter_map(|r| match r.change {
            Change::UploadCapture { set_id } => Some((set_id, r.entity_id)),
            _ => None,
        })
        .collect()
}

/// Review before upload: a held set has no upload queued until its window ends, also
/// across a reopen; a discard takes its pictures, cuts the entry, moves the later sets of
/// a split to the later part and queues a report without pixels, in one transaction.
#[test]
fn a_held_set_waits_for_its_window_and_a_discard_cuts_and_reports() {
    let (dir, mut store) = open();
    store.save(&running("e1")).unwrap();
    let held = |id: &str, at: i64| LocalCaptureSet {
        hold_until: Some(t(at + 10)),
        ..set(id, "e1", at)
    };
    store.save_capture_set(&set("s1", "e1", 3)).unwrap();
    store.save_capture_set(&held("s2", 7)).unwrap();
    store.save_capture_set(&held("s3", 12)).unwrap();
    assert_eq!(uploads(&store), [("s1".into(), "e1".into())]);
    assert_eq!(store.next_release().unwrap(), Some(t(17)));
    assert_eq!(store.held_sets().unwrap().len(), 2);
    assert!(store.held_sets().unwrap()[0].pictures[1].private);
    assert_eq!(store.release_held(t(16)).unwrap(), 0);
    drop(store);
    let mut store = Store::open(&dir.path().join("stint.db")).unwrap();
    assert_eq!(
        store.capture_moments(&EntryId("e1".into())).unwrap(),
        [t(3), t(7), t(12)]
    );

    // Discard s2 of the running entry: [3, 7] goes, s3 moves to the later part.
    let entry = store.get(&EntryId("e1".into())).unwrap();
    let moments = store.capture_moments(&entry.id).unwrap();
    let cut = stint_core::review::discard(&entry, &moments, t(7), EntryId("e2".into()));
    let report = stint_api::DiscardedCapture {
        id: "s2".into(),
        time_entry_id: "e1".into(),
        captured_at: t(7),
        removed_seconds: cut.removed.num_seconds(),
        monitors: 2,
    };
    store
        .discard_held(
            "s2",
            &stint_store::DiscardWrite {
                entry_id: &entry.id,
                writes: &cut.writes,
                delete: cut.delete,
                split_off: cut.split_off.as_ref(),
                report: &report,
            },
        )
        .unwrap();
    assert!(store.capture_set("s2").unwrap().is_none());
    assert_eq!(store.get(&EntryId("e1".into())).unwrap().end, Some(t(3)));
    let later = store.get(&EntryId("e2".into())).unwrap();
    assert_eq!((later.start, later.end), (t(7), None));
    assert_eq!(store.capture_set("s3").unwrap().unwrap().entry_id.0, "e2");
    let reports: Vec<_> = store
        .outbox()
        .unwrap()
        .into_iter()
        .filter_map(|r| match r.change {
            Change::ReportDiscard(d) => Some((r.entity_id, d)),
            _ => None,
        })
        .collect();
    assert_eq!(reports, [("e1".to_owned(), report.clone())]);
    assert_eq!(report.removed_seconds, 240);
    // Once discarded it cannot be discarded or released again.
    assert!(matches!(
        store.discard_held(
            "s2",
            &stint_store::DiscardWrite {
                entry_id: &entry.id,
                writes: &[],
                delete: false,
                split_off: None,
                report: &reports[0].1,
            }
        ),
        Err(stint_store::StoreError::NotHeld)
    ));
    assert_eq!(store.release_held(t(22)).unwrap(), 1);
    assert_eq!(
        uploads(&store),
        [("s1".into(), "e1".into()), ("s3".into(), "e2".into())]
    );
    assert_eq!(store.next_release().unwrap(), None);

    // The wipe leaves nothing.
    store.save_policy(Some("{}")).unwrap();
    store.wipe().unwrap();
    assert!(store.outbox().unwrap().is_empty());
    assert!(store.all_entries().unwrap().is_empty());
    assert!(store.capture_set_ids().unwrap().is_empty());
    assert_eq!(store.policy().unwrap(), None);
}
