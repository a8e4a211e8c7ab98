//! Issue 15, the catalog through the operations layer: clients, tags, projects and tasks
//! made, changed, archived and deleted by admins only, read by members, hidden from other
//! workspaces; lists filtered and paged; a deletion's linked changes to entries; every
//! change in the audit log; members' roles and status.

mod webclient;

use serde_json::{json, Value};
use stint_testkit::http::{Account, Server};
use webclient::Browser;

fn at(min: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::days(1) + chrono::Duration::minutes(min))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn id(v: &Value) -> String {
    v["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {v}"))
        .to_owned()
}

fn switch_audit_on(s: &Server) {
    let path = format!("/workspaces/{}/settings", s.admin.workspace);
    let (_, mut settings) = s.call(&s.admin, "GET", &path, None);
    settings["auditLog"] =
        json!({"enabled": true, "timeEntries": true, "projects": true, "users": true});
    assert_eq!(s.call(&s.admin, "PUT", &path, Some(settings)).0, 200);
}

/// The audit log as the admin exports it (CSV, one record a line).
fn audit_csv(s: &Server) -> String {
    let mut web = Browser::new(&s.process);
    assert_eq!(web.sign_in(&[("api_key", &s.admin.key)]).status, 303);
    web.get("/web/audit.csv").body
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect()
}

#[test]
fn clients_and_tags_are_managed_by_admins_and_read_by_members() {
    let s = Server::start();
    let (admin, member, outsider) = (&s.admin, &s.member, &s.outsider);
    let ws = &admin.workspace;
    for kind in ["clients", "tags"] {
        let list = format!("/workspaces/{ws}/{kind}");
        // Members may not make them; another workspace does not see the route's objects.
        let (status, body) = s.call(member, "POST", &list, Some(json!({"name": "Acme"})));
        assert_eq!((status, body["code"].clone()), (403, json!(403)), "{body}");
        assert_eq!(
            s.call(outsider, "POST", &list, Some(json!({"name": "X"})))
                .0,
            404
        );
        let mut made = Vec::new();
        for name in ["Acme", "Beta", "acme labs"] {
            // Unknown fields are ignored, a trailing slash is the same route.
            let (status, body) = s.call(
                admin,
                "POST",
                &format!("{list}/"),
                Some(json!({"name": name, "currencyId": null, "unknown": 1})),
            );
            assert_eq!(status, 201, "{body}");
            assert_eq!(body["workspaceId"], json!(ws));
            made.push(id(&body));
        }
        let (status, body) = s.call(admin, "POST", &list, Some(json!({"name": " Acme "})));
        assert_eq!(status, 409, "a name is used once: {body}");
        assert_eq!(
            s.call(admin, "POST", &list, Some(json!({"name": ""}))).0,
            400
        );
        // Members read, filtered and paged.
        let (_, all) = s.call(member, "GET", &list, None);
        assert_eq!(names(&all), ["Acme", "acme labs", "Beta"]);
        let (_, acme) = s.call(member, "GET", &format!("{list}?name=ACME"), None);
        assert_eq!(names(&acme), ["Acme", "acme labs"]);
        let (_, strict) = s.call(
            member,
            "GET",
            &format!("{list}?name=acme&strict-name-search=true"),
            None,
        );
        assert_eq!(names(&strict), ["Acme"]);
        let page = stint_testkit::http::call(
            &s.base,
            "GET",
            &format!("{list}?page=2&page-size=2"),
            Some(&member.key),
            None,
            &[],
        );
        assert_eq!(names(&page.1), ["Beta"]);
        assert_eq!(
            s.call(member, "GET", &format!("{list}?sort-column=NAME"), None)
                .0,
            400,
            "a filter Stint does not apply is refused"
        );
        assert_eq!(
            s.call(outsider, "GET", &format!("{list}/{}", made[0]), None)
                .0,
            404
        );
        // Archive, rename; members cannot.
        let one = format!("{list}/{}", made[1]);
        assert_eq!(
            s.call(member, "PUT", &one, Some(json!({"archived": true})))
                .0,
            403
        );
        let (status, body) = s.call(admin, "PUT", &one, Some(json!({"archived": true})));
        assert_eq!(
            (status, body["archived"].clone()),
            (200, json!(true)),
            "{body}"
        );
        assert_eq!(body["name"], "Beta", "a field left out keeps its value");
        let (_, active) = s.call(member, "GET", &format!("{list}?archived=false"), None);
        assert_eq!(names(&active), ["Acme", "acme labs"]);
        let (status, _) = s.call(admin, "PUT", &one, Some(json!({"name": "Acme"})));
        assert_eq!(status, 409);
        // Delete (a client must be archived first, as in Clockify).
        assert_eq!(s.call(member, "DELETE", &one, None).0, 403);
        assert_eq!(s.call(admin, "DELETE", &one, None).0, 200);
        assert_eq!(s.call(admin, "GET", &one, None).0, 404);
        assert_eq!(s.call(admin, "DELETE", &one, None).0, 404);
    }
    let client = format!("/workspaces/{ws}/clients");
    let (_, acme) = s.call(
        admin,
        "GET",
        &format!("{client}?name=Acme&strict-name-search=1"),
        None,
    );
    let acme = id(&acme[0]);
    let (status, body) = s.call(admin, "DELETE", &format!("{client}/{acme}"), None);
    assert_eq!(status, 400, "an active client is archived first: {body}");
    assert!(body["message"].as_str().unwrap().contains("archive"));
}

