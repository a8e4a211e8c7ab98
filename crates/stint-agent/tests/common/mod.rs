//! An agent on a real SQLite data directory with fake sensors and a clock that moves with
//! tokio's paused time: a test advances minutes without waiting.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeZone, Utc};
use stint_agent::{AgentEvent, AgentHandle, AgentOptions, Paths, TokioClock};
use stint_sensors::fake::{FakeCapturer, FakeLock, FakeWindow};
use stint_sensors::{IdleSensorError, IdleSource};
use tokio::sync::broadcast;

/// An idle sensor on tokio's time: idle time grows from the last [`TokioIdle::input`],
/// which also calls the agent back if it waits for the user's return. Counts its reads.
pub struct TokioIdle {
    last_input: Mutex<tokio::time::Instant>,
    waiting: Mutex<Option<Box<dyn FnOnce() + Send>>>,
    /// A sensor that cannot call back (the agent must poll it).
    pub polled_only: bool,
    /// Like the compositors' notifications: asked to wait for input within a second of the
    /// last, it calls back at once.
    pub eager: bool,
    pub reads: AtomicUsize,
}

impl TokioIdle {
    pub fn new(polled_only: bool) -> TokioIdle {
        TokioIdle {
            last_input: Mutex::new(tokio::time::Instant::now()),
            waiting: Mutex::new(None),
            polled_only,
            eager: false,
            reads: AtomicUsize::new(0),
        }
    }

    /// A key press now.
    pub fn input(&self) {
        *self.last_input.lock().unwrap() = tokio::time::Instant::now();
        if let Some(callback) = self.waiting.lock().unwrap().take() {
            callback();
        }
    }

    pub fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }

    pub fn is_watched(&self) -> bool {
        self.waiting.lock().unwrap().is_some()
    }
}

impl IdleSource for TokioIdle {
    fn idle_for(&self) -> Result<std::time::Duration, IdleSensorError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        Ok(tokio::time::Instant::now() - *self.last_input.lock().unwrap())
    }

    fn on_next_input(&self, on_input: Box<dyn FnOnce() + Send>) -> bool {
        if self.polled_only {
            return false;
        }
        let recent = tokio::time::Instant::now() - *self.last_input.lock().unwrap()
            < std::time::Duration::from_secs(1);
        if self.eager && recent {
            on_input();
            return true;
        }
        *self.waiting.lock().unwrap() = Some(on_input);
        true
    }
}

pub struct TestAgent {
    pub agent: AgentHandle,
    pub events: broadcast::Receiver<AgentEvent>,
    pub clock: Arc<TokioClock>,
    pub idle: Arc<TokioIdle>,
    pub window: Arc<FakeWindow>,
    pub lock: Arc<FakeLock>,
    pub capturer: Arc<FakeCapturer>,
    pub paths: Paths,
    pub task: tokio::task::JoinHandle<()>,
    pub dir: tempfile::TempDir,
}

/// A Monday morning, far from any daylight-saving change.
pub fn monday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap()
}

#[derive(Default)]
pub struct Setup {
    pub settings_json: Option<&'static str>,
    /// The idle sensor cannot call back at input.
    pub polled_idle: bool,
    /// The window sensor cannot tell about changes.
    pub polled_window: bool,
    /// What the session cannot serve.
    pub missing: Vec<(stint_sensors::Capability, String)>,
    /// The idle sensor calls back at once after recent input (see [`TokioIdle::eager`]).
    pub eager_idle: bool,
    /// The workspace's rules as a signed-in agent last kept them (JSON), as after an
    /// offline restart.
    pub policy_json: Option<String>,
}

impl TestAgent {
    /// Call inside a paused runtime (`#[tokio::test(start_paused = true)]`).
    pub fn start() -> TestAgent {
        TestAgent::start_with(Setup::default())
    }

    pub fn start_with(setup: Setup) -> TestAgent {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::under(dir.path());
        if let Some(json) = setup.settings_json {
            std::fs::create_dir_all(&paths.config_dir).unwrap();
            std::fs::write(paths.settings_file(), json).unwrap();
        }
        if let Some(policy) = &setup.policy_json {
            paths.create().unwrap();
            let mut store = stint_store::Store::open(&paths.database()).unwrap();
            store.save_policy(Some(policy)).unwrap();
        }
        let clock = Arc::new(TokioClock::starting_at(monday()));
        let mut idle = TokioIdle::new(setup.polled_idle);
        idle.eager = setup.eager_idle;
        let idle = Arc::new(idle);
        let window = Arc::new(if setup.polled_window {
            FakeWindow::polled()
        } else {
            FakeWindow::default()
        });
        let lock = Arc::new(FakeLock::default());
        TestAgent::open(dir, paths, idle, window, lock, clock, setup.missing)
    }

    fn open(
        dir: tempfile::TempDir,
        paths: Paths,
        idle: Arc<TokioIdle>,
        window: Arc<FakeWindow>,
        lock: Arc<FakeLock>,
        clock: Arc<TokioClock>,
        missing: Vec<(stint_sensors::Capability, String)>,
    ) -> TestAgent {
        let capturer = Arc::new(FakeCapturer::new(vec![(640, 400), (320, 200)]));
        let options = AgentOptions {
            capturer: capturer.clone(),
            capture_window: stint_core::capture::window(),
            review_minute: chrono::Duration::minutes(1),
            idle_source: idle.clone(),
            window_source: window.clone(),
            lock_source: lock.clone(),
            hotkeys: Arc::new(stint_sensors::fake::FakeHotkeys::default()),
            front_windows: None,
            missing,
            clock: clock.clone(),
        };
        let (agent, task) = stint_agent::start(&paths, options).unwrap();
        let events = agent.subscribe();
        TestAgent {
            agent,
            events,
            clock,
            idle,
            window,
            lock,
            capturer,
            paths,
            task,
            dir,
        }
    }

    /// Stops this agent and opens a new one on the same data, as a restart does.
    pub async fn restart(self) -> TestAgent {
        self.agent.shut_down().await;
        TestAgent::open(
            self.dir,
            self.paths,
            self.idle,
            self.window,
            self.lock,
            self.clock,
            Vec::new(),
        )
    }

    /// Lets the agent's task run until it waits again (paused time does not move).
    pub async fn settle(&self) {
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
    }

    /// Waits (on paused time) for `seconds`, letting the agent do what falls due.
    pub async fn pass(&self, seconds: u64) {
        tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
    }

    /// Every event so far.
    pub fn drain(&mut self) -> Vec<AgentEvent> {
        let mut seen = Vec::new();
        while let Ok(e) = self.events.try_recv() {
            seen.push(e);
        }
        seen
    }
}

/// The idle prompts among `seen` events, in order.
pub fn prompts(seen: &[AgentEvent]) -> Vec<stint_agent::IdlePrompt> {
    seen.iter()
        .filter_map(|e| match e {
            AgentEvent::IdlePrompt { prompt } => Some(prompt.clone()),
            _ => None,
        })
        .collect()
}
