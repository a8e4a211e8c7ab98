//! Screenshots while a timer runs and the workspace asks for them: at the schedule's moment
//! every monitor is captured, each frame is shrunk and blurred in memory (stint-capture),
//! and only the small pictures are stored and queued for upload. A capture failure is told
//! to the user once per kind of failure and tracking goes on.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use stint_core::capture::CaptureSchedule;
use stint_core::{Entry, EntryId};
use stint_sensors::ScreenCapturer;
use stint_store::{LocalCaptureSet, LocalPicture};

use crate::agent::{Agent, AgentEvent};
use crate::sync::WorkspacePolicy;

/// How long screenshots that could not be sent stay on the device.
pub fn local_retention() -> chrono::Duration {
    chrono::Duration::days(7)
}

pub(crate) struct Capture {
    capturer: Arc<dyn ScreenCapturer>,
    window: chrono::Duration,
    state: Mutex<CaptureState>,
}

#[derive(Default)]
struct CaptureState {
    /// The entry the schedule was last looked at for, and when.
    last_look: Option<(EntryId, DateTime<Utc>)>,
    armed: bool,
    /// Kinds of failure already told to the user in this session.
    reported: HashSet<String>,
}

impl Capture {
    pub fn new(capturer: Arc<dyn ScreenCapturer>, window: chrono::Duration) -> Capture {
        Capture {
            capturer,
            window,
            state: Mutex::new(CaptureState::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, CaptureState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
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

/// Shoots every monitor and turns each frame into a stored picture; frames are dropped as
/// soon as they are processed. Runs on a blocking thread.
fn shoot(
    capturer: &dyn ScreenCapturer,
    settings: stint_capture::Settings,
) -> Result<(Vec<LocalPicture>, Vec<String>), stint_sensors::CaptureError> {
    let shot = capturer.shoot()?;
    let mut problems: Vec<String> = shot
        .failed
        .iter()
        .map(|(m, e)| format!("monitor {}: {e}", m.name))
        .collect();
    let mut pictures = Vec::new();
    for frame in shot.frames {
        match stint_capture::process(frame.width, frame.height, &frame.rgba, settings) {
            Ok((picture, _)) => pictures.push(LocalPicture {
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
    /// Whether screenshots are being taken now: a timer runs and the workspace enabled
    /// them. The tray shows it.
    pub fn capture_armed(&self) -> bool {
        self.capture.state().armed
    }

    /// The running entry and the policy when capture is armed.
    fn armed_for(&self) -> Option<(Entry, WorkspacePolicy)> {
        let policy = self.workspace_policy().filter(|p| p.screenshots_enabled)?;
        let running = self.running().ok()??;
        Some((running, policy))
    }

    /// When the schedule should be looked at next; `None` while not armed.
    pub(crate) fn next_capture_in(&self, now: DateTime<Utc>) -> Option<Duration> {
        let (running, _) = self.armed_for()?;
        let next = self.capture.schedule(&running).next_check(now);
        Some((next - now).to_std().unwrap_or(Duration::ZERO))
    }

    /// Notes whether capture is armed (telling subscribers when that changes) and takes
    /// the screenshots if the schedule says so.
    pub(crate) async fn capture_if_due(self: &Arc<Self>) {
        let armed = self.armed_for();
        let now = self.now();
        let changed = {
            let mut state = self.capture.state();
            let changed = state.armed != armed.is_some();
            state.armed = armed.is_some();
            changed
        };
        if changed {
            tracing::info!(armed = armed.is_some(), "screenshot capture");
            self.emit(AgentEvent::CaptureChanged {
                armed: armed.is_some(),
            });
        }
        let Some((running, policy)) = armed else {
            self.capture.state().last_look = None;
            return;
        };
        let previous = {
            let mut state = self.capture.state();
            let previous = match &state.last_look {
                Some((id, at)) if *id == running.id => *at,
                // Just armed: only moments from now on count.
                _ => now,
            };
            state.last_look = Some((running.id.clone(), now));
            previous
        };
        if self.capture.schedule(&running).due(previous, now).is_none() {
            return;
        }
        let capturer = self.capture.capturer.clone();
        let settings = settings_of(&policy);
        let result = tokio::task::spawn_blocking(move || shoot(capturer.as_ref(), settings)).await;
        let captured = self.now();
        match result {
            Ok(Ok((pictures, problems))) => {
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
                    entry_id: running.id.clone(),
                    captured,
                    pictures,
                };
                let saved = {
                    let mut store = self.store();
                    let _ = store.expire_capture_sets(captured - local_retention());
                    store.save_capture_set(&set)
                };
                match saved {
                    Ok(()) => {
                        tracing::info!(set = %set.id, monitors = set.pictures.len(), "screenshots taken");
                        self.emit(AgentEvent::ScreenshotsTaken { at: captured });
                        self.wake_sync();
                    }
                    Err(e) => tracing::error!("could not keep the screenshots: {e}"),
                }
            }
            Ok(Err(e)) => {
                let kind = format!("{e:?}")
                    .split('(')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                self.report_capture_problem(&kind, &e.to_string(), e.advice());
            }
            Err(e) => tracing::error!("the capture task failed: {e}"),
        }
    }

    /// Logs every failure; tells the user about each kind once per session.
    fn report_capture_problem(&self, kind: &str, message: &str, advice: &str) {
        tracing::warn!("screenshot capture: {message}");
        if !self.capture.state().reported.insert(kind.to_owned()) {
            return;
        }
        self.emit(AgentEvent::CaptureProblem {
            message: format!("Screenshots could not be taken: {message}. {advice}"),
        });
    }
}
