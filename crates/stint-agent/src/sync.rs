//! Sync with a Stint server. The sync task (one per sign-in, on the agent's runtime) does
//! the network: it asks the agent's task for the due outbox rows, sends them, and hands
//! back the answers to be recorded; with nothing to send it asks the server about the timer,
//! the workspace's settings and notices, then sleeps until a change is made or a few
//! seconds pass. The agent's task keeps the store, the status, the policy and the notices
//! already shown: the sync task holds nothing but the connection.

use std::sync::Arc;
use std::time::Duration;

use stint_api::Notice;
use stint_core::Entry;
use stint_ipc::protocol::Answer;
use stint_ipc::{AgentEvent, SyncState, SyncStatus, UiError, WorkspacePolicy};
use stint_store::OutboxRow;
use stint_sync::{Credentials, Delivery, Plan, Remote, RemoteTimer, Step};
use tokio::sync::{mpsc, oneshot, Notify};

use crate::actor::{Agent, Message};
use crate::clock::Clock;
use crate::credentials::SignIn;
use crate::error::AgentError;

/// How many changes of different entries are sent at once.
const SEND_AT_ONCE: usize = 4;
/// How often a signed-in agent with nothing to send asks the server what changed.
const PULL_EVERY: Duration = Duration::from_secs(5);
/// How often the waiting and refused counts are told while a backlog drains.
const COUNTS_EVERY: Duration = Duration::from_millis(500);

/// What the sync task asks of, or tells, the agent's task.
pub(crate) enum SyncAsk {
    Plan {
        reply: oneshot::Sender<Result<Plan, String>>,
    },
    Record {
        rows: Vec<OutboxRow>,
        deliveries: Vec<Delivery>,
        reply: oneshot::Sender<Vec<Step>>,
    },
    LocalTimer {
        reply: oneshot::Sender<Option<Entry>>,
    },
    Timer(RemoteTimer),
    Workspace {
        policy: WorkspacePolicy,
        notices: Vec<Notice>,
    },
    /// Where sync stands: `offline` says why the last try failed; `settled` that it is
    /// going to sleep (so the counts are final for now).
    Status {
        offline: Option<String>,
        settled: bool,
    },
}

struct Running {
    task: tokio::task::JoinHandle<()>,
    wake: Arc<Notify>,
}

/// The agent task's part of sync.
pub(crate) struct SyncPart {
    pub status: SyncStatus,
    pub policy: Option<WorkspacePolicy>,
    /// Notices shown in this session, newest last.
    notices: Vec<String>,
    /// Which sign-in the running task belongs to; reports of older ones are dropped.
    generation: u64,
    running: Option<Running>,
    offline: Option<String>,
    last_published: Option<tokio::time::Instant>,
}

impl SyncPart {
    pub fn new() -> SyncPart {
        SyncPart {
            status: SyncStatus::signed_out(),
            policy: None,
            notices: Vec::new(),
            generation: 0,
            running: None,
            offline: None,
            last_published: None,
        }
    }
}

impl Agent {
    /// Starts the sync task for `saved` (reusing the connection of a fresh sign-in).
    pub fn start_sync(&mut self, saved: SignIn, remote: Option<Remote>) {
        self.stop_sync();
        let (waiting, parked) = self.store.outbox_counts().unwrap_or((0, 0));
        self.sync.status = SyncStatus {
            state: if waiting == 0 {
                SyncState::Synced
            } else {
                SyncState::Waiting
            },
            waiting,
            parked,
            message: None,
            server: Some(saved.server.clone()),
            email: Some(saved.account.email.clone()),
            key_storage: Some(saved.key_storage),
        };
        let remote = remote.unwrap_or_else(|| {
            let credentials = Credentials {
                server: saved.server.clone(),
                api_key: saved.api_key.clone(),
            };
            Remote::resume(&credentials, saved.account.clone())
        });
        self.sync.generation += 1;
        let wake = Arc::new(Notify::new());
        let asker = Asker {
            agent: self.me.clone(),
            generation: self.sync.generation,
        };
        let task = tokio::spawn(run(remote, asker, wake.clone(), self.clock.clone()));
        self.sync.running = Some(Running { task, wake });
    }

    pub fn stop_sync(&mut self) {
        if let Some(running) = self.sync.running.take() {
            running.task.abort();
        }
        self.sync.offline = None;
    }

    pub fn wake_sync(&self) {
        if let Some(running) = &self.sync.running {
            running.wake.notify_one();
        }
    }

