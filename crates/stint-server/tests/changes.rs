//! Issue 14 on the real server: entry versions with `If-Match` and 412, and the change
//! feed (snapshot, increments, tombstones, locks, cuts from screenshot deletions, settings,
//! paging, who may read it, and the long-poll that answers as soon as something changes).

mod shots;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use shots::*;
use stint_testkit::http::{call, raw, Account, Server};

fn feed(s: &Server, who: &Account, of: &Account, query: &str) -> (u16, Value) {
    s.call(
        who,
        "GET",
        &format!(
            "/workspaces/{}/user/{}/time-entries/changes{query}",
            of.workspace, of.id
        ),
        None,
    )
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

fn put(s: &Server, who: &Account, id: &str, body: Value, if_match: Option<&str>) -> (u16, Value) {
    let headers: Vec<(&str, &str)> = if_match.map(|v| ("If-Match", v)).into_iter().collect();
    call(
        &s.base,
        "PUT",
        &format!("/workspaces/{}/time-entries/{id}", who.workspace),
        Some(&who.key),
        Some(body),
        &headers,
    )
}

#[test]
fn versions_guard_edits_and_clockify_clients_keep_working() {
    let s = Server::start();
    let m = &s.member;
    let e = entry(&s, m, at(0), Some(at(30)));
    let (_, first) = get_entry(&s, m, &e);
    assert_eq!(first["version"], 1, "{first}");
    let body = |d: &str| json!({"start": at(0), "end": at(30), "description": d});

    let (status, edited) = put(&s, m, &e, body("one"), Some("\"1\""));
    assert_eq!((status, &edited["version"]), (200, &json!(2)), "{edited}");
    // The same content again is no change: the version stays.
    let (status, same) = put(&s, m, &e, body("one"), Some("\"2\""));
    assert_eq!((status, &same["version"]), (200, &json!(2)), "{same}");
    // An edit decided on version 1 is refused with the entry as it is now.
    let (status, moved) = put(&s, m, &e, body("stale"), Some("\"1\""));
    assert_eq!(status, 412, "{moved}");
    assert_eq!(moved["version"], 2);
    assert_eq!(moved["description"], "one");
    assert!(
        moved["message"].as_str().unwrap().contains("version 1"),
        "{moved}"
    );
    // A malformed If-Match is a 400, not a silent overwrite.
    let (status, bad) = put(&s, m, &e, body("x"), Some("yesterday"));
    assert_eq!(status, 400, "{bad}");
    // Without If-Match (a Clockify client) the edit goes through as before.
    let (status, plain) = put(&s, m, &e, body("clockify"), None);
    assert_eq!((status, &plain["version"]), (200, &json!(3)), "{plain}");
    // DELETE honours it too.
    let path = format!("/workspaces/{}/time-entries/{e}", m.workspace);
    let (status, _) = call(
        &s.base,
        "DELETE",
        &path,
        Some(&m.key),
        None,
        &[("If-Match", "2")],
    );
    assert_eq!(status, 412);
    let (status, _) = call(
        &s.base,
        "DELETE",
        &path,
        Some(&m.key),
        None,
        &[("If-Match", "3")],
    );
    assert_eq!(status, 204);
    // An id used again after a delete goes on counting: the old entry's If-Match fails.
    let (status, again) = s.call(
        m,
        "POST",
        &format!("/workspaces/{}/time-entries", m.workspace),
        Some(json!({"id": e, "start": at(0), "end": at(30), "description": "new life"})),
    );
    assert_eq!(status, 201, "{again}");
    assert_eq!(again["version"], 4, "{again}");
    let (status, _) = put(&s, m, &e, body("stale"), Some("\"3\""));
    assert_eq!(status, 412);
    // The ETag says the version as well.
    let f = entry(&s, m, at(40), Some(at(50)));
    let (_, text, _) = raw(
        &s.base,
        "GET",
        &format!("/workspaces/{}/time-entries/{f}", m.workspace),
        Some(&m.key),
        None,
        &[],
    );
    assert!(text.contains("\"version\":1"), "{text}");
}

#[test]
fn the_feed_carries_every_kind_of_change_and_nothing_of_others() {
    let s = Server::start();
    let (m, admin) = (&s.member, &s.admin);
    let a = entry(&s, m, at(0), Some(at(30)));
    let b = entry(&s, m, at(40), Some(at(50)));
    let _not_mine = entry(&s, admin, at(0), Some(at(10)));

    // The first read is a snapshot of the member's entries only.
    let (status, snap) = feed(&s, m, m, "");
    assert_eq!(status, 200, "{snap}");
    assert_eq!(snap["snapshot"], true);
    let mut got = ids(&snap["entries"]);
    got.sort();
    let mut want = vec![a.clone(), b.clone()];
    want.sort();
    assert_eq!(got, want);
    let cursor = snap["cursor"].as_i64().unwrap();

    // A cursor ahead of every change (a server restored from a backup) gets everything.
    let (_, ahead) = feed(&s, m, m, &format!("?since={}", cursor + 1000));
    assert_eq!(ahead["snapshot"], true, "{ahead}");
    assert_eq!(ids(&ahead["entries"]).len(), 2);
    // Nothing since: an empty page with the same or a later cursor.
    let (_, quiet) = feed(&s, m, m, &format!("?since={cursor}"));
    assert_eq!(
        (quiet["snapshot"].clone(), ids(&quiet["entries"]).len()),
        (json!(false), 0),
        "{quiet}"
    );

    // An edit, a lock by the admin, and a delete by the admin, each seen as it is now.
    put(
        &s,
        m,
        &a,
        json!({"start": at(0), "end": at(30), "description": "edited"}),
        None,
    );
    let (status, _) = s.call(
        admin,
        "PUT",
        &format!("/workspaces/{}/time-entries/{a}/lock", m.workspace),
        Some(json!({"locked": true})),
    );
    assert_eq!(status, 200);
    let (status, _) = s.call(
        admin,
        "DELETE",
        &format!("/workspaces/{}/time-entries/{b}", m.workspace),
        None,
    );
    assert_eq!(status, 204);
    let _also_not_mine = entry(&s, admin, at(60), Some(at(70)));
    let (_, page) = feed(&s, m, m, &format!("?since={cursor}"));
    assert_eq!(ids(&page["entries"]), vec![a.clone()], "{page}");
    assert_eq!(page["entries"][0]["description"], "edited");
    assert_eq!(page["entries"][0]["isLocked"], true);
    assert_eq!(page["entries"][0]["version"], 3);
    assert_eq!(page["deleted"], json!([b]));
    assert!(page["cursor"].as_i64().unwrap() > cursor);

    // A screenshot deletion's cut and split arrive as changes too.
    let c = entry(&s, m, at(100), Some(at(130)));
    let sets: Vec<String> = [103, 108]
        .iter()
        .map(|&t| upload(&s, m, &c, at(t), 1))
        .collect();
    let cursor = page["cursor"].as_i64().unwrap();
    let (status, cut) = delete_set(&s, m, &sets[1]);
    assert_eq!(status, 200, "{cut}");
    let split = cut["splitOff"]["id"].as_str().unwrap().to_owned();
    let (_, page) = feed(&s, m, m, &format!("?since={cursor}"));
    let mut got = ids(&page["entries"]);
    got.sort();
    let mut want = vec![c.clone(), split];
    want.sort();
    assert_eq!(got, want, "{page}");
    let cut_one = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == json!(c))
        .unwrap();
    assert_eq!(cut_one["timeInterval"]["end"], json!(at(103)));

    // Settings ride the same feed.
    let cursor = page["cursor"].as_i64().unwrap();
    let (_, settings) = s.call(
        admin,
        "GET",
        &format!("/workspaces/{}/settings", m.workspace),
        None,
    );
    let mut flipped = settings.clone();
    flipped["screenshotsEnabled"] = json!(!settings["screenshotsEnabled"].as_bool().unwrap());
    let (status, _) = s.call(
        admin,
        "PUT",
        &format!("/workspaces/{}/settings", m.workspace),
        Some(flipped),
    );
    assert_eq!(status, 200);
    let (_, page) = feed(&s, m, m, &format!("?since={cursor}"));
    assert_eq!(page["settingsChanged"], true, "{page}");

    // Who may read it: the user and their admin; not another member, not another workspace.
    assert_eq!(feed(&s, admin, m, "").0, 200);
    assert_eq!(feed(&s, m, admin, "").0, 404);
    assert_eq!(feed(&s, &s.outsider, m, "").0, 404);
    // Bad cursors and waits get reasons.
    for q in [
        "?since=-1",
        "?since=abc",
        "?wait=61",
        "?wait=0",
        "?page-size=0",
    ] {
        let (status, body) = feed(&s, m, m, q);
        assert_eq!(status, 400, "{q}: {body}");
        assert!(body["message"].as_str().is_some(), "{body}");
    }
}

