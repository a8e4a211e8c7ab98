//! A private D-Bus bus for one test (`dbus-daemon --session`, which lets any client own any
//! name), used as a session bus or, through `DBUS_SYSTEM_BUS_ADDRESS`, as the system bus
//! where a test plays systemd-logind.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use anyhow::Context;

use crate::procs::Guard;
use crate::require_tool;

pub struct Bus {
    /// The bus's address, for `DBUS_SESSION_BUS_ADDRESS` or `DBUS_SYSTEM_BUS_ADDRESS`.
    pub address: String,
    _daemon: Guard,
}

impl Bus {
    pub fn start() -> anyhow::Result<Bus> {
        let dbus = require_tool("dbus-daemon", "the Debian package dbus-daemon")?;
        let mut daemon = Guard::new(
            "dbus-daemon",
            Command::new(dbus)
                .args(["--session", "--nofork", "--print-address=1"])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .context("starting dbus-daemon")?,
        );
        let stdout = daemon.child.stdout.take().context("dbus-daemon's stdout")?;
        let mut address = String::new();
        BufReader::new(stdout)
            .read_line(&mut address)
            .context("reading the bus address")?;
        let address = address.trim().to_owned();
        anyhow::ensure!(!address.is_empty(), "dbus-daemon said no address");
        Ok(Bus {
            address,
            _daemon: daemon,
        })
    }
}
