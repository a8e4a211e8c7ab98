//! A killed agent resumes its running timer: the real binary, SIGKILL, a real SQLite file.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;

struct Cli {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Cli {
    fn spawn(data: &std::path::Path) -> Cli {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stint-cli"))
            .arg("serve")
            .env("STINT_DATA_DIR", data.join("data"))
            .env("STINT_CONFIG_DIR", data.join("config"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the stint-cli binary starts");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Cli {
            child,
            stdin,
            stdout,
        }
    }

    fn ask(&mut self, line: &str) -> Value {
        writeln!(self.stdin, "{line}").unwrap();
        let mut answer = String::new();
        self.stdout.read_line(&mut answer).unwrap();
        let v: Value = serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{answer:?}: {e}"));
        v.get("ok")
            .cloned()
            .unwrap_or_else(|| panic!("{line} failed: {v}"))
    }
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn a_killed_agent_resumes_its_timer_and_stops_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = Cli::spawn(dir.path());
    let started_at = Instant::now();
    let started = first.ask("start Crash test");
    assert_eq!(started["description"], "Crash test");
    std::thread::sleep(Duration::from_millis(1500));
    first.child.kill().unwrap(); // SIGKILL: no chance to clean up
    first.child.wait().unwrap();

    let mut second = Cli::spawn(dir.path());
    let status = second.ask("status");
    assert_eq!(status["id"], started["id"], "the same entry still runs");
    assert_eq!(status["start"], started["start"], "with its original start");
    let again = second.ask("start another");
    assert_eq!(
        again["id"], started["id"],
        "starting again does not make a second entry"
    );

    std::thread::sleep(Duration::from_millis(500));
    let stopped = second.ask("stop");
    let wall = started_at.elapsed();
    let duration = (time(&stopped["end"]) - time(&stopped["start"]))
        .to_std()
        .unwrap();
    assert!(duration >= Duration::from_millis(2000), "{duration:?}");
    assert!(
        duration <= wall + Duration::from_millis(50),
        "{duration:?} > {wall:?}"
    );

    let today = second.ask("today");
    let entries = today["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "exactly one entry: {today}");
    assert_eq!(entries[0]["id"], started["id"]);
    assert!(today["running"].is_null());
    assert_eq!(
        second.ask("stop"),
        Value::Null,
        "a second stop changes nothing"
    );
    drop(second.stdin);
    assert!(second.child.wait().unwrap().success());
}
