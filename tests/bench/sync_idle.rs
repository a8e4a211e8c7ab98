//! How often an idle, signed-in agent asks the server anything (issue 14): the real agent
//! (`stint-cli serve`) signed in through a recording proxy, nothing to send, no timer;
//! every request it makes in the measured stretch is counted and scaled to an hour. Then
//! one change made on the server, and how long it takes to reach the agent. Prints
//! figures, side by side with the 5-second poll it replaces (3 requests each: the timer,
//! the settings, the notices); asserts nothing.
//!
//! `cargo build --workspace --bins && cargo bench -p stint-tests --bench sync_idle`
//! (`STINT_BENCH_SECONDS`, 180 by default, is the measured stretch).

use std::time::{Duration, Instant};

use stint_testkit::{wait_until, AgentCli, FaultProxy, TestServer};

fn main() {
    let seconds: u64 = std::env::var("STINT_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(180);
    let server = TestServer::start().unwrap();
    let key = server
        .add_user("Bench", "idle@bench.test", "regular")
        .unwrap();
    let proxy = FaultProxy::recording(server.address()).unwrap();
    let root = tempfile::tempdir().unwrap();
    let mut cli = AgentCli::spawn(stint_tests::cli_bin(), root.path());
    assert!(cli.sign_in(&proxy.url, &key).get("ok").is_some());
    // The first look (a snapshot, the settings, the notices) is over once the agent holds a
    // long-poll open.
    wait_until(
        Duration::from_secs(30),
        "the agent's first long-poll",
        || {
            proxy
                .recorded()
                .iter()
                .any(|r| r.contains("/time-entries/changes?") && r.contains("wait="))
                .then_some(())
        },
    )
    .unwrap();
    let before = proxy.recorded().len();
    std::thread::sleep(Duration::from_secs(seconds));
    let made = proxy.recorded().len() - before;
    let per_hour = made as f64 * 3600.0 / seconds as f64;
    println!(
        "idle agent: {made} requests in {seconds} s = {per_hour:.0} an hour (the 5 s poll it \
         replaces: {} an hour)",
        3600 / 5 * 3
    );

    // A change on the server reaches the idle agent.
    let me: serde_json::Value = ureq::get(format!("{}/api/v1/user", server.url))
        .header("X-Api-Key", &key)
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    let url = format!(
        "{}/api/v1/workspaces/{}/time-entries",
        server.url,
        me["activeWorkspace"].as_str().unwrap()
    );
    let now = chrono::Utc::now();
    let body = serde_json::json!({"start": now - chrono::Duration::minutes(5), "end": now, "description": "made on the web"});
    let started = Instant::now();
    ureq::post(&url)
        .header("X-Api-Key", &key)
        .send_json(body)
        .unwrap();
    wait_until(Duration::from_secs(30), "the entry on the agent", || {
        cli.ok("today")
            .to_string()
            .contains("made on the web")
            .then_some(())
    })
    .unwrap();
    println!(
        "a change on the server reached the idle agent in {:.0} ms (polling every 5 s: 2,500 ms on average)",
        started.elapsed().as_secs_f64() * 1000.0
    );
}
