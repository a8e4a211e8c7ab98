//! What the X11 window sensors share: one connection with the atoms they read, kept and
//! reopened after an error ([`KeptLink`]), and the reading of a window's app, title and
//! process from its ICCCM and EWMH properties.

use std::sync::Mutex;

use x11rb::connection::Connection;
use x11rb::errors::ReplyError;
use x11rb::protocol::xproto::{Atom, AtomEnum, ConnectionExt as _, Window};
use x11rb::rust_connection::RustConnection;

use crate::window::WindowSensorError;

pub(crate) struct Atoms {
    pub active: Atom,
    pub net_name: Atom,
    pub utf8: Atom,
    pub pid: Atom,
    pub client_list_stacking: Atom,
    pub supporting_wm_check: Atom,
    pub wm_state: Atom,
    pub net_wm_state: Atom,
    pub state_hidden: Atom,
    pub window_type: Atom,
    /// Window types that are no app's own window: the desktop, panels, notifications.
    pub not_an_app: [Atom; 3],
}

pub(crate) struct Link {
    pub conn: RustConnection,
    pub root: Window,
    pub atoms: Atoms,
}

pub(crate) fn err(e: impl std::fmt::Display) -> WindowSensorError {
    WindowSensorError::Unavailable(format!("the X server did not answer: {e}"))
}

/// What a window says about itself.
pub(crate) struct Described {
    /// The class part of `WM_CLASS` (its second string), if set.
    pub class: Option<String>,
    /// `_NET_WM_NAME` (UTF-8), else `WM_NAME` (Latin-1), trimmed.
    pub title: String,
    /// `_NET_WM_PID`.
    pub pid: Option<u32>,
}

impl Described {
    pub fn process_path(&self) -> Option<std::path::PathBuf> {
        self.pid
            .and_then(|p| std::fs::read_link(format!("/proc/{p}/exe")).ok())
    }

    pub fn process_name(&self) -> Option<String> {
        self.pid.and_then(|p| {
            std::fs::read_to_string(format!("/proc/{p}/comm"))
                .ok()
                .map(|s| s.trim().to_owned())
        })
    }
}

impl Link {
    pub fn open() -> Result<Link, WindowSensorError> {
        if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
            return Err(WindowSensorError::NoDisplay);
        }
        let (conn, screen) = x11rb::connect(None).map_err(err)?;
        let root = conn.setup().roots[screen].root;
        const NAMES: [&[u8]; 13] = [
            b"_NET_ACTIVE_WINDOW",
            b"_NET_WM_NAME",
            b"UTF8_STRING",
            b"_NET_WM_PID",
            b"_NET_CLIENT_LIST_STACKING",
            b"_NET_SUPPORTING_WM_CHECK",
            b"WM_STATE",
            b"_NET_WM_STATE",
            b"_NET_WM_STATE_HIDDEN",
            b"_NET_WM_WINDOW_TYPE",
            b"_NET_WM_WINDOW_TYPE_DESKTOP",
            b"_NET_WM_WINDOW_TYPE_DOCK",
            b"_NET_WM_WINDOW_TYPE_NOTIFICATION",
        ];
        // All requests first, then the replies: one round trip.
        let cookies = NAMES
            .iter()
            .map(|name| conn.intern_atom(false, name))
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)?;
        let mut atoms = Vec::with_capacity(NAMES.len());
        for cookie in cookies {
            atoms.push(cookie.reply().map_err(err)?.atom);
        }
        let a = |i: usize| atoms[i];
        let atoms = Atoms {
            active: a(0),
            net_name: a(1),
            utf8: a(2),
            pid: a(3),
            client_list_stacking: a(4),
            supporting_wm_check: a(5),
            wm_state: a(6),
            net_wm_state: a(7),
            state_hidden: a(8),
            window_type: a(9),
            not_an_app: [a(10), a(11), a(12)],
        };
        Ok(Link { conn, root, atoms })
    }

    /// The first 16 KiB of a property of type `kind`; empty when unset or of another type.
    pub fn property(
        &self,
        window: Window,
        atom: Atom,
        kind: impl Into<Atom>,
    ) -> Result<Vec<u8>, ReplyError> {
        Ok(self
            .conn
            .get_property(false, window, atom, kind, 0, 4096)?
            .reply()?
            .value)
    }

    /// A property of 32-bit items (windows, atoms, cardinals) of type `kind`, whole.
    pub fn property32(
        &self,
        window: Window,
        atom: Atom,
        kind: impl Into<Atom>,
    ) -> Result<Vec<u32>, ReplyError> {
        let reply = self
            .conn
            .get_property(false, window, atom, kind, 0, u32::MAX / 4)?
            .reply()?;
        Ok(reply.value32().map(Iterator::collect).unwrap_or_default())
    }

    /// Whether `window` has the property at all (of any type).
    pub fn has_property(&self, window: Window, atom: Atom) -> Result<bool, ReplyError> {
        let reply = self
            .conn
            .get_property(false, window, atom, AtomEnum::ANY, 0, 0)?
            .reply()?;
        Ok(reply.type_ != u32::from(AtomEnum::NONE))
    }

    /// The class part of `WM_CLASS` (`"instance\0Class\0"`), as the app's name.
    pub fn class(&self, window: Window) -> Result<Option<String>, ReplyError> {
        let class = self.property(window, AtomEnum::WM_CLASS.into(), AtomEnum::STRING)?;
        Ok(class
            .split(|b| *b == 0)
            .filter(|s| !s.is_empty())
            .nth(1)
            .map(|s| String::from_utf8_lossy(s).into_owned()))
    }

    /// The window's class, title and process.
    pub fn describe(&self, window: Window) -> Result<Described, ReplyError> {
        let net_name = self.property(window, self.atoms.net_name, self.atoms.utf8)?;
        let title = if net_name.is_empty() {
            // WM_NAME is Latin-1 by the ICCCM.
            self.property(window, AtomEnum::WM_NAME.into(), AtomEnum::STRING)?
                .into_iter()
                .map(char::from)
                .collect()
        } else {
            String::from_utf8_lossy(&net_name).into_owned()
        };
        let pid = self
            .property(window, self.atoms.pid, AtomEnum::CARDINAL)?
            .get(..4)
            .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
        Ok(Described {
            class: self.class(window)?,
            title: title.trim().to_owned(),
            pid,
        })
    }
}

/// One connection kept between calls, opened on first use and again after an error.
#[derive(Default)]
pub(crate) struct KeptLink(Mutex<Option<Link>>);

impl KeptLink {
    /// Runs `read` on the connection; an [`WindowSensorError::Unavailable`] answer drops the
    /// connection so the next call opens a fresh one.
    pub fn with<T>(
        &self,
        read: impl FnOnce(&Link) -> Result<T, WindowSensorError>,
    ) -> Result<T, WindowSensorError> {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(Link::open()?);
        }
        let result = read(guard.as_ref().expect("opened above"));
        if matches!(result, Err(WindowSensorError::Unavailable(_))) {
            *guard = None;
        }
        result
    }
}
