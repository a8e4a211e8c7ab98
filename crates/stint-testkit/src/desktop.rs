//! A private desktop for one test: Xvfb, a D-Bus session bus and openbox.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::Context;

use crate::procs::Guard;
use crate::{require_tool, wait_until};

pub struct Desktop {
    /// `:N`, for DISPLAY.
    pub display: String,
    pub dbus_address: String,
    /// Home-like directories (XDG data, cache, config, runtime) that only this desktop's
    /// programs use, so tests never touch the real home or each other's files.
    pub home: tempfile::TempDir,
    // Dropped in reverse order of start: window manager, then bus, then X.
    processes: Vec<Guard>,
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
        let xvfb = require_tool("Xvfb", "the Debian package xvfb")?;
        let dbus = require_tool("dbus-daemon", "the Debian package dbus-daemon")?;
        let openbox = require_tool("openbox", "the Debian package openbox")?;
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
        // -displayfd lets Xvfb pick a free display and print it when it is ready.
        // -noreset: without it the server resets when its last client leaves.
        let mut x = Guard::new(
            "Xvfb",
            Command::new(xvfb)
                .args(["-displayfd", "1", "-screen", "0", screen])
                .args(["-noreset", "-nolisten", "tcp"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .context("starting Xvfb")?,
        );
        let display = format!(":{}", first_line(&mut x, "Xvfb")?);
        processes.push(x);

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

    /// Asks the window manager to close a window, as a click on its close button does.
    pub fn close_window(&self, title: &str) -> anyhow::Result<()> {
        require_tool("wmctrl", "the Debian package wmctrl")?;
        self.run("wmctrl", &["-c", title]).map(drop)
    }

    /// Fails if any process of the desktop died.
    pub fn check(&mut self) -> anyhow::Result<()> {
        self.processes.iter_mut().try_for_each(Guard::check_running)
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        // Stop the programs before their home directory goes.
        while let Some(p) = self.processes.pop() {
            drop(p);
        }
    }
}
