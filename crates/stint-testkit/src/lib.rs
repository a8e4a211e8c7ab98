//! Test support for Stint's end-to-end tests: a private X server (Xvfb) with a window
//! manager (openbox) and a D-Bus session bus, a headless sway session with solid Wayland
//! windows, WebDriver through tauri-driver, the real
//! stint-server on loopback, a fault-injecting proxy, and helpers to inspect processes. Everything started here is stopped when its guard drops.
//!
//! A missing tool is an error that names the package to install, never a skipped test.

mod agent_cli;
mod backlog;
mod bus;
mod database;
pub mod dbus;
mod desktop;
mod faults;
mod gnome_shell;
pub mod http;
pub mod logind;
mod mutter;
mod postgres;
mod procs;
mod rfb;
mod s3;
mod server;
pub mod shortcuts_portal;
mod solid;
mod sway;
mod webdriver;
mod wl_windows;

pub use agent_cli::AgentCli;
pub use backlog::queue_backlog;
pub use bus::Bus;
pub use database::WriteHold;
pub use desktop::Desktop;
pub use faults::{Fault, FaultProxy};
pub use gnome_shell::GnomeShell;
pub use mutter::Mutter;
pub use postgres::Postgres;
pub use procs::{
    children, context_switches, cpu_seconds, find_process, processes_with_env, pss_kib,
    tree_cpu_seconds, tree_pss_kib, Guard,
};
pub use rfb::Screen;
pub use s3::S3Server;
pub use server::{workspace_bin, TestServer};
pub use solid::SolidWindows;
pub use sway::Sway;
pub use webdriver::{Element, TauriDriver, WebDriver};
pub use wl_windows::WaylandWindows;

use std::path::PathBuf;

/// A private Wayland session (sway, mutter, GNOME Shell) that clients join through a few
/// environment variables.
pub trait WaylandSession {
    /// The variables a client of this session needs.
    fn env(&self) -> Vec<(&'static str, std::ffi::OsString)>;

    /// Makes this process a client of the session (for sensors used in-process): sets
    /// [`WaylandSession::env`] and removes `DISPLAY`, which would be XWayland's.
    fn enter(&self) {
        for (key, value) in self.env() {
            std::env::set_var(key, value);
        }
        std::env::remove_var("DISPLAY");
    }
}

/// What the headless-browser tests run on: Node, Debian's Chromium, and playwright-core
/// installed in `scripts` (their folder). Each one missing is an error naming what the
/// README's test command installs.
pub fn browser_tools(scripts: &std::path::Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    let node = require_tool("node", "the Debian package nodejs")?;
    let chromium = PathBuf::from("/usr/bin/chromium");
    anyhow::ensure!(
        chromium.is_file(),
        "/usr/bin/chromium is missing: install the Debian package chromium (the README's test command does)"
    );
    anyhow::ensure!(
        scripts.join("node_modules/playwright-core").is_dir(),
        "playwright-core is missing: run `npm ci` in {} (the README's test command does)",
        scripts.display()
    );
    Ok((node, chromium))
}

/// Finds an executable on PATH (or at `$CARGO_HOME/bin` for cargo-installed tools), or
/// says which package provides it.
pub fn require_tool(name: &str, package: &str) -> anyhow::Result<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    if let Some(home) = cargo_home {
        dirs.push(home.join("bin"));
    }
    dirs.into_iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            anyhow::anyhow!(
                "`{name}` is not installed; it comes from {package} \
                 (the README's test command installs it)"
            )
        })
}

/// Polls `probe` until it returns `Some`, or fails after `timeout` with `what`.
pub fn wait_until<T>(
    timeout: std::time::Duration,
    what: &str,
    mut probe: impl FnMut() -> Option<T>,
) -> anyhow::Result<T> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(v) = probe() {
            return Ok(v);
        }
        if std::time::Instant::now() > deadline {
            anyhow::bail!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// `dir/run`, made 0700 as a session's `XDG_RUNTIME_DIR` must be (compositors refuse
/// another mode).
pub fn private_runtime_dir(dir: &std::path::Path) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let runtime_dir = dir.join("run");
    std::fs::create_dir(&runtime_dir)?;
    std::fs::set_permissions(&runtime_dir, std::fs::Permissions::from_mode(0o700))?;
    Ok(runtime_dir)
}

/// Runs an async call to the end on a fresh one-thread runtime: plain test threads drive
/// the async sync client with it.
pub fn block<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
        .block_on(future)
}
