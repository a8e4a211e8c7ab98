//! The API over HTTP against the real server binary on 127.0.0.1 (port 0) and a real
//! SQLite file: shapes, bad input, idempotency, and who may see what.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::{json, Value};
use stint_testkit::http::{agent, call, raw, Account, Server};

const BIN: &str = env!("CARGO_BIN_EXE_stint-server");

fn entries_path(account: &Account) -> String {
    format!("/workspaces/{}/time-entries", account.workspace)
}

#[test]
fn a_missing_or_wrong_key_is_refused() {
    let server = Server::start();
    let (status, body) = call(&server.base, "GET", "/user", None, None, &[]);
    assert_eq!((status, body["code"].as_u64()), (401, Some(401)), "{body}");
    for key in [
        "nonsense",
        "stint_0000000000000000_secret",
        &(server.admin.key.clone() + "x"),
    ] {
        let (status, _) = call(&server.base, "GET", "/user", Some(key), None, &[]);
        assert_eq!(status, 401, "{key}");
    }
}

#[test]
fn user_and_workspaces_answer_in_clockify_shape() {
    let server = Server::start();
    let (_, me) = server.call(&server.admin, "GET", "/user", None);
    assert_eq!(me["email"], "ana@acme.test");
    assert_eq!(me["defaultWorkspace"], me["activeWorkspace"]);
    let (status, list) = server.call(&server.admin, "GET", "/workspaces", None);
    assert_eq!(status, 200);
    assert_eq!(list[0]["name"], "Acme");
    assert_eq!(list[0]["id"], json!(server.admin.workspace));
    for sub in ["clients", "tags"] {
        let (status, body) = server.call(
            &server.member,
            "GET",
            &format!("/workspaces/{}/{sub}", server.member.workspace),
            None,
        );
        assert_eq!((status, body), (200, json!([])), "{sub}");
    }
}

#[test]
fn a_timer_runs_stops_and_lists_with_paging() {
    let server = Server::start();
    let me = &server.member;
    let (status, first) = server.call(
        me,
        "POST",
        &entries_path(me),
        Some(json!({"start": "2026-03-02T09:00:00Z", "description": "first"})),
    );
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["timeInterval"]["end"], Value::Null);
    assert_eq!(first["timeInterval"]["duration"], Value::Null);
    assert_eq!(first["userId"], json!(me.id));
    assert_eq!(first["source"], "timer");

    // A second timer stops the first at its start, as Clockify does.
    let (_, second) = server.call(
        me,
        "POST",
        &entries_path(me),
        Some(json!({"start": "2026-03-02T10:30:00Z", "description": "second"})),
    );
    let (_, first_now) = server.call(
        me,
        "GET",
        &format!("{}/{}", entries_path(me), first["id"].as_str().unwrap()),
        None,
    );
    assert_eq!(first_now["timeInterval"]["end"], "2026-03-02T10:30:00Z");
    assert_eq!(first_now["timeInterval"]["duration"], "PT1H30M");

    let user_entries = format!("/workspaces/{}/user/{}/time-entries", me.workspace, me.id);
    let (status, stopped) = server.call(
        me,
        "PATCH",
        &user_entries,
        Some(json!({"end": "2026-03-02T10:45:30Z"})),
    );
    assert_eq!(status, 200, "{stopped}");
    assert_eq!(stopped["id"], second["id"]);
    assert_eq!(stopped["timeInterval"]["duration"], "PT15M30S");
    let (status, _) = server.call(
        me,
        "PATCH",
        &user_entries,
        Some(json!({"end": "2026-03-02T11:00:00Z"})),
    );
    assert_eq!(status, 404, "nothing left to stop");

    let (status, text, last) = raw(
        &server.base,
        "GET",
        &format!("{user_entries}?page-size=1"),
        Some(&me.key),
        None,
        &[],
    );
    let page: Value = serde_json::from_str(&text).unwrap();
    assert_eq!((status, last.as_deref()), (200, Some("false")));
    assert_eq!(page[0]["description"], "second", "newest first");
    let (_, text, last) = raw(
        &server.base,
        "GET",
        &format!("{user_entries}?page-size=1&page=2"),
        Some(&me.key),
        None,
        &[],
    );
    assert_eq!(last.as_deref(), Some("true"));
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()[0]["description"],
        "first"
    );
    let (_, running) = server.call(me, "GET", &format!("{user_entries}?in-progress=true"), None);
    assert_eq!(running, json!([]));

    // Replace, then delete.
    let path = format!("{}/{}", entries_path(me), first["id"].as_str().unwrap());
    let (status, replaced) = server.call(me, "PUT", &path, Some(json!({"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T09:10:00Z", "description": "renamed"})));
    assert_eq!(
        (status, replaced["description"].as_str()),
        (200, Some("renamed"))
    );
    assert_eq!(replaced["timeInterval"]["duration"], "PT10M");
    assert_eq!(server.call(me, "DELETE", &path, None).0, 204);
    assert_eq!(server.call(me, "GET", &path, None).0, 404);
}

