//! A private desktop for one test: Xvfb (or Xvnc for several monitors), a D-Bus session
//! bus and openbox (or no window manager, on request).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::Context;

use crate::procs::Guard;
use crate::rfb::{self, Screen};
use crate::{require_tool, wait_until};

/// Which X server a desktop runs on.
enum XServer<'a> {
    /// One screen, e.g. `1280x800x24`.
    Xvfb(&'a str),
    /// TigerVNC's Xvnc with one RandR monitor per screen.
    Xvnc(&'a [Screen]),
}

pub struct Desktop {
    /// `:N`, for DISPLAY.
    pub display: String,
    pub dbus_address: String,
    /// Home-like directories (XDG data, cache, config, runtime) that only this desktop's
    /// programs use, so tests never touch the real home or each other's files.
    pub home: tempfile::TempDir,
    // Dropped in reverse order of start: window manager, then bus, then X.
    processes: Vec<Guard>,
    /// The RFB client that asked Xvnc for its layout, kept open while the desktop lives.
    _layout: Option<std::os::unix::net::UnixStream>,
}

/// Reads the first line a process prints, which some daemons use to say where they listen.
fn first_line(guard: &mut Guard, what: &str) -> anyhow::Result<String> {
    let stdout = guard
        .child
        .stdout
        .take()
        .with_context(|| format!("{what}: no stdout"))?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .with_context(|| format!("reading {what}'s first line"))?;
    let line = line.trim().to_owned();
    anyhow::ensure!(
        !line.is_empty(),
        "{what} exited before saying where it listens"
    );
    Ok(line)
}

impl Desktop {
    /// Starts a desktop with one screen of the given geometry, e.g. `1280x800x24`.
    pub fn start(screen: &str) -> anyhow::Result<Desktop> {
        Self::start_on(XServer::Xvfb(screen), true)
    }

    /// Starts a desktop with one monitor per `(width, height)`, side by side from the left,
    /// on Xvnc (Debian package tigervnc-standalone-server).
    pub fn start_monitors(sizes: &[(u16, u16)]) -> anyhow::Result<Desktop> {
        Self::start_on(XServer::Xvnc(&side_by_side(sizes)), true)
    }

    /// Like [`Desktop::start_monitors`] but with no window manager: windows stay exactly
    /// where their programs put them, nothing is reparented or stacked for them, and there
    /// are no EWMH properties (no `_NET_CLIENT_LIST_STACKING`, no `_NET_ACTIVE_WINDOW`).
    pub fn start_monitors_without_wm(sizes: &[(u16, u16)]) -> anyhow::Result<Desktop> {
        Self::start_on(XServer::Xvnc(&side_by_side(sizes)), false)
    }

    fn start_on(server: XServer<'_>, with_wm: bool) -> anyhow::Result<Desktop> {
        let dbus = require_tool("dbus-daemon", "the Debian package dbus-daemon")?;
        let openbox = if with_wm {
            Some(require_tool("openbox", "the Debian package openbox")?)
        } else {
            None
        };
        require_tool("xprop", "the Debian package x11-utils")?;

        let home = tempfile::tempdir().context("a home for the desktop")?;
        for dir in ["data", "cache", "config", "runtime"] {
            std::fs::create_dir(home.path().join(dir))?;
        }
        std::fs::set_permissions(
            home.path().join("runtime"),
            std::os::unix::fs::PermissionsExt::from_mode(0o700),
        )?;
        let mut processes = Vec::new();
        let rfb_socket = home.path().join("rfb.sock");
        // -displayfd lets the server pick a free display and print it when it is ready.
        // -noreset: without it the server resets when its last client leaves.
        let mut command = match server {
            XServer::Xvfb(screen) => {
                let mut c = Command::new(require_tool("Xvfb", "the Debian package xvfb")?);
                c.args(["-screen", "0", screen]);
                c
            }
            XServer::Xvnc(screens) => {
                let width = screens.iter().map(|c| c.x + c.width).max().unwrap_or(640);
                let height = screens.iter().map(|c| c.y + c.height).max().unwrap_or(480);
                let mut c = Command::new(require_tool(
                    "Xvnc",
                    "the Debian package tigervnc-standalone-server",
                )?);
                c.args(["-geometry", &format!("{width}x{height}"), "-depth", "24"])
                    .args(["-SecurityTypes", "None", "-rfbport", "-1"])
                    .arg("-rfbunixpath")
                    .arg(&rfb_socket);
                c
            }
        };
        let name = if matches!(server, XServer::Xvfb(_)) {
            "Xvfb"
        } else {
            "Xvnc"
        };
        let mut x = Guard::new(
            name,
            command
                .args(["-displayfd", "1", "-noreset", "-nolisten", "tcp"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .with_context(|| format!("starting {name}"))?,
        );
        let display = format!(":{}", first_line(&mut x, name)?);
        processes.push(x);
        let layout = match server {
            XServer::Xvfb(_) => None,
            XServer::Xvnc(screens) => Some(apply_layout(&display, &rfb_socket, screens)?),
        };

        let mut bus = Guard::new(
            "dbus-daemon",
            Command::new(dbus)
                .args(["--session", "--nofork", "--print-address=1"])
                .stdout(Stdio::piped())
                .spawn()
                .context("starting dbus-daemon")?,
        );
        let dbus_address = first_line(&mut bus, "dbus-daemon")?;
        processes.push(bus);

        let mut desktop = Desktop {
            display,
            dbus_address,
            home,
            processes,
            _layout: layout,
        };
        let Some(openbox) = openbox else {
            return Ok(desktop);
        };
        let wm = desktop
            .command(openbox)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting openbox")?;
        desktop.processes.push(Guard::new("openbox", wm));
        wait_until(
            Duration::from_secs(15),
            "openbox to manage the screen",
            || {
                let out = desktop
                    .command("xprop")
                    .args(["-root", "_NET_SUPPORTING_WM_CHECK"])
                    .output()
                    .ok()?;
                String::from_utf8_lossy(&out.stdout)
                    .contains("window id")
                    .then_some(())
            },
        )?;
        Ok(desktop)
    }

    /// A command that runs on this desktop (its display and session bus, no Wayland).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        self.apply(&mut cmd);
        cmd
    }

    pub fn apply(&self, cmd: &mut Command) {
        cmd.env("DISPLAY", &self.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.dbus_address)
            .env("NO_AT_BRIDGE", "1")
            .env("XDG_DATA_HOME", self.home.path().join("data"))
            .env("XDG_CACHE_HOME", self.home.path().join("cache"))
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .env("XDG_RUNTIME_DIR", self.home.path().join("runtime"))
            .env_remove("WAYLAND_DISPLAY");
    }

    /// Runs a tool on this desktop and returns its stdout; fails on a non-zero exit.
    pub fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<String> {
        let out = self
            .command(program)
            .args(args)
            .output()
            .with_context(|| format!("running {program}"))?;
        anyhow::ensure!(
            out.status.success(),
            "{program} {args:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Ids of the top-level windows with exactly this title.
    pub fn windows_named(&self, title: &str) -> Vec<String> {
        let pattern = format!("^{title}$");
        self.run("xdotool", &["search", "--onlyvisible", "--name", &pattern])
            .map(|s| s.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    /// Asks the window manager to close the visible windows with exactly this title, as a
    /// click on their close button does (by id: an app may own hidden windows of the same
    /// name, which a close by title could pick instead).
    pub fn close_window(&self, title: &str) -> anyhow::Result<()> {
        require_tool("wmctrl", "the Debian package wmctrl")?;
        // A window being mapped or reparented is briefly not visible: give it a moment.
        let ids = wait_until(
            Duration::from_secs(10),
            &format!("a window named {title:?}"),
            || Some(self.windows_named(title)).filter(|ids| !ids.is_empty()),
        )?;
        for id in ids {
            let hex = format!("0x{:x}", id.parse::<u64>()?);
            self.run("wmctrl", &["-i", "-c", &hex])?;
        }
        Ok(())
    }

    /// Closes the windows named `title` as [`Desktop::close_window`] does, then waits up to
    /// `timeout` for `probe` (e.g. the window process gone). A close that arrives while the
    /// window manager is still taking the window in can be lost, so while the window is
    /// still there it is asked again every two seconds.
    pub fn close_window_until<T>(
        &self,
        title: &str,
        timeout: Duration,
        what: &str,
        mut probe: impl FnMut() -> Option<T>,
    ) -> anyhow::Result<T> {
        self.close_window(title)?;
        let deadline = std::time::Instant::now() + timeout;
        let mut asked = std::time::Instant::now();
        crate::wait_until(timeout, what, || {
            if let Some(v) = probe() {
                return Some(v);
            }
            let now = std::time::Instant::now();
            if now.duration_since(asked) > Duration::from_secs(2) && now < deadline {
                asked = now;
                for id in self.windows_named(title) {
                    if let Ok(id) = id.parse::<u64>() {
                        let _ = self.run("wmctrl", &["-i", "-c", &format!("0x{id:x}")]);
                    }
                }
            }
            None
        })
    }

    /// Fails if any process of the desktop died.
    pub fn check(&mut self) -> anyhow::Result<()> {
        self.processes.iter_mut().try_for_each(Guard::check_running)
    }
}

/// One screen per `(width, height)`, side by side from the left.
fn side_by_side(sizes: &[(u16, u16)]) -> Vec<Screen> {
    let mut x = 0;
    sizes
        .iter()
        .map(|&(width, height)| {
            let screen = Screen {
                x,
                y: 0,
                width,
                height,
            };
            x += width;
            screen
        })
        .collect()
}

/// Asks Xvnc for the screens and waits until RandR shows that many monitors.
fn apply_layout(
    display: &str,
    socket: &std::path::Path,
    screens: &[Screen],
) -> anyhow::Result<std::os::unix::net::UnixStream> {
    use x11rb::connection::Connection as _;
    use x11rb::protocol::randr::ConnectionExt as _;
    let stream = rfb::set_layout(socket, screens)?;
    let (conn, screen) = x11rb::connect(Some(display)).context("connecting to Xvnc")?;
    let root = conn.setup().roots[screen].root;
    wait_until(
        Duration::from_secs(10),
        &format!("Xvnc to show {} monitors", screens.len()),
        || {
            let monitors = conn.randr_get_monitors(root, true).ok()?.reply().ok()?;
            (monitors.monitors.len() == screens.len()).then_some(())
        },
    )?;
    Ok(stream)
}

impl Drop for Desktop {
    fn drop(&mut self) {
        // Stop the programs before their home directory goes.
        while let Some(p) = self.processes.pop() {
            drop(p);
        }
    }
}
