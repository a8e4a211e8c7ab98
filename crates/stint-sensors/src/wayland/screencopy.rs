//! Screenshots on wlroots compositors through `wlr-screencopy-unstable-v1`, without a
//! dialog. Every output's frame is asked for, then every copy is sent in one batch, so the
//! compositor fills them from the same moment (its next frame of each output). Pixels land
//! in anonymous shared memory (memfd), are read back into RGBA and never touch a file.
//! Output positions and names come from `xdg-output` ([`super::outputs`]).

use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::FileExt;
use std::time::{Duration, Instant};

use wayland_client::protocol::wl_buffer::WlBuffer;
use wayland_client::protocol::wl_output::WlOutput;
use wayland_client::protocol::wl_shm::{self, WlShm};
use wayland_client::protocol::wl_shm_pool::WlShmPool;
use wayland_client::{delegate_noop, Connection, Dispatch, EventQueue, QueueHandle, WEnum};
use wayland_protocols_wlr::screencopy::v1::client::zwlr_screencopy_frame_v1::{
    self, ZwlrScreencopyFrameV1,
};
use wayland_protocols_wlr::screencopy::v1::client::zwlr_screencopy_manager_v1::ZwlrScreencopyManagerV1;

use crate::screen::{CaptureError, Frame, MonitorInfo, ScreenCapturer, Shot};

/// How long a whole shot may take before it is given up.
const SHOT_WITHIN: Duration = Duration::from_secs(5);

/// The shm buffer the compositor asked for.
#[derive(Clone, Copy)]
struct BufferSpec {
    format: wl_shm::Format,
    width: u32,
    height: u32,
    stride: u32,
}

#[derive(Default)]
struct FrameState {
    spec: Option<BufferSpec>,
    /// Version 3 says when every buffer kind was offered; older ones stop at `buffer`.
    described: bool,
    y_invert: bool,
    /// When the pixels were there, or why not.
    outcome: Option<Result<Instant, String>>,
}

#[derive(Default)]
struct Shooter {
    frames: Vec<FrameState>,
}

ignore_registry_events!(Shooter);

delegate_noop!(Shooter: ignore WlShm);
delegate_noop!(Shooter: ignore WlBuffer);
delegate_noop!(Shooter: WlShmPool);
delegate_noop!(Shooter: ignore WlOutput);
delegate_noop!(Shooter: ZwlrScreencopyManagerV1);

impl Dispatch<ZwlrScreencopyFrameV1, usize> for Shooter {
    fn event(
        shooter: &mut Self,
        frame: &ZwlrScreencopyFrameV1,
        event: zwlr_screencopy_frame_v1::Event,
        index: &usize,
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        use zwlr_screencopy_frame_v1::Event;
        let version = wayland_client::Proxy::version(frame);
        let Some(state) = shooter.frames.get_mut(*index) else {
            return;
        };
        match event {
            Event::Buffer {
                format: WEnum::Value(format),
                width,
                height,
                stride,
            } => {
                state.spec = Some(BufferSpec {
                    format,
                    width,
                    height,
                    stride,
                });
                if version < 3 {
                    state.described = true;
                }
            }
            Event::BufferDone => state.described = true,
            Event::Flags { flags } => {
                state.y_invert = matches!(flags, WEnum::Value(f)
                    if f.contains(zwlr_screencopy_frame_v1::Flags::YInvert));
            }
            Event::Ready {
                tv_sec_hi,
                tv_sec_lo,
                tv_nsec,
            } => state.outcome = Some(Ok(frame_moment(tv_sec_hi, tv_sec_lo, tv_nsec))),
            Event::Failed => state.outcome = Some(Err("the compositor could not copy it".into())),
            _ => {}
        }
    }
}

/// The moment the compositor says the frame was shown (CLOCK_MONOTONIC), as an
/// `Instant`: the skew between outputs is between these, not between our reads of them.
fn frame_moment(sec_hi: u32, sec_lo: u32, nsec: u32) -> Instant {
    let now = Instant::now();
    let shown = Duration::new(
        (u64::from(sec_hi) << 32) | u64::from(sec_lo),
        nsec.min(999_999_999),
    );
    let ago = crate::idle::clocks().0.saturating_sub(shown);
    now.checked_sub(ago).unwrap_or(now)
}

