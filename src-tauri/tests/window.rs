//! The real app in a real WebKit window on a private X server, driven over WebDriver.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use rusqlite::Connection;
use stint_testkit::{children, find_process, Desktop, TauriDriver, WebDriver};

const APP: &str = env!("CARGO_BIN_EXE_stint");
const WAIT: Duration = Duration::from_secs(20);

/// The app's WebKit helper processes (web content, network), by short name.
fn webkit_children(pid: u32) -> Vec<String> {
    children(pid)
        .into_iter()
        .map(|(_, name)| name)
        .filter(|n| n.starts_with("WebKit"))
        .collect()
}

fn has_web_process(pid: u32) -> bool {
    webkit_children(pid)
        .iter()
        .any(|n| n.starts_with("WebKitWebProc"))
}

fn entry_count(wd: &WebDriver) -> anyhow::Result<u64> {
    let n = wd.execute(
        "return document.querySelectorAll('#entries li.entry').length",
        vec![],
    )?;
    n.as_u64().context("a count")
}

/// Starts the app once more; it should hand over to the running one and exit.
fn launch_again(
    desktop: &Desktop,
    env: &[(&str, std::path::PathBuf)],
) -> anyhow::Result<std::process::ExitStatus> {
    let mut cmd = desktop.command(APP);
    cmd.envs(env.iter().cloned());
    let mut second = stint_testkit::Guard::new("second stint", cmd.spawn()?);
    stint_testkit::wait_until(WAIT, "the second launch to hand over and exit", || {
        second.child.try_wait().ok().flatten()
    })
}

fn seconds(hms: &str) -> u64 {
    hms.split(':').fold(0, |acc, part| {
        acc * 60 + part.trim().parse::<u64>().unwrap_or(0)
    })
}

#[test]
fn track_time_in_the_window_close_it_and_reopen_it() -> anyhow::Result<()> {
    let desktop = Desktop::start("1280x800x24")?;
    let root = tempfile::tempdir()?;
    let data_dir = root.path().join("data");
    let env = vec![
        ("STINT_DATA_DIR", data_dir.clone()),
        ("STINT_CONFIG_DIR", root.path().join("config")),
    ];
    let driver = TauriDriver::start(&desktop, env.clone())?;
    let wd = WebDriver::launch(&driver, Path::new(APP), &[])?;
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

    // Close the window: the app lives on in the tray and the page's web process is gone.
    let app_pid = find_process(
        Path::new(APP),
        &format!("STINT_DATA_DIR={}", data_dir.display()),
    )
    .context("the app process")?;
    assert!(
        has_web_process(app_pid),
        "a window has a WebKit web process"
    );
    desktop.close_window("Stint")?;
    stint_testkit::wait_until(WAIT, "the WebKit web process to exit", || {
        (!has_web_process(app_pid)).then_some(())
    })?;
    assert!(
        desktop.windows_named("Stint").is_empty(),
        "the window is gone"
    );
    assert!(
        Path::new(&format!("/proc/{app_pid}")).exists(),
        "the app still runs"
    );

    // A second launch hands over to the running app, which opens a new window.
    let status = launch_again(&desktop, &env)?;
    assert!(
        status.success(),
        "the second launch exits cleanly: {status}"
    );
    stint_testkit::wait_until(WAIT, "the window to come back", || {
        (!desktop.windows_named("Stint").is_empty()).then_some(())
    })?;
    assert_eq!(
        find_process(
            Path::new(APP),
            &format!("STINT_DATA_DIR={}", data_dir.display())
        ),
        Some(app_pid),
        "still the same single app process"
    );

    // The new window shows the same list.
    let handle = stint_testkit::wait_until(WAIT, "the new window to reach WebDriver", || {
        wd.window_handles().ok()?.into_iter().last()
    })?;
    wd.switch_to_window(&handle)?;
    wd.wait_for("body[data-ready='true']", WAIT)?;
    wd.wait_for_text("#entries", WAIT, |t| t.contains(description))?;
    assert_eq!(entry_count(&wd)?, 1);

    wd.quit()?;
    drop(driver);
    Ok(())
}

