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

/// Ends the web engine's helper processes once no window is open. WebKitGTK keeps its
/// network process alive for the app's lifetime even with no web view left (Tauri keeps
/// the web context for that reason), which would cost a tray-only Stint ~30 MB for nothing.
/// WebKit starts a new one when the window is opened again.
///
/// Not under WebDriver: WebKit's automation session counts the network process ending as a
/// crash and ends the session, so a driven app keeps it (the web process still exits).
pub fn release_web_processes() {
    if std::env::var("TAURI_WEBVIEW_AUTOMATION").as_deref() == Ok("true") {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{kill_process, Pid, Signal};
        let me = std::process::id().to_string();
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return;
        };
        for pid in dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok()) {
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
                continue;
            };
            let is_webkit_helper = stat[open + 1..close].starts_with("WebKitNetwork");
            let parent = stat[close + 2..].split(' ').nth(1);
            if is_webkit_helper && parent == Some(me.as_str()) {
                if let Some(pid) = Pid::from_raw(pid) {
                    log::info!("window closed: ending web engine helper {pid:?}");
                    let _ = kill_process(pid, Signal::TERM);
                }
            }
        }
    }
}
