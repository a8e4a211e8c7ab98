//! The Wayland backends in a real headless sway session (wlroots): screencopy of two
//! outputs of different sizes at once, idle time from the compositor's idle protocol, the
//! window in front through foreign-toplevel management, and session detection choosing
//! them.
#![cfg(target_os = "linux")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use stint_sensors::session::{Compositor, SessionKind};
use stint_sensors::wayland::idle::{IdleProtocol, WaylandIdle};
use stint_sensors::wayland::screencopy::WlrScreencopy;
use stint_sensors::wayland::toplevel::WlrForeground;
use stint_sensors::{ActiveWindowSource, IdleSource, ScreenCapturer, Sensors};
use stint_testkit::{wait_until, Sway, WaylandSession, WaylandWindows};

const RED: [u8; 3] = [220, 30, 40];
const BLUE: [u8; 3] = [20, 60, 200];

/// A fullscreen window of `rgb` on each output.
fn colour_outputs(
    sway: &mut Sway,
    windows: &WaylandWindows,
    sizes: &[(u32, u32)],
    colours: &[[u8; 3]],
) {
    for (i, (&(w, h), rgb)) in sizes.iter().zip(colours).enumerate() {
        let output = sway.outputs[i].clone();
        sway.msg(&["focus", "output", &output]).unwrap();
        let app = format!("colour{i}");
        windows.open(&app, &format!("colour {i}"), *rgb).unwrap();
        sway.msg(&[&format!("[app_id=\"{app}\"]"), "fullscreen", "enable"])
            .unwrap();
        windows.wait_drawn_at(&app, w as i32, h as i32).unwrap();
    }
}

fn pixel(frame: &stint_sensors::Frame, x: u32, y: u32) -> [u8; 3] {
    let i = ((y * frame.width + x) * 4) as usize;
    [frame.rgba[i], frame.rgba[i + 1], frame.rgba[i + 2]]
}

#[test]
fn screencopy_takes_every_output_at_once_corner_to_corner() {
    let sizes = [(1280, 720), (1024, 768)];
    let mut sway = Sway::start(&sizes).unwrap();
    let windows = WaylandWindows::connect(&sway).unwrap();
    colour_outputs(&mut sway, &windows, &sizes, &[RED, BLUE]);
    sway.enter();

    let shot = WlrScreencopy.shoot().unwrap();
    assert!(shot.failed.is_empty(), "{:?}", shot.failed);
    assert_eq!(shot.frames.len(), 2);
    let mut frames: Vec<_> = shot.frames.iter().collect();
    frames.sort_by_key(|f| f.monitor.x);
    for (frame, ((w, h), rgb, name, x)) in frames.iter().zip([
        (sizes[0], RED, "HEADLESS-1", 0),
        (sizes[1], BLUE, "HEADLESS-2", 1280),
    ]) {
        assert_eq!((frame.width, frame.height), (w, h));
        assert_eq!(frame.monitor.name, name);
        assert_eq!((frame.monitor.x, frame.monitor.y), (x, 0));
        for (px, py) in [
            (0, 0),
            (w - 1, 0),
            (0, h - 1),
            (w - 1, h - 1),
            (w / 2, h / 2),
        ] {
            assert_eq!(pixel(frame, px, py), rgb, "{name} at {px},{py}");
        }
    }
    // Both copies were asked for in one batch.
    assert_eq!(shot.skew(), Duration::ZERO);
    eprintln!(
        "screencopy of two outputs: {:?} from request to the last frame",
        shot.span()
    );
}

#[test]
fn idle_time_grows_without_input_and_the_next_input_is_told() {
    let sway = Sway::start(&[(800, 600)]).unwrap();
    sway.enter();
    let sensor = WaylandIdle::connect(Duration::from_secs(1)).unwrap();
    // sway 1.7 offers the older KDE protocol only.
    assert_eq!(sensor.protocol(), IdleProtocol::KdeIdle);
    let idle = wait_until(Duration::from_secs(10), "idle time", || {
        let idle = sensor.idle_for().unwrap();
        (idle >= Duration::from_millis(1500)).then_some(idle)
    })
    .unwrap();
    let later = wait_until(Duration::from_secs(10), "idle time to grow", || {
        let later = sensor.idle_for().unwrap();
        (later >= idle + Duration::from_millis(500)).then_some(later)
    })
    .unwrap();
    assert!(later > idle);

    let (tx, input) = mpsc::channel();
    assert!(sensor.on_next_input(Box::new(move || tx.send(()).unwrap())));
    sway.type_text("a").unwrap();
    input
        .recv_timeout(Duration::from_secs(10))
        .expect("told of the input");
    assert!(sensor.idle_for().unwrap() < Duration::from_secs(1));
}

