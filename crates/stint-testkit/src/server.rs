//! The real `stint-server` binary on 127.0.0.1 with a fresh data directory, on SQLite, or
//! on a fresh PostgreSQL database when the test run says so ([`TEST_POSTGRES`]).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::Context;

use crate::procs::Guard;

/// A binary built from this workspace (tests of one crate cannot name another crate's
/// binaries, but cargo puts them all in the same directory).
pub fn workspace_bin(name: &str) -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .and_then(|deps| {
            if deps.ends_with("deps") {
                deps.parent()
            } else {
                Some(deps)
            }
        })
        .context("test binary has no directory")?;
    let bin = dir.join(name);
    anyhow::ensure!(
        bin.is_file(),
        "{} is missing; build it first (`cargo build -p {name}`; the test command does)",
        bin.display()
    );
    Ok(bin)
}

/// The environment variable that runs every [`TestServer`] on PostgreSQL: a libpq address
/// of a running cluster (`host=/tmp/dir port=5432 user=postgres`), in which each server
/// gets a database of its own, dropped with it. The test command sets it for its second
/// pass over the server's tests.
pub const TEST_POSTGRES: &str = "STINT_TEST_POSTGRES";

/// A database of its own in the cluster [`TEST_POSTGRES`] names, dropped when dropped.
struct TestDatabase {
    cluster: String,
    name: String,
    /// The server's `--database` address.
    address: String,
}

