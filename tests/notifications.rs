//! The idle prompt as an actionable desktop notification: the test plays the notification
//! server on the desktop's private bus. With a timer running and a short threshold, no
//! input, then real X input: one notification with the answers that apply; invoking
//! "Discard" ends the entry where the idle time began, with no window opened, and the
//! notification goes. Where the server offers no buttons, the small prompt window opens
//! instead. Workspace notices arrive as plain notifications. Reminders (issue 18), with
//! work hours all day and short intervals: "no timer" offers Start, which starts one;
//! "still running" offers Stop, which stops it. Pomodoro with seconds-long rounds: a break
//! not counted is cut out of the entry, a counted one stays.

use std::time::Duration;

use serde_json::Value;
use stint_testkit::dbus::{NotificationServer, TrayHost};
use stint_testkit::{wait_until, Desktop, Guard};
use stint_tests::{agent_bin, cli_bin, AgentReaper, WAIT};

struct Run {
    // The agent goes before the services it talks to, and they before the desktop.
    _agent: Guard,
    _reaper: AgentReaper,
    notifications: NotificationServer,
    _tray: TrayHost,
    desktop: Desktop,
    env: Vec<(&'static str, std::path::PathBuf)>,
    _root: tempfile::TempDir,
}

/// A desktop with a tray and a notification server that offers buttons or not, and the
/// agent on it.
fn start(with_actions: bool) -> anyhow::Result<Run> {
    start_with(
        with_actions,
        r#"{"idle": {"enabled": true, "thresholdSeconds": 3}}"#,
    )
}

/// The same with the given settings file.
fn start_with(with_actions: bool, settings_json: &str) -> anyhow::Result<Run> {
    let desktop = Desktop::start("1280x800x24")?;
    let tray = TrayHost::start(&desktop.dbus_address)?;
    let notifications = NotificationServer::start(&desktop.dbus_address, with_actions)?;
    let root = tempfile::tempdir()?;
    let data_dir = root.path().join("data");
    let config = root.path().join("config");
    std::fs::create_dir_all(&config)?;
    std::fs::write(config.join("settings.json"), settings_json)?;
    let env = vec![
        ("STINT_DATA_DIR", data_dir.clone()),
        ("STINT_CONFIG_DIR", config),
    ];
    let mut command = desktop.command(agent_bin());
    command.arg("--no-window").envs(env.clone());
    let agent = Guard::new("stint", command.spawn()?);
    let reaper = AgentReaper(data_dir.clone());
    stint_tests::wait_for_agent(&data_dir)?;
    Ok(Run {
        _agent: agent,
        _reaper: reaper,
        notifications,
        _tray: tray,
        desktop,
        env,
        _root: root,
    })
}

impl Run {
    fn cli(&self, args: &[&str]) -> Value {
        let out = self
            .desktop
            .command(cli_bin())
            .args(args)
            .envs(self.env.iter().cloned())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// A timer, input, more than the threshold without input, then input again.
    fn go_idle_and_come_back(&self) -> anyhow::Result<()> {
        wait_until(WAIT, "the agent's socket", || {
            let out = self
                .desktop
                .command(cli_bin())
                .arg("status")
                .envs(self.env.iter().cloned())
                .output()
                .ok()?;
            out.status.success().then_some(())
        })?;
        // Input first, so the time since the desktop started does not count as idle.
        self.desktop.run("xdotool", &["mousemove", "5", "5"])?;
        self.cli(&["start", "Deep", "work"]);
        // Away for longer than the 3 s threshold: real time passes for the X server.
        std::thread::sleep(Duration::from_secs(5));
        self.desktop.run("xdotool", &["mousemove", "300", "300"])?;
        Ok(())
    }
}

#[test]
fn the_idle_prompt_is_answered_through_the_notification() -> anyhow::Result<()> {
    let run = start(true)?;
    let server = &run.notifications;
    run.go_idle_and_come_back()?;
    let prompt = server.wait_for(WAIT, "the idle notification", |n| {
        n.summary.contains("idle")
    })?;
    assert!(prompt.body.starts_with("Idle since"), "{prompt:?}");
    let keys: Vec<&str> = prompt.actions.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "default",
            "keep",
            "discard",
            "discardAndContinue",
            "keepAsNewEntry"
        ],
        "the answers that apply to a running timer"
    );
    assert_eq!(prompt.urgency, Some(2), "it stays until answered");
    assert!(
        run.desktop.windows_named("Stint — idle time").is_empty(),
        "no window needed"
    );

