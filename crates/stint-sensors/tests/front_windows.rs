//! Which app is in front on each monitor, on a real X server with two monitors (Xvnc with
//! two RandR monitors, 1280x800 and 1024x768 side by side): with openbox (the window
//! manager's `_NET_CLIENT_LIST_STACKING`, checked against the server's own stacking order
//! read through openbox's frames) and without a window manager (the server's order only).
//! The monitors are the ones the real capturer (xcap) reports in its frames, as the caller
//! gets them.
#![cfg(target_os = "linux")]

use std::time::Duration;

use stint_sensors::{
    Foreground, FrontWindows, MonitorInfo, ScreenCapturer, WindowSensorError, X11FrontWindows,
    XcapCapturer,
};
use stint_testkit::{require_tool, wait_until, Desktop, SolidWindows};

const LEFT: (u16, u16) = (1280, 800);
const RIGHT: (u16, u16) = (1024, 768);

/// Places on the left monitor, on the right one and across both: (x, y, width, height).
const ON_LEFT: (i16, i16, u16, u16) = (100, 100, 400, 300);
const ON_RIGHT: (i16, i16, u16, u16) = (1280 + 100, 100, 400, 300);
const ON_RIGHT_WIDE: (i16, i16, u16, u16) = (1280 + 50, 50, 600, 400);
const ACROSS: (i16, i16, u16, u16) = (1000, 250, 600, 200);

fn use_display(desktop: &Desktop) {
    // Each test runs in its own process under nextest, so this touches no other test.
    std::env::set_var("DISPLAY", &desktop.display);
    std::env::remove_var("WAYLAND_DISPLAY");
}

/// The monitors as the capturer reports them, left one first; checks that xcap takes two
/// frames, one per monitor, where the desktop put them.
fn monitors_from_a_capture() -> Vec<MonitorInfo> {
    let shot = XcapCapturer
        .shoot()
        .expect("xcap captures the two monitors");
    assert!(
        shot.failed.is_empty(),
        "a monitor failed: {:?}",
        shot.failed
    );
    assert_eq!(shot.frames.len(), 2, "two frames: {:?}", shot.frames);
    let mut monitors: Vec<MonitorInfo> = shot.frames.iter().map(|f| f.monitor.clone()).collect();
    for f in &shot.frames {
        assert_eq!((f.width, f.height), (f.monitor.width, f.monitor.height));
    }
    monitors.sort_by_key(|m| m.x);
    let places: Vec<_> = monitors
        .iter()
        .map(|m| (m.x, m.y, m.width, m.height))
        .collect();
    assert_eq!(
        places,
        vec![
            (0, 0, u32::from(LEFT.0), u32::from(LEFT.1)),
            (i32::from(LEFT.0), 0, u32::from(RIGHT.0), u32::from(RIGHT.1)),
        ]
    );
    assert_ne!(monitors[0].name, monitors[1].name, "distinct names");
    eprintln!(
        "xcap names the monitors {:?} and {:?}",
        monitors[0].name, monitors[1].name
    );
    monitors
}

fn apps(fronts: &[Option<Foreground>]) -> Vec<Option<&str>> {
    fronts
        .iter()
        .map(|f| f.as_ref().map(|f| f.app.as_str()))
        .collect()
}

/// Reads until the front apps are `want` (left monitor, right monitor); returns what was read.
fn wait_for(
    sensor: &dyn FrontWindows,
    monitors: &[MonitorInfo],
    want: [Option<&str>; 2],
) -> Vec<Option<Foreground>> {
    let mut last = Vec::new();
    wait_until(
        Duration::from_secs(10),
        &format!("front apps {want:?}"),
        || {
            let fronts = sensor.front_windows(monitors).expect("the sensor reads");
            let done = apps(&fronts) == want;
            last = fronts.clone();
            done.then_some(fronts)
        },
    )
    .unwrap_or_else(|e| panic!("{e}; last read {:?}", apps(&last)))
}

