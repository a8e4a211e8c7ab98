use chrono::{DateTime, Duration, TimeZone, Utc};
use stint_core::reconcile::reconcile_running;
use stint_core::{Entry, EntryId};

fn t(m: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 9, 0, 0).unwrap() + Duration::minutes(m)
}

fn e(id: &str, start: i64, end: Option<i64>) -> Entry {
    Entry {
        id: EntryId(id.into()),
        description: id.into(),
        start: t(start),
        end: end.map(t),
    }
}

#[test]
fn nothing_runs_anywhere() {
    assert!(reconcile_running(None, None, None).is_empty());
}

#[test]
fn a_timer_started_elsewhere_is_adopted() {
    assert_eq!(
        reconcile_running(None, Some(&e("r", 0, None)), None),
        [e("r", 0, None)]
    );
}

#[test]
fn the_same_timer_takes_the_servers_edits() {
    let l = e("x", 0, None);
    assert!(reconcile_running(Some(&l), Some(&l), None).is_empty());
    let renamed = Entry {
        description: "renamed".into(),
        ..l.clone()
    };
    assert_eq!(reconcile_running(Some(&l), Some(&renamed), None), [renamed]);
}

#[test]
fn another_timer_elsewhere_stops_ours_where_the_server_did() {
    let l = e("l", 0, None);
    let r = e("r", 30, None);
    let stopped_there = e("l", 0, Some(25));
    assert_eq!(
        reconcile_running(Some(&l), Some(&r), Some(&stopped_there)),
        [stopped_there, r.clone()]
    );
    // Without the server's copy: at the new timer's start.
    assert_eq!(
        reconcile_running(Some(&l), Some(&r), None),
        [e("l", 0, Some(30)), r.clone()]
    );
    // Never before our own start.
    let early = e("r", -10, None);
    assert_eq!(
        reconcile_running(Some(&l), Some(&early), None)[0].end,
        Some(t(0))
    );
}

#[test]
fn a_timer_stopped_elsewhere_stops_here() {
    let l = e("l", 0, None);
    let there = Entry {
        description: "edited there".into(),
        ..e("l", 0, Some(40))
    };
    assert_eq!(reconcile_running(Some(&l), None, Some(&there)), [there]);
    // Unknown on the server, or still running there: leave it.
    assert!(reconcile_running(Some(&l), None, None).is_empty());
    assert!(reconcile_running(Some(&l), None, Some(&l)).is_empty());
}
