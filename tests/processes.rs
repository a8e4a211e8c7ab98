//! The two processes against each other: a killed window leaves the agent untouched; a
//! killed agent is noticed by its window, which says so, starts it again, reconnects and
//! loses nothing; two windows opened at once make one; a second agent hands over; garbage on
//! the socket and a socket directory owned by another user get a clear answer.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use stint_testkit::dbus::TrayHost;
use stint_testkit::{wait_until, Desktop, Guard, TauriDriver, WebDriver};
use stint_tests::{agent_bin, agent_pid, cli_bin, window_bin, window_pid, AgentReaper, WAIT};

fn kill(pid: u32) {
    let pid = rustix::process::Pid::from_raw(pid as i32).expect("a pid");
    rustix::process::kill_process(pid, rustix::process::Signal::KILL).expect("the kill");
}

struct Setup {
    desktop: Desktop,
    _tray: TrayHost,
    env: Vec<(&'static str, std::path::PathBuf)>,
    data_dir: std::path::PathBuf,
    root: tempfile::TempDir,
}

fn setup() -> anyhow::Result<Setup> {
    let desktop = Desktop::start("1280x800x24")?;
    let tray = TrayHost::start(&desktop.dbus_address)?;
    let root = tempfile::tempdir()?;
    let data_dir = root.path().join("data");
    let env = vec![
        ("STINT_DATA_DIR", data_dir.clone()),
        ("STINT_CONFIG_DIR", root.path().join("config")),
        ("STINT_SOCKET", root.path().join("run").join("agent.sock")),
    ];
    Ok(Setup {
        desktop,
        _tray: tray,
        env,
        data_dir,
        root,
    })
}

fn cli(s: &Setup, args: &[&str]) -> serde_json::Value {
    let out = s
        .desktop
        .command(cli_bin())
        .args(args)
        .envs(s.env.iter().cloned())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_killed_window_leaves_the_agent_and_a_killed_agent_comes_back_for_its_window(
) -> anyhow::Result<()> {
    let s = setup()?;
    let _reaper = AgentReaper(s.data_dir.clone());
    let driver = TauriDriver::start(&s.desktop, s.env.clone())?;
    let wd = WebDriver::launch(&driver, &window_bin(), &[])?;
    wd.wait_for("body[data-ready='true']", WAIT)?;
    wd.find("#description")?.send_keys("Survives kills")?;
    wd.find("#toggle")?.click()?;
    wd.wait_for_text("#toggle", WAIT, |t| t == "Stop")?;
    let running = cli(&s, &["status"]);
    assert_eq!(running["description"], "Survives kills");

    // SIGKILL the agent while the window is open: the window says so, starts the agent
    // again and reconnects; the timer never stopped.
    let first_agent = agent_pid(&s.data_dir).expect("the agent");
    kill(first_agent);
    // The window says so while it reconnects, and afterwards that it did.
    wd.wait_for("body[data-reconnected='1']", WAIT)?;
    wd.wait_for("body[data-agent='connected']", WAIT)?;
    let said = wd.find("#link-note")?.text()?;
    assert!(
        said.contains("stopped") && said.contains("nothing was lost"),
        "{said}"
    );
    let second_agent = agent_pid(&s.data_dir).expect("a new agent");
    assert_ne!(second_agent, first_agent);
    wd.wait_for_text("#toggle", WAIT, |t| t == "Stop")?;
    let after = cli(&s, &["status"]);
    assert_eq!(after["id"], running["id"], "the same timer runs");
    assert_eq!(after["start"], running["start"], "from the same moment");
    // The window works against the new agent.
    wd.find("#toggle")?.click()?;
    wd.wait_for_text("#toggle", WAIT, |t| t == "Start")?;
    wd.wait_for_text("#entries", WAIT, |t| t.contains("Survives kills"))?;
    assert!(cli(&s, &["status"]).is_null());

    // SIGKILL the window: the agent is untouched and answers.
    let window = window_pid(&s.data_dir).expect("the window");
    kill(window);
    wait_until(WAIT, "the window to be gone", || {
        window_pid(&s.data_dir).is_none().then_some(())
    })?;
    assert_eq!(agent_pid(&s.data_dir), Some(second_agent));
    let today = cli(&s, &["today"]);
    assert_eq!(today["entries"].as_array().unwrap().len(), 1, "{today}");
    let _ = wd.quit();
    Ok(())
}

#[test]
fn two_windows_at_once_make_one_and_a_second_agent_hands_over() -> anyhow::Result<()> {
    let s = setup()?;
    let mut command = s.desktop.command(agent_bin());
    command.arg("--no-window").envs(s.env.clone());
    let agent = Guard::new("stint", command.spawn()?);
    let _reaper = AgentReaper(s.data_dir.clone());
    stint_tests::wait_for_agent(&s.data_dir)?;
    wait_until(WAIT, "the agent's socket", || {
        stint_ipc::socket::call(&socket_of(&s), stint_ipc::protocol::Command::AgentInfo)
            .ok()
            .map(drop)
    })?;

    // Two windows started at the same moment: one window, the other says why it left.
    let spawn_window = || {
        s.desktop
            .command(window_bin())
            .envs(s.env.clone())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut pair = [spawn_window(), spawn_window()];
    let (status, which) = wait_until(WAIT, "one of the two to leave", || {
        match (pair[0].try_wait().ok()?, pair[1].try_wait().ok()?) {
            (Some(status), None) => Some((status, 0)),
            (None, Some(status)) => Some((status, 1)),
            _ => None,
        }
    })?;
    let child = &mut pair[which];
    assert!(status.success(), "{status}");
    let mut said = String::new();
    BufReader::new(child.stderr.take().unwrap()).read_line(&mut said)?;
    assert!(said.contains("already open"), "{said}");
    wait_until(WAIT, "one window, from one window process", || {
        let processes =
            stint_testkit::processes_with_env(&format!("STINT_DATA_DIR={}", s.data_dir.display()));
        let windows = processes
            .iter()
            .filter(|(_, n)| n == "stint-window")
            .count();
        (windows == 1 && !s.desktop.windows_named("Stint").is_empty()).then_some(())
    })?;
    for child in &mut pair {
        let _ = child.kill();
        let _ = child.wait();
    }

    // A second agent finds the first and hands over, then exits: still one agent.
    let out = s
        .desktop
        .command(agent_bin())
        .arg("--no-window")
        .envs(s.env.clone())
        .output()?;
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("already running"), "{said}");
    assert_eq!(agent_pid(&s.data_dir), Some(agent.pid()));
    Ok(())
}

fn socket_of(s: &Setup) -> std::path::PathBuf {
    s.root.path().join("run").join("agent.sock")
}

#[test]
fn garbage_on_the_socket_is_refused_and_the_agent_goes_on() -> anyhow::Result<()> {
    let s = setup()?;
    let mut command = s.desktop.command(agent_bin());
    command.arg("--no-window").envs(s.env.clone());
    let _agent = Guard::new("stint", command.spawn()?);
    let _reaper = AgentReaper(s.data_dir.clone());
    stint_tests::wait_for_agent(&s.data_dir)?;
    let socket = wait_until(WAIT, "the socket", || {
        let p = socket_of(&s);
        p.exists().then_some(p)
    })?;
    let mut stream = std::os::unix::net::UnixStream::connect(&socket)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.write_all(b"\x00\xff garbage that is not a message\n")?;
    let mut answer = String::new();
    BufReader::new(stream.try_clone()?).read_line(&mut answer)?;
    assert!(answer.contains("bad_message"), "{answer}");
    // The agent still answers everyone else.
    assert!(cli(&s, &["status"]).is_null());
    Ok(())
}

#[test]
fn a_socket_directory_owned_by_another_user_is_refused_in_words() -> anyhow::Result<()> {
    let s = setup()?;
    // Root makes the directory and gives it to "nobody", as another user would own it.
    let socket_dir = s.root.path().join("run");
    std::fs::create_dir(&socket_dir)?;
    std::fs::set_permissions(&socket_dir, std::fs::Permissions::from_mode(0o700))?;
    std::os::unix::fs::chown(&socket_dir, Some(65534), Some(65534))?;
    let socket = socket_dir.join("agent.sock");
    for program in [agent_bin(), window_bin()] {
        let out = s
            .desktop
            .command(&program)
            .envs(s.env.clone())
            .env("STINT_SOCKET", &socket)
            .output()?;
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{}: {said}", program.display());
        assert!(
            said.contains("belongs to another user"),
            "{}: {said}",
            program.display()
        );
    }
    assert_eq!(agent_pid(&s.data_dir), None);
    Ok(())
}
