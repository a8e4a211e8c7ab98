//! The tray menu drives the same agent API as the window.

use std::sync::Arc;

use chrono::{Duration, Utc};
use stint_agent::{Agent, Entry, EntryId, Paths, SystemClock};
use stint_app::{perform, tray_label, tray_status_text, TrayAction};

fn agent() -> (tempfile::TempDir, Arc<Agent>) {
    let dir = tempfile::tempdir().unwrap();
    let agent = Agent::open(&Paths::under(dir.path()), Arc::new(SystemClock)).unwrap();
    (dir, agent)
}

#[test]
fn every_menu_item_maps_to_its_action() {
    for action in TrayAction::ALL {
        assert_eq!(TrayAction::from_menu_id(action.menu_id()), Some(action));
    }
    assert_eq!(TrayAction::from_menu_id("status"), None);
    assert_eq!(TrayAction::from_menu_id(""), None);
}

#[test]
fn tray_start_and_stop_use_the_agent() {
    let (_dir, agent) = agent();
    perform(TrayAction::Start, &agent).unwrap();
    let running = agent.running().unwrap().expect("the tray started a timer");
    assert_eq!(running.description, "");

    // The window's Start while the tray's timer runs: still one timer.
    assert_eq!(agent.start("from the window").unwrap().id, running.id);
    perform(TrayAction::Start, &agent).unwrap();
    assert_eq!(agent.running().unwrap().unwrap().id, running.id);

    perform(TrayAction::Stop, &agent).unwrap();
    assert!(agent.running().unwrap().is_none());
    perform(TrayAction::Stop, &agent).unwrap();
    assert_eq!(
        agent.today().unwrap().entries.len(),
        1,
        "one entry, whoever clicked"
    );
}

#[test]
fn open_and_quit_leave_the_timer_alone() {
    let (_dir, agent) = agent();
    let entry = agent.start("keep me").unwrap();
    perform(TrayAction::Open, &agent).unwrap();
    perform(TrayAction::Quit, &agent).unwrap();
    assert_eq!(agent.running().unwrap(), Some(entry));
}

#[test]
fn the_tray_label_shows_description_and_hours_minutes() {
    let now = Utc::now();
    let entry = |description: &str, minutes: i64| Entry {
        id: EntryId("e".into()),
        description: description.into(),
        start: now - Duration::minutes(minutes) - Duration::seconds(30),
        end: None,
    };
    assert_eq!(tray_label(&entry("Report", 65), now), "Report · 1:05");
    assert_eq!(tray_label(&entry("", 3), now), "Running · 0:03");
    // While screenshots are taken the tray says so, next to its red-dot icon.
    assert_eq!(
        tray_status_text(&entry("Report", 65), true, now),
        "Report · 1:05 · screenshots on"
    );
    assert_eq!(
        tray_status_text(&entry("Report", 65), false, now),
        "Report · 1:05"
    );
}
