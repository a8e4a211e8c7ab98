//! The window's connection to the agent. The window process holds one [`Link`]; when the
//! agent goes away (it crashed, was killed, or quit) the window says so, starts the agent
//! again and reconnects, and the UI reloads what it shows: nothing the agent stored is lost,
//! and the window never stores anything itself.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use stint_ipc::link::{Incoming, Link};
use stint_ipc::protocol::{Answer, Command};
use stint_ipc::socket::CallError;
use stint_ipc::{AgentInfo, UiError, WindowKind};
use tauri::AppHandle;
use tokio::sync::mpsc;

/// Where the window stands with the agent, for the UI.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LinkStatus {
    pub connected: bool,
    /// Why not, in words for the user; `None` while connected.
    pub message: Option<String>,
}

/// How a first connection ended.
pub enum Opened {
    Connected(AgentLink, mpsc::UnboundedReceiver<Incoming>),
    /// Another window process is there; it was asked to show the window.
    WindowOpen(String),
}

/// The shared link: calls go through whichever connection is current.
#[derive(Clone)]
pub struct AgentLink {
    current: Arc<tokio::sync::RwLock<Option<Arc<Link>>>>,
    status: Arc<Mutex<LinkStatus>>,
    pub info: Arc<Mutex<AgentInfo>>,
}

fn client() -> String {
    format!("stint-window {}", env!("CARGO_PKG_VERSION"))
}

/// The agent program: `STINT_AGENT` if set, else `stint` beside this program.
fn agent_program() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("STINT_AGENT").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    Some(std::env::current_exe().ok()?.parent()?.join("stint"))
}

/// An agent this window started: its exit and the last line it said, so a window whose
/// agent cannot run says why instead of waiting.
struct Started {
    exited: Arc<Mutex<Option<std::process::ExitStatus>>>,
    last_line: Arc<Mutex<String>>,
}

impl Started {
    /// Why the agent ended, if it ended with an error.
    fn failure(&self) -> Option<String> {
        let status = (*self.exited.lock().unwrap_or_else(|p| p.into_inner()))?;
        if status.success() {
            return None;
        }
        let line = self
            .last_line
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        Some(if line.is_empty() {
            format!("the Stint agent ended ({status})")
        } else {
            line.trim_start_matches("stint: ").to_owned()
        })
    }
}

/// Starts the agent without a window of its own, detached from this process (its own
/// process group), so closing the window or its terminal never ends it. Its messages are
/// passed on to this process's stderr.
fn start_agent() -> Result<Started, String> {
    use std::io::BufRead;
    use std::os::unix::process::CommandExt;
    let program = agent_program().ok_or("cannot tell where the Stint agent is installed")?;
    let mut child = std::process::Command::new(&program)
        .arg("--no-window")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("could not start the Stint agent {}: {e}", program.display()))?;
    log::info!("started the agent (pid {})", child.id());
    let started = Started {
        exited: Arc::default(),
        last_line: Arc::default(),
    };
    if let Some(stderr) = child.stderr.take() {
        let last_line = started.last_line.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr)
                .lines()
                .map_while(Result::ok)
            {
                eprintln!("{line}");
                *last_line.lock().unwrap_or_else(|p| p.into_inner()) = line;
            }
        });
    }
    let exited = started.exited.clone();
    // Reaped here, so an agent that ends while this window runs leaves no zombie.
    std::thread::spawn(move || {
        let status = child.wait().ok();
        *exited.lock().unwrap_or_else(|p| p.into_inner()) = status;
    });
    Ok(started)
}

/// Connects, starting the agent once if none answers; keeps trying for `patience`.
async fn connect(
    window: WindowKind,
    incoming: &mpsc::UnboundedSender<Incoming>,
    patience: Duration,
) -> Result<Link, CallError> {
    let path = stint_ipc::socket::socket_path();
    let deadline = tokio::time::Instant::now() + patience;
    let mut started: Option<Started> = None;
    let mut pause = Duration::from_millis(50);
    loop {
        match Link::connect(&path, &client(), Some(window), incoming.clone()).await {
            Ok(link) => return Ok(link),
            Err(CallError::NoAgent(p)) => {
                if let Some(why) = started.as_ref().and_then(Started::failure) {
                    return Err(CallError::Broken(why));
                }
                if started.is_none() {
                    match start_agent() {
                        Ok(s) => started = Some(s),
                        Err(e) => {
                            log::error!("{e}");
                            return Err(CallError::Broken(e));
                        }
                    }
                }
                if tokio::time::Instant::now() > deadline {
                    return Err(CallError::NoAgent(p));
                }
            }
            Err(refused @ (CallError::Refused { .. } | CallError::NotYours { .. })) => {
                return Err(refused)
            }
            Err(CallError::NoAnswer(p)) => {
                if tokio::time::Instant::now() > deadline {
                    return Err(CallError::NoAnswer(p));
                }
            }
            Err(CallError::Broken(e)) => {
                log::warn!("the agent's socket: {e}");
                if tokio::time::Instant::now() > deadline {
                    return Err(CallError::Broken(e));
                }
            }
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(1));
    }
}

