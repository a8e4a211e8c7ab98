//! The tray through a real StatusNotifier host: the test owns `org.kde.StatusNotifierWatcher`
//! on the desktop's private session bus, as a panel does; the agent's item registers there.
//! The host reads the item's title and icon and its dbusmenu layout, and clicks Start, Stop,
//! a recent entry, Pause, Open Stint and the icon: the timer and the window follow. Quit
//! ends the agent. The agent maps no web engine and no GTK.

use serde_json::Value;
use stint_testkit::dbus::TrayHost;
use stint_testkit::{wait_until, Desktop, Guard};
use stint_tests::{agent_bin, cli_bin, window_pid, AgentReaper, WAIT};

/// `stint-cli` against the agent of this test.
fn cli(desktop: &Desktop, env: &[(&str, std::path::PathBuf)], args: &[&str]) -> Value {
    let out = desktop
        .command(cli_bin())
        .args(args)
        .envs(env.iter().cloned())
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
fn the_tray_shows_the_timer_and_its_menu_drives_the_agent() -> anyhow::Result<()> {
    let desktop = Desktop::start("1280x800x24")?;
    let host = TrayHost::start(&desktop.dbus_address)?;
    let root = tempfile::tempdir()?;
    let data_dir = root.path().join("data");
    let env = vec![
        ("STINT_DATA_DIR", data_dir.clone()),
        ("STINT_CONFIG_DIR", root.path().join("config")),
    ];
    let mut command = desktop.command(agent_bin());
    command.arg("--no-window").envs(env.clone());
    let mut agent = Guard::new("stint", command.spawn()?);
    let _rest = AgentReaper(data_dir.clone());
    host.wait_for_item(WAIT)?;
    assert_eq!(host.text("Id")?, "stint");
    assert_eq!(host.text("Title")?, "Stint");
    let stopped_icon = host.icons()?;
    assert_eq!(stopped_icon.len(), 1);
    assert_eq!((stopped_icon[0].0, stopped_icon[0].1), (64, 64));
    assert_eq!(stopped_icon[0].2.len(), 64 * 64 * 4, "ARGB32 pixels");

    let menu = host.menu()?;
    let labels: Vec<&str> = menu.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels[0], "Stopped", "{labels:?}");
    let entry = |label: &str| menu.iter().find(|e| e.label == label).cloned();
    assert!(entry("Start timer").unwrap().enabled);
    assert!(!entry("Stop timer").unwrap().enabled);
    assert!(entry("Open Stint").is_some() && entry("Quit").is_some());
    assert!(entry("Idle time…").is_none(), "no prompt waits");

    // Start from the tray: the agent runs a timer, the title says so, the icon changes.
    host.click("Start timer")?;
    wait_until(WAIT, "the timer to run", || {
        (!cli(&desktop, &env, &["status"]).is_null()).then_some(())
    })?;
    wait_until(WAIT, "the title to show the timer", || {
        host.text("Title")
            .ok()
            .filter(|t| t.starts_with("Running · 0:0"))
    })?;
    assert_ne!(host.icons()?, stopped_icon, "the running icon");
    let menu = host.menu()?;
    assert!(menu[0].label.starts_with("Running · 0:0"), "{menu:?}");
    assert!(menu.iter().any(|e| e.label == "Stop timer" && e.enabled));

    // Stop from the tray.
    host.click("Stop timer")?;
    wait_until(WAIT, "the timer to stop", || {
        cli(&desktop, &env, &["status"]).is_null().then_some(())
    })?;
    wait_until(WAIT, "the title to say stopped", || {
        host.text("Title").ok().filter(|t| t == "Stint")
    })?;

    // An entry made elsewhere becomes a recent entry to continue with one click.
    cli(&desktop, &env, &["start", "Quarterly", "report"]);
    cli(&desktop, &env, &["stop"]);
    wait_until(WAIT, "the recent entry in the menu", || {
        host.menu()
            .ok()?
            .iter()
            .any(|e| e.label == "Continue: Quarterly report")
            .then_some(())
    })?;
    host.click("Continue: Quarterly report")?;
    let running = wait_until(WAIT, "the continued timer", || {
        let status = cli(&desktop, &env, &["status"]);
        (status["description"] == "Quarterly report").then_some(status)
    })?;
    let today = cli(&desktop, &env, &["today"]);
    assert_eq!(today["entries"].as_array().unwrap().len(), 3, "{today}");
    assert_ne!(running["id"], today["entries"][1]["id"], "a new entry");

    // Pause and resume the auto tracker.
    host.click("Pause auto tracker")?;
    wait_until(WAIT, "the switch to say Resume", || {
        host.menu()
            .ok()?
            .iter()
            .any(|e| e.label == "Resume auto tracker")
            .then_some(())
    })?;
    host.click("Resume auto tracker")?;

    // Open Stint: the window process starts; a click on the icon brings it up again.
    host.click("Open Stint")?;
    wait_until(WAIT, "the window", || {
        (!desktop.windows_named("Stint").is_empty()).then_some(())
    })?;
    let window = window_pid(&data_dir).expect("a window process");
    desktop.close_window_until("Stint", WAIT, "the window to close", || {
        window_pid(&data_dir).is_none().then_some(())
    })?;
    host.activate()?;
    wait_until(WAIT, "the window from a click on the icon", || {
        (!desktop.windows_named("Stint").is_empty()).then_some(())
    })?;
    assert_ne!(window_pid(&data_dir), Some(window), "a new window process");

    // The agent holds no web engine and no toolkit: its maps name neither.
    let maps = std::fs::read_to_string(format!("/proc/{}/maps", agent.pid()))?;
    for library in ["webkit", "javascriptcore", "libgtk", "libLLVM"] {
        assert!(
            !maps.to_lowercase().contains(&library.to_lowercase()),
            "the agent maps {library}"
        );
    }

    // Quit with the window open ends both: the window does not start the agent again.
    host.click("Quit")?;
    let status = wait_until(WAIT, "the agent to quit", || {
        agent.child.try_wait().ok().flatten()
    })?;
    assert!(status.success(), "{status}");
    wait_until(WAIT, "the window to close", || {
        window_pid(&data_dir).is_none().then_some(())
    })?;
    // A window that started the agent again would have spawned it before it ended.
    assert_eq!(
        stint_tests::agent_pid(&data_dir),
        None,
        "no agent started again"
    );
    Ok(())
}
