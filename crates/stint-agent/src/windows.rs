//! The window process, seen from the agent. There is at most one: the agent starts it
//! (`stint-window --window main|idle`) when a window is wanted and none is connected, and
//! asks a connected one to show a window instead. A second window process that says hello
//! while one is connected is refused with `window_open` and the first shows the window it
//! wanted, so two clicks or two launches never make two windows. The process ends by
//! itself when its last window closes, taking every web-engine process with it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use stint_ipc::protocol::FromAgent;
use stint_ipc::WindowKind;
use tokio::sync::mpsc;

/// How long a started window process may take to connect before another may be started.
const LAUNCH_GRACE: Duration = Duration::from_secs(15);

/// The window process holding the slot: its claim number, its queue and its pid (from
/// the socket's peer credentials, where the OS tells).
struct Connected {
    id: u64,
    tx: mpsc::Sender<FromAgent>,
    pid: Option<u32>,
}

impl Connected {
    /// Whether the process still listens. Its socket's hang-up can reach the agent after
    /// the process is gone (a click on the tray right after the window closed): the pid
    /// tells first.
    fn alive(&self) -> bool {
        !self.tx.is_closed() && self.pid.is_none_or(process_alive)
    }
}

/// Whether `pid` runs (a zombie waiting to be reaped does not).
fn process_alive(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        // /proc/PID/stat: "pid (comm) S ...": the state follows the last ')'.
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
            let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
            !state.is_some_and(|s| s.starts_with('Z') || s.starts_with('X'))
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        rustix::process::Pid::from_raw(pid as i32)
            .is_some_and(|p| rustix::process::test_kill_process(p).is_ok())
    }
}

#[derive(Default)]
struct State {
    connected: Option<Connected>,
    next_id: u64,
    /// A window process was started then and has not connected yet; the window to show
    /// once it does, if another was asked for meanwhile.
    launching: Option<(Instant, Option<WindowKind>)>,
    /// What the last window process was started to show, and whether the main window was
    /// asked for since: a process that only ever showed the idle prompt.
    prompt_only: bool,
}

/// The slot for the one window process, and how to start it.
pub struct Windows {
    state: Mutex<State>,
    /// `None`: this agent has no windows (`stint-cli serve`, tests).
    program: Option<PathBuf>,
    /// Told each time a window process goes (or a started one ends without connecting).
    pub gone: tokio::sync::Notify,
}

/// A connection that holds the window slot.
pub struct Claim(u64);

fn kind_arg(kind: WindowKind) -> &'static str {
    match kind {
        WindowKind::Main => "main",
        WindowKind::Idle => "idle",
    }
}

impl Windows {
    /// No windows: [`Windows::show`] always fails.
    pub fn headless() -> Arc<Windows> {
        Arc::new(Windows {
            state: Mutex::default(),
            program: None,
            gone: tokio::sync::Notify::new(),
        })
    }

    /// Windows shown by starting `program` (the `stint-window` binary).
    pub fn launching(program: PathBuf) -> Arc<Windows> {
        Arc::new(Windows {
            state: Mutex::default(),
            program: Some(program),
            gone: tokio::sync::Notify::new(),
        })
    }