async fn agent_info(link: &Link) -> AgentInfo {
    match link.call(Command::AgentInfo).await {
        Ok(Answer::Info(info)) => info,
        other => {
            log::warn!("the agent did not say who it is: {other:?}");
            AgentInfo {
                version: String::new(),
                data_dir: String::new(),
                tray_available: true,
            }
        }
    }
}

/// The first connection, before any window is built.
pub async fn open(window: WindowKind) -> Result<Opened, String> {
    let (tx, rx) = mpsc::unbounded_channel();
    match connect(window, &tx, Duration::from_secs(15)).await {
        Ok(link) => {
            let info = agent_info(&link).await;
            let agent = AgentLink {
                current: Arc::new(tokio::sync::RwLock::new(Some(Arc::new(link)))),
                status: Arc::new(Mutex::new(LinkStatus {
                    connected: true,
                    message: None,
                })),
                info: Arc::new(Mutex::new(info)),
            };
            // The link holds its own sender; when it closes, so does this channel.
            drop(tx);
            Ok(Opened::Connected(agent, rx))
        }
        Err(CallError::Refused { code, message }) if code == "window_open" => {
            Ok(Opened::WindowOpen(message))
        }
        Err(CallError::Broken(why)) => Err(why),
        Err(e) => Err(e.to_string()),
    }
}

impl AgentLink {
    pub fn status(&self) -> LinkStatus {
        self.status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn tray_available(&self) -> bool {
        self.info
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .tray_available
    }

    /// Runs `command` on the agent.
    ///
    /// # Errors
    /// The command's own error, or `agent_unreachable` while the window reconnects.
    pub async fn call(&self, command: Command) -> Result<Answer, UiError> {
        let link = self.current.read().await.clone();
        match link {
            Some(link) => link.call(command).await,
            None => Err(UiError {
                code: "agent_unreachable".into(),
                message: self
                    .status()
                    .message
                    .unwrap_or_else(|| "Stint's agent is not answering".into()),
            }),
        }
    }

    fn set_status(&self, app: &AppHandle, status: LinkStatus) {
        use tauri_specta::Event;
        *self.status.lock().unwrap_or_else(|p| p.into_inner()) = status.clone();
        if let Err(e) = crate::bindings::LinkChanged(status).emit(app) {
            log::warn!("could not tell the window about the agent: {e}");
        }
    }

    /// Passes what the agent says to the UI and the windows; when the agent goes away,
    /// says so, starts it again and reconnects.
    pub async fn follow(self, app: AppHandle, mut incoming: mpsc::UnboundedReceiver<Incoming>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut rx = Some(rx);
        loop {
            while let Some(message) = incoming.recv().await {
                match message {
                    Incoming::Event(event) => crate::forward(&app, event),
                    Incoming::Show(kind) => crate::window::show(&app, kind),
                    Incoming::Closing => {
                        log::info!("the agent is quitting; so does the window");
                        app.exit(0);
                        return;
                    }
                    Incoming::Closed => break,
                }
            }
            *self.current.write().await = None;
            log::warn!("the agent went away; starting it again");
            self.set_status(
                &app,
                LinkStatus {
                    connected: false,
                    message: Some(
                        "Stint's agent stopped. It is being started again; nothing is lost.".into(),
                    ),
                },
            );
            // From now on replies and events come on the new channel.
            if let Some(fresh) = rx.take() {
                incoming = fresh;
            }
            // Each failed round waits longer (up to a minute), so an agent that cannot
            // start is not started again and again.
            let mut pause = Duration::from_secs(1);
            loop {
                match connect(WindowKind::Main, &tx, Duration::from_secs(30)).await {
                    Ok(link) => {
                        *self.info.lock().unwrap_or_else(|p| p.into_inner()) =
                            agent_info(&link).await;
                        *self.current.write().await = Some(Arc::new(link));
                        self.set_status(
                            &app,
                            LinkStatus {
                                connected: true,
                                message: None,
                            },
                        );
                        break;
                    }
                    // Another window process serves the agent now: it is the window.
                    Err(CallError::Refused { code, .. }) if code == "window_open" => {
                        log::info!("another Stint window is open; this one closes");
                        app.exit(0);
                        return;
                    }
                    // Trying again cannot help: said, and the window stays as it is.
                    Err(e @ (CallError::Refused { .. } | CallError::NotYours { .. })) => {
                        log::error!("{e}");
                        self.set_status(
                            &app,
                            LinkStatus {
                                connected: false,
                                message: Some(format!("{e}. Quit Stint and start it again.")),
                            },
                        );
                        return;
                    }
                    Err(e) => {
                        self.set_status(
                            &app,
                            LinkStatus {
                                connected: false,
                                message: Some(format!(
                                    "Stint's agent does not answer ({e}); still trying."
                                )),
                            },
                        );
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(Duration::from_secs(60));
                    }
                }
            }
        }
    }
}
