//! The cheap handle to the agent: it sends a typed [`Command`] to the one task that owns
//! the stores and waits for its [`Answer`]; [`AgentHandle::subscribe`] gives the events.
//! The tray, the socket server, the notifier and `stint-cli` all hold one; none of them
//! touches the stores.

use stint_ipc::protocol::{Answer, Command};
use stint_ipc::{AgentEvent, DayView, SyncStatus, UiError};
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::actor::Message;
use stint_core::Entry;

/// A way to talk to the running agent. Clones are cheap and share the same agent.
#[derive(Clone)]
pub struct AgentHandle {
    pub(crate) tx: mpsc::Sender<Message>,
    pub(crate) events: broadcast::Sender<AgentEvent>,
}

fn gone() -> UiError {
    UiError {
        code: "agent_stopped".into(),
        message: "the Stint agent has stopped".into(),
    }
}

fn unexpected(answer: &Answer) -> UiError {
    UiError {
        code: "internal".into(),
        message: format!("the agent answered {answer:?}"),
    }
}

impl AgentHandle {
    /// Runs `command` on the agent and waits for its answer.
    ///
    /// # Errors
    /// The command's own error, or `agent_stopped` once the agent has ended.
    pub async fn call(&self, command: Command) -> Result<Answer, UiError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Message::Call { command, reply })
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// The same from a thread outside the runtime (a blocking stdin loop); never call it on
    /// one of the runtime's own threads.
    pub fn call_blocking(&self, command: Command) -> Result<Answer, UiError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .blocking_send(Message::Call { command, reply })
            .map_err(|_| gone())?;
        answer.blocking_recv().map_err(|_| gone())?
    }

    /// Every event from now on. A subscriber that falls more than 64 events behind misses
    /// the oldest (`Lagged`): re-read what is shown.
    pub fn subscribe(&self) -> broadcast::Receiver<AgentEvent> {
        self.events.subscribe()
    }

    /// Whether the agent's task has ended.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// Ends the agent: the open auto tracker span is kept and the task returns.
    pub async fn shut_down(&self) {
        let (done, finished) = oneshot::channel();
        if self.tx.send(Message::ShutDown { done }).await.is_ok() {
            let _ = finished.await;
        }
    }

    pub async fn start(&self, description: &str) -> Result<Entry, UiError> {
        let command = Command::StartTimer {
            description: description.to_owned(),
            work: stint_core::Work::default(),
        };
        match self.call(command).await? {
            Answer::Entry(e) => Ok(e),
            other => Err(unexpected(&other)),
        }
    }

    pub async fn stop(&self) -> Result<Option<Entry>, UiError> {
        match self.call(Command::StopTimer).await? {
            Answer::MaybeEntry(e) => Ok(e),
            other => Err(unexpected(&other)),
        }
    }

    pub async fn running(&self) -> Result<Option<Entry>, UiError> {
        match self.call(Command::TimerStatus).await? {
            Answer::MaybeEntry(e) => Ok(e),
            other => Err(unexpected(&other)),
        }
    }

    pub async fn today(&self) -> Result<DayView, UiError> {
        match self.call(Command::Today).await? {
            Answer::Day(d) => Ok(d),
            other => Err(unexpected(&other)),
        }
    }

    pub async fn sync_status(&self) -> Result<SyncStatus, UiError> {
        match self.call(Command::SyncStatus).await? {
            Answer::Sync(s) => Ok(s),
            other => Err(unexpected(&other)),
        }
    }
}
