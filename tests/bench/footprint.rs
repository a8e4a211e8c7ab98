//! What Stint costs while it runs all day, side by side with ActivityWatch (aw-server-rust
//! with aw-watcher-window and aw-watcher-afk) in the same run, on the same desktop: the PSS
//! of each product's whole process tree, its CPU time and the context switches of all its
//! threads, tray only and with Stint's window open. Stint runs as a user has it: signed in
//! to a real server, a timer running, screenshots on, idle detection and the auto tracker
//! on, a tray host and a notification server on the bus. Prints figures; asserts nothing.
//!
//! `cargo build --release --workspace --bins && cargo bench -p stint-tests --bench footprint`
//! (release binaries, its own Xvfb). `STINT_BENCH_MINUTES` (10) is the measured stretch,
//! after one minute of warm-up; input is light: the pointer moves and the window in front
//! changes once a minute. ActivityWatch is measured where `STINT_BENCH_AW` names a
//! directory with `aw-server` and a virtualenv (`venv/bin/aw-watcher-window`,
//! `venv/bin/aw-watcher-afk`); see `tests/bench/README.md`.

mod measure;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use measure::{mappings, tree, tree_pss, Usage};
use stint_ipc::protocol::{Answer, Command};
use stint_testkit::dbus::{NotificationServer, TrayHost};
use stint_testkit::{wait_until, Desktop, Guard, SolidWindows, TestServer};

