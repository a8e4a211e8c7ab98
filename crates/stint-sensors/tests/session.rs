//! Session detection: each kind of session picks its backends, and a capability that
//! cannot work there is named with a sentence for the user instead of a backend that would
//! record wrong data.

use stint_sensors::session::{
    plan, session_kind, Capability, CaptureBackend, Compositor, IdleBackend, LockBackend, Os,
    SessionFacts, SessionKind, WindowBackend,
};

fn linux(wayland: bool, x11: bool, desktop: &str, globals: &[&str]) -> SessionFacts {
    SessionFacts {
        os: Some(Os::Linux),
        wayland,
        x11,
        current_desktop: desktop.into(),
        globals: globals.iter().map(|g| (*g).to_owned()).collect(),
    }
}

const SWAY_1_7: &[&str] = &[
    "wl_seat",
    "wl_output",
    "org_kde_kwin_idle",
    "zwlr_foreign_toplevel_manager_v1",
    "zwlr_screencopy_manager_v1",
    "zxdg_output_manager_v1",
];

#[test]
fn x11_uses_the_x_server_for_everything_and_logind_for_locks() {
    let p = plan(&linux(false, true, "XFCE", &[]));
    assert_eq!(p.session, SessionKind::X11);
    assert_eq!(p.idle, IdleBackend::X11ScreenSaver);
    assert_eq!(p.window, WindowBackend::X11Ewmh);
    assert_eq!(p.capture, CaptureBackend::X11);
    assert_eq!(p.lock, LockBackend::Logind);
    assert!(p.missing().is_empty());
}

#[test]
fn under_wayland_the_x_display_is_xwayland_and_is_not_used() {
    // A GNOME Wayland session also sets DISPLAY (XWayland): it must not pick X11.
    let p = plan(&linux(true, true, "GNOME", &["wl_seat", "wl_output"]));
    assert_eq!(p.session, SessionKind::Wayland(Compositor::Gnome));
    assert_ne!(p.idle, IdleBackend::X11ScreenSaver);
    assert_ne!(p.window, WindowBackend::X11Ewmh);
    assert_ne!(p.capture, CaptureBackend::X11);
}

#[test]
fn wlroots_compositors_use_their_protocols_without_dialogs() {
    let p = plan(&linux(true, false, "sway", SWAY_1_7));
    assert_eq!(p.session, SessionKind::Wayland(Compositor::Wlroots));
    assert_eq!(p.idle, IdleBackend::WaylandNotify);
    assert_eq!(p.window, WindowBackend::WlrForeignToplevel);
    assert_eq!(p.capture, CaptureBackend::WlrScreencopy);
    assert!(p.missing().is_empty());
    // Detected by its globals even where XDG_CURRENT_DESKTOP says nothing.
    assert_eq!(
        session_kind(&linux(true, false, "", SWAY_1_7)),
        SessionKind::Wayland(Compositor::Wlroots)
    );
    // sway 1.8+ offers the standard idle protocol instead.
    let newer = plan(&linux(
        true,
        false,
        "sway",
        &["ext_idle_notifier_v1", "zwlr_foreign_toplevel_manager_v1"],
    ));
    assert_eq!(newer.idle, IdleBackend::WaylandNotify);
}

#[test]
fn gnome_uses_mutter_and_the_portal_and_says_the_window_cannot_be_seen() {
    let p = plan(&linux(
        true,
        true,
        "ubuntu:GNOME",
        &["wl_seat", "wl_output", "zxdg_output_manager_v1"],
    ));
    assert_eq!(p.session, SessionKind::Wayland(Compositor::Gnome));
    assert_eq!(p.idle, IdleBackend::MutterIdleMonitor);
    assert_eq!(p.capture, CaptureBackend::Portal);
    let missing = p.missing();
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0].0, Capability::Window);
    assert!(
        missing[0].1.contains("GNOME") && missing[0].1.contains("X11"),
        "{}",
        missing[0].1
    );
}

#[test]
fn kde_uses_its_idle_protocol_and_the_portal() {
    let p = plan(&linux(
        true,
        true,
        "KDE",
        &["wl_seat", "ext_idle_notifier_v1", "org_kde_kwin_idle"],
    ));
    assert_eq!(p.session, SessionKind::Wayland(Compositor::Kde));
    assert_eq!(p.idle, IdleBackend::WaylandNotify);
    assert_eq!(p.capture, CaptureBackend::Portal);
    assert!(matches!(p.window, WindowBackend::Missing(ref m) if m.contains("KDE")));
}

#[test]
fn an_unknown_compositor_without_protocols_is_told_plainly() {
    let p = plan(&linux(true, false, "weston", &["wl_seat", "wl_output"]));
    assert_eq!(
        p.session,
        SessionKind::Wayland(Compositor::Other("weston".into()))
    );
    let missing = p.missing();
    let capabilities: Vec<Capability> = missing.iter().map(|m| m.0).collect();
    assert_eq!(capabilities, [Capability::Idle, Capability::Window]);
    assert!(
        missing[0].1.contains("idle time is not detected"),
        "{}",
        missing[0].1
    );
    assert_eq!(p.capture, CaptureBackend::Portal);
}

#[test]
fn no_display_means_no_sensors_and_says_why() {
    let p = plan(&linux(false, false, "", &[]));
    assert_eq!(p.session, SessionKind::NoDisplay);
    let missing = p.missing();
    assert_eq!(missing.len(), 3);
    assert!(missing
        .iter()
        .all(|(_, m)| m.contains("no graphical session")));
}

#[test]
fn windows_and_macos_use_their_crates_and_say_locks_are_not_seen_yet() {
    for (os, window) in [
        (Os::Windows, WindowBackend::ActiveWinPos),
        (Os::MacOs, WindowBackend::AppKit),
    ] {
        let p = plan(&SessionFacts {
            os: Some(os),
            ..SessionFacts::default()
        });
        assert_eq!(p.idle, IdleBackend::UserIdle);
        assert_eq!(p.window, window);
        assert_eq!(p.capture, CaptureBackend::Xcap);
        assert!(matches!(p.lock, LockBackend::Missing(_)));
    }
}

#[test]
fn the_compositor_tells_gnome_and_kde_apart_without_xdg_current_desktop() {
    assert_eq!(
        session_kind(&linux(true, false, "", &["wl_seat", "gtk_shell1"])),
        SessionKind::Wayland(Compositor::Gnome)
    );
    assert_eq!(
        session_kind(&linux(
            true,
            false,
            "",
            &["wl_seat", "org_kde_plasma_shell"]
        )),
        SessionKind::Wayland(Compositor::Kde)
    );
}