#[test]
fn with_a_window_manager_each_monitor_shows_its_topmost_app() {
    require_tool("xdotool", "the Debian package xdotool").unwrap();
    let desktop = Desktop::start_monitors(&[LEFT, RIGHT]).unwrap();
    use_display(&desktop);
    let monitors = monitors_from_a_capture();
    let windows = SolidWindows::connect(&desktop.display).unwrap();
    let sensor = X11FrontWindows::default();
    // The server's own stacking order through openbox's frames must say the same.
    let tree = X11FrontWindows::reading_the_tree();
    let check = |want: [Option<&str>; 2]| {
        let fronts = wait_for(&sensor, &monitors, want);
        assert_eq!(
            apps(&tree.front_windows(&monitors).unwrap()),
            apps(&fronts),
            "the server's stacking order agrees"
        );
        fronts
    };
    let xdotool = |args: &[&str]| desktop.run("xdotool", args).unwrap();

    assert_eq!(
        sensor.front_windows(&monitors).unwrap(),
        vec![None, None],
        "an empty desktop"
    );
    assert_eq!(sensor.front_windows(&[]).unwrap(), vec![]);

    let secret = windows
        .add_titled_at("my diary — Secret", "Secret", ON_RIGHT)
        .unwrap();
    let fronts = check([None, Some("Secret")]);
    let front = fronts[1].as_ref().unwrap();
    assert_eq!(front.title, "my diary — Secret");
    let exe = std::env::current_exe().unwrap();
    assert_eq!(front.process_path.as_deref(), Some(exe.as_path()));

    windows.add_titled_at("notes", "Editor", ON_LEFT).unwrap();
    check([Some("Editor"), Some("Secret")]);

    // Another app's window over the right monitor comes to the front there...
    let mail = windows
        .add_titled_at("inbox", "Mail", ON_RIGHT_WIDE)
        .unwrap();
    check([Some("Editor"), Some("Mail")]);
    // ...and raising the private app's window brings it back, then the other again.
    xdotool(&["windowactivate", "--sync", &secret]);
    check([Some("Editor"), Some("Secret")]);
    xdotool(&["windowactivate", "--sync", &mail]);
    check([Some("Editor"), Some("Mail")]);

    // A window across both monitors is in front on both.
    let wide = windows.add_titled_at("slides", "Viewer", ACROSS).unwrap();
    check([Some("Viewer"), Some("Viewer")]);
    // Unmapped, it counts nowhere.
    xdotool(&["windowunmap", "--sync", &wide]);
    check([Some("Editor"), Some("Mail")]);
    // Nor does a minimised window: the one below it is in front.
    xdotool(&["windowminimize", "--sync", &mail]);
    check([Some("Editor"), Some("Secret")]);

    // A window that names no app (no WM_CLASS) is passed over.
    let nameless = windows
        .add_titled_at("nameless", "Nameless", ON_RIGHT)
        .unwrap();
    check([Some("Editor"), Some("Nameless")]);
    desktop
        .run("xprop", &["-id", &nameless, "-remove", "WM_CLASS"])
        .unwrap();
    check([Some("Editor"), Some("Secret")]);

    // A panel is not an app in front.
    let panel = windows
        .add_titled_at("panel", "Panel", ON_RIGHT_WIDE)
        .unwrap();
    check([Some("Editor"), Some("Panel")]);
    desktop
        .run(
            "xprop",
            &[
                "-id",
                &panel,
                "-f",
                "_NET_WM_WINDOW_TYPE",
                "32a",
                "-set",
                "_NET_WM_WINDOW_TYPE",
                "_NET_WM_WINDOW_TYPE_DOCK",
            ],
        )
        .unwrap();
    check([Some("Editor"), Some("Secret")]);

    // A plain unnamed picture drawn over everything (override-redirect, unmanaged).
    windows
        .add(
            i16::try_from(LEFT.0).unwrap(),
            0,
            RIGHT.0,
            RIGHT.1,
            0x202020,
        )
        .unwrap();
    check([Some("Editor"), Some("Secret")]);
}

#[test]
fn without_a_window_manager_the_server_stacking_order_counts() {
    require_tool("xdotool", "the Debian package xdotool").unwrap();
    let desktop = Desktop::start_monitors_without_wm(&[LEFT, RIGHT]).unwrap();
    use_display(&desktop);
    let monitors = monitors_from_a_capture();
    let windows = SolidWindows::connect(&desktop.display).unwrap();
    let sensor = X11FrontWindows::default();
    let xdotool = |args: &[&str]| desktop.run("xdotool", args).unwrap();

    assert_eq!(sensor.front_windows(&monitors).unwrap(), vec![None, None]);
    let secret = windows
        .add_titled_at("my diary", "Secret", ON_RIGHT)
        .unwrap();
    let fronts = wait_for(&sensor, &monitors, [None, Some("Secret")]);
    assert_eq!(fronts[1].as_ref().unwrap().title, "my diary");

    windows.add_titled_at("notes", "Editor", ON_LEFT).unwrap();
    let mail = windows
        .add_titled_at("inbox", "Mail", ON_RIGHT_WIDE)
        .unwrap();
    wait_for(&sensor, &monitors, [Some("Editor"), Some("Mail")]);
    xdotool(&["windowraise", &secret]);
    wait_for(&sensor, &monitors, [Some("Editor"), Some("Secret")]);
    xdotool(&["windowraise", &mail]);
    wait_for(&sensor, &monitors, [Some("Editor"), Some("Mail")]);

    let wide = windows.add_titled_at("slides", "Viewer", ACROSS).unwrap();
    wait_for(&sensor, &monitors, [Some("Viewer"), Some("Viewer")]);
    xdotool(&["windowunmap", "--sync", &wide]);
    wait_for(&sensor, &monitors, [Some("Editor"), Some("Mail")]);

    // Plain unnamed pictures on top of both monitors are passed over; they are mapped
    // when `add` returns (no window manager to wait for).
    windows.add(0, 0, LEFT.0, LEFT.1, 0x202020).unwrap();
    windows
        .add(
            i16::try_from(LEFT.0).unwrap(),
            0,
            RIGHT.0,
            RIGHT.1,
            0x202020,
        )
        .unwrap();
    assert_eq!(
        apps(&sensor.front_windows(&monitors).unwrap()),
        vec![Some("Editor"), Some("Mail")]
    );
}

#[test]
fn without_a_display_the_sensor_says_so() {
    std::env::remove_var("DISPLAY");
    let monitor = MonitorInfo {
        name: "one".into(),
        x: 0,
        y: 0,
        width: 640,
        height: 480,
    };
    assert_eq!(
        X11FrontWindows::default().front_windows(&[monitor]),
        Err(WindowSensorError::NoDisplay)
    );
}
