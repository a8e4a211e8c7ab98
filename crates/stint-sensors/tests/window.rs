//! The real foreground window sensor on Xvfb + openbox: focus switched with xdotool, the
//! sensor follows, with a UTF-8 title or an old-style WM_NAME title (as xterm sets).

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
