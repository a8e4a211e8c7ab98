//! Load simulation (issue 17; prints figures, asserts nothing): N simulated agents against
//! one release server on SQLite, each doing what a real agent does, with time compressed
//! `SPEEDUP` times: a long-poll of its change feed always open (the real sync client's
//! call), and a working day of timers: start, an edit of the description, a capture set
//! of two ~30 KB JPEGs in every 5-minute window of the running timer, stop. Stages of
//! growing N; for each: requests/s, p50/p99 of the agents' requests (long-polls aside),
//! errors, and the server's CPU and memory, per 1,000 agents too.
//!
//! With STINT_LOAD_ENGINE=postgres: two servers on one PostgreSQL database (a throwaway
//! cluster), the agents spread over them in turn; CPU and memory are the two servers'
//! and the database's together.
//!
//! `cargo bench -p stint-server --bench load` (STINT_LOAD_AGENTS=250,500,1000,2000,
//! STINT_LOAD_SPEEDUP=30, STINT_LOAD_SECONDS=20 to change the stages; STINT_LOAD_DEBUG=1
//! prints each failed request).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::json;
use stint_api::{upload_body, Monitor, NewCaptureSet, NewScreenshot};
use stint_sync::{Credentials, Remote};
use stint_testkit::{cpu_seconds, pss_kib, tree_cpu_seconds, tree_pss_kib, Postgres, TestServer};

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A JPEG of about 30 KB (noise does not compress), as an agent's 1280 px picture is.
fn picture(seed: u64) -> Vec<u8> {
    let (w, h) = (160u32, 120u32);
    let mut rng = fastrand::Rng::with_seed(seed);
    let rgb: Vec<u8> = (0..w * h * 3).map(|_| rng.u8(..)).collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&rgb, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
        .expect("a JPEG encodes");
    out
}

fn capture_set(entry: &str, pictures: &[Vec<u8>]) -> NewCaptureSet {
    use sha2::Digest;
    let id = uuid::Uuid::new_v4().to_string();
    NewCaptureSet {
        id: id.clone(),
        time_entry_id: entry.to_owned(),
        captured_at: Utc::now(),
        screenshots: pictures
            .iter()
            .enumerate()
            .map(|(i, bytes)| NewScreenshot {
                id: format!("{id}-{i}"),
                monitor: Monitor {
                    name: format!("DP-{i}"),
                    x: 1920 * i as i32,
                    y: 0,
                    width: 1920,
                    height: 1080,
                },
                // The picture's own size (the server checks it against the JPEG).
                width: 160,
                height: 120,
                sha256: sha2::Sha256::digest(bytes)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect(),
                private: false,
            })
            .collect(),
    }
}

#[derive(Default)]
struct Tally {
    latencies: Mutex<Vec<Duration>>,
    errors: AtomicU64,
    polls: AtomicU64,
}

impl Tally {
    fn took(&self, started: Instant, ok: bool) {
        if ok {
            self.latencies
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(started.elapsed());
        } else {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
    }
}

struct Agent {
    remote: Remote,
    http: reqwest::Client,
    base: String,
    key: String,
    workspace: String,
}

impl Agent {
    async fn send(
        &self,
        tally: &Tally,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Option<serde_json::Value> {
        let started = Instant::now();
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("X-Api-Key", &self.key)
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string());
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().await;
        let ok = answer.as_ref().is_ok_and(|a| a.status().is_success());
        if !ok && std::env::var_os("STINT_LOAD_DEBUG").is_some() {
            eprintln!("DBG {path}: {:?}", answer.as_ref().map(|a| a.status()));
        }
        tally.took(started, ok);
        match answer {
            Ok(a) if ok => a.json().await.ok(),
            _ => None,
        }
    }

