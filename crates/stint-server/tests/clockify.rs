//! Issue 15, Clockify compatibility (the first part): what third-party Clockify clients send
//! and expect. Trailing slashes, unknown fields and nulls in bodies, `in-progress` as 1/0,
//! the workspace's running timers, errors always in the `{message, code}` shape, and API
//! keys of Clockify's length (older Stint keys still work).

mod shots;

use serde_json::{json, Value};
use shots::*;
use stint_testkit::http::{call, Server};

#[test]
fn clockify_clients_bodies_and_paths_are_taken() {
    let s = Server::start();
    let m = &s.member;
    // A trailing slash is the same route.
    assert_eq!(s.call(m, "GET", "/user/", None).0, 200);
    let entries = format!("/workspaces/{}/time-entries/", m.workspace);
    // Unknown fields are ignored and null means none, as Clockify reads them.
    let (status, made) = s.call(
        m,
        "POST",
        &entries,
        Some(
            json!({"start": at(0), "end": at(10), "description": null, "tagIds": null,
            "customFieldValues": null, "tags": [], "note": null, "billable": null}),
        ),
    );
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["description"], "");
    assert_eq!(made["tagIds"], json!([]));
    // A timer, stopped with a body that carries more than Stint reads.
    let (status, _) = s.call(m, "POST", &entries, Some(json!({"start": at(20)})));
    assert_eq!(status, 201);
    let user_entries = format!("/workspaces/{}/user/{}/time-entries", m.workspace, m.id);
    // in-progress as 1 and 0.
    let (_, running) = s.call(m, "GET", &format!("{user_entries}?in-progress=1"), None);
    assert_eq!(running.as_array().unwrap().len(), 1, "{running}");
    let (_, stopped) = s.call(m, "GET", &format!("{user_entries}?in-progress=0"), None);
    assert_eq!(stopped.as_array().unwrap().len(), 1, "{stopped}");
    let (status, _) = s.call(m, "GET", &format!("{user_entries}?in-progress=maybe"), None);
    assert_eq!(status, 400);

    // The workspace's running timers: an admin sees the member's; the member their own;
    // another workspace nothing.
    let path = format!(
        "/workspaces/{}/time-entries/status/in-progress",
        m.workspace
    );
    let (status, all) = s.call(&s.admin, "GET", &path, None);
    assert_eq!(status, 200, "{all}");
    assert_eq!(all.as_array().unwrap().len(), 1);
    assert_eq!(all[0]["userId"], json!(m.id));
    let (_, own) = s.call(m, "GET", &format!("{path}/"), None);
    assert_eq!(own.as_array().unwrap().len(), 1);
    assert_eq!(s.call(&s.outsider, "GET", &path, None).0, 404);

    let (status, _) = s.call(
        m,
        "PATCH",
        &user_entries,
        Some(json!({"end": at(25), "note": "ignored"})),
    );
    assert_eq!(status, 200);
    let (_, own) = s.call(m, "GET", &path, None);
    assert_eq!(own, json!([]));
}

#[test]
fn errors_keep_their_shape_and_keys_have_clockifys_length() {
    let s = Server::start();
    let m = &s.member;
    // A method the path does not take: 405 in the API's shape.
    let (status, body) = s.call(m, "PATCH", "/user", Some(json!({})));
    assert_eq!(status, 405);
    assert_eq!(body["code"], 405, "{body}");
    assert!(!body["message"].as_str().unwrap().is_empty());
    // New keys are 48 hexadecimal characters, as Clockify's.
    assert_eq!(m.key.len(), 48, "{}", m.key);
    assert!(m.key.bytes().all(|b| b.is_ascii_hexdigit()));
    // A key in the earlier `stint_<id>_<secret>` form still works.
    let (id, secret) = m.key.split_at(16);
    let old = format!("stint_{id}_{secret}");
    let (status, me): (u16, Value) = call(&s.base, "GET", "/user", Some(&old), None, &[]);
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["id"], json!(m.id));
}