#[test]
fn the_window_in_front_follows_focus_and_title_changes() {
    let mut sway = Sway::start(&[(1024, 768)]).unwrap();
    let windows = WaylandWindows::connect(&sway).unwrap();
    windows.open("editor", "notes.txt — Editor", RED).unwrap();
    windows.open("mail", "Inbox — Mail", BLUE).unwrap();
    sway.enter();
    let sensor = WlrForeground::connect().unwrap();
    let changes = Arc::new(AtomicUsize::new(0));
    let seen = changes.clone();
    assert!(sensor.watch(Arc::new(move || {
        seen.fetch_add(1, Ordering::SeqCst);
    })));

    let front = |app: &str| {
        wait_until(Duration::from_secs(10), &format!("{app} in front"), || {
            sensor.foreground().unwrap().filter(|f| f.app == app)
        })
        .unwrap()
    };
    sway.msg(&["[app_id=\"editor\"]", "focus"]).unwrap();
    let editor = front("editor");
    assert_eq!(editor.title, "notes.txt — Editor");
    assert_eq!(editor.process_path, None);
    let before = changes.load(Ordering::SeqCst);
    sway.msg(&["[app_id=\"mail\"]", "focus"]).unwrap();
    assert_eq!(front("mail").title, "Inbox — Mail");
    assert!(
        changes.load(Ordering::SeqCst) > before,
        "told of the focus change"
    );

    // A new title of the window in front is told and read.
    let before = changes.load(Ordering::SeqCst);
    windows.set_title("mail", "Re: plans — Mail").unwrap();
    wait_until(Duration::from_secs(10), "the new title", || {
        (sensor.foreground().unwrap()?.title == "Re: plans — Mail").then_some(())
    })
    .unwrap();
    assert!(changes.load(Ordering::SeqCst) > before, "told of the title");
    // A title change of a window behind is not news.
    let before = changes.load(Ordering::SeqCst);
    windows.set_title("editor", "draft.txt — Editor").unwrap();
    windows.set_title("mail", "Re: plans (2) — Mail").unwrap();
    wait_until(Duration::from_secs(10), "the second title", || {
        (sensor.foreground().unwrap()?.title == "Re: plans (2) — Mail").then_some(())
    })
    .unwrap();
    assert_eq!(
        changes.load(Ordering::SeqCst),
        before + 1,
        "only the front window's change"
    );
}

#[test]
fn detection_picks_the_wlroots_backends_and_they_work() {
    let sizes = [(640, 480)];
    let mut sway = Sway::start(&sizes).unwrap();
    let windows = WaylandWindows::connect(&sway).unwrap();
    colour_outputs(&mut sway, &windows, &sizes, &[BLUE]);
    sway.enter();
    let sensors = Sensors::detect();
    assert_eq!(
        sensors.plan.session,
        SessionKind::Wayland(Compositor::Wlroots)
    );
    assert!(sensors.missing.is_empty(), "{:?}", sensors.missing);
    assert_eq!(sensors.window.foreground().unwrap().unwrap().app, "colour0");
    let shot = sensors.capturer.shoot().unwrap();
    assert_eq!(pixel(&shot.frames[0], 0, 0), BLUE);
    sensors.idle.idle_for().unwrap();
}

#[test]
fn after_the_compositor_comes_back_idle_time_and_windows_are_followed_again() {
    let mut sway = Sway::start(&[(800, 600)]).unwrap();
    sway.enter();
    let sensors = Sensors::detect();
    let changes = Arc::new(AtomicUsize::new(0));
    let seen = changes.clone();
    sensors.window.watch(Arc::new(move || {
        seen.fetch_add(1, Ordering::SeqCst);
    }));
    sensors.idle.idle_for().unwrap();
    sway.restart().unwrap();
    // Until it is back, reads fail with a sentence the user can act on.
    let gone = wait_until(Duration::from_secs(10), "the loss noticed", || {
        sensors.idle.idle_for().err()
    })
    .unwrap();
    assert!(
        gone.to_string().contains("connects again by itself"),
        "{gone}"
    );
    // Within the retry interval (5 s) both sensors follow the new compositor.
    wait_until(Duration::from_secs(30), "idle time again", || {
        sensors.idle.idle_for().ok()
    })
    .unwrap();
    let windows = WaylandWindows::connect(&sway).unwrap();
    wait_until(Duration::from_secs(30), "the window sensor again", || {
        sensors.window.foreground().ok()
    })
    .unwrap();
    let before = changes.load(Ordering::SeqCst);
    windows.open("after", "After the restart", RED).unwrap();
    let front = wait_until(Duration::from_secs(10), "the new window in front", || {
        sensors
            .window
            .foreground()
            .ok()
            .flatten()
            .filter(|f| f.app == "after")
    })
    .unwrap();
    assert_eq!(front.title, "After the restart");
    assert!(
        changes.load(Ordering::SeqCst) > before,
        "the watcher follows the new connection"
    );
}
