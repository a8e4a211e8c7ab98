//! The store against real SQLite files.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rusqlite::Connection;
use stint_core::{Entry, EntryId};
use stint_store::{migrations, Store, StoreError, SCHEMA_VERSION};

fn t(mins: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 9, 0, 0).unwrap() + Duration::minutes(mins)
}

fn entry(id: &str, start: i64, end: Option<i64>) -> Entry {
    Entry {
        work: Default::default(),
        id: EntryId(id.into()),
        description: format!("work {id}"),
        start: t(start),
        end: end.map(t),
    }
}

#[test]
fn a_new_file_gets_the_latest_schema_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stint.db");
    let store = Store::open(&path).unwrap();
    assert!(store.running().unwrap().is_none());
    drop(store);
    let conn = Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!((version, mode.as_str()), (SCHEMA_VERSION, "wal"));
    migrations().validate().unwrap();
}

#[test]
fn a_version_1_database_keeps_its_entries_and_queues_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stint.db");
    {
        let mut conn = Connection::open(&path).unwrap();
        migrations().to_version(&mut conn, 1).unwrap();
        conn.execute(
            "INSERT INTO entries VALUES ('old', 'before outbox', '2026-05-04T08:00:00.000Z', '2026-05-04T08:30:00.000Z')",
            [],
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let old = store.get(&EntryId("old".into())).unwrap();
    assert_eq!(old.description, "before outbox");
    assert_eq!(old.duration(t(0)), Duration::minutes(30));
    let outbox = store.outbox().unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].entity_id, "old");
    match &outbox[0].change {
        stint_store::Change::UpsertEntry(e) => assert_eq!(e.description, "before outbox"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_damaged_file_is_reported_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stint.db");
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&path, &garbage).unwrap();
    let err = Store::open(&path)
        .err()
        .expect("a garbage file must not open");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("left untouched"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), garbage);
    assert!(!dir.path().join("stint.db-wal").exists());
}

#[test]
fn a_database_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stint.db");
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let err = Store::open(&path).err().unwrap();
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
}

#[test]
fn every_change_writes_its_outbox_row_in_the_same_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.db")).unwrap();
    store.save(&entry("a", 0, Some(10))).unwrap();
    store.save(&entry("a", 0, Some(20))).unwrap();
    store.delete(&EntryId("a".into())).unwrap();
    let ops: Vec<_> = store
        .outbox()
        .unwrap()
        .into_iter()
        .map(|r| match r.change {
            stint_store::Change::UpsertEntry(e) => {
                format!("upsert {:?}", e.end.map(|t| t.timestamp()))
            }
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(ops.len(), 3);
    assert!(
        ops[0].starts_with("upsert") && ops[1].starts_with("upsert"),
        "{ops:?}"
    );
    assert_eq!(ops[2], "DeleteEntry");
    let keys: std::collections::HashSet<_> = store
        .outbox()
        .unwrap()
        .into_iter()
        .map(|r| r.idempotency_key)
        .collect();
    assert_eq!(keys.len(), 3);
    assert!(matches!(
        store.delete(&EntryId("a".into())),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        store.outbox().unwrap().len(),
        3,
        "a failed delete queues nothing"
    );
}

#[test]
fn two_connections_cannot_both_have_a_running_entry() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let mut one = Store::open(&path).unwrap();
    let mut two = Store::open(&path).unwrap();
    one.save(&entry("a", 0, None)).unwrap();
    let err = two.save(&entry("b", 1, None)).unwrap_err();
    assert!(matches!(err, StoreError::AlreadyRunning), "{err}");
    assert_eq!(two.running().unwrap().unwrap().id, EntryId("a".into()));
    assert_eq!(
        one.outbox().unwrap().len(),
        1,
        "the refused start queued nothing"
    );
}

#[test]
fn update_running_sees_the_other_connection_s_timer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let mut one = Store::open(&path).unwrap();
    let mut two = Store::open(&path).unwrap();
    one.save(&entry("a", 0, None)).unwrap();
    let seen = two
        .update_running(|running| (None, running.map(|e| e.id.clone())))
        .unwrap();
    assert_eq!(seen, Some(EntryId("a".into())));
}

#[test]
fn entries_between_finds_overlaps_in_start_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.db")).unwrap();
    store.save(&entry("late", 120, Some(130))).unwrap();
    store.save(&entry("early", -60, Some(5))).unwrap();
    store.save(&entry("before", -60, Some(-30))).unwrap();
    store.save(&entry("run", 200, None)).unwrap();
    let ids: Vec<_> = store
        .entries_between(t(0), t(300))
        .unwrap()
        .into_iter()
        .map(|e| e.id.0)
        .collect();
    assert_eq!(ids, ["early", "late", "run"]);
}

