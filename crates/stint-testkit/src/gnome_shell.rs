//! A private headless GNOME Shell 43 session, for what only the Shell and the desktop
//! portal serve: screenshots through xdg-desktop-portal's Screenshot interface (the
//! Shell's own interface refuses ordinary callers). The Shell needs a system bus: a private
//! bus plays it (`DBUS_SYSTEM_BUS_ADDRESS`), and another is the session bus, on which the
//! portal and its GNOME backend are started by D-Bus activation. The Shell starts in the
//! overview, which is closed; the screenshot permission is set in the permission store
//! first, as a user's "Allow" would, so the portal asks nothing.

use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::Context;

use crate::bus::Bus;
use crate::procs::Guard;
use crate::{require_tool, wait_until};

pub struct GnomeShell {
    /// The session's home (where a portal may write its pictures).
    pub home: std::path::PathBuf,
    pub runtime_dir: std::path::PathBuf,
    pub display: String,
    pub bus_address: String,
    runtime: tokio::runtime::Runtime,
    process: Guard,
    _session_bus: Bus,
    _system_bus: Bus,
    _dir: tempfile::TempDir,
}

/// One method call, given up after 10 seconds: a Shell still starting can take a call and
/// never answer it, which would otherwise hold the test for ever.
async fn call(
    conn: &zbus::Connection,
    dest: &str,
    path: &str,
    iface: &str,
    method: &str,
    body: &(impl serde::Serialize + zbus::zvariant::DynamicType),
) -> anyhow::Result<zbus::Message> {
    let answer = tokio::time::timeout(
        Duration::from_secs(10),
        conn.call_method(Some(dest), path, Some(iface), method, body),
    )
    .await
    .map_err(|_| anyhow::anyhow!("{dest} did not answer {iface}.{method} within 10 s"))?;
    Ok(answer?)
}

impl GnomeShell {
    /// Starts the Shell with one virtual monitor of `width` x `height`.
    pub fn start(width: u32, height: u32) -> anyhow::Result<GnomeShell> {
        let shell = require_tool("gnome-shell", "the Debian package gnome-shell")?;
        require_tool(
            "dbus-update-activation-environment",
            "the Debian package dbus-bin",
        )?;
        let system_bus = Bus::start()?;
        let session_bus = Bus::start()?;
        let dir = tempfile::tempdir()?;
        let runtime_dir = crate::private_runtime_dir(dir.path())?;
        let display = "gnome-stint".to_owned();
        let env = [
            ("XDG_RUNTIME_DIR", runtime_dir.as_os_str().to_owned()),
            ("HOME", dir.path().as_os_str().to_owned()),
            ("XDG_CURRENT_DESKTOP", "GNOME".into()),
            ("XDG_SESSION_TYPE", "wayland".into()),
            ("WAYLAND_DISPLAY", display.clone().into()),
            (
                "DBUS_SESSION_BUS_ADDRESS",
                session_bus.address.clone().into(),
            ),
            ("DBUS_SYSTEM_BUS_ADDRESS", system_bus.address.clone().into()),
        ];
        // What D-Bus activation gives the portal and its backend.
        let status = Command::new("dbus-update-activation-environment")
            .envs(env.iter().cloned())
            .args(env.iter().map(|(k, _)| *k))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?;
        anyhow::ensure!(
            status.success(),
            "dbus-update-activation-environment failed"
        );
        let process = Guard::new(
            "gnome-shell",
            Command::new(shell)
                .args(["--headless", "--wayland", "--no-x11"])
                .args(["--virtual-monitor", &format!("{width}x{height}")])
                .arg(format!("--wayland-display={display}"))
                .env_remove("DISPLAY")
                .envs(env.iter().cloned())
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .context("starting gnome-shell")?,
        );
        let mut gs = GnomeShell {
            home: dir.path().to_owned(),
            runtime_dir,
            display,
            bus_address: session_bus.address.clone(),
            runtime: crate::dbus::runtime()?,
            process,
            _session_bus: session_bus,
            _system_bus: system_bus,
            _dir: dir,
        };
        let address = gs.bus_address.clone();
        let conn = gs.runtime.block_on(async {
            let connect = zbus::connection::Builder::address(address.as_str())?.build();
            tokio::time::timeout(Duration::from_secs(10), connect)
                .await
                .map_err(|_| {
                    anyhow::anyhow!("the session bus did not take a connection within 10 s")
                })?
                .map_err(anyhow::Error::from)
        })?;
        // Out of the overview it starts in, once the Shell's object is there.
        wait_until(Duration::from_secs(60), "GNOME Shell on the bus", || {
            gs.process.check_running().ok()?;
            gs.runtime
                .block_on(call(
                    &conn,
                    "org.gnome.Shell",
                    "/org/gnome/Shell",
                    "org.freedesktop.DBus.Properties",
                    "Set",
                    &(
                        "org.gnome.Shell",
                        "OverviewActive",
                        zbus::zvariant::Value::from(false),
                    ),
                ))
                .ok()
                .map(drop)
        })?;
        gs.runtime.block_on(async {
            // "Allow" for screenshots, as the portal's own dialog would store it.
            call(
                &conn,
                "org.freedesktop.impl.portal.PermissionStore",
                "/org/freedesktop/impl/portal/PermissionStore",
                "org.freedesktop.impl.portal.PermissionStore",
                "SetPermission",
                &("screenshot", true, "screenshot", "", vec!["yes"]),
            )
            .await?;
            anyhow::Ok(())
        })?;
        Ok(gs)
    }
}

impl crate::WaylandSession for GnomeShell {
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