    /// Where the window program is: `STINT_WINDOW` if set, else `stint-window` beside this
    /// program (where the package and `cargo build` put it).
    pub fn default_program() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("STINT_WINDOW").filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(p));
        }
        let exe = std::env::current_exe().ok()?;
        Some(exe.parent()?.join("stint-window"))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a window process is connected.
    pub fn is_open(&self) -> bool {
        self.state()
            .connected
            .as_ref()
            .is_some_and(Connected::alive)
    }

    /// Whether the last window process only ever showed the idle prompt.
    pub fn was_prompt_only(&self) -> bool {
        self.state().prompt_only
    }

    /// Whether a window process is connected or being started.
    pub fn is_open_or_starting(&self) -> bool {
        let state = self.state();
        state.connected.as_ref().is_some_and(Connected::alive)
            || state
                .launching
                .as_ref()
                .is_some_and(|(since, _)| since.elapsed() < LAUNCH_GRACE)
    }

    /// Shows `kind`: the connected window process brings it to the front; otherwise one is
    /// started (unless one is already starting, which then shows it too).
    ///
    /// # Errors
    /// A sentence for the log and the caller: no windows here, or the program cannot start.
    pub fn show(self: &Arc<Self>, kind: WindowKind) -> Result<(), String> {
        let mut state = self.state();
        if kind == WindowKind::Main {
            state.prompt_only = false;
        }
        if let Some(connected) = state.connected.as_ref().filter(|c| c.alive()) {
            // A window process that does not read is not waited for.
            let _ = connected.tx.try_send(FromAgent::Show { window: kind });
            return Ok(());
        }
        // Gone without its hang-up seen yet: the slot is free.
        state.connected = None;
        let Some(program) = &self.program else {
            return Err("this agent has no windows".into());
        };
        if let Some((since, pending)) = &mut state.launching {
            if since.elapsed() < LAUNCH_GRACE {
                *pending = Some(kind);
                return Ok(());
            }
        }
        let mut command = tokio::process::Command::new(program);
        command
            .args(["--window", kind_arg(kind)])
            // A sign-in handed to the agent is the agent's; the window never needs it.
            .env_remove("STINT_SIGN_IN_KEY")
            .env_remove("STINT_SIGN_IN_SERVER")
            .stdin(std::process::Stdio::null())
            .kill_on_drop(false);
        let mut child = command.spawn().map_err(|e| {
            format!(
                "could not start the window program {}: {e}",
                program.display()
            )
        })?;
        tracing::info!(
            window = kind_arg(kind),
            pid = child.id(),
            "window process started"
        );
        state.launching = Some((Instant::now(), None));
        state.prompt_only = kind == WindowKind::Idle;
        drop(state);
        let windows = self.clone();
        // Reaps the process; one that ends without connecting frees the slot at once.
        tokio::spawn(async move {
            let status = child.wait().await;
            tracing::info!(?status, "window process ended");
            windows.state().launching = None;
            windows.gone.notify_one();
        });
        Ok(())
    }

    /// A window process (`pid`, where known) said hello: it takes the slot, or, when
    /// another holds it, is refused with a sentence (and the other shows `kind`).
    pub fn claim(
        &self,
        kind: WindowKind,
        tx: mpsc::Sender<FromAgent>,
        pid: Option<u32>,
    ) -> Result<Claim, String> {
        let mut state = self.state();
        if let Some(other) = state.connected.as_ref().filter(|c| c.alive()) {
            let _ = other.tx.try_send(FromAgent::Show { window: kind });
            return Err("Stint's window is already open; it was brought to the front".into());
        }
        state.next_id += 1;
        let id = state.next_id;
        state.connected = Some(Connected { id, tx, pid });
        Ok(Claim(id))
    }

    /// After the welcome: a window asked for while the process was starting is shown now.
    pub fn welcomed(&self, _claim: &Claim) {
        let mut state = self.state();
        let pending = state.launching.take().and_then(|(_, pending)| pending);
        if let (Some(kind), Some(connected)) = (pending, &state.connected) {
            let _ = connected.tx.try_send(FromAgent::Show { window: kind });
        }
    }

    /// The agent is quitting: the window process closes its windows (and does not start
    /// the agent again). Waits up to two seconds for it to go.
    pub async fn close(&self) {
        let tx = self.state().connected.as_ref().map(|c| c.tx.clone());
        let Some(tx) = tx else { return };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        // A window process that does not read (stopped, hung) is not waited for past it.
        match tokio::time::timeout_at(deadline, tx.send(FromAgent::Closing)).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return,
            Err(_) => {
                tracing::warn!("the window process does not read; quitting without it");
                return;
            }
        }
        while self.is_open() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The window process disconnected.
    pub fn release(&self, claim: Claim) {
        let mut state = self.state();
        if state.connected.as_ref().is_some_and(|c| c.id == claim.0) {
            state.connected = None;
            drop(state);
            self.gone.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::process_alive;

    #[test]
    fn a_finished_process_is_not_alive_even_before_it_is_reaped() {
        assert!(process_alive(std::process::id()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        // Exited but not waited for: a zombie until reaped.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while process_alive(pid) {
            assert!(std::time::Instant::now() < deadline, "`true` never ended");
            std::thread::yield_now();
        }
        child.wait().unwrap();
        assert!(!process_alive(pid));
    }
}