#[test]
fn pages_follow_one_another_without_gaps() {
    let s = Server::start();
    let m = &s.member;
    let (_, snap) = feed(&s, m, m, "");
    let mut cursor = snap["cursor"].as_i64().unwrap();
    let made: Vec<String> = (0..7)
        .map(|i| entry(&s, m, at(i * 10), Some(at(i * 10 + 5))))
        .collect();
    let mut seen = Vec::new();
    let mut rounds = 0;
    loop {
        let (_, page) = feed(&s, m, m, &format!("?since={cursor}&page-size=3"));
        seen.extend(ids(&page["entries"]));
        cursor = page["cursor"].as_i64().unwrap();
        rounds += 1;
        if page["more"] == false {
            break;
        }
    }
    assert_eq!(seen, made);
    assert_eq!(rounds, 3);
}

#[test]
fn a_long_poll_answers_as_soon_as_something_changes() {
    let s = Server::start();
    let m = &s.member;
    let (_, snap) = feed(&s, m, m, "");
    let cursor = snap["cursor"].as_i64().unwrap();

    // Only another member's change: the request is held for the whole wait, then answered
    // empty, its cursor past that change.
    entry(&s, &s.admin, at(0), Some(at(5)));
    let started = Instant::now();
    let (status, page) = feed(&s, m, m, &format!("?since={cursor}&wait=1"));
    let held = started.elapsed();
    assert_eq!(status, 200);
    assert!(ids(&page["entries"]).is_empty(), "{page}");
    assert!(page["cursor"].as_i64().unwrap() > cursor, "{page}");
    assert!(
        held >= Duration::from_millis(950) && held < Duration::from_secs(5),
        "{held:?}"
    );

    // The member's own change answers a 30-second wait at once.
    let cursor = page["cursor"].as_i64().unwrap();
    let (poll, made) = std::thread::scope(|scope| {
        let poll = scope.spawn(|| {
            let started = Instant::now();
            let (_, page) = feed(&s, m, m, &format!("?since={cursor}&wait=30"));
            (page, started.elapsed())
        });
        let made = entry(&s, m, at(0), Some(at(5)));
        (poll.join().unwrap(), made)
    });
    let (page, took) = poll;
    assert_eq!(ids(&page["entries"]), vec![made], "{page}");
    assert!(took < Duration::from_secs(3), "answered after {took:?}");
}
