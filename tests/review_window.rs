//! The review list in the real window (issue 19): two capture sets an earlier session left
//! waiting for review are shown with their pictures (as they will be sent) and a countdown;
//! Discard, confirmed, takes one off the list, says how much time it cut, cuts the entry on
//! the device as the server's deletion rule would, and the report (without pixels) reaches
//! the server through the recording proxy.

use std::time::Duration;

use chrono::{DurationRound, Utc};
use stint_core::{Entry, EntryId};
use stint_store::{LocalCaptureSet, LocalPicture, Store};
use stint_tests::SignedInApp;

const WAIT: Duration = Duration::from_secs(30);

fn set(id: &str, entry: &EntryId, captured: chrono::DateTime<Utc>, shade: u8) -> LocalCaptureSet {
    let frame = vec![shade; 320 * 200 * 4];
    let (picture, _) =
        stint_capture::process(320, 200, &frame, stint_capture::Settings::default()).unwrap();
    LocalCaptureSet {
        id: id.into(),
        entry_id: entry.clone(),
        captured,
        pictures: vec![LocalPicture {
            id: format!("{id}-0"),
            monitor_name: "DP-1".into(),
            monitor_x: 0,
            monitor_y: 0,
            monitor_width: 320,
            monitor_height: 200,
            width: picture.width,
            height: picture.height,
            sha256: "00".repeat(32),
            jpeg: picture.jpeg,
            private: false,
        }],
        hold_until: Some(captured + chrono::Duration::minutes(30)),
    }
}

#[test]
fn waiting_screenshots_show_with_a_countdown_and_discard_cuts_the_entry() -> anyhow::Result<()> {
    let now = Utc::now().duration_trunc(chrono::Duration::seconds(1))?;
    let entry = Entry {
        id: EntryId("review-window-entry".into()),
        description: "Drafting".into(),
        start: now - chrono::Duration::minutes(20),
        end: Some(now - chrono::Duration::minutes(1)),
        work: Default::default(),
    };
    let (first, second) = (
        now - chrono::Duration::minutes(15),
        now - chrono::Duration::minutes(8),
    );
    let seeded = entry.clone();
    let app = SignedInApp::start_seeded("rae@acme.test", "{}", WAIT, move |data| {
        let mut store = Store::open(&data.join("stint.db"))?;
        store.save(&seeded)?;
        store.save_capture_set(&set("set-first", &seeded.id, first, 40))?;
        store.save_capture_set(&set("set-second", &seeded.id, second, 200))?;
        Ok(())
    })?;
    let (wd, proxy, data) = (&app.wd, &app.proxy, &app.data);
    wd.wait_for("#review:not([hidden]) .review-set", WAIT)?;
    assert_eq!(wd.find_all(".review-set")?.len(), 2);
    let src = wd
        .find(".review-set[data-id='set-second'] img")?
        .property("src")?;
    assert!(
        src.as_str()
            .unwrap_or_default()
            .starts_with("data:image/jpeg;base64,"),
        "{src}"
    );
    let countdown = wd.wait_for_text(".review-set[data-id='set-first'] .countdown", WAIT, |t| {
        t.starts_with("sent in ")
    })?;
    // 30 minutes after a capture 15 minutes ago: about 15 minutes left.
    assert!(
        countdown.starts_with("sent in 14:") || countdown.starts_with("sent in 15:"),
        "{countdown}"
    );

    let discard = wd.find(".review-set[data-id='set-second'] .discard")?;
    discard.click()?;
    assert_eq!(discard.text()?, "Discard and cut this time?");
    discard.click()?;
    let note = wd.wait_for_text("#review-note", WAIT, |t| t.contains("cut from the entry"))?;
    assert!(note.contains("7:00"), "{note}");
    wd.wait_for_text("#review-sets", WAIT, |t| !t.is_empty())?;
    assert_eq!(wd.find_all(".review-set")?.len(), 1);
    assert!(wd.find(".review-set[data-id='set-first']").is_ok());

    // On the device: the entry ends at the first capture; the report is on its way.
    let store = Store::open(&data.join("stint.db"))?;
    assert_eq!(store.get(&entry.id)?.end, Some(first));
    stint_testkit::wait_until(WAIT, "the discard report on the server", || {
        (!proxy
            .requests_containing("/screenshots/discarded")
            .is_empty())
        .then_some(())
    })?;
    let report = &proxy.requests_containing("set-second")[0];
    assert!(report.contains("\"removedSeconds\":420"), "{report}");
    app.quit()
}
