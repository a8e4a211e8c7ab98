//! The agent's commands on a real SQLite file, through the handle, on paused time.

mod common;

use std::time::Duration as StdDuration;

use chrono::Duration;
use common::TestAgent;
use stint_agent::{AgentEvent, EntryPatch};
use stint_ipc::protocol::{Answer, Command};

fn entry_of(answer: Answer) -> stint_agent::Entry {
    match answer {
        Answer::Entry(e) => e,
        other => panic!("expected an entry, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn start_twice_and_stop_twice_make_one_entry() {
    let t = TestAgent::start();
    let first = t.agent.start("Design review").await.unwrap();
    t.pass(5).await;
    let second = t.agent.start("something else").await.unwrap();
    assert_eq!(first, second, "the second start returns the running entry");
    t.pass(600).await;
    let stopped = t.agent.stop().await.unwrap().expect("a timer was running");
    assert_eq!(stopped.end.unwrap() - stopped.start, Duration::seconds(605));
    assert_eq!(t.agent.stop().await.unwrap(), None);
    let today = t.agent.today().await.unwrap();
    assert_eq!(today.entries.len(), 1);
    assert_eq!(today.total_seconds, 605);
    assert!(today.running.is_none());
}

#[tokio::test(start_paused = true)]
async fn events_tell_subscribers_what_changed() {
    let mut t = TestAgent::start();
    t.settle().await;
    t.drain();
    let entry = t.agent.start("x").await.unwrap();
    let seen = t.drain();
    assert_eq!(
        &seen[..2],
        &[
            AgentEvent::TimerChanged {
                running: Some(entry.clone())
            },
            AgentEvent::EntriesChanged
        ],
        "{seen:?}"
    );
    t.agent.start("again").await.unwrap();
    assert!(
        t.drain().is_empty(),
        "a start that changed nothing is silent"
    );
    t.agent.stop().await.unwrap();
    assert_eq!(t.drain()[0], AgentEvent::TimerChanged { running: None });
}

#[tokio::test(start_paused = true)]
async fn a_restarted_agent_resumes_the_running_timer() {
    let t = TestAgent::start();
    let running = t.agent.start("shared").await.unwrap();
    t.pass(90).await;
    let t = t.restart().await;
    assert_eq!(t.agent.running().await.unwrap(), Some(running.clone()));
    assert_eq!(t.agent.start("other").await.unwrap(), running);
    let stopped = t.agent.stop().await.unwrap().unwrap();
    assert_eq!(
        (stopped.id, stopped.end.unwrap() - stopped.start),
        (running.id, Duration::seconds(90))
    );
}

#[tokio::test(start_paused = true)]
async fn edit_delete_and_manual_entries() {
    let t = TestAgent::start();
    let now = t.clock_now();
    let manual = entry_of(
        t.agent
            .call(Command::AddManualEntry {
                work: Default::default(),
                description: "Call".into(),
                start: now - Duration::minutes(20),
                end: now - Duration::minutes(5),
            })
            .await
            .unwrap(),
    );
    let patch = EntryPatch {
        description: Some("Client call".into()),
        ..Default::default()
    };
    let edited = entry_of(
        t.agent
            .call(Command::EditEntry {
                id: manual.id.clone(),
                patch,
            })
            .await
            .unwrap(),
    );
    assert_eq!(edited.description, "Client call");
    assert_eq!(t.agent.today().await.unwrap().entries, vec![edited.clone()]);

    let bad = EntryPatch {
        end: Some(now - Duration::hours(1)),
        ..Default::default()
    };
    let err = t
        .agent
        .call(Command::EditEntry {
            id: manual.id.clone(),
            patch: bad,
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, "invalid_entry");
    assert!(err.message.contains("before the start"), "{}", err.message);
    assert_eq!(
        t.agent.today().await.unwrap().entries,
        vec![edited],
        "a refused edit changes nothing"
    );

    let delete = || Command::DeleteEntry {
        id: manual.id.clone(),
    };
    assert_eq!(t.agent.call(delete()).await, Ok(Answer::Done));
    assert!(t.agent.today().await.unwrap().entries.is_empty());
    assert_eq!(t.agent.call(delete()).await.unwrap_err().code, "not_found");

    let backwards = t
        .agent
        .call(Command::AddManualEntry {
            work: Default::default(),
            description: "x".into(),
            start: now,
            end: now - Duration::seconds(1),
        })
        .await
        .unwrap_err();
    assert_eq!(backwards.code, "invalid_entry");
}

#[tokio::test(start_paused = true)]
async fn a_timer_stops_even_after_the_clock_went_back() {
    // Issue 11 #9: a timer must always be stoppable. With the clock behind its start (set
    // back here, or a timer adopted from a device whose clock runs fast) it ends at its
    // start and adds no time.
    let t = TestAgent::start();
    let started = t.agent.start("x").await.unwrap();
    t.clock.set_wall_by(Duration::minutes(-5));
    let stopped = t.agent.stop().await.unwrap().expect("the timer stopped");
    assert!(t.agent.running().await.unwrap().is_none());
    assert_eq!((stopped.id, stopped.end), (started.id, Some(started.start)));
}

#[tokio::test(start_paused = true)]
async fn deleting_the_running_entry_stops_the_timer() {
    let mut t = TestAgent::start();
    let entry = t.agent.start("oops").await.unwrap();
    t.drain();
    t.agent
        .call(Command::DeleteEntry { id: entry.id })
        .await
        .unwrap();
    assert_eq!(t.drain()[0], AgentEvent::TimerChanged { running: None });
    assert!(t.agent.running().await.unwrap().is_none());
}

#[tokio::test(start_paused = true)]
async fn the_tick_fires_on_whole_minutes_only_while_a_timer_runs() {
    let mut t = TestAgent::start();
    t.pass(600).await;
    let ticks = |seen: &[AgentEvent]| {
        seen.iter()
            .filter(|e| matches!(e, AgentEvent::Tick { .. }))
            .count()
    };
    assert_eq!(ticks(&t.drain()), 0, "no timer: no tick");
    t.agent.start("ticking").await.unwrap();
    t.drain();
    t.pass(59).await;
    assert_eq!(ticks(&t.drain()), 0, "not yet a whole minute");
    t.pass(2).await;
    assert_eq!(ticks(&t.drain()), 1, "one tick at the minute");
    t.pass(60 * 5).await;
    assert_eq!(ticks(&t.drain()), 5, "one a minute");
    t.agent.stop().await.unwrap();
    t.pass(600).await;
    assert_eq!(ticks(&t.drain()), 0, "stopped: the tick sleeps");
}

#[tokio::test(start_paused = true)]
async fn starts_and_stops_from_many_handles_never_overlap() {
    let t = TestAgent::start();
    let mut tasks = Vec::new();
    for n in 0..8 {
        let agent = t.agent.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..20 {
                agent.start(&format!("t{n}-{i}")).await.unwrap();
                tokio::time::sleep(StdDuration::from_millis(3)).await;
                agent.stop().await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut entries = t.agent.today().await.unwrap().entries;
    assert!(entries.len() >= 20, "{}", entries.len());
    entries.sort_by_key(|e| e.start);
    for pair in entries.windows(2) {
        assert!(pair[0].end.unwrap() <= pair[1].start, "{pair:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn recent_entries_continue_with_one_call() {
    let t = TestAgent::start();
    for description in ["Mail", "Report", "Mail", "Review", "Call", "Plan", "Budget"] {
        t.agent.start(description).await.unwrap();
        t.pass(60).await;
        t.agent.stop().await.unwrap();
        t.pass(1).await;
    }
    let recent = match t.agent.call(Command::RecentEntries).await.unwrap() {
        Answer::Entries(e) => e,
        other => panic!("{other:?}"),
    };
    let names: Vec<&str> = recent.iter().map(|e| e.description.as_str()).collect();
    assert_eq!(
        names,
        ["Budget", "Plan", "Call", "Review", "Mail"],
        "newest first, once each"
    );

    // Continue while another timer runs: that one stops where the new one starts.
    let running = t.agent.start("Interrupt").await.unwrap();
    t.pass(30).await;
    let continued = entry_of(
        t.agent
            .call(Command::ContinueEntry {
                id: recent[3].id.clone(),
            })
            .await
            .unwrap(),
    );
    assert_eq!(continued.description, "Review");
    assert!(continued.is_running());
    assert_ne!(
        continued.id, recent[3].id,
        "a new entry, the old one unchanged"
    );
    let today = t.agent.today().await.unwrap();
    let stopped = today.entries.iter().find(|e| e.id == running.id).unwrap();
    assert_eq!(stopped.end, Some(continued.start));
    let overview = match t.agent.call(Command::Overview).await.unwrap() {
        Answer::Overview(o) => o,
        other => panic!("{other:?}"),
    };
    assert_eq!(overview.running, Some(continued));
    assert_eq!(overview.recent[0].description, "Interrupt");
    let missing = t
        .agent
        .call(Command::ContinueEntry {
            id: stint_agent::EntryId("no-such-entry".into()),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code, "not_found");
}

#[tokio::test(start_paused = true)]
async fn the_agent_ends_when_asked_and_answers_no_more() {
    let t = TestAgent::start();
    let agent = t.agent.clone();
    t.agent.shut_down().await;
    t.settle().await;
    assert!(agent.is_closed());
    assert_eq!(agent.today().await.unwrap_err().code, "agent_stopped");
}

trait ClockNow {
    fn clock_now(&self) -> chrono::DateTime<chrono::Utc>;
}

impl ClockNow for TestAgent {
    fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        use stint_agent::Clock;
        self.clock.now()
    }
}

#[tokio::test(start_paused = true)]
async fn years_nobody_means_are_refused_and_the_day_still_reads() {
    let t = TestAgent::start();
    for (start, end) in [
        ("-0001-01-01T00:00:00Z", "2026-11-02T10:00:00Z"),
        ("2026-11-02T09:00:00Z", "+10000-01-01T00:00:00Z"),
        ("1900-01-01T00:00:00Z", "2026-11-02T10:00:00Z"),
    ] {
        let refused = t
            .agent
            .call(Command::AddManualEntry {
                work: Default::default(),
                description: "typo".into(),
                start: start.parse().unwrap(),
                end: end.parse().unwrap(),
            })
            .await
            .unwrap_err();
        assert_eq!(refused.code, "invalid_entry", "{start}..{end}: {refused:?}");
        assert!(
            refused.message.contains("outside the years 1970 to 2199"),
            "{refused:?}"
        );
    }
    assert!(matches!(
        t.agent.call(Command::Today).await,
        Ok(Answer::Day(_))
    ));
}