#[test]
fn deleting_a_project_keeps_its_entries_time_and_records_the_linked_changes() {
    let s = Server::start();
    let (admin, member) = (&s.admin, &s.member);
    let ws = &admin.workspace;
    switch_audit_on(&s);
    let (_, client) = s.call(
        admin,
        "POST",
        &format!("/workspaces/{ws}/clients"),
        Some(json!({"name": "Acme"})),
    );
    let (status, project) = s.call(
        admin,
        "POST",
        &format!("/workspaces/{ws}/projects"),
        Some(
            json!({"name": "Website", "clientId": id(&client), "billable": true,
            "hourlyRate": {"amount": 5000, "currency": "EUR"},
            "estimate": {"estimate": "PT10H", "type": "MANUAL"}}),
        ),
    );
    assert_eq!(status, 201, "{project}");
    let pid = id(&project);
    let path = format!("/workspaces/{ws}/projects/{pid}");
    let (status, task) = s.call(
        admin,
        "POST",
        &format!("{path}/tasks"),
        Some(json!({"name": "Design", "assigneeIds": [member.id], "estimate": "PT2H"})),
    );
    assert_eq!(status, 201, "{task}");
    assert_eq!(
        task["billable"], true,
        "a task starts as billable as its project"
    );
    let tid = id(&task);
    // An entry on the project and task, and one whose task is not the project's.
    let entries = format!("/workspaces/{ws}/time-entries");
    let (status, entry) = s.call(
        member,
        "POST",
        &entries,
        Some(json!({"start": at(0), "end": at(90), "projectId": pid, "taskId": tid})),
    );
    assert_eq!(status, 201, "{entry}");
    let (status, body) = s.call(
        member,
        "POST",
        &entries,
        Some(json!({"start": at(100), "end": at(110), "taskId": tid})),
    );
    assert_eq!(status, 400, "a task without its project: {body}");
    // The project as Clockify's clients read it.
    let (_, read) = s.call(member, "GET", &path, None);
    assert_eq!(read["clientName"], "Acme");
    assert_eq!(read["duration"], "PT1H30M");
    assert_eq!(
        read["hourlyRate"],
        json!({"amount": 5000, "currency": "EUR"})
    );
    assert_eq!(read["estimate"]["estimate"], "PT10H");
    assert!(read["memberships"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["userId"] == json!(member.id)));
    // Only an archived project is deleted, by an admin.
    let (status, body) = s.call(admin, "DELETE", &path, None);
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        s.call(member, "PUT", &path, Some(json!({"archived": true})))
            .0,
        403
    );
    let (status, archived) = s.call(admin, "PUT", &path, Some(json!({"archived": true})));
    assert_eq!((status, archived["archived"].clone()), (200, json!(true)));
    assert_eq!(archived["clientName"], "Acme", "fields left out stay");
    assert_eq!(s.call(member, "DELETE", &path, None).0, 403);
    assert_eq!(s.call(&s.outsider, "DELETE", &path, None).0, 404);
    let (status, _) = s.call(admin, "DELETE", &path, None);
    assert_eq!(status, 200);
    // The entry keeps its time and loses the project and its task.
    let (_, after) = s.call(member, "GET", &format!("{entries}/{}", id(&entry)), None);
    assert_eq!(after["projectId"], Value::Null, "{after}");
    assert_eq!(after["taskId"], Value::Null);
    assert_eq!(after["timeInterval"]["duration"], "PT1H30M");
    assert!(after["version"].as_i64() > entry["version"].as_i64());
    assert_eq!(
        s.call(admin, "GET", &format!("{path}/tasks/{tid}"), None).0,
        404
    );
    let csv = audit_csv(&s);
    for action in [
        "Client created",
        "Project created",
        "Task created",
        "Project updated",
        "Task deleted",
        "Project deleted",
    ] {
        assert!(csv.contains(action), "no {action:?} in\n{csv}");
    }
    let linked: Vec<&str> = csv
        .lines()
        .filter(|l| l.contains("Time entry updated") && l.contains("linked: Project deleted"))
        .collect();
    assert_eq!(linked.len(), 1, "{csv}");
    assert!(linked[0].contains(&id(&entry)));
}

