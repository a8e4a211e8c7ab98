//! Puts the chosen backends together. A backend that was chosen but cannot start (no
//! compositor answer, no Mutter on the bus) becomes a [`Missing`] source that answers with
//! the reason, and the reason joins the list the user is told once.

use std::sync::Arc;
use std::time::Duration;

use crate::idle::{IdleSensorError, IdleSource};
use crate::lock::{LockEvent, LockSource};
use crate::screen::{CaptureError, ScreenCapturer, Shot};
use crate::session::{
    facts, plan, Capability, CaptureBackend, IdleBackend, LockBackend, Plan, WindowBackend,
};
use crate::window::{ActiveWindowSource, Foreground, WindowSensorError};

/// How finely notifying idle sources see idle time: below it they read zero (see
/// `notified`). Five seconds keeps a typing user's pauses from waking anything.
pub const IDLE_RESOLUTION: Duration = Duration::from_secs(5);

/// A capability this session cannot serve: every call answers with the sentence.
#[derive(Debug, Clone)]
pub struct Missing(pub String);

impl IdleSource for Missing {
    fn idle_for(&self) -> Result<Duration, IdleSensorError> {
        Err(IdleSensorError::Unavailable(self.0.clone()))
    }
}

impl ActiveWindowSource for Missing {
    fn foreground(&self) -> Result<Option<Foreground>, WindowSensorError> {
        Err(WindowSensorError::Unavailable(self.0.clone()))
    }
}

impl ScreenCapturer for Missing {
    fn shoot(&self) -> Result<Shot, CaptureError> {
        Err(CaptureError::Failed(self.0.clone()))
    }
}

impl crate::HotkeySource for Missing {
    fn set(
        &self,
        accel: Option<&crate::Accelerator>,
        _: crate::hotkey::OnPress,
    ) -> Result<(), String> {
        match accel {
            None => Ok(()),
            Some(_) => Err(self.0.clone()),
        }
    }
}

impl LockSource for Missing {
    fn watch(&self, _: Arc<dyn Fn(LockEvent) + Send + Sync>) -> Result<(), String> {
        Err(self.0.clone())
    }
}

/// The sources for this session and what could not be served.
pub struct Sensors {
    pub plan: Plan,
    pub idle: Arc<dyn IdleSource>,
    pub window: Arc<dyn ActiveWindowSource>,
    pub capturer: Arc<dyn ScreenCapturer>,
    pub lock: Arc<dyn LockSource>,
    /// Hears the global shortcut (a key grab on X11; on Wayland the desktop's settings
    /// bind a key to `stint-cli toggle` instead).
    pub hotkeys: Arc<dyn crate::HotkeySource>,
    /// Which app is in front on each monitor (for private apps): X11 only; elsewhere the
    /// caller falls back on the one window in front.
    pub front: Option<Arc<dyn crate::FrontWindows>>,
    /// Each capability that cannot work here, with the sentence for the user.
    pub missing: Vec<(Capability, String)>,
}

impl Sensors {
    /// Detects the session and starts its backends.
    pub fn detect() -> Sensors {
        let plan = plan(&facts());
        tracing::info!(
            session = ?plan.session,
            idle = ?plan.idle,
            window = ?plan.window,
            capture = ?plan.capture,
            lock = ?plan.lock,
            "sensors"
        );
        Sensors::from_plan(plan)
    }

    /// No sensors at all, quietly (nothing is told to the user): for a process that only
    /// reads and writes the data (`stint-cli` with a single command).
    pub fn none() -> Sensors {
        let off = || Arc::new(Missing("this process does not watch the desktop".into()));
        let why = "not watched by this process".to_owned();
        Sensors {
            plan: Plan {
                session: crate::session::SessionKind::NoDisplay,
                idle: IdleBackend::Missing(why.clone()),
                window: WindowBackend::Missing(why.clone()),
                capture: CaptureBackend::Missing(why.clone()),
                lock: LockBackend::Missing(why),
            },
            idle: off(),
            window: off(),
            capturer: off(),
            lock: off(),
            hotkeys: off(),
            front: None,
            missing: Vec::new(),
        }
    }

