//! Windows of one solid colour at a fixed place, to check what a screen capture shows.

use anyhow::Context;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, CreateWindowAux, WindowClass};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

/// Lives as long as its X connection: dropping it removes the windows.
pub struct SolidWindows {
    conn: RustConnection,
}

impl SolidWindows {
    /// Connects to `display` (e.g. `:3`).
    pub fn connect(display: &str) -> anyhow::Result<SolidWindows> {
        let (conn, _) = x11rb::connect(Some(display))
            .with_context(|| format!("connecting to X display {display}"))?;
        Ok(SolidWindows { conn })
    }

    /// Maps an undecorated window filled with `rgb` (0xRRGGBB on a 24-bit TrueColor
    /// screen), placed exactly where asked: override-redirect keeps the window manager out.
    pub fn add(&self, x: i16, y: i16, width: u16, height: u16, rgb: u32) -> anyhow::Result<()> {
        let screen = &self.conn.setup().roots[0];
        let id = self.conn.generate_id()?;
        self.conn.create_window(
            x11rb::COPY_DEPTH_FROM_PARENT,
            id,
            screen.root,
            x,
            y,
            width,
            height,
            0,
            WindowClass::INPUT_OUTPUT,
            0,
            &CreateWindowAux::new()
                .background_pixel(rgb)
                .override_redirect(1),
        )?;
        self.conn.map_window(id)?;
        self.conn.sync()?;
        Ok(())
    }
}
