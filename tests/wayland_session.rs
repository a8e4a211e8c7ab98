//! The agent in a real sway session (wlroots), as the product picks its sensors there:
//! screencopy of both outputs, the window in front from foreign-toplevel management, idle
//! time from the compositor. With screenshots on and a timer running, every capture set
//! holds both outputs, small and blurred, and nothing sharp or full-size ever sits in a
//! file of the data or temp directories (the no-raw-pixels watcher). Two windows with
//! canary titles and app ids take turns in front long enough to become spans: the spans
//! keep a site's host only, and, through a recording proxy to the real server, no request
//! carries a title, site or app name (the privacy canary).

use std::time::Duration;

use stint_agent::{AgentOptions, Paths};
use stint_sensors::ScreenCapturer;
use stint_testkit::http::send_bytes;
use stint_testkit::{wait_until, FaultProxy, Sway, WaylandSession, WaylandWindows};

#[path = "support/in_process.rs"]
mod in_process;
#[path = "support/pixels.rs"]
mod pixels;
use in_process::*;

const MAX_SIDE: u32 = 800;
const OUTPUTS: [(u32, u32); 2] = [(1600, 900), (1024, 768)];
const NOTES_APP: &str = "canary-notes-9d2e";
const NOTES_TITLE: &str = "CANARY-9d2e secret plan";
const BROWSER_APP: &str = "firefox";
const BROWSER_TITLE: &str = "https://canary-9d2e.example/private/path?q=1 — Mozilla Firefox";

#[test]
fn under_sway_screenshots_stay_blurred_and_tracked_windows_never_leave() {
    let mut sway = Sway::start(&OUTPUTS).unwrap();
    let windows = WaylandWindows::connect(&sway).unwrap();
    // The page of marks fills the first output, a plain window the second.
    sway.msg(&["focus", "output", "HEADLESS-1"]).unwrap();
    windows.open_marks(BROWSER_APP, BROWSER_TITLE).unwrap();
    sway.msg(&[
        &format!("[app_id=\"{BROWSER_APP}\"]"),
        "fullscreen",
        "enable",
    ])
    .unwrap();
    windows
        .wait_drawn_at(BROWSER_APP, OUTPUTS[0].0 as i32, OUTPUTS[0].1 as i32)
        .unwrap();
    sway.msg(&["focus", "output", "HEADLESS-2"]).unwrap();
    windows.open(NOTES_APP, NOTES_TITLE, [30, 120, 60]).unwrap();
    sway.enter();
    let root = tempfile::tempdir().unwrap();
    let tmp = root.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    std::env::set_var("TMPDIR", &tmp);
    std::env::remove_var("DBUS_SYSTEM_BUS_ADDRESS");

    let shot = stint_sensors::wayland::screencopy::WlrScreencopy
        .shoot()
        .unwrap();
    let page = shot
        .frames
        .iter()
        .find(|f| f.monitor.name == "HEADLESS-1")
        .unwrap();
    let bar = pixels::unblurred(page, MAX_SIDE);
    assert!(bar > 500.0, "the page is sharp when unblurred: {bar}");

    let (server, admin, key, api) = Api::start();
    let proxy = FaultProxy::recording(server.address()).unwrap();
    api.switch(&admin, true, MAX_SIDE);
    let paths = Paths::under(root.path());
    let options = AgentOptions {
        capture_window: chrono::Duration::seconds(2),
        ..AgentOptions::default()
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let agent = agent_on(&runtime, &paths, options);
    sign_in(&agent, &proxy.url, &key);
    wait_until(
        Duration::from_secs(20),
        "screenshots on at the agent",
        || policy(&agent).filter(|p| p.screenshots_enabled),
    )
    .unwrap();

    // The larger output's frame: the database's write-ahead log holds many small pictures.
    let raw_frame = u64::from(OUTPUTS[0].0 * OUTPUTS[0].1 * 3);
    let watcher = pixels::Watcher::start(
        vec![root.path().to_owned(), server.data_dir.path().to_owned()],
        paths.database(),
        raw_frame,
        MAX_SIDE,
        bar,
    );

    let entry = start(&agent, "Wayland work");
    // Each window in front for longer than the auto tracker's 10 seconds.
    for app in [BROWSER_APP, NOTES_APP, BROWSER_APP] {
        sway.msg(&[&format!("[app_id=\"{app}\"]"), "focus"])
            .unwrap();
        std::thread::sleep(Duration::from_secs(11));
    }
    let sets = wait_until(Duration::from_secs(30), "three capture sets", || {
        let sets = api.sets(&key);
        (sets.len() >= 3).then_some(sets)
    })
    .unwrap();
    stop_timer(&agent).unwrap();
    for set in &sets {
        assert_eq!(set["timeEntryId"], entry.id.0.as_str(), "{set}");
        let shots = set["screenshots"].as_array().unwrap();
        assert_eq!(shots.len(), 2, "both outputs in every set: {set}");
        for shot in shots {
            let path = shot["imagePath"]
                .as_str()
                .unwrap()
                .trim_start_matches("/api/v1");
            let (status, _, jpeg) = send_bytes(&api.base, "GET", path, Some(&key), None, &[]);
            assert_eq!(status, 200);
            let (w, h, sharpness) = pixels::grey_sharpness(&jpeg);
            assert!(w.max(h) <= MAX_SIDE, "{w}x{h}");
            assert!(sharpness * 10.0 < bar, "{sharpness:.1} vs {bar:.1}");
        }
    }

    // The spans: the browser's by host only.
    let private = rusqlite::Connection::open(paths.private_database()).unwrap();
    let spans: Vec<(String, String, Option<String>)> = private
        .prepare("SELECT app, title, site FROM activity_spans")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        spans.iter().any(|(app, _, _)| app == NOTES_APP),
        "{spans:?}"
    );
    let browser: Vec<_> = spans
        .iter()
        .filter(|(app, _, _)| app == BROWSER_APP)
        .collect();
    assert!(!browser.is_empty(), "{spans:?}");
    for (_, title, site) in &browser {
        assert_eq!(site.as_deref(), Some("canary-9d2e.example"));
        assert!(
            !title.contains("/private") && !title.contains("q=1"),
            "{title}"
        );
    }

    let seen = watcher.stop();
    eprintln!("the watcher checked {seen} stored pictures");
    // Nothing of the tracked windows went to the server.
    assert!(
        !proxy.recorded().is_empty(),
        "the proxy saw the agent's requests"
    );
    for canary in ["canary-9d2e", "CANARY-9d2e", "secret plan", "/private/path"] {
        let leaked = proxy.requests_containing(canary);
        assert!(leaked.is_empty(), "{canary} left the machine: {leaked:?}");
    }
}