#[test]
fn list_filters_are_applied_or_refused() {
    let s = Server::start();
    let m = &s.member;
    let entries = format!("/workspaces/{}/time-entries", m.workspace);
    let project = |name: &str| -> String {
        let (status, p) = s.call(
            &s.admin,
            "POST",
            &format!("/workspaces/{}/projects", m.workspace),
            Some(json!({"name": name})),
        );
        assert_eq!(status, 201, "{p}");
        p["id"].as_str().unwrap().to_owned()
    };
    let (p1, p2) = (project("One"), project("Two"));
    let tag = |name: &str| -> String {
        let (status, t) = s.call(
            &s.admin,
            "POST",
            &format!("/workspaces/{}/tags", m.workspace),
            Some(json!({"name": name})),
        );
        assert_eq!(status, 201, "{t}");
        t["id"].as_str().unwrap().to_owned()
    };
    let (t1, t2) = (tag("t1"), tag("t2"));
    for (n, (description, project, tags)) in [
        (
            "Write the report",
            Some(p1.as_str()),
            vec![t1.as_str(), t2.as_str()],
        ),
        ("review REPORT", Some(p2.as_str()), vec![t1.as_str()]),
        ("lunch", None, vec![]),
    ]
    .into_iter()
    .enumerate()
    {
        let body = json!({"start": at(n as i64 * 10), "end": at(n as i64 * 10 + 5),
            "description": description, "projectId": project, "tagIds": tags});
        assert_eq!(s.call(m, "POST", &entries, Some(body)).0, 201);
    }
    let list = |query: &str| -> (u16, Vec<String>) {
        let query = query.to_owned();
        let (status, body) = s.call(
            m,
            "GET",
            &format!(
                "/workspaces/{}/user/{}/time-entries?{query}",
                m.workspace, m.id
            ),
            None,
        );
        let names = body
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e["description"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        (status, names)
    };
    assert_eq!(
        list("description=report").1,
        vec!["review REPORT", "Write the report"]
    );
    assert_eq!(list(&format!("project={p1}")).1, vec!["Write the report"]);
    assert_eq!(
        list(&format!("tags={t1}")).1,
        vec!["review REPORT", "Write the report"]
    );
    assert_eq!(
        list(&format!("tags={t1}&tags={t2}")).1,
        vec!["Write the report"]
    );
    assert_eq!(
        list(&format!("tags={t1},{t2}&description=write")).1,
        vec!["Write the report"]
    );
    assert_eq!(list("task=none").1, Vec::<String>::new());
    assert_eq!(list("hydrated=false").1.len(), 3);
    // Hydrated: each entry with its project object (null where it has none or the id is
    // not a project of the workspace), its task and its tags.
    let (status, created) = s.call(
        &s.admin,
        "POST",
        &format!("/workspaces/{}/projects", m.workspace),
        Some(json!({"name": "Reports"})),
    );
    assert_eq!(status, 201, "{created}");
    // A project of another workspace (or none at all) is refused, alone or in a batch.
    let their_admin = s
        .process
        .add_user("Other", "boss@other.test", "admin")
        .unwrap();
    let (status, theirs) = call(
        &s.base,
        "POST",
        &format!("/workspaces/{}/projects", s.outsider.workspace),
        Some(&their_admin),
        Some(json!({"name": "Theirs"})),
        &[],
    );
    assert_eq!(status, 201, "{theirs}");
    for foreign in [theirs["id"].as_str().unwrap(), "nope"] {
        let body = json!({"start": at(50), "end": at(55), "projectId": foreign});
        let (status, refused) = s.call(m, "POST", &entries, Some(body.clone()));
        assert_eq!(status, 400, "{refused}");
        assert!(!refused.to_string().contains("Theirs"));
        let (_, batch) = s.call(
            m,
            "POST",
            &format!("{entries}/batch"),
            Some(json!({"changes": [{"key": format!("b-{foreign}"), "op": "upsert", "id": "b1", "entry": body}]})),
        );
        assert_eq!(batch["results"][0]["status"], 400, "{batch}");
    }
    let body = json!({"start": at(40), "end": at(45), "description": "hydrated",
        "projectId": created["id"]});
    assert_eq!(s.call(m, "POST", &entries, Some(body)).0, 201);
    let (status, hydrated) = s.call(
        m,
        "GET",
        &format!(
            "/workspaces/{}/user/{}/time-entries?hydrated=true",
            m.workspace, m.id
        ),
        None,
    );
    assert_eq!(status, 200, "{hydrated}");
    assert_eq!(hydrated[0]["project"]["name"], "Reports", "{hydrated}");
    assert_eq!(hydrated[1]["project"], Value::Null);
    assert_eq!(hydrated[0]["tags"], json!([]));
    assert_eq!(hydrated[3]["description"], "Write the report");
    let tag_names: Vec<&str> = hydrated[3]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tag_names, ["t1", "t2"]);
    // Any case means any letter's case.
    let body = json!({"start": at(60), "end": at(65), "description": "Überprüfung ÉTÉ"});
    assert_eq!(s.call(m, "POST", &entries, Some(body)).0, 201);
    assert_eq!(list("description=%C3%BCberpr").1, vec!["Überprüfung ÉTÉ"]);
    assert_eq!(list("description=%C3%A9t%C3%A9").1, vec!["Überprüfung ÉTÉ"]);
    // "" is no project, as Clockify's clients mean it.
    let body =
        json!({"start": at(70), "end": at(71), "projectId": "", "taskId": "", "tagIds": [""]});
    let (status, none) = s.call(m, "POST", &entries, Some(body));
    assert_eq!(status, 201, "{none}");
    assert_eq!(
        (
            none["projectId"].clone(),
            none["taskId"].clone(),
            none["tagIds"].clone()
        ),
        (Value::Null, Value::Null, json!([]))
    );
    // "batch" is a path word, not an entry id.
    let (status, _) = s.call(
        m,
        "POST",
        &entries,
        Some(json!({"id": "batch", "start": at(80), "end": at(81)})),
    );
    assert_eq!(status, 400);
    // A parameter given twice is refused (tags excepted: they add up).
    assert_eq!(list(&format!("project={p1}&project={p2}")).0, 400);
    // What Stint does not apply is refused, never answered unfiltered.
    for query in [
        "consider-duration-format=maybe",
        "get-week-before=2026-01-01T00:00:00Z&start=2025-12-01T00:00:00Z",
        "colour=red",
    ] {
        assert_eq!(list(query).0, 400, "{query}");
    }
    // The week before an instant, and the duration format flag Clockify's clients send.
    let before = at(15).to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    assert_eq!(
        list(&format!(
            "get-week-before={}&consider-duration-format=true",
            before.replace('+', "%2B")
        ))
        .1,
        vec!["review REPORT", "Write the report"]
    );
}

