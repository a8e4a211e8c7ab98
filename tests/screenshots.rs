//! Screenshots end to end: the real capturer on a real X server, the real agent with short
//! capture windows, the real server. Off: nothing is taken. On: capture sets arrive tied to
//! the running entry, small and blurred; nothing sharp or full-size ever sits in a file of
//! the data or temp directories; local copies go once uploaded; none after the timer stops.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use stint_agent::{AgentHandle, AgentOptions, Entry, Paths, WorkspacePolicy};
use stint_ipc::protocol::{Answer, Command};
use stint_sensors::{ScreenCapturer, XcapCapturer};
use stint_testkit::http::{call, send_bytes};
use stint_testkit::{wait_until, Desktop, SolidWindows, TestServer};

const MAX_SIDE: u32 = 800;
const SCREEN: (u32, u32) = (1600, 900);

/// A page of dark marks on white, like text.
fn sharp_screen(desktop: &Desktop) -> SolidWindows {
    let windows = SolidWindows::connect(&desktop.display).unwrap();
    windows
        .add(0, 0, SCREEN.0 as u16, SCREEN.1 as u16, 0xffffff)
        .unwrap();
    for row in 0..24i16 {
        for col in 0..50i16 {
            if (row * 7 + col) % 4 != 0 {
                windows
                    .add(30 + col * 30, 30 + row * 34, 8, 12, 0x111111)
                    .unwrap();
            }
        }
    }
    windows
}

fn grey_sharpness(jpeg: &[u8]) -> (u32, u32, f64) {
    let img = image::load_from_memory(jpeg).unwrap().to_luma8();
    let (w, h) = img.dimensions();
    (w, h, stint_capture::sharpness(w, h, img.as_raw()))
}

