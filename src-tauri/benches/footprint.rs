//! What Stint costs while it runs: PSS of the whole process tree (app + WebKit helpers) with
//! the window open and with only the tray left, and CPU time and context switches over a
//! minute with a timer running. Prints figures; asserts nothing about them.
//!
//! `cargo bench -p stint-app --bench footprint` (release build, its own Xvfb).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use stint_testkit::{
    children, context_switches, cpu_seconds, tree_pss_kib, wait_until, Desktop, Guard,
};

const APP: &str = env!("CARGO_BIN_EXE_stint");

fn settle(what: &str, secs: u64) {
    eprintln!("waiting {secs} s ({what})");
    std::thread::sleep(Duration::from_secs(secs));
}

fn tree(pid: u32) -> Vec<u32> {
    let mut all = vec![pid];
    for (child, _) in children(pid) {
        all.extend(tree(child));
    }
    all
}

fn cpu_and_switches(pid: u32) -> (f64, u64) {
    tree(pid).into_iter().fold((0.0, 0), |(cpu, sw), p| {
        (
            cpu + cpu_seconds(p).unwrap_or(0.0),
            sw + context_switches(p),
        )
    })
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn main() -> anyhow::Result<()> {
    let desktop = Desktop::start("1920x1080x24")?;
    let root = tempfile::tempdir()?;
    let paths = stint_agent::Paths::under(root.path());
    // A timer is already running when the app starts: it resumes it from the database.
    stint_agent::Agent::open(&paths, Arc::new(stint_agent::SystemClock))?.start("footprint")?;

    let mut cmd = desktop.command(APP);
    cmd.env("STINT_DATA_DIR", &paths.data_dir)
        .env("STINT_CONFIG_DIR", &paths.config_dir)
        .stderr(std::process::Stdio::null());
    let app = Guard::new("stint", cmd.spawn()?);
    let pid = app.pid();
    wait_until(Duration::from_secs(30), "the window", || {
        (!desktop.windows_named("Stint").is_empty()).then_some(())
    })?;

    settle("window open", 30);
    let open = tree_pss_kib(pid);
    let (cpu0, sw0) = cpu_and_switches(pid);
    settle("window open, timer running, CPU", 60);
    let (cpu1, sw1) = cpu_and_switches(pid);

    desktop.close_window("Stint")?;
    settle("tray only", 30);
    let tray = tree_pss_kib(pid);
    let helpers = children(pid).len();
    let (cpu2, sw2) = cpu_and_switches(pid);
    settle("tray only, timer running, CPU", 60);
    let (cpu3, sw3) = cpu_and_switches(pid);

    println!("binary: {}", Path::new(APP).display());
    println!(
        "PSS, window open (app + WebKit):      {:7.1} MiB",
        mib(open)
    );
    println!(
        "PSS, tray only ({helpers} helper processes left): {:7.1} MiB",
        mib(tray)
    );
    println!(
        "CPU over 60 s, window open:  {:.3} s ({:.3}% of one core), {} context switches",
        cpu1 - cpu0,
        (cpu1 - cpu0) / 60.0 * 100.0,
        sw1 - sw0
    );
    println!(
        "CPU over 60 s, tray only:    {:.3} s ({:.3}% of one core), {} context switches",
        cpu3 - cpu2,
        (cpu3 - cpu2) / 60.0 * 100.0,
        sw3 - sw2
    );
    drop(app);
    Ok(())
}
