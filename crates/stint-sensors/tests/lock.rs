//! Locks and sleep from systemd-logind, played by the test on a private bus used as the
//! system bus: each signal arrives as its event, in order, and the session is found the
//! way logind documents (by XDG_SESSION_ID, else logind's "auto", else the caller's pid).
#![cfg(target_os = "linux")]

use std::sync::{mpsc, Arc};
use std::time::Duration;

use stint_sensors::lock::Logind;
use stint_sensors::{LockEvent, LockSource};
use stint_testkit::logind::FakeLogind;
use stint_testkit::Bus;

fn next(events: &mpsc::Receiver<LockEvent>) -> LockEvent {
    events
        .recv_timeout(Duration::from_secs(10))
        .expect("an event")
}

#[test]
fn every_lock_sleep_and_wake_is_told_in_order() {
    let bus = Bus::start().unwrap();
    let logind = FakeLogind::start(&bus.address).unwrap();
    std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", &bus.address);
    std::env::set_var("XDG_SESSION_ID", "c1");
    let (tx, events) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    Logind
        .watch(Arc::new(move |e| tx.lock().unwrap().send(e).unwrap()))
        .unwrap();
    assert_eq!(logind.asked(), ["GetSession(c1)"]);

    logind.lock(true).unwrap();
    assert_eq!(next(&events), LockEvent::Locked);
    logind.prepare_for_sleep(true).unwrap();
    assert_eq!(next(&events), LockEvent::Sleeping);
    logind.prepare_for_sleep(false).unwrap();
    assert_eq!(next(&events), LockEvent::Woke);
    logind.lock(false).unwrap();
    assert_eq!(next(&events), LockEvent::Unlocked);
    // A lock screen that only sets the hint (GNOME, KDE) is seen too.
    logind.set_locked_hint(true).unwrap();
    assert_eq!(next(&events), LockEvent::Locked);
    logind.set_locked_hint(false).unwrap();
    assert_eq!(next(&events), LockEvent::Unlocked);
    // The system bus goes away: said, so a lock in force is not believed for ever.
    drop(logind);
    drop(bus);
    assert_eq!(next(&events), LockEvent::Gone);
}

#[test]
fn without_a_session_id_logind_picks_the_session() {
    let bus = Bus::start().unwrap();
    let logind = FakeLogind::start(&bus.address).unwrap();
    std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", &bus.address);
    std::env::remove_var("XDG_SESSION_ID");
    Logind.watch(Arc::new(|_| {})).unwrap();
    assert_eq!(logind.asked(), ["GetSession(auto)"]);
}

#[test]
fn without_logind_the_user_is_told_what_still_works() {
    let bus = Bus::start().unwrap();
    std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", &bus.address);
    let refused = Logind.watch(Arc::new(|_| {})).unwrap_err();
    assert!(refused.contains("locked screen"), "{refused}");
    assert!(refused.contains("still asked about"), "{refused}");
}
