//! A throwaway PostgreSQL cluster for tests (issue 17): `initdb` in a temporary directory,
//! the server listening on a Unix socket in that directory only (no TCP port), stopped
//! when dropped. Debian's `postgresql` (15 or newer), installed by the test command. As
//! root the cluster runs as the `postgres` user, since `initdb` refuses root.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::Context;

use crate::procs::Guard;
use crate::wait_until;

pub struct Postgres {
    /// The directory of the socket (and of the cluster).
    pub socket_dir: PathBuf,
    pub port: u16,
    /// Major version of the server.
    pub version: u32,
    bin: PathBuf,
    as_postgres: bool,
    _guard: Guard,
    _dir: tempfile::TempDir,
}

/// The newest installed server's `bin` directory and its major version.
fn server_bin() -> anyhow::Result<(PathBuf, u32)> {
    let root = Path::new("/usr/lib/postgresql");
    let newest = std::fs::read_dir(root)
        .ok()
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|v| root.join(v.to_string()).join("bin/postgres").is_file())
        .max()
        .context(
            "PostgreSQL is not installed (Debian's postgresql package; the test command \
             installs it)",
        )?;
    anyhow::ensure!(
        newest >= 15,
        "PostgreSQL {newest} is too old; Stint needs 15 or newer"
    );
    Ok((root.join(newest.to_string()).join("bin"), newest))
}

/// A program of the server's, run as the cluster's owner.
fn command(bin: &Path, as_postgres: bool, program: &str) -> Command {
    let path = bin.join(program);
    if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(path);
        c
    } else {
        Command::new(path)
    }
}

impl Postgres {
    pub fn start() -> anyhow::Result<Postgres> {
        let (bin, version) = server_bin()?;
        let dir = tempfile::tempdir()?;
        let as_postgres = rustix::process::geteuid().is_root();
        if as_postgres {
            let status = Command::new("chown")
                .arg("postgres:postgres")
                .arg(dir.path())
                .status()?;
            anyhow::ensure!(
                status.success(),
                "could not give the cluster's directory to postgres"
            );
        }
        let data = dir.path().join("data");
        let socket_dir = dir.path().to_owned();
        let port: u16 = 5432;
        let out = command(&bin, as_postgres, "initdb")
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"])
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let child = command(&bin, as_postgres, "postgres")
            .arg("-D")
            .arg(&data)
            .arg("-k")
            .arg(&socket_dir)
            .args(["-c", "listen_addresses=", "-c", "fsync=off"])
            .args(["-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting postgres")?;
        let mut guard = Guard::new("postgres", child);
        wait_until(
            Duration::from_secs(30),
            "PostgreSQL to accept connections",
            || {
                guard.check_running().ok()?;
                let ready = command(&bin, as_postgres, "pg_isready")
                    .arg("-h")
                    .arg(&socket_dir)
                    .args(["-p", &port.to_string(), "-q"])
                    .status()
                    .ok()?;
                ready.success().then_some(())
            },
        )?;
        Ok(Postgres {
            socket_dir,
            port,
            version,
            bin,
            as_postgres,
            _guard: guard,
            _dir: dir,
        })
    }

    /// The process that runs the cluster (its server processes are its descendants).
    pub fn pid(&self) -> u32 {
        self._guard.pid()
    }

    /// A connection URL for database `db` over the socket.
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgres:///{db}?host={}&port={}&user=postgres",
            self.socket_dir.display(),
            self.port
        )
    }

    /// Runs `sql` with psql and returns its unaligned, tuples-only output.
    pub fn psql(&self, db: &str, sql: &str) -> anyhow::Result<String> {
        let out = command(&self.bin, self.as_postgres, "psql")
            .arg("-h")
            .arg(&self.socket_dir)
            .args(["-p", &self.port.to_string(), "-U", "postgres", "-d", db])
            .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "psql failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }
}
