//! The real idle sensor on Xvfb: idle time grows without input and drops after input.
#![cfg(target_os = "linux")]

use std::time::Duration;

use stint_sensors::{clocks, IdleSensorError, IdleSource, X11Idle};
use stint_testkit::Desktop;

#[test]
fn idle_time_grows_without_input_and_drops_after_input() {
    let desktop = Desktop::start("1024x768x24").unwrap();
    std::env::set_var("DISPLAY", &desktop.display);
    let sensor = X11Idle::default();
    desktop.run("xdotool", &["mousemove", "10", "10"]).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let before = sensor.idle_for().unwrap();
    assert!(before >= Duration::from_millis(1200), "{before:?}");
    std::thread::sleep(Duration::from_millis(1000));
    let later = sensor.idle_for().unwrap();
    assert!(
        later >= before + Duration::from_millis(800),
        "{before:?} then {later:?}"
    );
    // Moving to the same spot counts as input too.
    desktop.run("xdotool", &["mousemove", "10", "10"]).unwrap();
    let after = sensor.idle_for().unwrap();
    assert!(after < Duration::from_millis(500), "{after:?} after input");
    desktop.run("xdotool", &["key", "shift"]).unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let typed = sensor.idle_for().unwrap();
    assert!(
        typed < Duration::from_millis(1200) && typed >= Duration::from_millis(500),
        "{typed:?}"
    );
}

#[test]
fn without_a_display_the_sensor_says_so() {
    std::env::remove_var("DISPLAY");
    assert_eq!(
        X11Idle::default().idle_for(),
        Err(IdleSensorError::NoDisplay)
    );
}

#[test]
fn the_boot_clock_never_lags_the_awake_clock() {
    let (awake, boot) = clocks();
    assert!(boot >= awake);
    std::thread::sleep(Duration::from_millis(50));
    let (awake2, boot2) = clocks();
    assert!(awake2 - awake >= Duration::from_millis(50));
    // Nothing slept in between: both moved alike.
    let gap = (boot2 - boot).abs_diff(awake2 - awake);
    assert!(gap < Duration::from_millis(20), "{gap:?}");
}

/// Waiting for input costs nothing until it comes: the callback runs once, at the first
/// pointer motion, and not again for later input.
#[test]
fn the_first_input_after_a_wait_is_told_once() {
    use std::sync::mpsc;
    let desktop = Desktop::start("1024x768x24").unwrap();
    std::env::set_var("DISPLAY", &desktop.display);
    let sensor = X11Idle::default();
    let (tx, rx) = mpsc::channel();
    let first = tx.clone();
    assert!(sensor.on_next_input(Box::new(move || first.send("first").unwrap())));
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "no input yet, no call"
    );
    desktop
        .run("xdotool", &["mousemove", "200", "200"])
        .unwrap();
    assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok("first"));
    desktop
        .run("xdotool", &["mousemove", "300", "300"])
        .unwrap();
    assert!(
        rx.recv_timeout(Duration::from_millis(500)).is_err(),
        "told once"
    );
    // Armed again, a key press counts as well.
    assert!(sensor.on_next_input(Box::new(move || tx.send("key").unwrap())));
    std::thread::sleep(Duration::from_millis(200));
    desktop.run("xdotool", &["key", "shift"]).unwrap();
    assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok("key"));
}
