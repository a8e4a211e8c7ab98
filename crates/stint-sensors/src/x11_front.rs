//! Which app is in front on each monitor on X11 ([`FrontWindows`]): the stacking order is
//! walked from the top until every monitor has its window.
//!
//! The order is the window manager's `_NET_CLIENT_LIST_STACKING` (its managed windows,
//! bottom to top) when a live EWMH window manager publishes it (`_NET_SUPPORTING_WM_CHECK`
//! names a window that names itself: a manager that died leaves a stale list behind).
//! Otherwise it is the X server's own order of the root's children (`QueryTree`, bottom to
//! top): top-level windows, or a reparenting manager's frames, whose app is read from the
//! client inside (the window itself when it carries `WM_STATE`, else a child carrying
//! `WM_STATE`, else the window's own `WM_CLASS`, else a child's `WM_CLASS`).
//!
//! A window counts when it is viewable (mapped, and so is every window around it: a
//! minimised window or one on another workspace is unmapped), is an InputOutput window,
//! is not iconic (`WM_STATE`) nor hidden (`_NET_WM_STATE_HIDDEN`; some compositing managers
//! keep minimised windows mapped for their thumbnails), is not the desktop, a panel or a
//! notification (`_NET_WM_WINDOW_TYPE`), and has a `WM_CLASS`, whose class part is the app
//! as [`crate::X11ActiveWindow`] gives it. Its rectangle is its geometry (borders aside)
//! translated to root coordinates. A window that vanishes while it is looked at is passed
//! over.

use x11rb::errors::ReplyError;
use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _, MapState, Window, WindowClass};

use crate::screen::MonitorInfo;
use crate::window::{Foreground, FrontWindows, WindowSensorError};
use crate::x11_link::{err, KeptLink, Link};

/// The X11 [`FrontWindows`]: one kept connection, reopened after an error.
#[derive(Default)]
pub struct X11FrontWindows {
    link: KeptLink,
    tree_only: bool,
}

impl X11FrontWindows {
    /// Reads the X server's stacking order (`QueryTree` on the root) even where the window
    /// manager publishes `_NET_CLIENT_LIST_STACKING`: for a manager whose list cannot be
    /// trusted, and to check one order against the other.
    pub fn reading_the_tree() -> X11FrontWindows {
        X11FrontWindows {
            link: KeptLink::default(),
            tree_only: true,
        }
    }
}

impl FrontWindows for X11FrontWindows {
    fn front_windows(
        &self,
        monitors: &[MonitorInfo],
    ) -> Result<Vec<Option<Foreground>>, WindowSensorError> {
        self.link
            .with(|link| front_windows(link, monitors, self.tree_only))
    }
}

/// A window's rectangle in root coordinates.
#[derive(Debug, Clone, Copy)]
struct Rect {
    x: i64,
    y: i64,
    width: i64,
    height: i64,
}

impl Rect {
    /// Whether the two share a non-zero area.
    fn covers_part_of(&self, m: &MonitorInfo) -> bool {
        let (mx, my) = (i64::from(m.x), i64::from(m.y));
        let (mr, mb) = (mx + i64::from(m.width), my + i64::from(m.height));
        let (r, b) = (self.x + self.width, self.y + self.height);
        self.x.max(mx) < r.min(mr) && self.y.max(my) < b.min(mb)
    }
}

/// An error about one window (it went away, or never was) passes that window over; a
/// broken connection ends the walk.
fn per_window<T>(result: Result<Option<T>, ReplyError>) -> Result<Option<T>, WindowSensorError> {
    match result {
        Ok(v) => Ok(v),
        Err(ReplyError::X11Error(e)) => {
            tracing::trace!("a window passed over: {e:?}");
            Ok(None)
        }
        Err(e) => Err(err(e)),
    }
}

fn front_windows(
    link: &Link,
    monitors: &[MonitorInfo],
    tree_only: bool,
) -> Result<Vec<Option<Foreground>>, WindowSensorError> {
    let mut answers: Vec<Option<Foreground>> = vec![None; monitors.len()];
    let mut open: Vec<usize> = (0..monitors.len())
        .filter(|&i| monitors[i].width > 0 && monitors[i].height > 0)
        .collect();
    if open.is_empty() {
        return Ok(answers);
    }
    let clients = if tree_only {
        None
    } else {
        managed_stack(link).map_err(err)?
    };
    let from_tree = clients.is_none();
    let mut stack = match clients {
        Some(clients) => clients,
        None => {
            link.conn
                .query_tree(link.root)
                .map_err(err)?
                .reply()
                .map_err(err)?
                .children
        }
    };
    // Both orders run bottom to top.
    stack.reverse();
    // Whether each is shown, asked all at once: one round trip for the whole stack.
    let cookies = stack
        .iter()
        .map(|&w| link.conn.get_window_attributes(w))
        .collect::<Result<Vec<_>, _>>()
        .map_err(err)?;
    let mut shown = Vec::new();
    for (window, cookie) in stack.into_iter().zip(cookies) {
        let viewable = per_window(cookie.reply().map(|a| {
            Some(a.map_state == MapState::VIEWABLE && a.class == WindowClass::INPUT_OUTPUT)
        }))?;
        if viewable == Some(true) {
            shown.push(window);
        }
    }
    for window in shown {
        if open.is_empty() {
            break;
        }
        let Some((foreground, hits)) =
            per_window(candidate(link, window, from_tree, monitors, &open))?
        else {
            continue;
        };
        for &i in &hits {
            answers[i] = Some(foreground.clone());
        }
        open.retain(|i| !hits.contains(i));
    }
    Ok(answers)
}

