//! Screenshot helpers shared by the server's test files: pictures, capture sets, uploads
//! and a look at the blob directory.
#![allow(dead_code)]

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use stint_api::{upload_body, Monitor, NewCaptureSet, NewScreenshot};
use stint_testkit::http::{send_bytes, Account, Server};

pub fn jpeg(shade: u8) -> Vec<u8> {
    let frame = vec![shade; 64 * 48 * 4];
    stint_capture::process(64, 48, &frame, stint_capture::Settings::default())
        .unwrap()
        .0
        .jpeg
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A whole minute some hours ago, the same for the whole test process (read again, it
/// could cross a minute boundary between two calls of one test).
pub fn base_time() -> DateTime<Utc> {
    static BASE: std::sync::OnceLock<DateTime<Utc>> = std::sync::OnceLock::new();
    *BASE.get_or_init(|| {
        (Utc::now() - Duration::hours(3))
            .duration_trunc(Duration::minutes(1))
            .unwrap()
    })
}

pub fn new_set(entry: &str, at: DateTime<Utc>, pictures: &[Vec<u8>]) -> NewCaptureSet {
    let id = uuid::Uuid::new_v4().to_string();
    NewCaptureSet {
        id: id.clone(),
        time_entry_id: entry.to_owned(),
        captured_at: at,
        screenshots: pictures
            .iter()
            .enumerate()
            .map(|(i, bytes)| NewScreenshot {
                id: format!("{id}-{i}"),
                monitor: Monitor {
                    name: format!("DP-{i}"),
                    x: 1920 * i as i32,
                    y: 0,
                    width: 1920,
                    height: 1080,
                },
                width: 64,
                height: 48,
                sha256: hex(&Sha256::digest(bytes)),
                private: false,
            })
            .collect(),
    }
}

pub fn send(
    s: &Server,
    who: &Account,
    set: &NewCaptureSet,
    pictures: &[Vec<u8>],
    key: &str,
) -> (u16, Value) {
    let parts: Vec<(&str, &[u8])> = set
        .screenshots
        .iter()
        .zip(pictures)
        .map(|(meta, bytes)| (meta.id.as_str(), bytes.as_slice()))
        .collect();
    let (content_type, body) = upload_body(set, &parts);
    let (status, _, bytes) = send_bytes(
        &s.base,
        "POST",
        &format!("/workspaces/{}/screenshots", who.workspace),
        Some(&who.key),
        Some((&content_type, body)),
        &[("Idempotency-Key", key)],
    );
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Uploads a set of `monitors` pictures at `at`; returns the set's id.
pub fn upload(
    s: &Server,
    who: &Account,
    entry: &str,
    at: DateTime<Utc>,
    monitors: usize,
) -> String {
    let pictures: Vec<Vec<u8>> = (0..monitors).map(|i| jpeg(40 * i as u8 + 20)).collect();
    let set = new_set(entry, at, &pictures);
    let (status, body) = send(s, who, &set, &pictures, &set.id);
    assert_eq!(status, 201, "{body}");
    set.id
}

pub fn entry(
    s: &Server,
    who: &Account,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
) -> String {
    let (status, body) = s.call(
        who,
        "POST",
        &format!("/workspaces/{}/time-entries", who.workspace),
        Some(json!({"start": start, "end": end, "description": "work"})),
    );
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

pub fn list(s: &Server, who: &Account, user: Option<&Account>) -> (u16, Value) {
    let from = (base_time() - Duration::days(2)).to_rfc3339();
    let to = (Utc::now() + Duration::hours(1)).to_rfc3339();
    let mut path = format!(
        "/workspaces/{}/screenshots?start={}&end={}",
        who.workspace,
        urlencode(&from),
        urlencode(&to)
    );
    if let Some(u) = user {
        path.push_str(&format!("&userId={}", u.id));
    }
    s.call(who, "GET", &path, None)
}

pub fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

pub fn image(s: &Server, who: &Account, path: &str) -> (u16, Vec<u8>) {
    let path = path.trim_start_matches("/api/v1");
    let (status, _, bytes) = send_bytes(&s.base, "GET", path, Some(&who.key), None, &[]);
    (status, bytes)
}

pub fn blob_files(s: &Server) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|rd| {
                rd.flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            count(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    count(&s.process.data_dir.path().join("screenshots"))
}

pub fn get_entry(s: &Server, who: &Account, id: &str) -> (u16, Value) {
    s.call(
        who,
        "GET",
        &format!("/workspaces/{}/time-entries/{id}", who.workspace),
        None,
    )
}

pub fn delete_set(s: &Server, who: &Account, id: &str) -> (u16, Value) {
    s.call(
        who,
        "DELETE",
        &format!("/workspaces/{}/screenshots/{id}", who.workspace),
        None,
    )
}

pub fn at(min: i64) -> DateTime<Utc> {
    base_time() + Duration::minutes(min)
}

/// Every file under the blob directory with its bytes, by path: a byte-level picture of
/// storage to compare before and after a refusal.
pub fn blob_listing(s: &Server) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(dir: &std::path::Path, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = e.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.insert(path.display().to_string(), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(&s.process.data_dir.path().join("screenshots"), &mut out);
    out
}

/// Who uploads which set with which pictures.
pub type Upload = (Account, NewCaptureSet, Vec<Vec<u8>>);
