//! The outbox against the real server binary on loopback: offline, lost answers, injected
//! faults, a poison row. Time for retries is moved by hand, so no test sleeps.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::Value;
use stint_core::{Entry, EntryId};
use stint_store::Store;
use stint_sync::{drain_batch, drain_step, Credentials, Remote, Step};
use stint_testkit::{block, Fault, FaultProxy, TestServer};

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 6, 8, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn entry(n: usize, end: Option<i64>) -> Entry {
    Entry {
        work: Default::default(),
        id: EntryId(format!("00000000-0000-4000-8000-{n:012}")),
        description: format!("task {n}"),
        start: at(n as i64 * 10),
        end: end.map(|e| at(n as i64 * 10 + e)),
    }
}

/// Drains until the outbox is empty, `width` rows at a time, jumping the clock to each
/// retry; returns the steps.
fn drain(store: &mut Store, remote: &Remote, limit: usize) -> Vec<Step> {
    drain_wide(store, remote, limit, 1)
}

fn drain_wide(store: &mut Store, remote: &Remote, limit: usize, width: usize) -> Vec<Step> {
    let mut now = Utc::now();
    let mut steps = Vec::new();
    for _ in 0..limit {
        for step in block(drain_batch(store, remote, now, 0.5, width)).unwrap() {
            match &step {
                Step::Idle => return steps,
                Step::WaitUntil(t) => now = *t,
                _ => {}
            }
            steps.push(step);
        }
    }
    panic!(
        "the outbox did not empty in {limit} steps: {:?}",
        &steps[steps.len() - 5..]
    );
}

/// The user's entries on the server, by id: (description, end).
fn on_server(server: &TestServer, key: &str, remote: &Remote) -> BTreeMap<String, (String, Value)> {
    let url = format!(
        "{}/api/v1/workspaces/{}/user/{}/time-entries?page-size=5000",
        server.url, remote.account.workspace_id, remote.account.user_id
    );
    let mut response = ureq::get(&url).header("X-Api-Key", key).call().unwrap();
    let list: Vec<Value> = response.body_mut().read_json().unwrap();
    let mut by_id = BTreeMap::new();
    for e in list {
        let id = e["id"].as_str().unwrap().to_owned();
        let previous = by_id.insert(
            id.clone(),
            (
                e["description"].as_str().unwrap().to_owned(),
                e["timeInterval"]["end"].clone(),
            ),
        );
        assert!(previous.is_none(), "entry {id} is on the server twice");
    }
    by_id
}

fn setup() -> (TestServer, String, Remote, tempfile::TempDir, Store) {
    let server = TestServer::start().unwrap();
    let key = server.add_user("Acme", "dee@acme.test", "regular").unwrap();
    let remote = block(Remote::sign_in(&Credentials {
        server: server.url.clone(),
        api_key: key.clone(),
    }))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("stint.db")).unwrap();
    (server, key, remote, dir, store)
}

#[test]
fn sign_in_checks_the_key() {
    let (server, _key, remote, _dir, _store) = setup();
    assert_eq!(remote.account.email, "dee@acme.test");
    let wrong = block(Remote::sign_in(&Credentials {
        server: server.url.clone(),
        api_key: "stint_0123456789abcdef_nope".into(),
    }));
    assert!(matches!(wrong, Err(stint_sync::SyncError::BadKey)));
    let nowhere = block(Remote::sign_in(&Credentials {
        server: "http://127.0.0.1:9".into(),
        api_key: "k".into(),
    }));
    assert!(matches!(
        nowhere,
        Err(stint_sync::SyncError::Offline { .. })
    ));
    assert!(!format!(
        "{:?}",
        Credentials {
            server: "s".into(),
            api_key: "secret-key".into()
        }
    )
    .contains("secret-key"));
}

#[test]
fn entries_made_offline_all_arrive_once_the_server_is_back() {
    let (mut server, key, remote, _dir, mut store) = setup();
    let address = server.address().to_owned();
    server.stop();
    for n in 0..20 {
        store.save(&entry(n, Some(5))).unwrap();
    }
    store.save(&entry(3, Some(8))).unwrap(); // an edit
    store.delete(&EntryId(entry(4, None).id.0)).unwrap();

    let now = Utc::now();
    let step = block(drain_step(&mut store, &remote, now, 0.5)).unwrap();
    assert!(
        matches!(step, Step::Failed(ref r) if r.contains("offline")),
        "{step:?}"
    );
    assert!(matches!(
        block(drain_step(&mut store, &remote, now, 0.5)).unwrap(),
        Step::WaitUntil(_)
    ));

    server.restart_on(&address).unwrap();
    drain(&mut store, &remote, 200);
    let entries = on_server(&server, &key, &remote);
    assert_eq!(entries.len(), 19, "20 made, 1 deleted");
    assert_eq!(
        entries[&entry(3, None).id.0].1,
        Value::String("2026-04-06T08:38:00Z".into()),
        "the edit arrived"
    );
    assert!(!entries.contains_key(&entry(4, None).id.0));
    assert_eq!(store.outbox_counts().unwrap(), (0, 0));
}

