//! Every monitor from one X11 `GetImage` of the root window, cut apart afterwards: the X
//! server copies the whole area at once, so the monitors' pictures come from the same
//! instant. Only for the common 32-bit little-endian TrueColor layout; anything else makes
//! the caller fall back to one read per monitor.

use std::time::Instant;

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat, ImageOrder};

use crate::screen::{Frame, MonitorInfo, Shot};

pub fn shoot_root(monitors: &[MonitorInfo]) -> Result<Shot, String> {
    let (conn, screen) = x11rb::connect(None).map_err(|e| e.to_string())?;
    let setup = conn.setup();
    if setup.image_byte_order != ImageOrder::LSB_FIRST {
        return Err("the X server is big-endian".into());
    }
    let root = &setup.roots[screen];
    let left = monitors.iter().map(|m| m.x).min().unwrap_or(0).max(0);
    let top = monitors.iter().map(|m| m.y).min().unwrap_or(0).max(0);
    let right = monitors
        .iter()
        .map(|m| m.x + m.width as i32)
        .max()
        .unwrap_or(0);
    let bottom = monitors
        .iter()
        .map(|m| m.y + m.height as i32)
        .max()
        .unwrap_or(0);
    let right = right.min(i32::from(root.width_in_pixels));
    let bottom = bottom.min(i32::from(root.height_in_pixels));
    let (width, height) = (
        u16::try_from(right - left).map_err(|e| e.to_string())?,
        u16::try_from(bottom - top).map_err(|e| e.to_string())?,
    );
    let grabbed_at = Instant::now();
    let image = conn
        .get_image(
            ImageFormat::Z_PIXMAP,
            root.root,
            left as i16,
            top as i16,
            width,
            height,
            !0,
        )
        .map_err(|e| e.to_string())?
        .reply()
        .map_err(|e| e.to_string())?;
    let done_at = Instant::now();
    let bpp = setup
        .pixmap_formats
        .iter()
        .find(|f| f.depth == image.depth)
        .map(|f| f.bits_per_pixel);
    if bpp != Some(32) {
        return Err(format!("{bpp:?} bits per pixel at depth {}", image.depth));
    }
    let stride = usize::from(width) * 4;
    if image.data.len() < stride * usize::from(height) {
        return Err("a short image".into());
    }
    let frames = monitors
        .iter()
        .filter(|m| m.width > 0 && m.height > 0)
        .map(|m| {
            let (x0, y0) = ((m.x - left) as usize, (m.y - top) as usize);
            let w = (m.width as usize).min(usize::from(width).saturating_sub(x0));
            let h = (m.height as usize).min(usize::from(height).saturating_sub(y0));
            let mut rgba = Vec::with_capacity(w * h * 4);
            for row in 0..h {
                let start = (y0 + row) * stride + x0 * 4;
                // BGRX in memory -> RGBA.
                for px in image.data[start..start + w * 4].chunks_exact(4) {
                    rgba.extend_from_slice(&[px[2], px[1], px[0], 255]);
                }
            }
            Frame {
                monitor: m.clone(),
                width: w as u32,
                height: h as u32,
                rgba,
                grabbed_at,
                done_at,
            }
        })
        .collect();
    Ok(Shot {
        frames,
        failed: Vec::new(),
    })
}
