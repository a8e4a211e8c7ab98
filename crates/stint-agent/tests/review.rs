//! Review before upload on paused time (issue 19), the agent on a real SQLite file with a
//! fake capturer and the workspace's rules as last kept (screenshots on, review required,
//! 10 minutes): a capture set waits and is shown with its pictures, no upload is queued
//! for it before its window ends, a discard cuts the entry exactly as stint-core's rule
//! (the server's deletion rule) says and queues a report without pixels, an undiscarded
//! set is queued once its window ends, and closing the app does not skip the wait.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{Setup, TestAgent};
use stint_agent::Clock;
use stint_ipc::protocol::{Answer, Command};
use stint_ipc::Waiting;
use stint_store::{Change, Store};

const POLICY: &str = r#"{"screenshotsEnabled": true, "screenshotMaxSide": 320,
    "screenshotBlur": 50, "idleThresholdMinutes": 60, "screenshotReview": "required",
    "screenshotReviewMinutes": 10, "privateAppsAllowed": true}"#;

async fn waiting(t: &TestAgent) -> Waiting {
    match t.agent.call(Command::WaitingScreenshots).await.unwrap() {
        Answer::Waiting(w) => w,
        other => panic!("{other:?}"),
    }
}

/// Passes paused time a second at a time until `n` sets wait (at most `limit` seconds).
async fn until_waiting(t: &TestAgent, n: usize, limit: u64) -> Waiting {
    for _ in 0..limit {
        let w = waiting(t).await;
        if w.sets.len() >= n {
            return w;
        }
        t.pass(1).await;
    }
    panic!("{n} sets never waited: {:?}", waiting(t).await.sets.len());
}

/// The queued uploads (set ids) and discard reports in the outbox.
fn queued(t: &TestAgent) -> (Vec<String>, Vec<stint_api::DiscardedCapture>) {
    let store = Store::open(&t.paths.database()).unwrap();
    let (mut uploads, mut reports) = (Vec::new(), Vec::new());
    for row in store.outbox().unwrap() {
        match row.change {
            Change::UploadCapture { set_id } => uploads.push(set_id),
            Change::ReportDiscard(d) => reports.push(d),
            _ => {}
        }
    }
    (uploads, reports)
}

fn entries(t: &TestAgent) -> Vec<stint_core::Entry> {
    Store::open(&t.paths.database())
        .unwrap()
        .all_entries()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_capture_waits_is_discarded_with_its_time_and_the_rest_go_after_the_window() {
    let t = TestAgent::start_with(Setup {
        policy_json: Some(POLICY.into()),
        ..Setup::default()
    });
    let entry = t.agent.start("Quarterly report").await.unwrap();
    // Two captures (one in each 5-minute window), both waiting.
    let w = until_waiting(&t, 2, 11 * 60).await;
    let (first, second) = (w.sets[0].clone(), w.sets[1].clone());
    for set in [&first, &second] {
        assert_eq!(set.entry_id, entry.id);
        assert_eq!(set.send_at, set.captured + Duration::minutes(10));
        assert_eq!(
            set.pictures.len(),
            2,
            "both monitors, as they would be sent"
        );
        assert!(set
            .pictures
            .iter()
            .all(|p| !p.jpeg_base64.is_empty() && !p.private));
    }
    assert!(w.now < first.send_at);
    assert_eq!(
        queued(&t).0,
        Vec::<String>::new(),
        "nothing is queued while waiting"
    );

    // Discard the second: the time since the first capture goes, the timer runs on.
    let outcome = match t
        .agent
        .call(Command::DiscardScreenshots {
            id: second.id.clone(),
        })
        .await
        .unwrap()
    {
        Answer::Discarded(d) => d,
        other => panic!("{other:?}"),
    };
    let cut = stint_core::review::discard(
        &entry,
        &[first.captured, second.captured],
        second.captured,
        stint_core::EntryId("unused".into()),
    );
    assert_eq!(
        i64::from(outcome.removed_seconds),
        (second.captured - first.captured).num_seconds()
    );
    assert_eq!(
        i64::from(outcome.removed_seconds),
        cut.removed.num_seconds()
    );
    assert!(!outcome.entry_deleted);
    let kept = entries(&t);
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert_eq!(
        (kept[0].id.clone(), kept[0].end),
        (entry.id.clone(), Some(first.captured))
    );
    assert_eq!((kept[1].start, kept[1].end), (second.captured, None));
    assert_eq!(kept[1].description, "Quarterly report");
    assert_eq!(t.agent.running().await.unwrap().unwrap().id, kept[1].id);
    let (uploads, reports) = queued(&t);
    assert!(uploads.is_empty());
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].id, second.id);
    assert_eq!(reports[0].removed_seconds, cut.removed.num_seconds());
    assert_eq!(reports[0].monitors, 2);
    assert!(Store::open(&t.paths.database())
        .unwrap()
        .capture_set(&second.id)
        .unwrap()
        .is_none());
    // Discarded once: again is refused and changes nothing.
    let again = t
        .agent
        .call(Command::DiscardScreenshots {
            id: second.id.clone(),
        })
        .await;
    assert!(again.is_err(), "{again:?}");
    assert_eq!(entries(&t).len(), 2);

    // The first is queued once its window ends, not before.
    let before: DateTime<Utc> = first.send_at - Duration::seconds(2);
    while t.clock.now() < before {
        t.pass(1).await;
    }
    assert!(!queued(&t).0.contains(&first.id));
    t.pass(3).await;
    t.settle().await;
    assert!(queued(&t).0.contains(&first.id), "sent after the window");

    // Closing the app does not skip the wait of the next one.
    let third = until_waiting(&t, 1, 6 * 60)
        .await
        .sets
        .into_iter()
        .find(|s| s.id != first.id)
        .expect("a new set waits");
    let t = t.restart().await;
    t.settle().await;
    assert!(!queued(&t).0.contains(&third.id), "not sent at restart");
    assert!(waiting(&t).await.sets.iter().any(|s| s.id == third.id));
    while t.clock.now() < third.send_at + Duration::seconds(1) {
        t.pass(1).await;
    }
    t.settle().await;
    assert!(
        queued(&t).0.contains(&third.id),
        "sent after the window, after a restart"
    );
}

/// A set waiting for review is evidence the server has not seen: "Delete all local data"
/// is refused until it is sent or discarded, and an entry an admin locked cannot be cut.
#[tokio::test(start_paused = true)]
async fn a_waiting_set_holds_off_the_wipe_and_a_locked_entry_is_not_cut() {
    let t = TestAgent::start_with(Setup {
        policy_json: Some(POLICY.into()),
        ..Setup::default()
    });
    let entry = t.agent.start("Locked work").await.unwrap();
    let set = until_waiting(&t, 1, 6 * 60).await.sets[0].clone();
    let refused = t
        .agent
        .call(Command::DeleteLocalData { confirm: true })
        .await
        .unwrap_err();
    assert!(
        refused.message.contains("not reached the server"),
        "{refused:?}"
    );
    assert_eq!(entries(&t).len(), 1, "nothing was deleted");

    let db = rusqlite::Connection::open(t.paths.database()).unwrap();
    db.execute("UPDATE entries SET locked = 1 WHERE id = ?1", [&entry.id.0])
        .unwrap();
    let refused = t
        .agent
        .call(Command::DiscardScreenshots { id: set.id.clone() })
        .await
        .unwrap_err();
    assert_eq!(refused.code, "locked", "{refused:?}");
    assert_eq!(waiting(&t).await.sets.len(), 1, "still waiting");
    assert_eq!(entries(&t)[0].start, entry.start, "not cut");
}
