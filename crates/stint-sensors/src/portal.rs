//! Screenshots through xdg-desktop-portal's Screenshot interface (the `ashpd` crate), the
//! way GNOME and KDE on Wayland allow them: not interactive, so the desktop asks the user
//! once and keeps the answer in its permission store. The portal hands back a PNG file of
//! the whole desktop; it is read into memory and deleted at once (the portal gives no other
//! way: see the closing note of issue 13), then cut into one frame per monitor with the
//! outputs' positions from `xdg-output`.

use std::time::Instant;

use crate::screen::{CaptureError, Frame, MonitorInfo, ScreenCapturer, Shot};

/// How long a shot waits for the portal (a dialog the user does not see or answer).
const ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_secs(30);
/// How long a request that was not answered in time is still listened to, so its late
/// picture can be deleted.
const GIVE_UP_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

/// The portal's Screenshot, non-interactive.
#[derive(Debug, Clone, Copy)]
pub struct PortalScreenshot {
    /// How long a shot waits for the portal's answer (30 s; shorter in tests).
    pub answer_within: std::time::Duration,
}

impl Default for PortalScreenshot {
    fn default() -> Self {
        PortalScreenshot {
            answer_within: ANSWER_WITHIN,
        }
    }
}

async fn request() -> Result<String, CaptureError> {
    use ashpd::desktop::screenshot::Screenshot;
    let refused = |e: ashpd::Error| match e {
        ashpd::Error::Response(r) => {
            CaptureError::Refused(format!("the desktop's screenshot portal said no ({r:?})"))
        }
        other => CaptureError::Failed(format!("the screenshot portal: {other}")),
    };
    // A connection of this shot's own: ashpd keeps a shared one otherwise, which would
    // outlive the runtime it was made on and hang the next shot.
    let conn = zbus::Connection::session()
        .await
        .map_err(|e| CaptureError::Failed(format!("no session bus for the portal: {e}")))?;
    let answer = Screenshot::request()
        .connection(Some(conn))
        .interactive(false)
        .modal(false)
        .send()
        .await
        .map_err(refused)?
        .response()
        .map_err(refused)?;
    Ok(answer.uri().as_str().to_owned())
}

/// The local path of a `file://` URI (percent-escapes undone).
fn file_path(uri: &str) -> Option<std::path::PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let mut bytes = Vec::with_capacity(rest.len());
    let mut raw = rest.bytes();
    while let Some(b) = raw.next() {
        if b == b'%' {
            let hex = [raw.next()?, raw.next()?];
            bytes.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            bytes.push(b);
        }
    }
    use std::os::unix::ffi::OsStringExt;
    Some(std::ffi::OsString::from_vec(bytes).into())
}

/// Cuts the desktop picture into monitors. Positions are logical; where the picture is
/// larger (scaled outputs) the rectangles grow with it.
fn cut(desktop: &image::RgbaImage, monitors: &[MonitorInfo], at: Instant) -> Vec<Frame> {
    let whole = MonitorInfo {
        name: "desktop".into(),
        x: 0,
        y: 0,
        width: desktop.width(),
        height: desktop.height(),
    };
    let monitors: Vec<MonitorInfo> = if monitors.is_empty() {
        vec![whole]
    } else {
        monitors.to_vec()
    };
    let left = monitors.iter().map(|m| m.x).min().unwrap_or(0);
    let top = monitors.iter().map(|m| m.y).min().unwrap_or(0);
    let right = monitors
        .iter()
        .map(|m| m.x + m.width as i32)
        .max()
        .unwrap_or(1);
    let bottom = monitors
        .iter()
        .map(|m| m.y + m.height as i32)
        .max()
        .unwrap_or(1);
    let sx = f64::from(desktop.width()) / f64::from((right - left).max(1));
    let sy = f64::from(desktop.height()) / f64::from((bottom - top).max(1));
    let done_at = Instant::now();
    monitors
        .into_iter()
        .filter_map(|m| {
            let x = (f64::from(m.x - left) * sx).round() as u32;
            let y = (f64::from(m.y - top) * sy).round() as u32;
            let w =
                ((f64::from(m.width) * sx).round() as u32).min(desktop.width().saturating_sub(x));
            let h =
                ((f64::from(m.height) * sy).round() as u32).min(desktop.height().saturating_sub(y));
            (w > 0 && h > 0).then(|| {
                let part = image::imageops::crop_imm(desktop, x, y, w, h).to_image();
                Frame {
                    monitor: m,
                    width: w,
                    height: h,
                    rgba: part.into_raw(),
                    grabbed_at: at,
                    done_at,
                }
            })
        })
        .collect()
}

/// Where the portal put its last picture (GNOME's writes `~/Screenshot.png` each time).
static LAST_PICTURE: std::sync::Mutex<Option<std::path::PathBuf>> = std::sync::Mutex::new(None);
/// Pictures the portal wrote after their shot stopped waiting, found and deleted.
static LATE_DELETED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// How many pictures the portal wrote after their shot had given up, all deleted (for the
/// log and the tests).
pub fn late_pictures_deleted() -> usize {
    LATE_DELETED.load(std::sync::atomic::Ordering::SeqCst)
}

/// Deletes the portal's picture at `uri`; the full-size picture must not stay on the disk.
fn delete(uri: &str) {
    if let Some(path) = file_path(uri) {
        if let Err(e) = std::fs::remove_file(&path) {
            tracing::error!(path = %path.display(), "could not delete the portal's screenshot: {e}");
        }
        *LAST_PICTURE.lock().unwrap_or_else(|p| p.into_inner()) = Some(path);
    }
}

