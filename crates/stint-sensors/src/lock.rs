//! A locked screen and sleep count as idle from their start (DESIGN.md, idle rules). On
//! Linux systemd-logind says both on the system bus: the manager's `PrepareForSleep(true)`
//! before a suspend and `(false)` after it, the session's `Lock` and `Unlock` signals
//! (what `loginctl lock-session` and idle policies send) and its `LockedHint` property
//! (what GNOME, KDE and others set while their lock screen is up). A thread of its own
//! with a one-thread runtime waits on the bus; nothing polls.

use std::sync::Arc;

/// What the session did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockEvent {
    Locked,
    Unlocked,
    /// The machine is about to sleep.
    Sleeping,
    /// The machine woke (the user may not be back yet).
    Woke,
    /// The signals stopped (the system bus went away): whatever was locked or asleep is
    /// no longer known.
    Gone,
}

/// Something that tells when the screen locks and the machine sleeps.
pub trait LockSource: Send + Sync {
    /// Starts calling `on_event`, from another thread, at each lock, unlock, sleep and
    /// wake.
    ///
    /// # Errors
    /// Why it cannot (no system bus, no logind): the agent tells the user once.
    fn watch(&self, on_event: Arc<dyn Fn(LockEvent) + Send + Sync>) -> Result<(), String>;
}

/// systemd-logind over D-Bus. The system bus is `DBUS_SYSTEM_BUS_ADDRESS` where set (tests
/// play logind on a private bus), else the standard one.
#[cfg(target_os = "linux")]
#[derive(Debug, Default, Clone, Copy)]
pub struct Logind;

#[cfg(target_os = "linux")]
mod logind {
    use super::*;
    use futures_util::StreamExt;
    use zbus::zvariant::OwnedObjectPath;

    const LOGIN1: &str = "org.freedesktop.login1";

    async fn session_path(conn: &zbus::Connection) -> zbus::Result<OwnedObjectPath> {
        let manager = zbus::Proxy::new(
            conn,
            LOGIN1,
            "/org/freedesktop/login1",
            "org.freedesktop.login1.Manager",
        )
        .await?;
        // The session this process belongs to; "auto" is logind's own pick for a process
        // started outside one (a systemd user service): the user's graphical session.
        match std::env::var("XDG_SESSION_ID") {
            Ok(id) if !id.is_empty() => manager.call("GetSession", &(id,)).await,
            _ => match manager.call("GetSession", &("auto",)).await {
                Ok(path) => Ok(path),
                Err(_) => {
                    manager
                        .call("GetSessionByPID", &(std::process::id(),))
                        .await
                }
            },
        }
    }

    /// Connects and subscribes, says on `ready` whether that worked, then passes on what
    /// the bus says until it closes.
    async fn follow(
        on_event: Arc<dyn Fn(LockEvent) + Send + Sync>,
        ready: std::sync::mpsc::Sender<Result<(), String>>,
    ) {
        let setup = async {
            let conn = zbus::Connection::system().await?;
            let manager = zbus::Proxy::new(
                &conn,
                LOGIN1,
                "/org/freedesktop/login1",
                "org.freedesktop.login1.Manager",
            )
            .await?;
            let path = session_path(&conn).await?;
            let session: zbus::Proxy<'static> = zbus::proxy::Builder::new(&conn)
                .destination(LOGIN1)?
                .path(path)?
                .interface("org.freedesktop.login1.Session")?
                .cache_properties(zbus::proxy::CacheProperties::No)
                .build()
                .await?;
            let sleep = manager.receive_signal("PrepareForSleep").await?;
            let lock = session.receive_signal("Lock").await?;
            let unlock = session.receive_signal("Unlock").await?;
            let properties = zbus::fdo::PropertiesProxy::builder(&conn)
                .destination(LOGIN1)?
                .path(session.path().to_owned())?
                .build()
                .await?;
            let changes = properties.receive_properties_changed().await?;
            zbus::Result::Ok((conn, sleep, lock, unlock, changes))
        };
        let (conn, mut sleep, mut lock, mut unlock, mut changes) = match setup.await {
            Ok(streams) => {
                let _ = ready.send(Ok(()));
                streams
            }
            Err(e) => {
                let _ = ready.send(Err(format!(
                    "Stint cannot see a locked screen or sleep here (systemd-logind did not \
                     answer: {e}); after the idle threshold without input the time is still \
                     asked about."
                )));
                return;
            }
        };
        let _keep = conn;
        loop {
            let event = tokio::select! {
                Some(m) = sleep.next() => match m.body().deserialize::<bool>() {
                    Ok(true) => Some(LockEvent::Sleeping),
                    Ok(false) => Some(LockEvent::Woke),
                    Err(_) => None,
                },
                Some(_) = lock.next() => Some(LockEvent::Locked),
                Some(_) = unlock.next() => Some(LockEvent::Unlocked),
                Some(changed) = changes.next() => changed.args().ok().and_then(|args| {
                    if args.interface_name() != "org.freedesktop.login1.Session" {
                        return None;
                    }
                    let hint = args.changed_properties().get("LockedHint")?;
                    match bool::try_from(hint) {
                        Ok(true) => Some(LockEvent::Locked),
                        Ok(false) => Some(LockEvent::Unlocked),
                        Err(_) => None,
                    }
                }),
                else => {
                    tracing::warn!("the system bus closed: locks and sleep are no longer seen");
                    on_event(LockEvent::Gone);
                    return;
                }
            };
            if let Some(event) = event {
                tracing::debug!(?event, "session");
                on_event(event);
            }
        }
    }

    impl LockSource for Logind {
        fn watch(&self, on_event: Arc<dyn Fn(LockEvent) + Send + Sync>) -> Result<(), String> {
            let (ready, answer) = std::sync::mpsc::channel();
            std::thread::Builder::new()
                .name("stint-logind".into())
                .spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    match runtime {
                        Ok(rt) => rt.block_on(follow(on_event, ready)),
                        Err(e) => {
                            let _ = ready.send(Err(e.to_string()));
                        }
                    }
                })
                .map_err(|e| e.to_string())?;
            answer
                .recv_timeout(std::time::Duration::from_secs(10))
                .map_err(|_| "systemd-logind did not answer within 10 seconds".to_owned())?
        }
    }
}
