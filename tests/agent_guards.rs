//! What a review found when it attacked the two processes, each now a test: a socket of
//! another user hears nothing (not even a hello), Stint's files are its user's alone, one
//! agent holds a data directory, Quit never waits for a window that does not read, and
//! without a tray a window that dies takes the agent with it instead of leaving it
//! tracking unseen.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::Stdio;
use std::time::Duration;

use stint_ipc::protocol::Command;
use stint_testkit::dbus::TrayHost;
use stint_testkit::{require_tool, wait_until, Desktop, Guard};
use stint_tests::{agent_bin, agent_pid, cli_bin, window_pid, AgentReaper, WAIT};

fn signal(pid: u32, signal: rustix::process::Signal) {
    let pid = rustix::process::Pid::from_raw(pid as i32).expect("a pid");
    rustix::process::kill_process(pid, signal).expect("the signal");
}

fn env_of(root: &std::path::Path) -> Vec<(&'static str, std::path::PathBuf)> {
    vec![
        ("STINT_DATA_DIR", root.join("data")),
        ("STINT_CONFIG_DIR", root.join("config")),
        ("STINT_SOCKET", root.join("run/agent.sock")),
    ]
}

/// `stint` as a user starts it, with its window up: (the agent, the window's pid, the
/// reaper of both).
fn with_window(
    desktop: &Desktop,
    env: &[(&'static str, std::path::PathBuf)],
) -> anyhow::Result<(Guard, u32, AgentReaper)> {
    let data_dir = env[0].1.clone();
    let agent = Guard::new(
        "stint",
        desktop.command(agent_bin()).envs(env.to_vec()).spawn()?,
    );
    let reaper = AgentReaper(data_dir.clone());
    let window = wait_until(WAIT, "the window process", || window_pid(&data_dir))?;
    wait_until(WAIT, "the window", || {
        (!desktop.windows_named("Stint").is_empty()).then_some(())
    })?;
    Ok((agent, window, reaper))
}

/// A listener owned by `nobody` that records every byte it hears and answers a welcome,
/// as an impostor in a shared temp directory would.
const IMPOSTOR: &str = r#"
import os, socket, sys
path, heard = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
s.bind(path)
os.chmod(path, 0o777)
s.listen(8)
while True:
    c, _ = s.accept()
    c.settimeout(2)
    data = b""
    try:
        c.sendall(b'{"kind":"welcome","protocol":1,"agent":"0.1.0"}\n')
        data = c.recv(65536)
    except Exception:
        pass
    with open(heard, "ab") as f:
        f.write(data)
    c.close()
"#;

#[test]
fn a_socket_of_another_user_hears_nothing() -> anyhow::Result<()> {
    anyhow::ensure!(
        rustix::process::geteuid().is_root(),
        "this test plays another user (uid 65534) and must run as root, as CI does"
    );
    let desktop = Desktop::start("1024x768x24")?;
    let root = tempfile::tempdir()?;
    // A shared, world-writable directory like /tmp, where another user got there first.
    let shared = root.path().join("shared");
    std::fs::create_dir(&shared)?;
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777))?;
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755))?;
    let socket = shared.join("agent.sock");
    let heard = shared.join("heard");
    let python = require_tool("python3", "the Debian package python3")?;
    let _impostor = Guard::new(
        "impostor",
        std::process::Command::new(require_tool("setpriv", "the Debian package util-linux")?)
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(python)
            .args(["-c", IMPOSTOR])
            .arg(&socket)
            .arg(&heard)
            .spawn()?,
    );
    wait_until(WAIT, "the impostor's socket", || {
        socket.exists().then_some(())
    })?;
    let mut env = env_of(root.path());
    env[2].1 = socket.clone();

    let mut sign_in = desktop
        .command(cli_bin())
        .args(["sign-in", "http://127.0.0.1:9", "-"])
        .envs(env.clone())
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    use std::io::Write;
    sign_in
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"stint_secret_key_0123456789\n")?;
    let out = sign_in.wait_with_output()?;
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(said.contains("belongs to another user"), "{said}");
    let out = desktop.command(agent_bin()).envs(env).output()?;
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("belongs to another user"), "{said}");
    let heard = std::fs::read(&heard).unwrap_or_default();
    assert!(
        heard.is_empty(),
        "the impostor heard {:?}",
        String::from_utf8_lossy(&heard)
    );
    Ok(())
}

