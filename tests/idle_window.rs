//! Idle detection end to end in the real window: a short threshold, no input, the mouse
//! moves (xdotool, real X input), the prompt appears (in the window and as the small
//! always-on-top window), "Discard and continue" ends the entry at the idle start and
//! starts a new one at the return; a second time, real key presses in the small window
//! (N, a description, Enter) keep the idle time as its own entry. The changes reach the
//! real server through a recording proxy; no request carries anything about the idle time.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use stint_testkit::wait_until;
use stint_tests::SignedInApp;

const WAIT: Duration = Duration::from_secs(20);

fn time(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[test]
fn discard_and_continue_then_keep_as_new_entry_by_keyboard() -> anyhow::Result<()> {
    let app = SignedInApp::start(
        "ida@acme.test",
        r#"{"idle": {"enabled": true, "thresholdSeconds": 3}}"#,
        WAIT,
    )?;
    let (wd, desktop, proxy, data) = (&app.wd, &app.desktop, &app.proxy, &app.data);

    wd.find("#description")?.send_keys("Deep work")?;
    wd.find("#toggle")?.click()?;
    wd.wait_for_text("#toggle", WAIT, |t| t == "Stop")?;
    // The last real input, then nothing for longer than the threshold.
    desktop.run("xdotool", &["mousemove", "5", "5"])?;
    let last_input = Utc::now();
    std::thread::sleep(Duration::from_secs(6));
    assert!(wd.find("#idle-main")?.property("hidden")? == serde_json::json!(true));
    desktop.run("xdotool", &["mousemove", "300", "300"])?;
    let back = Utc::now();

    let title = wd.wait_for_text("#idle-main-title", WAIT, |t| t.starts_with("Idle since"))?;
    assert!(title.contains("minute"), "{title}");
    // The small always-on-top prompt is on screen too.
    wait_until(WAIT, "the idle prompt window", || {
        (!desktop.windows_named("Stint — idle time").is_empty()).then_some(())
    })?;
    wd.find("#idle-main-discardAndContinue")?.click()?;
    wait_until(WAIT, "the idle prompt window to close", || {
        desktop
            .windows_named("Stint — idle time")
            .is_empty()
            .then_some(())
    })?;

    // Two entries: the first ends at the idle start, the second runs from the return.
    let db = Connection::open(data.join("stint.db"))?;
    let rows: Vec<(String, String, Option<String>)> = db
        .prepare("SELECT description, start_utc, end_utc FROM entries ORDER BY start_utc")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let private = Connection::open(data.join("private.db"))?;
    let (idle_start, idle_end, answer): (String, String, String) = private.query_row(
        "SELECT start_utc, end_utc, answer FROM idle_periods",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    assert_eq!(answer, "DiscardAndContinue");
    assert_eq!(rows[0].0, "Deep work");
    assert_eq!(rows[0].2.as_deref(), Some(idle_start.as_str()));
    assert_eq!(
        (rows[1].0.as_str(), rows[1].1.as_str(), rows[1].2.as_deref()),
        ("Deep work", idle_end.as_str(), None)
    );
    let ms = |a: DateTime<Utc>, b: DateTime<Utc>| (a - b).num_milliseconds().abs();
    assert!(
        ms(time(&idle_start), last_input) < 1500,
        "idle start {idle_start} vs last input {last_input}"
    );
    assert!(
        ms(time(&idle_end), back) < 1500,
        "return {idle_end} vs {back}"
    );
    wd.wait_for_text("#toggle", WAIT, |t| t == "Stop")?;

    // Both reach the server; nothing about the idle time does.
    wait_until(WAIT, "the outbox to drain", || {
        let n: i64 = db
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
            .ok()?;
        (n == 0).then_some(())
    })?;
    let requests = proxy.recorded();
    assert!(
        requests.iter().any(|r| r.contains(&idle_end)),
        "the new entry was sent"
    );
    for word in ["idle", "discard"] {
        let leaked = proxy.requests_containing(word);
        assert!(
            leaked.is_empty(),
            "a request mentions {word:?}:\n{leaked:?}"
        );
    }

    // Again, answered this time in the small window with its keyboard shortcut (real key
    // presses): N, then what the time was, then Enter: the idle time becomes its own entry.
    desktop.run("xdotool", &["mousemove", "5", "5"])?;
    std::thread::sleep(Duration::from_secs(6));
    desktop.run("xdotool", &["mousemove", "300", "300"])?;
    wd.wait_for_text("#idle-main-title", WAIT, |t| t.starts_with("Idle since"))?;
    let window = wait_until(WAIT, "the idle prompt window", || {
        desktop
            .windows_named("Stint — idle time")
            .into_iter()
            .next()
    })?;
    desktop.run("xdotool", &["windowactivate", "--sync", &window])?;
    std::thread::sleep(Duration::from_millis(500));
    // Without --window xdotool types through XTEST into the focused window, as a keyboard.
    desktop.run("xdotool", &["key", "n"])?;
    std::thread::sleep(Duration::from_millis(300));
    desktop.run("xdotool", &["type", "Coffee"])?;
    desktop.run("xdotool", &["key", "Return"])?;
    wait_until(WAIT, "the idle prompt window to close", || {
        desktop
            .windows_named("Stint — idle time")
            .is_empty()
            .then_some(())
    })?;
    let descriptions: Vec<(String, Option<String>)> = db
        .prepare("SELECT description, end_utc FROM entries ORDER BY start_utc")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let names: Vec<&str> = descriptions.iter().map(|(d, _)| d.as_str()).collect();
    assert_eq!(
        names,
        ["Deep work", "Deep work", "Coffee", "Deep work"],
        "{descriptions:?}"
    );
    assert!(
        descriptions[3].1.is_none(),
        "the work goes on in a running entry"
    );
    app.quit()
}
