//! Where the agent's socket is, and a blocking client for one call (`stint-cli`, tests).
//!
//! The socket lives in a directory only the user may enter: `$XDG_RUNTIME_DIR/stint/`
//! (the freedesktop base directory spec's place for sockets), or, where a session has no
//! runtime directory, `<temp dir>/stint-<uid>/`. The agent refuses a directory owned by
//! someone else or open to others, so no other user can put a socket there for a client.

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
            let digest = Sha256::digest(data.as_encoded_bytes());
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
}

/// One command to the agent at `path`, blocking: hello, call, the reply (events in
/// between are skipped). Waits at most 30 s for each read and write.
pub fn call(path: &Path, command: Command) -> Result<Result<Answer, UiError>, CallError> {
    let stream = std::os::unix::net::UnixStream::connect(path)
        .map_err(|_| CallError::NoAgent(path.to_owned()))?;
    let broken = |e: &dyn std::fmt::Display| CallError::Broken(e.to_string());
    for timeout in [
        stream.set_read_timeout(Some(Duration::from_secs(30))),
        stream.set_write_timeout(Some(Duration::from_secs(30))),
    ] {
        timeout.map_err(|e| broken(&e))?;
    }
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
        let read = lines.read_until(b'\n', &mut line).map_err(|e| broken(&e))?;
        if read == 0 {
            return Err(CallError::Broken("the agent closed the connection".into()));
        }
        match decode::<FromAgent>(&line).map_err(|e| broken(&e))? {
            FromAgent::Welcome { .. }
            | FromAgent::Event { .. }
            | FromAgent::Show { .. }
            | FromAgent::Closing => {}
            FromAgent::Refused { code, message } => {
                return Err(CallError::Refused { code, message })
            }
            FromAgent::Reply { result, .. } => return Ok(result),
        }
    }
}