    /// Checks the key with the server in a task of its own (the answer comes as
    /// [`Message::SignedIn`]); refuses a malformed address at once.
    #[allow(clippy::result_large_err)]
    pub fn sign_in(
        &mut self,
        server: String,
        api_key: String,
        reply: oneshot::Sender<Result<Answer, UiError>>,
    ) -> Result<(), (AgentError, oneshot::Sender<Result<Answer, UiError>>)> {
        let server = server.trim().to_owned();
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            let e = AgentError::BadInput(format!(
                "the server address must start with http:// or https:// (got {server:?})"
            ));
            return Err((e, reply));
        }
        let credentials = Credentials {
            server,
            api_key: api_key.trim().to_owned(),
        };
        let (me, config_dir) = (self.me.clone(), self.paths.config_dir.clone());
        tokio::spawn(async move {
            let result = async {
                let remote = Remote::sign_in(&credentials).await?;
                let account = remote.account.clone();
                // The keyring is a blocking D-Bus call: keep it off the runtime's thread.
                let saved = tokio::task::spawn_blocking(move || {
                    SignIn::keep(
                        credentials.server,
                        credentials.api_key,
                        account,
                        &config_dir,
                    )
                })
                .await
                .map_err(|e| AgentError::SaveSignIn(std::io::Error::other(e)))?
                .map_err(AgentError::SaveSignIn)?;
                Ok((saved, remote))
            }
            .await;
            if let Some(agent) = me.upgrade() {
                let _ = agent.send(Message::SignedIn { result, reply }).await;
            }
        });
        Ok(())
    }

    pub fn signed_in(
        &mut self,
        result: Result<(SignIn, Remote), AgentError>,
    ) -> Result<Answer, AgentError> {
        let (saved, remote) = result?;
        tracing::info!(server = %saved.server, user = %saved.account.email, "signed in");
        self.sync.policy = None;
        self.start_sync(saved, Some(remote));
        let status = self.sync.status.clone();
        self.emit(AgentEvent::SyncChanged {
            status: status.clone(),
        });
        Ok(Answer::Sync(status))
    }

    /// Forgets the sign-in (the key leaves the keyring off the task; the answer comes
    /// then). Changes not yet sent stay queued for the next sign-in.
    pub fn sign_out(&mut self, reply: oneshot::Sender<Result<Answer, UiError>>) {
        tracing::info!("signing out");
        self.stop_sync();
        self.sync.status = SyncStatus::signed_out();
        self.sync.policy = None;
        self.emit(AgentEvent::SyncChanged {
            status: SyncStatus::signed_out(),
        });
        let (me, config_dir) = (self.me.clone(), self.paths.config_dir.clone());
        tokio::spawn(async move {
            let result = tokio::task::spawn_blocking(move || SignIn::forget(&config_dir))
                .await
                .map_err(std::io::Error::other)
                .and_then(|r| r)
                .map(|()| Answer::Done)
                .map_err(AgentError::SaveSignIn);
            if let Some(agent) = me.upgrade() {
                let _ = agent.send(Message::Answered { result, reply }).await;
            }
        });
    }

    /// Ids of the notices passed on in this session.
    pub fn shown_notices(&self) -> Vec<String> {
        self.sync.notices.clone()
    }

    pub fn sync_asked(&mut self, generation: u64, ask: SyncAsk) {
        if generation != self.sync.generation || self.sync.running.is_none() {
            return;
        }
        match ask {
            SyncAsk::Plan { reply } => {
                let plan = stint_sync::plan(&self.store, self.now(), SEND_AT_ONCE);
                let _ = reply.send(plan.map_err(|e| e.to_string()));
            }
            SyncAsk::Record {
                rows,
                deliveries,
                reply,
            } => {
                let now = self.now();
                let steps = self.store.relaxed(|store| {
                    rows.iter()
                        .zip(deliveries)
                        .map(|(row, delivery)| {
                            stint_sync::record(store, row, delivery, now, fastrand::f64())
                                .unwrap_or_else(|e| {
                                    tracing::error!("could not record a delivery: {e}");
                                    Step::Failed(e.to_string())
                                })
                        })
                        .collect()
                });
                let _ = reply.send(steps);
            }
            SyncAsk::LocalTimer { reply } => {
                let _ = reply.send(self.store.running().ok().flatten());
            }
            SyncAsk::Timer(timer) => match stint_sync::adopt_timer(&mut self.store, &timer) {
                Ok(Some(running)) => self.timer_changed(running),
                Ok(None) => {}
                Err(e) => tracing::warn!("could not adopt the server's timer: {e}"),
            },
            SyncAsk::Workspace { policy, notices } => self.workspace_learned(policy, notices),
            SyncAsk::Status { offline, settled } => self.publish_status(offline, settled),
        }
    }

    /// A changed policy and each notice not yet shown become events.
    fn workspace_learned(&mut self, policy: WorkspacePolicy, notices: Vec<Notice>) {
        if self.sync.policy.as_ref() != Some(&policy) {
            self.sync.policy = Some(policy.clone());
            self.emit(AgentEvent::PolicyChanged { policy });
        }
        for notice in notices {
            if self.sync.notices.contains(&notice.id) {
                continue;
            }
            self.sync.notices.push(notice.id.clone());
            self.emit(AgentEvent::Notice {
                id: notice.id,
                message: notice.message,
            });
        }
    }

    /// State changes are told at once; counts at most twice a second while draining.
    fn publish_status(&mut self, offline: Option<String>, settled: bool) {
        let changed = self.sync.offline != offline;
        self.sync.offline = offline;
        let counts_due = self
            .sync
            .last_published
            .is_none_or(|at| at.elapsed() >= COUNTS_EVERY);
        if !(changed || settled || counts_due) {
            return;
        }
        let (waiting, parked) = self.store.outbox_counts().unwrap_or((0, 0));
        let first_refusal = || {
            self.store
                .parked()
                .ok()?
                .into_iter()
                .next()
                .map(|p| p.reason)
        };
        let next = SyncStatus {
            state: match (&self.sync.offline, waiting) {
                (Some(_), _) => SyncState::Offline,
                (None, 0) => SyncState::Synced,
                (None, _) => SyncState::Waiting,
            },
            waiting,
            parked,
            message: self.sync.offline.clone().or_else(first_refusal),
            ..self.sync.status.clone()
        };
        if next != self.sync.status {
            self.sync.status = next.clone();
            self.sync.last_published = Some(tokio::time::Instant::now());
            self.emit(AgentEvent::SyncChanged { status: next });
        }
    }
}