/// The running app answers on the agent socket: `stint-cli` starts a timer the window
/// shows, and an OpenWindow call brings a closed window back.
#[test]
fn the_running_app_answers_on_its_socket() -> anyhow::Result<()> {
    let desktop = Desktop::start("1280x800x24")?;
    let root = tempfile::tempdir()?;
    let socket = root.path().join("run").join("agent.sock");
    let env = vec![
        ("STINT_DATA_DIR", root.path().join("data")),
        ("STINT_CONFIG_DIR", root.path().join("config")),
        ("STINT_SOCKET", socket.clone()),
    ];
    let driver = TauriDriver::start(&desktop, env)?;
    let wd = WebDriver::launch(&driver, Path::new(APP), &[])?;
    wd.wait_for("body[data-ready='true']", WAIT)?;
    stint_testkit::wait_until(WAIT, "the app's socket", || socket.exists().then_some(()))?;

    let elsewhere = tempfile::tempdir()?;
    let out = std::process::Command::new(stint_testkit::workspace_bin("stint-cli")?)
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

    desktop.close_window("Stint")?;
    stint_testkit::wait_until(WAIT, "the window to close", || {
        desktop.windows_named("Stint").is_empty().then_some(())
    })?;
    let answer = stint_agent::socket::call(&socket, stint_ipc::protocol::Command::OpenWindow)?;
    assert_eq!(answer, Ok(stint_ipc::protocol::Answer::Done));
    stint_testkit::wait_until(WAIT, "the window to come back", || {
        (!desktop.windows_named("Stint").is_empty()).then_some(())
    })?;
    wd.quit()?;
    drop(driver);
    Ok(())
}

/// The same without WebDriver, as a user runs it.
#[test]
fn closing_the_window_ends_the_web_process_without_a_driver() -> anyhow::Result<()> {
    let desktop = Desktop::start("1280x800x24")?;
    let root = tempfile::tempdir()?;
    let env = vec![
        ("STINT_DATA_DIR", root.path().join("data")),
        ("STINT_CONFIG_DIR", root.path().join("config")),
    ];
    let mut app = desktop.command(APP);
    app.envs(env.clone());
    let app = stint_testkit::Guard::new("stint", app.spawn()?);
    let pid = app.pid();
    stint_testkit::wait_until(WAIT, "the window", || {
        (!desktop.windows_named("Stint").is_empty() && has_web_process(pid)).then_some(())
    })?;

    desktop.close_window("Stint")?;
    stint_testkit::wait_until(WAIT, "the web process to exit", || {
        (!has_web_process(pid)).then_some(())
    })?;
    // WebKitGTK keeps one network process per app for its lifetime (Tauri keeps the web
    // context on Linux for that reason); nothing else may remain.
    let left = webkit_children(pid);
    assert!(
        left.iter().all(|n| n.starts_with("WebKitNetwork")),
        "{left:?}"
    );
    assert!(left.len() <= 1, "{left:?}");
    assert!(
        Path::new(&format!("/proc/{pid}")).exists(),
        "the app still runs in the tray"
    );

    // Reopening starts a fresh web process and a working page.
    let status = launch_again(&desktop, &env)?;
    assert!(
        status.success(),
        "the second launch exits cleanly: {status}"
    );
    stint_testkit::wait_until(WAIT, "the window to come back with its web process", || {
        (!desktop.windows_named("Stint").is_empty() && has_web_process(pid)).then_some(())
    })?;
    drop(app);
    Ok(())
}

#[test]
fn without_a_display_the_app_says_so_in_one_line() -> anyhow::Result<()> {
    let root = tempfile::tempdir()?;
    for display in [None, Some(":9876")] {
        let mut cmd = std::process::Command::new(APP);
        cmd.env_remove("WAYLAND_DISPLAY")
            .env("STINT_DATA_DIR", root.path().join("data"))
            .env("STINT_CONFIG_DIR", root.path().join("config"));
        match display {
            Some(d) => cmd.env("DISPLAY", d),
            None => cmd.env_remove("DISPLAY"),
        };
        let out = cmd.output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{display:?}: {stderr}");
        let lines: Vec<_> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{display:?}: one line, got {stderr:?}");
        assert!(
            lines[0].starts_with("stint: ") && lines[0].contains("display"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    Ok(())
}

#[test]
fn without_a_tray_closing_the_window_quits() -> anyhow::Result<()> {
    let desktop = Desktop::start("1280x800x24")?;
    let root = tempfile::tempdir()?;
    let mut app = desktop.command(APP);
    app.env("STINT_DATA_DIR", root.path().join("data"))
        .env("STINT_CONFIG_DIR", root.path().join("config"))
        .env("STINT_NO_TRAY", "1");
    let mut app = stint_testkit::Guard::new("stint", app.spawn()?);
    stint_testkit::wait_until(WAIT, "the window", || {
        (!desktop.windows_named("Stint").is_empty()).then_some(())
    })?;
    desktop.close_window("Stint")?;
    let status = stint_testkit::wait_until(WAIT, "the app to quit", || {
        app.child.try_wait().ok().flatten()
    })?;
    assert!(status.success(), "{status}");
    Ok(())
}
