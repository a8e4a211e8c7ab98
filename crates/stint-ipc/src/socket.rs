//! Where the agent's socket is, and a blocking client for one call (`stint-cli`, tests).
//!
//! The socket lives in a directory only the user may enter: `$XDG_RUNTIME_DIR/stint/`
//! (the freedesktop base directory spec's place for sockets), or, where a session has no
//! runtime directory, `<temp dir>/stint-<uid>/`. The agent refuses a directory owned by
//! someone else or open to others; a client checks the other end's uid (SO_PEERCRED)
//! before it says a word, so a socket another user put in a shared temp directory never
//! hears a command or an API key.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::protocol::{decode, encode, Answer, Command, FromAgent, ToAgent, PROTOCOL_VERSION};
use crate::UiError;

/// Where the agent listens: `STINT_SOCKET` if set, else `agent.sock` in the runtime
/// directory for the usual data directory, or `agent-<hash>.sock` named after a
/// `STINT_DATA_DIR`, so agents of different data directories (tests, a second profile)
/// never answer for each other.
pub fn socket_path() -> PathBuf {
    use sha2::{Digest, Sha256};
    if let Some(p) = std::env::var_os("STINT_SOCKET").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let dir = match dirs::runtime_dir() {
        Some(runtime) => runtime.join("stint"),
        None => std::env::temp_dir().join(format!("stint-{}", rustix::process::getuid().as_raw())),
    };
    match std::env::var_os("STINT_DATA_DIR").filter(|d| !d.is_empty()) {
        None => dir.join("agent.sock"),
        Some(data) => {
            // `data` and `data/` are one directory: one socket.
            let data: PathBuf = Path::new(&data).components().collect();
            let digest = Sha256::digest(data.as_os_str().as_encoded_bytes());
            let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
            dir.join(format!("agent-{name}.sock"))
        }
    }
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
    #[error(
        "the socket at {path} belongs to another user (uid {uid}), not to you: nothing was \
         sent. Remove it, or set XDG_RUNTIME_DIR or STINT_SOCKET to a directory of your own"
    )]
    NotYours { path: PathBuf, uid: u32 },
    #[error("a Stint agent listens at {0} but does not answer (it may be stopped or hung)")]
    NoAnswer(PathBuf),
}

/// How long an agent has to answer the hello: a stopped or hung one is said so quickly.
pub const HELLO_WITHIN: Duration = Duration::from_secs(5);

/// Refuses a peer that is not this user: the socket may sit in a shared temp directory.
///
/// # Errors
/// [`CallError::NotYours`] with the other uid; [`CallError::Broken`] where the OS does not
/// tell.
pub fn check_peer(fd: impl std::os::fd::AsFd, path: &Path) -> Result<(), CallError> {
    let peer = rustix::net::sockopt::socket_peercred(fd)
        .map_err(|e| CallError::Broken(format!("cannot tell who listens: {e}")))?;
    let me = rustix::process::geteuid();
    if peer.uid != me {
        return Err(CallError::NotYours {
            path: path.to_owned(),
            uid: peer.uid.as_raw(),
        });
    }
    Ok(())
}

/// One command to the agent at `path`, blocking: hello, call, the reply (events in
/// between are skipped). Waits at most 30 s for each read and write.
pub fn call(path: &Path, command: Command) -> Result<Result<Answer, UiError>, CallError> {
    let stream = std::os::unix::net::UnixStream::connect(path)
        .map_err(|_| CallError::NoAgent(path.to_owned()))?;
    check_peer(&stream, path)?;
    let broken = |e: &dyn std::fmt::Display| CallError::Broken(e.to_string());
    for timeout in [
        stream.set_read_timeout(Some(HELLO_WITHIN)),
        stream.set_write_timeout(Some(Duration::from_secs(30))),
    ] {
        timeout.map_err(|e| broken(&e))?;
    }
    let timed_out = |e: &std::io::Error| {
        matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        )
    };
    let mut write = stream.try_clone().map_err(|e| broken(&e))?;
    let mut lines = std::io::BufReader::new(stream);
    let hello = ToAgent::Hello {
        protocol: PROTOCOL_VERSION,
        client: format!("stint-cli {}", env!("CARGO_PKG_VERSION")),
        window: None,
    };
    write.write_all(&encode(&hello)).map_err(|e| broken(&e))?;
    write
        .write_all(&encode(&ToAgent::Call { id: 1, command }))
        .map_err(|e| broken(&e))?;
    loop {
        let mut line = Vec::new();
        let read = match lines.read_until(b'\n', &mut line) {
            Ok(read) => read,
            Err(e) if timed_out(&e) => return Err(CallError::NoAnswer(path.to_owned())),
            Err(e) => return Err(broken(&e)),
        };
        if read == 0 {
            return Err(CallError::Broken("the agent closed the connection".into()));
        }
        match decode::<FromAgent>(&line).map_err(|e| broken(&e))? {
            FromAgent::Welcome { .. } => {
                // Welcomed: the command itself may take longer (a sign-in asks a server).
                lines
                    .get_ref()
                    .set_read_timeout(Some(Duration::from_secs(30)))
                    .map_err(|e| broken(&e))?;
            }
            FromAgent::Event { .. } | FromAgent::Show { .. } | FromAgent::Closing => {}
            FromAgent::Refused { code, message } => {
                return Err(CallError::Refused { code, message })
            }
            FromAgent::Reply { result, .. } => return Ok(result),
        }
    }
}
