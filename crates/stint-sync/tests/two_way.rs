//! Issue 14 against the real server: edits made on the device and on the web to the same
//! entries while the device is offline, then synced through a proxy that loses answers,
//! resets connections and answers 503. Both sides end with exactly the merge rule's
//! result, nothing doubled: the device's fields where only it changed them, the web's where
//! only the web did, the server's on a true conflict, a locked entry untouched, a deleted
//! one gone, a new one present.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};
use stint_core::{Entry, EntryId};
use stint_store::Store;
use stint_sync::{drain_batch, pull_changes, Credentials, Remote, Step};
use stint_testkit::{block, Fault, FaultProxy, TestServer};

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 6, 8, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn entry(name: &str, n: i64, description: &str, end: i64) -> Entry {
    Entry {
        work: Default::default(),
        id: EntryId(format!("00000000-0000-4000-8000-00000000000{name}")),
        description: description.into(),
        start: at(n * 100),
        end: Some(at(n * 100 + end)),
    }
}

struct Web {
    base: String,
    workspace: String,
    user: String,
}

impl Web {
    fn call(&self, key: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}/api/v1/workspaces/{}{path}", self.base, self.workspace);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut response = match (method, body) {
            ("GET", _) => agent.get(&url).header("X-Api-Key", key).call(),
            ("DELETE", _) => agent.delete(&url).header("X-Api-Key", key).call(),
            ("POST", Some(b)) => agent.post(&url).header("X-Api-Key", key).send_json(b),
            (_, Some(b)) => agent.put(&url).header("X-Api-Key", key).send_json(b),
            _ => unreachable!(),
        }
        .unwrap();
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn edit(&self, key: &str, e: &Entry) {
        let body = json!({"start": e.start, "end": e.end, "description": e.description});
        let (status, answer) =
            self.call(key, "PUT", &format!("/time-entries/{}", e.id), Some(body));
        assert_eq!(status, 200, "{answer}");
    }

    /// The user's entries on the server: (content, locked), by id; none twice.
    fn entries(&self, key: &str) -> Vec<(Entry, bool)> {
        let path = format!("/user/{}/time-entries?page-size=5000", self.user);
        let (_, list) = self.call(key, "GET", &path, None);
        let mut out: Vec<(Entry, bool)> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let entry = serde_json::from_value::<stint_api::TimeEntry>(e.clone()).unwrap();
                let locked = entry.is_locked;
                (stint_sync::remote_of(entry).entry, locked)
            })
            .collect();
        out.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        let mut ids: Vec<&EntryId> = out.iter().map(|(e, _)| &e.id).collect();
        ids.dedup();
        assert_eq!(ids.len(), out.len(), "an entry is on the server twice");
        out
    }
}

/// The same account as `remote`, reached through `proxy`.
fn through(proxy: &FaultProxy, key: &str, remote: &Remote) -> Remote {
    let credentials = Credentials {
        server: proxy.url.clone(),
        api_key: key.to_owned(),
    };
    Remote::resume(&credentials, remote.account.clone())
}

/// The device's entries: (content, locked), by id.
fn here(store: &Store) -> Vec<(Entry, bool)> {
    let mut out: Vec<(Entry, bool)> = store
        .entries_between(at(-10_000), at(10_000))
        .unwrap()
        .into_iter()
        .map(|e| {
            let locked = store.is_locked(&e.id).unwrap();
            (e, locked)
        })
        .collect();
    out.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    out
}

/// Delivers and reads the feed until both are done, through whatever `remote` goes;
/// failed tries are repeated at once (the clock jumps to each retry). Returns the steps.
fn sync(store: &mut Store, remote: &Remote) -> Vec<Step> {
    let mut now = Utc::now();
    let mut steps = Vec::new();
    for _ in 0..500 {
        let batch = block(drain_batch(store, remote, now, 0.5, 4)).unwrap();
        let idle = batch == [Step::Idle];
        for step in batch {
            if let Step::WaitUntil(t) = step {
                now = t;
            }
            steps.push(step);
        }
        if idle {
            match block(pull_changes(store, remote)) {
                Ok(_) if store.outbox().unwrap().is_empty() => return steps,
                Ok(_) => {}
                Err(e) => steps.push(Step::Failed(e)),
            }
        }
    }
    panic!("sync did not settle: {:?}", &steps[steps.len() - 5..]);
}

