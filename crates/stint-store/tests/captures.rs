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
            })
            .collect(),
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