/// Dispatches until `done` holds, or fails after the deadline.
fn dispatch_until(
    queue: &mut EventQueue<Shooter>,
    shooter: &mut Shooter,
    deadline: Instant,
    done: impl Fn(&Shooter) -> bool,
) -> Result<(), CaptureError> {
    use rustix::event::{poll, PollFd, PollFlags};
    let failed = |e: &dyn std::fmt::Display| CaptureError::Failed(e.to_string());
    loop {
        queue.dispatch_pending(shooter).map_err(|e| failed(&e))?;
        if done(shooter) {
            return Ok(());
        }
        queue.flush().map_err(|e| failed(&e))?;
        let Some(guard) = queue.prepare_read() else {
            continue;
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(CaptureError::Failed(
                "the compositor did not answer within 5 seconds".into(),
            ));
        }
        let fd = guard.connection_fd();
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        let timeout = rustix::event::Timespec::try_from(left).ok();
        match poll(&mut fds, timeout.as_ref()) {
            Ok(0) => continue,
            Ok(_) => {
                guard.read().map_err(|e| failed(&e))?;
            }
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(failed(&e)),
        }
    }
}

/// RGBA from the compositor's layout: `*RGB8888` formats are B, G, R, A in memory.
fn to_rgba(spec: &BufferSpec, bytes: &[u8], y_invert: bool) -> Result<Vec<u8>, CaptureError> {
    let (swap, opaque) = match spec.format {
        wl_shm::Format::Argb8888 => (true, false),
        wl_shm::Format::Xrgb8888 => (true, true),
        wl_shm::Format::Abgr8888 => (false, false),
        wl_shm::Format::Xbgr8888 => (false, true),
        other => {
            return Err(CaptureError::Failed(format!(
                "the compositor offered pixels as {other:?}, which Stint does not read"
            )))
        }
    };
    let (width, height, stride) = (
        spec.width as usize,
        spec.height as usize,
        spec.stride as usize,
    );
    let mut rgba = Vec::with_capacity(width * height * 4);
    for row in 0..height {
        let source = if y_invert { height - 1 - row } else { row };
        let line = bytes
            .get(source * stride..source * stride + width * 4)
            .ok_or_else(|| CaptureError::Failed("a frame shorter than it said".into()))?;
        for px in line.chunks_exact(4) {
            let (r, b) = if swap { (px[2], px[0]) } else { (px[0], px[2]) };
            rgba.extend_from_slice(&[r, px[1], b, if opaque { 255 } else { px[3] }]);
        }
    }
    Ok(rgba)
}

/// A memfd of `size` bytes for the compositor to write into.
fn shared_memory(size: u64) -> Result<OwnedFd, CaptureError> {
    use rustix::fs::{ftruncate, memfd_create, MemfdFlags};
    let fd = memfd_create("stint-screencopy", MemfdFlags::CLOEXEC)
        .map_err(|e| CaptureError::Failed(format!("no shared memory: {e}")))?;
    ftruncate(&fd, size).map_err(|e| CaptureError::Failed(format!("no shared memory: {e}")))?;
    Ok(fd)
}

/// Screenshots through `wlr-screencopy`.
#[derive(Debug, Default, Clone, Copy)]
pub struct WlrScreencopy;

