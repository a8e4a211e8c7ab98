//! The real capturer on real X servers: one Xvfb monitor, and two Xvnc monitors of
//! different sizes, each showing its own colour.
#![cfg(target_os = "linux")]

use stint_sensors::{CaptureError, Frame, ScreenCapturer, XcapCapturer};
use stint_testkit::{Desktop, SolidWindows};

const RED: u32 = 0xd0_20_20;
const BLUE: u32 = 0x20_40_d0;

fn use_display(desktop: &Desktop) {
    // Each test runs in its own process under nextest, so this touches no other test.
    std::env::set_var("DISPLAY", &desktop.display);
    std::env::remove_var("WAYLAND_DISPLAY");
}

fn pixel(frame: &Frame, x: u32, y: u32) -> [u8; 3] {
    let i = ((y * frame.width + x) * 4) as usize;
    [frame.rgba[i], frame.rgba[i + 1], frame.rgba[i + 2]]
}

fn rgb(c: u32) -> [u8; 3] {
    [(c >> 16) as u8, (c >> 8) as u8, c as u8]
}

/// Shoots until the windows have been drawn (mapping is asynchronous).
fn shoot_until(check: impl Fn(&[Frame]) -> bool) -> Vec<Frame> {
    stint_testkit::wait_until(
        std::time::Duration::from_secs(10),
        "the windows on screen",
        || {
            let shot = XcapCapturer.shoot().expect("capture works");
            assert!(
                shot.failed.is_empty(),
                "a monitor failed: {:?}",
                shot.failed
            );
            check(&shot.frames).then_some(shot.frames)
        },
    )
    .unwrap()
}

#[test]
fn one_monitor_on_xvfb() {
    let desktop = Desktop::start("1280x800x24").unwrap();
    use_display(&desktop);
    let windows = SolidWindows::connect(&desktop.display).unwrap();
    windows.add(0, 0, 1280, 800, RED).unwrap();
    let frames = shoot_until(|f| f.len() == 1 && pixel(&f[0], 640, 400) == rgb(RED));
    let f = &frames[0];
    assert_eq!((f.width, f.height), (1280, 800));
    assert_eq!((f.monitor.width, f.monitor.height), (1280, 800));
    assert_eq!(f.rgba.len(), 1280 * 800 * 4);
}

#[test]
fn two_monitors_of_different_sizes_on_xvnc_each_show_their_own_picture() {
    let desktop = Desktop::start_monitors(&[(1280, 800), (1024, 768)]).unwrap();
    use_display(&desktop);
    let windows = SolidWindows::connect(&desktop.display).unwrap();
    windows.add(0, 0, 1280, 800, RED).unwrap();
    windows.add(1280, 0, 1024, 768, BLUE).unwrap();
    let frames = shoot_until(|f| {
        f.len() == 2
            && f.iter().all(|f| {
                let want = if f.monitor.x == 0 { RED } else { BLUE };
                pixel(f, f.width / 2, f.height / 2) == rgb(want)
            })
    });
    let mut sizes: Vec<_> = frames
        .iter()
        .map(|f| (f.monitor.x, f.width, f.height))
        .collect();
    sizes.sort();
    assert_eq!(sizes, vec![(0, 1280, 800), (1280, 1024, 768)]);
    // Every pixel of each picture is its own monitor's colour: no picture spans both.
    for f in &frames {
        let want = rgb(if f.monitor.x == 0 { RED } else { BLUE });
        for (x, y) in [
            (0, 0),
            (f.width - 1, 0),
            (0, f.height - 1),
            (f.width - 1, f.height - 1),
        ] {
            assert_eq!(pixel(f, x, y), want, "{} at {x},{y}", f.monitor.name);
        }
    }
    let names: std::collections::HashSet<_> = frames.iter().map(|f| &f.monitor.name).collect();
    assert_eq!(names.len(), 2, "monitors have distinct names");
    // Both pictures come from one read of the screen: the same instant, no skew.
    assert_eq!(frames[0].grabbed_at, frames[1].grabbed_at);
}

#[test]
fn a_sharp_screen_becomes_a_small_blurred_picture() {
    let desktop = Desktop::start("1920x1080x24").unwrap();
    use_display(&desktop);
    let windows = SolidWindows::connect(&desktop.display).unwrap();
    windows.add(0, 0, 1920, 1080, 0xffffff).unwrap();
    // Small dark squares like letters on a page.
    for row in 0..30i16 {
        for col in 0..60i16 {
            if (row + col) % 3 != 0 {
                windows
                    .add(40 + col * 30, 40 + row * 32, 9, 12, 0x101010)
                    .unwrap();
            }
        }
    }
    // Row 0, column 1 holds a square.
    let frames = shoot_until(|f| pixel(&f[0], 74, 44) == [0x10; 3]);
    let f = &frames[0];
    let settings = stint_capture::Settings::default();
    let grey_sharpness = |settings| {
        let (picture, _) = stint_capture::process(f.width, f.height, &f.rgba, settings).unwrap();
        assert!(picture.width.max(picture.height) <= settings.max_side);
        let decoded = image::load_from_memory(&picture.jpeg).unwrap().to_luma8();
        let (w, h) = decoded.dimensions();
        stint_capture::sharpness(w, h, decoded.as_raw())
    };
    let unblurred = grey_sharpness(stint_capture::Settings {
        blur: 0,
        ..settings
    });
    let blurred = grey_sharpness(settings);
    assert!(
        blurred * 20.0 < unblurred,
        "blurred sharpness {blurred:.1} is not far below the unblurred {unblurred:.1}"
    );
}

#[test]
fn no_display_is_an_error_not_a_crash() {
    std::env::remove_var("DISPLAY");
    std::env::remove_var("WAYLAND_DISPLAY");
    assert_eq!(XcapCapturer.shoot().unwrap_err(), CaptureError::NoDisplay);
    assert!(CaptureError::NoDisplay
        .advice()
        .contains("graphical session"));
}