#[test]
fn tasks_and_tags_leave_entries_when_deleted_and_lists_page() {
    let s = Server::start();
    let (admin, member) = (&s.admin, &s.member);
    let ws = &admin.workspace;
    let (_, project) = s.call(
        admin,
        "POST",
        &format!("/workspaces/{ws}/projects"),
        Some(json!({"name": "App"})),
    );
    let tasks = format!("/workspaces/{ws}/projects/{}/tasks", id(&project));
    let mut made = Vec::new();
    for name in ["Build", "Test", "Ship"] {
        let (status, t) = s.call(admin, "POST", &tasks, Some(json!({"name": name})));
        assert_eq!(status, 201, "{t}");
        made.push(id(&t));
    }
    assert_eq!(
        s.call(member, "POST", &tasks, Some(json!({"name": "Mine"})))
            .0,
        403
    );
    let (status, body) = s.call(
        admin,
        "POST",
        &tasks,
        Some(json!({"name": "Odd", "assigneeIds": [s.outsider.id]})),
    );
    assert_eq!(status, 400, "another workspace's user: {body}");
    let (status, done) = s.call(
        admin,
        "PUT",
        &format!("{tasks}/{}", made[1]),
        Some(json!({"status": "DONE"})),
    );
    assert_eq!((status, done["status"].clone()), (200, json!("DONE")));
    let (_, active) = s.call(member, "GET", &format!("{tasks}?is-active=true"), None);
    assert_eq!(names(&active), ["Build", "Ship"]);
    let (_, page) = s.call(member, "GET", &format!("{tasks}?page=1&page-size=2"), None);
    assert_eq!(names(&page), ["Build", "Ship"]);
    let (_, tag) = s.call(
        admin,
        "POST",
        &format!("/workspaces/{ws}/tags"),
        Some(json!({"name": "urgent"})),
    );
    let (_, other) = s.call(
        admin,
        "POST",
        &format!("/workspaces/{ws}/tags"),
        Some(json!({"name": "calls"})),
    );
    let entries = format!("/workspaces/{ws}/time-entries");
    let (status, entry) = s.call(
        member,
        "POST",
        &entries,
        Some(
            json!({"start": at(0), "end": at(30), "projectId": id(&project),
            "taskId": made[0], "tagIds": [id(&tag), id(&other)]}),
        ),
    );
    assert_eq!(status, 201, "{entry}");
    let (status, body) = s.call(
        member,
        "POST",
        &entries,
        Some(json!({"start": at(40), "end": at(50), "tagIds": ["nope"]})),
    );
    assert_eq!(status, 400, "a tag not of the workspace: {body}");
    assert_eq!(
        s.call(admin, "DELETE", &format!("{tasks}/{}", made[0]), None)
            .0,
        200
    );
    assert_eq!(
        s.call(
            admin,
            "DELETE",
            &format!("/workspaces/{ws}/tags/{}", id(&tag)),
            None
        )
        .0,
        200
    );
    let (_, after) = s.call(member, "GET", &format!("{entries}/{}", id(&entry)), None);
    assert_eq!(after["taskId"], Value::Null);
    assert_eq!(after["projectId"], json!(id(&project)), "the project stays");
    assert_eq!(after["tagIds"], json!([id(&other)]));
}

fn status_of(s: &Server, who: &Account) -> u16 {
    s.call(who, "GET", "/user", None).0
}

