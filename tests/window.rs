//! The real window process in a real WebKit window on a private X server, driven over
//! WebDriver, with the real agent it starts: tracking in the window, the window's process
//! (and every web-engine process) ending when it closes while the agent runs on, a second
//! launch handing over to the running agent, and the agent's socket.

use std::path::Path;

use anyhow::Context;
use rusqlite::Connection;
use stint_testkit::dbus::TrayHost;
use stint_testkit::{processes_with_env, wait_until, Desktop, Guard, TauriDriver, WebDriver};
use stint_tests::{agent_bin, agent_pid, window_bin, window_pid, AgentReaper, WAIT};

fn entry_count(wd: &WebDriver) -> anyhow::Result<u64> {
    let n = wd.execute(
        "return document.querySelectorAll('#entries li.entry').length",
        vec![],
    )?;
    n.as_u64().context("a count")
}

fn seconds(hms: &str) -> u64 {
    hms.split(':').fold(0, |acc, part| {
        acc * 60 + part.trim().parse::<u64>().unwrap_or(0)
    })
}

/// The names of the processes of one data directory: agent, window, web engine.
fn processes_of(data_dir: &Path) -> Vec<String> {
    processes_with_env(&format!("STINT_DATA_DIR={}", data_dir.display()))
        .into_iter()
        .map(|(_, name)| name)
        .collect()
}

/// WebKit's web, network and GPU processes (not the test's WebKitWebDriver).
fn web_engine(names: &[String]) -> Vec<&String> {
    names
        .iter()
        .filter(|n| n.starts_with("WebKit") && *n != "WebKitWebDriver")
        .collect()
}

