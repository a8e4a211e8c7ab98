//! Stint's desktop shell: a thin Tauri adapter. It owns the tray and the window and
//! forwards every command to `stint-agent`; it holds no business logic, SQL or HTTP.

mod bindings;
mod commands;
mod desktop;
mod tray;
mod window;

use std::sync::Arc;

use stint_agent::{Agent, Paths, SystemClock};
use tauri::{Manager, RunEvent};

pub use bindings::{export_typescript, specta_builder};
pub use tray::{label as tray_label, perform, status_text as tray_status_text, TrayAction};

/// What the shell knows that the UI wants to show.
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// False where the desktop has no tray: closing the window then quits.
    pub tray_available: bool,
    pub data_dir: String,
}

/// Starts the app; returns the process exit code.
pub fn run() -> i32 {
    if let Err(message) = desktop::check_display() {
        eprintln!("stint: {message}");
        return 1;
    }
    let paths = match Paths::from_env() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("stint: {e}");
            return 1;
        }
    };
    let agent = match Agent::open(&paths, Arc::new(SystemClock)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("stint: {e:#}");
            return 1;
        }
    };
    let tray_wanted = desktop::tray_available();
    let info = AppInfo {
        tray_available: tray_wanted,
        data_dir: paths.data_dir.display().to_string(),
    };

    let specta = specta_builder();
    let app = tauri::Builder::default()
        // Must come first: a second launch is handed to the first before anything else runs.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            window::show(app);
        }))
        .plugin(
            tauri_plugin_log::Builder::new()
                .level(log::LevelFilter::Info)
                // zbus logs every single-instance D-Bus call at info level.
                .level_for("zbus", log::LevelFilter::Warn)
                .targets([
                    tauri_plugin_log::Target::new(tauri_plugin_log::TargetKind::Stderr),
                    tauri_plugin_log::Target::new(tauri_plugin_log::TargetKind::Folder {
                        path: paths.log_dir(),
                        file_name: Some("stint".into()),
                    }),
                ])
                .build(),
        )
        .plugin(tauri_plugin_notification::init())
        .invoke_handler(specta.invoke_handler())
        .setup(move |app| {
            specta.mount_events(app);
            app.manage(agent.clone());
            app.manage(paths);
            let tray_built = tray_wanted && tray::build(app.handle(), &agent).is_ok();
            app.manage(AppInfo {
                tray_available: tray_built,
                ..info
            });
            tauri::async_runtime::spawn(agent.clone().run_ticks());
            sign_in_from_env(&agent);
            tauri::async_runtime::spawn(forward_events(app.handle().clone(), agent.clone()));
            tauri::async_runtime::spawn(serve_socket(app.handle().clone(), agent.clone()));
            window::show(app.handle());
            // A prompt left unanswered before a restart is asked again.
            if matches!(agent.idle_prompt(), Ok(Some(_))) {
                window::show_idle(app.handle());
            }
            Ok(())
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("stint: could not start the desktop app: {e}");
            return 1;
        }
    };
    app.run(|app, event| match event {
        // The last window closed. With a tray, Stint keeps running there; the window was
        // destroyed, so its web view no longer costs memory.
        RunEvent::ExitRequested {
            code: None, api, ..
        } if app.state::<AppInfo>().tray_available => api.prevent_exit(),
        _ => {}
    });
    0
}

/// `scripts/run.sh` hands over its demo server's address and key; used only while the app
/// is not signed in, and never logged.
fn sign_in_from_env(agent: &Arc<Agent>) {
    let (Ok(server), Ok(key)) = (
        std::env::var("STINT_SIGN_IN_SERVER"),
        std::env::var("STINT_SIGN_IN_KEY"),
    ) else {
        return;
    };
    if agent.sync_status().state != stint_agent::SyncState::SignedOut {
        return;
    }
    let agent = agent.clone();
    tauri::async_runtime::spawn_blocking(move || match agent.sign_in(&server, &key) {
        Ok(_) => log::info!("signed in to {server}"),
        Err(e) => log::warn!("could not sign in to {server}: {e}"),
    });
}

/// A desktop notification; where no notification service runs, the log keeps the message.
fn notify(app: &tauri::AppHandle, message: &str) {
    use tauri_plugin_notification::NotificationExt;
    if let Err(e) = app
        .notification()
        .builder()
        .title("Stint")
        .body(message)
        .show()
    {
        log::warn!("could not show a notification ({e}): {message}");
    }
}

/// "Idle since 10:05, 25 minutes": for the notification.
fn idle_message(prompt: &stint_agent::IdlePrompt) -> String {
    let since = prompt
        .period
        .start
        .with_timezone(&chrono::Local)
        .format("%H:%M");
    let minutes = prompt.period.length().num_minutes();
    format!("Idle since {since}, {minutes} minutes. Keep or discard this time?")
}

/// Passes agent events to the window and keeps the tray current.
async fn forward_events(app: tauri::AppHandle, agent: Arc<Agent>) {
    use tauri_specta::Event;
    let mut events = agent.subscribe();
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            // Missed some: the window reloads everything on any event, so one is enough.
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                stint_agent::AgentEvent::EntriesChanged
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        };
        match &event {
            // The event carries the running entry: no need to read it again.
            stint_agent::AgentEvent::TimerChanged { running }
            | stint_agent::AgentEvent::Tick { running } => {
                tray::refresh(&app, running.as_ref(), agent.capture_armed());
            }
            stint_agent::AgentEvent::CaptureChanged { .. } => match agent.running() {
                Ok(running) => tray::refresh(&app, running.as_ref(), agent.capture_armed()),
                Err(e) => log::warn!("tray could not read the timer: {e}"),
            },
            stint_agent::AgentEvent::Notice { message, .. }
            | stint_agent::AgentEvent::CaptureProblem { message } => notify(&app, message),
            stint_agent::AgentEvent::IdlePrompt { prompt } => {
                notify(&app, &idle_message(prompt));
                tray::set_idle_pending(&app, true);
                window::show_idle(&app);
            }
            stint_agent::AgentEvent::AutoTrackerChanged { settings } => {
                tray::set_tracker_paused(&app, settings.paused);
            }
            stint_agent::AgentEvent::IdleResolved { .. } => {
                tray::set_idle_pending(&app, false);
                window::close_idle(&app);
            }
            _ => {}
        }
        if let Err(e) = bindings::AgentChanged(event).emit(&app) {
            log::warn!("could not send an event to the window: {e}");
        }
    }
}

/// The window's side of the agent socket: a second `stint` (or `stint-cli`) asks for the
/// window here.
struct WindowHost(tauri::AppHandle);

impl stint_agent::socket::Host for WindowHost {
    fn open_window(&self) -> bool {
        window::show(&self.0);
        true
    }
    fn quit(&self) -> bool {
        self.0.exit(0);
        true
    }
}

/// Serves the agent's socket (stint-ipc's protocol) while the app runs; without a runtime
/// directory, or with another agent on it, the app goes on without.
async fn serve_socket(app: tauri::AppHandle, agent: Arc<Agent>) {
    use stint_agent::socket::{socket_path, SocketServer};
    let Some(path) = socket_path() else {
        log::info!("no runtime directory: not serving the agent socket");
        return;
    };
    match SocketServer::bind(&path).await {
        Ok(server) => {
            log::info!("serving the agent socket at {}", path.display());
            server.serve(agent, Arc::new(WindowHost(app))).await;
        }
        Err(e) => log::warn!("not serving the agent socket: {e}"),
    }
}
