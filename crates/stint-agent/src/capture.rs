//! Screenshots while a timer runs and the workspace asks for them: at the schedule's moment
//! every monitor is captured on a blocking thread, each frame is shrunk and blurred in
//! memory there (stint-capture), and only the small pictures come back to the agent's task
//! to be stored and queued for upload. A capture failure is told
//! to the user once per kind of failure and tracking goes on.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use sha2::{Digest, Sha256};
use stint_core::capture::CaptureSchedule;
use stint_core::{Entry, EntryId};
use stint_sensors::ScreenCapturer;
use stint_store::{LocalCaptureSet, LocalPicture};

use crate::actor::{Agent, Message};
use stint_ipc::{AgentEvent, WorkspacePolicy};

/// How long screenshots that could not be sent stay on the device.
pub fn local_retention() -> chrono::Duration {
    chrono::Duration::days(7)
}

/// What tells which app is in front where (private apps).
pub(crate) struct Screens {
    pub front: Option<Arc<dyn stint_sensors::FrontWindows>>,
    pub window: Arc<dyn stint_sensors::ActiveWindowSource>,
}

pub(crate) struct Capture {
    capturer: Arc<dyn ScreenCapturer>,
    screens: Arc<Screens>,
    window: chrono::Duration,
    /// The entry the schedule was last looked at for, and when.
    last_look: Option<(EntryId, DateTime<Utc>)>,
    /// A timer runs and the workspace enabled screenshots.
    pub armed: bool,
    /// Kinds of failure already told to the user in this session.
    reported: HashSet<String>,
    /// A capture is being taken off the task.
    busy: bool,
    /// When the schedule should be looked at next; `None` while not armed.
    pub next_check: Option<DateTime<Utc>>,
    /// When the next held set's review window ends; `None`: none is held.
    pub next_release: Option<DateTime<Utc>>,
    /// The user's review choice and private apps.
    pub privacy: stint_ipc::PrivacySettings,
    /// One minute of the review window (shorter in end-to-end tests).
    pub review_minute: chrono::Duration,
}

/// What a capture off the task brings back.
pub(crate) struct Captured {
    entry: EntryId,
    at: DateTime<Utc>,
    result: Result<(Vec<LocalPicture>, Vec<String>), stint_sensors::CaptureError>,
}

impl Capture {
    pub fn new(
        capturer: Arc<dyn ScreenCapturer>,
        window: chrono::Duration,
        privacy: stint_ipc::PrivacySettings,
        screens: Screens,
        review_minute: chrono::Duration,
    ) -> Capture {
        Capture {
            review_minute,
            screens: Arc::new(screens),
            next_release: None,
            privacy,
            capturer,
            window,
            last_look: None,
            armed: false,
            reported: HashSet::new(),
            busy: false,
            next_check: None,
        }
    }

    fn schedule(&self, entry: &Entry) -> CaptureSchedule {
        CaptureSchedule {
            window: self.window,
            ..CaptureSchedule::new(entry.start, seed_of(&entry.id))
        }
    }
}

