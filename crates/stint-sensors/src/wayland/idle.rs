//! Idle time on Wayland compositors that announce it: `ext-idle-notify-v1` (KDE Plasma 6,
//! sway 1.8+, Hyprland, …; version 2's input-only notification where offered, so a playing
//! video that inhibits the screen saver does not count as presence) or the older
//! `org_kde_kwin_idle` (KDE Plasma 5, sway 1.7). One notification with the resolution as
//! its timeout; a thread blocks on the connection and records what it hears.

use std::sync::Arc;
use std::time::Duration;

use wayland_client::protocol::wl_seat::WlSeat;
use wayland_client::{delegate_noop, Connection, Dispatch, QueueHandle};
use wayland_protocols::ext::idle_notify::v1::client::ext_idle_notification_v1::{
    self, ExtIdleNotificationV1,
};
use wayland_protocols::ext::idle_notify::v1::client::ext_idle_notifier_v1::ExtIdleNotifierV1;
use wayland_protocols_plasma::idle::client::org_kde_kwin_idle::OrgKdeKwinIdle;
use wayland_protocols_plasma::idle::client::org_kde_kwin_idle_timeout::{
    self, OrgKdeKwinIdleTimeout,
};

use crate::idle::{IdleSensorError, IdleSource};
use crate::notified::NotifiedIdle;

/// Which protocol a [`WaylandIdle`] listens to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdleProtocol {
    /// `ext_idle_notifier_v1` (the standard one).
    ExtIdleNotify,
    /// `org_kde_kwin_idle` (older KDE and wlroots compositors).
    KdeIdle,
}

/// Idle time from the compositor's idle notifications.
pub struct WaylandIdle {
    state: Arc<NotifiedIdle>,
    protocol: IdleProtocol,
}

struct Listener {
    state: Arc<NotifiedIdle>,
}

ignore_registry_events!(Listener);

delegate_noop!(Listener: ignore WlSeat);
delegate_noop!(Listener: ExtIdleNotifierV1);
delegate_noop!(Listener: OrgKdeKwinIdle);

impl Dispatch<ExtIdleNotificationV1, ()> for Listener {
    fn event(
        listener: &mut Self,
        _: &ExtIdleNotificationV1,
        event: ext_idle_notification_v1::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        match event {
            ext_idle_notification_v1::Event::Idled => {
                listener.state.idled(listener.state.resolution())
            }
            ext_idle_notification_v1::Event::Resumed => listener.state.resumed(),
            _ => {}
        }
    }
}

impl Dispatch<OrgKdeKwinIdleTimeout, ()> for Listener {
    fn event(
        listener: &mut Self,
        _: &OrgKdeKwinIdleTimeout,
        event: org_kde_kwin_idle_timeout::Event,
        _: &(),
        _: &Connection,
        _: &QueueHandle<Self>,
    ) {
        match event {
            org_kde_kwin_idle_timeout::Event::Idle => {
                listener.state.idled(listener.state.resolution())
            }
            org_kde_kwin_idle_timeout::Event::Resumed => listener.state.resumed(),
            _ => {}
        }
    }
}

impl WaylandIdle {
    /// Connects and asks to be told after `resolution` without input (clamped to
    /// 1 s..=1 h). A thread named `stint-wl-idle` then waits on the connection.
    ///
    /// # Errors
    /// No Wayland display, or the compositor offers neither protocol (the message says so).
    pub fn connect(resolution: Duration) -> Result<WaylandIdle, IdleSensorError> {
        super::answered(move || Self::open(resolution).map_err(|e| e.to_string()))
            .map_err(IdleSensorError::Unavailable)
    }

    fn open(resolution: Duration) -> Result<WaylandIdle, IdleSensorError> {
        let resolution = resolution.clamp(Duration::from_secs(1), Duration::from_secs(3600));
        let (_conn, globals, mut queue) =
            super::connect::<Listener>().map_err(IdleSensorError::Unavailable)?;
        let qh = queue.handle();
        let seat: WlSeat = globals.bind(&qh, 1..=1, ()).map_err(|e| {
            IdleSensorError::Unavailable(format!("the compositor has no seat: {e}"))
        })?;
        let timeout = u32::try_from(resolution.as_millis()).unwrap_or(u32::MAX);
        let protocol = if let Ok(notifier) = globals.bind::<ExtIdleNotifierV1, _, _>(&qh, 1..=2, ())
        {
            // Version 2's input-only notification ignores idle inhibitors (a video).
            if notifier.version() >= 2 {
                notifier.get_input_idle_notification(timeout, &seat, &qh, ());
            } else {
                notifier.get_idle_notification(timeout, &seat, &qh, ());
            }
            IdleProtocol::ExtIdleNotify
        } else if let Ok(idle) = globals.bind::<OrgKdeKwinIdle, _, _>(&qh, 1..=1, ()) {
            idle.get_idle_timeout(&seat, timeout, &qh, ());
            IdleProtocol::KdeIdle
        } else {
            return Err(IdleSensorError::Unavailable(
                "the compositor does not tell idle time (it offers neither \
                 ext-idle-notify-v1 nor org_kde_kwin_idle)"
                    .into(),
            ));
        };
        let state = Arc::new(NotifiedIdle::new(resolution));
        let mut listener = Listener {
            state: state.clone(),
        };
        queue
            .roundtrip(&mut listener)
            .map_err(|e| IdleSensorError::Unavailable(e.to_string()))?;
        std::thread::Builder::new()
            .name("stint-wl-idle".into())
            .spawn(move || loop {
                if let Err(e) = queue.blocking_dispatch(&mut listener) {
                    tracing::warn!("stopped listening for idle time: {e}");
                    listener
                        .state
                        .broke(format!("the Wayland connection ended: {e}"));
                    return;
                }
            })
            .map_err(|e| IdleSensorError::Unavailable(e.to_string()))?;
        Ok(WaylandIdle { state, protocol })
    }

    pub fn protocol(&self) -> IdleProtocol {
        self.protocol
    }
}

use wayland_client::Proxy as _;

impl IdleSource for WaylandIdle {
    fn idle_for(&self) -> Result<Duration, IdleSensorError> {
        self.state.idle_for()
    }

    fn on_next_input(&self, on_input: Box<dyn FnOnce() + Send>) -> bool {
        self.state.on_next_input(on_input)
    }
}
