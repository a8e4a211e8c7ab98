//! Stint's window process (`stint-window`): the Tauri web view, alive only while a window
//! is open. It is a thin client of the agent's socket: every command is forwarded, every
//! agent event is passed to the UI, and it holds no business logic, SQL or HTTP. The agent
//! starts it to show a window; started by hand while no agent runs, it starts the agent
//! first. When its last window closes the process ends, and every web-engine process with
//! it, while the agent runs on in the tray.

/// The answer's value when it is the `$variant` answer (or `()` for `Done`): the one
/// shape every forwarding command has.
macro_rules! ask {
    ($link:expr, $command:expr, $variant:ident) => {
        match $link.call($command).await? {
            stint_ipc::protocol::Answer::$variant(value) => Ok(value),
            other => Err($crate::commands::unexpected(&other)),
        }
    };
    ($link:expr, $command:expr) => {
        match $link.call($command).await? {
            stint_ipc::protocol::Answer::Done => Ok(()),
            other => Err($crate::commands::unexpected(&other)),
        }
    };
}

mod bindings;
mod commands;
mod desktop;
mod link;
mod privacy;
mod window;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use stint_ipc::protocol::Command;
use stint_ipc::{AgentEvent, WindowKind};
use tauri::{Manager, RunEvent, WindowEvent};

pub use bindings::{export_typescript, specta_builder};
pub use link::LinkStatus;

/// What the window shows about the agent's process.
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// False where the desktop has no tray: closing the window then quits Stint.
    pub tray_available: bool,
    pub data_dir: String,
}

/// Which window to open first: `--window main|idle` (the agent says which).
fn first_window() -> Result<WindowKind, String> {
    let mut args = std::env::args().skip(1);
    let mut kind = WindowKind::Main;
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next().as_deref()) {
            ("--window", Some("main")) => kind = WindowKind::Main,
            ("--window", Some("idle")) => kind = WindowKind::Idle,
            _ => return Err(format!("unknown argument {arg:?}; use --window main|idle")),
        }
    }
    Ok(kind)
}

/// Passes an agent event to the UI; an answered idle prompt closes its small window.
fn forward(app: &tauri::AppHandle, event: AgentEvent) {
    use tauri_specta::Event;
    if let AgentEvent::IdleResolved { .. } = event {
        window::close_idle(app);
    }
    if let Err(e) = bindings::AgentChanged(event).emit(app) {
        log::warn!("could not send an event to the window: {e}");
    }
}

/// WebKitGTK's accelerated compositing runs a compositor pipeline (threads, a GPU or
/// software GL context) for every frame; Stint's window repaints a few digits once a
/// second, which the plain path does at a fraction of the cost. A user's own setting wins.
fn prefer_plain_rendering() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
}

/// Starts the window process; returns its exit code.
pub fn run() -> i32 {
    stint_ipc::paths::Paths::private_files();
    prefer_plain_rendering();
    if let Err(message) = desktop::check_display() {
        eprintln!("stint: {message}");
        return 1;
    }
    let kind = match first_window() {
        Ok(k) => k,
        Err(e) => {
            eprintln!("stint-window: {e}");
            return 2;
        }
    };
    let paths = match stint_ipc::paths::Paths::from_env() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("stint: {e}");
            return 1;
        }
    };
    let (agent, incoming) = match tauri::async_runtime::block_on(link::open(kind)) {
        Ok(link::Opened::Connected(agent, incoming)) => (agent, incoming),
        Ok(link::Opened::WindowOpen(message)) => {
            eprintln!("stint: {message}");
            return 0;
        }
        Err(e) => {
            eprintln!("stint: Stint's agent could not be reached: {e}");
            return 1;
        }
    };
    let log_dir = paths.log_dir();
    let specta = specta_builder();
    let main_closed = Arc::new(AtomicBool::new(false));
    let closed = main_closed.clone();
    let app = tauri::Builder::default()
        .plugin(
            tauri_plugin_log::Builder::new()
                .level(log::LevelFilter::Info)
                .targets([
                    tauri_plugin_log::Target::new(tauri_plugin_log::TargetKind::Stderr),
                    tauri_plugin_log::Target::new(tauri_plugin_log::TargetKind::Folder {
                        path: log_dir,
                        file_name: Some("window".into()),
                    }),
                ])
                .build(),
        )
        .invoke_handler(specta.invoke_handler())
        .on_window_event(move |window, event| {
            if window.label() == window::MAIN && matches!(event, WindowEvent::Destroyed) {
                closed.store(true, Ordering::SeqCst);
            }
        })
        .setup(move |app| {
            specta.mount_events(app);
            app.manage(paths);
            app.manage(agent.clone());
            tauri::async_runtime::spawn(agent.follow(app.handle().clone(), incoming));
            window::show(app.handle(), kind);
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("stint: could not start the window: {e}");
            return 1;
        }
    };
    app.run(move |app, event| {
        // The last window closed and the process ends. Without a tray, closing the main
        // window is how the user quits Stint: the agent ends too.
        if let RunEvent::ExitRequested { .. } = event {
            let agent = app.state::<link::AgentLink>();
            if main_closed.load(Ordering::SeqCst) && !agent.tray_available() {
                let quit = agent.call(Command::Quit);
                let _ = tauri::async_runtime::block_on(async {
                    tokio::time::timeout(std::time::Duration::from_secs(3), quit).await
                });
            }
        }
    });
    0
}
