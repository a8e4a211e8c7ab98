//! Screen capture: every monitor at the same moment. Frames stay in memory; the caller turns
//! them into small blurred pictures (stint-capture) and drops them.

use std::sync::Barrier;
use std::time::Instant;

/// Where a monitor sits in the desktop, in pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitorInfo {
    pub name: String,
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
}

/// One monitor's full-resolution frame: RGBA, row after row, never written anywhere.
pub struct Frame {
    pub monitor: MonitorInfo,
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
    /// When the grab began; the spread over one shot is the skew between monitors.
    pub grabbed_at: Instant,
    /// When the grab had the pixels.
    pub done_at: Instant,
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frame")
            .field("monitor", &self.monitor)
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

/// Every monitor's frame from one moment, and the monitors that failed.
#[derive(Debug, Default)]
pub struct Shot {
    pub frames: Vec<Frame>,
    pub failed: Vec<(MonitorInfo, CaptureError)>,
}

impl Shot {
    /// Time between the first and the last monitor's grab.
    pub fn skew(&self) -> std::time::Duration {
        let times = self.frames.iter().map(|f| f.grabbed_at);
        match (times.clone().min(), times.max()) {
            (Some(a), Some(b)) => b - a,
            _ => std::time::Duration::ZERO,
        }
    }

    /// Time from the first grab's start to the last grab's end: the most by which two
    /// monitors' pictures can differ in time (an X server answers grabs one after another).
    pub fn span(&self) -> std::time::Duration {
        let first = self.frames.iter().map(|f| f.grabbed_at).min();
        let last = self.frames.iter().map(|f| f.done_at).max();
        match (first, last) {
            (Some(a), Some(b)) => b - a,
            _ => std::time::Duration::ZERO,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptureError {
    #[error("no graphical display to capture (neither DISPLAY nor WAYLAND_DISPLAY is set)")]
    NoDisplay,
    #[error("the display reports no monitors")]
    NoMonitors,
    #[error("the system refused screen capture: {0}")]
    Refused(String),
    #[error("screen capture failed: {0}")]
    Failed(String),
}

impl CaptureError {
    /// What the user can do about it, for the one message they are shown.
    pub fn advice(&self) -> &'static str {
        match self {
            CaptureError::NoDisplay | CaptureError::NoMonitors => {
                "Screenshots need a graphical session; they resume by themselves once one is there."
            }
            CaptureError::Refused(_) => {
                "Allow Stint to record the screen (on macOS: System Settings > Privacy & \
                 Security > Screen Recording; on Wayland: accept the screen-sharing prompt)."
            }
            CaptureError::Failed(_) => {
                "Stint keeps tracking time and tries again at the next capture moment."
            }
        }
    }
}

/// Takes a picture of every monitor at one moment.
pub trait ScreenCapturer: Send + Sync {
    fn shoot(&self) -> Result<Shot, CaptureError>;
}

/// The real capturer: xcap (X11 via XCB; Wayland via the desktop portal).
#[derive(Debug, Default, Clone, Copy)]
pub struct XcapCapturer;

fn classify(e: &xcap::XCapError) -> CaptureError {
    let text = e.to_string();
    let lower = text.to_lowercase();
    if lower.contains("permission") || lower.contains("denied") || lower.contains("cancel") {
        CaptureError::Refused(text)
    } else {
        CaptureError::Failed(text)
    }
}

fn info(m: &xcap::Monitor, index: usize) -> MonitorInfo {
    MonitorInfo {
        name: m
            .name()
            .ok()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("monitor {}", index + 1)),
        x: m.x().unwrap_or(0),
        y: m.y().unwrap_or(0),
        width: m.width().unwrap_or(0),
        height: m.height().unwrap_or(0),
    }
}

impl ScreenCapturer for XcapCapturer {
    fn shoot(&self) -> Result<Shot, CaptureError> {
        // Without a display xcap's connection attempt can crash the process; say so instead.
        let has = |var| std::env::var_os(var).is_some_and(|v| !v.is_empty());
        if !has("DISPLAY") && !has("WAYLAND_DISPLAY") {
            return Err(CaptureError::NoDisplay);
        }
        let monitors = xcap::Monitor::all().map_err(|e| classify(&e))?;
        if monitors.is_empty() {
            return Err(CaptureError::NoMonitors);
        }
        let infos: Vec<MonitorInfo> = monitors
            .iter()
            .enumerate()
            .map(|(i, m)| info(m, i))
            .collect();
        // On X11 one read of the root window covers every monitor at the same instant (the
        // server answers per-monitor reads one after another: up to ~90 ms apart with 4K).
        #[cfg(target_os = "linux")]
        if infos.len() > 1 && !has("WAYLAND_DISPLAY") {
            match crate::x11_grab::shoot_root(&infos) {
                Ok(shot) => return Ok(shot),
                Err(e) => {
                    tracing::debug!("one-read capture not possible, per monitor instead: {e}")
                }
            }
        }
        // One thread per monitor, released together, so all grabs start at the same moment.
        // Each thread lists the monitors itself: a monitor handle may not cross threads on
        // every system (Windows' HMONITOR).
        let count = monitors.len();
        drop(monitors);
        let start = Barrier::new(count);
        let results: Vec<Result<Frame, CaptureError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = infos
                .iter()
                .enumerate()
                .map(|(index, info)| {
                    let start = &start;
                    scope.spawn(move || {
                        let listed = xcap::Monitor::all().map_err(|e| classify(&e));
                        start.wait();
                        let monitors = listed?;
                        let monitor = monitors.get(index).ok_or_else(|| {
                            CaptureError::Failed("a monitor went away during the shot".into())
                        })?;
                        let grabbed_at = Instant::now();
                        let image = monitor.capture_image().map_err(|e| classify(&e))?;
                        let (width, height) = image.dimensions();
                        Ok(Frame {
                            monitor: info.clone(),
                            width,
                            height,
                            rgba: image.into_raw(),
                            grabbed_at,
                            done_at: Instant::now(),
                        })
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(CaptureError::Failed("capture thread panicked".into()))
                    })
                })
                .collect()
        });
        let mut shot = Shot::default();
        for (info, result) in infos.into_iter().zip(results) {
            match result {
                Ok(frame) => shot.frames.push(frame),
                Err(e) => {
                    tracing::warn!(monitor = %info.name, "capture failed: {e}");
                    shot.failed.push((info, e));
                }
            }
        }
        if shot.frames.is_empty() {
            if let Some((_, e)) = shot.failed.first() {
                return Err(e.clone());
            }
        }
        Ok(shot)
    }
}
