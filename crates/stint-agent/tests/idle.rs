//! Idle detection in the agent on paused time: the threshold is noticed at its moment, the
//! sensor is not read while the user is away (it calls back at the first input), one
//! prompt on return, a suspend counts from its start, and the answers change the entries.

mod common;

use chrono::Duration;
use common::{monday, prompts, Setup, TestAgent};
use stint_agent::IdleChoice;
use stint_ipc::protocol::{Answer, Command};

const FIVE_MINUTES: &str = r#"{"idle": {"enabled": true, "thresholdSeconds": 300}}"#;

async fn resolve(t: &TestAgent, id: u32, choice: IdleChoice) -> Vec<stint_agent::Entry> {
    match t
        .agent
        .call(Command::ResolveIdle { id, choice })
        .await
        .unwrap()
    {
        Answer::Entries(e) => e,
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn the_return_is_noticed_at_the_first_input_without_polling_while_away() {
    let mut t = TestAgent::start_with(Setup {
        settings_json: Some(FIVE_MINUTES),
        ..Setup::default()
    });
    let entry = t.agent.start("Deep work").await.unwrap();
    t.idle.input();
    t.pass(299).await;
    assert!(!t.idle.is_watched(), "not yet away");
    t.pass(2).await;
    assert!(
        t.idle.is_watched(),
        "away at the threshold: the sensor will call back"
    );
    // Twenty minutes away: the sensor is read at most at the tray's minutes, never polled.
    let reads = t.idle.reads();
    t.pass(20 * 60).await;
    let read_while_away = t.idle.reads() - reads;
    assert!(
        read_while_away <= 21,
        "{read_while_away} reads in 20 minutes away"
    );
    assert!(
        prompts(&t.drain()).is_empty(),
        "no prompt before the return"
    );

    t.idle.input();
    t.settle().await;
    let shown = prompts(&t.drain());
    assert_eq!(shown.len(), 1, "one prompt on return");
    let prompt = &shown[0];
    assert_eq!(prompt.period.start, monday(), "idle since the last input");
    assert_eq!(
        prompt.period.end,
        monday() + Duration::seconds(301 + 20 * 60),
        "until the return"
    );
    assert_eq!(prompt.entry.as_ref().map(|e| &e.id), Some(&entry.id));

    // Discard: the running entry ends where the idle time began.
    let written = resolve(&t, prompt.id, IdleChoice::Discard).await;
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].end, Some(monday()));
    assert!(t.agent.running().await.unwrap().is_none());
    assert_eq!(
        t.agent.call(Command::IdlePrompt).await,
        Ok(Answer::Prompt(None))
    );
}

#[tokio::test(start_paused = true)]
async fn a_sensor_that_cannot_call_back_is_read_every_two_seconds_while_away() {
    let mut t = TestAgent::start_with(Setup {
        settings_json: Some(FIVE_MINUTES),
        polled_idle: true,
        ..Setup::default()
    });
    t.agent.start("Polling").await.unwrap();
    t.idle.input();
    t.pass(310).await;
    let reads = t.idle.reads();
    t.pass(60).await;
    assert!(t.idle.reads() - reads >= 25, "polled while away");
    t.idle.input();
    t.pass(2).await;
    assert_eq!(
        prompts(&t.drain()).len(),
        1,
        "the return seen within two seconds"
    );
}

#[tokio::test(start_paused = true)]
async fn a_suspend_is_idle_from_its_start() {
    let mut t = TestAgent::start_with(Setup {
        settings_json: Some(FIVE_MINUTES),
        ..Setup::default()
    });
    t.agent.start("Before lunch").await.unwrap();
    t.idle.input();
    t.pass(40).await;
    // The lid closes for an hour; at the resume the user types at once.
    t.clock.suspend(std::time::Duration::from_secs(3600));
    t.idle.input();
    // The next look (the tray's minute) sees the gap between the clocks.
    t.pass(25).await;
    let shown = prompts(&t.drain());
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(shown[0].period.start, monday() + Duration::seconds(40));
    assert_eq!(
        shown[0].period.end,
        monday() + Duration::seconds(40 + 3600),
        "until the input after the resume"
    );
}

#[tokio::test(start_paused = true)]
async fn going_idle_again_before_answering_widens_the_same_prompt() {
    let mut t = TestAgent::start_with(Setup {
        settings_json: Some(FIVE_MINUTES),
        ..Setup::default()
    });
    t.agent.start("Writing").await.unwrap();
    t.idle.input();
    t.pass(400).await;
    t.idle.input();
    t.settle().await;
    let first = prompts(&t.drain()).pop().expect("a prompt");
    t.pass(60).await;
    t.pass(400).await;
    t.idle.input();
    t.settle().await;
    let second = prompts(&t.drain()).pop().expect("the prompt again");
    assert_eq!(second.id, first.id, "the same prompt");
    assert_eq!(second.period.start, first.period.start);
    assert!(second.period.end > first.period.end);

    // Keep as new entry: the idle time becomes its own entry, work goes on from the return.
    let written = resolve(
        &t,
        second.id,
        IdleChoice::KeepAsNewEntry {
            description: "Coffee".into(),
        },
    )
    .await;
    let names: Vec<&str> = written.iter().map(|e| e.description.as_str()).collect();
    assert_eq!(names, ["Writing", "Coffee", "Writing"]);
    assert_eq!(written[1].start, second.period.start);
    assert_eq!(written[1].end, Some(second.period.end));
    assert!(written[2].is_running());
}

#[tokio::test(start_paused = true)]
async fn without_a_timer_or_with_detection_off_nothing_is_asked() {
    let mut t = TestAgent::start_with(Setup {
        settings_json: Some(r#"{"idle": {"enabled": false, "thresholdSeconds": 300}}"#),
        ..Setup::default()
    });
    t.agent.start("Off").await.unwrap();
    t.idle.input();
    t.pass(900).await;
    t.idle.input();
    t.pass(5).await;
    assert!(prompts(&t.drain()).is_empty());
    // On again, but no timer: still nothing to ask about.
    t.agent.stop().await.unwrap();
    let on = stint_agent::IdleSettings {
        enabled: true,
        threshold_seconds: 300,
    };
    t.agent
        .call(Command::SetIdleSettings { settings: on })
        .await
        .unwrap();
    t.pass(900).await;
    t.idle.input();
    t.pass(5).await;
    assert!(prompts(&t.drain()).is_empty());
    let bad = stint_agent::IdleSettings {
        enabled: true,
        threshold_seconds: 0,
    };
    let refused = t
        .agent
        .call(Command::SetIdleSettings { settings: bad })
        .await
        .unwrap_err();
    assert_eq!(refused.code, "invalid_input");
}