/// Starts `stint` once more: it hands over to the running agent and exits.
fn launch_again(desktop: &Desktop, env: &[(&str, std::path::PathBuf)]) -> anyhow::Result<String> {
    let out = desktop
        .command(agent_bin())
        .envs(env.iter().cloned())
        .output()?;
    anyhow::ensure!(out.status.success(), "the second launch failed: {out:?}");
    Ok(String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn track_time_in_the_window_close_it_and_reopen_it() -> anyhow::Result<()> {
    let desktop = Desktop::start("1280x800x24")?;
    let _tray = TrayHost::start(&desktop.dbus_address)?;
    let root = tempfile::tempdir()?;
    let data_dir = root.path().join("data");
    let _agent = AgentReaper(data_dir.clone());
    let env = vec![
        ("STINT_DATA_DIR", data_dir.clone()),
        ("STINT_CONFIG_DIR", root.path().join("config")),
    ];
    let driver = TauriDriver::start(&desktop, env.clone())?;
    let wd = WebDriver::launch(&driver, &window_bin(), &[])?;
    wd.wait_for("body[data-ready='true']", WAIT)?;

    // Type a description and start the timer.
    let description = "E2E: quarterly report";
    wd.find("#description")?.send_keys(description)?;
    wd.find("#toggle")?.click()?;
    wd.wait_for_text("#toggle", WAIT, |t| t == "Stop")?;

    // The elapsed time ticks.
    let first = wd.find("#elapsed")?.text()?;
    let later = wd.wait_for_text("#elapsed", WAIT, |t| seconds(t) >= seconds(&first) + 2)?;
    assert!(seconds(&later) >= 2, "elapsed {first} -> {later}");

    // Stop: the entry is in today's list with its description.
    wd.find("#toggle")?.click()?;
    wd.wait_for_text("#toggle", WAIT, |t| t == "Start")?;
    let rows = wd.wait_for_text("#entries", WAIT, |t| t.contains(description))?;
    assert_eq!(entry_count(&wd)?, 1, "one entry in today's list: {rows:?}");
    let total = wd.find("#total")?.text()?;
    assert!(seconds(&total) >= 2, "day total {total}");

    // And in the SQLite file, stopped, with the time that passed.
    let db = Connection::open(data_dir.join("stint.db"))?;
    let (desc, secs): (String, f64) = db.query_row(
        "SELECT description, (julianday(end_utc) - julianday(start_utc)) * 86400 FROM entries",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    assert_eq!(desc, description);
    assert!(secs >= 2.0, "stored duration {secs} s");
    drop(db);

    // Two processes: the agent (no web engine) and the window with its web engine.
    let agent = agent_pid(&data_dir).context("the agent process")?;
    let window = window_pid(&data_dir).context("the window process")?;
    assert_ne!(agent, window);
    let names = processes_of(&data_dir);
    assert!(
        !web_engine(&names).is_empty(),
        "a window has WebKit processes: {names:?}"
    );
    assert!(
        stint_testkit::children(agent)
            .iter()
            .all(|(_, n)| !n.starts_with("WebKit")),
        "the agent runs no web engine"
    );

    // Close the window: its process ends and every web-engine process with it; the agent
    // lives on in the tray.
    desktop.close_window_until(
        "Stint",
        WAIT,
        "the window process and the web engine to end",
        || {
            let names = processes_of(&data_dir);
            (window_pid(&data_dir).is_none() && web_engine(&names).is_empty()).then_some(())
        },
    )?;
    assert!(
        desktop.windows_named("Stint").is_empty(),
        "the window is gone"
    );
    assert_eq!(agent_pid(&data_dir), Some(agent), "the agent still runs");
    // The session's app is gone; end the session so the driver takes a new one. Its
    // answer about an app that already left does not matter.
    let _ = wd.quit();

    // A second launch hands over to the running agent, which opens a new window.
    let said = launch_again(&desktop, &env)?;
    assert!(said.contains("already running"), "{said}");
    wait_until(WAIT, "the window to come back", || {
        (!desktop.windows_named("Stint").is_empty()).then_some(())
    })?;
    assert_eq!(
        agent_pid(&data_dir),
        Some(agent),
        "still the same single agent"
    );

    // Closed again, and opened by hand: a window started while the agent runs uses it and
    // shows the same list.
    desktop.close_window_until("Stint", WAIT, "the window process to end", || {
        window_pid(&data_dir).is_none().then_some(())
    })?;
    let wd = WebDriver::launch(&driver, &window_bin(), &[])?;
    wd.wait_for("body[data-ready='true']", WAIT)?;
    wd.wait_for_text("#entries", WAIT, |t| t.contains(description))?;
    assert_eq!(entry_count(&wd)?, 1);
    assert_eq!(agent_pid(&data_dir), Some(agent), "no second agent");
    wd.quit()?;
    drop(driver);
    Ok(())
}

/// The agent answers on its socket: `stint-cli` starts a timer the window shows, and an
/// OpenWindow call brings a closed window back (in a new window process).
#[test]
fn the_agent_answers_on_its_socket() -> anyhow::Result<()> {
    let desktop = Desktop::start("1280x800x24")?;
    let _tray = TrayHost::start(&desktop.dbus_address)?;
    let root = tempfile::tempdir()?;
    let socket = root.path().join("run").join("agent.sock");
    let _agent = AgentReaper(root.path().join("data"));
    let env = vec![
        ("STINT_DATA_DIR", root.path().join("data")),
        ("STINT_CONFIG_DIR", root.path().join("config")),
        ("STINT_SOCKET", socket.clone()),
    ];
    let driver = TauriDriver::start(&desktop, env)?;
    let wd = WebDriver::launch(&driver, &window_bin(), &[])?;
    wd.wait_for("body[data-ready='true']", WAIT)?;
    assert!(socket.exists(), "the agent serves the socket");

    let elsewhere = tempfile::tempdir()?;
    let out = std::process::Command::new(stint_tests::cli_bin())
        .args(["start", "From", "the", "terminal"])
        .env("STINT_SOCKET", &socket)
        .env("STINT_DATA_DIR", elsewhere.path().join("data"))
        .env("STINT_CONFIG_DIR", elsewhere.path().join("config"))
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wd.wait_for_text("#toggle", WAIT, |t| t == "Stop")?;
    wd.wait_for_text("#entries", WAIT, |t| t.contains("From the terminal"))?;

    desktop.close_window_until("Stint", WAIT, "the window to close", || {
        desktop.windows_named("Stint").is_empty().then_some(())
    })?;
    let answer = stint_ipc::socket::call(&socket, stint_ipc::protocol::Command::OpenWindow)?;
    assert_eq!(answer, Ok(stint_ipc::protocol::Answer::Done));
    wait_until(WAIT, "the window to come back", || {
        (!desktop.windows_named("Stint").is_empty()).then_some(())
    })?;
    let _ = wd.quit();
    drop(driver);
    Ok(())
}

/// The same without WebDriver, as a user runs it: `stint` starts, shows its window; the
/// window closes and only the agent is left, with no web engine anywhere.
#[test]
fn closing_the_window_leaves_only_the_agent() -> anyhow::Result<()> {
    let desktop = Desktop::start("1280x800x24")?;
    let _tray = TrayHost::start(&desktop.dbus_address)?;
    let root = tempfile::tempdir()?;
    let data_dir = root.path().join("data");
    let env = vec![
        ("STINT_DATA_DIR", data_dir.clone()),
        ("STINT_CONFIG_DIR", root.path().join("config")),
    ];
    let mut command = desktop.command(agent_bin());
    command.envs(env.clone());
    let agent = Guard::new("stint", command.spawn()?);
    // Dropped before the guard: the window goes first, so nothing restarts the agent.
    let _everything = AgentReaper(data_dir.clone());
    let pid = agent.pid();
    wait_until(WAIT, "the window with its web engine", || {
        let names = processes_of(&data_dir);
        (!desktop.windows_named("Stint").is_empty() && !web_engine(&names).is_empty()).then_some(())
    })?;

    desktop.close_window_until("Stint", WAIT, "everything but the agent to end", || {
        let names = processes_of(&data_dir);
        (names == ["stint"]).then_some(())
    })?;
    assert!(
        Path::new(&format!("/proc/{pid}")).exists(),
        "the agent still runs in the tray"
    );

    // Reopening starts a fresh window process and a working page.
    launch_again(&desktop, &env)?;
    wait_until(WAIT, "the window to come back with its web engine", || {
        let names = processes_of(&data_dir);
        (!desktop.windows_named("Stint").is_empty() && !web_engine(&names).is_empty()).then_some(())
    })?;
    Ok(())
}

#[test]
fn without_a_display_both_programs_say_so_in_one_line() -> anyhow::Result<()> {
    let root = tempfile::tempdir()?;
    for program in [agent_bin(), window_bin()] {
        for display in [None, Some(":9876")] {
            let mut cmd = std::process::Command::new(&program);
            cmd.env_remove("WAYLAND_DISPLAY")
                .env("STINT_DATA_DIR", root.path().join("data"))
                .env("STINT_CONFIG_DIR", root.path().join("config"));
            match display {
                Some(d) => cmd.env("DISPLAY", d),
                None => cmd.env_remove("DISPLAY"),
            };
            let out = cmd.output()?;
            let stderr = String::from_utf8_lossy(&out.stderr);
            let what = format!("{} with {display:?}", program.display());
            assert_eq!(out.status.code(), Some(1), "{what}: {stderr}");
            let lines: Vec<_> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
            assert_eq!(lines.len(), 1, "{what}: one line, got {stderr:?}");
            assert!(
                lines[0].starts_with("stint: ") && lines[0].contains("display"),
                "{stderr}"
            );
            assert!(!stderr.contains("panicked"), "{stderr}");
        }
    }
    Ok(())
}

#[test]
fn without_a_tray_closing_the_window_quits() -> anyhow::Result<()> {
    // No tray host on this desktop's bus.
    let desktop = Desktop::start("1280x800x24")?;
    let root = tempfile::tempdir()?;
    let data_dir = root.path().join("data");
    let mut app = desktop.command(agent_bin());
    app.env("STINT_DATA_DIR", &data_dir)
        .env("STINT_CONFIG_DIR", root.path().join("config"));
    let mut app = Guard::new("stint", app.spawn()?);
    wait_until(WAIT, "the window", || {
        (!desktop.windows_named("Stint").is_empty()).then_some(())
    })?;
    let status = desktop.close_window_until("Stint", WAIT, "the agent to quit", || {
        app.child.try_wait().ok().flatten()
    })?;
    assert!(status.success(), "{status}");
    wait_until(WAIT, "every process of Stint to end", || {
        processes_of(&data_dir).is_empty().then_some(())
    })?;
    Ok(())
}
