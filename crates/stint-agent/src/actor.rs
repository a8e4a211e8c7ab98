//! The agent's one task. It alone owns the store, the private store and the sync state;
//! commands arrive as messages from [`AgentHandle`]s, sensors wake it through two
//! notifications, and it sleeps until the next moment something is due (the tray's minute,
//! a screenshot moment, the idle threshold). Each wake is one "tick": one look at the idle
//! sensor if anything needs it, then each part (idle prompt, auto tracker, capture,
//! display) decides from that snapshot. No part takes a lock: they are fields of the task.
//! Network and screen capture run in tasks of their own and report back as messages.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use stint_core::Entry;
use stint_ipc::protocol::{Answer, Command};
use stint_ipc::{AgentEvent, UiError};
use stint_private::PrivateStore;
use stint_store::Store;
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::activity::Activity;
use crate::capture::{Capture, Captured};
use crate::clock::{Clock, SystemClock};
use crate::credentials::SignIn;
use crate::error::AgentError;
use crate::handle::AgentHandle;
use crate::idle::Idle;
use crate::settings::AppSettings;
use crate::sync::{SyncAsk, SyncPart};
use stint_ipc::paths::Paths;

/// What reaches the task.
pub(crate) enum Message {
    Call {
        command: Command,
        reply: oneshot::Sender<Result<Answer, UiError>>,
    },
    ShutDown {
        done: oneshot::Sender<()>,
    },
    /// A sign-in checked with the server (and kept) in its own task.
    SignedIn {
        result: Result<(SignIn, stint_sync::Remote), AgentError>,
        reply: oneshot::Sender<Result<Answer, UiError>>,
    },
    /// The answer to a command that finished off the task (sign-out's keyring call).
    Answered {
        result: Result<Answer, AgentError>,
        reply: oneshot::Sender<Result<Answer, UiError>>,
    },
    /// A tag made on the server from the window (or why not).
    TagCreated {
        account: String,
        result: Result<stint_api::Tag, String>,
        reply: oneshot::Sender<Result<Answer, UiError>>,
    },
    /// Screenshots taken and processed off the task.
    Captured(Captured),
    /// From the sync task of sign-in number `generation` (older ones are ignored).
    Sync {
        generation: u64,
        ask: SyncAsk,
    },
    /// The screen locked or unlocked, the machine is going to sleep or woke.
    Session(stint_sensors::LockEvent),
    /// The global shortcut was pressed.
    Hotkey,
    /// The lock and sleep signals cannot be followed here.
    SensorMissing {
        capability: stint_sensors::Capability,
        message: String,
    },
}

/// What woke the task; parts decide whether to look at their sensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wake {
    Start,
    /// Something the user did (a command).
    Command,
    /// Sync or a background task reported; no sensor needs reading for that.
    Report,
    /// A due moment.
    Timer,
    /// The window in front (or its title) changed.
    Window,
    /// Keyboard or pointer input after the user was away.
    Input,
    /// The session locked, unlocked, slept or woke.
    Session,
}

/// How the agent is put together; [`AgentOptions::default`] is the product: the sensors
/// stint-sensors picks for this session.
pub struct AgentOptions {
    pub capturer: Arc<dyn stint_sensors::ScreenCapturer>,
    /// Length of a screenshot window: five minutes, shorter only in tests.
    pub capture_window: chrono::Duration,
    /// What one "minute" of the review window lasts: a minute, shorter only in end-to-end
    /// tests that cannot wait minutes of real time.
    pub review_minute: chrono::Duration,
    pub idle_source: Arc<dyn stint_sensors::IdleSource>,
    pub window_source: Arc<dyn stint_sensors::ActiveWindowSource>,
    pub lock_source: Arc<dyn stint_sensors::LockSource>,
    pub hotkeys: Arc<dyn stint_sensors::HotkeySource>,
    /// Which app is in front on each monitor (private apps); `None`: only the window in
    /// front is known, and a private app there hides every monitor.
    pub front_windows: Option<Arc<dyn stint_sensors::FrontWindows>>,
    /// What this session cannot serve, told to the user once at start.
    pub missing: Vec<(stint_sensors::Capability, String)>,
    pub clock: Arc<dyn Clock>,
}