#[test]
fn projects_come_in_pages_with_filters() {
    let s = Server::start();
    let admin = &s.admin;
    let path = format!("/workspaces/{}/projects", admin.workspace);
    for (name, billable) in [("Alpha", true), ("Beta", false), ("Alphabet", false)] {
        let (status, body) = s.call(
            admin,
            "POST",
            &path,
            Some(json!({"name": name, "billable": billable})),
        );
        assert_eq!(status, 201, "{body}");
    }
    let page = |query: &str| -> (Vec<String>, Option<String>) {
        let (status, text, last) = stint_testkit::http::raw(
            &s.base,
            "GET",
            &format!("{path}?{query}"),
            Some(&s.member.key),
            None,
            &[],
        );
        assert_eq!(status, 200, "{query}: {text}");
        let list: Vec<Value> = serde_json::from_str(&text).unwrap();
        (
            list.iter()
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect(),
            last,
        )
    };
    // A client's page loop ends.
    assert_eq!(
        page("page-size=2"),
        (
            vec!["Alpha".into(), "Alphabet".into()],
            Some("false".into())
        )
    );
    assert_eq!(
        page("page-size=2&page=2"),
        (vec!["Beta".into()], Some("true".into()))
    );
    assert_eq!(page("page-size=2&page=3"), (vec![], Some("true".into())));
    assert_eq!(page("name=alpha").0, vec!["Alpha", "Alphabet"]);
    assert_eq!(page("name=alpha&strict-name-search=true").0, vec!["Alpha"]);
    assert_eq!(page("billable=true").0, vec!["Alpha"]);
    assert_eq!(page("archived=true").0, Vec::<String>::new());
    let (status, _) = s.call(&s.member, "GET", &format!("{path}?sort-column=NAME"), None);
    assert_eq!(status, 400);
}

#[test]
fn a_workspace_and_its_members_are_read_one_at_a_time() {
    let s = Server::start();
    let (m, admin) = (&s.member, &s.admin);
    let (status, w) = s.call(m, "GET", &format!("/workspaces/{}", m.workspace), None);
    assert_eq!((status, w["id"].clone()), (200, json!(m.workspace)), "{w}");
    // The rules Clockify's clients read before they write.
    assert_eq!(w["workspaceSettings"]["forceProjects"], false, "{w}");
    assert_eq!(w["workspaceSettings"]["onlyAdminsCreateProject"], true);
    let (_, me) = s.call(m, "GET", "/user", None);
    assert_eq!(me["settings"]["weekStart"], "MONDAY", "{me}");
    assert_eq!(
        s.call(
            &s.outsider,
            "GET",
            &format!("/workspaces/{}", m.workspace),
            None
        )
        .0,
        404
    );
    let one = |who, uid: &str| {
        s.call(
            who,
            "GET",
            &format!("/workspaces/{}/users/{uid}", m.workspace),
            None,
        )
    };
    assert_eq!(one(m, &m.id).1["id"], json!(m.id));
    assert_eq!(one(admin, &m.id).1["id"], json!(m.id));
    // A member does not read another member; nobody reads a stranger.
    assert_eq!(one(m, &admin.id).0, 404);
    assert_eq!(one(admin, &s.outsider.id).0, 404);
}

#[test]
fn an_admin_adds_time_for_a_member() {
    let s = Server::start();
    let (m, admin) = (&s.member, &s.admin);
    let for_user = |who, uid: &str| {
        s.call(
            who,
            "POST",
            &format!("/workspaces/{}/user/{uid}/time-entries", m.workspace),
            Some(json!({"start": at(0), "end": at(30), "description": "added by the admin"})),
        )
    };
    let (status, added) = for_user(admin, &m.id);
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["userId"], json!(m.id));
    let (_, listed) = s.call(
        m,
        "GET",
        &format!("/workspaces/{}/user/{}/time-entries", m.workspace, m.id),
        None,
    );
    assert_eq!(listed[0]["description"], "added by the admin");
    // A member adds for themselves only; nobody adds for a stranger.
    assert_eq!(for_user(m, &m.id).0, 201);
    assert_eq!(for_user(m, &admin.id).0, 404);
    assert_eq!(for_user(admin, &s.outsider.id).0, 404);
    assert_eq!(for_user(admin, "nobody").0, 404);
}
