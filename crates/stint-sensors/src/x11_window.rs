//! The foreground window: its app, title and process, read from the window manager's
//! EWMH properties over x11rb. [`X11ActiveWindow::watch`] follows it without polling: a
//! thread of its own waits for PropertyNotify on the root window's `_NET_ACTIVE_WINDOW` and
//! on the active window's title, and says when either changed. The title is `_NET_WM_NAME` (UTF-8) where set, else the
//! older `WM_NAME` (xterm and other plain X programs set only that); the app is the
//! `WM_CLASS` class, else the process name from `_NET_WM_PID`.

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _, Window};

use crate::window::{ActiveWindowSource, Foreground, WindowSensorError};
use crate::x11_link::{err, KeptLink, Link};

/// One kept connection, reopened after an error.
#[derive(Default)]
pub struct X11ActiveWindow {
    link: KeptLink,
}

fn foreground(link: &Link) -> Result<Option<Foreground>, WindowSensorError> {
    let supported = link
        .conn
        .get_property(false, link.root, link.atoms.active, AtomEnum::WINDOW, 0, 1)
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
    let described = link.describe(window).map_err(err)?;
    let process_path = described.process_path();
    let app = described
        .class
        .clone()
        .or_else(|| described.process_name())
        .unwrap_or_else(|| "unknown".to_owned());
    Ok(Some(Foreground {
        app,
        title: described.title,
        process_path,
    }))
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
        self.link.with(foreground)
    }
}
