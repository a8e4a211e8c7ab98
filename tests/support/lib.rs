//! What the end-to-end tests share: where the workspace's binaries are, the app started
//! signed in on its own desktop, and ways to find and stop the agent a window started.

mod app;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use app::SignedInApp;

/// How long a test waits for something a user would see within a few seconds.
pub const WAIT: Duration = Duration::from_secs(20);

/// A binary of this workspace (built by `cargo nextest run --workspace`).
fn bin(name: &str) -> PathBuf {
    stint_testkit::workspace_bin(name).unwrap_or_else(|e| panic!("{e:#}"))
}

/// The agent, `stint`.
pub fn agent_bin() -> PathBuf {
    bin("stint")
}

/// The window process, `stint-window`.
pub fn window_bin() -> PathBuf {
    bin("stint-window")
}

pub fn cli_bin() -> PathBuf {
    bin("stint-cli")
}

/// The pid of the agent serving `data_dir`, if one runs.
pub fn agent_pid(data_dir: &Path) -> Option<u32> {
    stint_testkit::find_process(
        &agent_bin(),
        &format!("STINT_DATA_DIR={}", data_dir.display()),
    )
}

/// The pid of the window process for `data_dir`, if one runs.
pub fn window_pid(data_dir: &Path) -> Option<u32> {
    stint_testkit::find_process(
        &window_bin(),
        &format!("STINT_DATA_DIR={}", data_dir.display()),
    )
}

/// Waits until the agent of `data_dir` answers (its process exists and its socket is up).
pub fn wait_for_agent(data_dir: &Path) -> anyhow::Result<u32> {
    stint_testkit::wait_until(WAIT, "the agent to run", || agent_pid(data_dir))
}

/// Ends every process of `data_dir` when dropped: the window process first (it would
/// start the agent again), then the agent (SIGTERM, then SIGKILL). A window started the
/// agent, so no guard of the test owns it.
pub struct AgentReaper(pub PathBuf);

fn signal_all(pids: impl IntoIterator<Item = u32>, signal: rustix::process::Signal) {
    for pid in pids {
        if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
            let _ = rustix::process::kill_process(pid, signal);
        }
    }
}

impl Drop for AgentReaper {
    fn drop(&mut self) {
        use rustix::process::Signal;
        let entry = format!("STINT_DATA_DIR={}", self.0.display());
        signal_all(window_pid(&self.0), Signal::KILL);
        for signal in [Signal::TERM, Signal::KILL] {
            signal_all(agent_pid(&self.0), signal);
            let _ = stint_testkit::wait_until(Duration::from_secs(5), "the agent to end", || {
                agent_pid(&self.0).is_none().then_some(())
            });
        }
        // Web-engine processes whose window was killed end by themselves; make sure.
        let rest = stint_testkit::processes_with_env(&entry)
            .into_iter()
            .filter(|(_, name)| name.starts_with("WebKit") && name != "WebKitWebDriver")
            .map(|(pid, _)| pid);
        signal_all(rest, Signal::KILL);
    }
}
