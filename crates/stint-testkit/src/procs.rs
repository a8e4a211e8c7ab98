//! Child processes that stop when dropped, and a look at other processes through /proc.

use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

use rustix::process::{kill_process, Pid, Signal};

/// A started process, sent SIGTERM (then SIGKILL after 5 s) when dropped. SIGTERM first
/// because some tools (tauri-driver) leave their own children behind on SIGKILL.
pub struct Guard {
    pub name: String,
    pub child: Child,
}

impl Guard {
    pub fn new(name: &str, child: Child) -> Guard {
        Guard {
            name: name.to_owned(),
            child,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails if the process has already exited, with its exit status.
    pub fn check_running(&mut self) -> anyhow::Result<()> {
        match self.child.try_wait()? {
            Some(status) => anyhow::bail!("{} exited early ({status})", self.name),
            None => Ok(()),
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        if let Some(pid) = Pid::from_raw(self.child.id() as i32) {
            let _ = kill_process(pid, Signal::TERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn stat_fields(pid: u32) -> Option<(String, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name is in parentheses and may itself contain spaces or parentheses.
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat[open + 1..close].to_owned();
    let ppid = stat[close + 2..].split(' ').nth(1)?.parse().ok()?;
    Some((name, ppid))
}

fn all_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Direct children of `pid` as (pid, short name).
pub fn children(pid: u32) -> Vec<(u32, String)> {
    all_pids()
        .into_iter()
        .filter_map(|p| {
            let (name, ppid) = stat_fields(p)?;
            (ppid == pid).then_some((p, name))
        })
        .collect()
}

/// The process running `exe` whose environment contains `env_entry` (`KEY=value`).
pub fn find_process(exe: &Path, env_entry: &str) -> Option<u32> {
    let exe = exe.canonicalize().ok()?;
    all_pids().into_iter().find(|pid| {
        let same_exe = std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|p| p == exe);
        same_exe
            && std::fs::read(format!("/proc/{pid}/environ")).is_ok_and(|env| {
                env.split(|b| *b == 0)
                    .any(|entry| entry == env_entry.as_bytes())
            })
    })
}

/// Every process whose environment contains `env_entry`, as (pid, short name): what one
/// data directory's agent, window and web-engine processes have in common, even after a
/// parent died and its children were handed to init.
pub fn processes_with_env(env_entry: &str) -> Vec<(u32, String)> {
    all_pids()
        .into_iter()
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ")).is_ok_and(|env| {
                env.split(|b| *b == 0)
                    .any(|entry| entry == env_entry.as_bytes())
            })
        })
        .filter_map(|pid| Some((pid, stat_fields(pid)?.0)))
        // A zombie has exited: it holds no memory and runs nothing.
        .filter(|(pid, _)| !is_zombie(*pid))
        .collect()
}

fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// Proportional set size of one process, in KiB.
pub fn pss_kib(pid: u32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    rollup
        .lines()
        .find_map(|l| l.strip_prefix("Pss:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// PSS of a process and all its descendants, in KiB.
pub fn tree_pss_kib(pid: u32) -> u64 {
    let mut total = pss_kib(pid).unwrap_or(0);
    for (child, _) in children(pid) {
        total += tree_pss_kib(child);
    }
    total
}

/// User plus system CPU time of a process (all its threads), in seconds.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    // Fields 14 and 15 of stat (utime, stime), counted from after the name (field 3).
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / rustix::param::clock_ticks_per_second() as f64)
}

/// CPU time of a process and its descendants, in seconds: each live one's own time and
/// what its children that ended spent (a database's finished backends count too).
pub fn tree_cpu_seconds(pid: u32) -> f64 {
    let own = (|| {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let after_name = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = after_name.split(' ').collect();
        // utime, stime, cutime, cstime: fields 14 to 17 of stat.
        let ticks: u64 = fields
            .get(11..15)?
            .iter()
            .filter_map(|f| f.parse::<u64>().ok())
            .sum();
        Some(ticks as f64 / rustix::param::clock_ticks_per_second() as f64)
    })()
    .unwrap_or(0.0);
    own + children(pid)
        .into_iter()
        .map(|(child, _)| tree_cpu_seconds(child))
        .sum::<f64>()
}

/// Voluntary plus involuntary context switches summed over every thread of a process.
pub fn context_switches(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("status")).ok())
        .flat_map(|status| {
            status
                .lines()
                .filter(|l| l.contains("ctxt_switches:"))
                .filter_map(|l| l.split(':').nth(1)?.trim().parse::<u64>().ok())
                .collect::<Vec<_>>()
        })
        .sum()
}
