//! Small Wayland clients for what compositors tell through their own protocols: idle time
//! (`ext-idle-notify-v1`, `org_kde_kwin_idle`), the window in front
//! (`wlr-foreign-toplevel-management`) and the screens (`wlr-screencopy`). Each opens its
//! own connection to `WAYLAND_DISPLAY`; the ones that follow events keep a thread blocked
//! on it, so nothing polls.

/// Each client reads the globals once at start (`registry_queue_init`) and ignores the
/// registry's later events: a global that comes or goes is not followed (outputs are read
/// afresh for each screenshot).
macro_rules! ignore_registry_events {
    ($state:ty) => {
        impl
            wayland_client::Dispatch<
                wayland_client::protocol::wl_registry::WlRegistry,
                wayland_client::globals::GlobalListContents,
            > for $state
        {
            fn event(
                _: &mut Self,
                _: &wayland_client::protocol::wl_registry::WlRegistry,
                _: wayland_client::protocol::wl_registry::Event,
                _: &wayland_client::globals::GlobalListContents,
                _: &wayland_client::Connection,
                _: &wayland_client::QueueHandle<Self>,
            ) {
            }
        }
    };
}

pub mod idle;
pub mod outputs;
pub mod reconnect;
pub mod screencopy;
pub mod toplevel;

use wayland_client::globals::{registry_queue_init, GlobalList, GlobalListContents};
use wayland_client::protocol::wl_registry::WlRegistry;
use wayland_client::{Connection, Dispatch, EventQueue};

pub use outputs::{monitors, outputs, OutputLayout};

/// How long a compositor has to answer a connection's first round trips.
pub const ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs `work` on a thread of its own and waits at most [`ANSWER_WITHIN`] for it: a
/// compositor that accepts a connection but never answers (stopped, hung) is said so
/// instead of holding the caller. Such a thread is left to end or hang by itself.
///
/// # Errors
/// `work`'s own, or a sentence that the compositor did not answer.
pub(crate) fn answered<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("stint-wl-connect".into())
        .spawn(move || {
            let _ = tx.send(work());
        })
        .map_err(|e| e.to_string())?;
    rx.recv_timeout(ANSWER_WITHIN).unwrap_or_else(|_| {
        Err(format!(
            "the Wayland compositor did not answer within {} seconds",
            ANSWER_WITHIN.as_secs()
        ))
    })
}

/// Whether a Wayland display is named: `WAYLAND_DISPLAY` set and not empty.
pub fn display_named() -> bool {
    std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty())
}

/// Connects to the compositor and reads its globals.
///
/// # Errors
/// A sentence: no display named, or the compositor does not answer.
pub(crate) fn connect<S>() -> Result<(Connection, GlobalList, EventQueue<S>), String>
where
    S: Dispatch<WlRegistry, GlobalListContents> + 'static,
{
    if !display_named() {
        return Err("no Wayland display (WAYLAND_DISPLAY is not set)".into());
    }
    let conn = Connection::connect_to_env()
        .map_err(|e| format!("cannot connect to the Wayland compositor: {e}"))?;
    let (globals, queue) = registry_queue_init::<S>(&conn)
        .map_err(|e| format!("the Wayland compositor did not list its globals: {e}"))?;
    Ok((conn, globals, queue))
}

/// Only lists the globals.
struct Globals;

ignore_registry_events!(Globals);

/// The interfaces the compositor offers, by name (for session detection).
///
/// # Errors
/// As [`connect`].
pub fn offered_globals() -> Result<Vec<String>, String> {
    answered(|| {
        let (_conn, globals, _queue) = connect::<Globals>()?;
        Ok(globals.contents().with_list(|list| {
            let mut names: Vec<String> = list.iter().map(|g| g.interface.clone()).collect();
            names.sort();
            names.dedup();
            names
        }))
    })
}