#[test]
fn edits_on_both_sides_converge_to_the_rule_through_faults() {
    let server = TestServer::start().unwrap();
    let key = server.add_user("Acme", "dee@acme.test", "regular").unwrap();
    let admin = server.add_user("Acme", "ana@acme.test", "admin").unwrap();
    let remote = block(Remote::sign_in(&Credentials {
        server: server.url.clone(),
        api_key: key.clone(),
    }))
    .unwrap();
    let web = Web {
        base: server.url.clone(),
        workspace: remote.account.workspace_id.clone(),
        user: remote.account.user_id.clone(),
    };
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("stint.db")).unwrap();

    // Five entries made on the device reach the server.
    let a = entry("a", 1, "a", 30);
    let b = entry("b", 2, "b", 30);
    let c = entry("c", 3, "c", 30);
    let d = entry("d", 4, "d", 30);
    let e = entry("e", 5, "e", 30);
    for x in [&a, &b, &c, &d, &e] {
        store.save(x).unwrap();
    }
    sync(&mut store, &remote);
    assert_eq!(here(&store), web.entries(&key));

    // Offline, the device changes every one of them...
    for x in [
        entry("a", 1, "a on the device", 30),
        entry("b", 2, "b on the device", 30),
        entry("c", 3, "c on the device", 30),
        entry("d", 4, "d on the device", 30),
        entry("e", 5, "e on the device", 45),
    ] {
        store.save(&x).unwrap();
    }
    // ...while on the web: a's end, b's description, c cut short, d deleted, e locked, and
    // a new entry f.
    web.edit(&key, &entry("a", 1, "a", 20));
    web.edit(&key, &entry("b", 2, "b on the web", 30));
    web.edit(&key, &entry("c", 3, "c", 3));
    assert_eq!(
        web.call(&key, "DELETE", &format!("/time-entries/{}", d.id), None)
            .0,
        204
    );
    let (status, _) = web.call(
        &admin,
        "PUT",
        &format!("/time-entries/{}/lock", e.id),
        Some(json!({"locked": true})),
    );
    assert_eq!(status, 200);
    let (status, f) = web.call(
        &key,
        "POST",
        "/time-entries",
        Some(json!({"start": at(600), "end": at(610), "description": "f on the web"})),
    );
    assert_eq!(status, 201, "{f}");
    let f_id = EntryId(f["id"].as_str().unwrap().to_owned());
    // And the device made twelve new entries while offline.
    let new_here: Vec<Entry> = (0..12)
        .map(|n| Entry {
            work: Default::default(),
            id: EntryId(format!("00000000-0000-4000-8000-0000000001{n:02}")),
            description: format!("new {n}"),
            start: at(1000 + n * 10),
            end: Some(at(1005 + n * 10)),
        })
        .collect();
    for e in &new_here {
        store.save(e).unwrap();
    }

    // Back online, through a proxy where three requests in five fail.
    use Fault::*;
    let plan = vec![ServerError, Pass, Reset, DropAnswer, Pass];
    let proxy = FaultProxy::start(server.address(), plan).unwrap();
    let via_proxy = through(&proxy, &key, &remote);
    let steps = sync(&mut store, &via_proxy);
    assert!(
        steps.iter().any(|s| matches!(s, Step::Failed(_))),
        "the proxy injected faults: {} requests ({:?}), {steps:?}",
        proxy.requests.load(std::sync::atomic::Ordering::Relaxed),
        proxy
            .recorded()
            .iter()
            .map(|r| r.lines().next().unwrap_or("").to_owned())
            .collect::<Vec<_>>()
    );

    let mut expected = vec![
        (entry("a", 1, "a on the device", 20), false),
        (entry("b", 2, "b on the web", 30), false),
        (entry("c", 3, "c on the device", 3), false),
        (entry("e", 5, "e", 30), true),
        (
            Entry {
                work: Default::default(),
                id: f_id,
                description: "f on the web".into(),
                start: at(600),
                end: Some(at(610)),
            },
            false,
        ),
    ];
    expected.extend(new_here.into_iter().map(|e| (e, false)));
    expected.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    assert_eq!(web.entries(&key), expected, "the server");
    assert_eq!(here(&store), expected, "the device");
    // The user is told what of theirs was not kept: b's description and e's edits.
    let merged: Vec<_> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Merged(m) if !m.conflicts.is_empty() => Some(m.entry.clone().unwrap().id),
            _ => None,
        })
        .collect();
    assert!(
        merged.contains(&b.id) && merged.contains(&e.id),
        "{steps:?}"
    );
    assert!(
        steps
            .iter()
            .any(|s| matches!(s, Step::Gone(Some(x)) if x.id == d.id)),
        "{steps:?}"
    );
    assert!(store.outbox().unwrap().is_empty());

    // Then the feed alone through faults: changes on the web reach the device exactly once
    // the reads get through, whatever was lost or refused before.
    let plan = vec![Pass, ServerError, Reset, DropAnswer];
    let feed_proxy = FaultProxy::start(server.address(), plan).unwrap();
    let via_feed_proxy = through(&feed_proxy, &key, &remote);
    web.edit(&key, &entry("a", 1, "a renamed on the web", 20));
    let f = &expected
        .iter()
        .find(|(e, _)| e.description == "f on the web")
        .unwrap()
        .0;
    assert_eq!(
        web.call(&key, "DELETE", &format!("/time-entries/{}", f.id), None)
            .0,
        204
    );
    let (status, _) = web.call(
        &key,
        "POST",
        "/time-entries",
        Some(json!({"start": at(700), "end": at(701), "description": "g on the web"})),
    );
    assert_eq!(status, 201);
    let mut failed = 0;
    while let Err(e) = block(pull_changes(&mut store, &via_feed_proxy)) {
        failed += 1;
        assert!(failed < 50, "the feed never got through: {e}");
    }
    assert!(failed >= 2, "the proxy failed {failed} reads of the feed");
    assert_eq!(
        here(&store),
        web.entries(&key),
        "the device after the feed's faults"
    );
    assert!(
        store.outbox().unwrap().is_empty(),
        "nothing from the feed is queued back"
    );
}

