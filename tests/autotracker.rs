//! The private auto tracker end to end in the real window: two windows with canary titles
//! take turns in front (xdotool), the view shows their spans (a browser's only by host),
//! one row becomes an entry the user confirms, "Ignore forever" removes an app's history
//! and stops new spans. Over the whole session, through a recording proxy to the real
//! server, no request carries a tracked title, site or app name, except the description
//! the user confirmed for the entry made from a row.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;
use serde_json::json;
use stint_testkit::{wait_until, SolidWindows};
use stint_tests::SignedInApp;
const WAIT: Duration = Duration::from_secs(30);
const NOTE_TITLE: &str = "CANARY-7f3a secret plan";
const BROWSER_TITLE: &str = "https://canary-7f3a.example/private/path?q=1 — Mozilla Firefox";

fn spans_of(db: &Path, app: &str) -> anyhow::Result<Vec<(String, Option<String>)>> {
    let db = Connection::open(db)?;
    let mut stmt = db.prepare("SELECT title, site FROM activity_spans WHERE app = ?1")?;
    let rows = stmt.query_map([app], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[test]
fn spans_become_an_entry_only_when_asked_and_never_leave_otherwise() -> anyhow::Result<()> {
    let app = SignedInApp::start(
        "ava@acme.test",
        r#"{"idle": {"enabled": true, "thresholdSeconds": 600},
            "autoTracker": {"paused": false, "pulseSeconds": 1}}"#,
        WAIT,
    )?;
    let (wd, desktop, proxy, data) = (&app.wd, &app.desktop, &app.proxy, &app.data);
    // A timer runs all along, so idle detection and sync are busy too.
    wd.find("#description")?.send_keys("Session")?;
    wd.find("#toggle")?.click()?;

    let windows = SolidWindows::connect(&desktop.display)?;
    let notes = windows.add_titled(NOTE_TITLE, "CanaryApp", true)?;
    let browser = windows.add_titled(BROWSER_TITLE, "Firefox", true)?;
    let focus = |w: &str, secs: u64| -> anyhow::Result<()> {
        desktop.run("xdotool", &["windowactivate", "--sync", w])?;
        std::thread::sleep(Duration::from_secs(secs));
        Ok(())
    };
    focus(&notes, 12)?;
    focus(&browser, 12)?;
    focus(&notes, 2)?;

    let private = data.join("private.db");
    wd.find("#activity summary")?.click()?;
    let list = wd.wait_for_text("#activity-list", WAIT, |t| {
        t.contains("CanaryApp") && t.contains("Firefox")
    })?;
    assert!(
        !list.contains("/private/path") && !list.contains("q=1"),
        "{list}"
    );
    let browser_spans = spans_of(&private, "Firefox")?;
    assert!(!browser_spans.is_empty());
    for (title, site) in &browser_spans {
        assert_eq!(site.as_deref(), Some("canary-7f3a.example"));
        assert!(
            !title.contains("/private") && !title.contains("q=1"),
            "{title}"
        );
    }

    // One row becomes an entry: the form is filled, the user confirms it.
    wd.execute(
        "const group = [...document.querySelectorAll('.activity-group')]
           .find(g => g.querySelector('strong').textContent === 'CanaryApp');
         group.querySelector('input[type=checkbox]').click();",
        vec![],
    )?;
    wd.find("#activity-add")?.click()?;
    let prefilled = wd.find("#manual-description")?.property("value")?;
    assert_eq!(prefilled, json!(NOTE_TITLE));
    wd.find("#manual-add")?.click()?;
    wd.wait_for_text("#entries", WAIT, |t| t.contains(NOTE_TITLE))?;

    // Ignore forever: the browser's history goes, and no new span comes.
    wd.find("button.ignore[data-value='Firefox']")?.click()?;
    wd.wait_for_text("#activity-list", WAIT, |t| !t.contains("Firefox"))?;
    assert!(spans_of(&private, "Firefox")?.is_empty());
    focus(&browser, 13)?;
    focus(&notes, 2)?;
    assert!(
        spans_of(&private, "Firefox")?.is_empty(),
        "an ignored app was recorded"
    );

    // Everything that was sent is on the server.
    let db = Connection::open(data.join("stint.db"))?;
    wait_until(WAIT, "the outbox to drain", || {
        let n: i64 = db
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
            .ok()?;
        (n == 0).then_some(())
    })?;
    let requests = proxy.recorded();
    assert!(requests.len() > 5, "the session talked to the server");
    for word in ["canaryapp", "firefox", "canary-7f3a.example"] {
        let leaked = proxy.requests_containing(word);
        assert!(leaked.is_empty(), "{word:?} left the machine:\n{leaked:?}");
    }
    // The canary itself only in the entry the user made, with the description they confirmed.
    let carried = proxy.requests_containing("canary");
    for request in &carried {
        let body = request.split("\r\n\r\n").nth(1).unwrap_or_default();
        let entry: serde_json::Value = serde_json::from_str(body)?;
        assert!(request.contains("/time-entries"), "{request}");
        assert_eq!(entry["description"], NOTE_TITLE, "{request}");
    }
    assert!(!carried.is_empty(), "the confirmed entry was sent");
    app.quit()
}
