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

#[derive(Default)]
struct State {
    connected: Option<(u64, mpsc::Sender<FromAgent>)>,
    next_id: u64,
    /// A window process was started then and has not connected yet; the window to show
    /// once it does, if another was asked for meanwhile.
    launching: Option<(Instant, Option<WindowKind>)>,
}

/// The slot for the one window process, and how to start it.
pub struct Windows {
    state: Mutex<State>,
    /// `None`: this agent has no windows (`stint-cli serve`, tests).
    program: Option<PathBuf>,
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
        })
    }

    /// Windows shown by starting `program` (the `stint-window` binary).
    pub fn launching(program: PathBuf) -> Arc<Windows> {
        Arc::new(Windows {
            state: Mutex::default(),
            program: Some(program),
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
            .is_some_and(|(_, tx)| !tx.is_closed())
    }

    /// Shows `kind`: the connected window process brings it to the front; otherwise one is
    /// started (unless one is already starting, which then shows it too).
    ///
    /// # Errors
    /// A sentence for the log and the caller: no windows here, or the program cannot start.
    pub fn show(self: &Arc<Self>, kind: WindowKind) -> Result<(), String> {
        let mut state = self.state();
        if let Some((_, tx)) = state.connected.as_ref().filter(|(_, tx)| !tx.is_closed()) {
            // A window process that does not read is not waited for.
            let _ = tx.try_send(FromAgent::Show { window: kind });
            return Ok(());
        }
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
        drop(state);
        let windows = self.clone();
        // Reaps the process; one that ends without connecting frees the slot at once.
        tokio::spawn(async move {
            let status = child.wait().await;
            tracing::info!(?status, "window process ended");
            windows.state().launching = None;
        });
        Ok(())
    }

    /// A window process said hello: it takes the slot, or, when another holds it, is
    /// refused with a sentence (and the other shows `kind`).
    pub fn claim(&self, kind: WindowKind, tx: mpsc::Sender<FromAgent>) -> Result<Claim, String> {
        let mut state = self.state();
        if let Some((_, other)) = state.connected.as_ref().filter(|(_, tx)| !tx.is_closed()) {
            let _ = other.try_send(FromAgent::Show { window: kind });
            return Err("Stint's window is already open; it was brought to the front".into());
        }
        state.next_id += 1;
        let id = state.next_id;
        state.connected = Some((id, tx));
        Ok(Claim(id))
    }

    /// After the welcome: a window asked for while the process was starting is shown now.
    pub fn welcomed(&self, _claim: &Claim) {
        let mut state = self.state();
        let pending = state.launching.take().and_then(|(_, pending)| pending);
        if let (Some(kind), Some((_, tx))) = (pending, &state.connected) {
            let _ = tx.try_send(FromAgent::Show { window: kind });
        }
    }

    /// The agent is quitting: the window process closes its windows (and does not start
    /// the agent again). Waits up to two seconds for it to go.
    pub async fn close(&self) {
        let tx = self.state().connected.as_ref().map(|(_, tx)| tx.clone());
        let Some(tx) = tx else { return };
        if tx.send(FromAgent::Closing).await.is_err() {
            return;
        }
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        while self.is_open() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The window process disconnected.
    pub fn release(&self, claim: Claim) {
        let mut state = self.state();
        if state
            .connected
            .as_ref()
            .is_some_and(|(id, _)| *id == claim.0)
        {
            state.connected = None;
        }
    }
}
