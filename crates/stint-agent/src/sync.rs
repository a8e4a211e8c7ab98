//! Sync with a Stint server. The sync task (one per sign-in, on the agent's runtime) does
//! the network: it asks the agent's task for the due outbox rows, sends them, and hands
//! back the answers to be recorded (a change whose entry moved on the server is merged,
//! and the user is told what of theirs was not kept). With nothing to send it reads the
//! server's change feed from the stored cursor, held by the server until something changes
//! (a long-poll of up to a minute, so an idle agent asks about once a minute), and hands
//! each answer to the agent's task to apply; the settings and notices are read when the
//! feed says they changed. A change made here cuts the long-poll short. The agent's task
//! keeps the store, the status, the policy and the notices already shown: the sync task
//! holds nothing but the connection.

use std::sync::Arc;
use std::time::Duration;

use stint_api::{EntryChanges, Notice};
use stint_ipc::protocol::Answer;
use stint_ipc::{AgentEvent, SyncState, SyncStatus, UiError, WorkspacePolicy};
use stint_store::OutboxRow;
use stint_sync::{Credentials, Delivery, Plan, Remote, Step};
use tokio::sync::{mpsc, oneshot, Notify};

use crate::actor::{Agent, Message};
use crate::clock::Clock;
use crate::credentials::SignIn;
use crate::error::AgentError;

/// How many changes of different entries are sent at once (one batch; uploads are fewer).
const SEND_AT_ONCE: usize = 200;
/// How long the server may hold a look at the change feed while nothing changes
/// (seconds; the server allows 60, proxies commonly cut idle requests at 60 to 100).
const LONG_POLL_SECS: u32 = 55;
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
    /// Where the account's feed was read up to.
    Cursor {
        account: String,
        reply: oneshot::Sender<Option<i64>>,
    },
    /// One answer of the feed, to apply.
    Feed {
        account: String,
        changes: EntryChanges,
        reply: oneshot::Sender<()>,
    },
    Workspace {
        policy: Option<WorkspacePolicy>,
        notices: Vec<Notice>,
    },
    /// The workspace's projects, tasks and tags, read because the feed said they changed.
    Catalog {
        account: String,
        catalog: stint_sync::RemoteCatalog,
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
    /// The signed-in account's key ([`stint_sync::account_key`]) and a connection for
    /// calls the window makes (a new tag).
    pub account: Option<String>,
    pub remote: Option<Arc<Remote>>,
    /// That account's projects, tasks and tags as last read (`None`: never read), held
    /// in memory so the tray's lines and each start or edit need no read of the store.
    pub catalog: Option<stint_ipc::Catalog>,
    /// Notices shown in this session, newest last.
    notices: Vec<String>,
    /// Which sign-in the running task belongs to; reports of older ones are dropped.
    generation: u64,
    running: Option<Running>,
    offline: Option<String>,
    last_published: Option<tokio::time::Instant>,
    /// When the server last answered (this session), for "My data".
    pub last_contact: Option<chrono::DateTime<chrono::Utc>>,
}

impl SyncPart {
    /// `policy`: the workspace's rules as last kept, until the server says otherwise.
    pub fn new(policy: Option<WorkspacePolicy>) -> SyncPart {
        SyncPart {
            status: SyncStatus::signed_out(),
            policy,
            account: None,
            remote: None,
            catalog: None,
            notices: Vec::new(),
            generation: 0,
            running: None,
            offline: None,
            last_published: None,
            last_contact: None,
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
        let account = stint_sync::account_key(&remote);
        self.sync.catalog = crate::catalog::load_catalog(&self.store, &account);
        self.sync.account = Some(account);
        let remote = Arc::new(remote);
        self.sync.remote = Some(remote.clone());
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
        self.set_policy(None);
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
        self.set_policy(None);
        self.sync.account = None;
        self.sync.remote = None;
        self.sync.catalog = None;
        self.emit(AgentEvent::CatalogChanged);
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
                let count = rows.len();
                let steps: Vec<Step> = self.store.relaxed(|store| {
                    stint_sync::record_all(store, &rows, deliveries, now, fastrand::f64)
                        .unwrap_or_else(|e| {
                            tracing::error!("could not record the deliveries: {e}");
                            vec![Step::Failed(e.to_string()); count]
                        })
                });
                self.tell_merges(&steps);
                let _ = reply.send(steps);
            }
            SyncAsk::Cursor { account, reply } => {
                let cursor = self.store.sync_cursor(&account).unwrap_or_else(|e| {
                    tracing::error!("could not read the feed's cursor; reading it all: {e}");
                    None
                });
                let _ = reply.send(cursor);
            }
            SyncAsk::Feed {
                account,
                changes,
                reply,
            } => {
                match stint_sync::apply_changes(&mut self.store, &account, changes) {
                    Ok(applied) if applied.changed > 0 => {
                        tracing::info!(entries = applied.changed, "applied changes made elsewhere");
                        self.remote_changed();
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!("could not apply the server's changes: {e}"),
                }
                let _ = reply.send(());
            }
            SyncAsk::Workspace { policy, notices } => self.workspace_learned(policy, notices),
            SyncAsk::Catalog { account, catalog } => self.catalog_learned(&account, catalog),
            SyncAsk::Status { offline, settled } => self.publish_status(offline, settled),
        }
    }

    /// Entries changed here because of the server: the window's lists and, if it moved,
    /// the timer follow.
    fn remote_changed(&mut self) {
        match self.store.running() {
            Ok(running) => self.timer_changed(running),
            Err(e) => {
                tracing::error!("could not read the running entry: {e}");
                self.emit(AgentEvent::EntriesChanged);
            }
        }
    }

