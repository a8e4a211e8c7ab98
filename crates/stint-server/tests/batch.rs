//! Issue 14: the batch endpoint on the real server. Changes apply in order in one
//! transaction, each with its own key and answer; a batch sent again changes nothing; bad
//! changes are refused with reasons while the rest apply; versions, locks and other users'
//! entries are honoured as for single requests.

mod shots;

use serde_json::{json, Value};
use shots::*;
use stint_testkit::http::{Account, Server};

fn batch(s: &Server, who: &Account, changes: Value) -> (u16, Value) {
    s.call(
        who,
        "POST",
        &format!("/workspaces/{}/time-entries/batch", who.workspace),
        Some(json!({ "changes": changes })),
    )
}

fn statuses(answer: &Value) -> Vec<u64> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect()
}

fn upsert(key: &str, id: &str, description: &str, if_match: Option<i64>) -> Value {
    json!({"key": key, "op": "upsert", "id": id, "ifMatch": if_match,
        "entry": {"start": at(0), "end": at(30), "description": description}})
}

#[test]
fn changes_apply_in_order_once_each() {
    let s = Server::start();
    let m = &s.member;
    let changes = json!([
        upsert("k1", "e-1", "first", None),
        upsert("k2", "e-1", "first, edited", None),
        upsert("k3", "e-2", "second", None),
        {"key": "k4", "op": "delete", "id": "e-2", "ifMatch": null, "entry": null},
        {"key": "k5", "op": "delete", "id": "never", "ifMatch": null, "entry": null},
    ]);
    let (status, answer) = batch(&s, m, changes.clone());
    assert_eq!(status, 200, "{answer}");
    assert_eq!(statuses(&answer), vec![201, 200, 201, 204, 404]);
    assert_eq!(
        answer["results"][1]["entry"]["description"],
        "first, edited"
    );
    assert_eq!(answer["results"][1]["entry"]["version"], 2);
    // Sent again (the answer was lost): the same answers, nothing applied twice.
    let (_, again) = batch(&s, m, changes);
    assert_eq!(statuses(&again), vec![201, 200, 201, 204, 404]);
    assert_eq!(again["results"][0]["entry"]["description"], "first");
    // The same key with another change is refused, and the first change's answer stays.
    let (_, reused) = batch(
        &s,
        m,
        json!([{"key": "k1", "op": "delete", "id": "e-1", "ifMatch": null, "entry": null}]),
    );
    assert_eq!(statuses(&reused), vec![422], "{reused}");
    assert!(reused["results"][0]["message"]
        .as_str()
        .unwrap()
        .contains("different change"));
    let (_, again) = batch(&s, m, json!([upsert("k1", "e-1", "first", None)]));
    assert_eq!(statuses(&again), vec![201]);
    // A single request's key used in a batch for another entry is refused too.
    let (status, _) = stint_testkit::http::call(
        &s.base,
        "POST",
        &format!("/workspaces/{}/time-entries", m.workspace),
        Some(&m.key),
        Some(json!({"id": "single", "start": at(0), "end": at(5), "description": "alone"})),
        &[("Idempotency-Key", "single-key")],
    );
    assert_eq!(status, 201);
    let (_, crossed) = batch(
        &s,
        m,
        json!([upsert("single-key", "other", "sneaky", None)]),
    );
    assert_eq!(statuses(&crossed), vec![422], "{crossed}");
    assert_eq!(get_entry(&s, m, "other").0, 404);
    let (_, e1) = get_entry(&s, m, "e-1");
    assert_eq!(
        (e1["description"].clone(), e1["version"].clone()),
        (json!("first, edited"), json!(2))
    );
    assert_eq!(get_entry(&s, m, "e-2").0, 404);
}

#[test]
fn versions_locks_and_others_entries_are_honoured() {
    let s = Server::start();
    let (m, admin) = (&s.member, &s.admin);
    let (_, made) = batch(
        &s,
        m,
        json!([
            upsert("a", "mine", "v1", None),
            upsert("b", "locked", "x", None)
        ]),
    );
    assert_eq!(statuses(&made), vec![201, 201]);
    let lock = format!("/workspaces/{}/time-entries/locked/lock", m.workspace);
    assert_eq!(
        s.call(admin, "PUT", &lock, Some(json!({"locked": true}))).0,
        200
    );
    let theirs = entry(&s, admin, at(0), Some(at(10)));

    let (_, answer) = batch(
        &s,
        m,
        json!([
            upsert("c", "mine", "decided on 1", Some(1)),
            upsert("d", "mine", "decided on 7", Some(7)),
            upsert("e", "locked", "sneaky", None),
            {"key": "f", "op": "delete", "id": "locked", "ifMatch": null, "entry": null},
            {"key": "g", "op": "delete", "id": theirs, "ifMatch": null, "entry": null},
            upsert("h", &theirs, "taken over", None),
            upsert("i", "gone", "edited after a delete", Some(4)),
        ]),
    );
    assert_eq!(
        statuses(&answer),
        vec![200, 412, 403, 403, 404, 409, 404],
        "{answer}"
    );
    // The 412 carries the entry as it now is.
    assert_eq!(answer["results"][1]["entry"]["version"], 2);
    assert_eq!(answer["results"][1]["entry"]["description"], "decided on 1");
    // The admin's entry is untouched.
    let (_, still) = get_entry(&s, admin, &theirs);
    assert_eq!(still["description"], "work");
    // A 412 is not the key's answer: sent again with the right version, it applies.
    let (_, retry) = batch(&s, m, json!([upsert("d", "mine", "decided on 2", Some(2))]));
    assert_eq!(statuses(&retry), vec![200], "{retry}");
}

#[test]
fn bad_changes_are_refused_with_reasons_and_the_rest_apply() {
    let s = Server::start();
    let m = &s.member;
    let (status, answer) = batch(
        &s,
        m,
        json!([
            upsert("ok", "fine", "fine", None),
            {"key": "no-body", "op": "upsert", "id": "x", "ifMatch": null, "entry": null},
            {"key": "bad-id", "op": "delete", "id": "has spaces", "ifMatch": null, "entry": null},
            {"key": "backwards", "op": "upsert", "id": "y", "ifMatch": null,
                "entry": {"start": at(30), "end": at(0), "description": ""}},
        ]),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(statuses(&answer), vec![201, 400, 400, 400]);
    for r in &answer["results"].as_array().unwrap()[1..] {
        assert!(!r["message"].as_str().unwrap().is_empty(), "{r}");
    }
    assert_eq!(get_entry(&s, m, "fine").0, 200);

    // The batch itself: empty, too long, a repeated key, a broken body.
    let many: Vec<Value> = (0..501)
        .map(|i| upsert(&format!("k{i}"), &format!("e{i}"), "", None))
        .collect();
    for (changes, why) in [
        (json!([]), "1 to 500"),
        (json!(many), "1 to 500"),
        (
            json!([upsert("same", "a", "", None), upsert("same", "b", "", None)]),
            "used by two",
        ),
        (
            json!([{"key": "k", "op": "rename", "id": "a"}]),
            "invalid request body",
        ),
    ] {
        let (status, body) = batch(&s, m, changes);
        assert_eq!(status, 400, "{body}");
        assert!(body["message"].as_str().unwrap().contains(why), "{body}");
    }
    // Another workspace's user reaches nothing here.
    let (status, _) = s.call(
        &s.outsider,
        "POST",
        &format!("/workspaces/{}/time-entries/batch", m.workspace),
        Some(json!({"changes": [upsert("z", "fine", "mine now", None)]})),
    );
    assert_eq!(status, 404);
}