#[test]
fn bad_input_gets_a_4xx_with_a_message_and_changes_nothing() {
    let server = Server::start();
    let me = &server.member;
    let path = entries_path(me);
    let cases = [
        ("{not json", 400),
        (r#"{"start": "yesterday"}"#, 400),
        (
            r#"{"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T08:00:00Z"}"#,
            400,
        ),
        (r#"{"start": "2999-01-01T00:00:00Z"}"#, 400),
        (
            r#"{"start": "2026-03-02T09:00:00Z", "id": "has spaces"}"#,
            400,
        ),
    ];
    for (body, expected) in cases {
        let (status, text, _) = raw(
            &server.base,
            "POST",
            &path,
            Some(&me.key),
            Some(body.to_owned()),
            &[],
        );
        assert_eq!(status, expected, "{body} -> {text}");
        let error: Value = serde_json::from_str(&text).unwrap();
        assert!(!error["message"].as_str().unwrap().is_empty(), "{text}");
    }
    let huge =
        json!({"start": "2026-03-02T09:00:00Z", "description": "x".repeat(400_000)}).to_string();
    assert_eq!(
        raw(&server.base, "POST", &path, Some(&me.key), Some(huge), &[]).0,
        413
    );
    let list = format!("/workspaces/{}/user/{}/time-entries", me.workspace, me.id);
    for query in [
        "?page-size=0",
        "?page-size=999999",
        "?page=x",
        "?start=monday",
        "?in-progress=maybe",
    ] {
        assert_eq!(
            server.call(me, "GET", &format!("{list}{query}"), None).0,
            400,
            "{query}"
        );
    }
    assert_eq!(
        server.call(me, "GET", &list, None).1,
        json!([]),
        "nothing was stored"
    );
    assert_eq!(server.call(me, "GET", "/no/such/route", None).0, 404);
}

#[test]
fn idempotency_keys_replay_the_first_answer() {
    let server = Server::start();
    let me = &server.member;
    let body = json!({"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T10:00:00Z", "description": "once"});
    let key = [("Idempotency-Key", "k-1")];
    let first = call(
        &server.base,
        "POST",
        &entries_path(me),
        Some(&me.key),
        Some(body.clone()),
        &key,
    );
    let again = call(
        &server.base,
        "POST",
        &entries_path(me),
        Some(&me.key),
        Some(body),
        &key,
    );
    assert_eq!(first.0, 201);
    assert_eq!(first, again, "the same answer, not a second entry");
    let other = json!({"start": "2026-03-02T11:00:00Z", "end": "2026-03-02T12:00:00Z"});
    let (status, error) = call(
        &server.base,
        "POST",
        &entries_path(me),
        Some(&me.key),
        Some(other),
        &key,
    );
    assert_eq!(status, 422, "{error}");
    let list = format!("/workspaces/{}/user/{}/time-entries", me.workspace, me.id);
    assert_eq!(
        server
            .call(me, "GET", &list, None)
            .1
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn client_generated_ids_make_retries_harmless() {
    let server = Server::start();
    let me = &server.member;
    let body = json!({"id": "3f0e4c1a-0b7e-4f7e-9a51-6d1f0c2b9e11", "start": "2026-03-02T09:00:00Z", "end": "2026-03-02T09:30:00Z"});
    let (s1, a) = server.call(me, "POST", &entries_path(me), Some(body.clone()));
    let (s2, b) = server.call(me, "POST", &entries_path(me), Some(body));
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(a, b);
    assert_eq!(a["id"], "3f0e4c1a-0b7e-4f7e-9a51-6d1f0c2b9e11");
    let clash = json!({"id": "3f0e4c1a-0b7e-4f7e-9a51-6d1f0c2b9e11", "start": "2026-03-02T09:00:00Z", "end": "2026-03-02T09:45:00Z"});
    assert_eq!(
        server.call(me, "POST", &entries_path(me), Some(clash)).0,
        409
    );
}

/// Every route for an admin, a regular member and a user of another workspace.
#[test]
fn who_may_see_and_change_what() {
    let server = Server::start();
    let (admin, member, outsider) = (&server.admin, &server.member, &server.outsider);
    let ws = &member.workspace;
    let (_, entry) = server.call(member, "POST", &entries_path(member), Some(json!({"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T09:30:00Z", "description": "mine"})));
    let entry_path = format!(
        "/workspaces/{ws}/time-entries/{}",
        entry["id"].as_str().unwrap()
    );
    let member_list = format!("/workspaces/{ws}/user/{}/time-entries", member.id);
    let admin_list = format!("/workspaces/{ws}/user/{}/time-entries", admin.id);
    let replace = json!({"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T09:20:00Z", "description": "edited"});

    // Another workspace's objects do not exist for an outsider.
    for (method, path) in [
        ("GET", format!("/workspaces/{ws}/users")),
        ("GET", format!("/workspaces/{ws}/projects")),
        ("GET", format!("/workspaces/{ws}/clients")),
        ("GET", format!("/workspaces/{ws}/tags")),
        ("GET", entry_path.clone()),
        ("DELETE", entry_path.clone()),
        ("GET", member_list.clone()),
    ] {
        assert_eq!(
            server.call(outsider, method, &path, None).0,
            404,
            "outsider {method} {path}"
        );
    }
    assert_eq!(
        server
            .call(outsider, "PUT", &entry_path, Some(replace.clone()))
            .0,
        404
    );
    assert_eq!(
        server
            .call(
                outsider,
                "POST",
                &entries_path(member),
                Some(replace.clone())
            )
            .0,
        404
    );
    assert_eq!(
        server
            .call(
                outsider,
                "PATCH",
                &member_list,
                Some(json!({"end": "2026-03-02T10:00:00Z"}))
            )
            .0,
        404
    );

    // A regular member reaches their own things only.
    let (_, users) = server.call(member, "GET", &format!("/workspaces/{ws}/users"), None);
    assert_eq!(
        users.as_array().unwrap().len(),
        1,
        "a member sees only themselves"
    );
    assert_eq!(server.call(member, "GET", &admin_list, None).0, 404);
    assert_eq!(
        server
            .call(
                member,
                "PATCH",
                &admin_list,
                Some(json!({"end": "2026-03-02T10:00:00Z"}))
            )
            .0,
        404
    );
    let (_, admins_entry) = server.call(
        admin,
        "POST",
        &entries_path(admin),
        Some(json!({"start": "2026-03-02T08:00:00Z", "end": "2026-03-02T08:30:00Z"})),
    );
    let admins_path = format!(
        "/workspaces/{ws}/time-entries/{}",
        admins_entry["id"].as_str().unwrap()
    );
    assert_eq!(server.call(member, "GET", &admins_path, None).0, 404);
    assert_eq!(
        server
            .call(member, "PUT", &admins_path, Some(replace.clone()))
            .0,
        404
    );
    assert_eq!(server.call(member, "DELETE", &admins_path, None).0, 404);

    // An admin reaches everyone's in the workspace.
    let (_, users) = server.call(admin, "GET", &format!("/workspaces/{ws}/users"), None);
    assert_eq!(users.as_array().unwrap().len(), 2);
    assert_eq!(
        server.call(admin, "GET", &member_list, None).1[0]["description"],
        "mine"
    );
    assert_eq!(server.call(admin, "GET", &entry_path, None).0, 200);
    let (status, edited) = server.call(admin, "PUT", &entry_path, Some(replace));
    assert_eq!(
        (status, edited["userId"].clone()),
        (200, json!(member.id)),
        "still the member's entry"
    );
    assert_eq!(server.call(admin, "DELETE", &entry_path, None).0, 204);
    assert_eq!(server.call(member, "GET", &entry_path, None).0, 404);
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let mut server = Server::start();
    let status = server.process.terminate().expect("the server was running");
    assert!(status.success(), "{status}");
}

#[test]
fn the_openapi_document_lists_every_route() {
    let server = Server::start();
    let doc_url = server.base.replace("/api/v1", "/api/openapi.json");
    let mut response = agent().get(&doc_url).call().unwrap();
    assert_eq!(response.status(), 200);
    let doc: Value = response.body_mut().read_json().unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let expected = [
        ("get", "/api/v1/user"),
        ("get", "/api/v1/workspaces"),
        ("get", "/api/v1/workspaces/{wid}"),
        ("get", "/api/v1/workspaces/{wid}/users/{uid}"),
        ("get", "/api/v1/workspaces/{wid}/users"),
        ("get", "/api/v1/workspaces/{wid}/projects"),
        ("post", "/api/v1/workspaces/{wid}/projects"),
        ("get", "/api/v1/workspaces/{wid}/projects/{pid}"),
        ("put", "/api/v1/workspaces/{wid}/projects/{pid}"),
        ("delete", "/api/v1/workspaces/{wid}/projects/{pid}"),
        ("get", "/api/v1/workspaces/{wid}/projects/{pid}/tasks"),
        ("post", "/api/v1/workspaces/{wid}/projects/{pid}/tasks"),
        ("get", "/api/v1/workspaces/{wid}/projects/{pid}/tasks/{tid}"),
        ("put", "/api/v1/workspaces/{wid}/projects/{pid}/tasks/{tid}"),
        (
            "delete",
            "/api/v1/workspaces/{wid}/projects/{pid}/tasks/{tid}",
        ),
        ("get", "/api/v1/workspaces/{wid}/clients"),
        ("post", "/api/v1/workspaces/{wid}/clients"),
        ("get", "/api/v1/workspaces/{wid}/clients/{id}"),
        ("put", "/api/v1/workspaces/{wid}/clients/{id}"),
        ("delete", "/api/v1/workspaces/{wid}/clients/{id}"),
        ("get", "/api/v1/workspaces/{wid}/tags"),
        ("post", "/api/v1/workspaces/{wid}/tags"),
        ("get", "/api/v1/workspaces/{wid}/tags/{id}"),
        ("put", "/api/v1/workspaces/{wid}/tags/{id}"),
        ("delete", "/api/v1/workspaces/{wid}/tags/{id}"),
        ("put", "/api/v1/workspaces/{wid}/users/{uid}"),
        ("put", "/api/v1/workspaces/{wid}/users/{uid}/role"),
        ("patch", "/api/v1/workspaces/{wid}/time-entries/invoiced"),
        ("post", "/reports/v1/workspaces/{wid}/reports/detailed"),
        ("post", "/reports/v1/workspaces/{wid}/reports/summary"),
        ("post", "/reports/v1/workspaces/{wid}/reports/weekly"),
        ("post", "/api/v1/workspaces/{wid}/time-entries"),
        ("get", "/api/v1/workspaces/{wid}/time-entries/{id}"),
        ("put", "/api/v1/workspaces/{wid}/time-entries/{id}"),
        ("delete", "/api/v1/workspaces/{wid}/time-entries/{id}"),
        ("get", "/api/v1/workspaces/{wid}/user/{uid}/time-entries"),
        ("patch", "/api/v1/workspaces/{wid}/user/{uid}/time-entries"),
        ("post", "/api/v1/workspaces/{wid}/user/{uid}/time-entries"),
        (
            "get",
            "/api/v1/workspaces/{wid}/user/{uid}/time-entries/changes",
        ),
        ("post", "/api/v1/workspaces/{wid}/time-entries/batch"),
        (
            "get",
            "/api/v1/workspaces/{wid}/time-entries/status/in-progress",
        ),
        ("get", "/api/v1/workspaces/{wid}/settings"),
        ("put", "/api/v1/workspaces/{wid}/settings"),
        ("get", "/api/v1/workspaces/{wid}/notices"),
        ("post", "/api/v1/workspaces/{wid}/notices/{id}/read"),
        ("put", "/api/v1/workspaces/{wid}/time-entries/{id}/lock"),
        ("post", "/api/v1/workspaces/{wid}/screenshots"),
        ("get", "/api/v1/workspaces/{wid}/screenshots"),
        ("delete", "/api/v1/workspaces/{wid}/screenshots/{id}"),
        ("post", "/api/v1/workspaces/{wid}/screenshots/discarded"),
        ("get", "/api/v1/workspaces/{wid}/screenshot-images/{id}"),
    ];
    let paths = doc["paths"].as_object().unwrap();
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    for (method, path) in expected {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is not documented"
        );
    }
    assert_eq!(
        documented,
        expected.len(),
        "the document has routes this test does not know"
    );
    assert!(doc["components"]["schemas"]["TimeEntry"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["api_key"]["name"],
        "X-Api-Key"
    );
}

#[test]
fn admins_switch_screenshots_and_every_member_is_told_once() {
    let server = Server::start();
    let (admin, member, outsider) = (&server.admin, &server.member, &server.outsider);
    let ws = &admin.workspace;
    let settings = format!("/workspaces/{ws}/settings");
    let notices = format!("/workspaces/{ws}/notices?unread=true");
    let (status, defaults) = server.call(member, "GET", &settings, None);
    assert_eq!(status, 200);
    assert_eq!(defaults["screenshotsEnabled"], false);
    assert_eq!(defaults["screenshotMaxSide"], 1280);

    let on = json!({"screenshotsEnabled": true, "screenshotMaxSide": 1280, "screenshotBlur": 50, "idleThresholdMinutes": 5});
    assert_eq!(
        server.call(member, "PUT", &settings, Some(on.clone())).0,
        403,
        "members cannot"
    );
    assert_eq!(
        server.call(outsider, "PUT", &settings, Some(on.clone())).0,
        404
    );
    assert_eq!(server.call(outsider, "GET", &settings, None).0, 404);
    let bad = json!({"screenshotsEnabled": true, "screenshotMaxSide": 10, "screenshotBlur": 50, "idleThresholdMinutes": 5});
    assert_eq!(server.call(admin, "PUT", &settings, Some(bad)).0, 400);
    assert_eq!(server.call(member, "GET", &notices, None).1, json!([]));

    assert_eq!(
        server.call(admin, "PUT", &settings, Some(on.clone())).0,
        200
    );
    assert_eq!(
        server.call(member, "GET", &settings, None).1["screenshotsEnabled"],
        true
    );
    // Saving again with screenshots still on tells nobody again.
    assert_eq!(server.call(admin, "PUT", &settings, Some(on)).0, 200);
    for who in [admin, member] {
        let (_, list) = server.call(who, "GET", &notices, None);
        let list = list.as_array().unwrap().clone();
        assert_eq!(list.len(), 1, "one notice each: {list:?}");
        assert_eq!(list[0]["kind"], "screenshots-enabled");
        assert!(list[0]["message"].as_str().unwrap().contains("screenshot"));
    }
    assert_eq!(
        server
            .call(
                outsider,
                "GET",
                &format!("/workspaces/{}/notices", outsider.workspace),
                None
            )
            .1,
        json!([])
    );

    // Marking read: only one's own notice.
    let (_, list) = server.call(member, "GET", &notices, None);
    let id = list[0]["id"].as_str().unwrap().to_owned();
    let read_path = format!("/workspaces/{ws}/notices/{id}/read");
    assert_eq!(
        server.call(admin, "POST", &read_path, None).0,
        404,
        "not the admin's notice"
    );
    assert_eq!(server.call(outsider, "POST", &read_path, None).0, 404);
    assert_eq!(server.call(member, "POST", &read_path, None).0, 204);
    assert_eq!(server.call(member, "GET", &notices, None).1, json!([]));
    let (_, all) = server.call(member, "GET", &format!("/workspaces/{ws}/notices"), None);
    assert_eq!(all[0]["read"], true);
}

#[test]
fn a_locked_entry_is_out_of_its_owners_reach() {
    let server = Server::start();
    let (admin, member, outsider) = (&server.admin, &server.member, &server.outsider);
    let (_, entry) = server.call(
        member,
        "POST",
        &entries_path(member),
        Some(json!({"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T10:00:00Z"})),
    );
    let path = format!("{}/{}", entries_path(member), entry["id"].as_str().unwrap());
    let lock = format!("{path}/lock");
    assert_eq!(
        server
            .call(member, "PUT", &lock, Some(json!({"locked": true})))
            .0,
        403,
        "not by the owner"
    );
    assert_eq!(
        server
            .call(outsider, "PUT", &lock, Some(json!({"locked": true})))
            .0,
        404
    );
    assert_eq!(
        server.call(admin, "PUT", &lock, Some(json!({"nope": 1}))).0,
        400
    );
    let (status, locked) = server.call(admin, "PUT", &lock, Some(json!({"locked": true})));
    assert_eq!((status, locked["isLocked"].clone()), (200, json!(true)));

    let edit = json!({"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T09:30:00Z"});
    let (status, error) = server.call(member, "PUT", &path, Some(edit.clone()));
    assert_eq!(status, 403);
    assert!(error["message"].as_str().unwrap().contains("locked"));
    assert_eq!(server.call(member, "DELETE", &path, None).0, 403);
    assert_eq!(
        server.call(member, "GET", &path, None).1["timeInterval"]["duration"],
        "PT1H",
        "unchanged"
    );
    // An admin still can, and the lock stays through the edit.
    let (status, edited) = server.call(admin, "PUT", &path, Some(edit));
    assert_eq!((status, edited["isLocked"].clone()), (200, json!(true)));
    assert_eq!(
        server
            .call(admin, "PUT", &lock, Some(json!({"locked": false})))
            .0,
        200
    );
    assert_eq!(server.call(member, "DELETE", &path, None).0, 204);
}

#[test]
fn serve_takes_its_settings_from_a_config_file_and_refuses_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("server.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\nlisten = \"127.0.0.1:0\"\n",
            dir.path().join("data")
        ),
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
    assert!(dir.path().join("data/stint-server.db").exists());
    child.kill().unwrap();
    child.wait().unwrap();

    std::fs::write(&config, "data_dir = 42\nport = 1\n").unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not valid"), "{stderr}");
}

#[test]
fn admins_create_projects_that_members_see() {
    let server = Server::start();
    let (admin, member, outsider) = (&server.admin, &server.member, &server.outsider);
    let projects = format!("/workspaces/{}/projects", admin.workspace);
    assert_eq!(server.call(member, "GET", &projects, None).1, json!([]));
    let body = json!({"name": "Website", "color": "#FF0000", "billable": true});
    assert_eq!(
        server.call(member, "POST", &projects, Some(body.clone())).0,
        403
    );
    assert_eq!(
        server
            .call(outsider, "POST", &projects, Some(body.clone()))
            .0,
        404
    );
    for bad in [
        json!({"name": ""}),
        json!({"name": "X", "color": "red"}),
        json!({"colour": "#FF0000"}),
    ] {
        assert_eq!(
            server.call(admin, "POST", &projects, Some(bad.clone())).0,
            400,
            "{bad}"
        );
    }
    let (status, created) = server.call(admin, "POST", &projects, Some(body.clone()));
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        (created["name"].as_str(), created["billable"].as_bool()),
        (Some("Website"), Some(true))
    );
    assert_eq!(
        server.call(admin, "POST", &projects, Some(body)).0,
        409,
        "names are unique"
    );
    let (_, list) = server.call(member, "GET", &projects, None);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(server.call(outsider, "GET", &projects, None).0, 404);
    let tasks = format!("{projects}/{}/tasks", created["id"].as_str().unwrap());
    assert_eq!(server.call(member, "GET", &tasks, None), (200, json!([])));
    assert_eq!(
        server
            .call(member, "GET", &format!("{projects}/nope/tasks"), None)
            .0,
        404
    );
}

/// The remaining cells of the authorization matrix: what the other tests leave out.
#[test]
fn the_rest_of_the_authorization_matrix() {
    let server = Server::start();
    let (admin, member, outsider) = (&server.admin, &server.member, &server.outsider);
    let ws = &admin.workspace;

    // Each sees only their own workspace.
    let (_, mine) = server.call(outsider, "GET", "/workspaces", None);
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["name"], "Other");
    let (_, theirs) = server.call(member, "GET", "/workspaces", None);
    assert_eq!(theirs[0]["name"], "Acme");

    // Tasks and notices of another workspace do not exist for an outsider.
    let (_, project) = server.call(
        admin,
        "POST",
        &format!("/workspaces/{ws}/projects"),
        Some(json!({"name": "P"})),
    );
    let tasks = format!(
        "/workspaces/{ws}/projects/{}/tasks",
        project["id"].as_str().unwrap()
    );
    assert_eq!(server.call(outsider, "GET", &tasks, None).0, 404);
    assert_eq!(server.call(admin, "GET", &tasks, None).0, 200);
    assert_eq!(
        server
            .call(outsider, "GET", &format!("/workspaces/{ws}/notices"), None)
            .0,
        404
    );
    assert_eq!(
        server
            .call(
                outsider,
                "PUT",
                &format!("/workspaces/{ws}/time-entries/x/lock"),
                Some(json!({"locked": true}))
            )
            .0,
        404
    );

    // An admin stops a member's running timer; a member cannot stop the admin's.
    server.call(
        member,
        "POST",
        &entries_path(member),
        Some(json!({"start": "2026-03-02T09:00:00Z"})),
    );
    server.call(
        admin,
        "POST",
        &entries_path(admin),
        Some(json!({"start": "2026-03-02T09:00:00Z"})),
    );
    let stop = |who: &Account, whose: &Account| {
        server.call(
            who,
            "PATCH",
            &format!("/workspaces/{ws}/user/{}/time-entries", whose.id),
            Some(json!({"end": "2026-03-02T10:00:00Z"})),
        )
    };
    assert_eq!(stop(member, admin).0, 404);
    assert_eq!(stop(outsider, member).0, 404);
    let (status, stopped) = stop(admin, member);
    assert_eq!((status, stopped["userId"].clone()), (200, json!(member.id)));
    assert_eq!(stop(admin, admin).0, 200);
}

/// A NUL character in any text of a request is refused with a 400 that says so, on every
/// engine (PostgreSQL cannot keep one, and no name or id needs one); in a batch, only the
/// change that carries it.
#[test]
fn a_nul_character_is_refused_wherever_it_comes() {
    let server = Server::start();
    let ws = &server.member.workspace;
    let m = &server.member;
    let (status, answer) = server.call(
        m,
        "POST",
        &format!("/workspaces/{ws}/time-entries"),
        Some(json!({"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T10:00:00Z", "description": "a\u{0}b"})),
    );
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("NUL"),
        "{answer}"
    );
    // Escaped backslashes are text, not a NUL: "a\\u0000b" is kept as written.
    let (status, kept) = server.call(
        m,
        "POST",
        &format!("/workspaces/{ws}/time-entries"),
        Some(json!({"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T10:00:00Z", "description": "a\\u0000b"})),
    );
    assert_eq!(
        (status, kept["description"].clone()),
        (201, json!("a\\u0000b")),
        "{kept}"
    );
    for path in [
        format!("/workspaces/{ws}/time-entries/ab%00cd"),
        format!(
            "/workspaces/{ws}/user/{}/time-entries?description=a%00b",
            m.id
        ),
        format!("/workspaces/{ws}/projects/ab%00"),
    ] {
        let (status, answer) = server.call(m, "GET", &path, None);
        assert_eq!(status, 400, "{path}: {answer}");
    }
    let (status, results) = server.call(
        m,
        "POST",
        &format!("/workspaces/{ws}/time-entries/batch"),
        Some(json!({"changes": [
            {"key": "k1", "id": "nul-1", "op": "upsert",
             "entry": {"start": "2026-03-03T09:00:00Z", "end": "2026-03-03T10:00:00Z", "description": "x\u{0}"}},
            {"key": "k2", "id": "fine-1", "op": "upsert",
             "entry": {"start": "2026-03-03T11:00:00Z", "end": "2026-03-03T12:00:00Z", "description": "fine"}},
        ]})),
    );
    assert_eq!(status, 200, "{results}");
    let statuses: Vec<Value> = results["results"]
        .as_array()
        .unwrap_or_else(|| panic!("{results}"))
        .iter()
        .map(|r| r["status"].clone())
        .collect();
    assert_eq!(statuses, [json!(400), json!(201)], "{results}");
}
