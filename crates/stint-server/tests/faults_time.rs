//! Issue 11, items 8 to 11 and 14 against the real server: exactly once under server
//! SIGKILLs, timers that cannot start in the future yet always stop, sane years and leap
//! seconds, half-open ranges everywhere, and CSV cells a spreadsheet will not run.

mod webclient;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use proptest::prelude::*;
use serde_json::{json, Value};
use stint_testkit::http::{call, Account, Server};
use webclient::Browser;

fn entries(who: &Account) -> String {
    format!("/workspaces/{}/time-entries", who.workspace)
}

fn list(s: &Server, who: &Account, start: &str, end: &str) -> Vec<Value> {
    let q = |t: &str| t.replace('+', "%2B").replace(':', "%3A");
    let path = format!(
        "/workspaces/{}/user/{}/time-entries?start={}&end={}&page-size=5000",
        who.workspace,
        who.id,
        q(start),
        q(end)
    );
    let (status, body) = s.call(who, "GET", &path, None);
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().clone()
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[test]
fn keyed_creates_without_ids_happen_once_through_server_kills() {
    let mut s = Server::start();
    // The server restarts on the same address, so the base URL stays.
    let base = s.base.clone();
    let stop = Arc::new(AtomicBool::new(false));
    let progress = Arc::new(AtomicUsize::new(0));
    let member = s.member.clone();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (base, stop, member) = (base.clone(), stop.clone(), member.clone());
            let progress = progress.clone();
            std::thread::spawn(move || {
                let mut done = 0;
                while !stop.load(Ordering::Relaxed) || done < 5 {
                    let key = format!("w{w}-{done}");
                    let body = json!({"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T09:30:00Z", "description": key});
                    // Retry one key until it has a final answer, as a client would.
                    loop {
                        // A killed server drops the connection: the helper panics then.
                        let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            call(&base, "POST", &entries(&member), Some(&member.key), Some(body.clone()), &[("Idempotency-Key", &key)])
                        }));
                        match answer {
                            Ok((201, _)) => break,
                            // A client's pause before it tries again (the server restarts).
                            Ok((409, _)) | Ok((500..=599, _)) | Err(_) => {
                                std::thread::sleep(std::time::Duration::from_millis(20))
                            }
                            Ok((status, body)) => panic!("{key}: {status} {body}"),
                        }
                    }
                    done += 1;
                    progress.fetch_add(1, Ordering::Relaxed);
                }
                done
            })
        })
        .collect();
    let address = s.process.address().to_owned();
    for _ in 0..10 {
        // Kill while the writers are at work: after a few more of their entries landed.
        let before = progress.load(Ordering::Relaxed);
        stint_testkit::wait_until(
            std::time::Duration::from_secs(30),
            "the writers to go on",
            || (progress.load(Ordering::Relaxed) >= before + 3).then_some(()),
        )
        .unwrap();
        s.process.kill();
        s.process.restart_on(&address).unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let sent: usize = writers.into_iter().map(|w| w.join().unwrap()).sum();
    let stored = list(
        &s,
        &s.member,
        "2026-03-01T00:00:00Z",
        "2026-03-03T00:00:00Z",
    );
    let descriptions: HashSet<&str> = stored
        .iter()
        .map(|e| e["description"].as_str().unwrap())
        .collect();
    assert_eq!(descriptions.len(), sent, "a key's entry is missing");
    assert_eq!(stored.len(), sent, "an entry was created twice");
}