/// The window manager's managed windows, bottom to top; `None` without a live EWMH
/// manager that publishes them.
fn managed_stack(link: &Link) -> Result<Option<Vec<Window>>, ReplyError> {
    let check = link.property32(link.root, link.atoms.supporting_wm_check, AtomEnum::WINDOW)?;
    let Some(&wm) = check.first() else {
        return Ok(None);
    };
    let alive = match link.property32(wm, link.atoms.supporting_wm_check, AtomEnum::WINDOW) {
        Ok(itself) => itself.first() == Some(&wm),
        Err(ReplyError::X11Error(_)) => false,
        Err(e) => return Err(e),
    };
    if !alive {
        return Ok(None);
    }
    let reply = link
        .conn
        .get_property(
            false,
            link.root,
            link.atoms.client_list_stacking,
            AtomEnum::WINDOW,
            0,
            u32::MAX / 4,
        )?
        .reply()?;
    if reply.type_ != u32::from(AtomEnum::WINDOW) {
        return Ok(None);
    }
    Ok(Some(
        reply.value32().map(Iterator::collect).unwrap_or_default(),
    ))
}

/// `window`'s app and the open monitors (indices into `monitors`) it covers part of; `None`
/// when it covers none of them or does not count.
fn candidate(
    link: &Link,
    window: Window,
    from_tree: bool,
    monitors: &[MonitorInfo],
    open: &[usize],
) -> Result<Option<(Foreground, Vec<usize>)>, ReplyError> {
    let geometry = link.conn.get_geometry(window)?;
    let origin = link.conn.translate_coordinates(window, link.root, 0, 0)?;
    let (geometry, origin) = (geometry.reply()?, origin.reply()?);
    let rect = Rect {
        x: i64::from(origin.dst_x),
        y: i64::from(origin.dst_y),
        width: i64::from(geometry.width),
        height: i64::from(geometry.height),
    };
    let hits: Vec<usize> = open
        .iter()
        .copied()
        .filter(|&i| rect.covers_part_of(&monitors[i]))
        .collect();
    if hits.is_empty() {
        return Ok(None);
    }
    let app_window = if from_tree {
        match client_of(link, window)? {
            Some(client) if client == window => client,
            Some(client) => {
                let attrs = link.conn.get_window_attributes(client)?.reply()?;
                if attrs.map_state != MapState::VIEWABLE {
                    return Ok(None);
                }
                client
            }
            None => return Ok(None),
        }
    } else {
        window
    };
    if !is_an_app_shown(link, app_window)? {
        return Ok(None);
    }
    let described = link.describe(app_window)?;
    let process_path = described.process_path();
    let Some(app) = described.class else {
        return Ok(None);
    };
    Ok(Some((
        Foreground {
            app,
            title: described.title,
            process_path,
        },
        hits,
    )))
}

/// The window of a top-level window that names the app: itself when the window manager
/// marked it a client (`WM_STATE`), else a child so marked (inside a frame), else itself
/// when it has a `WM_CLASS` (no window manager), else a child that has one.
fn client_of(link: &Link, window: Window) -> Result<Option<Window>, ReplyError> {
    if link.has_property(window, link.atoms.wm_state)? {
        return Ok(Some(window));
    }
    let mut children = link.conn.query_tree(window)?.reply()?.children;
    // Topmost first.
    children.reverse();
    for &child in &children {
        if link.has_property(child, link.atoms.wm_state)? {
            return Ok(Some(child));
        }
    }
    if link.class(window)?.is_some() {
        return Ok(Some(window));
    }
    for &child in &children {
        if link.class(child)?.is_some() {
            return Ok(Some(child));
        }
    }
    Ok(None)
}

/// Not minimised (iconic or hidden) and an app's own window (not the desktop, a panel or
/// a notification).
fn is_an_app_shown(link: &Link, window: Window) -> Result<bool, ReplyError> {
    const ICONIC: u32 = 3;
    let wm_state = link.property32(window, link.atoms.wm_state, link.atoms.wm_state)?;
    if wm_state.first() == Some(&ICONIC) {
        return Ok(false);
    }
    let states = link.property32(window, link.atoms.net_wm_state, AtomEnum::ATOM)?;
    if states.contains(&link.atoms.state_hidden) {
        return Ok(false);
    }
    let types = link.property32(window, link.atoms.window_type, AtomEnum::ATOM)?;
    Ok(!types.iter().any(|t| link.atoms.not_an_app.contains(t)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn monitor(x: i32, width: u32) -> MonitorInfo {
        MonitorInfo {
            name: String::new(),
            x,
            y: 0,
            width,
            height: 100,
        }
    }

    #[test]
    fn a_rectangle_counts_for_a_monitor_it_shares_area_with() {
        let left = monitor(0, 100);
        let right = monitor(100, 100);
        let across = Rect {
            x: 90,
            y: 10,
            width: 20,
            height: 10,
        };
        assert!(across.covers_part_of(&left) && across.covers_part_of(&right));
        // Touching the edge is no area.
        let edge = Rect {
            x: 100,
            y: 0,
            width: 50,
            height: 100,
        };
        assert!(!edge.covers_part_of(&left) && edge.covers_part_of(&right));
        let above = Rect {
            x: 0,
            y: -50,
            width: 300,
            height: 50,
        };
        assert!(!above.covers_part_of(&left));
        let empty = Rect {
            x: 10,
            y: 10,
            width: 0,
            height: 10,
        };
        assert!(!empty.covers_part_of(&left));
        assert!(!across.covers_part_of(&monitor(0, 0)));
    }
}
