//! Review before upload end to end (issue 19): the real server behind a recording proxy,
//! the agent in this process with a fake capturer, 2-second capture windows and a review
//! "minute" of one second (the admin sets 8). Capture sets wait on the device; a discarded
//! one never crosses the wire (none of its picture bytes, no upload of it), and its entry
//! is cut on the server exactly as the server's own deletion rule would cut it; the one
//! before it is sent once its window ended, not sooner; closing the app does not skip the
//! wait. Then the device's export holds exactly what the device keeps, and "Delete all
//! local data" leaves both databases empty and the sign-in gone.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use chrono::Utc;
use serde_json::{json, Value};
use stint_agent::{AgentHandle, AgentOptions, Paths};
use stint_ipc::protocol::{Answer, Command};
use stint_ipc::{ReviewMode, Waiting};
use stint_sensors::fake::FakeCapturer;
use stint_testkit::http::call;
use stint_testkit::{wait_until, FaultProxy};

#[path = "support/in_process.rs"]
mod in_process;
use in_process::*;

fn waiting(agent: &AgentHandle) -> Waiting {
    match ask(agent, Command::WaitingScreenshots) {
        Answer::Waiting(w) => w,
        other => panic!("{other:?}"),
    }
}

fn ids(sets: &[Value]) -> Vec<String> {
    sets.iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

fn options(fake: &Arc<FakeCapturer>) -> AgentOptions {
    AgentOptions {
        capturer: fake.clone(),
        capture_window: chrono::Duration::seconds(2),
        review_minute: chrono::Duration::seconds(1),
        ..AgentOptions::default()
    }
}

#[test]
fn a_discarded_capture_never_leaves_and_cuts_its_entry_as_the_server_would() {
    let (server, admin, key, api) = Api::start();
    let (status, body) = call(
        &api.base,
        "PUT",
        &format!("/workspaces/{}/settings", api.workspace),
        Some(&admin),
        Some(
            json!({"screenshotsEnabled": true, "screenshotReview": "required",
            "screenshotReviewMinutes": 8, "screenshotMaxSide": 320}),
        ),
        &[],
    );
    assert_eq!(status, 200, "{body}");
    let proxy = FaultProxy::recording(server.address()).unwrap();
    let root = tempfile::tempdir().unwrap();
    let paths = Paths::under(root.path());
    let fake = Arc::new(FakeCapturer::new(vec![(800, 500), (640, 400)]));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let agent = agent_on(&runtime, &paths, options(&fake));
    sign_in(&agent, &proxy.url, &key);
    wait_until(Duration::from_secs(20), "the review rule", || {
        policy(&agent).filter(|p| p.screenshot_review == ReviewMode::Required)
    })
    .unwrap();
    let entry = start(&agent, "Secret plans");

    // Two sets wait: B, then A.
    let w = wait_until(Duration::from_secs(30), "two sets waiting", || {
        let w = waiting(&agent);
        (w.sets.len() >= 2).then_some(w)
    })
    .unwrap();
    let (b, a) = (w.sets[0].clone(), w.sets[1].clone());
    assert_eq!(b.send_at - b.captured, chrono::Duration::seconds(8));
    let on_server = ids(&api.sets(&key));
    assert!(
        !on_server.contains(&a.id) && !on_server.contains(&b.id),
        "{on_server:?}"
    );
    let outcome = match ask(&agent, Command::DiscardScreenshots { id: a.id.clone() }) {
        Answer::Discarded(d) => d,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        i64::from(outcome.removed_seconds),
        (a.captured - b.captured).num_seconds()
    );

    // B goes once its window ended.
    wait_until(Duration::from_secs(30), "B on the server", || {
        ids(&api.sets(&key)).contains(&b.id).then_some(())
    })
    .unwrap();
    assert!(
        Utc::now() >= b.send_at,
        "B was sent before its window ended"
    );

    // A set waiting when the app closes is sent after its window once the app is back.
    let c = wait_until(Duration::from_secs(30), "a set waiting", || {
        waiting(&agent)
            .sets
            .into_iter()
            .find(|s| s.send_at > Utc::now() + chrono::Duration::seconds(3))
    })
    .unwrap();
    runtime.block_on(agent.shut_down());
    drop(runtime);
    assert!(!ids(&api.sets(&key)).contains(&c.id), "sent at the close");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let agent = agent_on(&runtime, &paths, options(&fake));
    wait_until(Duration::from_secs(30), "C on the server", || {
        ids(&api.sets(&key)).contains(&c.id).then_some(())
    })
    .unwrap();
    assert!(
        Utc::now() >= c.send_at,
        "C was sent before its window ended"
    );
    stop_timer(&agent);
    wait_until(Duration::from_secs(30), "everything sent", || {
        match ask(&agent, Command::SyncStatus) {
            Answer::Sync(s) if s.waiting == 0 && waiting(&agent).sets.is_empty() => Some(()),
            _ => None,
        }
    })
    .unwrap();

    // Nothing of A crossed the wire but the report; B's bytes did (the check can see).
    let b64 = base64::engine::general_purpose::STANDARD;
    for p in &a.pictures {
        assert!(
            !proxy.saw_bytes(&b64.decode(&p.jpeg_base64).unwrap()),
            "A's picture was sent"
        );
    }
    assert!(proxy.saw_bytes(&b64.decode(&b.pictures[0].jpeg_base64).unwrap()));
    let about_a = proxy.requests_containing(&a.id);
    assert_eq!(about_a.len(), 1, "only the report names A");
    assert!(
        about_a[0].starts_with("POST /api/v1/workspaces/")
            && about_a[0].contains("/screenshots/discarded")
    );
    assert!(!ids(&api.sets(&key)).contains(&a.id));

    // The server's entries: cut from B's capture to A's, as a deletion of A would cut.
    let (_, me) = call(&api.base, "GET", "/user", Some(&key), None, &[]);
    let (status, list) = call(
        &api.base,
        "GET",
        &format!(
            "/workspaces/{}/user/{}/time-entries?page-size=100",
            api.workspace,
            me["id"].as_str().unwrap()
        ),
        Some(&key),
        None,
        &[],
    );
    assert_eq!(status, 200, "{list}");
    let list = list.as_array().unwrap();
    let first = list
        .iter()
        .find(|e| e["id"] == entry.id.0.as_str())
        .expect("the entry");
    let end: chrono::DateTime<Utc> = first["timeInterval"]["end"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(end, b.captured);
    assert!(
        list.iter().any(|e| e["timeInterval"]["start"]
            .as_str()
            .and_then(|s| s.parse::<chrono::DateTime<Utc>>().ok())
            == Some(a.captured)),
        "the later part starts at A: {list:?}"
    );

    // My data on the device: the export holds what the device keeps.
    let zip_path = match ask(&agent, Command::ExportMyData) {
        Answer::Path(p) => p,
        other => panic!("{other:?}"),
    };
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        zip.by_name(name)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    let kept = stint_store::Store::open(&paths.database())
        .unwrap()
        .all_entries()
        .unwrap();
    let json_entries: Vec<Value> = serde_json::from_str(&read("entries.json")).unwrap();
    let csv_text = read("entries.csv");
    let mut csv_ids: Vec<String> = csv::Reader::from_reader(csv_text.as_bytes())
        .records()
        .map(|r| r.unwrap()[0].to_owned())
        .collect();
    let mut kept_ids: Vec<String> = kept.iter().map(|e| e.id.0.clone()).collect();
    assert_eq!(json_entries.len(), kept.len());
    csv_ids.sort();
    kept_ids.sort();
    assert_eq!(csv_ids, kept_ids);
    assert!(kept_ids.contains(&entry.id.0));
    assert!(serde_json::from_str::<Vec<Value>>(&read("auto-tracker.json")).is_ok());
    assert!(serde_json::from_str::<Vec<Value>>(&read("idle.json")).is_ok());
    assert!(
        serde_json::from_str::<Vec<Value>>(&read("screenshots/index.json"))
            .unwrap()
            .is_empty(),
        "all sent"
    );
    assert!(read("README.txt").contains("entries.csv"));

    // Delete all local data: refused without confirm; then both databases are empty and
    // the sign-in is gone.
    assert!(agent
        .call_blocking(Command::DeleteLocalData { confirm: false })
        .is_err());
    assert_eq!(
        ask(&agent, Command::DeleteLocalData { confirm: true }),
        Answer::Done
    );
    let store = stint_store::Store::open(&paths.database()).unwrap();
    assert!(store.all_entries().unwrap().is_empty());
    assert!(store.outbox().unwrap().is_empty());
    assert_eq!(store.policy().unwrap(), None);
    let private = stint_private::PrivateStore::open(&paths.private_database()).unwrap();
    assert_eq!(private.counts().unwrap(), (0, 0));
    assert!(!paths.config_dir.join("sync.json").exists());
    // Nothing of the entry's words is left in any file of the data folder (the write-ahead
    // logs included).
    for file in std::fs::read_dir(&paths.data_dir).unwrap() {
        let path = file.unwrap().path();
        let bytes = std::fs::read(&path).unwrap_or_default();
        assert!(
            !bytes.windows(12).any(|w| w == b"Secret plans"),
            "{} still holds the entry's description",
            path.display()
        );
    }
    match ask(&agent, Command::SyncStatus) {
        Answer::Sync(s) => assert_eq!(s.server, None, "{s:?}"),
        other => panic!("{other:?}"),
    }
    match ask(&agent, Command::MyData) {
        Answer::MyData(d) => assert_eq!((d.entries, d.screenshots_waiting_upload), (0, 0), "{d:?}"),
        other => panic!("{other:?}"),
    }
}
