//! Issue 16 on the real server, for the desktop picker: hydrated projects carry their
//! tasks, the change feed says when projects, tasks, tags or clients changed, and a batch
//! upsert sets an entry's project, task, tags and billable, checked like a single request.

mod shots;

use serde_json::{json, Value};
use shots::*;
use stint_testkit::http::{Account, Server};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

fn post(s: &Server, who: &Account, path: &str, body: Value) -> Value {
    let (status, answer) = s.call(
        who,
        "POST",
        &format!("/workspaces/{}{path}", who.workspace),
        Some(body),
    );
    assert_eq!(status, 201, "{path}: {answer}");
    answer
}

/// PUTs `body` to the workspace's `path` as `who`; the status.
fn put(s: &Server, who: &Account, path: &str, body: Value) -> u16 {
    s.call(
        who,
        "PUT",
        &format!("/workspaces/{}{path}", who.workspace),
        Some(body),
    )
    .0
}

fn feed(s: &Server, who: &Account, since: i64) -> Value {
    let (status, page) = s.call(
        who,
        "GET",
        &format!(
            "/workspaces/{}/user/{}/time-entries/changes?since={since}",
            who.workspace, who.id
        ),
        None,
    );
    assert_eq!(status, 200, "{page}");
    page
}

fn batch(s: &Server, who: &Account, key: &str, entry_id: &str, entry: Value) -> Value {
    let (status, answer) = s.call(
        who,
        "POST",
        &format!("/workspaces/{}/time-entries/batch", who.workspace),
        Some(json!({ "changes": [{ "key": key, "op": "upsert", "id": entry_id, "ifMatch": null, "entry": entry }] })),
    );
    assert_eq!(status, 200, "{answer}");
    answer["results"][0].clone()
}

#[test]
fn hydrated_projects_carry_their_tasks_and_the_feed_says_when_the_catalog_changed() {
    let s = Server::start();
    let (a, m) = (&s.admin, &s.member);
    let snapshot = s
        .call(
            m,
            "GET",
            &format!(
                "/workspaces/{}/user/{}/time-entries/changes",
                m.workspace, m.id
            ),
            None,
        )
        .1;
    assert_eq!(
        snapshot["catalogChanged"], true,
        "a first read says: read the catalog"
    );
    let cursor = snapshot["cursor"].as_i64().unwrap();
    assert_eq!(feed(&s, m, cursor)["catalogChanged"], false);

    let project = post(&s, a, "/projects", json!({ "name": "Website" }));
    let task = post(
        &s,
        a,
        &format!("/projects/{}/tasks", id(&project)),
        json!({ "name": "Design" }),
    );
    let page = feed(&s, m, cursor);
    assert_eq!(page["catalogChanged"], true, "{page}");
    let mut cursor = page["cursor"].as_i64().unwrap();
    assert_eq!(feed(&s, m, cursor)["catalogChanged"], false);
    // A tag, a client and a task's rename each count.
    for (path, name) in [("/tags", "urgent"), ("/clients", "Acme Corp")] {
        post(&s, a, path, json!({ "name": name }));
        let page = feed(&s, m, cursor);
        assert_eq!(page["catalogChanged"], true, "{path}: {page}");
        cursor = page["cursor"].as_i64().unwrap();
    }
    let task_path = format!("/projects/{}/tasks/{}", id(&project), id(&task));
    assert_eq!(
        put(&s, a, &task_path, json!({ "name": "Visual design" })),
        200
    );
    assert_eq!(feed(&s, m, cursor)["catalogChanged"], true);

    let (_, plain) = s.call(
        m,
        "GET",
        &format!("/workspaces/{}/projects", m.workspace),
        None,
    );
    assert!(
        plain[0].get("tasks").is_none(),
        "tasks only when hydrated: {plain}"
    );
    let (status, hydrated) = s.call(
        m,
        "GET",
        &format!("/workspaces/{}/projects?hydrated=true", m.workspace),
        None,
    );
    assert_eq!(status, 200, "{hydrated}");
    assert_eq!(
        hydrated[0]["tasks"][0]["name"], "Visual design",
        "{hydrated}"
    );
    let (status, bad) = s.call(
        m,
        "GET",
        &format!("/workspaces/{}/projects?hydrated=maybe", m.workspace),
        None,
    );
    assert_eq!(status, 400, "{bad}");
}

