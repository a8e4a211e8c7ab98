//! Windows of one solid colour: at a fixed place (to check what a screen capture shows),
//! or managed by the window manager with a title and class (to check what the foreground
//! window sensor reads), placed where asked (to check which app is in front on each
//! monitor).

use anyhow::Context;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{AtomEnum, ConnectionExt, CreateWindowAux, PropMode, WindowClass};
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

    /// Maps a window the window manager manages, titled `title` and of class `class`,
    /// owned by this process (`_NET_WM_PID`). With `utf8_title` the title goes into
    /// `_NET_WM_NAME` as modern toolkits do; without, only into `WM_NAME` as xterm does.
    /// Returns the window id in decimal, as xdotool takes it.
    pub fn add_titled(&self, title: &str, class: &str, utf8_title: bool) -> anyhow::Result<String> {
        self.add_managed(title, class, utf8_title, None)
    }

    /// Maps a window like [`SolidWindows::add_titled`] (UTF-8 title) that asks to be at
    /// `x, y` (its frame's top-left corner, in root coordinates) and `width x height` (its
    /// inside) as a user-given position and size (ICCCM `WM_NORMAL_HINTS`), which window
    /// managers honour, so a test can put it on a chosen monitor or across two. Without a
    /// window manager it is exactly there. Returns the window id in decimal.
    pub fn add_titled_at(
        &self,
        title: &str,
        class: &str,
        (x, y, width, height): (i16, i16, u16, u16),
    ) -> anyhow::Result<String> {
        self.add_managed(title, class, true, Some((x, y, width, height)))
    }

    fn add_managed(
        &self,
        title: &str,
        class: &str,
        utf8_title: bool,
        place: Option<(i16, i16, u16, u16)>,
    ) -> anyhow::Result<String> {
        let screen = &self.conn.setup().roots[0];
        let id = self.conn.generate_id()?;
        let (x, y, width, height) = place.unwrap_or((100, 100, 400, 300));
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
            &CreateWindowAux::new().background_pixel(0x336699),
        )?;
        if place.is_some() {
            use x11rb::properties::{WmSizeHints, WmSizeHintsSpecification::UserSpecified};
            WmSizeHints {
                position: Some((UserSpecified, x.into(), y.into())),
                size: Some((UserSpecified, width.into(), height.into())),
                ..WmSizeHints::default()
            }
            .set_normal_hints(&self.conn, id)?;
        }
        let atom = |name: &[u8]| -> anyhow::Result<u32> {
            Ok(self.conn.intern_atom(false, name)?.reply()?.atom)
        };
        if utf8_title {
            let (net_name, utf8) = (atom(b"_NET_WM_NAME")?, atom(b"UTF8_STRING")?);
            self.conn
                .change_property8(PropMode::REPLACE, id, net_name, utf8, title.as_bytes())?;
        } else {
            self.conn.change_property8(
                PropMode::REPLACE,
                id,
                AtomEnum::WM_NAME,
                AtomEnum::STRING,
                title.as_bytes(),
            )?;
        }
        let wm_class = format!("{}\0{class}\0", class.to_lowercase());
        self.conn.change_property8(
            PropMode::REPLACE,
            id,
            AtomEnum::WM_CLASS,
            AtomEnum::STRING,
            wm_class.as_bytes(),
        )?;
        self.conn.change_property32(
            PropMode::REPLACE,
            id,
            atom(b"_NET_WM_PID")?,
            AtomEnum::CARDINAL,
            &[std::process::id()],
        )?;
        self.conn.map_window(id)?;
        self.conn.sync()?;
        Ok(id.to_string())
    }
}