impl AgentOptions {
    /// The product's parts around the given sensors.
    pub fn with_sensors(sensors: stint_sensors::Sensors) -> AgentOptions {
        AgentOptions {
            capturer: sensors.capturer,
            capture_window: stint_core::capture::window(),
            review_minute: chrono::Duration::minutes(1),
            idle_source: sensors.idle,
            window_source: sensors.window,
            lock_source: sensors.lock,
            hotkeys: sensors.hotkeys,
            front_windows: sensors.front,
            missing: sensors.missing,
            clock: Arc::new(SystemClock),
        }
    }
}

impl Default for AgentOptions {
    fn default() -> Self {
        AgentOptions::with_sensors(stint_sensors::Sensors::detect())
    }
}

pub(crate) struct Agent {
    pub store: Store,
    pub private: PrivateStore,
    pub clock: Arc<dyn Clock>,
    pub paths: Paths,
    pub events: broadcast::Sender<AgentEvent>,
    /// For tasks that report back; weak, so the task ends once every handle is gone.
    pub me: mpsc::WeakSender<Message>,
    pub capture: Capture,
    pub idle: Idle,
    pub activity: Activity,
    pub sync: SyncPart,
    pub reminders: crate::reminders::RemindersPart,
    pub shortcut: crate::shortcut::Shortcut,
    pub pomodoro: crate::pomodoro::PomodoroPart,
    /// The settings file as read (what this version keeps as it was).
    pub settings_file: crate::settings::SettingsFile,
    /// Features this desktop cannot serve, told once each (`problems`).
    pub problems: Vec<(stint_sensors::Capability, stint_ipc::SensorProblem)>,
    lock_source: Arc<dyn stint_sensors::LockSource>,
    /// Held while the agent runs: one agent per data directory.
    _data_lock: crate::data_lock::DataLock,
    /// When the running timer's display (the tray's minutes) moves next.
    next_display: Option<DateTime<Utc>>,
}

/// Opens the agent on the data under `paths` (creating what is missing) and starts its
/// task on the current tokio runtime.
///
/// # Errors
/// The data directory cannot be made, or a database cannot be opened (damaged, newer).
pub fn start(
    paths: &Paths,
    options: AgentOptions,
) -> anyhow::Result<(AgentHandle, tokio::task::JoinHandle<()>)> {
    paths.create()?;
    let data_lock = crate::data_lock::DataLock::take(&paths.data_dir)?;
    let mut store = Store::open(&paths.database())?;
    if let Some(running) = store.running()? {
        tracing::info!(entry = %running.id, start = %running.start, "resuming the running timer");
    }
    let private = PrivateStore::open(&paths.private_database())?;
    let settings = AppSettings::load(&paths.settings_file());
    // The rules as last read: they hold until the server is reached again.
    let policy = store
        .policy()?
        .and_then(|body| serde_json::from_str::<stint_ipc::WorkspacePolicy>(&body).ok());
    let now = options.clock.now();
    let expired = store.expire_capture_sets(now - crate::capture::local_retention())?;
    if expired > 0 {
        tracing::info!(
            sets = expired,
            "deleted screenshots that could not be sent for 7 days"
        );
    }
    let (tx, rx) = mpsc::channel(256);
    let events = broadcast::channel(64).0;
    let mut agent = Agent {
        store,
        private,
        clock: options.clock,
        paths: paths.clone(),
        events: events.clone(),
        me: tx.downgrade(),
        capture: Capture::new(
            options.capturer,
            options.capture_window,
            settings.privacy.unwrap_or_default(),
            crate::capture::Screens {
                front: options.front_windows,
                window: options.window_source.clone(),
            },
            options.review_minute,
        ),
        idle: Idle::new(options.idle_source, settings.idle),
        activity: Activity::new(
            options.window_source,
            settings.auto_tracker.unwrap_or_default(),
        ),
        sync: SyncPart::new(policy),
        reminders: crate::reminders::RemindersPart::new(settings.reminders),
        shortcut: crate::shortcut::Shortcut::new(options.hotkeys, settings.shortcut),
        pomodoro: crate::pomodoro::PomodoroPart::new(settings.pomodoro),
        settings_file: settings.file,
        problems: Vec::new(),
        lock_source: options.lock_source,
        _data_lock: data_lock,
        next_display: None,
    };
    for (capability, message) in &options.missing {
        agent.report_problem(*capability, message);
    }
    agent.expire_activity(now);
    agent.apply_shortcut();
    // Sets held for review before a restart keep their windows: released when they end.
    agent.capture.next_release = agent.store.next_release()?;
    let task = tokio::spawn(agent.run(rx));
    Ok((AgentHandle { tx, events }, task))
}

