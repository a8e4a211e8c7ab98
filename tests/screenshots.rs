//! Screenshots end to end: the real capturer on a real X server, the real agent with short
//! capture windows, the real server. Off: nothing is taken. On: capture sets arrive tied to
//! the running entry, small and blurred; nothing sharp or full-size ever sits in a file of
//! the data or temp directories; local copies go once uploaded; none after the timer stops.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use stint_agent::{AgentOptions, Paths};
use stint_sensors::{ScreenCapturer, XcapCapturer};
use stint_testkit::http::send_bytes;
use stint_testkit::{wait_until, Desktop, SolidWindows};

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

#[path = "support/pixels.rs"]
mod pixels;
use pixels::grey_sharpness;

/// What the same screen looks like stored without blur: the bar every picture must be
/// far below.
fn unblurred_sharpness() -> f64 {
    pixels::unblurred(&XcapCapturer.shoot().unwrap().frames[0], MAX_SIDE)
}

/// The size of this test's screen as a raw frame: no file may be as large.
fn raw_frame() -> u64 {
    u64::from(SCREEN.0 * SCREEN.1 * 3) + 1
}

/// [`pixels::check_nothing_sharp`] for this test's screen.
fn check_nothing_sharp(dirs: &[PathBuf], database: &Path, bar: f64) -> usize {
    pixels::check_nothing_sharp(dirs, database, raw_frame(), MAX_SIDE, bar)
}

#[path = "support/in_process.rs"]
mod in_process;
use in_process::*;

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
    sign_in(&agent, &server.url, &key);
    wait_until(Duration::from_secs(20), "the policy", || policy(&agent)).unwrap();

    // Watch the data and temp directories all along.
    let watcher = pixels::Watcher::start(
        vec![root.path().to_owned(), server.data_dir.path().to_owned()],
        paths.database(),
        raw_frame(),
        MAX_SIDE,
        bar,
    );

    // Off: a running timer takes nothing.
    let first = start(&agent, "off");
    std::thread::sleep(Duration::from_secs(5));
    assert!(!armed(&agent));
    assert!(api.sets(&key).is_empty());
    stop_timer(&agent);

    // On: the member hears of it, and sets arrive tied to the running entry.
    api.switch(&admin, true, MAX_SIDE);
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
    api.switch(&admin, false, MAX_SIDE);
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

    let seen = watcher.stop();
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
    api.switch(&admin, true, MAX_SIDE);

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
    sign_in(&agent, &server.url, &key);
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
