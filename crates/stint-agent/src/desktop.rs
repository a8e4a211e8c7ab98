//! The `stint` process: the agent's task plus what a desktop session gives it: the tray,
//! notifications, the socket that windows and `stint-cli` use, and the window process it
//! starts when a window is wanted. It ends on Quit (tray, socket), SIGTERM or SIGINT, and
//! when the session bus goes away (the user logged out); the open auto tracker span is kept
//! on the way out.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use futures_util::StreamExt;
use stint_ipc::protocol::{Answer, Command};
use stint_ipc::{AgentEvent, AgentInfo, SyncState, WindowKind};
use tokio::sync::{mpsc, Notify};

use crate::notify::{IdleAction, Notifier, ReminderAction};
use crate::socket::{Host, Serving, SocketError, SocketServer};
use crate::tray::{Tray, TrayAction, TrayView};
use crate::windows::Windows;
use crate::{AgentHandle, AgentOptions, Paths};

struct DesktopHost {
    data_dir: PathBuf,
    tray: AtomicBool,
    quit: Arc<Notify>,
}

impl Host for DesktopHost {
    fn info(&self) -> AgentInfo {
        AgentInfo {
            version: env!("CARGO_PKG_VERSION").into(),
            data_dir: self.data_dir.display().to_string(),
            tray_available: self.tray.load(Ordering::SeqCst),
        }
    }

    fn quit(&self) -> bool {
        self.quit.notify_one();
        true
    }
}

/// How the process was started.
pub struct Launch {
    /// Show the main window once running (not when a window process started the agent).
    pub open_window: bool,
    /// The window program; `None`: beside this one.
    pub window_program: Option<PathBuf>,
}

/// Why the agent did not run.
#[derive(Debug, thiserror::Error)]
pub enum DesktopError {
    #[error(transparent)]
    Socket(#[from] SocketError),
    #[error(transparent)]
    Open(#[from] anyhow::Error),
}

/// Runs the agent until it is told to end. Call on a tokio runtime.
///
/// # Errors
/// The socket cannot be set up (another agent got there first: [`SocketError::AgentRunning`])
/// or the data cannot be opened.
pub async fn run(paths: Paths, launch: Launch) -> Result<(), DesktopError> {
    let socket_path = crate::socket::socket_path();
    let server = SocketServer::bind(&socket_path).await?;
    let (agent, _task) = crate::start(&paths, AgentOptions::default())?;
    sign_in_from_env(&agent).await;
    let program = launch.window_program.or_else(Windows::default_program);
    let windows = match program {
        Some(p) => Windows::launching(p),
        None => Windows::headless(),
    };
    let quit = Arc::new(Notify::new());
    let host = Arc::new(DesktopHost {
        data_dir: paths.data_dir.clone(),
        tray: AtomicBool::new(false),
        quit: quit.clone(),
    });
    tracing::info!(socket = %server.path().display(), "serving the agent socket");
    tokio::spawn(server.serve(Serving {
        agent: agent.clone(),
        host: host.clone(),
        windows: windows.clone(),
    }));

    let (actions_tx, actions) = mpsc::unbounded_channel();
    let tray = if std::env::var_os("STINT_NO_TRAY").is_some_and(|v| v == "1") {
        Err("STINT_NO_TRAY=1".to_owned())
    } else {
        Tray::spawn(tray_view(&agent).await, actions_tx).await
    };
    match tray {
        Ok(tray) => {
            host.tray.store(true, Ordering::SeqCst);
            tokio::spawn(keep_tray_current(agent.clone(), tray));
        }
        Err(e) => {
            tracing::warn!("{e}: Stint runs without a tray; closing its window quits");
            tokio::spawn(quit_without_windows(windows.clone(), quit.clone()));
        }
    }
    tokio::spawn(tray_actions(
        agent.clone(),
        windows.clone(),
        actions,
        quit.clone(),
    ));
    tokio::spawn(notifications(agent.clone(), windows.clone(), quit.clone()));

    // A window process that started this agent (`--no-window`) is the window: another
    // would race it for the one window slot.
    if launch.open_window {
        show(&windows, WindowKind::Main);
    }
    wait_for_the_end(&quit).await;
    windows.close().await;
    agent.shut_down().await;
    // Nobody answers there any more; the data lock said this agent owned it.
    let _ = std::fs::remove_file(&socket_path);
    Ok(())
}

fn show(windows: &Arc<Windows>, kind: WindowKind) {
    if let Err(e) = windows.show(kind) {
        tracing::error!("{e}");
        // Nothing to show it in: without a tray that is the end (see below).
        windows.gone.notify_one();
    }
}

/// Without a tray the window is the only way to see Stint: once a window process has gone
/// (closed, killed, crashed, or it could not start) and none is open or starting, the agent
/// ends instead of tracking invisibly; after a process that only showed the idle prompt,
/// the main window opens instead. An agent that never had a window (`--no-window`
/// started by hand or by a script) is not ended by this.
async fn quit_without_windows(windows: Arc<Windows>, quit: Arc<Notify>) {
    loop {
        windows.gone.notified().await;
        // A window asked for meanwhile (a second launch) gets its moment to connect.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        if windows.is_open_or_starting() {
            continue;
        }
        // The idle prompt was answered: Stint stays in sight in its main window.
        if windows.was_prompt_only() {
            show(&windows, WindowKind::Main);
            continue;
        }
        tracing::info!("no tray and no window: Stint quits");
        quit.notify_one();
        return;
    }
}

async fn wait_for_the_end(quit: &Notify) {
    use tokio::signal::unix::{signal, SignalKind};
    let (mut term, mut int) = match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(t), Ok(i)) => (t, i),
        _ => {
            quit.notified().await;
            return;
        }
    };
    tokio::select! {
        () = quit.notified() => tracing::info!("quit"),
        _ = term.recv() => tracing::info!("SIGTERM"),
        _ = int.recv() => tracing::info!("SIGINT"),
    }
}