    /// Merges that dropped some of the user's values, and changes to entries deleted on the
    /// server, are told as notifications; the lists follow.
    fn tell_merges(&mut self, steps: &[Step]) {
        let mut changed = false;
        for step in steps {
            let lines: Vec<String> = match step {
                Step::Merged(outcome) => {
                    changed = true;
                    let mut lines: Vec<String> = outcome
                        .conflicts
                        .iter()
                        .map(|c| c.describe(crate::clock::local_time))
                        .collect();
                    if outcome.delete_refused {
                        lines.push(
                            "An entry you deleted was locked by your workspace's admin \
                             meanwhile; it is kept."
                                .to_owned(),
                        );
                    }
                    lines
                }
                Step::Gone(entry) => {
                    changed = true;
                    let what = entry
                        .as_ref()
                        .map(|e| format!(" \u{201c}{}\u{201d}", e.description))
                        .unwrap_or_default();
                    vec![format!(
                        "The entry{what} was deleted on the server; your change to it was dropped."
                    )]
                }
                _ => Vec::new(),
            };
            for message in lines {
                tracing::info!("{message}");
                self.emit(AgentEvent::Notice {
                    id: format!("sync-{}", uuid::Uuid::new_v4()),
                    message,
                });
            }
        }
        if changed {
            self.remote_changed();
        }
    }

    /// The workspace's rules, kept in the store too: they hold after an offline restart
    /// (screenshots and their review go on as the admin set them).
    pub fn set_policy(&mut self, policy: Option<WorkspacePolicy>) {
        let body = policy.as_ref().and_then(|p| serde_json::to_string(p).ok());
        if let Err(e) = self.store.save_policy(body.as_deref()) {
            tracing::warn!("could not keep the workspace's rules: {e}");
        }
        self.sync.policy = policy;
    }

    /// A changed policy and each notice not yet shown become events.
    fn workspace_learned(&mut self, policy: Option<WorkspacePolicy>, notices: Vec<Notice>) {
        if let Some(policy) = policy.filter(|p| self.sync.policy.as_ref() != Some(p)) {
            self.set_policy(Some(policy.clone()));
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
        if offline.is_none() {
            self.sync.last_contact = Some(self.now());
        }
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

async fn run(remote: Arc<Remote>, agent: Asker, wake: Arc<Notify>, clock: Arc<dyn Clock>) {
    let account = stint_sync::account_key(&remote);
    let mut offline: Option<String> = None;
    // Failed looks at the feed in a row: the next one waits longer (as a failed delivery).
    let mut feed_failures: u32 = 0;
    loop {
        let Some(plan) = agent.ask(|reply| SyncAsk::Plan { reply }).await else {
            return;
        };
        let wait = match plan {
            Ok(Plan::Ready(planned)) => {
                let deliveries = stint_sync::deliver_all(&remote, &planned).await;
                let rows = planned.into_iter().map(|p| p.row).collect();
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
            // Everything is on the server: read what changed there. The status is told
            // first, as the look may be held for a minute.
            Ok(Plan::Empty) => {
                let status = SyncAsk::Status {
                    offline: offline.clone(),
                    settled: true,
                };
                if agent.tell(status).await.is_none() {
                    return;
                }
                // Right after a failure, a quick look says whether the server is back.
                let hold = if offline.is_some() { 0 } else { LONG_POLL_SECS };
                tokio::select! {
                    looked = look(&remote, &agent, &account, hold) => match looked {
                        Ok(()) => {
                            offline = None;
                            feed_failures = 0;
                            None
                        }
                        Err(reason) => {
                            tracing::info!("reading the server's changes failed: {reason}");
                            offline = Some(reason);
                            feed_failures += 1;
                            Some(stint_core::backoff::retry_delay(feed_failures, fastrand::f64()))
                        }
                    },
                    // A change here: send it now rather than when the look ends.
                    () = wake.notified() => None,
                }
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

/// One look at the change feed (held up to `hold` seconds by the server): the settings,
/// the unread notices and the projects and tags if it says they changed (notices are
/// marked read once passed on, so each is shown once), then the page applied here.
async fn look(remote: &Remote, agent: &Asker, account: &str, hold: u32) -> Result<(), String> {
    loop {
        let since = agent
            .ask(|reply| SyncAsk::Cursor {
                account: account.to_owned(),
                reply,
            })
            .await
            .flatten();
        let changes = remote.changes(since, hold).await?;
        let (more, settings, notices, catalog) = (
            changes.more,
            changes.settings_changed,
            changes.notices_changed,
            changes.catalog_changed,
        );
        // What the page says changed is read before the page is applied, because applying
        // it moves the cursor: a read that fails (or an agent that stops) in between would
        // otherwise lose the news for good.
        if settings || notices {
            learn(remote, agent, settings, notices).await?;
        }
        if catalog {
            let catalog = remote.catalog().await?;
            agent
                .tell(SyncAsk::Catalog {
                    account: account.to_owned(),
                    catalog,
                })
                .await;
        }
        agent
            .ask(|reply| SyncAsk::Feed {
                account: account.to_owned(),
                changes,
                reply,
            })
            .await;
        if !more {
            return Ok(());
        }
    }
}

async fn learn(
    remote: &Remote,
    agent: &Asker,
    settings: bool,
    notices: bool,
) -> Result<(), String> {
    let policy = match settings {
        true => Some(WorkspacePolicy::from(remote.settings().await?)),
        false => None,
    };
    let notices = match notices {
        true => remote.unread_notices().await?,
        false => Vec::new(),
    };
    let ids: Vec<String> = notices.iter().map(|n| n.id.clone()).collect();
    agent.tell(SyncAsk::Workspace { policy, notices }).await;
    for id in ids {
        remote.mark_notice_read(&id).await?;
    }
    Ok(())
}
