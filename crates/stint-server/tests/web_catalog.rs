//! Issue 16 (first part): the admin pages for projects, tasks, clients and tags over HTTP
//! against the real server. Each form's round trip lands in the API's objects and the
//! audit log; a refused form comes back with the reason and what was typed; members are
//! refused; a form without the session's CSRF token changes nothing.

mod webclient;

use serde_json::{json, Value};
use stint_testkit::http::Server;
use webclient::{csrf_of, Browser};

fn signed_in(s: &Server, key: &str) -> (Browser, String) {
    let mut web = Browser::new(&s.process);
    assert_eq!(web.sign_in(&[("api_key", key)]).status, 303);
    let csrf = csrf_of(&web.get("/web").body);
    (web, csrf)
}

fn named<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == name)
        .unwrap_or_else(|| panic!("no {name:?} in {list}"))
}

#[test]
fn admins_manage_projects_tasks_clients_and_tags_from_the_pages() {
    let s = Server::start();
    let ws = s.admin.workspace.clone();
    let (mut web, csrf) = signed_in(&s, &s.admin.key);
    // Clients and tags: create, rename, archive, restore, delete.
    let made = web.post("/web/clients", &[("csrf", &csrf), ("name", "Acme")]);
    assert_eq!(made.status, 303);
    assert!(web.get("/web/clients").body.contains("Acme"));
    let (_, clients) = s.call(&s.admin, "GET", &format!("/workspaces/{ws}/clients"), None);
    let acme = named(&clients, "Acme")["id"].as_str().unwrap().to_owned();
    for (action, name) in [("rename", "Acme Corp"), ("archive", ""), ("restore", "")] {
        let answer = web.post(
            &format!("/web/clients/{acme}"),
            &[("csrf", &csrf), ("name", name), ("action", action)],
        );
        assert_eq!(answer.status, 303, "{action}: {}", answer.body);
    }
    let (_, client) = s.call(
        &s.admin,
        "GET",
        &format!("/workspaces/{ws}/clients/{acme}"),
        None,
    );
    assert_eq!(
        (client["name"].clone(), client["archived"].clone()),
        (json!("Acme Corp"), json!(false))
    );
    // An active client is archived before it is deleted: the reason shows on the page.
    let refused = web.post(
        &format!("/web/clients/{acme}"),
        &[("csrf", &csrf), ("action", "delete")],
    );
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("id=\"problem\""), "{}", refused.body);
    assert!(refused.body.contains("archive the client"));
    assert_eq!(
        web.post("/web/tags", &[("csrf", &csrf), ("name", "urgent")])
            .status,
        303
    );
    let (_, tags) = s.call(&s.admin, "GET", &format!("/workspaces/{ws}/tags"), None);
    let urgent = named(&tags, "urgent")["id"].as_str().unwrap().to_owned();
    assert_eq!(
        web.post(
            &format!("/web/tags/{urgent}"),
            &[("csrf", &csrf), ("action", "delete")]
        )
        .status,
        303
    );

    // Projects: a refused form keeps what was typed.
    let refused = web.post(
        "/web/projects",
        &[
            ("csrf", &csrf),
            ("name", "Website"),
            ("client_id", &acme),
            ("color", "#FF0000"),
            ("billable", "on"),
            ("hourly_rate", "forty"),
        ],
    );
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("not an amount"), "{}", refused.body);
    assert!(refused.body.contains("value=\"Website\""));
    let made = web.post(
        "/web/projects",
        &[
            ("csrf", &csrf),
            ("name", "Website"),
            ("client_id", &acme),
            ("color", "#FF0000"),
            ("billable", "on"),
            ("hourly_rate", "49.9"),
        ],
    );
    assert_eq!(made.status, 303, "{}", made.body);
    let (_, projects) = s.call(&s.admin, "GET", &format!("/workspaces/{ws}/projects"), None);
    let website = named(&projects, "Website").clone();
    assert_eq!(website["hourlyRate"]["amount"], 4990);
    assert_eq!(website["clientName"], "Acme Corp");
    assert_eq!(website["billable"], true);
    let pid = website["id"].as_str().unwrap().to_owned();
    let duplicate = web.post("/web/projects", &[("csrf", &csrf), ("name", "website ")]);
    assert_eq!(duplicate.status, 409, "a name is used once, in any case");
    assert!(
        duplicate.body.contains("already exists"),
        "{}",
        duplicate.body
    );
    // Edit, tasks, archive, delete.
    let base = format!("/web/projects/{pid}");
    let saved = web.post(
        &base,
        &[
            ("csrf", &csrf),
            ("name", "Website 2"),
            ("client_id", ""),
            ("color", "#00AA00"),
            ("hourly_rate", ""),
        ],
    );
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(
        web.post(
            &format!("{base}/tasks"),
            &[("csrf", &csrf), ("name", "Design")]
        )
        .status,
        303
    );
    let page = web.get(&base).body;
    assert!(
        page.contains("Design") && page.contains("Website 2"),
        "{page}"
    );
    let (_, tasks) = s.call(
        &s.admin,
        "GET",
        &format!("/workspaces/{ws}/projects/{pid}/tasks"),
        None,
    );
    let tid = named(&tasks, "Design")["id"].as_str().unwrap().to_owned();
    assert_eq!(
        web.post(
            &format!("{base}/tasks/{tid}"),
            &[("csrf", &csrf), ("action", "done")]
        )
        .status,
        303
    );
    let (_, task) = s.call(
        &s.admin,
        "GET",
        &format!("/workspaces/{ws}/projects/{pid}/tasks/{tid}"),
        None,
    );
    assert_eq!(task["status"], "DONE");
    let (_, project) = s.call(
        &s.admin,
        "GET",
        &format!("/workspaces/{ws}/projects/{pid}"),
        None,
    );
    assert_eq!(
        (project["clientId"].clone(), project["billable"].clone()),
        (Value::Null, json!(false))
    );
    assert_eq!(
        project["hourlyRate"]["amount"], 0,
        "an empty rate field takes the rate away"
    );
    let refused = web.post(&format!("{base}/delete"), &[("csrf", &csrf)]);
    assert_eq!(refused.status, 400, "an active project is archived first");
    assert_eq!(
        web.post(
            &format!("{base}/archive"),
            &[("csrf", &csrf), ("archived", "true")]
        )
        .status,
        303
    );
    assert!(
        !web.get("/web/projects").body.contains("Website 2"),
        "archived projects are hidden"
    );
    assert!(web
        .get("/web/projects?archived=1")
        .body
        .contains("Website 2"));
    assert_eq!(
        web.post(&format!("{base}/delete"), &[("csrf", &csrf)])
            .status,
        303
    );
    assert_eq!(
        s.call(
            &s.admin,
            "GET",
            &format!("/workspaces/{ws}/projects/{pid}"),
            None
        )
        .0,
        404
    );
}