#[test]
fn a_batch_upsert_sets_project_task_tags_and_billable_checked_like_a_single_request() {
    let s = Server::start();
    let (a, m) = (&s.admin, &s.member);
    let project = post(&s, a, "/projects", json!({ "name": "Website" }));
    let task = post(
        &s,
        a,
        &format!("/projects/{}/tasks", id(&project)),
        json!({ "name": "Design" }),
    );
    let tag = post(&s, a, "/tags", json!({ "name": "urgent" }));
    let entry = |work: Value| {
        let mut e = json!({ "start": at(0), "end": at(30), "description": "mockups" });
        e.as_object_mut()
            .unwrap()
            .extend(work.as_object().unwrap().clone());
        e
    };
    let created = batch(&s, m, "k1", "e-1", entry(json!({})));
    assert_eq!(created["status"], 201, "{created}");
    let set = batch(
        &s,
        m,
        "k2",
        "e-1",
        entry(
            json!({ "projectId": id(&project), "taskId": id(&task), "tagIds": [id(&tag)], "billable": true }),
        ),
    );
    assert_eq!(set["status"], 200, "{set}");
    let e = &set["entry"];
    assert_eq!(
        (e["projectId"].as_str(), e["taskId"].as_str()),
        (Some(id(&project).as_str()), Some(id(&task).as_str()))
    );
    assert_eq!(
        (e["tagIds"].clone(), e["billable"].clone()),
        (json!([id(&tag)]), json!(true))
    );
    // Cleared again by the agent: the upsert is the device's whole view of those fields.
    let cleared = batch(
        &s,
        m,
        "k3",
        "e-1",
        entry(json!({ "projectId": null, "tagIds": [] })),
    );
    assert_eq!(cleared["entry"]["projectId"], Value::Null, "{cleared}");
    assert_eq!(cleared["entry"]["tagIds"], json!([]));

    // A project that is not the workspace's, or a task without its project, is refused
    // with a reason (other workspaces' ids are covered by the catalog tests).
    let refused = batch(
        &s,
        m,
        "k4",
        "e-1",
        entry(json!({ "projectId": "0123456789abcdef01234567" })),
    );
    assert_eq!(refused["status"], 400, "{refused}");
    let refused = batch(&s, m, "k5", "e-1", entry(json!({ "taskId": id(&task) })));
    assert_eq!(refused["status"], 400, "{refused}");

    // A workspace that requires a project: a stopped entry without one is refused, with one
    // it passes.
    assert_eq!(
        put(&s, a, "/settings", json!({ "forceProjects": true })),
        200
    );
    let refused = batch(&s, m, "k6", "e-2", entry(json!({})));
    assert_eq!(refused["status"], 400, "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("requires a project"),
        "{refused}"
    );
    let passed = batch(
        &s,
        m,
        "k7",
        "e-2",
        entry(json!({ "projectId": id(&project) })),
    );
    assert_eq!(passed["status"], 201, "{passed}");
}

/// Review of issue 16: a batch is held to the rules a change of its own would meet: a
/// second new timer may not stop a first one without a required project, and new time
/// does not go to an archived project or a done task (an existing entry may keep them).
#[test]
fn a_batch_follows_its_own_new_timers_and_refuses_new_time_on_closed_work() {
    let s = Server::start();
    let (a, m) = (&s.admin, &s.member);
    let project = post(&s, a, "/projects", json!({ "name": "Website" }));
    let task = post(
        &s,
        a,
        &format!("/projects/{}/tasks", id(&project)),
        json!({ "name": "Design" }),
    );
    let kept = batch(
        &s,
        m,
        "k0",
        "e-0",
        json!({ "start": at(0), "end": at(10), "description": "before", "projectId": id(&project), "taskId": id(&task) }),
    );
    assert_eq!(kept["status"], 201, "{kept}");
    let task_path = format!("/projects/{}/tasks/{}", id(&project), id(&task));
    assert_eq!(put(&s, a, &task_path, json!({ "status": "DONE" })), 200);
    let done_task = batch(
        &s,
        m,
        "k1",
        "e-1",
        json!({ "start": at(20), "end": at(30), "projectId": id(&project), "taskId": id(&task) }),
    );
    assert_eq!(done_task["status"], 400, "{done_task}");
    assert!(
        done_task["message"].as_str().unwrap().contains("done"),
        "{done_task}"
    );
    // The entry already on it may still be changed.
    let edited = batch(
        &s,
        m,
        "k2",
        "e-0",
        json!({ "start": at(0), "end": at(12), "description": "before", "projectId": id(&project), "taskId": id(&task) }),
    );
    assert_eq!(edited["status"], 200, "{edited}");
    let project_path = format!("/projects/{}", id(&project));
    assert_eq!(put(&s, a, &project_path, json!({ "archived": true })), 200);
    let archived = batch(
        &s,
        m,
        "k3",
        "e-3",
        json!({ "start": at(40), "projectId": id(&project) }),
    );
    assert_eq!(archived["status"], 400, "{archived}");
    assert!(
        archived["message"].as_str().unwrap().contains("archived"),
        "{archived}"
    );

    assert_eq!(
        put(&s, a, "/settings", json!({ "forceProjects": true })),
        200
    );
    let (status, answer) = s.call(
        m,
        "POST",
        &format!("/workspaces/{}/time-entries/batch", m.workspace),
        Some(json!({ "changes": [
            { "key": "t1", "op": "upsert", "id": "t-1", "ifMatch": null, "entry": { "start": at(50), "description": "first" } },
            { "key": "t2", "op": "upsert", "id": "t-2", "ifMatch": null, "entry": { "start": at(55), "description": "second" } },
        ] })),
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["results"][0]["status"], 201, "{answer}");
    assert_eq!(
        answer["results"][1]["status"], 400,
        "the first timer has no project: {answer}"
    );
    let (_, first) = s.call(
        m,
        "GET",
        &format!("/workspaces/{}/time-entries/t-1", m.workspace),
        None,
    );
    assert!(
        first["timeInterval"]["end"].is_null(),
        "the first timer runs on: {first}"
    );
}