impl Agent {
    async fn run(mut self, mut rx: mpsc::Receiver<Message>) {
        // The sign-in kept from an earlier session, before any command is answered. The
        // keyring is a blocking D-Bus call: read it off the runtime's threads.
        let config_dir = self.paths.config_dir.clone();
        match tokio::task::spawn_blocking(move || SignIn::load(&config_dir)).await {
            Ok(Some(saved)) => self.start_sync(saved, None),
            Ok(None) => {}
            Err(e) => tracing::error!("could not read the sign-in: {e}"),
        }
        self.follow_session();
        let window_changed = self.activity.changed.clone();
        let input = self.idle.input.clone();
        self.tick(Wake::Start);
        loop {
            let deadline = self.next_due().map(|due| {
                let wait = (due - self.clock.now()).to_std().unwrap_or(Duration::ZERO);
                tokio::time::Instant::now() + wait
            });
            let sleep = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            let wake = tokio::select! {
                message = rx.recv() => match message {
                    None => break,
                    Some(Message::ShutDown { done }) => {
                        self.shut_down();
                        let _ = done.send(());
                        return;
                    }
                    Some(message) => self.handle(message),
                },
                () = sleep => Wake::Timer,
                () = window_changed.notified() => Wake::Window,
                () = input.notified() => Wake::Input,
            };
            self.tick(wake);
        }
        self.shut_down();
    }

    fn handle(&mut self, message: Message) -> Wake {
        match message {
            Message::Call { command, reply } => {
                if let Some(answer) = self.call(command, reply) {
                    let (result, reply) = answer;
                    let _ = reply.send(result.map_err(UiError::from));
                }
                Wake::Command
            }
            Message::SignedIn { result, reply } => {
                let _ = reply.send(self.signed_in(result).map_err(UiError::from));
                Wake::Command
            }
            Message::Answered { result, reply } => {
                let _ = reply.send(result.map_err(UiError::from));
                Wake::Command
            }
            Message::TagCreated {
                account,
                result,
                reply,
            } => {
                let answer = self.tag_created(&account, result);
                let _ = reply.send(answer.map_err(UiError::from));
                Wake::Command
            }
            Message::Captured(captured) => {
                self.captured(captured);
                Wake::Report
            }
            Message::Sync { generation, ask } => {
                self.sync_asked(generation, ask);
                Wake::Report
            }
            Message::Session(event) => {
                self.session_signal(event);
                Wake::Session
            }
            Message::Hotkey => {
                match self.toggle_timer() {
                    Ok(running) => tracing::info!(running = running.is_some(), "shortcut"),
                    Err(e) => {
                        // Said where the user looks: a notification (a required project).
                        tracing::warn!("the shortcut could not start or stop the timer: {e}");
                        self.emit(AgentEvent::Notice {
                            id: "shortcut".into(),
                            message: e.to_string(),
                        });
                    }
                }
                Wake::Command
            }
            Message::SensorMissing {
                capability,
                message,
            } => {
                self.report_problem(capability, &message);
                Wake::Report
            }
            Message::ShutDown { .. } => unreachable!("handled in run"),
        }
    }