#[test]
fn admins_change_roles_and_deactivate_members_and_one_admin_stays() {
    let s = Server::start();
    let (admin, member) = (&s.admin, &s.member);
    let ws = &admin.workspace;
    switch_audit_on(&s);
    let user = |uid: &str| format!("/workspaces/{ws}/users/{uid}");
    // A member cannot change anyone; another workspace's admin sees nothing.
    assert_eq!(
        s.call(
            member,
            "PUT",
            &format!("{}/role", user(&member.id)),
            Some(json!({"role": "admin"}))
        )
        .0,
        403
    );
    // The last admin cannot step down or leave.
    let (status, body) = s.call(
        admin,
        "PUT",
        &format!("{}/role", user(&admin.id)),
        Some(json!({"role": "regular"})),
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        s.call(
            admin,
            "PUT",
            &user(&admin.id),
            Some(json!({"status": "INACTIVE"}))
        )
        .0,
        400
    );
    assert_eq!(
        s.call(
            admin,
            "PUT",
            &format!("{}/role", user(&member.id)),
            Some(json!({"role": "owner"}))
        )
        .0,
        400
    );
    // Deactivated: the key stops working, the member is listed as inactive.
    let (status, body) = s.call(
        admin,
        "PUT",
        &user(&member.id),
        Some(json!({"status": "INACTIVE"})),
    );
    assert_eq!(
        (status, body["status"].clone()),
        (200, json!("INACTIVE")),
        "{body}"
    );
    assert_eq!(status_of(&s, member), 401);
    let (_, listed) = s.call(admin, "GET", &user(&member.id), None);
    assert_eq!(listed["status"], "INACTIVE");
    s.call(
        admin,
        "PUT",
        &user(&member.id),
        Some(json!({"status": "ACTIVE"})),
    );
    assert_eq!(status_of(&s, member), 200);
    // Promoted, the member can now make projects; then the first admin may step down.
    let (status, body) = s.call(
        admin,
        "PUT",
        &format!("{}/role", user(&member.id)),
        Some(json!({"role": "admin"})),
    );
    assert_eq!((status, body["role"].clone()), (200, json!("admin")));
    let (status, _) = s.call(
        member,
        "POST",
        &format!("/workspaces/{ws}/projects"),
        Some(json!({"name": "Mine"})),
    );
    assert_eq!(status, 201);
    assert_eq!(
        s.call(
            &s.outsider,
            "PUT",
            &format!("{}/role", user(&member.id)),
            Some(json!({"role": "regular"}))
        )
        .0,
        404
    );
    let csv = audit_csv(&s);
    assert_eq!(
        csv.matches("User's role or status changed").count(),
        3,
        "{csv}"
    );
}

#[test]
fn a_workspace_that_requires_a_project_refuses_entries_without_one_at_their_end() {
    let s = Server::start();
    let (admin, member) = (&s.admin, &s.member);
    let ws = &admin.workspace;
    let settings = format!("/workspaces/{ws}/settings");
    let (_, mut on) = s.call(admin, "GET", &settings, None);
    on["forceProjects"] = json!(true);
    let (status, saved) = s.call(admin, "PUT", &settings, Some(on));
    assert_eq!((status, saved["forceProjects"].clone()), (200, json!(true)));
    let (_, project) = s.call(
        admin,
        "POST",
        &format!("/workspaces/{ws}/projects"),
        Some(json!({"name": "Client work"})),
    );
    let entries = format!("/workspaces/{ws}/time-entries");
    let (status, body) = s.call(
        member,
        "POST",
        &entries,
        Some(json!({"start": at(0), "end": at(30), "description": "no project"})),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("requires a project"));
    // A timer starts without one, as in Clockify, and is refused at its stop.
    let (status, running) = s.call(member, "POST", &entries, Some(json!({"start": at(40)})));
    assert_eq!(status, 201, "{running}");
    let stop = format!("/workspaces/{ws}/user/{}/time-entries", member.id);
    let (status, body) = s.call(member, "PATCH", &stop, Some(json!({"end": at(50)})));
    assert_eq!(status, 400, "{body}");
    let (_, still) = s.call(member, "GET", &format!("{stop}?in-progress=true"), None);
    assert_eq!(still[0]["id"], running["id"], "the timer still runs");
    let (status, body) = s.call(
        member,
        "PUT",
        &format!("{entries}/{}", id(&running)),
        Some(json!({"start": at(40), "projectId": id(&project)})),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        s.call(member, "PATCH", &stop, Some(json!({"end": at(50)})))
            .0,
        200
    );
    // Tasks too, once required.
    let (_, mut both) = s.call(admin, "GET", &settings, None);
    both["forceTasks"] = json!(true);
    assert_eq!(s.call(admin, "PUT", &settings, Some(both)).0, 200);
    let (status, body) = s.call(
        member,
        "POST",
        &entries,
        Some(json!({"start": at(60), "end": at(70), "projectId": id(&project)})),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("requires a task"));
}

