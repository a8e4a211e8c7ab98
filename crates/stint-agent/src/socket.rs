//! The agent's local socket: windows and `stint-cli` talk to the running agent over it in
//! stint-ipc's protocol (one JSON message a line). The socket lives in a directory only
//! the user may enter (0700; `$XDG_RUNTIME_DIR/stint` by default) and is itself 0600; a
//! directory owned by someone else is refused. Every connection starts with a hello of the
//! same protocol version; a line that is not a message gets a `bad_message` refusal and the
//! connection goes on, so a confused client never takes the agent down. Events are sent to
//! every connection as they happen.

use std::io::ErrorKind;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use stint_ipc::protocol::{
    decode, encode, welcome, Answer, Command, FromAgent, ToAgent, MAX_MESSAGE_BYTES,
};
use stint_ipc::UiError;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;

use crate::Agent;

/// Why the socket could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    #[error("another Stint agent is already running (it answers at {0})")]
    AgentRunning(PathBuf),
    #[error("{0} belongs to another user; Stint will not put its socket there")]
    NotOurs(PathBuf),
    #[error(
        "{0} is open to other users; Stint keeps its socket in a private directory (mode 0700)"
    )]
    OpenDirectory(PathBuf),
    #[error("{0} is a file, not a socket; Stint leaves it alone")]
    NotASocket(PathBuf),
    #[error("could not set up the socket at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Where the agent listens: `STINT_SOCKET` if set, else in `$XDG_RUNTIME_DIR/stint/`:
/// `agent.sock` for the usual data directory, or one named after a `STINT_DATA_DIR`, so
/// agents of different data directories (tests, a second profile) never answer for each
/// other. `None` without a runtime directory: then there is no socket.
pub fn socket_path() -> Option<PathBuf> {
    use sha2::{Digest, Sha256};
    if let Some(p) = std::env::var_os("STINT_SOCKET").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let dir = dirs::runtime_dir()?.join("stint");
    Some(
        match std::env::var_os("STINT_DATA_DIR").filter(|d| !d.is_empty()) {
            None => dir.join("agent.sock"),
            Some(data) => {
                let digest = Sha256::digest(data.as_encoded_bytes());
                let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
                dir.join(format!("agent-{name}.sock"))
            }
        },
    )
}

/// Why a call over the socket did not get an answer.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("no Stint agent answers at {0}")]
    NoAgent(PathBuf),
    #[error("the Stint agent refused the connection ({code}): {message}")]
    Refused { code: String, message: String },
    #[error("the connection to the Stint agent broke: {0}")]
    Broken(String),
}

/// One command to the agent at `path`, blocking (for `stint-cli`): hello, call, the
/// reply (events in between are skipped).
pub fn call(path: &Path, command: Command) -> Result<Result<Answer, UiError>, CallError> {
    use std::io::{BufRead, Write};
    let stream = std::os::unix::net::UnixStream::connect(path)
        .map_err(|_| CallError::NoAgent(path.to_owned()))?;
    let broken = |e: &dyn std::fmt::Display| CallError::Broken(e.to_string());
    for timeout in [
        stream.set_read_timeout(Some(std::time::Duration::from_secs(30))),
        stream.set_write_timeout(Some(std::time::Duration::from_secs(30))),
    ] {
        timeout.map_err(|e| broken(&e))?;
    }
    let mut write = stream.try_clone().map_err(|e| broken(&e))?;
    let mut lines = std::io::BufReader::new(stream);
    let hello = ToAgent::Hello {
        protocol: stint_ipc::protocol::PROTOCOL_VERSION,
        client: format!("stint-cli {}", env!("CARGO_PKG_VERSION")),
    };
    write.write_all(&encode(&hello)).map_err(|e| broken(&e))?;
    write
        .write_all(&encode(&ToAgent::Call { id: 1, command }))
        .map_err(|e| broken(&e))?;
    loop {
        let mut line = Vec::new();
        let read = lines.read_until(b'\n', &mut line).map_err(|e| broken(&e))?;
        if read == 0 {
            return Err(CallError::Broken("the agent closed the connection".into()));
        }
        match decode::<FromAgent>(&line).map_err(|e| broken(&e))? {
            FromAgent::Welcome { .. } | FromAgent::Event { .. } => {}
            FromAgent::Refused { code, message } => {
                return Err(CallError::Refused { code, message })
            }
            FromAgent::Reply { result, .. } => return Ok(result),
        }
    }
}

/// What only the process around the agent can do: show its window, end itself.
pub trait Host: Send + Sync + 'static {
    /// Shows the main window; `false` where there is none to show.
    fn open_window(&self) -> bool;
    /// Ends the process (after answering); `false` where it cannot.
    fn quit(&self) -> bool;
}