    /// Answers a command, or returns `None` when the answer comes later (sign-in).
    #[allow(clippy::type_complexity)]
    fn call(
        &mut self,
        command: Command,
        reply: oneshot::Sender<Result<Answer, UiError>>,
    ) -> Option<(
        Result<Answer, AgentError>,
        oneshot::Sender<Result<Answer, UiError>>,
    )> {
        let done = |r: Result<(), AgentError>| r.map(|()| Answer::Done);
        let result = match command {
            Command::TimerStatus => self.running().map(Answer::MaybeEntry),
            Command::StartTimer { description, work } => {
                self.start(&description, &work).map(Answer::Entry)
            }
            Command::StopTimer => self.stop().map(Answer::MaybeEntry),
            Command::ToggleTimer => self.toggle_timer().map(Answer::MaybeEntry),
            Command::Pomodoro => Ok(Answer::Pomodoro(self.pomodoro_settings())),
            Command::SetPomodoro { settings } => {
                self.set_pomodoro_settings(settings).map(Answer::Pomodoro)
            }
            Command::KeepBreak => done(self.keep_break()),
            Command::About => Ok(Answer::About(self.about())),
            Command::OpenLogsFolder => done(self.open_logs_folder()),
            Command::ReportProblem => {
                self.report_problem_zip(reply);
                return None;
            }
            Command::Shortcut => Ok(Answer::Shortcut(self.shortcut_status())),
            Command::SetShortcut { accelerator } => {
                self.set_shortcut(&accelerator).map(Answer::Shortcut)
            }
            Command::Today => self.today().map(Answer::Day),
            Command::Week { weeks_back } => self.week(weeks_back).map(Answer::Week),
            Command::EditEntry { id, patch } => self.edit(&id, &patch).map(Answer::Entry),
            Command::DeleteEntry { id } => done(self.delete(&id)),
            Command::AddManualEntry {
                description,
                start,
                end,
                work,
            } => self
                .add_manual(&description, start, end, &work)
                .map(Answer::Entry),
            Command::Catalog => self.catalog().map(Answer::Catalog),
            Command::CreateTag { name } => {
                return match self.create_tag(name, reply) {
                    Ok(()) => None,
                    Err((e, reply)) => Some((Err(e), reply)),
                };
            }
            Command::RecentEntries => self.recent().map(Answer::Entries),
            Command::ContinueEntry { id } => self.continue_entry(&id).map(Answer::Entry),
            Command::Overview => self.overview().map(Answer::Overview),
            Command::SignIn { server, api_key } => {
                return match self.sign_in(server, api_key, reply) {
                    Ok(()) => None,
                    Err((e, reply)) => Some((Err(e), reply)),
                };
            }
            Command::SignOut => {
                self.sign_out(reply);
                return None;
            }
            Command::SyncStatus => Ok(Answer::Sync(self.sync.status.clone())),
            Command::ShownNotices => Ok(Answer::Ids(self.shown_notices())),
            Command::WorkspacePolicy => Ok(Answer::Policy(self.sync.policy.clone())),
            Command::IdlePrompt => self.idle_prompt().map(Answer::Prompt),
            Command::ResolveIdle { id, choice } => {
                self.resolve_idle(id, &choice).map(Answer::Entries)
            }
            Command::IdleSettings => Ok(Answer::IdleSettings(self.idle_settings())),
            Command::SetIdleSettings { settings } => {
                self.set_idle_settings(settings).map(Answer::IdleSettings)
            }
            Command::ActivityDay { date } => self.activity_day(date).map(Answer::Activity),
            Command::DeleteActivity { ids } => done(self.delete_activity(&ids)),
            Command::DeleteActivityDay { date } => done(self.delete_activity_day(date)),
            Command::IgnoreActivity { kind, value } => done(self.ignore_activity(kind, &value)),
            Command::SetAutoTrackerPaused { paused } => self
                .set_auto_tracker_paused(paused)
                .map(Answer::AutoTracker),
            Command::Reminders => Ok(Answer::Reminders(self.reminder_settings())),
            Command::SetReminders { settings } => {
                self.set_reminder_settings(settings).map(Answer::Reminders)
            }
            Command::Privacy => Ok(Answer::Privacy(self.privacy_status())),
            Command::SetPrivacy { settings } => self.set_privacy(settings).map(Answer::Privacy),
            Command::WaitingScreenshots => self.waiting().map(Answer::Waiting),
            Command::DiscardScreenshots { id } => {
                self.discard_screenshots(&id).map(Answer::Discarded)
            }
            Command::MyData => self.my_data().map(Answer::MyData),
            Command::ExportMyData => {
                self.export_my_data(reply);
                return None;
            }
            Command::DeleteLocalData { confirm } => {
                return match self.delete_local_data(confirm, reply) {
                    Ok(()) => None,
                    Err((e, reply)) => Some((Err(e), reply)),
                };
            }
            Command::Autostart => self.autostart_status().map(Answer::Autostart),
            Command::SetAutostart { enabled } => self.set_autostart(enabled).map(Answer::Autostart),
            Command::AgentInfo | Command::OpenWindow | Command::OpenIdlePrompt | Command::Quit => {
                Err(AgentError::Unsupported(
                    "this is for the process around the agent (the tray or the window)",
                ))
            }
        };
        Some((result, reply))
    }