/// `scripts/run.sh` and the tests hand over a server's address and key; used only while the
/// agent is not signed in, and never logged.
async fn sign_in_from_env(agent: &AgentHandle) {
    let (Ok(server), Ok(api_key)) = (
        std::env::var("STINT_SIGN_IN_SERVER"),
        std::env::var("STINT_SIGN_IN_KEY"),
    ) else {
        return;
    };
    if !matches!(agent.sync_status().await, Ok(s) if s.state == SyncState::SignedOut) {
        return;
    }
    let agent = agent.clone();
    tokio::spawn(async move {
        match agent
            .call(Command::SignIn {
                server: server.clone(),
                api_key,
            })
            .await
        {
            Ok(_) => tracing::info!("signed in to {server}"),
            Err(e) => tracing::warn!("could not sign in to {server}: {}", e.message),
        }
    });
}

async fn tray_view(agent: &AgentHandle) -> TrayView {
    let overview = match agent.call(Command::Overview).await {
        Ok(Answer::Overview(o)) => o,
        other => {
            tracing::warn!("the tray could not read the agent: {other:?}");
            stint_ipc::Overview {
                running: None,
                capture_armed: false,
                idle_pending: false,
                auto_tracker: Default::default(),
                recent: Vec::new(),
                recent_projects: Vec::new(),
                problems: Vec::new(),
            }
        }
    };
    TrayView {
        overview,
        now: chrono::Utc::now(),
    }
}

