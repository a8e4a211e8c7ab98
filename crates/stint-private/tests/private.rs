//! The private store: idle periods merge while unanswered, and nothing of it reaches the
//! shared file or its outbox.

use chrono::{DateTime, TimeZone, Utc};
use stint_core::{Entry, EntryId};
use stint_private::PrivateStore;
use stint_store::Store;

fn t(mins: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap() + chrono::Duration::minutes(mins)
}

fn running(id: &str) -> Entry {
    Entry {
        work: Default::default(),
        id: EntryId(id.into()),
        description: "work".into(),
        start: t(0),
        end: None,
    }
}

#[test]
fn idle_periods_stay_in_the_private_file_and_merge_while_unanswered() {
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
    assert!(store
        .outbox()
        .unwrap()
        .iter()
        .all(|r| matches!(r.change, stint_store::Change::UpsertEntry(_))));
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