impl TestDatabase {
    fn create(cluster: &str) -> anyhow::Result<TestDatabase> {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let name = format!(
            "stint_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let mut client =
            ::postgres::Client::connect(&format!("{cluster} dbname=postgres"), ::postgres::NoTls)
                .with_context(|| {
                format!("connecting to the test cluster {TEST_POSTGRES}={cluster:?}")
            })?;
        client.batch_execute(&format!("CREATE DATABASE {name}"))?;
        Ok(TestDatabase {
            cluster: cluster.to_owned(),
            address: format!("{cluster} dbname={name}"),
            name,
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let dropped = ::postgres::Client::connect(
            &format!("{} dbname=postgres", self.cluster),
            ::postgres::NoTls,
        )
        .and_then(|mut c| {
            c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
        });
        if let Err(e) = dropped {
            eprintln!("could not drop the test database {}: {e}", self.name);
        }
    }
}

pub struct TestServer {
    /// e.g. `http://127.0.0.1:41234`
    pub url: String,
    pub data_dir: tempfile::TempDir,
    /// More `serve` flags, e.g. `--header-timeout-seconds 1`.
    serve_args: Vec<String>,
    guard: Option<Guard>,
    /// The `--database` address, when the server runs on PostgreSQL.
    database: Option<String>,
    /// The database made for this server alone (on a run that asks for one), dropped after
    /// the server stops.
    _own_database: Option<TestDatabase>,
}

impl TestServer {
    /// A server with no users yet; add them with [`TestServer::add_user`].
    pub fn start() -> anyhow::Result<TestServer> {
        TestServer::start_with(&[])
    }

    /// A server started with more `serve` flags.
    pub fn start_with(serve_args: &[&str]) -> anyhow::Result<TestServer> {
        let own_database = match std::env::var(TEST_POSTGRES) {
            Ok(cluster) if !cluster.is_empty() => Some(TestDatabase::create(&cluster)?),
            _ => None,
        };
        let database = own_database.as_ref().map(|d| d.address.clone());
        let mut server = TestServer {
            url: String::new(),
            data_dir: tempfile::tempdir()?,
            serve_args: serve_args.iter().map(|a| (*a).to_owned()).collect(),
            guard: None,
            database,
            _own_database: own_database,
        };
        server.restart_on("127.0.0.1:0")?;
        Ok(server)
    }

    /// A server on the PostgreSQL database at `address`, which several servers may share
    /// (it is not dropped with this one), with more `serve` flags.
    pub fn start_on_database(address: &str, serve_args: &[&str]) -> anyhow::Result<TestServer> {
        let mut server = TestServer {
            url: String::new(),
            data_dir: tempfile::tempdir()?,
            serve_args: serve_args.iter().map(|a| (*a).to_owned()).collect(),
            guard: None,
            database: Some(address.to_owned()),
            _own_database: None,
        };
        server.restart_on("127.0.0.1:0")?;
        Ok(server)
    }

    /// The `--database` address of this server's PostgreSQL database, if it has one.
    pub fn database(&self) -> Option<&str> {
        self.database.as_deref()
    }

    /// A `stint-server` command on this server's data: its database (SQLite in the data
    /// directory, or the PostgreSQL one) reached the same way as the server reaches it.
    pub fn command(&self) -> anyhow::Result<Command> {
        let mut command = Command::new(workspace_bin("stint-server")?);
        match self.database() {
            Some(address) => command.env("STINT_SERVER_DATABASE", address),
            None => command.env_remove("STINT_SERVER_DATABASE"),
        };
        Ok(command)
    }

    /// Adds a user and returns their API key.
    pub fn add_user(&self, workspace: &str, email: &str, role: &str) -> anyhow::Result<String> {
        let out = self
            .command()?
            .args(["user", "add", "--data-dir"])
            .arg(self.data_dir.path())
            .args([
                "--workspace",
                workspace,
                "--email",
                email,
                "--name",
                email,
                "--role",
                role,
            ])
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "user add failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8(out.stdout)?
            .lines()
            .last()
            .context("no key printed")?
            .to_owned())
    }

    pub fn stop(&mut self) {
        self.guard = None;
    }

    /// Sends SIGTERM and waits for the exit; `None` if the server was not running.
    pub fn terminate(&mut self) -> Option<std::process::ExitStatus> {
        let mut guard = self.guard.take()?;
        let pid = rustix::process::Pid::from_raw(guard.pid() as i32)?;
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).ok()?;
        guard.child.wait().ok()
    }

    /// Runs `stint-server ARGS --data-dir DIR` on this server's data and returns what it
    /// printed; an error with its stderr if it failed.
    pub fn cli(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = self
            .command()?
            .args(args)
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "stint-server {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs the retention job once on this server's data (`now` instead of the clock, if
    /// given) and returns what it printed.
    pub fn retention(&self, now: Option<chrono::DateTime<chrono::Utc>>) -> anyhow::Result<String> {
        match now {
            Some(now) => self.cli(&["retention", "--now", &now.to_rfc3339()]),
            None => self.cli(&["retention"]),
        }
    }

    /// Issues a new API key for `email` of `workspace` and returns it.
    pub fn reset_key(&self, workspace: &str, email: &str) -> anyhow::Result<String> {
        let out = self.cli(&[
            "user",
            "key-reset",
            "--workspace",
            workspace,
            "--email",
            email,
        ])?;
        Ok(out.lines().last().unwrap_or_default().to_owned())
    }

    /// SIGKILLs the server (a crash: nothing is finished or flushed) and waits for it.
    pub fn kill(&mut self) {
        if let Some(mut guard) = self.guard.take() {
            if let Some(pid) = rustix::process::Pid::from_raw(guard.pid() as i32) {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
            }
            let _ = guard.child.wait();
        }
    }

    /// Starts (again) on `listen`, e.g. the address it had before.
    pub fn restart_on(&mut self, listen: &str) -> anyhow::Result<()> {
        self.stop();
        let mut child = self
            .command()?
            .args(["serve", "--listen", listen, "--data-dir"])
            .arg(self.data_dir.path())
            .args(&self.serve_args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting stint-server")?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().context("stdout")?).read_line(&mut line)?;
        self.url = line
            .trim()
            .strip_prefix("listening on ")
            .with_context(|| format!("unexpected first line {line:?}"))?
            .to_owned();
        self.guard = Some(Guard::new("stint-server", child));
        Ok(())
    }

    /// The running server's process id.
    pub fn pid(&self) -> Option<u32> {
        self.guard.as_ref().map(Guard::pid)
    }

    /// `127.0.0.1:PORT` of the running server.
    pub fn address(&self) -> &str {
        self.url.trim_start_matches("http://")
    }
}
