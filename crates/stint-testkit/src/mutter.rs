//! A private headless GNOME compositor (mutter 43, `--headless --wayland --no-x11` with one
//! virtual monitor) on its own session bus, for GNOME's D-Bus interfaces: its
//! `org.gnome.Mutter.IdleMonitor`, and input through `org.gnome.Mutter.RemoteDesktop`
//! (what resets idle time there; the first key of a remote session is dropped, so a
//! harmless one goes first).

use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::Context;

use crate::bus::Bus;
use crate::procs::Guard;
use crate::{require_tool, wait_until};

const REMOTE_DESKTOP: &str = "org.gnome.Mutter.RemoteDesktop";
/// XK_Shift_L: a key that types nothing.
const SHIFT: u32 = 0xffe1;

pub struct Mutter {
    program: std::path::PathBuf,
    /// `XDG_RUNTIME_DIR` (the Wayland socket is in it).
    pub runtime_dir: std::path::PathBuf,
    /// `WAYLAND_DISPLAY`.
    pub display: String,
    /// The session bus mutter is on.
    pub bus_address: String,
    runtime: tokio::runtime::Runtime,
    /// The remote desktop session that sends input, once made.
    input: Option<(zbus::Connection, zbus::zvariant::OwnedObjectPath)>,
    process: Guard,
    _bus: Bus,
    _dir: tempfile::TempDir,
}

impl Mutter {
    pub fn start() -> anyhow::Result<Mutter> {
        let mutter = require_tool("mutter", "the Debian package mutter")?;
        let bus = Bus::start()?;
        let dir = tempfile::tempdir()?;
        let runtime_dir = crate::private_runtime_dir(dir.path())?;
        let display = "mutter-stint".to_owned();
        let process = spawn(&mutter, &runtime_dir, &display, &bus.address, dir.path())?;
        let mut m = Mutter {
            program: mutter,
            runtime_dir,
            display,
            bus_address: bus.address.clone(),
            runtime: crate::dbus::runtime()?,
            input: None,
            process,
            _bus: bus,
            _dir: dir,
        };
        m.wait_until_up()?;
        Ok(m)
    }

    /// Ends mutter and starts a new one on the same bus and socket, as a GNOME Shell
    /// restart does (its D-Bus names change hands).
    pub fn restart(&mut self) -> anyhow::Result<()> {
        self.input = None;
        let _ = self.process.child.kill();
        let _ = self.process.child.wait();
        // Its Wayland socket's lock goes with it; the socket file stays behind.
        let _ = std::fs::remove_file(self.runtime_dir.join(&self.display));
        self.process = spawn(
            &self.program,
            &self.runtime_dir,
            &self.display,
            &self.bus_address,
            &self.home(),
        )?;
        self.wait_until_up()
    }

    fn home(&self) -> std::path::PathBuf {
        self._dir.path().to_owned()
    }

    fn wait_until_up(&mut self) -> anyhow::Result<()> {
        let address = self.bus_address.clone();
        let socket = self.runtime_dir.join(&self.display);
        wait_until(Duration::from_secs(30), "mutter's idle monitor", || {
            self.process.check_running().ok()?;
            let up = self.runtime.block_on(async {
                let conn = zbus::connection::Builder::address(address.as_str())
                    .ok()?
                    .build()
                    .await
                    .ok()?;
                let dbus = zbus::fdo::DBusProxy::new(&conn).await.ok()?;
                let name = zbus::names::BusName::try_from("org.gnome.Mutter.IdleMonitor").ok()?;
                dbus.name_has_owner(name).await.ok()
            });
            (up == Some(true) && socket.exists()).then_some(())
        })?;
        Ok(())
    }

    /// A key press and release through the remote desktop interface: input, as far as
    /// mutter's idle monitor is concerned.
    pub fn press_key(&mut self) -> anyhow::Result<()> {
        if self.input.is_none() {
            let session = self.runtime.block_on(async {
                let conn = zbus::connection::Builder::address(self.bus_address.as_str())?
                    .build()
                    .await?;
                let remote = zbus::Proxy::new(
                    &conn,
                    REMOTE_DESKTOP,
                    "/org/gnome/Mutter/RemoteDesktop",
                    REMOTE_DESKTOP,
                )
                .await?;
                let path: zbus::zvariant::OwnedObjectPath =
                    remote.call("CreateSession", &()).await?;
                let session = session_proxy(&conn, &path).await?;
                session.call::<_, _, ()>("Start", &()).await?;
                // The first key of a session is dropped.
                key(&session).await?;
                anyhow::Ok((conn, path))
            })?;
            self.input = Some(session);
        }
        let (conn, path) = self.input.as_ref().context("a remote desktop session")?;
        self.runtime.block_on(async {
            let session = session_proxy(conn, path).await?;
            key(&session).await
        })
    }
}

fn spawn(
    program: &std::path::Path,
    runtime_dir: &std::path::Path,
    display: &str,
    bus: &str,
    home: &std::path::Path,
) -> anyhow::Result<Guard> {
    Ok(Guard::new(
        "mutter",
        Command::new(program)
            .args(["--headless", "--wayland", "--no-x11"])
            .args(["--virtual-monitor", "1280x720"])
            .arg(format!("--wayland-display={display}"))
            .env("XDG_RUNTIME_DIR", runtime_dir)
            .env("DBUS_SESSION_BUS_ADDRESS", bus)
            .env("HOME", home)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting mutter")?,
    ))
}

async fn session_proxy<'a>(
    conn: &zbus::Connection,
    path: &'a zbus::zvariant::OwnedObjectPath,
) -> zbus::Result<zbus::Proxy<'a>> {
    zbus::Proxy::new(
        conn,
        REMOTE_DESKTOP,
        path.as_ref(),
        "org.gnome.Mutter.RemoteDesktop.Session",
    )
    .await
}

async fn key(session: &zbus::Proxy<'_>) -> anyhow::Result<()> {
    for pressed in [true, false] {
        session
            .call::<_, _, ()>("NotifyKeyboardKeysym", &(SHIFT, pressed))
            .await?;
    }
    Ok(())
}

impl crate::WaylandSession for Mutter {
    fn env(&self) -> Vec<(&'static str, std::ffi::OsString)> {
        vec![
            ("XDG_RUNTIME_DIR", self.runtime_dir.clone().into()),
            ("WAYLAND_DISPLAY", self.display.clone().into()),
            ("DBUS_SESSION_BUS_ADDRESS", self.bus_address.clone().into()),
            ("XDG_CURRENT_DESKTOP", "GNOME".into()),
            ("XDG_SESSION_TYPE", "wayland".into()),
        ]
    }
}
