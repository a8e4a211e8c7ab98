//! The agent API on a real SQLite file with a hand-moved clock.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use stint_agent::{Agent, AgentEvent, Clock, EntryPatch, Paths, UiError};

struct HandClock(Mutex<DateTime<Utc>>);

impl HandClock {
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for HandClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

fn agent() -> (tempfile::TempDir, Arc<HandClock>, Arc<Agent>) {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(HandClock(Mutex::new(Utc::now() - Duration::minutes(30))));
    let agent = Agent::open(&Paths::under(dir.path()), clock.clone()).unwrap();
    (dir, clock, agent)
}

#[test]
fn start_twice_and_stop_twice_make_one_entry() {
    let (_dir, clock, agent) = agent();
    let first = agent.start("Design review").unwrap();
    clock.advance(Duration::seconds(5));
    let second = agent.start("something else").unwrap();
    assert_eq!(first, second, "the second start returns the running entry");
    clock.advance(Duration::minutes(10));
    let stopped = agent.stop().unwrap().expect("a timer was running");
    assert_eq!(stopped.duration(clock.now()), Duration::seconds(605));
    assert_eq!(agent.stop().unwrap(), None);
    let today = agent.today().unwrap();
    assert_eq!(today.entries.len(), 1);
    assert_eq!(today.total_seconds, 605);
    assert!(today.running.is_none());
}

#[test]
fn events_tell_subscribers_what_changed() {
    let (_dir, _clock, agent) = agent();
    let mut rx = agent.subscribe();
    let entry = agent.start("x").unwrap();
    assert_eq!(
        rx.try_recv().unwrap(),
        AgentEvent::TimerChanged {
            running: Some(entry.clone())
        }
    );
    assert_eq!(rx.try_recv().unwrap(), AgentEvent::EntriesChanged);
    agent.start("again").unwrap();
    assert!(
        rx.try_recv().is_err(),
        "a start that changed nothing is silent"
    );
    agent.stop().unwrap();
    assert_eq!(
        rx.try_recv().unwrap(),
        AgentEvent::TimerChanged { running: None }
    );
}

#[test]
fn a_second_agent_on_the_same_data_sees_the_running_timer() {
    let (dir, clock, one) = agent();
    let running = one.start("shared").unwrap();
    let two = Agent::open(&Paths::under(dir.path()), clock.clone()).unwrap();
    assert_eq!(two.start("other").unwrap(), running);
    assert_eq!(two.stop().unwrap().unwrap().id, running.id);
    assert_eq!(one.stop().unwrap(), None);
}

#[test]
fn edit_delete_and_manual_entries() {
    let (_dir, clock, agent) = agent();
    let now = clock.now();
    let manual = agent
        .add_manual(
            "Call",
            now - Duration::minutes(20),
            now - Duration::minutes(5),
        )
        .unwrap();
    let patch = EntryPatch {
        description: Some("Client call".into()),
        ..Default::default()
    };
    let edited = agent.edit(&manual.id, &patch).unwrap();
    assert_eq!(edited.description, "Client call");
    assert_eq!(agent.today().unwrap().entries, vec![edited.clone()]);

    let bad = EntryPatch {
        end: Some(now - Duration::hours(1)),
        ..Default::default()
    };
    let err = UiError::from(agent.edit(&manual.id, &bad).unwrap_err());
    assert_eq!(err.code, "invalid_entry");
    assert!(err.message.contains("before the start"), "{}", err.message);
    assert_eq!(
        agent.today().unwrap().entries,
        vec![edited],
        "a refused edit changes nothing"
    );

    agent.delete(&manual.id).unwrap();
    assert!(agent.today().unwrap().entries.is_empty());
    let gone = UiError::from(agent.delete(&manual.id).unwrap_err());
    assert_eq!(gone.code, "not_found");

    let backwards = UiError::from(
        agent
            .add_manual("x", now, now - Duration::seconds(1))
            .unwrap_err(),
    );
    assert_eq!(backwards.code, "invalid_entry");
}

#[test]
fn a_timer_stops_even_after_the_clock_went_back() {
    // Issue 11 #9: a timer must always be stoppable. With the clock behind its start (set
    // back here, or a timer adopted from a device whose clock runs fast) it ends at its
    // start and adds no time.
    let (_dir, clock, agent) = agent();
    let started = agent.start("x").unwrap();
    clock.advance(Duration::minutes(-5));
    let stopped = agent.stop().unwrap().expect("the timer stopped");
    assert!(agent.running().unwrap().is_none());
    assert_eq!((stopped.id, stopped.end), (started.id, Some(started.start)));
}

#[test]
fn deleting_the_running_entry_stops_the_timer() {
    let (_dir, _clock, agent) = agent();
    let entry = agent.start("oops").unwrap();
    let mut rx = agent.subscribe();
    agent.delete(&entry.id).unwrap();
    assert_eq!(
        rx.try_recv().unwrap(),
        AgentEvent::TimerChanged { running: None }
    );
    assert!(agent.running().unwrap().is_none());
}

#[tokio::test(start_paused = true)]
async fn the_tick_fires_on_whole_minutes_only_while_a_timer_runs() {
    let (_dir, _clock, agent) = agent();
    let mut rx = agent.subscribe();
    let ticker = tokio::spawn(agent.clone().run_ticks());
    tokio::time::sleep(std::time::Duration::from_secs(600)).await;
    assert!(rx.try_recv().is_err(), "no timer: the tick stays asleep");
    agent.start("ticking").unwrap();
    while rx.try_recv().is_ok() {}
    tokio::time::sleep(std::time::Duration::from_secs(61)).await;
    assert!(matches!(
        rx.try_recv(),
        Ok(AgentEvent::Tick { running: Some(_) })
    ));
    ticker.abort();
}

/// A clock that moves one millisecond each time it is read.
struct TickingClock(std::sync::atomic::AtomicI64, DateTime<Utc>);

impl Clock for TickingClock {
    fn now(&self) -> DateTime<Utc> {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.1 + Duration::milliseconds(n)
    }
}

#[test]
fn starts_and_stops_from_many_threads_never_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(TickingClock(
        std::sync::atomic::AtomicI64::new(0),
        Utc::now() - Duration::hours(1),
    ));
    let agent = Agent::open(&Paths::under(dir.path()), clock).unwrap();
    std::thread::scope(|s| {
        for t in 0..8 {
            let agent = &agent;
            s.spawn(move || {
                for i in 0..20 {
                    agent.start(&format!("t{t}-{i}")).unwrap();
                    agent.stop().unwrap();
                }
            });
        }
    });
    let mut entries = agent.today().unwrap().entries;
    entries.sort_by_key(|e| e.start);
    for pair in entries.windows(2) {
        assert!(pair[0].end.unwrap() <= pair[1].start, "{pair:?}");
    }
}