/// What an attack on the first version of these routes found, each refused or fixed.
#[test]
fn bad_input_found_by_review_is_refused_or_read_as_clockify_does() {
    let s = Server::start();
    let (admin, member) = (&s.admin, &s.member);
    let ws = &admin.workspace;
    let projects = format!("/workspaces/{ws}/projects");
    // A rate so large a report's sums would overflow.
    let (status, body) = s.call(
        admin,
        "POST",
        &projects,
        Some(json!({"name": "Big", "hourlyRate": {"amount": i64::MAX}})),
    );
    assert_eq!(status, 400, "{body}");
    // Names with line breaks, NULs or nothing visible; an array for an object.
    for name in ["a\nb", "a\u{0}b", "\u{200B}", " \u{FEFF} "] {
        let (status, body) = s.call(
            admin,
            "POST",
            &format!("/workspaces/{ws}/clients"),
            Some(json!({ "name": name })),
        );
        assert_eq!(status, 400, "{name:?}: {body}");
    }
    let (status, _) = s.call(
        admin,
        "POST",
        &format!("/workspaces/{ws}/tags"),
        Some(json!(["x"])),
    );
    assert_eq!(status, 400);
    // Clockify's timeEstimate is read (and checked), an AUTO estimate sums the tasks'.
    let (_, project) = s.call(admin, "POST", &projects, Some(json!({"name": "Site"})));
    let path = format!("{projects}/{}", id(&project));
    let (status, _) = s.call(
        admin,
        "PUT",
        &path,
        Some(json!({"timeEstimate": {"estimate": "garbage"}})),
    );
    assert_eq!(status, 400);
    for estimate in ["PT2H", "PT30M"] {
        let (status, _) = s.call(
            admin,
            "POST",
            &format!("{path}/tasks"),
            Some(json!({ "name": estimate, "estimate": estimate })),
        );
        assert_eq!(status, 201);
    }
    let (_, auto) = s.call(
        admin,
        "PUT",
        &path,
        Some(json!({"timeEstimate": {"estimate": "PT1H", "type": "AUTO"}})),
    );
    assert_eq!(auto["estimate"]["estimate"], "PT2H30M", "{auto}");
    // Tasks have no archived flag: the parameter is refused, not ignored.
    assert_eq!(
        s.call(member, "GET", &format!("{path}/tasks?archived=true"), None)
            .0,
        400
    );
    // A tag named twice is on the entry once.
    let (_, tag) = s.call(
        admin,
        "POST",
        &format!("/workspaces/{ws}/tags"),
        Some(json!({"name": "urgent"})),
    );
    let entries = format!("/workspaces/{ws}/time-entries");
    let (status, entry) = s.call(
        member,
        "POST",
        &entries,
        Some(json!({"start": at(0), "end": at(10), "tagIds": [id(&tag), id(&tag)]})),
    );
    assert_eq!(
        (status, entry["tagIds"].clone()),
        (201, json!([id(&tag)])),
        "{entry}"
    );
    // No new time on an archived project or a done task.
    let (_, done) = s.call(
        admin,
        "PUT",
        &format!(
            "{path}/tasks/{}",
            id(&s
                .call(admin, "GET", &format!("{path}/tasks?name=PT2H"), None)
                .1[0])
        ),
        Some(json!({"status": "DONE"})),
    );
    let on = |task: Option<String>| {
        s.call(
            member,
            "POST",
            &entries,
            Some(
                json!({"start": at(20), "end": at(30), "projectId": id(&project), "taskId": task}),
            ),
        )
    };
    assert_eq!(on(Some(id(&done))).0, 400);
    assert_eq!(on(None).0, 201);
    s.call(admin, "PUT", &path, Some(json!({"archived": true})));
    let (status, body) = on(None);
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("archived"));
    // Another workspace's user (or nobody's id) is 404, not an empty list.
    let other = &s.outsider;
    for path in [
        format!(
            "/workspaces/{}/user/{}/time-entries",
            other.workspace, member.id
        ),
        format!(
            "/workspaces/{}/user/{}/time-entries/changes",
            other.workspace, member.id
        ),
        format!("/workspaces/{ws}/user/000000000000000000000000/time-entries"),
    ] {
        let who = if path.contains(ws.as_str()) {
            admin
        } else {
            other
        };
        assert_eq!(s.call(who, "GET", &path, None).0, 404, "{path}");
    }
}

