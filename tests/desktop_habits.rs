//! Living like a desktop app (issue 18): the window's "Start Stint when I log in" switch
//! over the package's system-wide autostart entry (the real file from `packaging/`), and
//! the same command from `stint-cli` where no package put one, each checked in the files
//! a session reads (the XDG Autostart Specification's directories); the global shortcut
//! typed with xdotool starts and stops the timer, the default one and one set in the window;
//! the problem report holds the logs without the API key or a password, and the logs folder
//! opens in the desktop's opener.

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

/// The window (and the agent it starts) on a desktop of its own with a tray, on data under
/// `root`, with `more` environment; "This computer" opened. Field order is drop order.
struct Window {
    wd: WebDriver,
    _driver: TauriDriver,
    _agent: AgentReaper,
    _tray: TrayHost,
    desktop: Desktop,
    env: Vec<(&'static str, std::path::PathBuf)>,
}

impl Window {
    fn open(root: &Path, more: &[(&'static str, std::path::PathBuf)]) -> anyhow::Result<Window> {
        let desktop = Desktop::start("1280x800x24")?;
        let tray = TrayHost::start(&desktop.dbus_address)?;
        let data_dir = root.join("data");
        let agent = AgentReaper(data_dir.clone());
        let mut env = vec![
            ("STINT_DATA_DIR", data_dir),
            ("STINT_CONFIG_DIR", root.join("config")),
        ];
        env.extend_from_slice(more);
        let driver = TauriDriver::start(&desktop, env.clone())?;
        let wd = WebDriver::launch(&driver, &window_bin(), &[])?;
        wd.wait_for("body[data-ready='true']", WAIT)?;
        wd.find("#desktop-settings summary")?.click()?;
        Ok(Window {
            wd,
            _driver: driver,
            _agent: agent,
            _tray: tray,
            desktop,
            env,
        })
    }
}

#[test]
fn start_at_login_switch_hides_and_restores_the_packages_entry() -> anyhow::Result<()> {
    let root = tempfile::tempdir()?;
    // The package's entry, where the package puts it (under a private XDG_CONFIG_DIRS).
    let system = root.path().join("xdg");
    std::fs::create_dir_all(system.join("autostart"))?;
    let packaged =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/desktop/stint-autostart.desktop");
    std::fs::copy(&packaged, system.join("autostart/stint.desktop"))?;
    let window = Window::open(root.path(), &[("XDG_CONFIG_DIRS", system.clone())])?;
    let (wd, desktop, env) = (&window.wd, &window.desktop, &window.env);
    let user_file = desktop.home.path().join("config/autostart/stint.desktop");

    // Installed: on, and the window says it is everyone's.
    wait_switch(wd, true)?;
    let note = wd.find("#autostart-note")?.text()?;
    assert!(note.contains("turning it off affects only you"), "{note}");
    assert!(!user_file.exists());

    // Off: a user entry that hides the package's, which stays as it was.
    wd.find("#autostart")?.click()?;
    wait_switch(wd, false)?;
    let text = std::fs::read_to_string(&user_file)?;
    assert!(EntryState::parse(&text).hidden, "{text}");
    assert_eq!(
        std::fs::read(system.join("autostart/stint.desktop"))?,
        std::fs::read(&packaged)?
    );

    // On again: the override is gone, the package's entry decides.
    wd.find("#autostart")?.click()?;
    wait_switch(wd, true)?;
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
    let Window { wd, .. } = window;
    wd.quit()
}

#[test]
fn the_global_shortcut_starts_and_stops_the_timer() -> anyhow::Result<()> {
    let root = tempfile::tempdir()?;
    let data_dir = root.path().join("data");
    let window = Window::open(root.path(), &[])?;
    let (wd, desktop) = (&window.wd, &window.desktop);
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

    // About names the version and where the logs are.
    wd.find("#about summary")?.click()?;
    wd.wait_for_text("#about-version", WAIT, |t| t == env!("CARGO_PKG_VERSION"))?;
    let logs = wd.find("#about-logs")?.text()?;
    assert_eq!(logs, data_dir.join("logs").display().to_string());
    let Window { wd, .. } = window;
    wd.quit()
}

/// `stint-cli` on its own data under `root`, with `home` as its home (and no Downloads
/// folder, so reports land in the home) and `path_first` before the PATH.
fn cli_at(root: &Path, home: &Path, path_first: &Path, args: &[&str]) -> anyhow::Result<String> {
    let path = format!(
        "{}:{}",
        path_first.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new(cli_bin())
        .args(args)
        .env("STINT_DATA_DIR", root.join("data"))
        .env("STINT_CONFIG_DIR", root.join("config"))
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_RUNTIME_DIR", home)
        .env("PATH", path)
        .env_remove("DISPLAY")
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "stint-cli {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn the_problem_report_holds_the_logs_without_secrets_and_the_logs_folder_opens(
) -> anyhow::Result<()> {
    use std::io::Read;
    let server = stint_testkit::TestServer::start()?;
    let key = server.add_user("Acme", "ada@example.com", "regular")?;
    let root = tempfile::tempdir()?;
    let home = root.path().join("home");
    let bin = root.path().join("bin");
    std::fs::create_dir_all(&home)?;
    std::fs::create_dir_all(&bin)?;
    // The desktop's opener, played by a script that notes what it was asked to open.
    let opened = root.path().join("opened");
    // Written aside and moved in place: the opener may not wait for it to finish.
    let script = format!(
        "#!/bin/sh\nprintf '%s' \"$1\" > '{0}.part' && mv '{0}.part' '{0}'\n",
        opened.display()
    );
    std::fs::write(bin.join("xdg-open"), script)?;
    std::fs::set_permissions(
        bin.join("xdg-open"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )?;
    let cli = |args: &[&str]| cli_at(root.path(), &home, &bin, args);

    cli(&["sign-in", &server.url, &key])?;
    cli(&["start", "Quarterly report"])?;
    // What an old version or a library might have logged (stint-cli itself logs to stderr).
    let log = root.path().join("data/logs/agent.log");
    std::fs::create_dir_all(root.path().join("data/logs"))?;
    let mut text = std::fs::read_to_string(&log).unwrap_or_default();
    text.push_str(&format!(
        "WARN request failed key={key} url=postgres://stint:hunter2@db/stint\nINFO a line worth keeping\n"
    ));
    std::fs::write(&log, text)?;
    // Links in the logs folder lead out of it (to the database, the sign-in): never followed.
    std::fs::hard_link(
        root.path().join("data/stint.db"),
        root.path().join("data/logs/hard.log"),
    )?;
    std::os::unix::fs::symlink(
        root.path().join("data/stint.db"),
        root.path().join("data/logs/db.log"),
    )?;
    std::os::unix::fs::symlink(
        root.path().join("config"),
        root.path().join("data/logs/config.log"),
    )?;

    let about: serde_json::Value = serde_json::from_str(&cli(&["about"])?)?;
    assert_eq!(about["version"], json!(env!("CARGO_PKG_VERSION")));
    let report: String = serde_json::from_str(&cli(&["report"])?)?;
    let report = std::path::PathBuf::from(report);
    assert_eq!(
        report.parent(),
        Some(home.as_path()),
        "{}",
        report.display()
    );
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&report)?)?;
    let names = zip
        .file_names()
        .map(|n| n.map(|n| n.into_owned()))
        .collect::<Result<Vec<String>, _>>()?;
    assert!(names.contains(&"about.txt".to_owned()), "{names:?}");
    assert!(names.contains(&"logs/agent.log".to_owned()), "{names:?}");
    assert!(
        names
            .iter()
            .all(|n| !n.ends_with(".db") && !n.contains("sign-in")),
        "no database or sign-in in a report: {names:?}"
    );
    let mut all = String::new();
    for i in 0..zip.len() {
        zip.by_index(i)?.read_to_string(&mut all)?;
    }
    assert!(!all.contains(&key), "the API key is in the report");
    assert!(!all.contains("hunter2"), "a password is in the report");
    assert!(all.contains("INFO a line worth keeping"));
    assert!(all.contains(&format!("Stint {}", env!("CARGO_PKG_VERSION"))));
    assert!(all.contains("skipped logs/db.log (a link)"), "{all}");
    assert!(all.contains("skipped logs/hard.log (a link)"), "{all}");
    assert!(
        !all.contains("SQLite format"),
        "a database went into the report"
    );
    // A second report in the same second gets a name of its own.
    let again: String = serde_json::from_str(&cli(&["report"])?)?;
    assert_ne!(std::path::PathBuf::from(&again), report);

    cli(&["open-logs"])?;
    let asked = wait_until(WAIT, "the opener to be asked", || {
        std::fs::read_to_string(&opened).ok()
    })?;
    assert_eq!(asked, root.path().join("data/logs").display().to_string());
    Ok(())
}
