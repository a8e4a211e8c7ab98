//! What the tray shows, from the agent's overview: the line beside the icon, the icon, and
//! the menu with its recent entries.

use chrono::{Duration, TimeZone, Utc};
use stint_agent::tray::{continue_label, label, status_text, TrayAction, TrayIcon, TrayView};
use stint_agent::{AutoTrackerSettings, Entry, EntryId};
use stint_ipc::Overview;

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).unwrap()
}

fn entry(id: &str, description: &str, minutes: i64, running: bool) -> Entry {
    let start = now() - Duration::minutes(minutes) - Duration::seconds(30);
    Entry {
        work: Default::default(),
        id: EntryId(id.into()),
        description: description.into(),
        start,
        end: (!running).then(|| start + Duration::minutes(minutes)),
    }
}

fn view(running: Option<Entry>, armed: bool, idle: bool, recent: Vec<Entry>) -> TrayView {
    TrayView {
        overview: Overview {
            running,
            capture_armed: armed,
            idle_pending: idle,
            auto_tracker: AutoTrackerSettings { paused: false },
            recent,
            recent_projects: Vec::new(),
            problems: Vec::new(),
        },
        now: now(),
    }
}

#[test]
fn the_tray_label_shows_description_and_hours_minutes() {
    assert_eq!(
        label(&entry("e", "Report", 65, true), now()),
        "Report · 1:05"
    );
    assert_eq!(label(&entry("e", "", 3, true), now()), "Running · 0:03");
    // While screenshots are taken the tray says so, next to its red-dot icon.
    assert_eq!(
        status_text(&entry("e", "Report", 65, true), true, now()),
        "Report · 1:05 · screenshots on"
    );
    assert_eq!(
        status_text(&entry("e", "Report", 65, true), false, now()),
        "Report · 1:05"
    );
}

#[test]
fn the_menu_follows_the_timer_and_offers_recent_entries() {
    type Line = (Option<String>, bool, Option<TrayAction>);
    let find = |items: &[Line], text: &str| -> Line {
        items
            .iter()
            .find(|(l, _, _)| l.as_deref() == Some(text))
            .cloned()
            .unwrap_or_else(|| panic!("no {text:?} in {items:?}"))
    };
    let stopped = view(None, false, false, Vec::new());
    assert_eq!(stopped.icon(), TrayIcon::Stopped);
    let items = stopped.menu();
    assert_eq!(items[0].0.as_deref(), Some("Stopped"));
    assert!(find(&items, "Start timer").1, "Start is offered");
    assert!(!find(&items, "Stop timer").1, "Stop is not");
    assert!(
        !items
            .iter()
            .any(|(l, _, _)| l.as_deref() == Some("Idle time…")),
        "no prompt, no Idle time…"
    );

    let recent = vec![
        entry("a", "Mail", 10, false),
        entry("b", "", 5, false),
        entry("c", &format!("{}_x", "y".repeat(60)), 5, false),
    ];
    let running = view(Some(entry("r", "Report", 65, true)), true, true, recent);
    assert_eq!(running.icon(), TrayIcon::Screenshots);
    let items = running.menu();
    assert_eq!(
        items[0].0.as_deref(),
        Some("Report · 1:05 · screenshots on")
    );
    assert!(find(&items, "Stop timer").1);
    assert!(!find(&items, "Start timer").1);
    assert_eq!(
        find(&items, "Continue: Mail").2,
        Some(TrayAction::Continue(EntryId("a".into())))
    );
    assert!(items
        .iter()
        .any(|(l, _, _)| l.as_deref() == Some("Continue: (no description)")));
    assert_eq!(find(&items, "Idle time…").2, Some(TrayAction::Idle));
    assert_eq!(find(&items, "Quit").2, Some(TrayAction::Quit));
    // Long descriptions are cut; an underscore is shown as itself, not as an access key.
    let long = continue_label(
        &entry("c", &format!("{}_x", "y".repeat(60)), 5, false),
        None,
    );
    assert!(long.chars().count() <= 51, "{long}");
    assert!(long.ends_with('…'));
    assert_eq!(
        continue_label(&entry("d", "snake_case", 1, false), None),
        "Continue: snake__case"
    );
    // The project comes after the description, cut too.
    assert_eq!(
        continue_label(&entry("e", "Review", 1, false), Some("Acme site: Design")),
        "Continue: Review · Acme site: Design"
    );
    let cut = continue_label(&entry("f", "Review", 1, false), Some(&"p".repeat(40)));
    assert!(
        cut.ends_with('…') && cut.chars().count() == "Continue: Review · ".chars().count() + 30,
        "{cut}"
    );
}

#[test]
fn each_feature_the_desktop_cannot_serve_has_a_line_that_opens_the_window() {
    let mut v = view(None, false, false, Vec::new());
    v.overview.problems = vec![stint_ipc::SensorProblem {
        feature: "Auto tracker".into(),
        message: "GNOME on Wayland does not let apps see which window is in front".into(),
    }];
    let items = v.menu();
    let line = items
        .iter()
        .find(|(label, _, _)| label.as_deref().is_some_and(|l| l.contains("Auto tracker")))
        .expect("a line for the auto tracker");
    assert_eq!(
        line.0.as_deref(),
        Some("⚠ Auto tracker unavailable here (details in Stint)")
    );
    assert_eq!(line.2, Some(TrayAction::Open));
}
