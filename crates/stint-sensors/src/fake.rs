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
        self.shots.fetch_add(1, Ordering::SeqCst);
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
                Frame {
                    monitor,
                    width,
                    height,
                    rgba: vec![(i as u8).wrapping_mul(80); (width * height * 4) as usize],
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

/// Idle time set by the test.
#[derive(Default)]
pub struct FakeIdle {
    pub idle: Mutex<std::time::Duration>,
}

impl crate::idle::IdleSource for FakeIdle {
    fn idle_for(&self) -> Result<std::time::Duration, crate::idle::IdleSensorError> {
        Ok(*self.idle.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// The foreground window set by the test.
#[derive(Default)]
pub struct FakeWindow {
    pub current: Mutex<Option<crate::window::Foreground>>,
}

impl crate::window::ActiveWindowSource for FakeWindow {
    fn foreground(
        &self,
    ) -> Result<Option<crate::window::Foreground>, crate::window::WindowSensorError> {
        Ok(self
            .current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone())
    }
}