/// Issue 16: what an entry is for merges field by field too: a project set on the web
/// and tags and a description set on the device while offline all stay, on both sides.
#[test]
fn a_project_set_on_the_web_and_tags_set_on_the_device_both_stay() {
    let server = TestServer::start().unwrap();
    let key = server.add_user("Acme", "dee@acme.test", "regular").unwrap();
    let admin = server.add_user("Acme", "ana@acme.test", "admin").unwrap();
    let remote = block(Remote::sign_in(&Credentials {
        server: server.url.clone(),
        api_key: key.clone(),
    }))
    .unwrap();
    let web = Web {
        base: server.url.clone(),
        workspace: remote.account.workspace_id.clone(),
        user: remote.account.user_id.clone(),
    };
    let made = |path: &str, body: Value| {
        let (status, v) = web.call(&admin, "POST", path, Some(body));
        assert_eq!(status, 201, "{v}");
        v["id"].as_str().unwrap().to_owned()
    };
    let project = made("/projects", json!({"name": "Website", "billable": true}));
    let tag = made("/tags", json!({"name": "urgent"}));
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("stint.db")).unwrap();
    let g = entry("g", 1, "g", 30);
    store.save(&g).unwrap();
    sync(&mut store, &remote);

    // Offline, the device tags it and renames it; the web gives it a project.
    let mut tagged = entry("g", 1, "g on the device", 30);
    tagged.work.tag_ids = vec![tag.clone()];
    store.save(&tagged).unwrap();
    let body = json!({"start": g.start, "end": g.end, "description": "g", "projectId": project, "billable": true});
    let (status, answer) = web.call(&key, "PUT", &format!("/time-entries/{}", g.id), Some(body));
    assert_eq!(status, 200, "{answer}");

    sync(&mut store, &remote);
    let mut expected = entry("g", 1, "g on the device", 30);
    expected.work = stint_core::Work {
        project_id: Some(project),
        task_id: None,
        tag_ids: vec![tag],
        billable: true,
    };
    assert_eq!(here(&store), [(expected.clone(), false)]);
    assert_eq!(web.entries(&key), [(expected, false)]);
}
