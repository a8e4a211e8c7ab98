//! A member deletes their own account from the web page (issue 19): every row of theirs
//! in every table, every picture file of theirs and their key are gone; the audit log keeps
//! only one record that it happened, by System; the admin's data stays. The last admin is
//! refused, and so is a form without the typed email. Runs on SQLite and, in the test
//! command's second pass, on PostgreSQL.

mod shots;
mod webclient;

use serde_json::json;
use shots::*;
use stint_testkit::http::Server;
use webclient::{csrf_of, Browser};

/// Every value of every table, as text, with its table's name.
fn all_values(s: &Server) -> Vec<(String, String)> {
    let tables = match s.process.database() {
        Some(_) => {
            "SELECT table_name FROM information_schema.tables \
                    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        }
        None => "SELECT name FROM sqlite_master WHERE type = 'table'",
    };
    let mut out = Vec::new();
    for row in s.process.sql(tables).unwrap() {
        let table = row[0].clone().unwrap();
        for values in s
            .process
            .sql(&format!("SELECT * FROM \"{table}\""))
            .unwrap()
        {
            for value in values.into_iter().flatten() {
                out.push((table.clone(), value));
            }
        }
    }
    out
}

fn delete_form(web: &mut Browser, confirm: &str) -> webclient::Answer {
    let home = web.get("/web");
    let csrf = csrf_of(&home.body);
    web.post(
        "/web/account/delete",
        &[("csrf", &csrf), ("confirm", confirm)],
    )
}

#[test]
fn a_member_deletes_their_account_and_nothing_of_theirs_is_left() {
    let s = Server::start();
    let settings = format!("/workspaces/{}/settings", s.admin.workspace);
    let (_, mut on) = s.call(&s.admin, "GET", &settings, None);
    on["screenshotsEnabled"] = json!(true);
    on["auditLog"] = json!({"enabled": true, "timeEntries": true, "projects": true, "users": true});
    assert_eq!(s.call(&s.admin, "PUT", &settings, Some(on)).0, 200);

    // The member's day: entries (one edited, one deleted), screenshots, a sign-in.
    let description = "Quarterly report for Mr Bo's eyes only";
    let (status, made) = s.call(
        &s.member,
        "POST",
        &format!("/workspaces/{}/time-entries", s.member.workspace),
        Some(json!({"start": at(0), "end": at(30), "description": description})),
    );
    assert_eq!(status, 201, "{made}");
    let kept = made["id"].as_str().unwrap().to_owned();
    let gone = entry(&s, &s.member, at(40), Some(at(50)));
    assert_eq!(
        s.call(
            &s.member,
            "DELETE",
            &format!("/workspaces/{}/time-entries/{gone}", s.member.workspace),
            None
        )
        .0,
        204
    );
    upload(&s, &s.member, &kept, at(3), 2);
    // A capture set they discarded before upload (issue 19's review window).
    let (status, body) = s.call(
        &s.member,
        "POST",
        &format!("/workspaces/{}/screenshots/discarded", s.member.workspace),
        Some(
            json!({"id": "discarded-set", "timeEntryId": kept, "capturedAt": at(8),
            "removedSeconds": 300, "monitors": 1}),
        ),
    );
    assert_eq!(status, 201, "{body}");
    // An admin's project with a task assigned to the member; entries whose ids (the
    // client's choice) equal the project's and the admin's: their records must stay.
    let ws = &s.admin.workspace;
    let (status, project) = s.call(
        &s.admin,
        "POST",
        &format!("/workspaces/{ws}/projects"),
        Some(json!({"name": "Atlas"})),
    );
    assert_eq!(status, 201, "{project}");
    let project = project["id"].as_str().unwrap().to_owned();
    let (status, task) = s.call(
        &s.admin,
        "POST",
        &format!("/workspaces/{ws}/projects/{project}/tasks"),
        Some(json!({"name": "Maps", "assigneeIds": [s.member.id]})),
    );
    assert_eq!(status, 201, "{task}");
    let task = task["id"].as_str().unwrap().to_owned();
    for id in [&project, &s.admin.id] {
        let (status, body) = s.call(
            &s.member,
            "POST",
            &format!("/workspaces/{ws}/time-entries"),
            Some(json!({"id": id, "start": at(60), "end": at(61), "description": "x"})),
        );
        assert_eq!(status, 201, "{body}");
        assert_eq!(
            s.call(
                &s.member,
                "DELETE",
                &format!("/workspaces/{ws}/time-entries/{id}"),
                None
            )
            .0,
            204
        );
    }
    let admin_entry = entry(&s, &s.admin, at(0), Some(at(20)));
    upload(&s, &s.admin, &admin_entry, at(4), 1);
    let admin_files: Vec<String> = blob_listing(&s).into_keys().collect();
    assert_eq!(admin_files.len(), 3);

    let mut web = Browser::new(&s.process);
    assert_eq!(web.sign_in(&[("api_key", &s.member.key)]).status, 303);
    // Refused without the typed email: nothing happens.
    let refused = delete_form(&mut web, "someone@else.test");
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("Type your email"), "{}", refused.body);
    let before = all_values(&s);
    assert!(before.iter().any(|(_, v)| v.contains(&s.member.id)));

    let done = delete_form(&mut web, "BO@acme.test");
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body.contains("Your account and all its data"),
        "{}",
        done.body
    );

    // No row names them: their id, email, entries or words, in any table.
    for (table, value) in all_values(&s) {
        for needle in [
            s.member.id.as_str(),
            "bo@acme.test",
            kept.as_str(),
            gone.as_str(),
            description,
            "discarded-set",
        ] {
            assert!(
                !value.contains(needle),
                "{table} still holds {needle:?}: {value}"
            );
        }
    }
    // Only the admin's picture file is left; the member's key and session are dead.
    let left: Vec<String> = blob_listing(&s).into_keys().collect();
    assert_eq!(left.len(), 1, "{left:?}");
    let (status, _) = s.call(&s.member, "GET", "/user", None);
    assert_eq!(status, 401);
    assert_ne!(web.get("/web").status, 200, "the session ended");

    // The audit log keeps that it happened, by System, and the admin's own records.
    let mut admin = Browser::new(&s.process);
    assert_eq!(admin.sign_in(&[("api_key", &s.admin.key)]).status, 303);
    let csv = admin.get("/web/audit.csv").body;
    assert!(csv.contains("Member deleted their account"), "{csv}");
    assert!(csv.contains("System"), "{csv}");
    assert!(
        csv.contains("Project created") && csv.contains("Task created"),
        "{csv}"
    );
    assert!(csv.contains("Workspace settings changed"), "{csv}");
    // The task lost its assignee, not its life: it can still be renamed.
    let (status, body) = s.call(
        &s.admin,
        "PUT",
        &format!("/workspaces/{ws}/projects/{project}/tasks/{task}"),
        Some(json!({"name": "Maps v2"})),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(get_entry(&s, &s.admin, &admin_entry).0, 200);

    // The last admin cannot leave the workspace without one.
    let refused = delete_form(&mut admin, "ana@acme.test");
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("only admin"), "{}", refused.body);
    assert_eq!(s.call(&s.admin, "GET", "/user", None).0, 200);
}
