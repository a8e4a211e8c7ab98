//! The global shortcut on Xvfb: a key grab hears the shortcut typed with xdotool (with
//! Num Lock on too), held keys press once, a second program cannot take the same keys,
//! and a new shortcut replaces the old one.
#![cfg(target_os = "linux")]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use stint_sensors::x11_hotkey::X11Hotkeys;
use stint_sensors::{Accelerator, HotkeySource};
use stint_testkit::{wait_until, Desktop};

fn counter() -> (Arc<AtomicUsize>, Arc<dyn Fn() + Send + Sync>) {
    let presses = Arc::new(AtomicUsize::new(0));
    let count = presses.clone();
    (
        presses,
        Arc::new(move || {
            count.fetch_add(1, Ordering::SeqCst);
        }),
    )
}

fn wait_for(presses: &AtomicUsize, n: usize) {
    wait_until(Duration::from_secs(10), &format!("{n} presses"), || {
        (presses.load(Ordering::SeqCst) >= n).then_some(())
    })
    .unwrap();
}

#[test]
fn the_shortcut_is_heard_anywhere_once_per_press_and_held_by_one_program() {
    let desktop = Desktop::start("1024x768x24").unwrap();
    std::env::set_var("DISPLAY", &desktop.display);
    let accel: Accelerator = "Ctrl+Alt+Shift+Space".parse().unwrap();
    let hotkeys = X11Hotkeys::default();
    let (presses, on_press) = counter();
    hotkeys.set(Some(&accel), on_press).unwrap();

    desktop
        .run("xdotool", &["key", "ctrl+alt+shift+space"])
        .unwrap();
    wait_for(&presses, 1);
    // With Num Lock on, the modifiers X reports differ: still the shortcut.
    desktop.run("xdotool", &["key", "Num_Lock"]).unwrap();
    desktop
        .run("xdotool", &["key", "ctrl+alt+shift+space"])
        .unwrap();
    wait_for(&presses, 2);
    desktop.run("xdotool", &["key", "Num_Lock"]).unwrap();
    // Another key with the same modifiers is not the shortcut: the next press counts 3.
    desktop
        .run("xdotool", &["key", "ctrl+alt+shift+x"])
        .unwrap();
    desktop
        .run("xdotool", &["key", "ctrl+alt+shift+space"])
        .unwrap();
    wait_for(&presses, 3);
    assert_eq!(presses.load(Ordering::SeqCst), 3);
    // Held for a second (X repeats the key meanwhile): one press; the next press after it
    // is the fifth, so no repeat counted.
    desktop
        .run("xdotool", &["keydown", "ctrl+alt+shift+space"])
        .unwrap();
    wait_for(&presses, 4);
    std::thread::sleep(Duration::from_secs(1));
    desktop
        .run("xdotool", &["keyup", "ctrl+alt+shift+space"])
        .unwrap();
    desktop
        .run("xdotool", &["key", "ctrl+alt+shift+space"])
        .unwrap();
    wait_for(&presses, 5);
    assert_eq!(
        presses.load(Ordering::SeqCst),
        5,
        "a held shortcut is one press"
    );

    // Another program (another connection) cannot take the same keys.
    let other = X11Hotkeys::default();
    let (_, ignored) = counter();
    let refused = other.set(Some(&accel), ignored.clone()).unwrap_err();
    assert!(refused.contains("already taken"), "{refused}");
    // A different one it can, and the first program's new shortcut replaces its old one.
    let f9: Accelerator = "Ctrl+F9".parse().unwrap();
    other.set(Some(&f9), ignored).unwrap();
    other.set(None, counter().1).unwrap();
    let t: Accelerator = "Ctrl+Alt+T".parse().unwrap();
    hotkeys.set(Some(&t), counter().1).unwrap();
    let (_, again) = counter();
    X11Hotkeys::default()
        .set(Some(&accel), again)
        .expect("the old shortcut was let go");
}

/// Wayland: the shortcut through the GlobalShortcuts portal (played by the test on a
/// private session bus): bound with the accelerator as the preferred trigger, a press is
/// the portal's Activated signal, a new shortcut binds a new session; with no portal on
/// the bus, the user is told to bind `stint-cli toggle`.
#[test]
fn through_the_portal_the_shortcut_is_bound_and_its_presses_heard() {
    use stint_sensors::portal_hotkey::PortalHotkeys;
    use stint_testkit::shortcuts_portal::ShortcutsPortal;
    let bus = stint_testkit::Bus::start().unwrap();
    // The portal is reached on the session bus; this test binary's others use none.
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &bus.address);
    let hotkeys = PortalHotkeys::default();
    let accel: Accelerator = "Ctrl+Alt+Shift+Space".parse().unwrap();
    let refused = hotkeys.set(Some(&accel), counter().1).unwrap_err();
    assert!(refused.contains("stint-cli toggle"), "{refused}");

    let portal = ShortcutsPortal::start(&bus.address).unwrap();
    let (presses, on_press) = counter();
    hotkeys.set(Some(&accel), on_press).unwrap();
    let bound = portal.bound();
    assert_eq!(bound.len(), 1, "{bound:?}");
    assert_eq!(bound[0].id, "toggle-timer");
    assert_eq!(
        bound[0].preferred_trigger.as_deref(),
        Some("CTRL+ALT+SHIFT+space")
    );
    portal.activate("toggle-timer").unwrap();
    wait_for(&presses, 1);
    portal.activate("toggle-timer").unwrap();
    wait_for(&presses, 2);

    // A new shortcut: a new session with the new trigger; presses go to the new callback.
    let t: Accelerator = "Super+T".parse().unwrap();
    let (new_presses, on_new) = counter();
    hotkeys.set(Some(&t), on_new).unwrap();
    let last = portal.bound().pop().unwrap();
    assert_eq!(last.preferred_trigger.as_deref(), Some("LOGO+t"));
    portal.activate("toggle-timer").unwrap();
    wait_for(&new_presses, 1);
    assert_eq!(
        presses.load(Ordering::SeqCst),
        2,
        "the old session heard nothing more"
    );
}
