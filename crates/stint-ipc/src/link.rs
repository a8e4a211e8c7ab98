//! The async client of the agent's socket, for the window process (feature `link`): one
//! connection, calls answered by id, and everything else the agent says (events, "show this
//! window") handed to the caller as it arrives. The link never reconnects by itself: its
//! owner sees [`Incoming::Closed`], says so, and connects again.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::sync::{mpsc, oneshot};

use crate::protocol::{
    decode, encode, Answer, Command, FromAgent, ToAgent, MAX_MESSAGE_BYTES, PROTOCOL_VERSION,
};
use crate::socket::CallError;
use crate::{AgentEvent, UiError, WindowKind};

/// What arrives besides replies.
// Events are nearly every message, so boxing them would cost an allocation each for no
// saving.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    Event(AgentEvent),
    Show(WindowKind),
    /// The agent is quitting: close the windows, do not start it again.
    Closing,
    /// The agent went away (it crashed or was killed).
    Closed,
}

type Waiting = Arc<Mutex<HashMap<u64, oneshot::Sender<Result<Answer, UiError>>>>>;

/// A connected, welcomed link. Dropping it closes the connection.
pub struct Link {
    writes: mpsc::Sender<Vec<u8>>,
    waiting: Waiting,
    next_id: AtomicU64,
    reader: tokio::task::JoinHandle<()>,
}

fn lost() -> UiError {
    UiError {
        code: "agent_unreachable".into(),
        message: "Stint's agent is not answering; the window is reconnecting".into(),
    }
}

async fn read_message(
    reader: &mut BufReader<tokio::net::unix::OwnedReadHalf>,
) -> Option<FromAgent> {
    let mut line = Vec::new();
    let limit = MAX_MESSAGE_BYTES as u64 + 1;
    match (&mut *reader)
        .take(limit)
        .read_until(b'\n', &mut line)
        .await
    {
        Ok(0) | Err(_) => None,
        Ok(_) => match decode::<FromAgent>(&line) {
            Ok(message) => Some(message),
            Err(e) => {
                tracing::warn!("the agent sent a line this window does not understand: {e}");
                Some(FromAgent::Refused {
                    code: "bad_message".into(),
                    message: e.to_string(),
                })
            }
        },
    }
}

impl Link {
    /// Connects to the agent at `path` and says hello as `client`, naming the `window` it
    /// shows. Events and show requests go to `incoming` until the link closes.
    ///
    /// # Errors
    /// [`CallError::NoAgent`] when nothing listens; [`CallError::Refused`] when the agent
    /// speaks another protocol (`version_mismatch`) or already has a window process
    /// (`window_open`); [`CallError::Broken`] when the connection fails on the way.
    pub async fn connect(
        path: &Path,
        client: &str,
        window: Option<WindowKind>,
        incoming: mpsc::UnboundedSender<Incoming>,
    ) -> Result<Link, CallError> {
        let stream = UnixStream::connect(path)
            .await
            .map_err(|_| CallError::NoAgent(path.to_owned()))?;
        crate::socket::check_peer(&stream, path)?;
        let (read, mut write) = stream.into_split();
        let mut reader = BufReader::new(read);
        let hello = ToAgent::Hello {
            protocol: PROTOCOL_VERSION,
            client: client.to_owned(),
            window,
        };
        write
            .write_all(&encode(&hello))
            .await
            .map_err(|e| CallError::Broken(e.to_string()))?;
        let welcome = tokio::time::timeout(crate::socket::HELLO_WITHIN, read_message(&mut reader))
            .await
            .map_err(|_| CallError::NoAnswer(path.to_owned()))?;
        match welcome {
            Some(FromAgent::Welcome { .. }) => {}
            Some(FromAgent::Refused { code, message }) => {
                return Err(CallError::Refused { code, message })
            }
            Some(other) => return Err(CallError::Broken(format!("unexpected {other:?}"))),
            None => return Err(CallError::Broken("the agent closed the connection".into())),
        }
        let waiting: Waiting = Arc::default();
        let (writes, mut to_write) = mpsc::channel::<Vec<u8>>(16);
        tokio::spawn(async move {
            while let Some(line) = to_write.recv().await {
                if write.write_all(&line).await.is_err() {
                    break;
                }
            }
        });
        let replies = waiting.clone();
        let reader = tokio::spawn(async move {
            while let Some(message) = read_message(&mut reader).await {
                match message {
                    FromAgent::Reply { id, result } => {
                        let waiter = replies
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .remove(&id);
                        if let Some(waiter) = waiter {
                            let _ = waiter.send(result);
                        }
                    }
                    FromAgent::Event { event } => {
                        let _ = incoming.send(Incoming::Event(event));
                    }
                    FromAgent::Show { window } => {
                        let _ = incoming.send(Incoming::Show(window));
                    }
                    FromAgent::Closing => {
                        let _ = incoming.send(Incoming::Closing);
                    }
                    FromAgent::Refused { code, message } => {
                        tracing::warn!(%code, "the agent refused a message: {message}");
                    }
                    FromAgent::Welcome { .. } => {}
                }
            }
            // Every call still waiting learns that no answer will come.
            replies.lock().unwrap_or_else(|p| p.into_inner()).clear();
            let _ = incoming.send(Incoming::Closed);
        });
        Ok(Link {
            writes,
            waiting,
            next_id: AtomicU64::new(1),
            reader,
        })
    }

    /// Runs `command` on the agent.
    ///
    /// # Errors
    /// The command's own error, or `agent_unreachable` when the link closed before the
    /// answer came.
    pub async fn call(&self, command: Command) -> Result<Answer, UiError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, tx);
        if self
            .writes
            .send(encode(&ToAgent::Call { id, command }))
            .await
            .is_err()
        {
            self.waiting
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
            return Err(lost());
        }
        rx.await.unwrap_or_else(|_| Err(lost()))
    }

    /// Whether the agent went away.
    pub fn is_closed(&self) -> bool {
        self.reader.is_finished()
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.reader.abort();
    }
}
