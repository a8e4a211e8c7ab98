//! Fakes for tests of the code that uses the sensors.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use crate::screen::{CaptureError, Frame, MonitorInfo, ScreenCapturer, Shot};

/// Returns solid frames of the given sizes, or the queued errors first; counts its shots.
pub struct FakeCapturer {
    pub sizes: Vec<(u32, u32)>,
    pub errors: Mutex<Vec<CaptureError>>,
    pub shots: AtomicUsize,
}

impl FakeCapturer {
    pub fn new(sizes: Vec<(u32, u32)>) -> FakeCapturer {
        FakeCapturer {
            sizes,
            errors: Mutex::new(Vec::new()),
            shots: AtomicUsize::new(0),
        }
    }
}

impl ScreenCapturer for FakeCapturer {
    fn shoot(&self) -> Result<Shot, CaptureError> {
        // Each shot looks different (a band whose place moves), so each set's pictures
        // are bytes of their own that a privacy check can look for.
        let shot = self.shots.fetch_add(1, Ordering::SeqCst);
        if let Some(e) = self.errors.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            return Err(e);
        }
        let mut x = 0;
        let frames = self
            .sizes
            .iter()
            .enumerate()
            .map(|(i, &(width, height))| {
                let monitor = MonitorInfo {
                    name: format!("FAKE-{i}"),
                    x,
                    y: 0,
                    width,
                    height,
                };
                x += width as i32;
                let mut rgba = vec![(i as u8).wrapping_mul(80); (width * height * 4) as usize];
                let row = (width * 4) as usize;
                let band = (shot * 7) % (height.max(1) as usize);
                for y in band..(band + 16).min(height as usize) {
                    rgba[y * row..(y + 1) * row].fill(0xee);
                }
                Frame {
                    monitor,
                    width,
                    height,
                    rgba,
                    grabbed_at: Instant::now(),
                    done_at: Instant::now(),
                }
            })
            .collect();
        Ok(Shot {
            frames,
            failed: Vec::new(),
        })
    }
}

/// Idle time set by the test; [`FakeIdle::input`] plays a key press (idle time back to
/// zero, and the waiting input callback called).
#[derive(Default)]
pub struct FakeIdle {
    idle: Mutex<std::time::Duration>,
    waiting: Mutex<Option<Box<dyn FnOnce() + Send>>>,
    /// Whether it offers input callbacks (a source that cannot is polled).
    pub polled_only: bool,
}

impl FakeIdle {
    /// A source that offers no input callback, like one on a desktop that cannot tell.
    pub fn polled() -> FakeIdle {
        FakeIdle {
            polled_only: true,
            ..FakeIdle::default()
        }
    }

    /// The time since the last input is now `idle` (no input happens).
    pub fn set(&self, idle: std::time::Duration) {
        *self.idle.lock().unwrap_or_else(|p| p.into_inner()) = idle;
    }

    /// A key press now.
    pub fn input(&self) {
        self.set(std::time::Duration::ZERO);
        let waiting = self
            .waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(callback) = waiting {
            callback();
        }
    }

    /// Whether someone waits for the next input.
    pub fn is_watched(&self) -> bool {
        self.waiting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }
}

impl crate::idle::IdleSource for FakeIdle {
    fn idle_for(&self) -> Result<std::time::Duration, crate::idle::IdleSensorError> {
        Ok(*self.idle.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn on_next_input(&self, on_input: Box<dyn FnOnce() + Send>) -> bool {
        if self.polled_only {
            return false;
        }
        *self.waiting.lock().unwrap_or_else(|p| p.into_inner()) = Some(on_input);
        true
    }
}

type Watcher = std::sync::Arc<dyn Fn() + Send + Sync>;

/// The foreground window set by the test; [`FakeWindow::set`] tells the watcher.
#[derive(Default)]
pub struct FakeWindow {
    current: Mutex<Option<crate::window::Foreground>>,
    watcher: Mutex<Option<Watcher>>,
    /// How many times the window was read.
    pub reads: AtomicUsize,
    /// Offers no change notifications (the caller must poll).
    polled_only: bool,
}

impl FakeWindow {
    /// A source that cannot tell about changes, like one on a desktop without events.
    pub fn polled() -> FakeWindow {
        FakeWindow {
            polled_only: true,
            ..FakeWindow::default()
        }
    }

    pub fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }

    /// `app` with `title` comes to the front (`None`: an empty desktop).
    pub fn set(&self, window: Option<(&str, &str)>) {
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) =
            window.map(|(app, title)| crate::window::Foreground {
                app: app.to_owned(),
                title: title.to_owned(),
                process_path: None,
            });
        let watcher = self
            .watcher
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(watcher) = watcher {
            watcher();
        }
    }
}

impl crate::window::ActiveWindowSource for FakeWindow {
    fn foreground(
        &self,
    ) -> Result<Option<crate::window::Foreground>, crate::window::WindowSensorError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        Ok(self
            .current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone())
    }

    fn watch(&self, on_change: Watcher) -> bool {
        if self.polled_only {
            return false;
        }
        *self.watcher.lock().unwrap_or_else(|p| p.into_inner()) = Some(on_change);
        true
    }
}

