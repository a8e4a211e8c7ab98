//! On Windows and macOS (the project's GitHub runners; this machine can only compile it):
//! session detection picks the platform's backends, idle time and the window in front are
//! read, and a screenshot either works or fails with a sentence (a macOS runner has no
//! screen-recording permission), never a panic.
#![cfg(any(windows, target_os = "macos"))]

use stint_sensors::session::{CaptureBackend, IdleBackend, SessionKind};
use stint_sensors::Sensors;

#[test]
fn the_platform_backends_answer() {
    let sensors = Sensors::detect();
    let expected = if cfg!(windows) {
        SessionKind::Windows
    } else {
        SessionKind::MacOs
    };
    assert_eq!(sensors.plan.session, expected);
    assert_eq!(sensors.plan.idle, IdleBackend::UserIdle);
    assert_eq!(sensors.plan.capture, CaptureBackend::Xcap);
    let idle = sensors.idle.idle_for().expect("idle time");
    assert!(idle < std::time::Duration::from_secs(365 * 24 * 3600));
    sensors
        .window
        .foreground()
        .expect("the window in front (or none)");
    match sensors.capturer.shoot() {
        Ok(shot) => assert!(shot
            .frames
            .iter()
            .all(|f| f.rgba.len() == (f.width * f.height * 4) as usize)),
        Err(e) => assert!(!e.advice().is_empty(), "{e}"),
    }
}
