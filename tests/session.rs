//! Locks and sleep end to end: the real agent on an X11 desktop, systemd-logind played by
//! the test on a private system bus, a timer running. A lock and an unlock well under the
//! idle threshold make one idle prompt that covers exactly the locked span; a sleep and a
//! wake make one that runs from the sleep to the first real input after waking.

use std::time::Duration;

use chrono::{DateTime, Utc};
use stint_ipc::protocol::{Answer, Command};
use stint_testkit::logind::FakeLogind;
use stint_testkit::{wait_until, Bus, Desktop, Guard};
use stint_tests::{agent_bin, AgentReaper, WAIT};

struct Run {
    _agent: Guard,
    _reaper: AgentReaper,
    logind: FakeLogind,
    _system_bus: Bus,
    desktop: Desktop,
    socket: std::path::PathBuf,
    _root: tempfile::TempDir,
}

fn start() -> anyhow::Result<Run> {
    let desktop = Desktop::start("1024x768x24")?;
    let system_bus = Bus::start()?;
    let logind = FakeLogind::start(&system_bus.address)?;
    let root = tempfile::tempdir()?;
    let data_dir = root.path().join("data");
    let config = root.path().join("config");
    std::fs::create_dir_all(&config)?;
    // Five minutes: every absence below is far shorter, so only the session's word counts.
    std::fs::write(
        config.join("settings.json"),
        r#"{"idle": {"enabled": true, "thresholdSeconds": 300}}"#,
    )?;
    let socket = root.path().join("run/agent.sock");
    let mut command = desktop.command(agent_bin());
    command
        .arg("--no-window")
        .env("STINT_DATA_DIR", &data_dir)
        .env("STINT_CONFIG_DIR", &config)
        .env("STINT_SOCKET", &socket)
        .env("STINT_NO_TRAY", "1")
        .env("DBUS_SYSTEM_BUS_ADDRESS", &system_bus.address)
        .env("XDG_SESSION_ID", "c1");
    let agent = Guard::new("stint", command.spawn()?);
    let reaper = AgentReaper(data_dir);
    wait_until(WAIT, "the agent to follow the session", || {
        (!logind.asked().is_empty()).then_some(())
    })?;
    Ok(Run {
        _agent: agent,
        _reaper: reaper,
        logind,
        _system_bus: system_bus,
        desktop,
        socket,
        _root: root,
    })
}

impl Run {
    fn ask(&self, command: Command) -> Answer {
        stint_ipc::socket::call(&self.socket, command)
            .expect("the agent answers")
            .expect("the command succeeds")
    }

    fn prompt(&self) -> Option<stint_ipc::IdlePrompt> {
        match self.ask(Command::IdlePrompt) {
            Answer::Prompt(p) => p,
            other => panic!("{other:?}"),
        }
    }

    /// Runs `act` and returns the moments just before and just after it.
    fn at(&self, act: impl FnOnce() -> anyhow::Result<()>) -> (DateTime<Utc>, DateTime<Utc>) {
        let before = Utc::now() - chrono::Duration::milliseconds(1);
        act().unwrap();
        // The agent stamps a signal when it takes it: give it the moment to.
        std::thread::sleep(Duration::from_millis(300));
        (before, Utc::now())
    }
}

fn within(t: DateTime<Utc>, (from, to): (DateTime<Utc>, DateTime<Utc>), what: &str) {
    assert!(
        from <= t && t <= to,
        "{what} at {t}, not within {from}..{to}"
    );
}

#[test]
fn a_short_lock_is_asked_about_from_the_lock_to_the_unlock() -> anyhow::Result<()> {
    let run = start()?;
    run.desktop.run("xdotool", &["mousemove", "5", "5"])?;
    run.ask(Command::StartTimer {
        work: Default::default(),
        description: "Quarterly report".into(),
    });
    std::thread::sleep(Duration::from_secs(1));
    let locked = run.at(|| run.logind.lock(true));
    std::thread::sleep(Duration::from_secs(2));
    assert!(run.prompt().is_none(), "nothing to ask while locked");
    let unlocked = run.at(|| run.logind.lock(false));
    let prompt = wait_until(WAIT, "the idle prompt", || run.prompt())?;
    within(prompt.period.start, locked, "the idle time's start");
    within(prompt.period.end, unlocked, "its end");
    assert!(!prompt.timer_stopped);
    Ok(())
}

#[test]
fn after_a_sleep_the_prompt_runs_to_the_first_input() -> anyhow::Result<()> {
    let run = start()?;
    run.desktop.run("xdotool", &["mousemove", "5", "5"])?;
    run.ask(Command::StartTimer {
        work: Default::default(),
        description: "Quarterly report".into(),
    });
    std::thread::sleep(Duration::from_secs(1));
    let slept = run.at(|| run.logind.prepare_for_sleep(true));
    std::thread::sleep(Duration::from_secs(1));
    run.at(|| run.logind.prepare_for_sleep(false));
    std::thread::sleep(Duration::from_secs(1));
    assert!(run.prompt().is_none(), "awake, but nobody is back yet");
    let back = run.at(|| {
        run.desktop
            .run("xdotool", &["mousemove", "300", "300"])
            .map(drop)
    });
    let prompt = wait_until(WAIT, "the idle prompt", || run.prompt())?;
    within(prompt.period.start, slept, "the idle time's start");
    within(prompt.period.end, back, "its end");
    Ok(())
}