/// The app in front on each monitor, set by the test per monitor name (a monitor it never
/// set, or set to `None`, is empty); or an error for every read, like a display gone away.
#[derive(Default)]
pub struct FakeFrontWindows {
    fronts: Mutex<std::collections::HashMap<String, crate::window::Foreground>>,
    failure: Mutex<Option<crate::window::WindowSensorError>>,
    /// How many times it was read.
    pub reads: AtomicUsize,
}

impl FakeFrontWindows {
    /// `app` with `title` is now in front on the monitor named `monitor` (`None`: nothing).
    pub fn set(&self, monitor: &str, window: Option<(&str, &str)>) {
        let mut fronts = self.fronts.lock().unwrap_or_else(|p| p.into_inner());
        match window {
            Some((app, title)) => {
                fronts.insert(
                    monitor.to_owned(),
                    crate::window::Foreground {
                        app: app.to_owned(),
                        title: title.to_owned(),
                        process_path: None,
                    },
                );
            }
            None => {
                fronts.remove(monitor);
            }
        }
    }

    /// Every read fails with `error` from now on (`None`: reads work again).
    pub fn fail(&self, error: Option<crate::window::WindowSensorError>) {
        *self.failure.lock().unwrap_or_else(|p| p.into_inner()) = error;
    }

    pub fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
}

impl crate::window::FrontWindows for FakeFrontWindows {
    fn front_windows(
        &self,
        monitors: &[MonitorInfo],
    ) -> Result<Vec<Option<crate::window::Foreground>>, crate::window::WindowSensorError> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        if let Some(e) = self
            .failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        {
            return Err(e);
        }
        let fronts = self.fronts.lock().unwrap_or_else(|p| p.into_inner());
        Ok(monitors
            .iter()
            .map(|m| fronts.get(&m.name).cloned())
            .collect())
    }
}

type OnLockEvent = std::sync::Arc<dyn Fn(crate::LockEvent) + Send + Sync>;

/// Lock and sleep signals a test sends by hand; or a refusal, like a machine without logind.
#[derive(Default)]
pub struct FakeLock {
    on_event: Mutex<Option<OnLockEvent>>,
    /// `Some`: `watch` fails with this.
    pub refuse: Option<String>,
}

impl FakeLock {
    /// Sends `event` as the session would; `false` while nobody watches.
    pub fn send(&self, event: crate::LockEvent) -> bool {
        let on_event = self
            .on_event
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        on_event.map(|f| f(event)).is_some()
    }
}

impl crate::LockSource for FakeLock {
    fn watch(
        &self,
        on_event: std::sync::Arc<dyn Fn(crate::LockEvent) + Send + Sync>,
    ) -> Result<(), String> {
        if let Some(why) = &self.refuse {
            return Err(why.clone());
        }
        *self.on_event.lock().unwrap_or_else(|p| p.into_inner()) = Some(on_event);
        Ok(())
    }
}

/// A global shortcut a test presses by hand; or a refusal, like keys another program took.
#[derive(Default)]
pub struct FakeHotkeys {
    set: Mutex<Option<(crate::Accelerator, crate::hotkey::OnPress)>>,
    /// `Some`: `set` with a shortcut fails with this.
    pub refuse: Option<String>,
}

impl FakeHotkeys {
    /// The shortcut in force.
    pub fn current(&self) -> Option<crate::Accelerator> {
        self.set
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|(a, _)| *a)
    }

    /// The user presses the shortcut; `false` when none is set.
    pub fn press(&self) -> bool {
        let on_press = self
            .set
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|(_, f)| f.clone());
        on_press.map(|f| f()).is_some()
    }
}

impl crate::HotkeySource for FakeHotkeys {
    fn set(
        &self,
        accel: Option<&crate::Accelerator>,
        on_press: crate::hotkey::OnPress,
    ) -> Result<(), String> {
        let mut slot = self.set.lock().unwrap_or_else(|p| p.into_inner());
        *slot = None;
        match (accel, &self.refuse) {
            (None, _) => Ok(()),
            (Some(_), Some(why)) => Err(why.clone()),
            (Some(accel), None) => {
                *slot = Some((*accel, on_press));
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::{FrontWindows, WindowSensorError};

    #[test]
    fn the_fake_front_windows_answer_per_monitor_name_in_the_callers_order() {
        let monitor = |name: &str| MonitorInfo {
            name: name.into(),
            x: 0,
            y: 0,
            width: 10,
            height: 10,
        };
        let fake = FakeFrontWindows::default();
        fake.set("FAKE-1", Some(("Secret", "diary")));
        fake.set("FAKE-0", Some(("Editor", "notes")));
        fake.set("FAKE-0", None);
        let fronts = fake
            .front_windows(&[monitor("FAKE-1"), monitor("FAKE-0"), monitor("other")])
            .unwrap();
        let apps: Vec<_> = fronts.iter().map(|f| f.as_ref().map(|f| &*f.app)).collect();
        assert_eq!(apps, vec![Some("Secret"), None, None]);
        fake.fail(Some(WindowSensorError::NoDisplay));
        assert_eq!(
            fake.front_windows(&[monitor("FAKE-1")]),
            Err(WindowSensorError::NoDisplay)
        );
        fake.fail(None);
        assert!(fake.front_windows(&[monitor("FAKE-1")]).is_ok());
        assert_eq!(fake.reads(), 3);
    }
}