    /// A working day, compressed `speedup` times, until `stop`.
    async fn work(&self, tally: &Tally, speedup: f64, pictures: &[Vec<u8>], stop: &AtomicBool) {
        let minute = Duration::from_secs_f64(60.0 / speedup);
        let entries = format!("/workspaces/{}/time-entries", self.workspace);
        // Agents start at different moments, as people do.
        tokio::time::sleep(minute.mul_f64(fastrand::f64() * 5.0)).await;
        while !stop.load(Ordering::Relaxed) {
            let started = self
                .send(
                    tally,
                    reqwest::Method::POST,
                    &entries,
                    Some(json!({"start": Utc::now(), "description": "work"})),
                )
                .await;
            let Some(id) = started.and_then(|e| e["id"].as_str().map(str::to_owned)) else {
                tokio::time::sleep(minute).await;
                continue;
            };
            // A 30 to 90 minute stretch: a capture set in each 5-minute window, one edit.
            let windows = fastrand::u32(6..=18);
            for w in 0..windows {
                tokio::time::sleep(minute.mul_f64(5.0 * fastrand::f64())).await;
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let set = capture_set(&id, pictures);
                let parts: Vec<(&str, &[u8])> = set
                    .screenshots
                    .iter()
                    .zip(pictures)
                    .map(|(s, b)| (s.id.as_str(), b.as_slice()))
                    .collect();
                let (content_type, body) = upload_body(&set, &parts);
                let t = Instant::now();
                let answer = self
                    .http
                    .post(format!(
                        "{}/workspaces/{}/screenshots",
                        self.base, self.workspace
                    ))
                    .header("X-Api-Key", &self.key)
                    .header("Idempotency-Key", set.id.clone())
                    .header("Content-Type", content_type)
                    .body(body)
                    .send()
                    .await;
                if std::env::var_os("STINT_LOAD_DEBUG").is_some() {
                    if let Ok(a) = &answer {
                        if !a.status().is_success() {
                            eprintln!("DBG upload {}", a.status());
                        }
                    }
                }
                tally.took(t, answer.is_ok_and(|a| a.status().is_success()));
                if w == windows / 2 {
                    let path = format!("{entries}/{id}");
                    let body = json!({"start": Utc::now() - chrono::Duration::minutes(1), "description": "work, edited"});
                    self.send(tally, reqwest::Method::PUT, &path, Some(body))
                        .await;
                }
            }
            let path = format!(
                "/workspaces/{}/user/{}/time-entries",
                self.workspace, self.remote.account.user_id
            );
            self.send(
                tally,
                reqwest::Method::PATCH,
                &path,
                Some(json!({"end": Utc::now()})),
            )
            .await;
        }
    }

