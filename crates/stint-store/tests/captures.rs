//! Screenshots waiting on the device: queued with the entry they belong to, gone once
//! delivered, with their entry, or after the retention period.

use chrono::{DateTime, Duration, TimeZone, Utc};
use stint_core::{Entry, EntryId};
use stint_store::{LocalCaptureSet, LocalPicture, OutboxBatch, Store, CAPTURE_ENTITY};

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
    assert_eq!(
        (rows[1].entity.as_str(), rows[1].entity_id.as_str()),
        (CAPTURE_ENTITY, "e1")
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
    assert!(rows.iter().all(|r| r.entity == "entry"), "{rows:?}");
    assert_eq!(rows.last().unwrap().op, "delete");
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
        .filter(|r| r.entity == CAPTURE_ENTITY)
        .count();
    assert_eq!(uploads, 1);
}

#[test]
fn idle_periods_stay_in_the_private_file_and_merge_while_unanswered() {
    use stint_store::private::PrivateStore;
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("stint.db")).unwrap();
    let mut private = PrivateStore::open(&dir.path().join("private.db")).unwrap();
    store.save(&running("e1")).unwrap();
    let first = private.record_idle("e1", t(10), t(20)).unwrap();
    let merged = private.record_idle("e1", t(30), t(45)).unwrap();
    assert_eq!(
        (merged.id, merged.start, merged.end),
        (first.id, t(10), t(45))
    );
    private.answer_idle(merged.id, "discard", t(50)).unwrap();
    assert_eq!(private.pending_idle().unwrap(), None);
    let next = private.record_idle("e1", t(60), t(70)).unwrap();
    assert_ne!(next.id, first.id);
    // Nothing of it is queued for the server, and the shared file holds no idle table.
    assert!(store.outbox().unwrap().iter().all(|r| r.entity == "entry"));
    let shared = rusqlite::Connection::open(dir.path().join("stint.db")).unwrap();
    let idle_tables: i64 = shared
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name LIKE '%idle%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(idle_tables, 0);
    assert_eq!(private.forget_idle_before(t(1000)).unwrap(), 1);
}
