//! Which desktop Stint runs on, and which backend serves each capability there. The facts
//! (environment variables, the Wayland globals the compositor offers) are gathered once at
//! start; [`plan`] is a pure function of them, so every kind of session is tested without
//! one. Where a capability cannot work, the plan says why in words the user can act on,
//! and the agent gets a source that answers with that error: it never guesses.

/// The operating system, as compiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    Windows,
    MacOs,
}

impl Os {
    pub fn current() -> Os {
        if cfg!(windows) {
            Os::Windows
        } else if cfg!(target_os = "macos") {
            Os::MacOs
        } else {
            Os::Linux
        }
    }
}

/// What is known about the session before any backend is chosen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionFacts {
    /// `None`: the OS this was compiled for.
    pub os: Option<Os>,
    /// `WAYLAND_DISPLAY` is set.
    pub wayland: bool,
    /// `DISPLAY` is set (under Wayland that is XWayland).
    pub x11: bool,
    /// `XDG_CURRENT_DESKTOP`, e.g. `GNOME`, `KDE`, `sway`, `Hyprland` (`:`-separated list).
    pub current_desktop: String,
    /// The Wayland globals the compositor offers, by interface name.
    pub globals: Vec<String>,
}

/// The Wayland compositor family, which decides the backends without a standard protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compositor {
    Gnome,
    Kde,
    /// sway, Hyprland, river, labwc, Wayfire…: it offers the wlr protocols.
    Wlroots,
    /// Named by `XDG_CURRENT_DESKTOP`, or empty.
    Other(String),
}

/// The kind of session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionKind {
    X11,
    Wayland(Compositor),
    Windows,
    MacOs,
    /// Linux without `DISPLAY` or `WAYLAND_DISPLAY`.
    NoDisplay,
}

/// A capability the agent needs from the desktop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capability {
    Idle,
    Lock,
    Window,
    Screenshots,
    /// The global shortcut that starts and stops the timer.
    Shortcut,
}

impl Capability {
    /// The feature the user knows it by.
    pub fn feature(self) -> &'static str {
        match self {
            Capability::Idle => "Idle detection",
            Capability::Lock => "Screen lock and sleep",
            Capability::Window => "Auto tracker",
            Capability::Screenshots => "Screenshots",
            Capability::Shortcut => "Global shortcut",
        }
    }
}

/// Where idle time comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdleBackend {
    /// The X screen saver extension.
    X11ScreenSaver,
    /// Wayland `ext-idle-notify-v1` or, failing that, `org_kde_kwin_idle`.
    WaylandNotify,
    /// `org.gnome.Mutter.IdleMonitor` on the session bus.
    MutterIdleMonitor,
    /// `GetLastInputInfo` (Windows) or `CGEventSourceSecondsSinceLastEventType` (macOS),
    /// through the `user-idle` crate.
    UserIdle,
    Missing(String),
}

/// Where the window in front comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowBackend {
    /// EWMH `_NET_ACTIVE_WINDOW` over x11rb.
    X11Ewmh,
    /// `wlr-foreign-toplevel-management`.
    WlrForeignToplevel,
    /// The `active-win-pos-rs` crate (Windows).
    ActiveWinPos,
    /// `NSWorkspace.frontmostApplication` through `objc2-app-kit` (macOS).
    AppKit,
    Missing(String),
}

/// Where screenshots come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureBackend {
    /// One read of the X root window (xcap for a single monitor).
    X11,
    /// `wlr-screencopy`, no dialog.
    WlrScreencopy,
    /// xdg-desktop-portal's Screenshot interface (asks for permission once).
    Portal,
    /// xcap (Windows, macOS).
    Xcap,
    Missing(String),
}

/// Where screen locks and sleep come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockBackend {
    /// systemd-logind on the system bus: `PrepareForSleep`, the session's `Lock`/`Unlock`
    /// and `LockedHint`.
    Logind,
    Missing(String),
}

/// The backend chosen for each capability.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub session: SessionKind,
    pub idle: IdleBackend,
    pub window: WindowBackend,
    pub capture: CaptureBackend,
    pub lock: LockBackend,
}

impl Plan {
    /// The capabilities that cannot work here, with what to tell the user.
    pub fn missing(&self) -> Vec<(Capability, String)> {
        let mut missing = Vec::new();
        if let IdleBackend::Missing(why) = &self.idle {
            missing.push((Capability::Idle, why.clone()));
        }
        if let LockBackend::Missing(why) = &self.lock {
            missing.push((Capability::Lock, why.clone()));
        }
        if let WindowBackend::Missing(why) = &self.window {
            missing.push((Capability::Window, why.clone()));
        }
        if let CaptureBackend::Missing(why) = &self.capture {
            missing.push((Capability::Screenshots, why.clone()));
        }
        missing
    }
}

fn desktop_has(facts: &SessionFacts, names: &[&str]) -> bool {
    facts
        .current_desktop
        .split(':')
        .any(|d| names.iter().any(|n| d.eq_ignore_ascii_case(n)))
}

fn offers(facts: &SessionFacts, interface: &str) -> bool {
    facts.globals.iter().any(|g| g == interface)
}

