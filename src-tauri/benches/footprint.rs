//! What Stint costs while it runs: PSS of the whole process tree (app + WebKit helpers) with
//! the window open and with only the tray left, and CPU time and context switches over a
//! minute with a timer running. Prints figures; asserts nothing about them.
//!
//! `cargo bench -p stint-app --bench footprint` (release build, its own Xvfb).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use stint_testkit::{
    children, context_switches, cpu_seconds, pss_kib, tree_pss_kib, wait_until, Desktop, Guard,
};

const APP: &str = env!("CARGO_BIN_EXE_stint");

type Usage = BTreeMap<u32, (f64, u64)>;

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

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// CPU seconds and context switches of every process in the tree, by pid.
fn usage(pid: u32) -> Usage {
    tree(pid)
        .into_iter()
        .map(|p| (p, (cpu_seconds(p).unwrap_or(0.0), context_switches(p))))
        .collect()
}

/// What the tree used between two snapshots: a process started in between counts from
/// zero, one that ended in between is left out.
fn used(before: &Usage, after: &Usage) -> (f64, u64) {
    after.iter().fold((0.0, 0), |(cpu, sw), (p, (c, s))| {
        let (c0, s0) = before.get(p).copied().unwrap_or((0.0, 0));
        (cpu + (c - c0).max(0.0), sw + s.saturating_sub(s0))
    })
}

/// PSS of each process of the tree.
fn breakdown(pid: u32) -> String {
    tree(pid)
        .into_iter()
        .map(|p| {
            let name = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
            format!("{} {:.1} MiB", name.trim(), mib(pss_kib(p).unwrap_or(0)))
        })
        .collect::<Vec<_>>()
        .join(", ")
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
    let open = (tree_pss_kib(pid), breakdown(pid));
    let before = usage(pid);
    settle("window open, timer running, CPU", 60);
    let window_use = used(&before, &usage(pid));

    desktop.close_window("Stint")?;
    settle("tray only", 30);
    let tray = (tree_pss_kib(pid), breakdown(pid));
    let before = usage(pid);
    settle("tray only, timer running, CPU", 60);
    let tray_use = used(&before, &usage(pid));

    println!("binary: {}", Path::new(APP).display());
    for (what, (total, parts), (cpu, switches)) in [
        ("window open", open, window_use),
        ("tray only", tray, tray_use),
    ] {
        println!("{what}: PSS {:.1} MiB ({parts})", mib(total));
        println!(
            "{what}: CPU over 60 s {cpu:.3} s ({:.3}% of one core), {switches} context switches",
            cpu / 60.0 * 100.0
        );
    }
    drop(app);
    Ok(())
}
