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

async fn follow(state: Arc<NotifiedIdle>, ready: std::sync::mpsc::Sender<Result<(), String>>) {
    let resolution_ms = u64::try_from(state.resolution().as_millis()).unwrap_or(u64::MAX);
    let setup = async {
        let conn = zbus::Connection::session().await?;
        let monitor = zbus::Proxy::new(&conn, MUTTER, CORE, MUTTER).await?;
        let fired = monitor.receive_signal("WatchFired").await?;
        let idle_watch: u32 = monitor.call("AddIdleWatch", &(resolution_ms,)).await?;
        let idle_now: u64 = monitor.call("GetIdletime", &()).await?;
        zbus::Result::Ok((conn, monitor, fired, idle_watch, idle_now))
    };
    let (_conn, monitor, mut fired, idle_watch, idle_now) = match setup.await {
        Ok(set) => set,
        Err(e) => {
            let _ = ready.send(Err(format!("GNOME's idle monitor did not answer: {e}")));
            return;
        }
    };
    let mut active_watch = None;
    if idle_now >= resolution_ms {
        state.idled(Duration::from_millis(idle_now));
        active_watch = monitor.call("AddUserActiveWatch", &()).await.ok();
    }
    let _ = ready.send(Ok(()));
    while let Some(message) = fired.next().await {
        let Ok(id) = message.body().deserialize::<u32>() else {
            continue;
        };
        if id == idle_watch {
            state.idled(state.resolution());
            match monitor.call::<_, _, u32>("AddUserActiveWatch", &()).await {
                Ok(watch) => active_watch = Some(watch),
                Err(e) => {
                    state.broke(format!("GNOME's idle monitor stopped answering: {e}"));
                    return;
                }
            }
        } else if Some(id) == active_watch {
            // A user-active watch fires once and is gone.
            active_watch = None;
            state.resumed();
        }
    }
    state.broke("the session bus closed".into());
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
