//! Issue 11, security items 2, 5, 6 and 7 over HTTP against the real server: kept
//! Idempotency-Key answers only after authentication, reset keys dead everywhere,
//! redirects made by the server, no panic from any page field, a header timeout, security
//! headers and the API's shape for 405, 413 and 431.

mod webclient;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use serde_json::json;
use stint_testkit::http::{call, raw, Server};
use webclient::{csrf_of, Browser};

fn entries(s: &Server) -> String {
    format!("/workspaces/{}/time-entries", s.member.workspace)
}

#[test]
fn a_kept_answer_is_only_replayed_to_its_authenticated_owner() {
    let mut s = Server::start();
    let body = json!({"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T10:00:00Z", "description": "kept"});
    let key = [("Idempotency-Key", "k-1")];
    let (status, first) = call(
        &s.base,
        "POST",
        &entries(&s),
        Some(&s.member.key),
        Some(body.clone()),
        &key,
    );
    assert_eq!(status, 201, "{first}");
    // The right key id with a wrong secret: 401 for the same request and for another one,
    // and nothing of the entry in the answer.
    let (id, _) = s.member.key.split_at(16);
    let forged = format!("{id}{}", "f".repeat(32));
    for b in [
        body.clone(),
        json!({"start": "2026-03-02T11:00:00Z", "description": "x"}),
    ] {
        let (status, text, _) = raw(
            &s.base,
            "POST",
            &entries(&s),
            Some(&forged),
            Some(b.to_string()),
            &key,
        );
        assert_eq!(status, 401, "{text}");
        assert!(
            !text.contains("kept") && !text.contains(first["id"].as_str().unwrap()),
            "{text}"
        );
    }
    // A web session opened with the key, then the key is reset.
    let mut web = Browser::new(&s.process);
    assert_eq!(web.sign_in(&[("api_key", &s.member.key)]).status, 303);
    assert_eq!(web.get("/web").status, 200);
    let new_key = s.process.reset_key("Acme", "bo@acme.test").unwrap();
    // The old key is dead on every route, replays included; its web session ended.
    let old = s.member.key.clone();
    for (method, path, b) in [
        ("POST", entries(&s), Some(body.clone())),
        ("GET", "/user".to_owned(), None),
        (
            "GET",
            format!("{}/{}", entries(&s), first["id"].as_str().unwrap()),
            None,
        ),
        (
            "DELETE",
            format!("{}/{}", entries(&s), first["id"].as_str().unwrap()),
            None,
        ),
    ] {
        let (status, text, _) = raw(
            &s.base,
            method,
            &path,
            Some(&old),
            b.map(|b| b.to_string()),
            &key,
        );
        assert_eq!(status, 401, "{method} {path}: {text}");
    }
    let page = web.get("/web");
    assert_ne!(page.status, 200, "the session outlived its key");
    // The owner with the new key gets the kept answer: the key is theirs, not the API key's.
    s.member.key = new_key;
    let (status, again) = call(
        &s.base,
        "POST",
        &entries(&s),
        Some(&s.member.key),
        Some(body),
        &key,
    );
    assert_eq!((status, &again), (201, &first));
}

#[test]
fn redirects_are_made_by_the_server_and_nothing_fails_after_a_change() {
    let s = Server::start();
    let (_, e) = s.call(
        &s.member,
        "POST",
        &entries(&s),
        Some(json!({"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T10:00:00Z"})),
    );
    let id = e["id"].as_str().unwrap();
    let mut admin = Browser::new(&s.process);
    assert_eq!(admin.sign_in(&[("api_key", &s.admin.key)]).status, 303);
    let csrf = csrf_of(&admin.get("/web/reports").body);
    for back in [
        "start=2026-03-01&end=2026-03-03&user=all\r\nSet-Cookie: evil=1",
        "start=2026-03-01\r\nLocation: https://evil.example/",
        "user=%0d%0aX-Injected:%201",
        "//evil.example/",
        "start=+262142-12-25",
    ] {
        let answer = admin.post(
            "/web/entries/lock",
            &[
                ("csrf", &csrf),
                ("id", id),
                ("locked", "true"),
                ("back", back),
            ],
        );
        assert!(answer.status < 500, "{back:?}: {}", answer.status);
        if let Some(location) = &answer.location {
            assert!(location.starts_with("/web/reports?"), "{location}");
            assert!(
                !location.contains(['\r', '\n']) && !location.contains("evil"),
                "{location}"
            );
        }
        assert!(answer.set_cookies.iter().all(|c| !c.contains("evil")));
    }
    for user in [
        "x\r\nLocation: https://evil.example/",
        "../../etc",
        "%0d%0a",
    ] {
        let answer = admin.post(
            "/web/screenshots/delete",
            &[("csrf", &csrf), ("set", "none"), ("user", user)],
        );
        assert!(answer.status < 500, "{user:?}: {}", answer.status);
        if let Some(location) = &answer.location {
            assert!(
                !location.contains(['\r', '\n']) && !location.contains("evil"),
                "{location}"
            );
        }
    }
}

/// Values that broke or may break a page: far and impossible dates, control characters,
/// long and odd text.
const NASTY: [&str; 16] = [
    "+262142-12-25",
    "-262143-01-01",
    "0001-01-01",
    "9999-12-31",
    "2200-01-01",
    "1969-12-31",
    "2026-02-30",
    "2026-13-01",
    "",
    "%00",
    "\r\nX: y",
    "' OR 1=1 --",
    "<script>",
    "all",
    "ÿ😀",
    "2026-03-02",
];

