//! GNOME on Wayland, in a real headless mutter 43: idle time from Mutter's IdleMonitor
//! (input through its RemoteDesktop interface), and session detection: Mutter for idle
//! time, the portal for screenshots, and a plain sentence instead of a window sensor.
#![cfg(target_os = "linux")]

use std::sync::mpsc;
use std::time::Duration;

use stint_sensors::gnome::MutterIdle;
use stint_sensors::session::{CaptureBackend, Compositor, IdleBackend, SessionKind};
use stint_sensors::{Capability, IdleSource, Sensors};
use stint_testkit::{wait_until, Mutter, WaylandSession};

#[test]
fn mutter_tells_idle_time_and_the_next_input() {
    let mut mutter = Mutter::start().unwrap();
    mutter.enter();
    let sensor = MutterIdle::connect(Duration::from_secs(1)).unwrap();
    let idle = wait_until(Duration::from_secs(10), "idle time", || {
        let idle = sensor.idle_for().unwrap();
        (idle >= Duration::from_millis(1500)).then_some(idle)
    })
    .unwrap();
    let (tx, input) = mpsc::channel();
    assert!(sensor.on_next_input(Box::new(move || tx.send(()).unwrap())));
    assert!(sensor.idle_for().unwrap() >= idle);
    mutter.press_key().unwrap();
    input
        .recv_timeout(Duration::from_secs(10))
        .expect("told of the input");
    assert!(sensor.idle_for().unwrap() < Duration::from_secs(1));
    // And idle again after the resolution.
    wait_until(Duration::from_secs(10), "idle time again", || {
        (sensor.idle_for().unwrap() >= Duration::from_secs(1)).then_some(())
    })
    .unwrap();
}

#[test]
fn a_restarted_gnome_shell_is_watched_again() {
    let mut mutter = Mutter::start().unwrap();
    mutter.enter();
    let sensor = MutterIdle::connect(Duration::from_secs(1)).unwrap();
    mutter.restart().unwrap();
    // The new Mutter's watches: idle time grows, and the next input is told.
    wait_until(
        Duration::from_secs(20),
        "idle time from the new Mutter",
        || (sensor.idle_for().ok()? >= Duration::from_millis(1500)).then_some(()),
    )
    .unwrap();
    let (tx, input) = mpsc::channel();
    assert!(sensor.on_next_input(Box::new(move || tx.send(()).unwrap())));
    mutter.press_key().unwrap();
    input
        .recv_timeout(Duration::from_secs(10))
        .expect("told of the input after the restart");
}

#[test]
fn on_gnome_the_window_sensor_is_missing_with_a_sentence_and_gives_no_data() {
    let mutter = Mutter::start().unwrap();
    mutter.enter();
    // GNOME's Wayland session sets DISPLAY too (XWayland): it must not be used.
    std::env::set_var("DISPLAY", ":99");
    let sensors = Sensors::detect();
    assert_eq!(
        sensors.plan.session,
        SessionKind::Wayland(Compositor::Gnome)
    );
    assert_eq!(sensors.plan.idle, IdleBackend::MutterIdleMonitor);
    assert_eq!(sensors.plan.capture, CaptureBackend::Portal);
    let window: Vec<_> = sensors
        .missing
        .iter()
        .filter(|(c, _)| *c == Capability::Window)
        .collect();
    assert_eq!(window.len(), 1, "{:?}", sensors.missing);
    assert!(window[0].1.contains("GNOME on Wayland"), "{}", window[0].1);
    assert!(sensors.window.foreground().is_err(), "no window data, ever");
    assert!(
        !sensors.missing.iter().any(|(c, _)| *c == Capability::Idle),
        "idle time works: {:?}",
        sensors.missing
    );
    sensors.idle.idle_for().unwrap();
}
