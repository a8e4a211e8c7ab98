//! Locks and sleep from the session's signals on paused time: idle from the lock's or the
//! sleep's start, back at the unlock or the first input after waking; and what the desktop
//! cannot serve is told once and shown in the overview.

mod common;

use chrono::Duration;
use common::{monday, prompts, Setup, TestAgent};
use stint_agent::AgentEvent;
use stint_ipc::protocol::{Answer, Command};
use stint_sensors::{Capability, LockEvent};

const FIVE_MINUTES: &str = r#"{"idle": {"enabled": true, "thresholdSeconds": 300}}"#;

fn five_minutes() -> TestAgent {
    TestAgent::start_with(Setup {
        settings_json: Some(FIVE_MINUTES),
        ..Setup::default()
    })
}

#[tokio::test(start_paused = true)]
async fn a_locked_screen_is_idle_from_the_lock_to_the_unlock_even_when_short() {
    let mut t = five_minutes();
    t.settle().await;
    t.agent.start("Report").await.unwrap();
    t.pass(60).await;
    t.idle.input();
    t.pass(30).await;
    // Locked 90 s after the start, 30 s after the last input: well under the threshold.
    assert!(
        t.lock.send(LockEvent::Locked),
        "the agent follows the session"
    );
    t.settle().await;
    t.pass(120).await;
    assert!(prompts(&t.drain()).is_empty(), "no prompt while locked");
    assert!(t.lock.send(LockEvent::Unlocked));
    t.settle().await;
    let shown = prompts(&t.drain());
    assert_eq!(shown.len(), 1, "one prompt at the unlock");
    assert_eq!(shown[0].period.start, monday() + Duration::seconds(90));
    assert_eq!(shown[0].period.end, monday() + Duration::seconds(210));
}

#[tokio::test(start_paused = true)]
async fn typing_on_the_lock_screen_costs_nothing_and_is_not_a_return() {
    let mut t = TestAgent::start_with(Setup {
        settings_json: Some(FIVE_MINUTES),
        eager_idle: true,
        ..Setup::default()
    });
    t.settle().await;
    t.agent.start("Report").await.unwrap();
    t.idle.input();
    t.pass(10).await;
    t.lock.send(LockEvent::Locked);
    t.settle().await;
    let reads = t.idle.reads();
    // A password typed, a key every three seconds for a minute.
    for _ in 0..20 {
        t.idle.input();
        t.pass(3).await;
    }
    let read = t.idle.reads() - reads;
    assert!(read <= 5, "{read} sensor reads while locked");
    assert!(prompts(&t.drain()).is_empty(), "no return while locked");
    t.lock.send(LockEvent::Unlocked);
    t.settle().await;
    let shown = prompts(&t.drain());
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].period.start, monday() + Duration::seconds(10));
    assert_eq!(shown[0].period.end, monday() + Duration::seconds(70));
}

#[tokio::test(start_paused = true)]
async fn after_sleep_the_user_is_back_at_their_first_input_not_at_the_wake() {
    let mut t = five_minutes();
    t.settle().await;
    t.agent.start("Report").await.unwrap();
    t.idle.input();
    t.pass(10).await;
    t.lock.send(LockEvent::Sleeping);
    t.settle().await;
    t.pass(50).await;
    t.lock.send(LockEvent::Woke);
    t.settle().await;
    t.pass(40).await;
    assert!(
        prompts(&t.drain()).is_empty(),
        "woken, but nobody typed yet"
    );
    t.idle.input();
    t.settle().await;
    let shown = prompts(&t.drain());
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(shown[0].period.start, monday() + Duration::seconds(10));
    assert_eq!(shown[0].period.end, monday() + Duration::seconds(100));
}

#[tokio::test(start_paused = true)]
async fn what_the_desktop_cannot_serve_is_in_the_overview_and_told_once() {
    let mut t = TestAgent::start_with(Setup {
        missing: vec![(
            Capability::Window,
            "GNOME on Wayland does not let apps see which window is in front".into(),
        )],
        ..Setup::default()
    });
    t.settle().await;
    let Answer::Overview(overview) = t.agent.call(Command::Overview).await.unwrap() else {
        panic!("an overview");
    };
    assert_eq!(overview.problems.len(), 1);
    assert_eq!(overview.problems[0].feature, "Auto tracker");
    assert!(overview.problems[0].message.contains("GNOME"));
    // Told at start (the desktop's notifier asks the overview); not again later.
    t.agent.start("Report").await.unwrap();
    t.pass(120).await;
    let told: Vec<_> = t
        .drain()
        .into_iter()
        .filter(|e| matches!(e, AgentEvent::SensorProblem { .. }))
        .collect();
    assert!(told.is_empty(), "{told:?}");
}

#[tokio::test(start_paused = true)]
async fn when_the_session_signals_stop_the_lock_ends_and_the_user_is_told() {
    let mut t = five_minutes();
    t.settle().await;
    t.agent.start("Report").await.unwrap();
    t.idle.input();
    t.pass(10).await;
    t.lock.send(LockEvent::Locked);
    t.settle().await;
    t.pass(20).await;
    t.lock.send(LockEvent::Gone);
    t.settle().await;
    let seen = t.drain();
    let told: Vec<_> = seen
        .iter()
        .filter_map(|e| match e {
            AgentEvent::SensorProblem { problem } => Some(problem.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(told.len(), 1, "{seen:?}");
    assert_eq!(told[0].feature, "Screen lock and sleep");
    assert!(prompts(&seen).is_empty(), "nobody is back yet");
    // The next input is the return: a prompt from the lock to it.
    t.pass(5).await;
    t.idle.input();
    t.settle().await;
    let shown = prompts(&t.drain());
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].period.start, monday() + Duration::seconds(10));
    assert_eq!(shown[0].period.end, monday() + Duration::seconds(35));
}
