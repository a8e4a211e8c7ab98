//! The auto tracker in the agent on paused time: spans follow the window sensor's changes,
//! the window is read only when it changed, idle time and Pause end a span, an ignored app
//! is never recorded; a sensor without change events is read every five seconds.

mod common;

use common::{monday, Setup, TestAgent};
use stint_agent::IgnoreKind;
use stint_ipc::protocol::{Answer, Command};

const TEN_MINUTES: &str = r#"{"idle": {"enabled": true, "thresholdSeconds": 600}}"#;

async fn spans(t: &TestAgent) -> Vec<(String, i64, i64)> {
    let day = match t
        .agent
        .call(Command::ActivityDay {
            date: monday().date_naive(),
        })
        .await
        .unwrap()
    {
        Answer::Activity(day) => day,
        other => panic!("{other:?}"),
    };
    day.spans
        .into_iter()
        .map(|s| {
            (
                s.span.app,
                (s.span.start - monday()).num_seconds(),
                (s.span.end - monday()).num_seconds(),
            )
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn spans_follow_the_windows_and_the_window_is_read_only_when_it_changed() {
    let t = TestAgent::start_with(Setup {
        settings_json: Some(TEN_MINUTES),
        ..Setup::default()
    });
    t.idle.input();
    t.window.set(Some(("Editor", "main.rs")));
    t.settle().await;
    t.pass(30).await;
    t.window.set(Some(("Terminal", "bash")));
    t.settle().await;
    t.pass(5).await;
    // Five seconds of the terminal: too short to keep.
    t.window.set(Some(("Mail", "Inbox")));
    t.settle().await;
    let reads = t.window.reads();
    t.idle.input();
    t.pass(200).await;
    assert_eq!(t.window.reads(), reads, "nothing changed, nothing read");
    t.window.set(Some(("Editor", "main.rs")));
    t.settle().await;
    assert_eq!(
        spans(&t).await,
        [("Editor".into(), 0, 30), ("Mail".into(), 35, 235)]
    );
}

#[tokio::test(start_paused = true)]
async fn idle_time_and_pause_end_the_span() {
    let t = TestAgent::start_with(Setup {
        settings_json: Some(TEN_MINUTES),
        ..Setup::default()
    });
    t.idle.input();
    t.window.set(Some(("Editor", "notes")));
    t.settle().await;
    t.pass(100).await;
    t.idle.input(); // the last input at 100 s
    t.pass(1000).await; // away from 100 s (noticed at 700 s)
    t.idle.input(); // back at 1100 s: a new span opens
    t.settle().await;
    t.pass(50).await;
    t.agent
        .call(Command::SetAutoTrackerPaused { paused: true })
        .await
        .unwrap();
    t.pass(60).await;
    t.window.set(Some(("Browser", "news")));
    t.settle().await;
    t.pass(60).await;
    t.agent
        .call(Command::SetAutoTrackerPaused { paused: false })
        .await
        .unwrap();
    t.pass(30).await;
    t.agent.shut_down().await;
    let t = t.restart().await;
    assert_eq!(
        spans(&t).await,
        [
            ("Editor".into(), 0, 100),
            ("Editor".into(), 1100, 1150),
            // Resumed at 1270 s with the browser in front; the agent stopped at 1300 s.
            ("Browser".into(), 1270, 1300),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn an_ignored_app_is_never_recorded() {
    let t = TestAgent::start_with(Setup {
        settings_json: Some(TEN_MINUTES),
        ..Setup::default()
    });
    t.idle.input();
    t.window.set(Some(("Secret", "plans")));
    t.settle().await;
    t.pass(30).await;
    t.window.set(Some(("Editor", "x")));
    t.settle().await;
    t.agent
        .call(Command::IgnoreActivity {
            kind: IgnoreKind::App,
            value: "Secret".into(),
        })
        .await
        .unwrap();
    assert!(spans(&t).await.is_empty(), "its history is gone");
    t.pass(20).await;
    t.window.set(Some(("Secret", "more plans")));
    t.settle().await;
    t.pass(60).await;
    t.window.set(Some(("Editor", "y")));
    t.settle().await;
    assert_eq!(spans(&t).await, [("Editor".into(), 30, 50)]);
}

#[tokio::test(start_paused = true)]
async fn a_sensor_without_change_events_is_read_every_five_seconds() {
    let t = TestAgent::start_with(Setup {
        settings_json: Some(TEN_MINUTES),
        polled_window: true,
        ..Setup::default()
    });
    t.idle.input();
    t.window.set(Some(("Editor", "a")));
    t.pass(1).await;
    let reads = t.window.reads();
    t.pass(60).await;
    let polled = t.window.reads() - reads;
    assert!((11..=13).contains(&polled), "{polled} reads in a minute");
    t.window.set(Some(("Mail", "b")));
    t.pass(20).await;
    let kept = spans(&t).await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].0, "Editor");
    assert!(
        kept[0].2 - 61 <= 5,
        "ended within a poll of the change: {kept:?}"
    );
}