    /// The sync client's long-poll, held open as the agent holds it.
    async fn follow(&self, tally: &Tally, stop: &AtomicBool) {
        let mut since = None;
        while !stop.load(Ordering::Relaxed) {
            match self.remote.changes(since, 55).await {
                Ok(page) => {
                    since = Some(page.cursor);
                    tally.polls.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    if std::env::var_os("STINT_LOAD_DEBUG").is_some() {
                        eprintln!("DBG poll {e}");
                    }
                    tally.errors.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let stages: Vec<usize> = std::env::var("STINT_LOAD_AGENTS")
        .unwrap_or_else(|_| "250,500,1000,2000".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let speedup: f64 = env_or("STINT_LOAD_SPEEDUP", 30.0);
    let seconds: u64 = env_or("STINT_LOAD_SECONDS", 20);
    let most = stages.iter().copied().max().unwrap_or(0);
    let postgres = std::env::var("STINT_LOAD_ENGINE").is_ok_and(|e| e == "postgres");
    let (servers, cluster) = if postgres {
        let pg = Postgres::start().expect("PostgreSQL starts");
        pg.psql("postgres", "CREATE DATABASE load")
            .expect("a database");
        let url = pg.url("load");
        let servers: Vec<TestServer> = (0..2)
            .map(|_| TestServer::start_on_database(&url, &[]).expect("a server starts"))
            .collect();
        (servers, Some(pg))
    } else {
        (vec![TestServer::start().expect("the server starts")], None)
    };
    let server = &servers[0];
    let pids: Vec<u32> = servers.iter().filter_map(TestServer::pid).collect();
    let database_pid = cluster.as_ref().map(Postgres::pid);
    // Every process that serves: the servers, and the database's with their backends.
    let cpu = || {
        pids.iter().filter_map(|p| cpu_seconds(*p)).sum::<f64>()
            + database_pid.map_or(0.0, tree_cpu_seconds)
    };
    let pss = || {
        pids.iter().filter_map(|p| pss_kib(*p)).sum::<u64>() + database_pid.map_or(0, tree_pss_kib)
    };
    println!(
        "load: {}, time compressed {speedup}x, {seconds} s a stage",
        if postgres {
            "two servers on one PostgreSQL database"
        } else {
            "one SQLite server"
        }
    );
    let keys: Vec<String> = (0..most)
        .map(|i| {
            server
                .add_user("Load", &format!("a{i}@load.test"), "regular")
                .expect("a user is added")
        })
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let pictures = vec![picture(1), picture(2)];
    println!(
        "pictures: {} and {} bytes",
        pictures[0].len(),
        pictures[1].len()
    );
    println!("agents | req/s | p50 ms | p99 ms | errors | server CPU % | server MB | per 1,000 agents: CPU %, MB");
    runtime.block_on(async {
        let mut agents = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            // Each agent stays on one server, as a load balancer's sticky sessions keep it.
            let server = &servers[i % servers.len()];
            let credentials = Credentials {
                server: server.url.clone(),
                api_key: key.clone(),
            };
            let remote = Remote::sign_in(&credentials).await.expect("signed in");
            agents.push(Arc::new(Agent {
                workspace: remote.account.workspace_id.clone(),
                remote,
                http: reqwest::Client::builder()
                    .timeout(Duration::from_secs(30))
                    .build()
                    .expect("a client"),
                base: format!("{}/api/v1", server.url),
                key: key.clone(),
            }));
        }
        for &n in &stages {
            let tally = Arc::new(Tally::default());
            let stop = Arc::new(AtomicBool::new(false));
            let mut tasks = Vec::new();
            for agent in agents.iter().take(n) {
                let (a, t, s) = (agent.clone(), tally.clone(), stop.clone());
                tasks.push(tokio::spawn(async move { a.follow(&t, &s).await }));
                let (a, t, s, p) = (agent.clone(), tally.clone(), stop.clone(), pictures.clone());
                tasks.push(tokio::spawn(async move { a.work(&t, speedup, &p, &s).await }));
            }
            // Let the stage settle, then measure.
            tokio::time::sleep(Duration::from_secs(3)).await;
            tally.latencies.lock().unwrap_or_else(|p| p.into_inner()).clear();
            tally.errors.store(0, Ordering::Relaxed);
            let cpu_before = cpu();
            let began = Instant::now();
            tokio::time::sleep(Duration::from_secs(seconds)).await;
            let elapsed = began.elapsed().as_secs_f64();
            let cpu = (cpu() - cpu_before) / elapsed * 100.0;
            let mb = pss() as f64 / 1024.0;
            let mut latencies = std::mem::take(&mut *tally.latencies.lock().unwrap_or_else(|p| p.into_inner()));
            let errors = tally.errors.load(Ordering::Relaxed);
            stop.store(true, Ordering::Relaxed);
            latencies.sort();
            let per = 1000.0 / n as f64;
            println!(
                "{n:>6} | {:>5.0} | {:>6.1} | {:>6.1} | {errors:>6} | {cpu:>12.0} | {mb:>9.0} | {:.0} %, {:.0} MB",
                latencies.len() as f64 / elapsed,
                percentile(&latencies, 0.5),
                percentile(&latencies, 0.99),
                cpu * per,
                mb * per,
            );
            // Long-polls end within their hold; the rest at the next step.
            for task in tasks {
                task.abort();
            }
        }
    });
}
