//! `stint`: the agent a user starts (or their session starts at login). It runs all day
//! with the tray and no web engine; the window is the separate `stint-window` program it
//! starts when one is wanted. A second `stint` finds the running one through its socket,
//! asks it to show the window, and exits.
//!
//! `stint [--no-window]`: `--no-window` starts the agent without showing the window (a
//! window process that found no agent starts it so).

use std::process::ExitCode;

use stint_agent::desktop::{self, DesktopError, Launch};
use stint_agent::socket::{self, SocketError};
use stint_agent::Paths;
use stint_ipc::protocol::Command;

fn init_logging(paths: &Paths) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = tracing_subscriber::EnvFilter::try_from_env("STINT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,zbus=warn,ksni=warn"));
    let file = std::fs::create_dir_all(paths.log_dir())
        .and_then(|()| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(paths.log_dir().join("agent.log"))
        })
        .ok();
    let to_file = file.map(|f| {
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(f))
    });
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(to_file)
        .try_init();
}

/// Where there is no display, say so in one line instead of starting a tray nobody sees.
fn check_display() -> Result<(), String> {
    let has = |v: &str| std::env::var_os(v).is_some_and(|s| !s.is_empty());
    if cfg!(target_os = "linux") && !has("DISPLAY") && !has("WAYLAND_DISPLAY") {
        return Err(
            "no graphical display (neither DISPLAY nor WAYLAND_DISPLAY is set); \
             Stint's tray and window need a desktop session (stint-cli serve runs without)"
                .into(),
        );
    }
    // Under Wayland the X display (if any) is XWayland, which the sensors do not use; a
    // WAYLAND_DISPLAY that does not answer leaves the X display, if that answers.
    if has("WAYLAND_DISPLAY") {
        match stint_sensors::wayland::offered_globals() {
            Ok(_) => return Ok(()),
            Err(e) if !has("DISPLAY") => return Err(e),
            Err(e) => {
                eprintln!("stint: {e}; using the X display");
                // Nothing here or in the window process asks that compositor again.
                std::env::remove_var("WAYLAND_DISPLAY");
            }
        }
    }
    if has("DISPLAY") {
        stint_sensors::check_x11_display()?;
    }
    Ok(())
}

/// What became of asking a running agent to take over.
enum HandOver {
    /// It answered: this process has nothing to do.
    Done,
    /// Nobody listens: this process becomes the agent.
    NoAgent,
    /// Something listens that must not be used or does not answer: said, and exit.
    Refused(String),
}

/// Asks the running agent to show its window (or only whether it runs).
fn hand_over(open_window: bool) -> HandOver {
    let path = socket::socket_path();
    let command = if open_window {
        Command::OpenWindow
    } else {
        Command::AgentInfo
    };
    match socket::call(&path, command) {
        Ok(Ok(_)) if open_window => {
            eprintln!("stint: Stint is already running; its window was brought to the front");
            HandOver::Done
        }
        Ok(Ok(_)) => {
            eprintln!("stint: Stint is already running");
            HandOver::Done
        }
        Ok(Err(e)) => {
            eprintln!("stint: Stint is already running ({})", e.message);
            HandOver::Done
        }
        Err(socket::CallError::NoAgent(_)) => HandOver::NoAgent,
        Err(e) => HandOver::Refused(e.to_string()),
    }
}

fn main() -> ExitCode {
    stint_agent::Paths::private_files();
    let mut open_window = true;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--no-window" => open_window = false,
            "--version" => {
                println!("stint {}", env!("CARGO_PKG_VERSION"));
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("stint: unknown argument {other:?}; use --no-window or --version");
                return ExitCode::from(2);
            }
        }
    }
    if let Err(message) = check_display() {
        eprintln!("stint: {message}");
        return ExitCode::from(1);
    }
    let paths = match Paths::from_env() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("stint: {e}");
            return ExitCode::from(1);
        }
    };
    match hand_over(open_window) {
        HandOver::Done => return ExitCode::SUCCESS,
        HandOver::Refused(why) => {
            eprintln!("stint: {why}");
            return ExitCode::from(1);
        }
        HandOver::NoAgent => {}
    }
    init_logging(&paths);
    // One thread: the agent's task, the socket, the tray and sync take turns on it, which
    // keeps the process small and its wakeups few. Screenshots run on a blocking thread.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("stint: {e}");
            return ExitCode::from(1);
        }
    };
    let launch = Launch {
        open_window,
        window_program: None,
    };
    match runtime.block_on(desktop::run(paths, launch)) {
        Ok(()) => ExitCode::SUCCESS,
        // Another agent started at the same moment: it serves, this one hands over.
        Err(DesktopError::Socket(SocketError::AgentRunning(_)))
            if matches!(hand_over(open_window), HandOver::Done) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("stint: {e:#}");
            ExitCode::from(1)
        }
    }
}
