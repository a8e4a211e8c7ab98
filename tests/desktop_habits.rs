//! Living like a desktop app (issue 18): the window's "Start Stint when I log in" switch
//! over the package's system-wide autostart entry (the real file from `packaging/`), and
//! the same command from `stint-cli` where no package put one, each checked in the files
//! a session reads (the XDG Autostart Specification's directories); the global shortcut
//! typed with xdotool starts and stops the timer, the default one and one set in the window.

use std::path::Path;

use serde_json::json;
use stint_core::autostart::EntryState;
use stint_testkit::dbus::TrayHost;
use stint_testkit::{wait_until, Desktop, TauriDriver, WebDriver};
use stint_tests::{agent_bin, cli_bin, window_bin, AgentReaper, WAIT};

fn checked(wd: &WebDriver) -> anyhow::Result<bool> {
    Ok(wd.find("#autostart")?.property("checked")? == json!(true))
}

/// Waits until the switch can be used again and shows `on`.
fn wait_switch(wd: &WebDriver, on: bool) -> anyhow::Result<()> {
    wait_until(WAIT, &format!("the switch to show {on}"), || {
        let ready = wd.find("#autostart").ok()?.property("disabled").ok()? == json!(false);
        (ready && checked(wd).ok()? == on).then_some(())
    })
}

#[test]
fn start_at_login_switch_hides_and_restores_the_packages_entry() -> anyhow::Result<()> {
    let desktop = Desktop::start("1280x800x24")?;
    let _tray = TrayHost::start(&desktop.dbus_address)?;
    let root = tempfile::tempdir()?;
    let data_dir = root.path().join("data");
    let _agent = AgentReaper(data_dir.clone());
    // The package's entry, where the package puts it (under a private XDG_CONFIG_DIRS).
    let system = root.path().join("xdg");
    std::fs::create_dir_all(system.join("autostart"))?;
    let packaged =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/desktop/stint-autostart.desktop");
    std::fs::copy(&packaged, system.join("autostart/stint.desktop"))?;
    let user_file = desktop.home.path().join("config/autostart/stint.desktop");
    let env = vec![
        ("STINT_DATA_DIR", data_dir.clone()),
        ("STINT_CONFIG_DIR", root.path().join("config")),
        ("XDG_CONFIG_DIRS", system.clone()),
    ];
    let driver = TauriDriver::start(&desktop, env.clone())?;
    let wd = WebDriver::launch(&driver, &window_bin(), &[])?;
    wd.wait_for("body[data-ready='true']", WAIT)?;
    wd.find("#desktop-settings summary")?.click()?;

    // Installed: on, and the window says it is everyone's.
    wait_switch(&wd, true)?;
    let note = wd.find("#autostart-note")?.text()?;
    assert!(note.contains("turning it off affects only you"), "{note}");
    assert!(!user_file.exists());

    // Off: a user entry that hides the package's, which stays as it was.
    wd.find("#autostart")?.click()?;
    wait_switch(&wd, false)?;
    let text = std::fs::read_to_string(&user_file)?;
    assert!(EntryState::parse(&text).hidden, "{text}");
    assert_eq!(
        std::fs::read(system.join("autostart/stint.desktop"))?,
        std::fs::read(&packaged)?
    );

    // On again: the override is gone, the package's entry decides.
    wd.find("#autostart")?.click()?;
    wait_switch(&wd, true)?;
    assert!(!user_file.exists(), "the hiding entry is removed");

    // Without the package (a source checkout): on writes an entry that starts this agent
    // with no window, off removes it. Asked through stint-cli, over the agent's socket.
    std::fs::remove_file(system.join("autostart/stint.desktop"))?;
    let cli = |arg: &str| -> anyhow::Result<serde_json::Value> {
        let mut cmd = desktop.command(cli_bin());
        cmd.args(["autostart", arg])
            .envs(env.iter().map(|(k, v)| (k, v)));
        let out = cmd.output()?;
        anyhow::ensure!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(serde_json::from_slice(&out.stdout)?)
    };
    let on = cli("on")?;
    assert_eq!(on, json!({"enabled": true, "packaged": false}));
    let text = std::fs::read_to_string(&user_file)?;
    let exec = format!("Exec={} --no-window\n", agent_bin().display());
    assert!(text.contains(&exec), "{text}");
    assert!(!EntryState::parse(&text).hidden);
    let off = cli("off")?;
    assert_eq!(off, json!({"enabled": false, "packaged": false}));
    assert!(!user_file.exists());
    wd.quit()
}

#[test]
fn the_global_shortcut_starts_and_stops_the_timer() -> anyhow::Result<()> {
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
    wd.find("#desktop-settings summary")?.click()?;
    let shown = wd.find("#shortcut")?.property("value")?;
    assert_eq!(shown, json!("Ctrl+Alt+Shift+Space"), "the default");

    // The default, typed anywhere on the desktop: the timer starts, then stops.
    desktop.run("xdotool", &["key", "ctrl+alt+shift+space"])?;
    wd.wait_for_text("#toggle", WAIT, |t| t == "Stop")?;
    desktop.run("xdotool", &["key", "ctrl+alt+shift+space"])?;
    wd.wait_for_text("#toggle", WAIT, |t| t == "Start")?;

    // A new one from the window: taken at once, the old one let go.
    let field = wd.find("#shortcut")?;
    field.clear()?;
    field.send_keys("super+F8")?;
    wd.find("#shortcut-save")?.click()?;
    wd.wait_for("#shortcut-saved:not([hidden])", WAIT)?;
    assert_eq!(wd.find("#shortcut")?.property("value")?, json!("Super+F8"));
    desktop.run("xdotool", &["key", "super+F8"])?;
    wd.wait_for_text("#toggle", WAIT, |t| t == "Stop")?;

    // Nonsense is refused with the reason, and the shortcut in force stays.
    let field = wd.find("#shortcut")?;
    field.clear()?;
    field.send_keys("Shift+A")?;
    wd.find("#shortcut-save")?.click()?;
    let problem = wd.wait_for_text("#shortcut-problem", WAIT, |t| !t.is_empty())?;
    assert!(problem.contains("needs Ctrl, Alt or Super"), "{problem}");
    desktop.run("xdotool", &["key", "super+F8"])?;
    wd.wait_for_text("#toggle", WAIT, |t| t == "Start")?;
    let settings = std::fs::read_to_string(root.path().join("config/settings.json"))?;
    assert!(
        settings.contains("\"shortcut\": \"Super+F8\""),
        "{settings}"
    );
    wd.quit()
}