    /// Starts the backends `plan` names.
    pub fn from_plan(plan: Plan) -> Sensors {
        let mut missing = plan.missing();
        let mut fail = |capability: Capability, why: String| {
            let sentence = format!("{}: {why}", capability.feature());
            tracing::warn!("{sentence}");
            missing.push((capability, sentence.clone()));
            Arc::new(Missing(sentence))
        };
        let idle: Arc<dyn IdleSource> = match start_idle(&plan.idle) {
            Ok(source) => source,
            Err(why) => fail(Capability::Idle, why),
        };
        let window: Arc<dyn ActiveWindowSource> = match start_window(&plan.window) {
            Ok(source) => source,
            Err(why) => fail(Capability::Window, why),
        };
        let capturer: Arc<dyn ScreenCapturer> = match &plan.capture {
            CaptureBackend::Missing(why) => Arc::new(Missing(why.clone())),
            backend => capturer_for(backend),
        };
        let lock: Arc<dyn LockSource> = match &plan.lock {
            LockBackend::Missing(why) => Arc::new(Missing(why.clone())),
            #[cfg(target_os = "linux")]
            LockBackend::Logind => Arc::new(crate::lock::Logind),
            #[cfg(not(target_os = "linux"))]
            LockBackend::Logind => Arc::new(Missing("no systemd-logind here".into())),
        };
        let hotkeys = hotkeys_for(&plan.session);
        let front: Option<Arc<dyn crate::FrontWindows>> = match plan.session {
            #[cfg(target_os = "linux")]
            crate::session::SessionKind::X11 => Some(Arc::new(crate::X11FrontWindows::default())),
            _ => None,
        };
        Sensors {
            plan,
            idle,
            window,
            capturer,
            lock,
            hotkeys,
            front,
            missing,
        }
    }
}

/// A key grab on X11; on Wayland, which gives no client the keyboard, the GlobalShortcuts
/// portal where the desktop offers it.
fn hotkeys_for(session: &crate::session::SessionKind) -> Arc<dyn crate::HotkeySource> {
    match session {
        #[cfg(target_os = "linux")]
        crate::session::SessionKind::X11 => Arc::new(crate::x11_hotkey::X11Hotkeys::default()),
        #[cfg(target_os = "linux")]
        crate::session::SessionKind::Wayland(_) => {
            Arc::new(crate::portal_hotkey::PortalHotkeys::default())
        }
        _ => Arc::new(Missing(
            "global shortcuts are not offered on this system yet".into(),
        )),
    }
}

fn start_idle(backend: &IdleBackend) -> Result<Arc<dyn IdleSource>, String> {
    match backend {
        IdleBackend::Missing(why) => Ok(Arc::new(Missing(why.clone()))),
        #[cfg(target_os = "linux")]
        IdleBackend::X11ScreenSaver => Ok(Arc::new(crate::X11Idle::default())),
        #[cfg(target_os = "linux")]
        IdleBackend::WaylandNotify => crate::wayland::reconnect::Reconnecting::connect(|| {
            crate::wayland::idle::WaylandIdle::connect(IDLE_RESOLUTION).map_err(|e| e.to_string())
        })
        .map(|s| Arc::new(s) as Arc<dyn IdleSource>),
        #[cfg(target_os = "linux")]
        IdleBackend::MutterIdleMonitor => crate::gnome::MutterIdle::connect(IDLE_RESOLUTION)
            .map(|s| Arc::new(s) as Arc<dyn IdleSource>)
            .map_err(|e| e.to_string()),
        #[cfg(any(windows, target_os = "macos"))]
        IdleBackend::UserIdle => Ok(Arc::new(crate::platform::UserIdle)),
        #[allow(unreachable_patterns)]
        other => Err(format!("{other:?} is not built for this system")),
    }
}

fn start_window(backend: &WindowBackend) -> Result<Arc<dyn ActiveWindowSource>, String> {
    match backend {
        WindowBackend::Missing(why) => Ok(Arc::new(Missing(why.clone()))),
        #[cfg(target_os = "linux")]
        WindowBackend::X11Ewmh => Ok(Arc::new(crate::X11ActiveWindow::default())),
        #[cfg(target_os = "linux")]
        WindowBackend::WlrForeignToplevel => {
            crate::wayland::reconnect::Reconnecting::connect(|| {
                crate::wayland::toplevel::WlrForeground::connect().map_err(|e| e.to_string())
            })
            .map(|s| Arc::new(s) as Arc<dyn ActiveWindowSource>)
        }
        #[cfg(windows)]
        WindowBackend::ActiveWinPos => Ok(Arc::new(crate::platform::ActiveWinPos)),
        #[cfg(target_os = "macos")]
        WindowBackend::AppKit => Ok(Arc::new(crate::platform::FrontmostApp)),
        #[allow(unreachable_patterns)]
        other => Err(format!("{other:?} is not built for this system")),
    }
}

fn capturer_for(backend: &CaptureBackend) -> Arc<dyn ScreenCapturer> {
    match backend {
        #[cfg(target_os = "linux")]
        CaptureBackend::WlrScreencopy => Arc::new(crate::wayland::screencopy::WlrScreencopy),
        #[cfg(target_os = "linux")]
        CaptureBackend::Portal => Arc::new(crate::portal::PortalScreenshot::default()),
        CaptureBackend::Missing(why) => Arc::new(Missing(why.clone())),
        // X11 and the other systems: xcap (with one read of the X root window).
        _ => Arc::new(crate::screen::XcapCapturer),
    }
}
