//! The windows of this process: the main window and the small always-on-top idle prompt.
//! Closing the last one ends the process, and with it every web-engine process.

use stint_ipc::WindowKind;
use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};

pub const MAIN: &str = "main";
pub const IDLE: &str = "idle";

/// The web view's own files (cache, storage) live with Stint's data, so one data
/// directory holds everything and side-by-side agents do not share them.
fn web_data(app: &AppHandle) -> std::path::PathBuf {
    app.state::<stint_ipc::paths::Paths>()
        .data_dir
        .join("webview")
}

/// Brings a window to the front, creating it if it is not open. Every call runs on the
/// main thread, one after another: a show that arrives while the first window is being
/// built (a second launch at start-up) finds it instead of building a second one.
pub fn show(app: &AppHandle, kind: WindowKind) {
    let handle = app.clone();
    if let Err(e) = app.run_on_main_thread(move || show_now(&handle, kind)) {
        log::error!("could not reach the main thread to show a window: {e}");
    }
}

fn show_now(app: &AppHandle, kind: WindowKind) {
    let (label, page, title, size) = match kind {
        WindowKind::Main => (MAIN, "index.html", "Stint", (440.0, 640.0)),
        WindowKind::Idle => (IDLE, "idle.html", "Stint — idle time", (400.0, 240.0)),
    };
    if let Some(window) = app.get_webview_window(label) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
        return;
    }
    let mut builder = WebviewWindowBuilder::new(app, label, WebviewUrl::App(page.into()))
        .data_directory(web_data(app))
        .title(title)
        .inner_size(size.0, size.1);
    builder = match kind {
        WindowKind::Main => builder.min_inner_size(360.0, 420.0),
        WindowKind::Idle => builder.resizable(false).always_on_top(true).focused(true),
    };
    if let Err(e) = builder.build() {
        log::error!("could not open the {label} window: {e}");
    }
}

/// Closes the idle prompt once it is answered.
pub fn close_idle(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(IDLE) {
        let _ = window.destroy();
    }
}