/// Redraws the tray after every change it shows (and each minute of a running timer).
async fn keep_tray_current(agent: AgentHandle, tray: Tray) {
    let mut events = agent.subscribe();
    loop {
        match events.recv().await {
            Ok(
                AgentEvent::TimerChanged { .. }
                | AgentEvent::Tick { .. }
                | AgentEvent::EntriesChanged
                | AgentEvent::CaptureChanged { .. }
                | AgentEvent::IdlePrompt { .. }
                | AgentEvent::IdleResolved { .. }
                | AgentEvent::AutoTrackerChanged { .. }
                | AgentEvent::SensorProblem { .. },
            )
            | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
            Ok(_) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
        tray.show(tray_view(&agent).await).await;
    }
}

async fn tray_actions(
    agent: AgentHandle,
    windows: Arc<Windows>,
    mut actions: mpsc::UnboundedReceiver<TrayAction>,
    quit: Arc<Notify>,
) {
    while let Some(action) = actions.recv().await {
        tracing::info!(?action, "tray");
        let command = match action.clone() {
            TrayAction::Start => Command::StartTimer {
                description: String::new(),
                work: stint_core::Work::default(),
            },
            TrayAction::Stop => Command::StopTimer,
            TrayAction::Continue(id) => Command::ContinueEntry { id },
            TrayAction::PauseTracker => {
                let paused = match agent.call(Command::Overview).await {
                    Ok(Answer::Overview(o)) => o.auto_tracker.paused,
                    _ => false,
                };
                Command::SetAutoTrackerPaused { paused: !paused }
            }
            TrayAction::Open => {
                show(&windows, WindowKind::Main);
                continue;
            }
            TrayAction::Idle => {
                show(&windows, WindowKind::Idle);
                continue;
            }
            TrayAction::Quit => {
                quit.notify_one();
                continue;
            }
        };
        if let Err(e) = agent.call(command).await {
            tracing::error!("the tray's {action:?} failed: {}", e.message);
            if e.code == "project_required" {
                // The answer (a project) is picked in the window.
                show(&windows, WindowKind::Main);
            }
        }
    }
}

/// Notices and capture problems as notifications; the idle prompt as an actionable one
/// where the server offers buttons, else as the small prompt window. Ends the process when
/// the session bus goes away.
async fn notifications(agent: AgentHandle, windows: Arc<Windows>, quit: Arc<Notify>) {
    let mut events = agent.subscribe();
    let mut notifier = match Notifier::connect().await {
        Ok(n) => n,
        Err(e) => {
            tracing::warn!("no session bus for notifications ({e}); prompts open a window");
            while let Ok(event) = events.recv().await {
                if let AgentEvent::IdlePrompt { .. } = event {
                    show(&windows, WindowKind::Idle);
                }
            }
            return;
        }
    };
    let actions = match notifier.actions().await {
        Ok(stream) => stream,
        Err(e) => {
            tracing::warn!("cannot hear notification actions: {e}");
            return;
        }
    };
    tokio::pin!(actions);
    // A prompt left unanswered before a restart is asked again.
    if let Ok(Answer::Prompt(Some(prompt))) = agent.call(Command::IdlePrompt).await {
        ask(&mut notifier, &windows, &prompt).await;
    }
    // What this desktop cannot do was found before anyone listened: told once now, and
    // each feature once in all.
    let mut told = std::collections::HashSet::new();
    if let Ok(Answer::Overview(overview)) = agent.call(Command::Overview).await {
        for problem in overview.problems {
            if told.insert(problem.feature.clone()) {
                notifier.tell(&problem_text(&problem)).await;
            }
        }
    }
    loop {
        tokio::select! {
            action = actions.next() => {
                let Some((id, key)) = action else {
                    tracing::info!("the session bus closed: the session ended");
                    quit.notify_one();
                    return;
                };
                if let Some(action) = notifier.reminder_action_of(id, &key) {
                    on_reminder(&agent, &mut notifier, &windows, action).await;
                    continue;
                }
                match notifier.idle_action_of(id, &key) {
                    Some(IdleAction::OpenPrompt) => show(&windows, WindowKind::Idle),
                    Some(IdleAction::Answer { id, choice }) => {
                        if let Err(e) = agent.call(Command::ResolveIdle { id, choice }).await {
                            notifier.tell(&format!("The idle time was not changed: {}", e.message)).await;
                        }
                    }
                    None => {}
                }
            }
            event = events.recv() => match event {
                Ok(AgentEvent::Notice { message, .. } | AgentEvent::CaptureProblem { message }) => {
                    notifier.tell(&message).await;
                }
                Ok(AgentEvent::SensorProblem { problem }) => {
                    if told.insert(problem.feature.clone()) {
                        notifier.tell(&problem_text(&problem)).await;
                    }
                }
                Ok(AgentEvent::IdlePrompt { prompt }) => ask(&mut notifier, &windows, &prompt).await,
                Ok(AgentEvent::IdleResolved { .. }) => notifier.idle_answered().await,
                Ok(AgentEvent::Reminder { reminder: kind, message }) => notifier.remind(kind, &message).await,
                Ok(AgentEvent::TimerChanged { running }) => {
                    notifier.timer_changed(running.is_some()).await;
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            },
        }
    }
}

/// Start, Stop or Count the break on a reminder. A refusal (a workspace that requires a project) opens
/// the window, where the picker is, and says why.
async fn on_reminder(
    agent: &AgentHandle,
    notifier: &mut Notifier,
    windows: &Arc<Windows>,
    action: ReminderAction,
) {
    let command = match action {
        ReminderAction::OpenWindow => return show(windows, WindowKind::Main),
        ReminderAction::StartTimer => Command::StartTimer {
            description: String::new(),
            work: stint_core::Work::default(),
        },
        ReminderAction::StopTimer => Command::StopTimer,
        ReminderAction::KeepBreak => Command::KeepBreak,
    };
    if let Err(e) = agent.call(command).await {
        notifier.tell(&e.message).await;
        show(windows, WindowKind::Main);
    }
}

fn problem_text(problem: &stint_ipc::SensorProblem) -> String {
    format!("{} is unavailable: {}", problem.feature, problem.message)
}

async fn ask(notifier: &mut Notifier, windows: &Arc<Windows>, prompt: &stint_ipc::IdlePrompt) {
    let answered_there = notifier.has_actions().await && notifier.ask_idle(prompt).await;
    if !answered_there {
        show(windows, WindowKind::Idle);
    }
}
