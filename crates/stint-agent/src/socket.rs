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
pub use stint_ipc::socket::{call, socket_path, CallError};
use stint_ipc::{AgentInfo, UiError};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::mpsc;

use crate::windows::Windows;
use crate::AgentHandle;

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
    #[error("{0} is not a socket (a file or a directory is there); Stint leaves it alone")]
    NotASocket(PathBuf),
    #[error("could not set up the socket at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What only the process around the agent can do: say what it is, end itself.
pub trait Host: Send + Sync + 'static {
    fn info(&self) -> AgentInfo;
    /// Ends the process (after answering); `false` where it cannot.
    fn quit(&self) -> bool;
}

/// A host without a tray that cannot be quit from a socket (`stint-cli serve`, tests).
pub struct Headless {
    pub data_dir: PathBuf,
}

impl Host for Headless {
    fn info(&self) -> AgentInfo {
        AgentInfo {
            version: env!("CARGO_PKG_VERSION").into(),
            data_dir: self.data_dir.display().to_string(),
            tray_available: false,
        }
    }
    fn quit(&self) -> bool {
        false
    }
}

/// Everything a connection needs.
#[derive(Clone)]
pub struct Serving {
    pub agent: AgentHandle,
    pub host: Arc<dyn Host>,
    pub windows: Arc<Windows>,
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

    /// Answers connections until the task is dropped. At most [`MAX_CONNECTIONS`] at once:
    /// a client beyond that is closed at once rather than left waiting.
    pub async fn serve(self, serving: Serving) {
        let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        loop {
            match self.listener.accept().await {
                Ok((stream, _)) => match slots.clone().try_acquire_owned() {
                    Ok(slot) => {
                        let serving = serving.clone();
                        tokio::spawn(async move {
                            connection(serving, stream).await;
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
/// Most calls of one connection under way at once.
const IN_FLIGHT: usize = 16;
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

async fn connection(serving: Serving, stream: UnixStream) {
    let peer_pid = stream
        .peer_cred()
        .ok()
        .and_then(|c| c.pid())
        .and_then(|p| u32::try_from(p).ok());
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
    // A window process holds the window slot for as long as it is connected.
    let mut window_claim = None;
    let welcomed = match hello.map(|l| decode::<ToAgent>(&l)) {
        Some(Ok(ToAgent::Hello {
            protocol,
            client,
            window,
        })) => {
            let mut answer = welcome(protocol, env!("CARGO_PKG_VERSION"));
            if let (FromAgent::Welcome { .. }, Some(kind)) = (&answer, window) {
                match serving.windows.claim(kind, tx.clone(), peer_pid) {
                    Ok(claim) => window_claim = Some(claim),
                    Err(message) => {
                        answer = FromAgent::Refused {
                            code: "window_open".into(),
                            message,
                        }
                    }
                }
            }
            let ok = matches!(answer, FromAgent::Welcome { .. });
            tracing::debug!(%client, protocol, ok, "socket hello");
            let _ = tx.send(answer).await;
            if ok {
                if let Some(claim) = &window_claim {
                    serving.windows.welcomed(claim);
                }
            }
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
        let mut events = serving.agent.subscribe();
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
        // Calls run side by side (a sign-in waiting for the network does not hold up the
        // next click), at most IN_FLIGHT at a time per connection.
        let in_flight = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
        while let Some(line) = read_line(&mut reader).await {
            // Each send waits for room: a client that does not read is not read from.
            let answer = match decode::<ToAgent>(&line) {
                Ok(ToAgent::Call { id, command }) => {
                    let Ok(permit) = in_flight.clone().acquire_owned().await else {
                        break;
                    };
                    let (serving, tx) = (serving.clone(), tx.clone());
                    tokio::spawn(async move {
                        tracing::debug!(id, command = command.name(), "socket call");
                        let result = dispatch(&serving, command).await;
                        tracing::debug!(id, ok = result.is_ok(), "socket call answered");
                        let _ = tx.send(FromAgent::Reply { id, result }).await;
                        drop(permit);
                    });
                    continue;
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
    if let Some(claim) = window_claim {
        serving.windows.release(claim);
    }
    drop(tx);
    let _ = writer.await;
}

/// Runs one command: the process's own (windows, info, quit) here, the rest on the agent.
pub async fn dispatch(serving: &Serving, command: Command) -> Result<Answer, UiError> {
    let unsupported = |what: &str| UiError {
        code: "unsupported".into(),
        message: format!("this Stint agent runs without a window and cannot {what}"),
    };
    match command {
        Command::AgentInfo => Ok(Answer::Info(serving.host.info())),
        Command::OpenWindow => serving
            .windows
            .show(stint_ipc::WindowKind::Main)
            .map(|()| Answer::Done)
            .map_err(|_| unsupported("open a window")),
        Command::OpenIdlePrompt => serving
            .windows
            .show(stint_ipc::WindowKind::Idle)
            .map(|()| Answer::Done)
            .map_err(|_| unsupported("open a window")),
        Command::Quit => serving
            .host
            .quit()
            .then_some(Answer::Done)
            .ok_or_else(|| unsupported("quit from here")),
        command => serving.agent.call(command).await,
    }
}