#[test]
fn an_end_before_start_never_reaches_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.db")).unwrap();
    assert!(store.save(&entry("bad", 10, Some(5))).is_err());
    assert!(store.outbox().unwrap().is_empty());
}

#[test]
fn the_outbox_goes_in_order_waits_after_failures_and_parks_refusals() {
    use stint_store::OutboxBatch;
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.db")).unwrap();
    assert_eq!(store.outbox_ready(t(0), 1).unwrap(), OutboxBatch::Empty);
    store.save(&entry("a", 0, Some(10))).unwrap();
    store.save(&entry("b", 20, Some(30))).unwrap();
    store.save(&entry("c", 40, Some(50))).unwrap();

    let OutboxBatch::Ready(batch) = store.outbox_ready(t(0), 1).unwrap() else {
        panic!("a row is due")
    };
    let first = batch[0].clone();
    assert_eq!((first.entity_id.as_str(), first.attempts), ("a", 0));
    store
        .outbox_retry(first.seq, t(5), "connection refused")
        .unwrap();
    assert_eq!(
        store.outbox_ready(t(1), 3).unwrap(),
        OutboxBatch::WaitUntil(t(5)),
        "b may not overtake a"
    );
    let OutboxBatch::Ready(batch) = store.outbox_ready(t(5), 1).unwrap() else {
        panic!("due again")
    };
    let again = batch[0].clone();
    assert_eq!((again.seq, again.attempts), (first.seq, 1));

    store
        .outbox_park(again.seq, "422: the end is before the start")
        .unwrap();
    let OutboxBatch::Ready(batch) = store.outbox_ready(t(5), 1).unwrap() else {
        panic!("b flows past the parked row")
    };
    let next = batch[0].clone();
    assert_eq!(next.entity_id, "b");
    store.outbox_done(next.seq).unwrap();
    assert_eq!(store.outbox_counts().unwrap(), (1, 1));
    let parked = store.parked().unwrap();
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].entity_id, "a");
    assert!(parked[0].reason.contains("422"));
}

#[test]
fn a_batch_stops_at_the_first_repeated_entry_or_row_not_due() {
    use stint_store::OutboxBatch;
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("s.db")).unwrap();
    store.save(&entry("a", 0, None)).unwrap();
    store.save(&entry("b", 20, Some(30))).unwrap();
    store.save(&entry("a", 0, Some(10))).unwrap(); // a again: must wait for a's first row
    store.save(&entry("c", 40, Some(50))).unwrap();
    let ids = |b: OutboxBatch| match b {
        OutboxBatch::Ready(rows) => rows.into_iter().map(|r| r.entity_id).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(ids(store.outbox_ready(t(0), 10).unwrap()), ["a", "b"]);
    assert_eq!(ids(store.outbox_ready(t(0), 1).unwrap()), ["a"]);
    // b waits for a retry: the batch ends before it.
    let b = store.outbox().unwrap()[1].seq;
    store.outbox_retry(b, t(9), "503").unwrap();
    assert_eq!(ids(store.outbox_ready(t(0), 10).unwrap()), ["a"]);
}

#[test]
fn an_unreadable_queued_change_is_read_as_such_not_guessed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stint.db");
    drop(Store::open(&path).unwrap());
    let db = rusqlite::Connection::open(&path).unwrap();
    db.execute(
        "INSERT INTO outbox (entity, entity_id, op, payload, idempotency_key)
         VALUES ('entry', 'x', 'upsert', '{not json', 'k1'), ('gadget', 'y', 'upsert', '{}', 'k2')",
        [],
    )
    .unwrap();
    drop(db);
    let store = Store::open(&path).unwrap();
    let changes: Vec<_> = store
        .outbox()
        .unwrap()
        .into_iter()
        .map(|r| r.change)
        .collect();
    assert_eq!(changes.len(), 2);
    for change in changes {
        let stint_store::Change::Unreadable { reason } = change else {
            panic!("read as {change:?}")
        };
        assert!(reason.contains("unreadable"), "{reason}");
    }
}

/// The agent and a CLI opening a new data directory at the same moment: both come up on
/// the same, fully migrated database (the migration takes the write lock before it reads
/// the version), many times over.
#[test]
fn two_processes_opening_a_new_database_at_once_both_succeed() {
    for _ in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stint.db");
        let barrier = std::sync::Barrier::new(4);
        std::thread::scope(|s| {
            for _ in 0..4 {
                let (path, barrier) = (&path, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    let store = stint_store::Store::open(path).expect("opened alongside others");
                    assert!(store.running().unwrap().is_none());
                });
            }
        });
    }
}
