//! The real foreground window sensor on Xvfb + openbox: focus switched with xdotool, the
//! sensor follows, with a UTF-8 title or an old-style WM_NAME title (as xterm sets).
#![cfg(target_os = "linux")]

use std::time::Duration;

use stint_sensors::{ActiveWindowSource, WindowSensorError, X11ActiveWindow};
use stint_testkit::{wait_until, Desktop, SolidWindows};

#[test]
fn the_sensor_follows_the_focus() {
    let desktop = Desktop::start("1024x768x24").unwrap();
    std::env::set_var("DISPLAY", &desktop.display);
    let windows = SolidWindows::connect(&desktop.display).unwrap();
    let editor = windows
        .add_titled("notes.txt — Editor ✓", "Editor", true)
        .unwrap();
    let term = windows.add_titled("build log", "XTerm", false).unwrap();
    let sensor = X11ActiveWindow::default();
    for (window, title, app) in [
        (&editor, "notes.txt — Editor ✓", "Editor"),
        (&term, "build log", "XTerm"),
        (&editor, "notes.txt — Editor ✓", "Editor"),
    ] {
        desktop
            .run("xdotool", &["windowactivate", "--sync", window])
            .unwrap();
        let seen = wait_until(Duration::from_secs(10), "the sensor to follow", || {
            sensor
                .foreground()
                .ok()
                .flatten()
                .filter(|f| f.title == title)
        })
        .unwrap();
        assert_eq!(seen.app, app);
        let exe = std::env::current_exe().unwrap();
        assert_eq!(seen.process_path.as_deref(), Some(exe.as_path()));
    }
}

#[test]
fn without_a_display_the_sensor_says_so() {
    std::env::remove_var("DISPLAY");
    assert_eq!(
        X11ActiveWindow::default().foreground(),
        Err(WindowSensorError::NoDisplay)
    );
}

/// The watcher says when the active window changes and when its title does, without
/// anyone polling; a title change of a window in the background says nothing.
#[test]
fn the_watcher_tells_of_focus_and_title_changes() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let desktop = Desktop::start("1024x768x24").unwrap();
    std::env::set_var("DISPLAY", &desktop.display);
    let windows = SolidWindows::connect(&desktop.display).unwrap();
    let one = windows.add_titled("one", "Editor", true).unwrap();
    let two = windows.add_titled("two", "Mail", false).unwrap();
    desktop
        .run("xdotool", &["windowactivate", "--sync", &one])
        .unwrap();
    let sensor = X11ActiveWindow::default();
    let changes = Arc::new(AtomicUsize::new(0));
    let counter = changes.clone();
    assert!(sensor.watch(Arc::new(move || {
        counter.fetch_add(1, Ordering::SeqCst);
    })));
    let count = || changes.load(Ordering::SeqCst);
    // Give the watcher its selection before anything happens.
    std::thread::sleep(Duration::from_millis(300));
    let before = count();
    desktop
        .run("xdotool", &["windowactivate", "--sync", &two])
        .unwrap();
    wait_until(Duration::from_secs(10), "a change for the focus", || {
        (count() > before).then_some(())
    })
    .unwrap();
    assert_eq!(sensor.foreground().unwrap().unwrap().title, "two");
    let settled = {
        std::thread::sleep(Duration::from_millis(300));
        count()
    };
    desktop
        .run("xdotool", &["set_window", "--name", "two (edited)", &two])
        .unwrap();
    wait_until(Duration::from_secs(10), "a change for the title", || {
        (count() > settled).then_some(())
    })
    .unwrap();
    assert_eq!(sensor.foreground().unwrap().unwrap().title, "two (edited)");
    std::thread::sleep(Duration::from_millis(300));
    let after_title = count();
    // The window behind changes its title: not the one in front, nothing to tell.
    desktop
        .run("xdotool", &["set_window", "--name", "one (edited)", &one])
        .unwrap();
    desktop.run("xdotool", &["getactivewindow"]).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(count(), after_title, "a background title is not a change");
}
