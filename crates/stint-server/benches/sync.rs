//! Server ingest and agent drain figures on loopback (prints them; asserts nothing):
//! - ingest: concurrent clients creating entries as fast as they can, entries/s and latency;
//! - paced: 200, then 1,000 requests/s for 10 s each, latency percentiles;
//! - drain: a 10,000-entry offline backlog delivered by the real sync client, in batches of
//!   200 as the agent sends them (issue 14's budget: 5 s), then one request per change as
//!   before batches, for comparison.
//!
//! `cargo bench -p stint-server --bench sync` (on PostgreSQL: STINT_TEST_POSTGRES set to a
//! running cluster's address, as the test command's second pass does).

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use serde_json::json;
use stint_sync::{Credentials, Remote, Step};
use stint_testkit::TestServer;

/// The release server binary on loopback with one user; returns it and the user's key.
fn server() -> (TestServer, String) {
    let server = TestServer::start().unwrap();
    let key = server.add_user("Bench", "b@bench.test", "regular").unwrap();
    (server, key)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn workspace(url: &str, key: &str) -> String {
    let me: serde_json::Value = ureq::get(format!("{url}/api/v1/user"))
        .header("X-Api-Key", key)
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    me["activeWorkspace"].as_str().unwrap().to_owned()
}

fn create(http: &ureq::Agent, url: &str, key: &str, n: usize) -> Duration {
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
        + chrono::Duration::seconds(n as i64 * 60);
    let body = json!({"start": start, "end": start + chrono::Duration::seconds(30), "description": format!("bench {n}")});
    let t = Instant::now();
    let response = http
        .post(url)
        .header("X-Api-Key", key)
        .send_json(body)
        .unwrap();
    assert_eq!(response.status(), 201);
    t.elapsed()
}

fn ingest(clients: usize, per_client: usize) {
    let (server, key) = server();
    let url = format!(
        "{}/api/v1/workspaces/{}/time-entries",
        server.url,
        workspace(&server.url, &key)
    );
    let started = Instant::now();
    let mut latencies: Vec<Duration> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                let (url, key) = (url.clone(), key.clone());
                s.spawn(move || {
                    let http = ureq::Agent::new_with_defaults();
                    (0..per_client)
                        .map(|i| create(&http, &url, &key, c * per_client + i))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let elapsed = started.elapsed();
    latencies.sort();
    let total = clients * per_client;
    println!(
        "ingest: {total} entries from {clients} concurrent clients in {:.2} s = {:.0} entries/s; p50 {:.2} ms, p99 {:.2} ms",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99)
    );
}

fn paced(rate: u32, seconds: u32) {
    let (server, key) = server();
    let url = format!(
        "{}/api/v1/workspaces/{}/time-entries",
        server.url,
        workspace(&server.url, &key)
    );
    let interval = Duration::from_secs(1) / rate;
    let total = (rate * seconds) as usize;
    // Four senders, each taking every fourth slot of the schedule.
    let started = Instant::now();
    let mut latencies: Vec<Duration> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|c| {
                let (url, key) = (url.clone(), key.clone());
                s.spawn(move || {
                    let http = ureq::Agent::new_with_defaults();
                    let mut out = Vec::new();
                    for n in (c..total).step_by(4) {
                        let due = started + interval * n as u32;
                        if let Some(wait) = due.checked_duration_since(Instant::now()) {
                            std::thread::sleep(wait);
                        }
                        out.push(create(&http, &url, &key, n));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let achieved = total as f64 / started.elapsed().as_secs_f64();
    latencies.sort();
    println!(
        "paced: {total} requests at {rate}/s (achieved {achieved:.0}/s): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0)
    );
}

fn drain(backlog: usize, width: usize) {
    let (server, key) = server();
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("stint.db");
    stint_testkit::queue_backlog(&database, backlog).unwrap();
    let mut store = stint_store::Store::open(&database).unwrap();
    // As the agent's drainer does (STINT_BENCH_FSYNC=1 keeps full durability to compare).
    if std::env::var_os("STINT_BENCH_FSYNC").is_none() {
        store.relax_durability_for_delivery_state().unwrap();
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let remote = runtime
        .block_on(Remote::sign_in(&Credentials {
            server: server.url.clone(),
            api_key: key,
        }))
        .unwrap();
    let started = Instant::now();
    let mut sent = 0;
    // Where the time goes: reading the outbox, the round trips, recording the answers.
    let (mut planning, mut sending, mut recording) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    loop {
        let t = Instant::now();
        let rows = match stint_sync::plan(&store, Utc::now(), width).unwrap() {
            stint_sync::Plan::Ready(rows) => rows,
            stint_sync::Plan::Empty => break,
            stint_sync::Plan::WaitUntil(t) => panic!("a row waits until {t}"),
        };
        planning += t.elapsed();
        let t = Instant::now();
        let deliveries = runtime.block_on(stint_sync::deliver_all(&remote, &rows));
        sending += t.elapsed();
        let t = Instant::now();
        let rows: Vec<_> = rows.into_iter().map(|p| p.row).collect();
        let steps = store.relaxed(|store| {
            stint_sync::record_all(store, &rows, deliveries, Utc::now(), || 0.5).unwrap()
        });
        for step in steps {
            match step {
                Step::Sent => sent += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        recording += t.elapsed();
    }
    println!(
        "  (reading the outbox {:.2} s, the server's answers {:.2} s, recording them {:.2} s)",
        planning.as_secs_f64(),
        sending.as_secs_f64(),
        recording.as_secs_f64()
    );
    let elapsed = started.elapsed();
    let how = if width > 1 {
        format!("in batches of {width}")
    } else {
        "one request per change".to_owned()
    };
    println!(
        "drain: {sent} queued entries delivered {how} in {:.2} s ({:.0} entries/s)",
        elapsed.as_secs_f64(),
        sent as f64 / elapsed.as_secs_f64()
    );
}

fn main() {
    let only = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    let run = |name: &str| only.as_deref().is_none_or(|o| o == name);
    if run("ingest") {
        ingest(4, 2500);
    }
    if run("paced") {
        paced(200, 10);
        // Issue 17's goal: p99 <= 20 ms at 1,000 requests/s.
        paced(1000, 10);
    }
    if run("drain") {
        // As the agent sends them (STINT_BENCH_WIDTH to try another width)…
        let width = std::env::var("STINT_BENCH_WIDTH")
            .ok()
            .and_then(|w| w.parse().ok())
            .unwrap_or(200);
        drain(10_000, width);
        // …and as before batches, for comparison.
        drain(10_000, 1);
    }
}
