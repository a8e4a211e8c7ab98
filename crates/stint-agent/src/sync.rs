//! Sync with a Stint server: sign-in, the saved credentials, and the drainer thread that
//! delivers the outbox. The drainer has its own connection to the database and sleeps until
//! a change is made or a retry is due.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use chrono::Utc;
use stint_store::Store;
use stint_sync::{drain_batch, Credentials, Remote, Step};
use tokio::sync::broadcast;

use crate::credentials::SignIn;
use stint_ipc::AgentEvent;
pub use stint_ipc::{SyncState, SyncStatus, WorkspacePolicy};

/// What the worker shares with the agent.
pub(crate) struct Shared {
    pub status: Mutex<SyncStatus>,
    pub policy: Mutex<Option<WorkspacePolicy>>,
    /// Notices shown in this session, newest last.
    pub notices: Mutex<Vec<String>>,
}

impl Shared {
    pub fn new() -> Shared {
        Shared {
            status: Mutex::new(SyncStatus::signed_out()),
            policy: Mutex::new(None),
            notices: Mutex::new(Vec::new()),
        }
    }
}

/// Settings and notices from the server: a changed policy and each new notice become
/// events; a notice is marked read once it was passed on, so it is shown once.
fn pull_workspace(
    remote: &Remote,
    shared: &Shared,
    events: &broadcast::Sender<AgentEvent>,
) -> Result<(), String> {
    let policy = WorkspacePolicy::from(remote.settings()?);
    let changed = {
        let mut current = shared.policy.lock().unwrap_or_else(|p| p.into_inner());
        let changed = current.as_ref() != Some(&policy);
        *current = Some(policy.clone());
        changed
    };
    if changed {
        let _ = events.send(AgentEvent::PolicyChanged { policy });
    }
    for notice in remote.unread_notices()? {
        let fresh = {
            let mut seen = shared.notices.lock().unwrap_or_else(|p| p.into_inner());
            let fresh = !seen.contains(&notice.id);
            if fresh {
                seen.push(notice.id.clone());
            }
            fresh
        };
        if fresh {
            let _ = events.send(AgentEvent::Notice {
                id: notice.id.clone(),
                message: notice.message.clone(),
            });
        }
        remote.mark_notice_read(&notice.id)?;
    }
    Ok(())
}

/// How many changes of different entries are sent at once.
const SEND_AT_ONCE: usize = 4;

/// How often a signed-in agent asks the server whether the timer changed elsewhere.
const PULL_EVERY: Duration = Duration::from_secs(5);

#[derive(Default)]
struct Signal {
    woken: bool,
    stop: bool,
}