    server.invoke(prompt.id, "discard")?;
    let stopped = wait_until(WAIT, "the entry to end at the idle start", || {
        let today = run.cli(&["today"]);
        today["running"].is_null().then_some(today)
    })?;
    let entry = &stopped["entries"][0];
    assert_eq!(entry["description"], "Deep work");
    let end: chrono::DateTime<chrono::Utc> = entry["end"].as_str().unwrap().parse()?;
    let start: chrono::DateTime<chrono::Utc> = entry["start"].as_str().unwrap().parse()?;
    assert!(
        (end - start).num_seconds() < 3,
        "the idle time was taken out: {entry}"
    );
    server.wait_for(WAIT, "the notification to go", |n| {
        n.id == prompt.id && n.closed
    })?;
    Ok(())
}

#[test]
fn without_buttons_the_prompt_opens_its_small_window() -> anyhow::Result<()> {
    let run = start(false)?;
    run.go_idle_and_come_back()?;
    wait_until(WAIT, "the idle prompt window", || {
        (!run.desktop.windows_named("Stint — idle time").is_empty()).then_some(())
    })?;
    Ok(())
}

#[test]
fn reminders_start_and_stop_the_timer_from_their_buttons() -> anyhow::Result<()> {
    let run = start_with(
        true,
        r#"{"reminders": {"noTimer": true, "workDays": [1, 2, 3, 4, 5, 6, 7],
            "workStartMinutes": 0, "workEndMinutes": 1440,
            "noTimerEverySeconds": 5, "longTimerSeconds": 6}}"#,
    )?;
    // Input now: the time since the desktop started must not count as away.
    run.desktop.run("xdotool", &["mousemove", "5", "5"])?;
    let no_timer = run
        .notifications
        .wait_for(WAIT, "the no-timer reminder", |n| {
            n.body.contains("No timer is running")
        })?;
    assert!(
        no_timer
            .actions
            .iter()
            .any(|(key, label)| key == "start" && label == "Start timer"),
        "{no_timer:?}"
    );
    run.notifications.invoke(no_timer.id, "start")?;
    wait_until(WAIT, "the timer to run", || {
        run.cli(&["status"]).get("start").map(drop)
    })?;
    // Its reminder goes once a timer runs.
    run.notifications
        .wait_for(WAIT, "the no-timer reminder to close", |n| {
            n.id == no_timer.id && n.closed
        })?;
    let long = run
        .notifications
        .wait_for(WAIT, "the long-timer reminder", |n| {
            n.body.contains("has been running for") && !n.closed
        })?;
    assert!(
        long.actions.iter().any(|(key, _)| key == "stop"),
        "{long:?}"
    );
    run.notifications.invoke(long.id, "stop")?;
    wait_until(WAIT, "the timer to stop", || {
        run.cli(&["status"]).is_null().then_some(())
    })?;
    let today = run.cli(&["today"]);
    assert_eq!(
        today["entries"].as_array().map(Vec::len),
        Some(1),
        "{today}"
    );
    Ok(())
}

#[test]
fn pomodoro_breaks_are_cut_out_unless_counted() -> anyhow::Result<()> {
    let run = start_with(
        true,
        r#"{"reminders": {"noTimer": false, "workDays": [], "workStartMinutes": 0,
            "workEndMinutes": 1440, "noTimerEverySeconds": 60, "longTimerSeconds": 0},
            "pomodoro": {"enabled": true, "workSeconds": 3, "breakSeconds": 3}}"#,
    )?;
    run.cli(&["start", "Essay"]);
    // Round one: the break is not counted.
    let first = run.notifications.wait_for(WAIT, "the first break", |n| {
        n.body.contains("break") && n.actions.iter().any(|(k, _)| k == "keepBreak")
    })?;
    run.notifications.wait_for(WAIT, "back to work", |n| {
        n.id == first.id && n.body.contains("back to “Essay”")
    })?;
    // Round two: counted from its button.
    run.notifications.wait_for(WAIT, "the second break", |n| {
        n.id == first.id && n.body.contains("Time for a")
    })?;
    run.notifications.invoke(first.id, "keepBreak")?;
    run.notifications
        .wait_for(WAIT, "back to work again", |n| {
            n.id == first.id && n.body.contains("back to")
        })?;
    run.cli(&["stop"]);
    let today = run.cli(&["today"]);
    let entries = today["entries"].as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 2, "one cut, no second: {today}");
    let time = |e: &Value, k: &str| -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
        Ok(e[k].as_str().unwrap_or_default().parse()?)
    };
    // Newest first: the continuation started where the first break ended.
    let (later, earlier) = (&entries[0], &entries[1]);
    let gap = time(later, "start")? - time(earlier, "end")?;
    assert_eq!(
        gap.num_seconds(),
        3,
        "the break's 3 s are not counted: {today}"
    );
    assert!(
        (time(later, "end")? - time(later, "start")?).num_seconds() >= 6,
        "the kept break stayed in the second entry: {today}"
    );
    Ok(())
}