#[test]
fn members_and_forged_forms_are_refused_and_changes_are_recorded() {
    let s = Server::start();
    let ws = s.admin.workspace.clone();
    let settings = format!("/workspaces/{ws}/settings");
    s.call(
        &s.admin,
        "PUT",
        &settings,
        Some(json!({"auditLog": {"enabled": true}})),
    );
    let (mut member, member_csrf) = signed_in(&s, &s.member.key);
    for path in ["/web/projects", "/web/clients", "/web/tags"] {
        assert_eq!(member.get(path).status, 403, "{path}");
        assert_eq!(
            member
                .post(path, &[("csrf", &member_csrf), ("name", "Mine")])
                .status,
            403
        );
    }
    let (mut web, csrf) = signed_in(&s, &s.admin.key);
    // Without the session's token nothing changes.
    assert_eq!(
        web.post("/web/tags", &[("csrf", "forged"), ("name", "x")])
            .status,
        403
    );
    assert_eq!(web.post("/web/tags", &[("name", "x")]).status, 403);
    let (_, tags) = s.call(&s.admin, "GET", &format!("/workspaces/{ws}/tags"), None);
    assert_eq!(tags, json!([]));
    // Another workspace's project is not found.
    let (_, theirs) = s.call(
        &s.outsider,
        "GET",
        &format!("/workspaces/{}/projects", s.outsider.workspace),
        None,
    );
    assert_eq!(theirs, json!([]));
    assert_eq!(
        web.get("/web/projects/000000000000000000000000").status,
        404
    );
    // Every change made on the pages is in the audit log.
    web.post("/web/tags", &[("csrf", &csrf), ("name", "calls")]);
    web.post("/web/projects", &[("csrf", &csrf), ("name", "Internal")]);
    let csv = web.get("/web/audit.csv").body;
    assert!(
        csv.contains("Tag created") && csv.contains("Project created"),
        "{csv}"
    );
    // A note comes once, from the change that made it, never from the URL.
    let made = web.post("/web/tags", &[("csrf", &csrf), ("name", "noted")]);
    assert_eq!(made.status, 303);
    assert!(
        !made.location.clone().unwrap_or_default().contains("note"),
        "no note in the URL"
    );
    let shown = web.get("/web/tags").body;
    assert!(
        shown.contains("id=\"note\"") && shown.contains("noted"),
        "{shown}"
    );
    assert!(
        !web.get("/web/tags").body.contains("id=\"note\""),
        "shown once"
    );
    let spoofed = web
        .get("/web/tags?note=Sign%20in%20again%20at%20evil.example")
        .body;
    assert!(
        !spoofed.contains("evil.example"),
        "a note in a link is dropped"
    );
}
