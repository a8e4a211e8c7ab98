//! Idle time on GNOME's Wayland session, from Mutter's `org.gnome.Mutter.IdleMonitor` on
//! the session bus (the screen saver's interface tells only whether it is active). Two
//! watches, no polling: `AddIdleWatch(resolution)` fires once the user has been idle that
//! long, then `AddUserActiveWatch` fires once at their next input. A thread of its own with
//! a one-thread runtime waits on the bus.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;

use crate::idle::{IdleSensorError, IdleSource};
use crate::notified::NotifiedIdle;

const MUTTER: &str = "org.gnome.Mutter.IdleMonitor";
const CORE: &str = "/org/gnome/Mutter/IdleMonitor/Core";

/// Idle time from Mutter's idle monitor.
pub struct MutterIdle {
    state: Arc<NotifiedIdle>,
}

/// The watches on one Mutter: set up, then followed until Mutter's name changes owner
/// (GNOME Shell restarted) or the bus closes.
async fn watch_one(
    conn: &zbus::Connection,
    dbus: &zbus::fdo::DBusProxy<'_>,
    state: &NotifiedIdle,
    owner_changed: &mut zbus::fdo::NameOwnerChangedStream,
    ready: &mut Option<std::sync::mpsc::Sender<Result<(), String>>>,
) -> Result<(), String> {
    let resolution_ms = u64::try_from(state.resolution().as_millis()).unwrap_or(u64::MAX);
    let setup = async {
        let name = zbus::names::BusName::try_from(MUTTER)?;
        let owner = dbus.get_name_owner(name).await?.to_string();
        let monitor = zbus::Proxy::new(conn, MUTTER, CORE, MUTTER).await?;
        let fired = monitor.receive_signal("WatchFired").await?;
        let idle_watch: u32 = monitor.call("AddIdleWatch", &(resolution_ms,)).await?;
        let idle_now: u64 = monitor.call("GetIdletime", &()).await?;
        zbus::Result::Ok((owner, monitor, fired, idle_watch, idle_now))
    };
    let (owner, monitor, mut fired, idle_watch, idle_now) = setup
        .await
        .map_err(|e| format!("GNOME's idle monitor did not answer: {e}"))?;
    state.repaired();
    let mut active_watch = None;
    if idle_now >= resolution_ms {
        state.idled(Duration::from_millis(idle_now));
        active_watch = monitor.call("AddUserActiveWatch", &()).await.ok();
    }
    if let Some(ready) = ready.take() {
        let _ = ready.send(Ok(()));
    }
    loop {
        tokio::select! {
            message = fired.next() => {
                let Some(message) = message else {
                    return Err("the session bus closed".into());
                };
                let Ok(id) = message.body().deserialize::<u32>() else {
                    continue;
                };
                if id == idle_watch {
                    state.idled(state.resolution());
                    active_watch = Some(
                        monitor
                            .call::<_, _, u32>("AddUserActiveWatch", &())
                            .await
                            .map_err(|e| format!("GNOME's idle monitor stopped answering: {e}"))?,
                    );
                } else if Some(id) == active_watch {
                    // A user-active watch fires once and is gone.
                    active_watch = None;
                    state.resumed();
                }
            }
            changed = owner_changed.next() => {
                let Some(changed) = changed else {
                    return Err("the session bus closed".into());
                };
                let still_ours = changed
                    .args()
                    .is_ok_and(|a| a.new_owner().as_ref().is_some_and(|n| n.as_str() == owner));
                if !still_ours {
                    // Its watches went with the old owner.
                    return Ok(());
                }
            }
        }
    }
}

/// Follows Mutter's idle monitor for as long as the session bus lives: when GNOME Shell
/// restarts, the watches are set again on the new one; while none owns the name, idle
/// time reads as an error that says so.
async fn follow(state: Arc<NotifiedIdle>, ready: std::sync::mpsc::Sender<Result<(), String>>) {
    let mut ready = Some(ready);
    let setup = async {
        let conn = zbus::Connection::session().await?;
        let dbus = zbus::fdo::DBusProxy::new(&conn).await?;
        let changes = dbus
            .receive_name_owner_changed_with_args(&[(0, MUTTER)])
            .await?;
        zbus::Result::Ok((conn, dbus, changes))
    };
    let (conn, dbus, mut owner_changed) = match setup.await {
        Ok(set) => set,
        Err(e) => {
            let _ = ready
                .take()
                .map(|r| r.send(Err(format!("no session bus for GNOME's idle monitor: {e}"))));
            return;
        }
    };
    loop {
        match watch_one(&conn, &dbus, &state, &mut owner_changed, &mut ready).await {
            Ok(()) => tracing::info!("GNOME's idle monitor changed hands; watching the new one"),
            Err(e) => {
                if let Some(ready) = ready.take() {
                    let _ = ready.send(Err(e));
                    return;
                }
                if e.contains("bus closed") {
                    state.broke(e);
                    return;
                }
                state.broke(format!(
                    "GNOME's idle monitor went away ({e}); Stint watches again when it is back"
                ));
                // Until a new owner comes.
                loop {
                    let name = zbus::names::BusName::try_from(MUTTER).expect("a valid name");
                    if dbus.name_has_owner(name).await.unwrap_or(false) {
                        break;
                    }
                    if owner_changed.next().await.is_none() {
                        return;
                    }
                }
            }
        }
    }
}

impl MutterIdle {
    /// Connects to the session bus and sets the watches; `resolution` (clamped to
    /// 1 s..=1 h) is the idle watch's interval.
    ///
    /// # Errors
    /// No session bus, or no Mutter on it (the message says which).
    pub fn connect(resolution: Duration) -> Result<MutterIdle, IdleSensorError> {
        let resolution = resolution.clamp(Duration::from_secs(1), Duration::from_secs(3600));
        let state = Arc::new(NotifiedIdle::new(resolution));
        let (ready, answer) = std::sync::mpsc::channel();
        let thread_state = state.clone();
        std::thread::Builder::new()
            .name("stint-gnome-idle".into())
            .spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt.block_on(follow(thread_state, ready)),
                    Err(e) => {
                        let _ = ready.send(Err(e.to_string()));
                    }
                }
            })
            .map_err(|e| IdleSensorError::Unavailable(e.to_string()))?;
        answer
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| {
                IdleSensorError::Unavailable(
                    "GNOME's idle monitor did not answer within 10 seconds".into(),
                )
            })?
            .map_err(IdleSensorError::Unavailable)?;
        Ok(MutterIdle { state })
    }
}

impl IdleSource for MutterIdle {
    fn idle_for(&self) -> Result<Duration, IdleSensorError> {
        self.state.idle_for()
    }

    fn on_next_input(&self, on_input: Box<dyn FnOnce() + Send>) -> bool {
        self.state.on_next_input(on_input)
    }
}