/// What the same screen looks like stored without blur: the bar every picture must be
/// far below.
fn unblurred_sharpness() -> f64 {
    let shot = XcapCapturer.shoot().unwrap();
    let f = &shot.frames[0];
    let settings = stint_capture::Settings {
        max_side: MAX_SIDE,
        blur: 0,
        ..Default::default()
    };
    let (picture, _) = stint_capture::process(f.width, f.height, &f.rgba, settings).unwrap();
    grey_sharpness(&picture.jpeg).2
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Checks every file under `dirs` and every picture waiting in the agent's database: no
/// file as large as a raw frame, no PNG, every JPEG small and blurred.
fn check_nothing_sharp(dirs: &[PathBuf], database: &Path, bar: f64) -> usize {
    let mut files = Vec::new();
    for d in dirs {
        files_under(d, &mut files);
    }
    let raw_frame = (SCREEN.0 * SCREEN.1 * 3) as u64;
    let mut pictures = Vec::new();
    for file in &files {
        let Ok(bytes) = std::fs::read(file) else {
            continue;
        };
        assert!(
            bytes.len() as u64 <= raw_frame,
            "{} is as large as a raw frame",
            file.display()
        );
        assert!(
            !bytes.starts_with(b"\x89PNG"),
            "{} is a PNG",
            file.display()
        );
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            pictures.push(bytes);
        }
    }
    if let Ok(conn) =
        rusqlite::Connection::open_with_flags(database, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    {
        if let Ok(mut stmt) = conn.prepare("SELECT jpeg FROM capture_pictures") {
            let blobs: Vec<Vec<u8>> = stmt
                .query_map([], |r| r.get(0))
                .map(|rows| rows.flatten().collect())
                .unwrap_or_default();
            pictures.extend(blobs);
        }
    }
    for jpeg in &pictures {
        let (w, h, sharpness) = grey_sharpness(jpeg);
        assert!(w.max(h) <= MAX_SIDE, "a stored picture is {w}x{h}");
        assert!(
            sharpness * 10.0 < bar,
            "a stored picture is sharp: {sharpness:.1} vs {bar:.1}"
        );
    }
    pictures.len()
}

/// The agent on a runtime of its own; the test thread calls it blocking.
fn agent_on(
    runtime: &tokio::runtime::Runtime,
    paths: &Paths,
    options: AgentOptions,
) -> AgentHandle {
    let _inside = runtime.enter();
    stint_agent::start(paths, options).unwrap().0
}

fn ask(agent: &AgentHandle, command: Command) -> Answer {
    agent.call_blocking(command).unwrap()
}

fn sign_in(agent: &AgentHandle, server: &TestServer, key: &str) {
    ask(
        agent,
        Command::SignIn {
            server: server.url.clone(),
            api_key: key.to_owned(),
        },
    );
}

fn start(agent: &AgentHandle, description: &str) -> Entry {
    match ask(
        agent,
        Command::StartTimer {
            description: description.into(),
        },
    ) {
        Answer::Entry(e) => e,
        other => panic!("{other:?}"),
    }
}

fn stop_timer(agent: &AgentHandle) -> Option<Entry> {
    match ask(agent, Command::StopTimer) {
        Answer::MaybeEntry(e) => e,
        other => panic!("{other:?}"),
    }
}

fn policy(agent: &AgentHandle) -> Option<WorkspacePolicy> {
    match ask(agent, Command::WorkspacePolicy) {
        Answer::Policy(p) => p,
        other => panic!("{other:?}"),
    }
}

fn armed(agent: &AgentHandle) -> bool {
    match ask(agent, Command::Overview) {
        Answer::Overview(o) => o.capture_armed,
        other => panic!("{other:?}"),
    }
}

fn notices(agent: &AgentHandle) -> Vec<String> {
    match ask(agent, Command::ShownNotices) {
        Answer::Ids(ids) => ids,
        other => panic!("{other:?}"),
    }
}

struct Api {
    base: String,
    workspace: String,
}

impl Api {
    /// A server with an admin and a member of one workspace: (server, admin key, member
    /// key, the member's view of the API).
    fn start() -> (TestServer, String, String, Api) {
        let server = TestServer::start().unwrap();
        let admin = server.add_user("Acme", "ann@acme.test", "admin").unwrap();
        let key = server.add_user("Acme", "max@acme.test", "regular").unwrap();
        let base = format!("{}/api/v1", server.url);
        let (_, me) = call(&base, "GET", "/user", Some(&key), None, &[]);
        let api = Api {
            base,
            workspace: me["activeWorkspace"].as_str().unwrap().to_owned(),
        };
        (server, admin, key, api)
    }

    fn sets(&self, key: &str) -> Vec<Value> {
        let from = (Utc::now() - chrono::Duration::hours(1))
            .to_rfc3339()
            .replace('+', "%2B");
        let to = (Utc::now() + chrono::Duration::hours(1))
            .to_rfc3339()
            .replace('+', "%2B");
        let (status, body) = call(
            &self.base,
            "GET",
            &format!(
                "/workspaces/{}/screenshots?start={from}&end={to}",
                self.workspace
            ),
            Some(key),
            None,
            &[],
        );
        assert_eq!(status, 200, "{body}");
        body.as_array().unwrap().clone()
    }

    fn switch(&self, admin: &str, on: bool) {
        let body = json!({"screenshotsEnabled": on, "screenshotMaxSide": MAX_SIDE,
            "screenshotBlur": 50, "idleThresholdMinutes": 5});
        let (status, answer) = call(
            &self.base,
            "PUT",
            &format!("/workspaces/{}/settings", self.workspace),
            Some(admin),
            Some(body),
            &[],
        );
        assert_eq!(status, 200, "{answer}");
    }
}

#[test]
fn screenshots_follow_the_timer_and_the_workspace_switch() {
    let desktop = Desktop::start(&format!("{}x{}x24", SCREEN.0, SCREEN.1)).unwrap();
    // The agent runs in this process (its own under nextest): it captures this display.
    std::env::set_var("DISPLAY", &desktop.display);
    std::env::remove_var("WAYLAND_DISPLAY");
    let root = tempfile::tempdir().unwrap();
    let tmp = root.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    std::env::set_var("TMPDIR", &tmp);
    let _screen = sharp_screen(&desktop);
    let bar = wait_until(Duration::from_secs(10), "the screen drawn", || {
        let s = unblurred_sharpness();
        (s > 500.0).then_some(s)
    })
    .unwrap();

    let (server, admin, key, api) = Api::start();
    let base = api.base.clone();

    let paths = Paths::under(root.path());
    let options = AgentOptions {
        capture_window: chrono::Duration::seconds(2),
        ..AgentOptions::default()
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let agent = agent_on(&runtime, &paths, options);
    sign_in(&agent, &server, &key);
    wait_until(Duration::from_secs(20), "the policy", || policy(&agent)).unwrap();

    // Watch the data and temp directories all along.
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (stop, dirs, db) = (
            stop.clone(),
            vec![root.path().to_owned(), server.data_dir.path().to_owned()],
            paths.database(),
        );
        std::thread::spawn(move || {
            let mut seen = 0;
            while !stop.load(Ordering::SeqCst) {
                seen += check_nothing_sharp(&dirs, &db, bar);
                std::thread::sleep(Duration::from_millis(100));
            }
            seen
        })
    };

    // Off: a running timer takes nothing.
    let first = start(&agent, "off");
    std::thread::sleep(Duration::from_secs(5));
    assert!(!armed(&agent));
    assert!(api.sets(&key).is_empty());
    stop_timer(&agent);

    // On: the member hears of it, and sets arrive tied to the running entry.
    api.switch(&admin, true);
    wait_until(Duration::from_secs(20), "the notice", || {
        (!notices(&agent).is_empty()).then_some(())
    })
    .unwrap();
    let entry = start(&agent, "on");
    wait_until(Duration::from_secs(10), "capture armed", || {
        armed(&agent).then_some(())
    })
    .unwrap();
    let sets = wait_until(
        Duration::from_secs(30),
        "three capture sets on the server",
        || {
            let sets = api.sets(&key);
            (sets.len() >= 3).then_some(sets)
        },
    )
    .unwrap();
    let stopped = stop_timer(&agent).unwrap();
    assert!(
        !armed(&agent) || {
            std::thread::sleep(Duration::from_millis(300));
            !armed(&agent)
        }
    );
    for set in &sets {
        assert_eq!(set["timeEntryId"], entry.id.0.as_str(), "{set}");
        assert_ne!(set["timeEntryId"], first.id.0.as_str());
        let shots = set["screenshots"].as_array().unwrap();
        assert_eq!(shots.len(), 1, "one monitor, one picture");
        assert!(shots[0]["width"].as_u64().unwrap() <= u64::from(MAX_SIDE));
        let path = shots[0]["imagePath"]
            .as_str()
            .unwrap()
            .trim_start_matches("/api/v1");
        let (status, _, jpeg) = send_bytes(&base, "GET", path, Some(&key), None, &[]);
        assert_eq!(status, 200);
        let (w, h, sharpness) = grey_sharpness(&jpeg);
        assert_eq!((w, h), (MAX_SIDE, MAX_SIDE * SCREEN.1 / SCREEN.0));
        assert!(
            sharpness * 10.0 < bar,
            "{sharpness:.1} vs unblurred {bar:.1}"
        );
    }
    // At most one set per window: nothing is caught up in a burst.
    let windows: std::collections::HashSet<i64> = sets
        .iter()
        .map(|s| {
            let at: DateTime<Utc> = s["capturedAt"].as_str().unwrap().parse().unwrap();
            (at - entry.start).num_milliseconds() / 2000
        })
        .collect();
    assert_eq!(windows.len(), sets.len(), "two captures in one window");

    // None after the stop; the uploaded ones are gone from the device.
    std::thread::sleep(Duration::from_secs(5));
    let after = api.sets(&key);
    for set in &after {
        let at: DateTime<Utc> = set["capturedAt"].as_str().unwrap().parse().unwrap();
        assert!(
            at >= entry.start && at <= stopped.end.unwrap(),
            "a capture outside the entry"
        );
    }
    wait_until(Duration::from_secs(20), "local copies deleted", || {
        let db = rusqlite::Connection::open(paths.database()).ok()?;
        let n: i64 = db
            .query_row("SELECT count(*) FROM capture_sets", [], |r| r.get(0))
            .ok()?;
        (n == 0).then_some(())
    })
    .unwrap();

    // Off again: a new timer takes nothing.
    api.switch(&admin, false);
    wait_until(
        Duration::from_secs(20),
        "screenshots off at the agent",
        || policy(&agent).filter(|p| !p.screenshots_enabled),
    )
    .unwrap();
    let count = api.sets(&key).len();
    let last = start(&agent, "off again");
    std::thread::sleep(Duration::from_secs(5));
    assert!(!armed(&agent));
    let sets = api.sets(&key);
    assert_eq!(sets.len(), count);
    assert!(sets.iter().all(|s| s["timeEntryId"] != last.id.0.as_str()));

    stop.store(true, Ordering::SeqCst);
    let seen = watcher.join().unwrap();
    // The watcher ran all along; it is fine if uploads were quicker than its polls.
    eprintln!("the watcher checked {seen} stored pictures");
    assert!(
        check_nothing_sharp(
            &[root.path().to_owned(), server.data_dir.path().to_owned()],
            &paths.database(),
            bar
        ) > 0
    );
}

#[test]
fn a_capture_failure_is_told_once_and_tracking_goes_on() {
    use stint_sensors::fake::FakeCapturer;
    use stint_sensors::CaptureError;

    let (server, admin, key, api) = Api::start();
    api.switch(&admin, true);

    // Three failures first (popped from the end), then two working monitors.
    let fake = Arc::new(FakeCapturer::new(vec![(1920, 1080), (1280, 1024)]));
    *fake.errors.lock().unwrap() = vec![
        CaptureError::Failed("grab failed".into()),
        CaptureError::NoDisplay,
        CaptureError::NoDisplay,
    ];
    let root = tempfile::tempdir().unwrap();
    let options = AgentOptions {
        capturer: fake.clone(),
        capture_window: chrono::Duration::seconds(1),
        ..AgentOptions::default()
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let agent = agent_on(&runtime, &Paths::under(root.path()), options);
    let mut events = agent.subscribe();
    let problems = Arc::new(std::sync::Mutex::new(Vec::new()));
    let heard = problems.clone();
    runtime.spawn(async move {
        loop {
            match events.recv().await {
                Ok(stint_agent::AgentEvent::CaptureProblem { message }) => {
                    heard.lock().unwrap().push(message);
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                _ => {}
            }
        }
    });
    sign_in(&agent, &server, &key);
    wait_until(Duration::from_secs(20), "screenshots on", || {
        policy(&agent).filter(|p| p.screenshots_enabled)
    })
    .unwrap();
    let entry = start(&agent, "busy");
    let sets = wait_until(Duration::from_secs(30), "sets after the failures", || {
        let sets = api.sets(&key);
        (sets.len() >= 2).then_some(sets)
    })
    .unwrap();
    stop_timer(&agent);
    assert!(fake.shots.load(Ordering::SeqCst) >= 5);
    let problems = problems.lock().unwrap().clone();
    // Two kinds of failure, each told once, with what to do.
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems.iter().any(|m| m.contains("graphical session")),
        "{problems:?}"
    );
    for set in &sets {
        assert_eq!(set["timeEntryId"], entry.id.0.as_str());
        let monitors: Vec<&str> = set["screenshots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["monitor"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(monitors, vec!["FAKE-0", "FAKE-1"]);
    }
}