#[test]
fn timers_cannot_start_in_the_future_and_always_stop() {
    let s = Server::start();
    let me = &s.member;
    let now = Utc::now();
    let (status, body) = s.call(
        me,
        "POST",
        &entries(me),
        Some(json!({"start": now + Duration::hours(3)})),
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("future"),
        "{body}"
    );
    // Within the clock-skew allowance a timer starts, and stopping "now" (before its start)
    // ends it at its start instead of refusing.
    let ahead = now + Duration::minutes(2);
    let (status, body) = s.call(me, "POST", &entries(me), Some(json!({"start": ahead})));
    assert_eq!(status, 201, "{body}");
    let stop = format!("/workspaces/{}/user/{}/time-entries", me.workspace, me.id);
    let (status, stopped) = s.call(me, "PATCH", &stop, Some(json!({"end": now})));
    assert_eq!(status, 200, "{stopped}");
    assert_eq!(
        stopped["timeInterval"]["end"],
        stopped["timeInterval"]["start"]
    );
    assert_eq!(stopped["timeInterval"]["duration"], "PT0S");
    // A past timer stopped before its start is still the caller's mistake.
    s.call(
        me,
        "POST",
        &entries(me),
        Some(json!({"start": now - Duration::hours(1)})),
    );
    let (status, _) = s.call(
        me,
        "PATCH",
        &stop,
        Some(json!({"end": now - Duration::hours(2)})),
    );
    assert_eq!(status, 400);
}

#[test]
fn every_time_field_takes_sane_years_and_folds_leap_seconds() {
    let s = Server::start();
    let me = &s.member;
    let stop = format!("/workspaces/{}/user/{}/time-entries", me.workspace, me.id);
    for bad in [
        "0001-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z",
        "2200-01-01T00:00:00Z",
        "+262142-12-25T00:00:00Z",
    ] {
        for body in [
            json!({"start": bad, "end": "2026-03-02T10:00:00Z"}),
            json!({"start": "2026-03-02T09:00:00Z", "end": bad}),
            json!({"start": bad}),
        ] {
            let (status, answer) = s.call(me, "POST", &entries(me), Some(body.clone()));
            assert_eq!(status, 400, "{body}: {answer}");
        }
        let (status, _) = s.call(me, "PATCH", &stop, Some(json!({"end": bad})));
        assert!(status == 400, "PATCH {bad}: {status}");
    }
    let (status, e) = s.call(
        me,
        "POST",
        &entries(me),
        Some(json!({"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T10:00:60Z"})),
    );
    assert_eq!(status, 201, "{e}");
    assert_eq!(e["timeInterval"]["end"], "2026-03-02T10:01:00Z");
    let (_, again) = s.call(
        me,
        "GET",
        &format!("{}/{}", entries(me), e["id"].as_str().unwrap()),
        None,
    );
    assert_eq!(again["timeInterval"]["end"], "2026-03-02T10:01:00Z");
    let (status, _) = s.call(
        me,
        "PUT",
        &format!("{}/{}", entries(me), e["id"].as_str().unwrap()),
        Some(json!({"start": "0001-01-01T00:00:00Z", "end": "2026-03-02T10:00:00Z"})),
    );
    assert_eq!(status, 400);
}

#[test]
fn an_entry_at_midnight_is_in_exactly_one_day() {
    let s = Server::start();
    let me = &s.member;
    let d2 = "2026-03-02T00:00:00Z";
    s.call(
        me,
        "POST",
        &entries(me),
        Some(json!({"start": d2, "end": "2026-03-02T01:00:00Z", "description": "midnight"})),
    );
    let day1 = list(&s, me, "2026-03-01T00:00:00Z", d2);
    let day2 = list(&s, me, d2, "2026-03-03T00:00:00Z");
    assert_eq!((day1.len(), day2.len()), (0, 1));
    // The web report of adjacent days counts it once too.
    let mut web = Browser::new(&s.process);
    assert_eq!(web.sign_in(&[("api_key", &me.key)]).status, 303);
    let mut csv = |start: &str, end: &str| web_csv_rows(&mut web, start, end);
    assert_eq!(
        csv("2026-03-01", "2026-03-01") + csv("2026-03-02", "2026-03-02"),
        1
    );
}