/// The schedule's seed comes from the entry's (random) id, so it needs no storage and a
/// restart keeps the same moments. FNV-1a: stable across builds, unlike std's hasher.
fn seed_of(id: &EntryId) -> u64 {
    id.0.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Which monitors get a private tile, asked right after the shot (stint-core decides).
fn private_monitors(
    screens: &Screens,
    list: &[String],
    frames: &[stint_sensors::Frame],
) -> Vec<bool> {
    if list.is_empty() {
        return vec![false; frames.len()];
    }
    let named = |w: stint_sensors::Foreground| (w.app, w.title);
    let monitors: Vec<stint_sensors::MonitorInfo> =
        frames.iter().map(|f| f.monitor.clone()).collect();
    let fronts = screens
        .front
        .as_ref()
        .and_then(|f| match f.front_windows(&monitors) {
            Ok(fronts) => Some(fronts.into_iter().map(|w| w.map(named)).collect()),
            Err(e) => {
                tracing::warn!("which app is in front on each monitor is unknown: {e}");
                None
            }
        });
    let foreground = || {
        screens
            .window
            .foreground()
            .map(|w| w.map(named))
            .map_err(|e| {
                tracing::warn!("the window in front is unknown, every monitor is private: {e}");
            })
    };
    stint_core::review::private_monitors(list, frames.len(), fronts, foreground)
}

/// Shoots every monitor and turns each frame into a stored picture; frames are dropped as
/// soon as they are processed, and a monitor where a private app is in front becomes a
/// plain tile without its frame being looked at. Runs on a blocking thread.
fn shoot(
    capturer: &dyn ScreenCapturer,
    settings: stint_capture::Settings,
    screens: &Screens,
    private_apps: &[String],
) -> Result<(Vec<LocalPicture>, Vec<String>), stint_sensors::CaptureError> {
    let shot = capturer.shoot()?;
    let private = private_monitors(screens, private_apps, &shot.frames);
    let mut problems: Vec<String> = shot
        .failed
        .iter()
        .map(|(m, e)| format!("monitor {}: {e}", m.name))
        .collect();
    let mut pictures = Vec::new();
    for (frame, private) in shot.frames.into_iter().zip(private) {
        let picture = if private {
            stint_capture::private_tile(frame.width, frame.height, settings)
        } else {
            stint_capture::process(frame.width, frame.height, &frame.rgba, settings).map(|(p, _)| p)
        };
        match picture {
            Ok(picture) => pictures.push(LocalPicture {
                id: uuid::Uuid::new_v4().to_string(),
                monitor_name: frame.monitor.name.clone(),
                monitor_x: frame.monitor.x,
                monitor_y: frame.monitor.y,
                monitor_width: frame.monitor.width,
                monitor_height: frame.monitor.height,
                width: picture.width,
                height: picture.height,
                sha256: hex(&Sha256::digest(&picture.jpeg)),
                jpeg: picture.jpeg,
                private,
            }),
            Err(e) => problems.push(format!("monitor {}: {e}", frame.monitor.name)),
        }
    }
    Ok((pictures, problems))
}

fn settings_of(policy: &WorkspacePolicy) -> stint_capture::Settings {
    stint_capture::Settings {
        max_side: policy.screenshot_max_side.clamp(64, 8192),
        blur: policy.screenshot_blur.min(100),
        ..stint_capture::Settings::default()
    }
}

impl Agent {
    /// Notes whether capture is armed (telling subscribers when that changes) and starts
    /// the screenshots if the schedule says so; they are taken and processed off the task.
    pub fn capture_step(&mut self, now: DateTime<Utc>, running: Option<&Entry>) {
        let policy = self.sync.policy.clone().filter(|p| p.screenshots_enabled);
        let armed = policy.as_ref().zip(running);
        if self.capture.armed != armed.is_some() {
            self.capture.armed = armed.is_some();
            tracing::info!(armed = self.capture.armed, "screenshot capture");
            self.emit(AgentEvent::CaptureChanged {
                armed: self.capture.armed,
            });
        }
        let Some((policy, running)) = armed else {
            self.capture.last_look = None;
            self.capture.next_check = None;
            return;
        };
        let previous = match &self.capture.last_look {
            Some((id, at)) if *id == running.id => *at,
            // Just armed: only moments from now on count.
            _ => now,
        };
        self.capture.last_look = Some((running.id.clone(), now));
        let schedule = self.capture.schedule(running);
        self.capture.next_check = Some(schedule.next_check(now));
        if schedule.due(previous, now).is_none() || self.capture.busy {
            return;
        }
        self.capture.busy = true;
        let capturer = self.capture.capturer.clone();
        let screens = self.capture.screens.clone();
        let private_apps = self.private_apps();
        let settings = settings_of(policy);
        let (me, clock, entry) = (self.me.clone(), self.clock.clone(), running.id.clone());
        tokio::task::spawn_blocking(move || {
            // The moment the screen is taken, not when the pictures are ready: processing
            // under load can take long enough to land in the next window, which then has
            // two captures by their times.
            let at = clock.now().trunc_subsecs(3);
            let result = shoot(capturer.as_ref(), settings, &screens, &private_apps);
            if let Some(agent) = me.upgrade() {
                let _ = agent.blocking_send(Message::Captured(Captured { entry, at, result }));
            }
        });
    }

    /// Keeps what a capture brought back and queues it for upload.
    pub fn captured(&mut self, captured: Captured) {
        self.capture.busy = false;
        match captured.result {
            Ok((pictures, problems)) => {
                for p in &problems {
                    self.report_capture_problem(
                        "monitor",
                        p,
                        "Stint keeps the other monitors' screenshots.",
                    );
                }
                if pictures.is_empty() {
                    return;
                }
                let set = LocalCaptureSet {
                    id: uuid::Uuid::new_v4().to_string(),
                    entry_id: captured.entry,
                    captured: captured.at,
                    pictures,
                    hold_until: stint_core::review::hold_until(
                        captured.at,
                        self.review_minutes(),
                        self.capture.review_minute,
                    ),
                };
                let _ = self
                    .store
                    .expire_capture_sets(captured.at - local_retention());
                match self.store.save_capture_set(&set) {
                    Ok(()) => {
                        tracing::info!(set = %set.id, monitors = set.pictures.len(),
                            held = set.hold_until.is_some(), "screenshots taken");
                        self.emit(AgentEvent::ScreenshotsTaken { at: captured.at });
                        if set.hold_until.is_some() {
                            self.review_changed();
                        } else {
                            self.wake_sync();
                        }
                    }
                    Err(e) => tracing::error!("could not keep the screenshots: {e}"),
                }
            }
            Err(e) => {
                let kind = format!("{e:?}")
                    .split('(')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                self.report_capture_problem(&kind, &e.to_string(), e.advice());
            }
        }
    }

    /// Logs every failure; tells the user about each kind once per session.
    fn report_capture_problem(&mut self, kind: &str, message: &str, advice: &str) {
        tracing::warn!("screenshot capture: {message}");
        if !self.capture.reported.insert(kind.to_owned()) {
            return;
        }
        self.emit(AgentEvent::CaptureProblem {
            message: format!("Screenshots could not be taken: {message}. {advice}"),
        });
    }
}