impl ScreenCapturer for WlrScreencopy {
    fn shoot(&self) -> Result<Shot, CaptureError> {
        if !super::display_named() {
            return Err(CaptureError::NoDisplay);
        }
        let deadline = Instant::now() + SHOT_WITHIN;
        let layouts = super::outputs().map_err(CaptureError::Failed)?;
        if layouts.is_empty() {
            return Err(CaptureError::NoMonitors);
        }
        let (_conn, globals, mut queue) =
            super::connect::<Shooter>().map_err(CaptureError::Failed)?;
        let qh = queue.handle();
        let no = |what: &str| CaptureError::Failed(format!("the compositor offers no {what}"));
        let manager: ZwlrScreencopyManagerV1 = globals
            .bind(&qh, 1..=3, ())
            .map_err(|_| no("wlr-screencopy"))?;
        let shm: WlShm = globals.bind(&qh, 1..=1, ()).map_err(|_| no("wl_shm"))?;
        let mut shooter = Shooter::default();
        let outputs: Vec<WlOutput> = layouts
            .iter()
            .map(|layout| globals.registry().bind(layout.global, 1, &qh, ()))
            .collect();
        // Ask for every output's frame, then learn each one's buffer.
        let frames: Vec<ZwlrScreencopyFrameV1> = outputs
            .iter()
            .enumerate()
            .map(|(index, output)| {
                shooter.frames.push(FrameState::default());
                manager.capture_output(0, output, &qh, index)
            })
            .collect();
        dispatch_until(&mut queue, &mut shooter, deadline, |s| {
            s.frames.iter().all(|f| f.described || f.outcome.is_some())
        })?;
        // Every copy in one batch: the compositor fills them from the same moment.
        let mut memory = Vec::new();
        for (index, frame) in frames.iter().enumerate() {
            let Some(spec) = shooter.frames[index].spec else {
                shooter.frames[index].outcome =
                    Some(Err("the compositor offered no shared-memory buffer".into()));
                memory.push(None);
                continue;
            };
            let size = u64::from(spec.stride) * u64::from(spec.height);
            let fd = shared_memory(size)?;
            let size_i32 = i32::try_from(size)
                .map_err(|_| CaptureError::Failed("a frame too large to share".into()))?;
            let pool = shm.create_pool(fd.as_fd(), size_i32, &qh, ());
            let buffer = pool.create_buffer(
                0,
                spec.width as i32,
                spec.height as i32,
                spec.stride as i32,
                spec.format,
                &qh,
                (),
            );
            frame.copy(&buffer);
            memory.push(Some((fd, pool, buffer)));
        }
        let grabbed_at = Instant::now();
        dispatch_until(&mut queue, &mut shooter, deadline, |s| {
            s.frames.iter().all(|f| f.outcome.is_some())
        })?;
        let mut shot = Shot::default();
        for (index, kept) in memory.into_iter().enumerate() {
            let state = &shooter.frames[index];
            let output = &layouts[index];
            let spec = state.spec;
            let monitor = MonitorInfo {
                name: if output.name.is_empty() {
                    format!("monitor {}", index + 1)
                } else {
                    output.name.clone()
                },
                x: output.x,
                y: output.y,
                width: spec.map_or(0, |s| s.width),
                height: spec.map_or(0, |s| s.height),
            };
            let outcome = state.outcome.clone().unwrap_or(Err("no answer".into()));
            let result = outcome.map_err(CaptureError::Failed).and_then(|done_at| {
                let (fd, pool, buffer) =
                    kept.ok_or_else(|| CaptureError::Failed("no buffer".into()))?;
                let spec = spec.ok_or_else(|| CaptureError::Failed("no buffer".into()))?;
                let mut bytes = vec![0u8; spec.stride as usize * spec.height as usize];
                std::fs::File::from(fd)
                    .read_exact_at(&mut bytes, 0)
                    .map_err(|e| CaptureError::Failed(format!("reading the frame: {e}")))?;
                buffer.destroy();
                pool.destroy();
                let rgba = to_rgba(&spec, &bytes, state.y_invert)?;
                Ok(Frame {
                    monitor: monitor.clone(),
                    width: spec.width,
                    height: spec.height,
                    rgba,
                    grabbed_at,
                    done_at,
                })
            });
            match result {
                Ok(frame) => shot.frames.push(frame),
                Err(e) => {
                    tracing::warn!(monitor = %monitor.name, "capture failed: {e}");
                    shot.failed.push((monitor, e));
                }
            }
        }
        for frame in frames {
            frame.destroy();
        }
        if shot.frames.is_empty() {
            if let Some((_, e)) = shot.failed.first() {
                return Err(e.clone());
            }
        }
        Ok(shot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compositor_layouts_become_rgba_rows_in_order() {
        // Two rows of one pixel, 8-byte stride (padding after each pixel).
        let spec = BufferSpec {
            format: wl_shm::Format::Xrgb8888,
            width: 1,
            height: 2,
            stride: 8,
        };
        let bytes = [10, 20, 30, 0, 9, 9, 9, 9, 40, 50, 60, 0, 9, 9, 9, 9];
        assert_eq!(
            to_rgba(&spec, &bytes, false).unwrap(),
            [30, 20, 10, 255, 60, 50, 40, 255]
        );
        assert_eq!(
            to_rgba(&spec, &bytes, true).unwrap(),
            [60, 50, 40, 255, 30, 20, 10, 255]
        );
        let abgr = BufferSpec {
            format: wl_shm::Format::Abgr8888,
            ..spec
        };
        assert_eq!(
            to_rgba(&abgr, &bytes, false).unwrap(),
            [10, 20, 30, 0, 40, 50, 60, 0]
        );
        let short = BufferSpec { height: 3, ..spec };
        assert!(to_rgba(&short, &bytes, false).is_err());
        let other = BufferSpec {
            format: wl_shm::Format::Rgb565,
            ..spec
        };
        assert!(to_rgba(&other, &bytes, false).is_err());
    }
}