fn minutes() -> u64 {
    std::env::var("STINT_BENCH_MINUTES")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(10)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Light input once a minute: the pointer moves and another window comes to the front.
fn light_input(desktop: &Desktop, windows: &[String], minute: usize) {
    let x = 100 + (minute % 7) * 50;
    let _ = desktop.run("xdotool", &["mousemove", &x.to_string(), "300"]);
    let w = &windows[minute % windows.len()];
    let _ = desktop.run("xdotool", &["windowactivate", w]);
}

/// Runs `for_minutes` of light input while sampling both products; returns their usage.
fn measure_both(
    desktop: &Desktop,
    windows: &[String],
    roots: &[u32],
    for_minutes: u64,
) -> Vec<Usage> {
    let before: Vec<Usage> = roots.iter().map(|p| Usage::of_tree(*p)).collect();
    let started = Instant::now();
    for minute in 0..for_minutes {
        light_input(desktop, windows, minute as usize);
        std::thread::sleep(Duration::from_secs(60));
    }
    let elapsed = started.elapsed();
    roots
        .iter()
        .zip(before)
        .map(|(p, b)| Usage::of_tree(*p).since(&b, elapsed))
        .collect()
}

fn ask(socket: &Path, command: Command) -> anyhow::Result<Answer> {
    stint_ipc::socket::call(socket, command)?.map_err(|e| anyhow::anyhow!(e.message))
}

struct Stint {
    agent: Guard,
    socket: PathBuf,
    data_dir: PathBuf,
    _server: TestServer,
    _root: tempfile::TempDir,
}

fn start_stint(desktop: &Desktop) -> anyhow::Result<Stint> {
    let server = TestServer::start()?;
    let admin = server.add_user("Acme", "ann@acme.test", "admin")?;
    let key = server.add_user("Acme", "ben@acme.test", "regular")?;
    let base = format!("{}/api/v1", server.url);
    let (_, me) = stint_testkit::http::call(&base, "GET", "/user", Some(&admin), None, &[]);
    let settings = format!(
        "/workspaces/{}/settings",
        me["activeWorkspace"].as_str().unwrap_or("")
    );
    let body = serde_json::json!({"screenshotsEnabled": true, "screenshotMaxSide": 1280,
        "screenshotBlur": 50, "idleThresholdMinutes": 5});
    stint_testkit::http::call(&base, "PUT", &settings, Some(&admin), Some(body), &[]);

    let root = tempfile::tempdir()?;
    let data_dir = root.path().join("data");
    let socket = root.path().join("run").join("agent.sock");
    let mut command = desktop.command(stint_testkit::workspace_bin("stint")?);
    command
        .arg("--no-window")
        .env("STINT_DATA_DIR", &data_dir)
        .env("STINT_CONFIG_DIR", root.path().join("config"))
        .env("STINT_SOCKET", &socket)
        .env("STINT_SIGN_IN_SERVER", &server.url)
        .env("STINT_SIGN_IN_KEY", &key)
        .stderr(std::process::Stdio::null());
    let agent = Guard::new("stint", command.spawn()?);
    wait_until(
        Duration::from_secs(30),
        "Stint to learn the workspace's rules",
        || match ask(&socket, Command::WorkspacePolicy) {
            Ok(Answer::Policy(Some(p))) if p.screenshots_enabled => Some(()),
            _ => None,
        },
    )?;
    ask(
        &socket,
        Command::StartTimer {
            work: Default::default(),
            description: "footprint".into(),
        },
    )?;
    Ok(Stint {
        agent,
        socket,
        data_dir,
        _server: server,
        _root: root,
    })
}

/// ActivityWatch's server and its two watchers, where `STINT_BENCH_AW` says where they are.
fn start_activitywatch(
    desktop: &Desktop,
) -> anyhow::Result<Option<(Vec<Guard>, tempfile::TempDir)>> {
    let Some(dir) = std::env::var_os("STINT_BENCH_AW").map(PathBuf::from) else {
        return Ok(None);
    };
    let home = tempfile::tempdir()?;
    let spawn = |name: &str, program: PathBuf, args: &[&str]| -> anyhow::Result<Guard> {
        let mut command = desktop.command(&program);
        command
            .args(args)
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_CACHE_HOME", home.path().join("cache"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        Ok(Guard::new(name, command.spawn()?))
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port()
        .to_string();
    let server = spawn("aw-server", dir.join("aw-server"), &["--port", &port])?;
    wait_until(Duration::from_secs(30), "aw-server to answer", || {
        ureq::get(format!("http://127.0.0.1:{port}/api/0/info"))
            .call()
            .ok()
            .map(drop)
    })?;
    // Both watchers talk to the server at the port in their config.
    let config = home.path().join("config/activitywatch");
    for client in ["aw-client", "aw-client-testing"] {
        std::fs::create_dir_all(config.join(client))?;
        std::fs::write(
            config.join(client).join(format!("{client}.toml")),
            format!("[server]\nhostname = \"127.0.0.1\"\nport = \"{port}\"\n"),
        )?;
    }
    let window = spawn(
        "aw-watcher-window",
        dir.join("venv/bin/aw-watcher-window"),
        &[],
    )?;
    let afk = spawn("aw-watcher-afk", dir.join("venv/bin/aw-watcher-afk"), &[])?;
    Ok(Some((vec![server, window, afk], home)))
}

fn main() -> anyhow::Result<()> {
    let desktop = Desktop::start("1920x1080x24")?;
    let _tray = TrayHost::start(&desktop.dbus_address)?;
    let _notifications = NotificationServer::start(&desktop.dbus_address, true)?;
    let solid = SolidWindows::connect(&desktop.display)?;
    let windows = vec![
        solid.add_titled("notes.txt — Editor", "Editor", true)?,
        solid.add_titled("Inbox — Mail", "Mail", false)?,
        solid.add_titled("https://docs.rs/ — Mozilla Firefox", "Firefox", false)?,
    ];
    let stint = start_stint(&desktop)?;
    let aw = start_activitywatch(&desktop)?;
    let minutes = minutes();

    eprintln!("warm-up: one minute");
    let mut roots = vec![stint.agent.pid()];
    if let Some((guards, _)) = &aw {
        roots.extend(guards.iter().map(Guard::pid));
    }
    measure_both(&desktop, &windows, &roots, 1);

    eprintln!("tray only: {minutes} minutes");
    let tray_pss_stint = tree_pss(stint.agent.pid());
    let tray_pss_aw: Option<u64> = aw
        .as_ref()
        .map(|(guards, _)| guards.iter().map(|g| tree_pss(g.pid())).sum());
    let top = mappings(stint.agent.pid(), 8);
    let tray = measure_both(&desktop, &windows, &roots, minutes);

    eprintln!("window open: 2 minutes");
    ask(&stint.socket, Command::OpenWindow)?;
    wait_until(Duration::from_secs(30), "the window", || {
        (!desktop.windows_named("Stint").is_empty()).then_some(())
    })?;
    std::thread::sleep(Duration::from_secs(20));
    let open_pss = tree_pss(stint.agent.pid());
    let open_parts = tree(stint.agent.pid());
    let open = measure_both(&desktop, &windows, &[stint.agent.pid()], 2);

    desktop.close_window("Stint")?;
    let closed_at = Instant::now();
    // When the window process is gone and the tree is within 1 MiB of the tray-only figure
    // (the agent's heap may keep a little of the window's visit).
    let mut back = None;
    let mut after_close = 0;
    while closed_at.elapsed() < Duration::from_secs(30) {
        let window_gone = stint_testkit::processes_with_env(&format!(
            "STINT_DATA_DIR={}",
            stint.data_dir.display()
        ))
        .iter()
        .all(|(_, n)| n == "stint");
        after_close = tree_pss(stint.agent.pid());
        if window_gone && after_close <= tray_pss_stint + 1024 {
            back = Some(closed_at.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }

    let a = &tray[0];
    println!(
        "# Footprint, tray only: {minutes} min after 1 min warm-up, light input once a minute"
    );
    println!();
    println!("| | PSS of the process tree | CPU (% of one core) | context switches a minute (voluntary + involuntary) |");
    println!("|---|---|---|---|");
    println!(
        "| Stint (budget ≤ 20 MiB, ≤ 0.05 %, ≤ 30) | {:.1} MiB | {:.3} % | {:.0} ({:.0} + {:.0}) |",
        mib(tray_pss_stint),
        a.cpu_percent(),
        a.switches_per_minute(),
        a.voluntary_per_minute(),
        a.involuntary_per_minute()
    );
    if let (Some(pss), Some(b)) = (tray_pss_aw, tray.get(1)) {
        let c = tray[2..].iter().fold(b.clone(), |acc, u| acc.plus(u));
        println!(
            "| ActivityWatch (aw-server-rust + aw-watcher-window + aw-watcher-afk) | {:.1} MiB | {:.3} % | {:.0} ({:.0} + {:.0}) |",
            mib(pss),
            c.cpu_percent(),
            c.switches_per_minute(),
            c.voluntary_per_minute(),
            c.involuntary_per_minute()
        );
        println!(
            "| ratio Stint / ActivityWatch | {:.2} | {:.2} | {:.2} |",
            tray_pss_stint as f64 / pss as f64,
            a.cpu_percent() / c.cpu_percent().max(1e-9),
            a.switches_per_minute() / c.switches_per_minute().max(1e-9)
        );
    } else {
        println!(
            "| ActivityWatch | not measured: set STINT_BENCH_AW (tests/bench/README.md) | | |"
        );
    }
    println!();
    println!("Stint's wakeups a minute by thread: {}", a.by_thread());
    println!("Stint's largest mappings (PSS): {}", top.join(", "));
    println!();
    println!("# Window open, timer running (budget ≤ 1 % of one core)");
    println!(
        "PSS {:.1} MiB ({}); CPU {:.3} %; {:.0} context switches a minute",
        mib(open_pss),
        open_parts.join(", "),
        open[0].cpu_percent(),
        open[0].switches_per_minute()
    );
    match back {
        Some(t) => println!(
            "after the window closed, back at the tray-only tree ({:.1} MiB) in {:.1} s (budget ≤ 5 s)",
            mib(after_close),
            t.as_secs_f64()
        ),
        None => println!(
            "after the window closed, the tree stayed at {:.1} MiB for 30 s (tray-only {:.1} MiB)",
            mib(after_close),
            mib(tray_pss_stint)
        ),
    }
    drop(stint);
    drop(aw);
    Ok(())
}