/// The session kind the facts describe.
pub fn session_kind(facts: &SessionFacts) -> SessionKind {
    match facts.os.unwrap_or_else(Os::current) {
        Os::Windows => SessionKind::Windows,
        Os::MacOs => SessionKind::MacOs,
        // Mutter offers gtk_shell1 and KWin org_kde_plasma_shell: the compositor says what
        // it is even where XDG_CURRENT_DESKTOP is missing.
        Os::Linux if facts.wayland => SessionKind::Wayland(
            if desktop_has(facts, &["GNOME"]) || offers(facts, "gtk_shell1") {
                Compositor::Gnome
            } else if desktop_has(facts, &["KDE"]) || offers(facts, "org_kde_plasma_shell") {
                Compositor::Kde
            } else if offers(facts, "zwlr_foreign_toplevel_manager_v1")
                || offers(facts, "zwlr_screencopy_manager_v1")
            {
                Compositor::Wlroots
            } else {
                Compositor::Other(facts.current_desktop.clone())
            },
        ),
        Os::Linux if facts.x11 => SessionKind::X11,
        Os::Linux => SessionKind::NoDisplay,
    }
}

/// Picks a backend for each capability.
pub fn plan(facts: &SessionFacts) -> Plan {
    let session = session_kind(facts);
    let lock = LockBackend::Logind;
    let (idle, window, capture, lock) = match &session {
        SessionKind::Windows => (
            IdleBackend::UserIdle,
            WindowBackend::ActiveWinPos,
            CaptureBackend::Xcap,
            LockBackend::Missing(
                "Stint does not yet see a locked screen or sleep on Windows; after the idle \
                 threshold without input the time is still asked about."
                    .into(),
            ),
        ),
        SessionKind::MacOs => (
            IdleBackend::UserIdle,
            WindowBackend::AppKit,
            CaptureBackend::Xcap,
            LockBackend::Missing(
                "Stint does not yet see a locked screen or sleep on macOS; after the idle \
                 threshold without input the time is still asked about."
                    .into(),
            ),
        ),
        SessionKind::X11 => (
            IdleBackend::X11ScreenSaver,
            WindowBackend::X11Ewmh,
            CaptureBackend::X11,
            lock,
        ),
        SessionKind::NoDisplay => {
            let why = "there is no graphical session (neither DISPLAY nor WAYLAND_DISPLAY is set)";
            (
                IdleBackend::Missing(format!("Idle time cannot be detected: {why}.")),
                WindowBackend::Missing(format!("The auto tracker cannot see windows: {why}.")),
                CaptureBackend::Missing(format!("Screenshots cannot be taken: {why}.")),
                lock,
            )
        }
        SessionKind::Wayland(compositor) => (
            wayland_idle(facts, compositor),
            wayland_window(facts, compositor),
            if offers(facts, "zwlr_screencopy_manager_v1") {
                CaptureBackend::WlrScreencopy
            } else {
                CaptureBackend::Portal
            },
            lock,
        ),
    };
    Plan {
        session,
        idle,
        window,
        capture,
        lock,
    }
}

fn wayland_idle(facts: &SessionFacts, compositor: &Compositor) -> IdleBackend {
    if offers(facts, "ext_idle_notifier_v1") || offers(facts, "org_kde_kwin_idle") {
        IdleBackend::WaylandNotify
    } else if *compositor == Compositor::Gnome {
        IdleBackend::MutterIdleMonitor
    } else {
        IdleBackend::Missing(
            "This desktop does not tell apps how long you have been away (it offers neither \
             ext-idle-notify-v1 nor org_kde_kwin_idle), so idle time is not detected: stop \
             the timer yourself when you leave, or use a desktop that offers them."
                .into(),
        )
    }
}

fn wayland_window(facts: &SessionFacts, compositor: &Compositor) -> WindowBackend {
    if offers(facts, "zwlr_foreign_toplevel_manager_v1") {
        return WindowBackend::WlrForeignToplevel;
    }
    WindowBackend::Missing(match compositor {
        Compositor::Gnome => "GNOME on Wayland does not let apps see which window is in front, \
             so the auto tracker records nothing here. It works in an X11 session \
             (\"GNOME on Xorg\" at the login screen)."
            .into(),
        Compositor::Kde => "KDE Plasma on Wayland does not let apps see which window is in \
             front without a KWin script, which Stint does not have yet, so the auto tracker \
             records nothing here. It works in an X11 session (\"Plasma (X11)\" at the login \
             screen)."
            .into(),
        Compositor::Wlroots | Compositor::Other(_) => "This desktop does not tell apps which \
             window is in front (it offers no wlr-foreign-toplevel-management), so the auto \
             tracker records nothing here."
            .into(),
    })
}

/// The facts of the running session: environment variables and, under Wayland, the
/// compositor's globals (one short connection).
pub fn facts() -> SessionFacts {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    #[allow(unused_mut)]
    let mut wayland = set("WAYLAND_DISPLAY");
    #[cfg(target_os = "linux")]
    let globals = if wayland {
        // A WAYLAND_DISPLAY left over from another session names nothing that answers:
        // then this is not a Wayland session (an X display may still be there).
        crate::wayland::offered_globals().unwrap_or_else(|e| {
            tracing::warn!("{e}: not using Wayland");
            wayland = false;
            Vec::new()
        })
    } else {
        Vec::new()
    };
    #[cfg(not(target_os = "linux"))]
    let globals = Vec::new();
    SessionFacts {
        os: None,
        wayland,
        x11: set("DISPLAY"),
        current_desktop: std::env::var("XDG_CURRENT_DESKTOP").unwrap_or_default(),
        globals,
    }
}