/// A host without windows (`stint-cli serve`, tests).
pub struct Headless;

impl Host for Headless {
    fn open_window(&self) -> bool {
        false
    }
    fn quit(&self) -> bool {
        false
    }
}

/// A bound socket, ready to serve.
pub struct SocketServer {
    path: PathBuf,
    listener: UnixListener,
}

impl SocketServer {
    /// Binds `path`, making its directory (0700) if needed. A socket there that answers
    /// is another running agent; one that does not is left over from a crash and replaced.
    pub async fn bind(path: &Path) -> Result<SocketServer, SocketError> {
        let io = |source| SocketError::Io {
            path: path.to_owned(),
            source,
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io)?;
        let dir_meta = std::fs::metadata(dir).map_err(io)?;
        if dir_meta.uid() != rustix::process::getuid().as_raw() {
            return Err(SocketError::NotOurs(dir.to_owned()));
        }
        if dir_meta.mode() & 0o077 != 0 {
            // Others could replace the socket there, and a client would talk to them.
            return Err(SocketError::OpenDirectory(dir.to_owned()));
        }
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.uid() != rustix::process::getuid().as_raw() => {
                return Err(SocketError::NotOurs(path.to_owned()))
            }
            Ok(meta) if !meta.file_type().is_socket() && !meta.file_type().is_symlink() => {
                return Err(SocketError::NotASocket(path.to_owned()))
            }
            Ok(_) => {
                if UnixStream::connect(path).await.is_ok() {
                    return Err(SocketError::AgentRunning(path.to_owned()));
                }
                std::fs::remove_file(path).map_err(io)?;
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        let listener = UnixListener::bind(path).map_err(io)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        Ok(SocketServer {
            path: path.to_owned(),
            listener,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Answers connections until the task is dropped; `host` opens the window and quits
    /// (the app), or cannot ([`Headless`]). At most [`MAX_CONNECTIONS`] at once: a client
    /// beyond that is closed at once rather than left waiting.
    pub async fn serve(self, agent: Arc<Agent>, host: Arc<dyn Host>) {
        let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        loop {
            match self.listener.accept().await {
                Ok((stream, _)) => match slots.clone().try_acquire_owned() {
                    Ok(slot) => {
                        let (agent, host) = (agent.clone(), host.clone());
                        tokio::spawn(async move {
                            connection(agent, host, stream).await;
                            drop(slot);
                        });
                    }
                    Err(_) => tracing::warn!("too many socket connections; closing one"),
                },
                Err(e) => {
                    tracing::warn!("accepting a socket connection failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
        }
    }
}

/// Most connections served at once (windows, the CLI: a handful in practice).
pub const MAX_CONNECTIONS: usize = 64;
/// Most messages waiting to be written to one client: a client that does not read stops
/// being read from, instead of making the agent hold its answers.
const QUEUE: usize = 16;
/// How long a new connection may take to say hello.
const HELLO_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);

/// One line, at most [`MAX_MESSAGE_BYTES`]; `None` at the end of the stream. A longer line
/// is returned cut, so that decoding refuses it as too long.
async fn read_line<R: AsyncRead + Unpin>(reader: &mut BufReader<R>) -> Option<Vec<u8>> {
    let mut line = Vec::new();
    let limit = MAX_MESSAGE_BYTES as u64 + 1;
    match reader.take(limit).read_until(b'\n', &mut line).await {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line),
    }
}

fn bad_message(message: &str) -> FromAgent {
    FromAgent::Refused {
        code: "bad_message".into(),
        message: message.into(),
    }
}

/// The answer to a line that is not a message: a reply to its call where the line names
/// one (an unknown command), so the client can match it; a refusal otherwise.
fn refusal_for(line: &[u8], e: &stint_ipc::protocol::ProtocolError) -> FromAgent {
    let id = serde_json::from_slice::<serde_json::Value>(line)
        .ok()
        .filter(|v| v["type"] == "call")
        .and_then(|v| v["id"].as_u64());
    match id {
        Some(id) => FromAgent::Reply {
            id,
            result: Err(UiError {
                code: "bad_message".into(),
                message: e.to_string(),
            }),
        },
        None => e.refusal(),
    }
}

async fn connection(agent: Arc<Agent>, host: Arc<dyn Host>, stream: UnixStream) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let (tx, mut rx) = mpsc::channel::<FromAgent>(QUEUE);
    let writer = tokio::spawn(async move {
        while let Some(message) = rx.recv().await {
            if write.write_all(&encode(&message)).await.is_err() {
                break;
            }
        }
    });
    let hello = tokio::time::timeout(HELLO_WITHIN, read_line(&mut reader))
        .await
        .unwrap_or(None);
    let welcomed = match hello.map(|l| decode::<ToAgent>(&l)) {
        Some(Ok(ToAgent::Hello { protocol, client })) => {
            let answer = welcome(protocol, env!("CARGO_PKG_VERSION"));
            let ok = matches!(answer, FromAgent::Welcome { .. });
            tracing::debug!(%client, protocol, ok, "socket hello");
            let _ = tx.send(answer).await;
            ok
        }
        Some(Ok(ToAgent::Call { .. })) => {
            let _ = tx.send(bad_message("say hello first")).await;
            false
        }
        Some(Err(e)) => {
            let _ = tx.send(e.refusal()).await;
            false
        }
        None => false,
    };
    if welcomed {
        let mut events = agent.subscribe();
        let event_tx = tx.clone();
        let forward = tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(event) => {
                        if event_tx.send(FromAgent::Event { event }).await.is_err() {
                            break;
                        }
                    }
                    // A slow client misses events rather than holding them all.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        while let Some(line) = read_line(&mut reader).await {
            // Each send waits for room: a client that does not read is not read from.
            let answer = match decode::<ToAgent>(&line) {
                Ok(ToAgent::Call { id, command }) => {
                    let (agent, host) = (agent.clone(), host.clone());
                    let result = tokio::task::spawn_blocking(move || {
                        dispatch(&agent, host.as_ref(), command)
                    })
                    .await
                    .unwrap_or_else(|e| {
                        Err(UiError {
                            code: "internal".into(),
                            message: format!("the command failed: {e}"),
                        })
                    });
                    FromAgent::Reply { id, result }
                }
                Ok(ToAgent::Hello { .. }) => bad_message("hello was already said"),
                Err(e) => {
                    tracing::warn!("a socket client sent a bad line: {e}");
                    if line.len() > MAX_MESSAGE_BYTES {
                        // The rest of an overlong line cannot be told from a message.
                        let _ = tx.send(e.refusal()).await;
                        break;
                    }
                    refusal_for(&line, &e)
                }
            };
            if tx.send(answer).await.is_err() {
                break;
            }
        }
        forward.abort();
    }
    drop(tx);
    let _ = writer.await;
}

/// Runs one command on the agent (blocking: the agent's stores are SQLite).
pub fn dispatch(agent: &Agent, host: &dyn Host, command: Command) -> Result<Answer, UiError> {
    let unsupported = |what: &str| UiError {
        code: "unsupported".into(),
        message: format!("this Stint agent runs without a window and cannot {what}"),
    };
    let done = |r: Result<(), crate::AgentError>| r.map(|()| Answer::Done);
    let result = match command {
        Command::TimerStatus => agent.running().map(Answer::MaybeEntry),
        Command::StartTimer { description } => agent.start(&description).map(Answer::Entry),
        Command::StopTimer => agent.stop().map(Answer::MaybeEntry),
        Command::Today => agent.today().map(Answer::Day),
        Command::EditEntry { id, patch } => agent.edit(&id, &patch).map(Answer::Entry),
        Command::DeleteEntry { id } => done(agent.delete(&id)),
        Command::AddManualEntry {
            description,
            start,
            end,
        } => agent
            .add_manual(&description, start, end)
            .map(Answer::Entry),
        Command::SignIn { server, api_key } => agent.sign_in(&server, &api_key).map(Answer::Sync),
        Command::SignOut => done(agent.sign_out()),
        Command::SyncStatus => Ok(Answer::Sync(agent.sync_status())),
        Command::WorkspacePolicy => Ok(Answer::Policy(agent.workspace_policy())),
        Command::IdlePrompt => agent.idle_prompt().map(Answer::Prompt),
        Command::ResolveIdle { id, choice } => agent.resolve_idle(id, &choice).map(Answer::Entries),
        Command::IdleSettings => Ok(Answer::IdleSettings(agent.idle_settings())),
        Command::SetIdleSettings { settings } => {
            agent.set_idle_settings(settings).map(Answer::IdleSettings)
        }
        Command::ActivityDay { date } => agent.activity_day(date).map(Answer::Activity),
        Command::DeleteActivity { ids } => done(agent.delete_activity(&ids)),
        Command::DeleteActivityDay { date } => done(agent.delete_activity_day(date)),
        Command::IgnoreActivity { kind, value } => done(agent.ignore_activity(kind, &value)),
        Command::SetAutoTrackerPaused { paused } => agent
            .set_auto_tracker_paused(paused)
            .map(Answer::AutoTracker),
        Command::OpenWindow => {
            return host
                .open_window()
                .then_some(Answer::Done)
                .ok_or_else(|| unsupported("open a window"))
        }
        Command::Quit => {
            return host
                .quit()
                .then_some(Answer::Done)
                .ok_or_else(|| unsupported("quit from here"))
        }
    };
    result.map_err(UiError::from)
}