/// About 30 % of requests fail: a tenth each lose their answer, get a 503, or are reset.
fn every_tenth() -> Vec<Fault> {
    use Fault::*;
    vec![
        Pass,
        Pass,
        Pass,
        Pass,
        Pass,
        Pass,
        Pass,
        DropAnswer,
        ServerError,
        Reset,
    ]
}

#[test]
fn lost_answers_errors_and_resets_never_double_an_entry() {
    faults_never_double_an_entry(1, every_tenth());
}

#[test]
fn lost_answers_never_double_an_entry_when_sending_four_at_once() {
    faults_never_double_an_entry(4, every_tenth());
}

#[test]
fn lost_answers_never_double_an_entry_when_sending_batches() {
    // A batch carries many rows: every other one fails, each way in turn.
    use Fault::*;
    let plan = vec![DropAnswer, Pass, ServerError, Pass, Reset, Pass];
    faults_never_double_an_entry(200, plan);
}

fn faults_never_double_an_entry(width: usize, plan: Vec<Fault>) {
    let (server, key, remote, _dir, mut store) = setup();
    let proxy = FaultProxy::start(server.address(), plan).unwrap();
    let via_proxy = Remote::resume(
        &Credentials {
            server: proxy.url.clone(),
            api_key: key.clone(),
        },
        remote.account.clone(),
    );

    // A running timer, then stopped; plain entries; edits; deletions.
    store.save(&entry(0, None)).unwrap();
    store.save(&entry(0, Some(7))).unwrap();
    for n in 1..30 {
        store.save(&entry(n, Some(5))).unwrap();
    }
    for n in (1..30).step_by(4) {
        store
            .save(&Entry {
                description: format!("task {n} (edited)"),
                ..entry(n, Some(6))
            })
            .unwrap();
    }
    for n in (2..30).step_by(7) {
        store.delete(&entry(n, None).id).unwrap();
    }
    let steps = drain_wide(&mut store, &via_proxy, 1000, width);
    let failures = steps
        .iter()
        .filter(|s| matches!(s, Step::Failed(_)))
        .count();
    assert!(
        failures >= 3,
        "the proxy injected faults ({failures} failed tries)"
    );
    assert!(
        !steps.iter().any(|s| matches!(s, Step::Parked(_))),
        "nothing refused: {steps:?}"
    );

    let entries = on_server(&server, &key, &remote);
    let deleted: Vec<usize> = (2..30).step_by(7).collect();
    assert_eq!(entries.len(), 30 - deleted.len());
    for n in 0..30 {
        let id = entry(n, None).id.0;
        if deleted.contains(&n) {
            assert!(!entries.contains_key(&id), "{n} was deleted");
            continue;
        }
        let (description, end) = &entries[&id];
        let edited = n % 4 == 1;
        let expected_end = at(n as i64 * 10
            + if n == 0 {
                7
            } else if edited {
                6
            } else {
                5
            });
        assert_eq!(
            end.as_str().unwrap().parse::<DateTime<Utc>>().unwrap(),
            expected_end,
            "entry {n}"
        );
        assert_eq!(
            description.ends_with("(edited)"),
            edited,
            "entry {n}: {description}"
        );
    }
    // Every failed try went through the proxy, and the successful ones too.
    assert!(proxy.requests.load(std::sync::atomic::Ordering::Relaxed) > 3);
}

#[test]
fn a_poison_row_is_parked_and_the_rest_flows() {
    let (server, key, remote, _dir, mut store) = setup();
    store.save(&entry(0, Some(5))).unwrap();
    // The server refuses descriptions over 3,000 characters.
    store
        .save(&Entry {
            description: "x".repeat(5000),
            ..entry(1, Some(5))
        })
        .unwrap();
    store.save(&entry(2, Some(5))).unwrap();
    let steps = drain(&mut store, &remote, 20);
    assert_eq!(
        steps
            .iter()
            .filter(|s| matches!(s, Step::Parked(_)))
            .count(),
        1,
        "{steps:?}"
    );
    assert_eq!(on_server(&server, &key, &remote).len(), 2);
    assert_eq!(store.outbox_counts().unwrap(), (0, 1));
    let parked = store.parked().unwrap();
    assert!(parked[0].reason.starts_with("400"), "{}", parked[0].reason);
    assert!(
        parked[0].reason.contains("description"),
        "{}",
        parked[0].reason
    );
}

#[test]
fn a_reset_key_keeps_changes_queued_instead_of_refused() {
    let (server, _key, remote, _dir, mut store) = setup();
    server.reset_key("Acme", "dee@acme.test").unwrap();
    store.save(&entry(0, Some(5))).unwrap();
    let steps = block(drain_batch(&mut store, &remote, Utc::now(), 0.5, 1)).unwrap();
    assert!(
        matches!(&steps[..], [Step::Failed(reason)] if reason.contains("API key")),
        "{steps:?}"
    );
    // Still waiting, not parked: signing in with the new key sends it.
    assert_eq!(store.outbox_counts().unwrap(), (1, 0));
}
