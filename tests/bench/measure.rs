//! Reading a process tree's cost from /proc: PSS (whole tree and by mapping), CPU time and
//! context switches by thread. A thread that ends between two readings takes its switches
//! with it (the kernel keeps them per thread); the figures say how many threads came and
//! went so that is visible.

use std::collections::BTreeMap;
use std::time::Duration;

use stint_testkit::{children, pss_kib};

/// Every pid of the tree under `pid`, `pid` first.
pub fn pids(pid: u32) -> Vec<u32> {
    let mut all = vec![pid];
    for (child, _) in children(pid) {
        all.extend(pids(child));
    }
    all
}

fn comm(path: &str) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

pub fn tree_pss(pid: u32) -> u64 {
    pids(pid).into_iter().filter_map(pss_kib).sum()
}

/// "name 3.2 MiB" for each process of the tree.
pub fn tree(pid: u32) -> Vec<String> {
    pids(pid)
        .into_iter()
        .map(|p| {
            format!(
                "{} {:.1} MiB",
                comm(&format!("/proc/{p}/comm")),
                pss_kib(p).unwrap_or(0) as f64 / 1024.0
            )
        })
        .collect()
}

/// The `n` mappings with the most PSS over the tree, by file (or `[heap]`, anonymous…).
pub fn mappings(pid: u32, n: usize) -> Vec<String> {
    let mut by_name: BTreeMap<String, u64> = BTreeMap::new();
    for p in pids(pid) {
        let Ok(smaps) = std::fs::read_to_string(format!("/proc/{p}/smaps")) else {
            continue;
        };
        let mut current = String::new();
        for line in smaps.lines() {
            let first = line.split_whitespace().next().unwrap_or("");
            if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
                current = line
                    .split_whitespace()
                    .nth(5)
                    .map(|name| name.rsplit('/').next().unwrap_or(name).to_owned())
                    .unwrap_or_else(|| "[anonymous]".into());
            } else if let Some(kb) = line.strip_prefix("Pss:") {
                let kb: u64 = kb.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
                *by_name.entry(current.clone()).or_default() += kb;
            }
        }
    }
    let mut sorted: Vec<(String, u64)> = by_name.into_iter().collect();
    sorted.sort_by_key(|entry| std::cmp::Reverse(entry.1));
    sorted
        .into_iter()
        .take(n)
        .map(|(name, kb)| format!("{name} {:.1} MiB", kb as f64 / 1024.0))
        .collect()
}

fn ctxt(status: &str, key: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

fn cpu_ticks(stat: &str) -> u64 {
    let Some(close) = stat.rfind(')') else {
        return 0;
    };
    let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
    let get = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    get(11) + get(12)
}

/// What a tree used, process by process and thread by thread.
#[derive(Clone, Default)]
pub struct Usage {
    /// CPU ticks by pid (all threads, dead ones included).
    cpu: BTreeMap<u32, u64>,
    /// (voluntary, involuntary) switches by (pid, tid), with the thread's name.
    threads: BTreeMap<(u32, u32), (String, u64, u64)>,
    /// Over how long (set by [`Usage::since`]).
    elapsed: Duration,
    /// Threads seen only at one end of the stretch.
    came_and_went: usize,
}

impl Usage {
    pub fn of_tree(pid: u32) -> Usage {
        let mut usage = Usage::default();
        for p in pids(pid) {
            if let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) {
                usage.cpu.insert(p, cpu_ticks(&stat));
            }
            let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else {
                continue;
            };
            for task in tasks.flatten() {
                let Some(tid) = task.file_name().to_str().and_then(|t| t.parse().ok()) else {
                    continue;
                };
                let status =
                    std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
                let name = comm(&task.path().join("comm").display().to_string());
                usage.threads.insert(
                    (p, tid),
                    (
                        name,
                        ctxt(&status, "voluntary_ctxt_switches:"),
                        ctxt(&status, "nonvoluntary_ctxt_switches:"),
                    ),
                );
            }
        }
        usage
    }

    /// What was used since `before`, over `elapsed`.
    pub fn since(&self, before: &Usage, elapsed: Duration) -> Usage {
        let cpu = self
            .cpu
            .iter()
            .map(|(p, t)| (*p, t.saturating_sub(*before.cpu.get(p).unwrap_or(&0))))
            .collect();
        let threads = self
            .threads
            .iter()
            .map(|(k, (name, v, i))| {
                let (v0, i0) = before.threads.get(k).map_or((0, 0), |(_, v, i)| (*v, *i));
                (
                    *k,
                    (name.clone(), v.saturating_sub(v0), i.saturating_sub(i0)),
                )
            })
            .collect();
        let came = self
            .threads
            .keys()
            .filter(|k| !before.threads.contains_key(k))
            .count();
        let went = before
            .threads
            .keys()
            .filter(|k| !self.threads.contains_key(k))
            .count();
        Usage {
            cpu,
            threads,
            elapsed,
            came_and_went: came + went,
        }
    }

    /// Two products' usage as one (ActivityWatch is three processes).
    pub fn plus(&self, other: &Usage) -> Usage {
        let mut sum = self.clone();
        sum.cpu.extend(other.cpu.iter().map(|(k, v)| (*k, *v)));
        sum.threads
            .extend(other.threads.iter().map(|(k, v)| (*k, v.clone())));
        sum.came_and_went += other.came_and_went;
        sum
    }

    fn minutes(&self) -> f64 {
        self.elapsed.as_secs_f64().max(1.0) / 60.0
    }

    pub fn cpu_percent(&self) -> f64 {
        let ticks: u64 = self.cpu.values().sum();
        let seconds = ticks as f64 / rustix::param::clock_ticks_per_second() as f64;
        seconds / self.elapsed.as_secs_f64().max(1.0) * 100.0
    }

    pub fn voluntary_per_minute(&self) -> f64 {
        self.threads.values().map(|(_, v, _)| *v).sum::<u64>() as f64 / self.minutes()
    }

    pub fn involuntary_per_minute(&self) -> f64 {
        self.threads.values().map(|(_, _, i)| *i).sum::<u64>() as f64 / self.minutes()
    }

    pub fn switches_per_minute(&self) -> f64 {
        self.voluntary_per_minute() + self.involuntary_per_minute()
    }

    /// "stint 12.0, stint-x11-windows 1.0, …" (threads that switched, most first).
    pub fn by_thread(&self) -> String {
        let mut by_name: BTreeMap<String, u64> = BTreeMap::new();
        for (name, v, i) in self.threads.values() {
            *by_name.entry(name.clone()).or_default() += v + i;
        }
        let mut sorted: Vec<_> = by_name.into_iter().filter(|(_, n)| *n > 0).collect();
        sorted.sort_by_key(|entry| std::cmp::Reverse(entry.1));
        let mut text: Vec<String> = sorted
            .into_iter()
            .map(|(name, n)| format!("{name} {:.1}", n as f64 / self.minutes()))
            .collect();
        if self.came_and_went > 0 {
            text.push(format!(
                "({} short-lived threads not counted)",
                self.came_and_went
            ));
        }
        text.join(", ")
    }
}