fn web_csv_rows(web: &mut Browser, start: &str, end: &str) -> usize {
    let answer = web.get(&format!("/web/reports.csv?start={start}&end={end}"));
    assert_eq!(answer.status, 200);
    answer.body.trim_end().lines().count() - 1
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]
    /// Entries at random moments (many on the boundaries) split by random cut points:
    /// every entry is in exactly one of the adjacent half-open windows.
    #[test]
    fn adjacent_windows_never_share_an_entry(
        starts in prop::collection::vec(0i64..48, 1..15),
        cuts in prop::collection::btree_set(1i64..48, 1..5),
    ) {
        let s = Server::start();
        let me = &s.member;
        let t0: DateTime<Utc> = "2026-03-01T00:00:00Z".parse().unwrap();
        for (i, h) in starts.iter().enumerate() {
            let start = t0 + Duration::hours(*h);
            let (status, _) = s.call(me, "POST", &entries(me), Some(json!({"start": start, "end": start + Duration::minutes(30), "description": format!("e{i}")})));
            prop_assert_eq!(status, 201);
        }
        let mut bounds = vec![0];
        bounds.extend(cuts);
        bounds.push(48);
        let mut seen = 0;
        for w in bounds.windows(2) {
            seen += list(&s, me, &iso(t0 + Duration::hours(w[0])), &iso(t0 + Duration::hours(w[1]))).len();
        }
        prop_assert_eq!(seen, starts.len());
    }
}

#[test]
fn csv_cells_never_run_as_formulas() {
    let s = Server::start();
    let planted = [
        "=HYPERLINK(\"https://evil.example\",\"x\")",
        "+1+2",
        "-3",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "\nx",
        "plain",
    ];
    for (i, d) in planted.iter().enumerate() {
        let start = format!("2026-03-02T0{i}:00:00Z");
        let (status, body) = s.call(
            &s.member,
            "POST",
            &entries(&s.member),
            Some(
                json!({"start": start, "end": format!("2026-03-02T0{i}:30:00Z"), "description": d}),
            ),
        );
        assert_eq!(status, 201, "{body}");
    }
    let mut admin = Browser::new(&s.process);
    assert_eq!(admin.sign_in(&[("api_key", &s.admin.key)]).status, 303);
    for excel in [false, true] {
        let path = format!(
            "/web/reports.csv?start=2026-03-02&end=2026-03-02&user=all{}",
            if excel { "&excel=1" } else { "" }
        );
        let answer = admin.get(&path);
        assert_eq!(answer.status, 200);
        assert_eq!(answer.body.starts_with('\u{feff}'), excel);
        let mut reader =
            csv::Reader::from_reader(answer.body.trim_start_matches('\u{feff}').as_bytes());
        let descriptions: Vec<String> =
            reader.records().map(|r| r.unwrap()[2].to_owned()).collect();
        assert_eq!(descriptions.len(), planted.len());
        for d in &descriptions {
            assert!(
                !d.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{d:?} would run"
            );
        }
        for p in planted {
            let expected = if p == "plain" {
                p.to_owned()
            } else {
                format!("'{p}")
            };
            assert!(
                descriptions.contains(&expected),
                "{expected:?} not in {descriptions:?}"
            );
        }
    }
}

#[test]
fn kept_answers_are_forgotten_after_thirty_days() {
    let s = Server::start();
    let me = &s.member;
    let key = [("Idempotency-Key", "month-old")];
    let body = |d: &str| {
        Some(
            json!({"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T10:00:00Z", "description": d}),
        )
    };
    let post = |d: &str| call(&s.base, "POST", &entries(me), Some(&me.key), body(d), &key).0;
    assert_eq!(post("first"), 201);
    assert_eq!(post("other"), 422, "the key is still kept");
    let retention = |days: i64| {
        s.process
            .retention(Some(Utc::now() + Duration::days(days)))
            .unwrap()
    };
    retention(29);
    assert_eq!(post("other"), 422, "kept for 30 days");
    retention(31);
    assert_eq!(post("other"), 201, "forgotten after 30 days");
}