#[test]
fn members_are_listed_with_filters_and_settings_keep_what_a_request_leaves_out() {
    let s = Server::start();
    let (admin, member) = (&s.admin, &s.member);
    let ws = &admin.workspace;
    let users = format!("/workspaces/{ws}/users");
    let (_, me) = s.call(
        member,
        "GET",
        &format!("/workspaces/{ws}/users/{}", member.id),
        None,
    );
    let email = me["email"].as_str().unwrap().to_owned();
    let (_, found) = s.call(admin, "GET", &format!("{users}?email={email}"), None);
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found[0]["id"], json!(member.id));
    let (_, page) = s.call(admin, "GET", &format!("{users}?page=1&page-size=1"), None);
    assert_eq!(page.as_array().unwrap().len(), 1);
    assert_eq!(
        s.call(admin, "GET", &format!("{users}?status=GONE"), None)
            .0,
        400
    );
    assert_eq!(
        s.call(admin, "GET", &format!("{users}?foo=bar"), None).0,
        400
    );
    let (_, inactive) = s.call(admin, "GET", &format!("{users}?status=INACTIVE"), None);
    assert_eq!(inactive, json!([]));
    // A settings PUT that leaves the audit log out keeps it on, and switching it off is
    // itself recorded.
    switch_audit_on(&s);
    let settings = format!("/workspaces/{ws}/settings");
    let (status, kept) = s.call(
        admin,
        "PUT",
        &settings,
        Some(json!({"idleThresholdMinutes": 7})),
    );
    assert_eq!(status, 200, "{kept}");
    assert_eq!(kept["auditLog"]["enabled"], true);
    assert_eq!(kept["idleThresholdMinutes"], 7);
    let (_, off) = s.call(
        admin,
        "PUT",
        &settings,
        Some(json!({"auditLog": {"enabled": false}})),
    );
    assert_eq!(off["auditLog"]["enabled"], false);
    assert_eq!(
        off["auditLog"]["timeEntries"], true,
        "the other switches stay"
    );
    let csv = audit_csv(&s);
    // Switching the log on is its first record; the two changes after it follow.
    assert_eq!(
        csv.matches("Workspace settings changed").count(),
        3,
        "{csv}"
    );
    assert!(csv.contains("auditLog"), "{csv}");
}