#[test]
fn stints_files_are_its_users_alone_and_one_agent_holds_them() -> anyhow::Result<()> {
    let desktop = Desktop::start("1024x768x24")?;
    let root = tempfile::tempdir()?;
    let env = env_of(root.path());
    let data_dir = env[0].1.clone();
    let _agent = Guard::new(
        "stint",
        desktop
            .command(agent_bin())
            .arg("--no-window")
            .envs(env.clone())
            .env("STINT_NO_TRAY", "1")
            .spawn()?,
    );
    let _reaper = AgentReaper(data_dir.clone());
    let pid = stint_tests::wait_for_agent(&data_dir)?;
    wait_until(WAIT, "the agent's databases", || {
        data_dir.join("private.db").exists().then_some(())
    })?;
    for dir in [&data_dir, &data_dir.join("logs")] {
        let mode = std::fs::metadata(dir)?.mode() & 0o777;
        assert_eq!(mode, 0o700, "{} is {mode:o}", dir.display());
    }
    for file in ["stint.db", "private.db", "logs/agent.log"] {
        let mode = std::fs::metadata(data_dir.join(file))?.mode() & 0o777;
        assert_eq!(mode & 0o077, 0, "{file} is {mode:o}");
    }
    // The same data through another socket name (a trailing slash, another STINT_SOCKET):
    // refused in words, the first agent untouched.
    let mut second = env.clone();
    second[0].1 = data_dir.join("");
    second[2].1 = root.path().join("run/other.sock");
    let out = desktop
        .command(agent_bin())
        .arg("--no-window")
        .envs(second)
        .env("STINT_NO_TRAY", "1")
        .output()?;
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains(&format!(
            "another Stint agent (pid {pid}) is using the data"
        )),
        "{said}"
    );
    assert_eq!(agent_pid(&data_dir), Some(pid));
    Ok(())
}

#[test]
fn quit_does_not_wait_for_a_window_that_does_not_read() -> anyhow::Result<()> {
    let desktop = Desktop::start("1024x768x24")?;
    let _tray = TrayHost::start(&desktop.dbus_address)?;
    let root = tempfile::tempdir()?;
    let env = env_of(root.path());
    let (mut agent, window, _reaper) = with_window(&desktop, &env)?;
    signal(window, rustix::process::Signal::STOP);
    // Enough events to fill the stopped window's queue.
    for i in 0..40 {
        let command = if i % 2 == 0 {
            Command::StartTimer {
                work: Default::default(),
                description: format!("task {i}"),
            }
        } else {
            Command::StopTimer
        };
        stint_ipc::socket::call(&env[2].1, command)?.map_err(|e| anyhow::anyhow!(e.message))?;
    }
    signal(agent.pid(), rustix::process::Signal::TERM);
    let status = wait_until(Duration::from_secs(10), "the agent to end", || {
        agent.child.try_wait().ok().flatten()
    });
    signal(window, rustix::process::Signal::CONT);
    assert!(status?.success());
    Ok(())
}

#[test]
fn without_a_tray_a_killed_window_ends_the_agent() -> anyhow::Result<()> {
    // No tray host on this desktop's bus.
    let desktop = Desktop::start("1024x768x24")?;
    let root = tempfile::tempdir()?;
    let env = env_of(root.path());
    let (mut agent, window, _reaper) = with_window(&desktop, &env)?;
    signal(window, rustix::process::Signal::KILL);
    let status = wait_until(WAIT, "the agent to end", || {
        agent.child.try_wait().ok().flatten()
    })?;
    assert!(status.success(), "{status}");
    assert!(!env[2].1.exists(), "the socket is removed on the way out");
    Ok(())
}

#[test]
fn a_wayland_display_that_does_not_answer_is_said_or_passed_over() -> anyhow::Result<()> {
    // A socket that takes connections and never says a word, like a stopped compositor.
    let run = tempfile::tempdir()?;
    let listener = std::os::unix::net::UnixListener::bind(run.path().join("wayland-9"))?;
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    let root = tempfile::tempdir()?;
    let env = env_of(root.path());
    let started = std::time::Instant::now();
    let out = std::process::Command::new(agent_bin())
        .arg("--no-window")
        .envs(env.clone())
        .env("XDG_RUNTIME_DIR", run.path())
        .env("WAYLAND_DISPLAY", "wayland-9")
        .env_remove("DISPLAY")
        .output()?;
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("did not answer"), "{said}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );

    // With an X display beside it, the agent runs on X11.
    let desktop = Desktop::start("800x600x24")?;
    let data_dir = env[0].1.clone();
    let _agent = Guard::new(
        "stint",
        desktop
            .command(agent_bin())
            .arg("--no-window")
            .envs(env)
            .env("STINT_NO_TRAY", "1")
            .env("XDG_RUNTIME_DIR", run.path())
            .env("WAYLAND_DISPLAY", "wayland-9")
            .spawn()?,
    );
    let _reaper = AgentReaper(data_dir.clone());
    stint_tests::wait_for_agent(&data_dir)?;
    let log = data_dir.join("logs/agent.log");
    wait_until(WAIT, "the sensors chosen", || {
        let text = std::fs::read_to_string(&log).ok()?;
        text.contains("session=X11").then_some(())
    })?;
    Ok(())
}
