//! The foreground window: its app, title and process, read from the window manager's
//! EWMH properties over x11rb. [`X11ActiveWindow::watch`] follows it without polling: a
//! thread of its own waits for PropertyNotify on the root window's `_NET_ACTIVE_WINDOW` and
//! on the active window's title, and says when either changed. The title is `_NET_WM_NAME` (UTF-8) where set, else the
//! older `WM_NAME` (xterm and other plain X programs set only that); the app is the
//! `WM_CLASS` class, else the process name from `_NET_WM_PID`.

use std::sync::Mutex;

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{Atom, AtomEnum, ConnectionExt as _, Window};
use x11rb::rust_connection::RustConnection;

use crate::window::{ActiveWindowSource, Foreground, WindowSensorError};

struct Atoms {
    active: Atom,
    net_name: Atom,
    utf8: Atom,
    pid: Atom,
}

struct Link {
    conn: RustConnection,
    root: Window,
    atoms: Atoms,
}

/// One kept connection, reopened after an error.
#[derive(Default)]
pub struct X11ActiveWindow {
    link: Mutex<Option<Link>>,
}

fn err(e: impl std::fmt::Display) -> WindowSensorError {
    WindowSensorError::Unavailable(format!("the X server did not answer: {e}"))
}

impl Link {
    fn open() -> Result<Link, WindowSensorError> {
        if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
            return Err(WindowSensorError::NoDisplay);
        }
        let (conn, screen) = x11rb::connect(None).map_err(err)?;
        let root = conn.setup().roots[screen].root;
        let intern = |name: &[u8]| -> Result<Atom, WindowSensorError> {
            Ok(conn
                .intern_atom(false, name)
                .map_err(err)?
                .reply()
                .map_err(err)?
                .atom)
        };
        let atoms = Atoms {
            active: intern(b"_NET_ACTIVE_WINDOW")?,
            net_name: intern(b"_NET_WM_NAME")?,
            utf8: intern(b"UTF8_STRING")?,
            pid: intern(b"_NET_WM_PID")?,
        };
        Ok(Link { conn, root, atoms })
    }

    fn property(
        &self,
        window: Window,
        atom: Atom,
        kind: impl Into<Atom>,
    ) -> Result<Vec<u8>, WindowSensorError> {
        let reply = self
            .conn
            .get_property(false, window, atom, kind, 0, 4096)
            .map_err(err)?
            .reply()
            .map_err(err)?;
        Ok(reply.value)
    }

    fn foreground(&self) -> Result<Option<Foreground>, WindowSensorError> {
        let supported = self
            .conn
            .get_property(false, self.root, self.atoms.active, AtomEnum::WINDOW, 0, 1)
            .map_err(err)?
            .reply()
            .map_err(err)?;
        if supported.type_ == u32::from(AtomEnum::NONE) {
            return Err(WindowSensorError::NoWindowManager);
        }
        let Some(window) = supported
            .value32()
            .and_then(|mut v| v.next())
            .filter(|w| *w != 0)
        else {
            return Ok(None);
        };
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
        let class = self.property(window, AtomEnum::WM_CLASS.into(), AtomEnum::STRING)?;
        let class_name = class
            .split(|b| *b == 0)
            .filter(|s| !s.is_empty())
            .nth(1)
            .map(|s| String::from_utf8_lossy(s).into_owned());
        let pid = self
            .property(window, self.atoms.pid, AtomEnum::CARDINAL)?
            .get(..4)
            .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
        let process_path = pid.and_then(|p| std::fs::read_link(format!("/proc/{p}/exe")).ok());
        let process_name = pid.and_then(|p| {
            std::fs::read_to_string(format!("/proc/{p}/comm"))
                .ok()
                .map(|s| s.trim().to_owned())
        });
        let app = class_name
            .or(process_name)
            .unwrap_or_else(|| "unknown".to_owned());
        Ok(Some(Foreground {
            app,
            title: title.trim().to_owned(),
            process_path,
        }))
    }
}

/// Waits for the active window or its title to change and calls `on_change`, until the
/// X connection ends. The active window is watched on a connection of its own, so the
/// events never wait behind another reader.
fn watch_changes(link: &Link, on_change: &(dyn Fn() + Send + Sync)) -> Result<(), String> {
    use x11rb::protocol::xproto::{ChangeWindowAttributesAux, EventMask};
    use x11rb::protocol::Event;
    let select = |window: Window, mask: EventMask| {
        let aux = ChangeWindowAttributesAux::new().event_mask(mask);
        link.conn
            .change_window_attributes(window, &aux)
            .map(drop)
            .map_err(|e| e.to_string())
    };
    select(link.root, EventMask::PROPERTY_CHANGE)?;
    let active = || -> Option<Window> {
        let reply = link
            .conn
            .get_property(false, link.root, link.atoms.active, AtomEnum::WINDOW, 0, 1)
            .ok()?
            .reply()
            .ok()?;
        let window = reply.value32()?.next().filter(|w| *w != 0);
        window
    };
    let mut followed = active();
    if let Some(w) = followed {
        select(w, EventMask::PROPERTY_CHANGE)?;
    }
    link.conn.flush().map_err(|e| e.to_string())?;
    loop {
        let event = link.conn.wait_for_event().map_err(|e| e.to_string())?;
        let Event::PropertyNotify(notify) = event else {
            // A followed window that closed answers with an error: nothing to do.
            continue;
        };
        if notify.window == link.root && notify.atom == link.atoms.active {
            let now_active = active();
            if now_active != followed {
                if let Some(old) = followed {
                    let _ = select(old, EventMask::NO_EVENT);
                }
                if let Some(new) = now_active {
                    let _ = select(new, EventMask::PROPERTY_CHANGE);
                }
                link.conn.flush().map_err(|e| e.to_string())?;
                followed = now_active;
            }
            on_change();
        } else if Some(notify.window) == followed
            && (notify.atom == link.atoms.net_name || notify.atom == u32::from(AtomEnum::WM_NAME))
        {
            on_change();
        }
    }
}

impl ActiveWindowSource for X11ActiveWindow {
    fn watch(&self, on_change: std::sync::Arc<dyn Fn() + Send + Sync>) -> bool {
        let link = match Link::open() {
            Ok(link) => link,
            Err(e) => {
                tracing::info!("the window in front cannot be watched: {e}");
                return false;
            }
        };
        let started = std::thread::Builder::new()
            .name("stint-x11-windows".into())
            .spawn(move || {
                if let Err(e) = watch_changes(&link, on_change.as_ref()) {
                    tracing::warn!("stopped watching the window in front: {e}");
                }
                // Whoever reads next sees the error and says so.
                on_change();
            });
        started.is_ok()
    }

    fn foreground(&self) -> Result<Option<Foreground>, WindowSensorError> {
        let mut guard = self.link.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(Link::open()?);
        }
        let result = guard.as_ref().expect("opened above").foreground();
        if matches!(result, Err(WindowSensorError::Unavailable(_))) {
            *guard = None;
        }
        result
    }
}