/// A request gave up at `asked`: the portal may still write its picture without telling
/// anyone where (a backend that stalled past the bus's call timeout). Where it wrote
/// before, a picture newer than the request is deleted for the next two minutes.
fn sweep_late_picture(asked: std::time::SystemTime) {
    let Some(path) = LAST_PICTURE
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
    else {
        return;
    };
    let _ = std::thread::Builder::new()
        .name("stint-portal-sweep".into())
        .spawn(move || {
            for _ in 0..120 {
                let newer = std::fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t >= asked);
                if newer && std::fs::remove_file(&path).is_ok() {
                    tracing::warn!(path = %path.display(), "deleted a screenshot the portal wrote late");
                    LATE_DELETED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    return;
                }
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        });
}

/// Asks the portal on a thread of its own (no runtime of the caller's is entered there) and
/// waits [`ANSWER_WITHIN`]. A request not answered by then is not abandoned: the thread
/// waits on (up to [`GIVE_UP_AFTER`]) so that a picture the portal writes late, after a
/// dialog was answered or a stalled portal woke, is deleted the moment it exists.
fn ask_portal(answer_within: std::time::Duration) -> Result<String, CaptureError> {
    use std::sync::{Arc, Mutex};
    let asked = std::time::SystemTime::now();
    let (tx, rx) = std::sync::mpsc::channel();
    // Set by the shot when it stops waiting; the thread and the shot take the lock to
    // decide who deletes a picture, so none slips between them.
    let abandoned = Arc::new(Mutex::new(false));
    let gave_up = abandoned.clone();
    std::thread::Builder::new()
        .name("stint-portal".into())
        .spawn(move || {
            let answer = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| CaptureError::Failed(e.to_string()))
                .and_then(|rt| {
                    rt.block_on(async {
                        tokio::time::timeout(GIVE_UP_AFTER, request())
                            .await
                            .unwrap_or_else(|_| {
                                Err(CaptureError::Failed("the portal never answered".into()))
                            })
                    })
                });
            let abandoned = gave_up.lock().unwrap_or_else(|p| p.into_inner());
            match answer {
                Ok(late) if *abandoned => {
                    tracing::warn!("the screenshot portal answered late; its picture is deleted");
                    delete(&late);
                    LATE_DELETED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                answer => {
                    let _ = tx.send(answer);
                }
            }
        })
        .map_err(|e| CaptureError::Failed(e.to_string()))?;
    match rx.recv_timeout(answer_within) {
        Ok(answer) => answer,
        Err(_) => {
            *abandoned.lock().unwrap_or_else(|p| p.into_inner()) = true;
            // An answer that came while the lock was being taken is deleted here.
            if let Ok(Ok(uri)) = rx.try_recv() {
                delete(&uri);
            }
            sweep_late_picture(asked);
            Err(CaptureError::Failed(format!(
                "the desktop did not answer the screenshot request within {} seconds (is \
                     a permission dialog waiting?)",
                answer_within.as_secs()
            )))
        }
    }
}

impl ScreenCapturer for PortalScreenshot {
    fn shoot(&self) -> Result<Shot, CaptureError> {
        if !crate::wayland::display_named() {
            return Err(CaptureError::NoDisplay);
        }
        let monitors = crate::wayland::monitors().unwrap_or_default();
        let grabbed_at = Instant::now();
        let uri = ask_portal(self.answer_within)?;
        let path = file_path(&uri)
            .ok_or_else(|| CaptureError::Failed(format!("the portal answered {uri:?}")))?;
        let bytes = std::fs::read(&path);
        delete(&uri);
        let bytes = bytes
            .map_err(|e| CaptureError::Failed(format!("reading the portal's picture: {e}")))?;
        let desktop = image::load_from_memory(&bytes)
            .map_err(|e| CaptureError::Failed(format!("the portal's picture: {e}")))?
            .into_rgba8();
        drop(bytes);
        Ok(Shot {
            frames: cut(&desktop, &monitors, grabbed_at),
            failed: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monitor(x: i32, width: u32, height: u32) -> MonitorInfo {
        MonitorInfo {
            name: format!("at {x}"),
            x,
            y: 0,
            width,
            height,
        }
    }

    #[test]
    fn a_desktop_picture_is_cut_into_its_monitors_even_when_scaled() {
        let mut desktop = image::RgbaImage::from_pixel(300, 100, image::Rgba([255, 0, 0, 255]));
        for x in 200..300 {
            for y in 0..100 {
                desktop.put_pixel(x, y, image::Rgba([0, 0, 255, 255]));
            }
        }
        let frames = cut(
            &desktop,
            &[monitor(0, 200, 100), monitor(200, 100, 80)],
            Instant::now(),
        );
        assert_eq!(frames.len(), 2);
        assert_eq!((frames[0].width, frames[0].height), (200, 100));
        assert_eq!((frames[1].width, frames[1].height), (100, 80));
        assert_eq!(&frames[1].rgba[..4], &[0, 0, 255, 255]);
        // The same layout at scale 2.
        let big = image::imageops::resize(&desktop, 600, 200, image::imageops::FilterType::Nearest);
        let frames = cut(
            &big,
            &[monitor(0, 200, 100), monitor(200, 100, 80)],
            Instant::now(),
        );
        assert_eq!((frames[1].width, frames[1].height), (200, 160));
        assert_eq!(&frames[0].rgba[..4], &[255, 0, 0, 255]);
        // No outputs known: the whole picture.
        assert_eq!(cut(&desktop, &[], Instant::now())[0].width, 300);
    }

    #[test]
    fn file_uris_become_paths() {
        assert_eq!(
            file_path("file:///run/user/1000/Screenshot%20from%202026.png").unwrap(),
            std::path::PathBuf::from("/run/user/1000/Screenshot from 2026.png")
        );
        assert!(file_path("https://example.org/a.png").is_none());
        assert!(file_path("file:///bad%zz").is_none());
    }
}
