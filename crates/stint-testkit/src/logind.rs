//! systemd-logind played by the test on a private bus used as the system bus: the manager
//! (`GetSession`, `GetSessionByPID`, the `PrepareForSleep` signal) and one session object
//! (`Lock` and `Unlock` signals, the `LockedHint` property), so a test can lock, unlock,
//! suspend and resume without a real login manager.

use std::sync::{Arc, Mutex};

use zbus::object_server::SignalEmitter;
use zbus::zvariant::OwnedObjectPath;

const SESSION: &str = "/org/freedesktop/login1/session/c1";

struct Manager {
    /// What callers asked, for the test to check.
    asked: Arc<Mutex<Vec<String>>>,
}

#[zbus::interface(name = "org.freedesktop.login1.Manager")]
impl Manager {
    async fn get_session(&self, id: &str) -> OwnedObjectPath {
        self.asked.lock().unwrap().push(format!("GetSession({id})"));
        OwnedObjectPath::try_from(SESSION).expect("a valid path")
    }

    #[zbus(name = "GetSessionByPID")]
    async fn get_session_by_pid(&self, pid: u32) -> OwnedObjectPath {
        self.asked
            .lock()
            .unwrap()
            .push(format!("GetSessionByPID({pid})"));
        OwnedObjectPath::try_from(SESSION).expect("a valid path")
    }

    #[zbus(signal)]
    async fn prepare_for_sleep(emitter: &SignalEmitter<'_>, start: bool) -> zbus::Result<()>;
}

struct Session {
    locked_hint: bool,
}

#[zbus::interface(name = "org.freedesktop.login1.Session")]
impl Session {
    #[zbus(property)]
    async fn locked_hint(&self) -> bool {
        self.locked_hint
    }

    #[zbus(signal)]
    async fn lock(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn unlock(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;
}

/// The fake logind; gone with its connection when dropped.
pub struct FakeLogind {
    runtime: tokio::runtime::Runtime,
    conn: zbus::Connection,
    asked: Arc<Mutex<Vec<String>>>,
}

impl FakeLogind {
    /// Owns `org.freedesktop.login1` on the bus at `address`.
    pub fn start(address: &str) -> anyhow::Result<FakeLogind> {
        let runtime = crate::dbus::runtime()?;
        let asked = Arc::new(Mutex::new(Vec::new()));
        let conn = runtime.block_on(async {
            let conn = zbus::connection::Builder::address(address)?
                .name("org.freedesktop.login1")?
                .serve_at(
                    "/org/freedesktop/login1",
                    Manager {
                        asked: asked.clone(),
                    },
                )?
                .serve_at(SESSION, Session { locked_hint: false })?
                .build()
                .await?;
            anyhow::Ok(conn)
        })?;
        Ok(FakeLogind {
            runtime,
            conn,
            asked,
        })
    }

    /// The manager's calls so far (`GetSession(ID)` or `GetSessionByPID(PID)`).
    pub fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }

    /// `PrepareForSleep(true)` (about to sleep) or `(false)` (woke).
    pub fn prepare_for_sleep(&self, start: bool) -> anyhow::Result<()> {
        self.runtime.block_on(async {
            let emitter = SignalEmitter::new(&self.conn, "/org/freedesktop/login1")?;
            Manager::prepare_for_sleep(&emitter, start).await?;
            anyhow::Ok(())
        })
    }

    /// The session's `Lock` or `Unlock` signal.
    pub fn lock(&self, locked: bool) -> anyhow::Result<()> {
        self.runtime.block_on(async {
            let emitter = SignalEmitter::new(&self.conn, SESSION)?;
            if locked {
                Session::lock(&emitter).await?;
            } else {
                Session::unlock(&emitter).await?;
            }
            anyhow::Ok(())
        })
    }

    /// Sets `LockedHint` (what a desktop's lock screen does), telling watchers.
    pub fn set_locked_hint(&self, locked: bool) -> anyhow::Result<()> {
        self.runtime.block_on(async {
            let iface = self
                .conn
                .object_server()
                .interface::<_, Session>(SESSION)
                .await?;
            iface.get_mut().await.locked_hint = locked;
            iface
                .get()
                .await
                .locked_hint_changed(iface.signal_emitter())
                .await?;
            anyhow::Ok(())
        })
    }
}
