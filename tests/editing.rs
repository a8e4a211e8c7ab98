//! Manual entries, editing and deleting in the real window over WebDriver.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use rusqlite::Connection;
use serde_json::json;
use stint_testkit::{Desktop, TauriDriver, WebDriver};

const WAIT: Duration = Duration::from_secs(20);

/// Sets a `datetime-local` input to `minutes` after one fixed base time today (20 minutes
/// ago, or just after midnight), whole seconds. Typing into date inputs differs between
/// engines, so the value is set directly.
fn set_time(wd: &WebDriver, css: &str, minutes_after_base: i64) -> anyhow::Result<()> {
    wd.execute(
        "if (window.testBase === undefined) {
           const now = new Date();
           const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate());
           window.testBase = Math.floor(Math.max(midnight.getTime() + 1000, now.getTime() - 20 * 60000) / 1000) * 1000;
         }
         const base = new Date(window.testBase);
         const t = new Date(base.getTime() + arguments[1] * 60000);
         const p = (n) => String(n).padStart(2, '0');
         document.querySelector(arguments[0]).value =
           `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}T${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())}`;",
        vec![json!(css), json!(minutes_after_base)],
    )
    .map(drop)
}

fn stored(db: &Path) -> anyhow::Result<Vec<(String, i64)>> {
    let db = Connection::open(db)?;
    let mut stmt = db.prepare(
        "SELECT description, CAST(round((julianday(end_utc) - julianday(start_utc)) * 86400) AS INTEGER)
         FROM entries ORDER BY start_utc",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[test]
fn add_edit_and_delete_entries_in_the_window() -> anyhow::Result<()> {
    let desktop = Desktop::start("1280x800x24")?;
    let root = tempfile::tempdir()?;
    let data_dir = root.path().join("data");
    let db = data_dir.join("stint.db");
    let _agent = stint_tests::AgentReaper(data_dir.clone());
    let driver = TauriDriver::start(
        &desktop,
        [
            ("STINT_DATA_DIR", data_dir.clone()),
            ("STINT_CONFIG_DIR", root.path().join("config")),
        ],
    )?;
    let wd = WebDriver::launch(&driver, &stint_tests::window_bin(), &[])?;
    wd.wait_for("body[data-ready='true']", WAIT)?;

    // A manual entry of ten minutes.
    wd.find("#manual summary")?.click()?;
    wd.find("#manual-description")?.send_keys("Planning call")?;
    set_time(&wd, "#manual-start", 0)?;
    set_time(&wd, "#manual-end", 10)?;
    wd.find("#manual-add")?.click()?;
    wd.wait_for_text("#entries", WAIT, |t| {
        t.contains("Planning call") && t.contains("0:10:00")
    })?;
    wd.wait_for_text("#total", WAIT, |t| t == "0:10:00")?;
    assert_eq!(stored(&db)?, [("Planning call".to_owned(), 600)]);

    // An edit that would end before the start is refused with a message; nothing changes.
    wd.find("#entries .edit")?.click()?;
    set_time(&wd, "#entries .edit-end", -5)?;
    wd.find("#entries .save")?.click()?;
    let error = wd.wait_for_text("#error", WAIT, |t| !t.is_empty())?;
    assert!(error.contains("before the start"), "{error}");
    assert_eq!(stored(&db)?, [("Planning call".to_owned(), 600)]);

    // A valid edit: new description and a 15-minute span.
    let description = wd.find("#entries .edit-description")?;
    description.clear()?;
    description.send_keys("Planning call with Ana")?;
    set_time(&wd, "#entries .edit-end", 15)?;
    wd.find("#entries .save")?.click()?;
    wd.wait_for_text("#entries", WAIT, |t| {
        t.contains("Planning call with Ana") && t.contains("0:15:00")
    })?;
    let error_hidden = wd.find("#error")?.property("hidden")?;
    assert_eq!(error_hidden, json!(true), "the error went away");
    assert_eq!(stored(&db)?, [("Planning call with Ana".to_owned(), 900)]);

    // Delete asks first; "Keep" keeps it.
    wd.find("#entries .delete")?.click()?;
    wd.wait_for("#entries .confirm-delete", WAIT)?;
    wd.find("#entries .cancel")?.click()?;
    wd.wait_for("#entries .delete", WAIT)?;
    assert_eq!(stored(&db)?.len(), 1);

    // Confirmed, it is gone from the list and the file.
    wd.find("#entries .delete")?.click()?;
    wd.wait_for("#entries .confirm-delete", WAIT)?.click()?;
    stint_testkit::wait_until(WAIT, "the list to empty", || {
        let n = wd
            .execute(
                "return document.querySelectorAll('#entries li').length",
                vec![],
            )
            .ok()?;
        (n == json!(0)).then_some(())
    })?;
    assert_eq!(wd.find("#empty")?.property("hidden")?, json!(false));
    assert!(stored(&db)?.is_empty());
    // Issue 11 #13: an edit sends only what changed. A timer's start has milliseconds;
    // changing only the end (and the description) leaves the start byte for byte.
    wd.find("#description")?.send_keys("Timed")?;
    wd.find("#toggle")?.click()?;
    wd.wait_for("#toggle.stop", WAIT)?;
    // Let the timer run over two seconds (the window's clock says so), so its end can
    // move back by one.
    wd.wait_for_text("#elapsed", WAIT, |t| {
        let secs = t.split(':').fold(0u64, |acc, p| {
            acc * 60 + p.trim().parse::<u64>().unwrap_or(0)
        });
        secs >= 3
    })?;
    wd.find("#toggle")?.click()?;
    wd.wait_for("#toggle.start", WAIT)?;
    let start_of = |db: &Path| -> anyhow::Result<String> {
        Ok(Connection::open(db)?.query_row(
            "SELECT start_utc FROM entries WHERE description LIKE 'Timed%'",
            [],
            |r| r.get(0),
        )?)
    };
    let before = start_of(&db)?;
    // The list re-renders as the stop's events arrive: click once it holds still.
    stint_testkit::wait_until(WAIT, "the stopped entry's Edit button", || {
        wd.find("#entries li:not(.running) .edit")
            .ok()?
            .click()
            .ok()?;
        wd.find("#entries .edit-end").ok()
    })?;
    wd.find("#entries .edit-description")?
        .send_keys(" and edited")?;
    wd.execute(
        "const input = document.querySelector('#entries .edit-end');
         const t = new Date(new Date(input.value).getTime() - 1000);
         const p = (n) => String(n).padStart(2, '0');
         input.value = `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}T${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())}`;",
        vec![],
    )?;
    wd.find("#entries .save")?.click()?;
    wd.wait_for_text("#entries", WAIT, |t| t.contains("Timed and edited"))?;
    assert_eq!(start_of(&db)?, before, "an untouched start moved");

    let outbox: i64 = Connection::open(&db)?
        .query_row("SELECT count(*) FROM outbox WHERE op = 'delete'", [], |r| {
            r.get(0)
        })
        .context("outbox")?;
    assert_eq!(outbox, 1, "the delete is queued for the server");

    wd.quit()?;
    Ok(())
}
