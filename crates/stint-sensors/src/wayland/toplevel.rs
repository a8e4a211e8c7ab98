//! The window in front on wlroots compositors (sway, Hyprland, labwc, river, Wayfire…)
//! through `wlr-foreign-toplevel-management-unstable-v1`, the protocol taskbars use: the
//! compositor lists every toplevel with its title and app id and says which one is
//! activated. A thread blocks on the connection, keeps the list, and calls the watcher when
//! the activated window or its title changes. The protocol gives no process, so
//! `process_path` stays `None`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use wayland_client::{event_created_child, Connection, Dispatch, Proxy, QueueHandle};
use wayland_protocols_wlr::foreign_toplevel::v1::client::zwlr_foreign_toplevel_handle_v1::{
    self, ZwlrForeignToplevelHandleV1,
};
use wayland_protocols_wlr::foreign_toplevel::v1::client::zwlr_foreign_toplevel_manager_v1::{
    self, ZwlrForeignToplevelManagerV1,
};

use crate::window::{ActiveWindowSource, Foreground, WindowSensorError};

type OnChange = Arc<dyn Fn() + Send + Sync>;

/// One toplevel as last said in full (`done`), and what is pending until the next `done`.
#[derive(Default, Clone)]
struct Toplevel {
    title: String,
    app_id: String,
    activated: bool,
}

#[derive(Default)]
struct Windows {
    shown: HashMap<u32, Toplevel>,
    pending: HashMap<u32, Toplevel>,
    broken: Option<String>,
    on_change: Option<OnChange>,
}

impl Windows {
    fn front(&self) -> Option<&Toplevel> {
        self.shown.values().find(|t| t.activated)
    }
}

struct Listener {
    windows: Arc<Mutex<Windows>>,
}

fn lock(windows: &Mutex<Windows>) -> std::sync::MutexGuard<'_, Windows> {
    windows.lock().unwrap_or_else(|p| p.into_inner())
}

ignore_registry_events!(Listener);

impl Dispatch<ZwlrForeignToplevelManagerV1, ()> for Listener {
    fn event(
        listener: &mut Self,
        _: &ZwlrForeignToplevelManagerV1,
        event: zwlr_foreign_toplevel_manager_v1::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        if let zwlr_foreign_toplevel_manager_v1::Event::Finished = event {
            lock(&listener.windows).broken = Some("the compositor stopped listing windows".into());
        }
    }

    event_created_child!(Listener, ZwlrForeignToplevelManagerV1, [
        zwlr_foreign_toplevel_manager_v1::EVT_TOPLEVEL_OPCODE => (ZwlrForeignToplevelHandleV1, ()),
    ]);
}

impl Dispatch<ZwlrForeignToplevelHandleV1, ()> for Listener {
    fn event(
        listener: &mut Self,
        handle: &ZwlrForeignToplevelHandleV1,
        event: zwlr_foreign_toplevel_handle_v1::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        use zwlr_foreign_toplevel_handle_v1::Event;
        let id = handle.id().protocol_id();
        let mut windows = lock(&listener.windows);
        let before = windows.front().cloned().map(|t| (t.title, t.app_id));
        match event {
            Event::Title { title } => {
                let shown = windows.shown.get(&id).cloned().unwrap_or_default();
                windows.pending.entry(id).or_insert(shown).title = title;
            }
            Event::AppId { app_id } => {
                let shown = windows.shown.get(&id).cloned().unwrap_or_default();
                windows.pending.entry(id).or_insert(shown).app_id = app_id;
            }
            Event::State { state } => {
                // An array of native-endian u32 states; 2 is "activated".
                let activated = state
                    .chunks_exact(4)
                    .filter_map(|c| <[u8; 4]>::try_from(c).ok())
                    .map(u32::from_ne_bytes)
                    .any(|s| s == zwlr_foreign_toplevel_handle_v1::State::Activated as u32);
                let shown = windows.shown.get(&id).cloned().unwrap_or_default();
                windows.pending.entry(id).or_insert(shown).activated = activated;
            }
            Event::Done => {
                if let Some(pending) = windows.pending.remove(&id) {
                    windows.shown.insert(id, pending);
                }
            }
            Event::Closed => {
                windows.shown.remove(&id);
                windows.pending.remove(&id);
                handle.destroy();
            }
            _ => return,
        }
        let after = windows.front().cloned().map(|t| (t.title, t.app_id));
        let on_change = windows.on_change.clone();
        drop(windows);
        if before != after {
            if let Some(on_change) = on_change {
                on_change();
            }
        }
    }
}

/// The activated toplevel, from the compositor's list.
pub struct WlrForeground {
    windows: Arc<Mutex<Windows>>,
}

impl WlrForeground {
    /// Connects, reads the current list, and starts the thread (`stint-wl-windows`) that
    /// follows it.
    ///
    /// # Errors
    /// No Wayland display, or the compositor does not offer the protocol (GNOME and KDE
    /// do not; the message says what to use there).
    pub fn connect() -> Result<WlrForeground, WindowSensorError> {
        super::answered(|| Self::open().map_err(|e| e.to_string()))
            .map_err(WindowSensorError::Unavailable)
    }

    fn open() -> Result<WlrForeground, WindowSensorError> {
        let (_conn, globals, mut queue) =
            super::connect::<Listener>().map_err(WindowSensorError::Unavailable)?;
        let qh = queue.handle();
        globals
            .bind::<ZwlrForeignToplevelManagerV1, _, _>(&qh, 1..=3, ())
            .map_err(|_| {
                WindowSensorError::Unavailable(
                    "the compositor does not list its windows \
                     (no wlr-foreign-toplevel-management)"
                        .into(),
                )
            })?;
        let windows = Arc::new(Mutex::new(Windows::default()));
        let mut listener = Listener {
            windows: windows.clone(),
        };
        // The first round trip brings the toplevels, the second their titles and states.
        for _ in 0..2 {
            queue
                .roundtrip(&mut listener)
                .map_err(|e| WindowSensorError::Unavailable(e.to_string()))?;
        }
        std::thread::Builder::new()
            .name("stint-wl-windows".into())
            .spawn(move || loop {
                if let Err(e) = queue.blocking_dispatch(&mut listener) {
                    tracing::warn!("stopped following the window in front: {e}");
                    let on_change = {
                        let mut windows = lock(&listener.windows);
                        windows.broken = Some(format!("the Wayland connection ended: {e}"));
                        windows.on_change.clone()
                    };
                    if let Some(on_change) = on_change {
                        on_change();
                    }
                    return;
                }
            })
            .map_err(|e| WindowSensorError::Unavailable(e.to_string()))?;
        Ok(WlrForeground { windows })
    }
}

impl ActiveWindowSource for WlrForeground {
    fn foreground(&self) -> Result<Option<Foreground>, WindowSensorError> {
        let windows = lock(&self.windows);
        if let Some(why) = &windows.broken {
            return Err(WindowSensorError::Unavailable(why.clone()));
        }
        Ok(windows.front().map(|t| Foreground {
            app: if t.app_id.is_empty() {
                "unknown".to_owned()
            } else {
                t.app_id.clone()
            },
            title: t.title.trim().to_owned(),
            process_path: None,
        }))
    }

    fn watch(&self, on_change: Arc<dyn Fn() + Send + Sync>) -> bool {
        lock(&self.windows).on_change = Some(on_change);
        true
    }
}
