//! The main window. Closing it destroys it (and its web view's processes); showing it
//! again builds a new one.

use stint_agent::Paths;
use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};

pub const MAIN: &str = "main";

/// Brings the main window to the front, creating it if it was closed.
pub fn show(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
        return;
    }
    // The web view's own files (cache, storage) live with Stint's data, so one data
    // directory holds everything and side-by-side agents do not share them.
    let web_data = app.state::<Paths>().data_dir.join("webview");
    let built = WebviewWindowBuilder::new(app, MAIN, WebviewUrl::App("index.html".into()))
        .data_directory(web_data)
        .title("Stint")
        .inner_size(440.0, 640.0)
        .min_inner_size(360.0, 420.0)
        .build();
    if let Err(e) = built {
        log::error!("could not open the window: {e}");
    }
}

pub const IDLE: &str = "idle";

/// The small always-on-top idle prompt; the main window shows the same prompt, so
/// closing this one loses nothing (the tray reopens it).
pub fn show_idle(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(IDLE) {
        let _ = window.show();
        let _ = window.set_focus();
        return;
    }
    let web_data = app.state::<Paths>().data_dir.join("webview");
    let built = WebviewWindowBuilder::new(app, IDLE, WebviewUrl::App("idle.html".into()))
        .data_directory(web_data)
        .title("Stint — idle time")
        .inner_size(400.0, 240.0)
        .resizable(false)
        .always_on_top(true)
        .focused(true)
        .build();
    if let Err(e) = built {
        log::error!("could not open the idle prompt: {e}");
    }
}

/// Closes the idle prompt once it is answered.
pub fn close_idle(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(IDLE) {
        let _ = window.destroy();
    }
}
