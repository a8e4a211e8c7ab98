//! A private headless sway session (wlroots) for one test: its own runtime directory,
//! headless outputs of the sizes asked for, side by side from the left, and input through
//! the compositor (`wtype`, `swaymsg seat … cursor`). sway refuses to run as root, so as
//! root it runs as `nobody` through `setpriv` (util-linux); clients run as the caller.

use crate::WaylandSession as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::Context;

use crate::procs::Guard;
use crate::{require_tool, wait_until};

/// The uid sway runs as when the tests run as root.
const NOBODY: u32 = 65534;

/// How sway is started (again).
struct Launch {
    program: PathBuf,
    config: PathBuf,
    home: PathBuf,
    runtime_dir: PathBuf,
}

impl Launch {
    /// Starts sway and waits for its sockets: (the process, WAYLAND_DISPLAY, SWAYSOCK).
    fn run(&self) -> anyhow::Result<(Guard, String, PathBuf)> {
        let mut command = if rustix::process::geteuid().is_root() {
            let mut c = Command::new(require_tool("setpriv", "the Debian package util-linux")?);
            c.args([
                &format!("--reuid={NOBODY}"),
                &format!("--regid={NOBODY}"),
                "--clear-groups",
                "--",
            ])
            .arg(&self.program);
            c
        } else {
            Command::new(&self.program)
        };
        command
            .arg("-c")
            .arg(&self.config)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("XDG_RUNTIME_DIR", &self.runtime_dir)
            .env("HOME", &self.home)
            .env("WLR_BACKENDS", "headless")
            .env("WLR_LIBINPUT_NO_DEVICES", "1")
            .env("WLR_RENDERER", "pixman")
            .env("WLR_HEADLESS_OUTPUTS", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut process = Guard::new("sway", command.spawn().context("starting sway")?);
        let runtime_dir = &self.runtime_dir;
        let (display, ipc) = wait_until(Duration::from_secs(20), "sway's sockets", || {
            process.check_running().ok()?;
            let names: Vec<String> = std::fs::read_dir(runtime_dir)
                .ok()?
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .collect();
            let display = names
                .iter()
                .find(|n| n.starts_with("wayland-") && !n.ends_with(".lock"))?;
            let ipc = names.iter().find(|n| n.starts_with("sway-ipc."))?;
            Some((display.clone(), runtime_dir.join(ipc)))
        })
        .context("sway did not start (is it installed, and may it run here?)")?;
        Ok((process, display, ipc))
    }
}

pub struct Sway {
    /// `XDG_RUNTIME_DIR` of the session (the Wayland and IPC sockets are in it).
    pub runtime_dir: PathBuf,
    /// `WAYLAND_DISPLAY`.
    pub display: String,
    /// `SWAYSOCK`.
    pub ipc: PathBuf,
    /// The outputs' names in the order asked for (`HEADLESS-1`, …).
    pub outputs: Vec<String>,
    sizes: Vec<(u32, u32)>,
    launch: Launch,
    process: Guard,
    _dir: tempfile::TempDir,
}

fn owned_by(path: &Path, uid: u32) -> anyhow::Result<()> {
    rustix::fs::chown(
        path,
        rustix::process::Uid::from_raw(uid).into(),
        rustix::process::Gid::from_raw(uid).into(),
    )
    .with_context(|| format!("chown {}", path.display()))
}

impl Sway {
    /// Starts sway with one headless output per `(width, height)`.
    pub fn start(outputs: &[(u32, u32)]) -> anyhow::Result<Sway> {
        let sway = require_tool("sway", "the Debian package sway")?;
        require_tool("swaymsg", "the Debian package sway")?;
        let dir = tempfile::tempdir().context("a directory for sway")?;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
        let runtime_dir = dir.path().join("run");
        let home = dir.path().join("home");
        for d in [&runtime_dir, &home] {
            std::fs::create_dir(d)?;
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700))?;
        }
        let config = dir.path().join("config");
        std::fs::write(
            &config,
            "xwayland disable\ndefault_border none\ndefault_floating_border none\n\
             focus_follows_mouse no\n",
        )?;
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644))?;
        let root = rustix::process::geteuid().is_root();
        if root {
            owned_by(&runtime_dir, NOBODY)?;
            owned_by(&home, NOBODY)?;
        }
        let launch = Launch {
            program: sway,
            config,
            home,
            runtime_dir: runtime_dir.clone(),
        };
        let (process, display, ipc) = launch.run()?;
        let mut sway = Sway {
            runtime_dir,
            display,
            ipc,
            outputs: Vec::new(),
            sizes: outputs.to_vec(),
            launch,
            process,
            _dir: dir,
        };
        sway.add_outputs()?;
        Ok(sway)
    }

    fn add_outputs(&mut self) -> anyhow::Result<()> {
        self.outputs.clear();
        let mut x = 0;
        for (i, (width, height)) in self.sizes.clone().into_iter().enumerate() {
            self.msg(&["create_output"])?;
            let name = format!("HEADLESS-{}", i + 1);
            self.msg(&[
                "output",
                &name,
                "mode",
                &format!("{width}x{height}"),
                "position",
                &x.to_string(),
                "0",
            ])?;
            x += width;
            self.outputs.push(name);
        }
        Ok(())
    }

    /// Kills sway and starts it again on the same socket name with the same outputs, as a
    /// compositor that crashed and came back: every client's connection ends.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        let _ = self.process.child.kill();
        let _ = self.process.child.wait();
        for entry in std::fs::read_dir(&self.runtime_dir)?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("wayland-") || name.starts_with("sway-ipc.") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        let (process, display, ipc) = self.launch.run()?;
        anyhow::ensure!(display == self.display, "sway came back as {display}");
        (self.process, self.ipc) = (process, ipc);
        self.add_outputs()
    }

    /// A command that runs as a client of this session.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.envs(self.env()).env_remove("DISPLAY");
        c
    }

    /// Runs `swaymsg ARGS`; fails with its output if sway refused.
    pub fn msg(&mut self, args: &[&str]) -> anyhow::Result<String> {
        self.process.check_running()?;
        let out = self
            .command("swaymsg")
            .args(args)
            .output()
            .context("running swaymsg")?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        anyhow::ensure!(
            out.status.success() && !text.contains("\"success\": false"),
            "swaymsg {args:?}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(text)
    }

    /// Types `text` through the compositor's virtual keyboard (`wtype`): input that resets
    /// idle time. A pause between keys: the first keys of a fresh session can be lost.
    pub fn type_text(&self, text: &str) -> anyhow::Result<()> {
        let wtype = require_tool("wtype", "the Debian package wtype")?;
        let status = self
            .command(wtype)
            .args(["-s", "150", text])
            .status()
            .context("running wtype")?;
        anyhow::ensure!(status.success(), "wtype failed: {status}");
        Ok(())
    }
}

impl crate::WaylandSession for Sway {
    fn env(&self) -> Vec<(&'static str, std::ffi::OsString)> {
        vec![
            ("XDG_RUNTIME_DIR", self.runtime_dir.clone().into()),
            ("WAYLAND_DISPLAY", self.display.clone().into()),
            ("SWAYSOCK", self.ipc.clone().into()),
            ("XDG_CURRENT_DESKTOP", "sway".into()),
            ("XDG_SESSION_TYPE", "wayland".into()),
        ]
    }
}