/// The sync task's way back to the agent's task.
struct Asker {
    agent: mpsc::WeakSender<Message>,
    generation: u64,
}

impl Asker {
    /// Asks and waits; `None` once the agent is gone.
    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> SyncAsk) -> Option<T> {
        let (reply, answer) = oneshot::channel();
        self.tell(make(reply)).await?;
        answer.await.ok()
    }

    async fn tell(&self, ask: SyncAsk) -> Option<()> {
        let agent = self.agent.upgrade()?;
        let message = Message::Sync {
            generation: self.generation,
            ask,
        };
        agent.send(message).await.ok()
    }
}

async fn run(remote: Remote, agent: Asker, wake: Arc<Notify>, clock: Arc<dyn Clock>) {
    let mut offline: Option<String> = None;
    loop {
        let Some(plan) = agent.ask(|reply| SyncAsk::Plan { reply }).await else {
            return;
        };
        let wait = match plan {
            Ok(Plan::Ready(rows)) => {
                let deliveries = stint_sync::deliver_all(&remote, &rows).await;
                let rows = rows.into_iter().map(|(row, _)| row).collect();
                let record = |reply| SyncAsk::Record {
                    rows,
                    deliveries,
                    reply,
                };
                let Some(steps) = agent.ask(record).await else {
                    return;
                };
                offline = steps.into_iter().find_map(|s| match s {
                    Step::Failed(reason) => Some(reason),
                    _ => None,
                });
                None
            }
            Ok(Plan::WaitUntil(t)) => Some((t - clock.now()).to_std().unwrap_or(Duration::ZERO)),
            // Everything is on the server: learn what changed there, then look again soon.
            Ok(Plan::Empty) => {
                offline = pull(&remote, &agent).await.err();
                Some(PULL_EVERY)
            }
            Err(e) => {
                tracing::error!("sync could not read the outbox: {e}");
                Some(Duration::from_secs(5))
            }
        };
        let settled = wait.is_some();
        let status = SyncAsk::Status {
            offline: offline.clone(),
            settled,
        };
        if agent.tell(status).await.is_none() {
            return;
        }
        if let Some(wait) = wait {
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = wake.notified() => {}
            }
        }
    }
}

/// The timer, the workspace's settings and the unread notices (marked read once passed on,
/// so each is shown once).
async fn pull(remote: &Remote, agent: &Asker) -> Result<(), String> {
    let local = agent
        .ask(|reply| SyncAsk::LocalTimer { reply })
        .await
        .flatten();
    let timer = stint_sync::fetch_timer(remote, local).await?;
    agent.tell(SyncAsk::Timer(timer)).await;
    let policy = WorkspacePolicy::from(remote.settings().await?);
    let notices = remote.unread_notices().await?;
    let ids: Vec<String> = notices.iter().map(|n| n.id.clone()).collect();
    agent.tell(SyncAsk::Workspace { policy, notices }).await;
    for id in ids {
        remote.mark_notice_read(&id).await?;
    }
    Ok(())
}
