//! Issue 11, what the review of the first fixes found, against the real server: bodies
//! that stall or break, too many headers and too long targets, decompression bombs, leap
//! seconds in capture times, sub-millisecond range bounds, locked running timers, and
//! restoring a timer that was deleted while it ran.

mod shots;
mod webclient;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::json;
use shots::*;
use stint_testkit::http::{call, Server};
use webclient::{csrf_of, Browser};

/// Sends `request` raw and reads whatever comes back until the server answers or closes.
fn raw_exchange(addr: &str, request: &[u8], half_close: bool) -> (String, Duration) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request).unwrap();
    if half_close {
        stream.shutdown(std::net::Shutdown::Write).unwrap();
    }
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                got.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&got);
                if text.contains("\r\n\r\n") && text.ends_with('}') {
                    break;
                }
            }
        }
    }
    (
        String::from_utf8_lossy(&got).into_owned(),
        started.elapsed(),
    )
}

#[test]
fn broken_and_stalled_bodies_get_a_4xx_and_lose_their_connection() {
    let s = Server::start();
    let addr = s.process.address().to_owned();
    let head = |path: &str, extra: &str| {
        format!(
            "POST /api/v1/workspaces/{}/{path} HTTP/1.1\r\nHost: x\r\nX-Api-Key: {}\r\n{extra}",
            s.member.workspace, s.member.key
        )
    };
    // A broken chunk in an upload, with and without an Idempotency-Key: 400, never 5xx
    // (and not 413: nothing was too large).
    for key in ["", "Idempotency-Key: broken-1\r\n"] {
        let request = format!(
            "{}{key}Content-Type: multipart/form-data; boundary=zz\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n--zz\r\nzz\r\n",
            head("screenshots", "")
        );
        let (answer, _) = raw_exchange(&addr, request.as_bytes(), true);
        assert!(answer.starts_with("HTTP/1.1 400"), "{key:?}: {answer}");
        assert!(answer.contains("\"code\":400"), "{answer}");
    }
    // More headers than allowed, and a target too long: 431 and 414 in the API's shape.
    let many: String = (0..150).map(|i| format!("X-H{i}: 1\r\n")).collect();
    let (answer, _) = raw_exchange(
        &addr,
        format!("GET /api/v1/user HTTP/1.1\r\nHost: x\r\n{many}\r\n").as_bytes(),
        false,
    );
    assert!(
        answer.starts_with("HTTP/1.1 431") && answer.contains("\"code\":431"),
        "{answer}"
    );
    let long = "a".repeat(20 * 1024);
    let (answer, _) = raw_exchange(
        &addr,
        format!("GET /api/v1/user?q={long} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
        false,
    );
    assert!(
        answer.starts_with("HTTP/1.1 414") && answer.contains("\"code\":414"),
        "{answer}"
    );

    // A body that stops halfway is cut off after the timeout (1 s here), not held open.
    let slow = stint_testkit::TestServer::start_with(&["--header-timeout-seconds", "1"]).unwrap();
    let addr = slow.address().to_owned();
    let request = "POST /web/sign-in HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ncsrf=";
    let (_, waited) = raw_exchange(&addr, request.as_bytes(), false);
    assert!(waited < Duration::from_secs(10), "held for {waited:?}");
}

#[test]
fn bombs_and_leap_seconds_in_uploads() {
    let s = Server::start();
    let mine = entry(&s, &s.member, at(0), Some(at(30)));
    // A frame that claims 4000x4000 pixels over a few hundred bytes: refused, nothing kept.
    let real = jpeg(90);
    let sof = real
        .windows(2)
        .position(|w| w[0] == 0xFF && w[1] == 0xC0)
        .unwrap();
    let mut bomb = real.clone();
    bomb[sof + 5..sof + 9].copy_from_slice(&[0x0F, 0xA0, 0x0F, 0xA0]);
    let pictures = vec![bomb];
    let mut set = new_set(&mine, at(2), &pictures);
    set.screenshots[0].width = 4000;
    set.screenshots[0].height = 4000;
    let started = Instant::now();
    let (status, body) = send(&s, &s.member, &set, &pictures, "bomb");
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("too little data"),
        "{body}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert!(blob_listing(&s).is_empty());
    // A capture time with second 60 is the next minute, as every other time.
    let minute = at(3);
    let mut leap = new_set(&mine, minute, &[jpeg(10)]);
    let text = (minute - chrono::Duration::seconds(1))
        .to_rfc3339()
        .replace(":59+00:00", ":60Z");
    leap.captured_at = serde_json::from_value(json!(text)).unwrap();
    let (status, body) = send(&s, &s.member, &leap, &[jpeg(10)], "leap");
    assert_eq!(status, 201, "{body}");
    let stored: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(body["capturedAt"].clone()).unwrap();
    assert_eq!(stored, minute, "{text} stored as {}", body["capturedAt"]);
}

#[test]
fn range_bounds_between_milliseconds_stay_half_open() {
    let s = Server::start();
    let me = &s.member;
    let entries = format!("/workspaces/{}/time-entries", me.workspace);
    for start in ["2026-03-02T00:00:00.000Z", "2026-03-01T23:59:59.999Z"] {
        let (status, _) = s.call(
            me,
            "POST",
            &entries,
            Some(json!({"start": start, "end": "2026-03-02T01:00:00Z"})),
        );
        assert_eq!(status, 201);
    }
    let count = |start: &str, end: &str| {
        let path = format!(
            "/workspaces/{}/user/{}/time-entries?start={start}&end={end}",
            me.workspace, me.id
        );
        let (status, body) = s.call(me, "GET", &path.replace(':', "%3A"), None);
        assert_eq!(status, 200, "{body}");
        body.as_array().unwrap().len()
    };
    // [00:00:00.0005, …) starts after the entry at 00:00:00.000.
    assert_eq!(
        count("2026-03-02T00:00:00.0005Z", "2026-03-03T00:00:00Z"),
        0
    );
    // […, 00:00:00.0005) ends after it.
    assert_eq!(
        count("2026-03-01T00:00:00Z", "2026-03-02T00:00:00.0005Z"),
        2
    );
    // [23:59:59.9995, …) starts after the entry at 23:59:59.999.
    assert_eq!(
        count("2026-03-01T23:59:59.9995Z", "2026-03-03T00:00:00Z"),
        1
    );
}

#[test]
fn running_timers_are_never_locked_and_restore_comes_back_stopped() {
    let s = Server::start();
    let (me, admin) = (&s.member, &s.admin);
    let entries = format!("/workspaces/{}/time-entries", me.workspace);
    let (_, settings) = s.call(
        admin,
        "GET",
        &format!("/workspaces/{}/settings", me.workspace),
        None,
    );
    let mut settings = settings;
    settings["auditLog"] =
        json!({"enabled": true, "timeEntries": true, "projects": true, "users": true});
    let (status, _) = s.call(
        admin,
        "PUT",
        &format!("/workspaces/{}/settings", me.workspace),
        Some(settings),
    );
    assert_eq!(status, 200);
    let now = chrono::Utc::now();
    let (_, first) = s.call(
        me,
        "POST",
        &entries,
        Some(json!({"start": now - chrono::Duration::hours(2), "description": "first"})),
    );
    let first_id = first["id"].as_str().unwrap().to_owned();
    // An admin cannot lock a running timer: its owner could never stop it.
    let (status, body) = s.call(
        admin,
        "PUT",
        &format!("{entries}/{first_id}/lock"),
        Some(json!({"locked": true})),
    );
    assert_eq!(status, 409, "{body}");
    // Nor make a locked entry run.
    let (_, done) = s.call(me, "POST", &entries, Some(json!({"start": now - chrono::Duration::hours(5), "end": now - chrono::Duration::hours(4)})));
    let done_path = format!("{entries}/{}", done["id"].as_str().unwrap());
    assert_eq!(
        s.call(
            admin,
            "PUT",
            &format!("{done_path}/lock"),
            Some(json!({"locked": true}))
        )
        .0,
        200
    );
    let (status, body) = s.call(
        admin,
        "PUT",
        &done_path,
        Some(json!({"start": now - chrono::Duration::hours(5)})),
    );
    assert_eq!(status, 409, "{body}");
    // Deleted while it runs; a new timer runs; the admin restores the first one.
    assert_eq!(
        s.call(me, "DELETE", &format!("{entries}/{first_id}"), None)
            .0,
        204
    );
    let (_, second) = s.call(
        me,
        "POST",
        &entries,
        Some(json!({"start": now - chrono::Duration::minutes(10), "description": "second"})),
    );
    let mut web = Browser::new(&s.process);
    assert_eq!(web.sign_in(&[("api_key", &admin.key)]).status, 303);
    let csrf = csrf_of(&web.get("/web/settings").body);
    let record = web.deleted_entry_record();
    assert_eq!(
        web.post("/web/audit/restore", &[("csrf", &csrf), ("id", &record)])
            .status,
        303
    );
    let base = &s.base;
    let (_, restored) = call(
        base,
        "GET",
        &format!("{entries}/{first_id}"),
        Some(&me.key),
        None,
        &[],
    );
    assert!(
        restored["timeInterval"]["end"].is_string(),
        "restored running: {restored}"
    );
    let (_, current) = call(
        base,
        "GET",
        &format!("{entries}/{}", second["id"].as_str().unwrap()),
        Some(&me.key),
        None,
        &[],
    );
    assert!(
        current["timeInterval"]["end"].is_null(),
        "the running timer was stopped: {current}"
    );
}

#[test]
fn a_lock_racing_an_edit_loses_neither() {
    let s = Server::start();
    let (me, admin) = (&s.member, &s.admin);
    let entries = format!("/workspaces/{}/time-entries", me.workspace);
    for round in 0..20 {
        let (_, e) = s.call(me, "POST", &entries, Some(json!({"start": "2026-03-02T07:00:00Z", "end": "2026-03-02T07:30:00Z", "description": format!("r{round}")})));
        let path = format!("{entries}/{}", e["id"].as_str().unwrap());
        let (lock, edit) = std::thread::scope(|scope| {
            let lock = scope.spawn(|| {
                s.call(
                    admin,
                    "PUT",
                    &format!("{path}/lock"),
                    Some(json!({"locked": true})),
                )
                .0
            });
            let edit = scope.spawn(|| {
                s.call(me, "PUT", &path, Some(json!({"start": "2026-03-02T07:00:00Z", "end": "2026-03-02T07:45:00Z", "description": "edited"}))).0
            });
            (lock.join().unwrap(), edit.join().unwrap())
        });
        let (_, now) = s.call(admin, "GET", &path, None);
        let locked = now["isLocked"] == json!(true);
        let edited = now["timeInterval"]["end"] == json!("2026-03-02T07:45:00Z");
        // Each answer tells the truth about what the entry became.
        assert_eq!(
            locked,
            lock == 200,
            "round {round}: lock {lock}, edit {edit}: {now}"
        );
        assert_eq!(
            edited,
            edit == 200,
            "round {round}: lock {lock}, edit {edit}: {now}"
        );
        for status in [lock, edit] {
            assert!([200, 403, 503].contains(&status), "round {round}: {status}");
        }
    }
}

/// Whether the server still holds its end of the loopback connection from `client_port`.
fn tcp_open(server_port: u16, client_port: u16) -> bool {
    let (local, remote) = (
        format!("0100007F:{server_port:04X}"),
        format!("0100007F:{client_port:04X}"),
    );
    std::fs::read_to_string("/proc/net/tcp")
        .unwrap_or_default()
        .lines()
        .any(|l| {
            let mut fields = l.split_whitespace().skip(1);
            fields.next() == Some(local.as_str()) && fields.next() == Some(remote.as_str())
        })
}

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn an_upload_whose_client_hangs_up_still_finishes() {
    let s = Server::start();
    let mine = entry(&s, &s.member, at(0), Some(at(30)));
    let pictures = vec![jpeg(60)];
    let set = new_set(&mine, at(2), &pictures);
    let parts: Vec<(&str, &[u8])> = vec![(set.screenshots[0].id.as_str(), pictures[0].as_slice())];
    let (content_type, body) = stint_api::upload_body(&set, &parts);
    // Hold the database so the upload waits in its reservation, then hang up.
    let hold = s
        .process
        .hold_writes(stint_server::storage::PG_WRITE_LOCK)
        .unwrap();
    let mut stream = TcpStream::connect(s.process.address()).unwrap();
    let head = format!(
        "POST /api/v1/workspaces/{}/screenshots HTTP/1.1\r\nHost: x\r\nX-Api-Key: {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        s.member.workspace,
        s.member.key,
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body).unwrap();
    stint_testkit::wait_until(WAIT, "the upload to wait for the database", || {
        s.process.writes_wait().then_some(())
    })
    .unwrap();
    let client_port = stream.local_addr().unwrap().port();
    drop(stream);
    let server_port: u16 = s
        .process
        .address()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    stint_testkit::wait_until(WAIT, "the server to drop the connection", || {
        (!tcp_open(server_port, client_port)).then_some(())
    })
    .unwrap();
    hold.release().unwrap();
    // The reservation goes on without its client and ends finished, pictures stored.
    stint_testkit::wait_until(Duration::from_secs(10), "the set to be finished", || {
        let rows = s
            .process
            .sql(&format!(
                "SELECT CASE WHEN stored THEN 1 ELSE 0 END FROM capture_sets WHERE id = '{}'",
                set.id
            ))
            .ok()?;
        (rows == vec![vec![Some("1".to_owned())]]).then_some(())
    })
    .unwrap();
    assert_eq!(blob_listing(&s).len(), 1);
}

/// A writer that holds the database (a frozen process, another tool) does not hold the
/// server's writes for ever: each waits a bounded time (SQLite's busy wait, PostgreSQL's
/// lock wait), then is answered 503 with Retry-After and has written nothing; once the
/// hold ends, the same request goes through.
#[test]
fn a_held_database_answers_try_again_within_seconds_and_writes_nothing() {
    let s = Server::start();
    let path = format!("/workspaces/{}/time-entries", s.member.workspace);
    let body = json!({"id": "held-1", "start": "2026-03-04T09:00:00Z", "end": "2026-03-04T10:00:00Z", "description": "held"});
    let hold = s
        .process
        .hold_writes(stint_server::storage::PG_WRITE_LOCK)
        .unwrap();
    let began = Instant::now();
    let (status, answer) = s.call(&s.member, "POST", &path, Some(body.clone()));
    let waited = began.elapsed();
    assert_eq!(status, 503, "{answer}");
    assert!(
        waited < Duration::from_secs(20),
        "answered within the bounded wait, not after {waited:?}"
    );
    hold.release().unwrap();
    let (status, _) = s.call(&s.member, "GET", &format!("{path}/held-1"), None);
    assert_eq!(status, 404, "the refused write left nothing");
    let (status, answer) = s.call(&s.member, "POST", &path, Some(body));
    assert_eq!(status, 201, "{answer}");
}
