//! A killed agent resumes its running timer: the real binary, SIGKILL, a real SQLite file.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;
use stint_testkit::AgentCli;

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn a_killed_agent_resumes_its_timer_and_stops_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = AgentCli::spawn(stint_tests::cli_bin(), dir.path());
    let started_at = Instant::now();
    let started = first.ok("start Crash test");
    assert_eq!(started["description"], "Crash test");
    std::thread::sleep(Duration::from_millis(1500));
    first.child.kill().unwrap(); // SIGKILL: no chance to clean up
    first.child.wait().unwrap();

    let mut second = AgentCli::spawn(stint_tests::cli_bin(), dir.path());
    let status = second.ok("status");
    assert_eq!(status["id"], started["id"], "the same entry still runs");
    assert_eq!(status["start"], started["start"], "with its original start");
    let again = second.ok("start another");
    assert_eq!(
        again["id"], started["id"],
        "starting again does not make a second entry"
    );

    std::thread::sleep(Duration::from_millis(500));
    let stopped = second.ok("stop");
    let wall = started_at.elapsed();
    let duration = (time(&stopped["end"]) - time(&stopped["start"]))
        .to_std()
        .unwrap();
    assert!(duration >= Duration::from_millis(2000), "{duration:?}");
    assert!(
        duration <= wall + Duration::from_millis(50),
        "{duration:?} > {wall:?}"
    );

    let today = second.ok("today");
    let entries = today["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "exactly one entry: {today}");
    assert_eq!(entries[0]["id"], started["id"]);
    assert!(today["running"].is_null());
    assert_eq!(
        second.ok("stop"),
        Value::Null,
        "a second stop changes nothing"
    );
    assert!(second.end().success());
}
