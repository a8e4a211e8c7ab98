//! Screenshots through xdg-desktop-portal's Screenshot interface (the `ashpd` crate), the
//! way GNOME and KDE on Wayland allow them: not interactive, so the desktop asks the user
//! once and keeps the answer in its permission store. The portal hands back a PNG file of
//! the whole desktop; it is read into memory and deleted at once (the portal gives no other
//! way: see the closing note of issue 13), then cut into one frame per monitor with the
//! outputs' positions from `xdg-output`.

use std::time::Instant;

use crate::screen::{CaptureError, Frame, MonitorInfo, ScreenCapturer, Shot};

/// How long the portal may take to answer (a dialog the user does not see or answer).
const ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_secs(30);

/// The portal's Screenshot, non-interactive.
#[derive(Debug, Default, Clone, Copy)]
pub struct PortalScreenshot;

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

impl ScreenCapturer for PortalScreenshot {
    fn shoot(&self) -> Result<Shot, CaptureError> {
        if !crate::wayland::display_named() {
            return Err(CaptureError::NoDisplay);
        }
        let monitors = crate::wayland::monitors().unwrap_or_default();
        let grabbed_at = Instant::now();
        // A thread of its own: no runtime of the caller's is entered there.
        let uri = std::thread::scope(|scope| {
            scope
                .spawn(|| {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .map_err(|e| CaptureError::Failed(e.to_string()))?
                        .block_on(async {
                            // A permission dialog nobody answers must not hold capture.
                            tokio::time::timeout(ANSWER_WITHIN, request())
                                .await
                                .unwrap_or_else(|_| {
                                    Err(CaptureError::Failed(
                                        "the desktop did not answer the screenshot request \
                                         within 30 seconds (is a permission dialog waiting?)"
                                            .into(),
                                    ))
                                })
                        })
                })
                .join()
                .unwrap_or_else(|_| Err(CaptureError::Failed("the portal call panicked".into())))
        })?;
        let path = file_path(&uri)
            .ok_or_else(|| CaptureError::Failed(format!("the portal answered {uri:?}")))?;
        let bytes = std::fs::read(&path);
        // The full-size picture must not stay on the disk, whatever happens next.
        if let Err(e) = std::fs::remove_file(&path) {
            tracing::error!(path = %path.display(), "could not delete the portal's screenshot: {e}");
        }
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