/// The running drainer.
pub(crate) struct SyncWorker {
    signal: Arc<(Mutex<Signal>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl SyncWorker {
    pub fn start(
        database: PathBuf,
        saved: &SignIn,
        shared: Arc<Shared>,
        events: broadcast::Sender<AgentEvent>,
    ) -> SyncWorker {
        let credentials = Credentials {
            server: saved.server.clone(),
            api_key: saved.api_key.clone(),
        };
        let remote = Remote::resume(&credentials, saved.account.clone());
        let signal = Arc::new((Mutex::new(Signal::default()), Condvar::new()));
        let thread_signal = signal.clone();
        let base = SyncStatus {
            server: Some(saved.server.clone()),
            email: Some(saved.account.email.clone()),
            key_storage: Some(saved.key_storage),
            ..SyncStatus::signed_out()
        };
        let thread = std::thread::Builder::new()
            .name("stint-sync".into())
            .spawn(move || drain_loop(&database, &remote, &thread_signal, base, &shared, &events))
            .expect("a thread can be started");
        SyncWorker {
            signal,
            thread: Some(thread),
        }
    }

    pub fn wake(&self) {
        let (lock, cvar) = &*self.signal;
        lock.lock().unwrap_or_else(|p| p.into_inner()).woken = true;
        cvar.notify_one();
    }
}

impl Drop for SyncWorker {
    fn drop(&mut self) {
        let (lock, cvar) = &*self.signal;
        lock.lock().unwrap_or_else(|p| p.into_inner()).stop = true;
        cvar.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Sleeps until woken, stopped, or `timeout` passes; true if it should stop.
fn sleep(signal: &(Mutex<Signal>, Condvar), timeout: Duration) -> bool {
    let (lock, cvar) = signal;
    let guard = lock.lock().unwrap_or_else(|p| p.into_inner());
    let (mut guard, _) = cvar
        .wait_timeout_while(guard, timeout, |s| !s.woken && !s.stop)
        .unwrap_or_else(|p| p.into_inner());
    guard.woken = false;
    guard.stop
}

fn drain_loop(
    database: &Path,
    remote: &Remote,
    signal: &(Mutex<Signal>, Condvar),
    base: SyncStatus,
    shared: &Shared,
    events: &broadcast::Sender<AgentEvent>,
) {
    let status = &shared.status;
    let mut store = loop {
        match Store::open(database) {
            Ok(s) => {
                if let Err(e) = s.relax_durability_for_delivery_state() {
                    tracing::warn!("sync keeps full durability: {e}");
                }
                break s;
            }
            Err(e) => {
                tracing::error!("sync cannot open the database: {e}");
                if sleep(signal, Duration::from_secs(30)) {
                    return;
                }
            }
        }
    };
    let mut offline: Option<String> = None;
    let mut last_published = Instant::now() - Duration::from_secs(60);
    loop {
        if signal.0.lock().unwrap_or_else(|p| p.into_inner()).stop {
            return;
        }
        let steps = drain_batch(
            &mut store,
            remote,
            Utc::now(),
            fastrand::f64(),
            SEND_AT_ONCE,
        );
        // A batch holds Sent/Parked/Failed steps; Idle and WaitUntil come alone.
        let step = steps.map(|steps| {
            let failed = steps.iter().find(|s| matches!(s, Step::Failed(_))).cloned();
            failed
                .or_else(|| steps.into_iter().next())
                .unwrap_or(Step::Idle)
        });
        let wait = match &step {
            Ok(Step::Sent | Step::Parked(_)) => {
                offline = None;
                None
            }
            Ok(Step::Failed(reason)) => {
                offline = Some(reason.clone());
                None
            }
            Ok(Step::WaitUntil(t)) => Some((*t - Utc::now()).to_std().unwrap_or(Duration::ZERO)),
            // Everything is on the server: adopt what happened to the timer elsewhere, then
            // look again in a few seconds.
            Ok(Step::Idle) => {
                match stint_sync::pull_running(&mut store, remote) {
                    Ok(Some(running)) => {
                        let _ = events.send(AgentEvent::TimerChanged { running });
                        let _ = events.send(AgentEvent::EntriesChanged);
                    }
                    Ok(None) => {}
                    Err(e) => offline = Some(e),
                }
                if let Err(e) = pull_workspace(remote, shared, events) {
                    offline = Some(e);
                }
                Some(PULL_EVERY)
            }
            Err(e) => {
                tracing::error!("sync could not read the outbox: {e}");
                Some(Duration::from_secs(5))
            }
        };
        let (waiting, parked) = store.outbox_counts().unwrap_or((0, 0));
        let first_refusal = || store.parked().ok()?.into_iter().next().map(|p| p.reason);
        let next = SyncStatus {
            state: match (&offline, waiting) {
                (Some(_), _) => SyncState::Offline,
                (None, 0) => SyncState::Synced,
                (None, _) => SyncState::Waiting,
            },
            waiting,
            parked,
            message: offline.clone().or_else(first_refusal),
            ..base.clone()
        };
        // Publish state changes at once, counts at most twice a second.
        let changed = {
            let mut current = status.lock().unwrap_or_else(|p| p.into_inner());
            let state_changed = current.state != next.state || current.parked != next.parked;
            let publish = *current != next
                && (state_changed
                    || wait.is_some()
                    || last_published.elapsed() > Duration::from_millis(500));
            if publish {
                *current = next.clone();
            }
            publish
        };
        if changed {
            last_published = Instant::now();
            let _ = events.send(AgentEvent::SyncChanged { status: next });
        }
        if let Some(wait) = wait {
            if sleep(signal, wait) {
                return;
            }
        }
    }
}