    /// Starts following locks and sleep (off the task: logind may take a moment to
    /// answer); their signals come back as messages.
    fn follow_session(&self) {
        let source = self.lock_source.clone();
        let me = self.me.clone();
        tokio::task::spawn_blocking(move || {
            let signals = me.clone();
            let on_event = Arc::new(move |event| {
                // Called on the bus's thread, inside its own runtime: never block here.
                if let Some(tx) = signals.upgrade() {
                    if tx.try_send(Message::Session(event)).is_err() {
                        tracing::warn!(?event, "the agent was too busy to take a session signal");
                    }
                }
            });
            if let Err(message) = source.watch(on_event) {
                if let Some(tx) = me.upgrade() {
                    let _ = tx.try_send(Message::SensorMissing {
                        capability: stint_sensors::Capability::Lock,
                        message,
                    });
                }
            }
        });
    }

    /// One look at the world: the idle sensor if anything needs it, then every part.
    fn tick(&mut self, wake: Wake) {
        let now = self.now();
        let running = match self.store.running() {
            Ok(running) => running,
            Err(e) => {
                tracing::warn!("the tick could not read the timer: {e}");
                None
            }
        };
        let presence = self.look_at_presence(now, wake, running.as_ref());
        self.idle_step(now, running.as_ref(), presence.as_ref());
        self.activity_step(now, wake, presence.as_ref());
        self.capture_step(now, running.as_ref());
        self.release_step(now);
        self.display_step(now, running.as_ref());
        self.reminder_step(now, running.as_ref());
        self.pomodoro_step(now, running.as_ref());
    }

    /// The earliest moment any part wants to look again; `None`: only an event wakes it.
    fn next_due(&self) -> Option<DateTime<Utc>> {
        [
            self.next_display,
            self.capture.next_check,
            self.capture.next_release,
            self.idle.next_look,
            self.activity.next_poll,
            self.reminders.due.next,
            self.pomodoro.due.next,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The tray shows minutes: a `Tick` each time the running timer's whole minutes change.
    fn display_step(&mut self, now: DateTime<Utc>, running: Option<&Entry>) {
        let Some(entry) = running else {
            self.next_display = None;
            return;
        };
        if self.next_display.is_some_and(|due| now >= due) {
            self.emit(AgentEvent::Tick {
                running: Some(entry.clone()),
            });
        }
        self.next_display = Some(stint_core::timer::next_display_refresh(entry.start, now));
    }

    /// The open auto tracker span is kept (cut now); the sync task stops with the runtime.
    fn shut_down(&mut self) {
        let now = self.now();
        self.cut_activity(now);
        self.stop_sync();
        tracing::info!("agent stopped");
    }

    /// Milliseconds are what the store keeps; cutting here keeps memory and disk equal.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now().trunc_subsecs(3)
    }

    pub fn emit(&mut self, event: AgentEvent) {
        if event == AgentEvent::EntriesChanged {
            // Every change to entries queued an outbox row.
            self.wake_sync();
        }
        // No subscriber is fine: the CLI often has none.
        let _ = self.events.send(event);
    }

    pub fn timer_changed(&mut self, running: Option<Entry>) {
        self.next_display = None;
        self.emit(AgentEvent::TimerChanged { running });
        self.emit(AgentEvent::EntriesChanged);
    }

    pub fn running(&self) -> Result<Option<Entry>, AgentError> {
        Ok(self.store.running()?)
    }
}
