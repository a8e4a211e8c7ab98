//! What the desktop offers: a display to draw on, and a tray to live in.

/// Fails with a one-line explanation where no window can be shown, instead of the
/// toolkit's panic.
pub fn check_display() -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        let has = |v: &str| std::env::var_os(v).is_some_and(|s| !s.is_empty());
        if !has("DISPLAY") && !has("WAYLAND_DISPLAY") {
            return Err(
                "no graphical display (neither DISPLAY nor WAYLAND_DISPLAY is set); \
                 Stint's window and tray need a desktop session"
                    .into(),
            );
        }
        gtk::init().map_err(|e| format!("cannot open the display: {e}"))?;
    }
    Ok(())
}

/// Whether a tray icon can be created. On Linux the tray needs an AppIndicator library,
/// and without one the tray library panics instead of returning an error, so look first.
/// `STINT_NO_TRAY=1` forces the window-only mode.
pub fn tray_available() -> bool {
    if std::env::var_os("STINT_NO_TRAY").is_some_and(|v| v == "1") {
        return false;
    }
    #[cfg(target_os = "linux")]
    {
        let found = ["libayatana-appindicator3.so.1", "libappindicator3.so.1"]
            .iter()
            .any(|name| library_loads(name));
        if !found {
            log::warn!("no AppIndicator library: Stint runs without a tray icon");
        }
        found
    }
    #[cfg(not(target_os = "linux"))]
    true
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn library_loads(name: &str) -> bool {
    // SAFETY: these are the libraries the tray would load anyway; loading runs only their
    // own initialisers, and the handle is closed again at once.
    unsafe { libloading::Library::new(name) }.is_ok()
}
