//! Issue 14 in the store: the server's change feed applied without queueing it back, an
//! entry with a change waiting left to the merge, and what a delivery's answer does.

use chrono::{DateTime, Duration, TimeZone, Utc};
use stint_core::merge::Reason;
use stint_core::{Entry, EntryId};
use stint_store::{Change, FeedBatch, RemoteEntry, Store};

fn t(mins: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 9, 0, 0).unwrap() + Duration::minutes(mins)
}

fn entry(id: &str, description: &str, start: i64, end: Option<i64>) -> Entry {
    Entry {
        work: Default::default(),
        id: EntryId(id.into()),
        description: description.into(),
        start: t(start),
        end: end.map(t),
    }
}

fn remote(entry: Entry, version: i64, locked: bool) -> RemoteEntry {
    RemoteEntry {
        entry,
        version,
        locked,
    }
}

fn feed(entries: Vec<RemoteEntry>, deleted: &[&str], snapshot: bool, cursor: i64) -> FeedBatch {
    FeedBatch {
        entries,
        deleted: deleted.iter().map(|d| d.to_string()).collect(),
        snapshot,
        cursor,
    }
}

fn open() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.db")).unwrap();
    (dir, store)
}

fn get(store: &Store, id: &str) -> Option<Entry> {
    store.get(&EntryId(id.into())).ok()
}

#[test]
fn the_feed_is_applied_without_queueing_it_back() {
    let (_dir, mut store) = open();
    assert_eq!(store.sync_cursor("acct").unwrap(), None);
    // A timer started elsewhere stopped the one that ran here: both in one answer, the
    // running one listed first.
    store.save(&entry("here", "mine", 0, None)).unwrap();
    let seq = store.outbox().unwrap()[0].seq;
    store
        .delivered(seq, Some(&remote(entry("here", "mine", 0, None), 1, false)))
        .unwrap();
    let batch = feed(
        vec![
            remote(entry("there", "theirs", 10, None), 1, false),
            remote(entry("here", "mine", 0, Some(10)), 2, false),
        ],
        &[],
        false,
        7,
    );
    let applied = store.apply_feed("acct", &batch).unwrap();
    assert_eq!(applied.changed, 2);
    assert_eq!(
        store.running().unwrap().unwrap().id,
        EntryId("there".into())
    );
    assert!(store.outbox().unwrap().is_empty());
    assert_eq!(store.sync_cursor("acct").unwrap(), Some(7));
    assert_eq!(store.remote_entry("here").unwrap().unwrap().version, 2);

    // A lock arrives and is kept here; a deletion deletes.
    let batch = feed(
        vec![remote(entry("here", "mine", 0, Some(10)), 3, true)],
        &["there"],
        false,
        9,
    );
    store.apply_feed("acct", &batch).unwrap();
    assert!(store.is_locked(&EntryId("here".into())).unwrap());
    assert!(get(&store, "there").is_none());
    assert!(store.outbox().unwrap().is_empty());
}

#[test]
fn an_entry_with_a_change_waiting_is_left_to_the_merge() {
    let (_dir, mut store) = open();
    store.save(&entry("a", "one", 0, Some(30))).unwrap();
    let batch = feed(
        vec![remote(entry("a", "server", 0, Some(3)), 2, false)],
        &["a"],
        false,
        4,
    );
    let applied = store.apply_feed("acct", &batch).unwrap();
    assert_eq!((applied.changed, applied.waiting), (0, 2));
    assert_eq!(get(&store, "a").unwrap().description, "one");
}

#[test]
fn a_snapshot_deletes_only_what_the_server_had_and_another_account_starts_afresh() {
    let (_dir, mut store) = open();
    let batch = feed(
        vec![
            remote(entry("kept", "k", 0, Some(5)), 1, false),
            remote(entry("dropped", "d", 10, Some(15)), 1, false),
        ],
        &[],
        true,
        3,
    );
    store.apply_feed("acct", &batch).unwrap();
    // Made here, never sent: not the server's to delete.
    store.save(&entry("local", "l", 20, Some(25))).unwrap();
    let batch = feed(
        vec![remote(entry("kept", "k", 0, Some(5)), 1, false)],
        &[],
        true,
        5,
    );
    store.apply_feed("acct", &batch).unwrap();
    assert!(get(&store, "kept").is_some());
    assert!(get(&store, "dropped").is_none());
    assert!(get(&store, "local").is_some());
    // Another account: its cursor starts from nothing and the old bases are forgotten.
    assert_eq!(store.sync_cursor("other").unwrap(), None);
    store
        .apply_feed("other", &feed(vec![], &[], true, 1))
        .unwrap();
    assert!(store.remote_entry("kept").unwrap().is_none());
    assert!(
        get(&store, "kept").is_some(),
        "an entry here is not deleted by another account"
    );
    assert_eq!(store.sync_cursor("acct").unwrap(), None);
}

#[test]
fn a_moved_entry_is_merged_into_every_waiting_change() {
    let (_dir, mut store) = open();
    // On the server at version 1 as [0, 30] "work".
    let base = remote(entry("a", "work", 0, Some(30)), 1, false);
    store
        .apply_feed("acct", &feed(vec![base], &[], true, 1))
        .unwrap();
    // Two edits here, offline: the description, then the start.
    store.save(&entry("a", "report", 0, Some(30))).unwrap();
    store.save(&entry("a", "report", 1, Some(30))).unwrap();
    let first = store.outbox().unwrap()[0].seq;
    // Meanwhile a screenshot deletion cut it to [0, 3] on the server.
    let cut = remote(entry("a", "work", 0, Some(3)), 2, false);
    let outcome = store.moved(first, &cut).unwrap();
    assert!(outcome.conflicts.is_empty());
    assert_eq!(outcome.entry, Some(entry("a", "report", 1, Some(3))));
    let rows = store.outbox().unwrap();
    let bodies: Vec<(String, DateTime<Utc>, Option<DateTime<Utc>>)> = rows
        .iter()
        .map(|r| match &r.change {
            Change::UpsertEntry(b) => (b.description.clone(), b.start, b.end),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        bodies,
        vec![
            ("report".into(), t(0), Some(t(3))),
            ("report".into(), t(1), Some(t(3)))
        ]
    );
    assert_eq!(store.remote_entry("a").unwrap().unwrap().version, 2);

    // Locked on the server meanwhile: the server's copy wins whole, nothing is left to send
    // from this row, and the user is told.
    let locked = remote(entry("a", "work", 0, Some(3)), 3, true);
    let outcome = store.moved(rows[0].seq, &locked).unwrap();
    assert_eq!(outcome.entry, Some(entry("a", "work", 0, Some(3))));
    assert!(outcome.conflicts.iter().all(|c| c.reason == Reason::Locked));
    assert!(!outcome.conflicts.is_empty());
    assert!(store.is_locked(&EntryId("a".into())).unwrap());
}

#[test]
fn a_change_to_an_entry_deleted_on_the_server_is_dropped() {
    let (_dir, mut store) = open();
    let base = remote(entry("a", "work", 0, Some(30)), 1, false);
    store
        .apply_feed("acct", &feed(vec![base], &[], true, 1))
        .unwrap();
    store.save(&entry("a", "edited", 0, Some(30))).unwrap();
    let seq = store.outbox().unwrap()[0].seq;
    let was = store.gone_on_server(seq).unwrap();
    assert_eq!(was.unwrap().description, "edited");
    assert!(get(&store, "a").is_none());
    assert!(store.outbox().unwrap().is_empty());
    assert!(store.remote_entry("a").unwrap().is_none());
}