/// What a second attack found: every change that a request makes is recorded, the required
/// fields hold for a timer a new one stops, and a restore brings back no dead references
/// and no content older than the entry's last deletion.
#[test]
fn restores_records_and_required_fields_hold_in_every_path() {
    let s = Server::start();
    let (admin, member) = (&s.admin, &s.member);
    let ws = &admin.workspace;
    switch_audit_on(&s);
    let entries = format!("/workspaces/{ws}/time-entries");
    // A new timer from a batch stops the running one, and that is recorded too.
    let (_, first) = s.call(
        member,
        "POST",
        &entries,
        Some(json!({"start": at(0), "description": "first"})),
    );
    let batch = json!({"changes": [{"key": "b1", "op": "upsert", "id": "bbbbbbbbbbbbbbbbbbbbbbbb",
        "entry": {"start": at(5), "description": "second"}}]});
    let (status, answer) = s.call(member, "POST", &format!("{entries}/batch"), Some(batch));
    assert_eq!(
        (status, answer["results"][0]["status"].clone()),
        (200, json!(201)),
        "{answer}"
    );
    let csv = audit_csv(&s);
    let stopped: Vec<&str> = csv
        .lines()
        .filter(|l| l.contains("Time entry updated") && l.contains(&id(&first)))
        .collect();
    assert_eq!(stopped.len(), 1, "{csv}");
    // Settings: unknown fields and nulls are ignored.
    let settings = format!("/workspaces/{ws}/settings");
    let (status, same) = s.call(
        admin,
        "PUT",
        &settings,
        Some(json!({"foo": 1, "idleThresholdMinutes": null, "auditLog": {"users": null}})),
    );
    assert_eq!(
        (status, same["idleThresholdMinutes"].clone()),
        (200, json!(5)),
        "{same}"
    );
    // With a project required, a timer without one cannot be stopped by a new timer either.
    s.call(
        admin,
        "PUT",
        &settings,
        Some(json!({"forceProjects": true})),
    );
    let (status, body) = s.call(member, "POST", &entries, Some(json!({"start": at(10)})));
    assert_eq!(status, 400, "{body}");
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("running timer needs a project"));
    let batch = json!({"changes": [{"key": "b2", "op": "upsert", "id": "cccccccccccccccccccccccc",
        "entry": {"start": at(10)}}]});
    let (_, answer) = s.call(member, "POST", &format!("{entries}/batch"), Some(batch));
    assert_eq!(answer["results"][0]["status"], 400, "{answer}");
    s.call(
        admin,
        "PUT",
        &settings,
        Some(json!({"forceProjects": false})),
    );
    // Restore: an entry whose project and tag were deleted since comes back without them.
    let (_, project) = s.call(
        admin,
        "POST",
        &format!("/workspaces/{ws}/projects"),
        Some(json!({"name": "Gone soon"})),
    );
    let (_, tag) = s.call(
        admin,
        "POST",
        &format!("/workspaces/{ws}/tags"),
        Some(json!({"name": "gone"})),
    );
    let (_, entry) = s.call(
        member,
        "POST",
        &entries,
        Some(json!({"start": at(20), "end": at(30), "description": "v1",
            "projectId": id(&project), "tagIds": [id(&tag)]})),
    );
    let one = format!("{entries}/{}", id(&entry));
    assert_eq!(s.call(member, "DELETE", &one, None).0, 204);
    let mut web = Browser::new(&s.process);
    assert_eq!(web.sign_in(&[("api_key", &admin.key)]).status, 303);
    let csrf = webclient::csrf_of(&web.get("/web/audit").body);
    let first_deletion = web.deleted_entry_record();
    s.call(
        admin,
        "DELETE",
        &format!("/workspaces/{ws}/tags/{}", id(&tag)),
        None,
    );
    let project_path = format!("/workspaces/{ws}/projects/{}", id(&project));
    s.call(admin, "PUT", &project_path, Some(json!({"archived": true})));
    assert_eq!(s.call(admin, "DELETE", &project_path, None).0, 200);
    let restore = |web: &mut Browser, record: &str| {
        web.post("/web/audit/restore", &[("csrf", &csrf), ("id", record)])
            .status
    };
    assert_eq!(restore(&mut web, &first_deletion), 303);
    let (_, back) = s.call(member, "GET", &one, None);
    assert_eq!(
        (back["projectId"].clone(), back["tagIds"].clone()),
        (Value::Null, json!([])),
        "{back}"
    );
    // Edited and deleted again: only the latest deletion can be restored.
    s.call(
        member,
        "PUT",
        &one,
        Some(json!({"start": at(20), "end": at(30), "description": "v2"})),
    );
    assert_eq!(s.call(member, "DELETE", &one, None).0, 204);
    assert_eq!(restore(&mut web, &first_deletion), 409);
    let latest = web.deleted_entry_record();
    assert_eq!(restore(&mut web, &latest), 303);
    let (_, back) = s.call(member, "GET", &one, None);
    assert_eq!(back["description"], "v2");
}

/// Lists by name are in one order on every engine: by the name in lower case (Unicode's,
/// not ASCII's), byte for byte, then by the name itself (the test command runs this on
/// SQLite and again on PostgreSQL).
#[test]
fn names_sort_the_same_way_on_every_engine() {
    let s = Server::start();
    let names_in = [
        "éclair",
        "Eclair",
        "ångström",
        "Alpha",
        "alpha2",
        "_x",
        "1one",
        "ß",
        "Zeta",
        "Émile",
        "b",
        "Ölfass",
        "ǅemal",
        "İstanbul",
        "zebra",
    ];
    for name in names_in {
        let path = format!("/workspaces/{}/tags", s.admin.workspace);
        let (status, tag) = s.call(&s.admin, "POST", &path, Some(json!({ "name": name })));
        assert_eq!(status, 201, "{name}: {tag}");
    }
    let (_, list) = s.call(
        &s.member,
        "GET",
        &format!("/workspaces/{}/tags?page-size=100", s.admin.workspace),
        None,
    );
    let mut expected: Vec<&str> = names_in.to_vec();
    expected.sort_by_key(|n| (n.to_lowercase(), n.to_string()));
    assert_eq!(names(&list), expected);
}