#[test]
fn no_page_field_reaches_a_panic() {
    let s = Server::start();
    let mut admin = Browser::new(&s.process);
    assert_eq!(admin.sign_in(&[("api_key", &s.admin.key)]).status, 303);
    let long = "9".repeat(5000);
    let pages = [
        "/web/reports",
        "/web/reports.csv",
        "/web/audit",
        "/web/audit.csv",
        "/web/screenshots",
        "/web",
    ];
    let fields = [
        "start", "end", "user", "date", "author", "action", "excel", "note",
    ];
    for page in pages {
        for field in fields {
            for value in NASTY.iter().copied().chain([long.as_str()]) {
                let encoded: String = value.bytes().map(|b| format!("%{b:02X}")).collect();
                let path = format!("{page}?{field}={encoded}&start=2026-03-01");
                let answer = admin.get(&path);
                assert!(
                    answer.status < 500,
                    "{path}: {} {}",
                    answer.status,
                    answer.body
                );
            }
        }
    }
    // Every form field of every form, one at a time, with a valid CSRF token.
    let csrf = csrf_of(&admin.get("/web/settings").body);
    let forms: [(&str, &[&str]); 6] = [
        (
            "/web/settings",
            &[
                "screenshot_max_side",
                "screenshot_blur",
                "idle_threshold_minutes",
                "screenshots_enabled",
                "audit_enabled",
            ],
        ),
        ("/web/password", &["password", "repeat"]),
        ("/web/entries/lock", &["id", "locked", "back"]),
        ("/web/screenshots/delete", &["set", "user", "date"]),
        ("/web/audit/restore", &["id"]),
        ("/web/sign-in", &["email", "password", "api_key"]),
    ];
    for (path, fields) in forms {
        for field in fields {
            for value in NASTY.iter().copied().chain([long.as_str()]) {
                let answer = admin.post(path, &[("csrf", &csrf), (field, value)]);
                assert!(
                    answer.status < 500,
                    "{path} {field}={value:?}: {} {}",
                    answer.status,
                    answer.body
                );
            }
        }
    }
    // The API's time parameters: a clear 400, never a 5xx.
    for value in [
        "+262142-12-25T00:00:00Z",
        "0001-01-01T00:00:00Z",
        "2200-01-01T00:00:00Z",
    ] {
        let q = value.replace('+', "%2B").replace(':', "%3A");
        for path in [
            format!(
                "/workspaces/{}/user/{}/time-entries?start={q}",
                s.member.workspace, s.member.id
            ),
            format!(
                "/workspaces/{}/screenshots?start={q}&end=2026-01-02T00%3A00%3A00Z",
                s.member.workspace
            ),
        ] {
            let (status, body) = s.call(&s.member, "GET", &path, None);
            assert_eq!(status, 400, "{path}: {body}");
            assert_eq!(body["code"], 400);
        }
    }
}

/// One HTTP/1.1 answer read off a socket: the head and a `Content-Length` body (the
/// connection may stay open afterwards).
fn read_answer(stream: &mut std::net::TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_owned)
                })
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if body.len() >= length {
                return text;
            }
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return text,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
}

#[test]
fn hardening_headers_limits_and_a_header_timeout() {
    let s = Server::start();
    // Security headers on the pages.
    let mut web = Browser::new(&s.process);
    let page = web.get("/web/sign-in");
    assert_eq!(page.status, 200);
    for (name, expected) in [
        ("content-security-policy", "frame-ancestors 'none'"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
    ] {
        let value = page
            .headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name}"));
        assert!(value.contains(expected), "{name}: {value}");
    }
    // 413 (a JSON body over the limit, a 30 MiB upload) and 431 in the API's shape.
    let big = json!({"start": "2026-03-02T09:00:00Z", "description": "x".repeat(300 * 1024)});
    let (status, body) = s.call(&s.member, "POST", &entries(&s), Some(big));
    assert_eq!((status, body["code"].as_u64()), (413, Some(413)), "{body}");
    // The server answers before the 30 MiB are sent and closes: write what it takes.
    let mut stream = std::net::TcpStream::connect(s.process.address()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let head = format!(
        "POST /api/v1/workspaces/{}/screenshots HTTP/1.1\r\nHost: x\r\nX-Api-Key: {}\r\n\
         Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {}\r\n\r\n",
        s.member.workspace,
        s.member.key,
        30 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).unwrap();
    let chunk = vec![b'a'; 64 * 1024];
    for _ in 0..480 {
        if stream.write_all(&chunk).is_err() {
            break;
        }
    }
    let answer = read_answer(&mut stream);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let body: serde_json::Value =
        serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap_or_default()).unwrap();
    assert_eq!(body["code"], 413, "{body}");
    let long = "a".repeat(20 * 1024);
    let (status, body) = call(
        &s.base,
        "GET",
        "/user",
        Some(&s.member.key),
        None,
        &[("X-Filler", &long)],
    );
    assert_eq!((status, body["code"].as_u64()), (431, Some(431)), "{body}");
    let (status, body) = call(&s.base, "PATCH", "/user", Some(&s.member.key), None, &[]);
    assert_eq!((status, body["code"].as_u64()), (405, Some(405)), "{body}");
    assert!(body["message"].is_string());

    // A half-sent request is closed after the header timeout (1 s here).
    let slow = stint_testkit::TestServer::start_with(&["--header-timeout-seconds", "1"]).unwrap();
    let addr = slow.address().to_owned();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
        .write_all(b"GET /api/v1/user HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let closed = stream.read_to_end(&mut rest);
    drop(slow);
    assert!(closed.is_ok(), "the connection stayed open: {closed:?}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "closed only after {:?}",
        started.elapsed()
    );
}
