//! The web pages over HTTP against the real server: sign-in with a password or an API key,
//! the session cookie's attributes, CSRF refusals, admin-only settings (switching
//! screenshots on leaves the member a notice), sign-out and session expiry.

use std::process::Stdio;
use std::time::Duration;

mod webclient;

use stint_testkit::http::{call, Server};
use stint_testkit::TestServer;
use webclient::{csrf_of, Browser};

/// The audit table's body (the filter's drop-down names every action too).
fn table_rows(html: &str) -> String {
    html.split("<tbody>")
        .nth(1)
        .and_then(|rest| rest.split("</tbody>").next())
        .unwrap_or_default()
        .to_owned()
}

fn set_password(server: &TestServer, email: &str, password: &str) {
    let mut child = server
        .command()
        .unwrap()
        .args([
            "user",
            "password",
            "--workspace",
            "Acme",
            "--email",
            email,
            "--data-dir",
        ])
        .arg(server.data_dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sign_in_settings_csrf_and_sign_out() {
    // The testkit's workspace: ana@acme.test (admin) and bo@acme.test (member).
    let fixture = Server::start();
    let (server, admin, member) = (&fixture.process, &fixture.admin, &fixture.member);
    set_password(server, "ana@acme.test", "correct horse battery");
    let base = format!("{}/api/v1", server.url);
    let mut ana = Browser::new(server);

    // Not signed in: sent to the sign-in page.
    let home = ana.get("/web");
    assert_eq!(
        (home.status, home.location.as_deref()),
        (303, Some("/web/sign-in"))
    );
    // A sign-in without the form's token is refused.
    let forged = ana.post(
        "/web/sign-in",
        &[
            ("email", "ana@acme.test"),
            ("password", "correct horse battery"),
        ],
    );
    assert_eq!(forged.status, 403);
    // A wrong password: refused, no session.
    let wrong = ana.sign_in(&[("email", "ana@acme.test"), ("password", "wrong horse")]);
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("Wrong email, password or API key"));
    assert!(!ana.cookie_header().contains("stint_session"));
    // The right one: a session cookie, HttpOnly, SameSite, only for the pages, not Secure
    // over plain HTTP.
    let ok = ana.sign_in(&[
        ("email", "ana@acme.test"),
        ("password", "correct horse battery"),
    ]);
    assert_eq!(ok.status, 303);
    let session = ok
        .set_cookies
        .iter()
        .find(|c| c.starts_with("stint_session="))
        .unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/web"] {
        assert!(session.contains(attribute), "{session}");
    }
    assert!(!session.contains("Secure"), "{session}");
    assert!(ana.get("/web").body.contains("Hello, ana@acme.test"));

    // Settings: a post without the token changes nothing; with it, screenshots go on and
    // the member gets a notice.
    let page = ana.get("/web/settings");
    assert_eq!(page.status, 200);
    let csrf = csrf_of(&page.body);
    let form = [
        ("screenshots_enabled", "on"),
        ("screenshot_max_side", "1024"),
        ("screenshot_blur", "60"),
        ("idle_threshold_minutes", "7"),
    ];
    assert_eq!(ana.post("/web/settings", &form).status, 403);
    let mut with_token = form.to_vec();
    with_token.push(("csrf", "not-the-token"));
    assert_eq!(ana.post("/web/settings", &with_token).status, 403);
    let settings_path = format!("/workspaces/{}/settings", admin.workspace);
    let (_, before) = call(&base, "GET", &settings_path, Some(&admin.key), None, &[]);
    assert_eq!(before["screenshotsEnabled"], false);
    with_token.pop();
    with_token.push(("csrf", &csrf));
    let saved = ana.post("/web/settings", &with_token);
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("Saved."));
    let (_, after) = call(&base, "GET", &settings_path, Some(&admin.key), None, &[]);
    assert_eq!(
        (
            after["screenshotsEnabled"].clone(),
            after["screenshotMaxSide"].clone()
        ),
        (true.into(), 1024.into())
    );
    let notices = format!("/workspaces/{}/notices?unread=true", member.workspace);
    let (_, unread) = call(&base, "GET", &notices, Some(&member.key), None, &[]);
    assert_eq!(unread.as_array().unwrap().len(), 1);
    // Bad values are refused with the reason, and nothing is saved.
    let mut bad = with_token.clone();
    bad[1] = ("screenshot_max_side", "99999");
    let refused = ana.post("/web/settings", &bad);
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("screenshotMaxSide"),
        "{}",
        refused.body
    );

    // A member signs in with their API key and cannot reach the settings.
    let mut bo = Browser::new(server);
    assert_eq!(bo.sign_in(&[("api_key", &member.key)]).status, 303);
    assert_eq!(bo.get("/web/settings").status, 403);
    // They set a password on their page, and sign in with it.
    let bo_token = csrf_of(&bo.get("/web").body);
    let short = [
        ("csrf", bo_token.as_str()),
        ("password", "short"),
        ("repeat", "short"),
    ];
    assert_eq!(bo.post("/web/password", &short).status, 400);
    let set = [
        ("csrf", bo_token.as_str()),
        ("password", "bo's long secret"),
        ("repeat", "bo's long secret"),
    ];
    assert_eq!(bo.post("/web/password", &set).status, 200);
    let mut bo_again = Browser::new(server);
    let signed = bo_again.sign_in(&[("email", "bo@acme.test"), ("password", "bo's long secret")]);
    assert_eq!(signed.status, 303);

    // The admin locks the member's entry from the entries page; the member cannot.
    let entries = format!("/workspaces/{}/time-entries", member.workspace);
    let start = chrono::Utc::now() - chrono::Duration::hours(2);
    let (_, made) = call(
        &base,
        "POST",
        &entries,
        Some(&member.key),
        Some(
            serde_json::json!({"start": start, "end": start + chrono::Duration::minutes(45), "description": "Audit prep"}),
        ),
        &[],
    );
    let id = made["id"].as_str().unwrap().to_owned();
    let report = bo.get("/web/reports");
    assert!(
        report.body.contains("Audit prep") && report.body.contains("00:45:00"),
        "{}",
        report.body
    );
    let bo_csrf = csrf_of(&bo.get("/web").body);
    let lock = [
        ("csrf", bo_csrf.as_str()),
        ("id", id.as_str()),
        ("locked", "true"),
        ("back", ""),
    ];
    assert_eq!(bo.post("/web/entries/lock", &lock).status, 403);
    let lock = [
        ("csrf", csrf.as_str()),
        ("id", id.as_str()),
        ("locked", "true"),
        ("back", ""),
    ];
    assert_eq!(ana.post("/web/entries/lock", &lock).status, 303);
    let (_, locked) = call(
        &base,
        "GET",
        &format!("{entries}/{id}"),
        Some(&member.key),
        None,
        &[],
    );
    assert_eq!(locked["isLocked"], true);

    // Sign out ends the session (the old cookie no longer works).
    let stolen = ana.cookie_header();
    let out = ana.post("/web/sign-out", &[("csrf", &csrf)]);
    assert_eq!(
        (out.status, out.location.as_deref()),
        (303, Some("/web/sign-in"))
    );
    let mut thief = Browser::new(server);
    thief.cookies = stolen
        .split("; ")
        .filter_map(|p| p.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect();
    assert_eq!(thief.get("/web").status, 303);
}

#[test]
fn sessions_expire_and_cookies_are_secure_behind_tls() {
    // Each test is its own process under nextest, so this reaches only this test's server.
    std::env::set_var("STINT_SERVER_SESSION_SECONDS", "2");
    let server = TestServer::start().unwrap();
    let member = server.add_user("Acme", "cy@acme.test", "regular").unwrap();
    let mut cy = Browser::new(&server);
    let page = cy.get("/web/sign-in");
    let csrf = csrf_of(&page.body);
    let ok = cy.send(
        "POST",
        "/web/sign-in",
        Some(&[("csrf", &csrf), ("api_key", &member)]),
        &[("x-forwarded-proto", "https")],
    );
    assert_eq!(ok.status, 303);
    let session = ok
        .set_cookies
        .iter()
        .find(|c| c.starts_with("stint_session="))
        .unwrap();
    assert!(session.contains("Secure"), "{session}");
    assert_eq!(cy.get("/web").status, 200);
    std::thread::sleep(Duration::from_millis(2500));
    let expired = cy.get("/web");
    assert_eq!(
        (expired.status, expired.location.as_deref()),
        (303, Some("/web/sign-in"))
    );
}

#[test]
fn the_audit_log_records_changes_and_restores_a_deleted_entry() {
    // The testkit's workspace: ana@acme.test (admin) and bo@acme.test (member).
    let fixture = Server::start();
    let (server, admin, member) = (&fixture.process, &fixture.admin, &fixture.member);
    let base = format!("{}/api/v1", server.url);
    let entries = format!("/workspaces/{}/time-entries", member.workspace);
    let start = chrono::Utc::now() - chrono::Duration::hours(3);
    let new_entry = |description: &str| {
        let (status, made) = call(
            &base,
            "POST",
            &entries,
            Some(&member.key),
            Some(
                serde_json::json!({"start": start, "end": start + chrono::Duration::minutes(30), "description": description}),
            ),
            &[],
        );
        assert_eq!(status, 201);
        made["id"].as_str().unwrap().to_owned()
    };
    // Off by default: nothing is recorded.
    new_entry("Before the switch");
    let mut ana = Browser::new(server);
    assert_eq!(ana.sign_in(&[("api_key", &admin.key)]).status, 303);
    assert!(ana.get("/web/audit").body.contains("Nothing was recorded"));

    let csrf = csrf_of(&ana.get("/web/settings").body);
    let form = [
        ("csrf", csrf.as_str()),
        ("screenshot_max_side", "1280"),
        ("screenshot_blur", "50"),
        ("idle_threshold_minutes", "5"),
        ("audit_enabled", "on"),
        ("audit_time_entries", "on"),
        ("audit_users", "on"),
    ];
    assert_eq!(ana.post("/web/settings", &form).status, 200);

    let id = new_entry("Draft");
    let (status, _) = call(
        &base,
        "PUT",
        &format!("{entries}/{id}"),
        Some(&member.key),
        Some(
            serde_json::json!({"start": start, "end": start + chrono::Duration::minutes(40), "description": "Final"}),
        ),
        &[],
    );
    assert_eq!(status, 200);
    let (status, _) = call(
        &base,
        "DELETE",
        &format!("{entries}/{id}"),
        Some(&member.key),
        None,
        &[],
    );
    assert_eq!(status, 204);
    // Projects are not a chosen category: not recorded.
    let (status, _) = call(
        &base,
        "POST",
        &format!("/workspaces/{}/projects", admin.workspace),
        Some(&admin.key),
        Some(serde_json::json!({"name": "Apollo"})),
        &[],
    );
    assert_eq!(status, 201);
    let mut bo = Browser::new(server);
    assert_eq!(bo.sign_in(&[("api_key", &member.key)]).status, 303);
    assert_eq!(
        bo.get("/web/audit").status,
        403,
        "members cannot read the log"
    );

    let page = ana.get("/web/audit").body;
    let rows = table_rows(&page);
    for expected in [
        "Time entry created",
        "Time entry updated",
        "Time entry deleted",
        "User signed in",
        "Manual entry",
    ] {
        assert!(rows.contains(expected), "{expected} missing:\n{rows}");
    }
    assert!(
        !rows.contains("Project created") && !rows.contains("Before the switch"),
        "{rows}"
    );
    // The update names each field with its previous and new value.
    let updates = ana.get("/web/audit?action=time_entry.updated").body;
    let updates = table_rows(&updates);
    assert_eq!(updates.matches("class=\"record\"").count(), 1, "{updates}");
    for value in ["description", "Draft", "Final", "end"] {
        assert!(updates.contains(value), "{value} missing:\n{updates}");
    }
    // Filters: by author, and 30 days at most.
    let by_member = table_rows(&ana.get(&format!("/web/audit?author={}", member.id)).body);
    assert!(by_member.contains("bo@acme.test"), "{by_member}");
    assert!(
        !by_member.contains("ana@acme.test"),
        "another author's record: {by_member}"
    );
    assert!(ana
        .get("/web/audit?author=system")
        .body
        .contains("Nothing was recorded"));
    let today = chrono::Utc::now().date_naive();
    let long = ana.get(&format!(
        "/web/audit?start={}&end={today}",
        today - chrono::Duration::days(40)
    ));
    assert_eq!(long.status, 400);
    assert!(long.body.contains("30 days"));
    // CSV export.
    let csv = ana.get("/web/audit.csv").body;
    assert!(
        csv.starts_with("\"Time (UTC)\",\"Author\",\"Action\""),
        "{csv}"
    );
    assert_eq!(csv.matches("Time entry").count(), 3, "{csv}");

    // Restore the deleted entry from its record.
    let record = ana.deleted_entry_record();
    let restored = ana.post("/web/audit/restore", &[("csrf", &csrf), ("id", &record)]);
    assert_eq!(restored.status, 303);
    let (status, back) = call(
        &base,
        "GET",
        &format!("{entries}/{id}"),
        Some(&member.key),
        None,
        &[],
    );
    assert_eq!((status, back["description"].as_str()), (200, Some("Final")));
    assert!(table_rows(&ana.get("/web/audit").body).contains("Time entry restored"));
    assert_eq!(
        ana.post("/web/audit/restore", &[("csrf", &csrf), ("id", &record)])
            .status,
        409
    );
}

/// Guessing passwords is limited per email, in the database (so on every server alike):
/// after ten wrong passwords in a quarter of an hour even the right one waits, with a 429
/// that says for how long, while an API key still signs in; another email is not held.
#[test]
fn ten_wrong_passwords_hold_that_emails_sign_ins_for_a_while() {
    let server = TestServer::start().unwrap();
    server.add_user("Acme", "ana@acme.test", "admin").unwrap();
    let key = server.add_user("Acme", "bo@acme.test", "regular").unwrap();
    set_password(&server, "ana@acme.test", "correct horse battery");
    set_password(&server, "bo@acme.test", "another long password");
    let mut web = Browser::new(&server);
    for _ in 0..10 {
        let wrong = web.sign_in(&[("email", "Ana@Acme.test"), ("password", "wrong horse")]);
        assert_eq!(wrong.status, 401, "{}", wrong.body);
    }
    let held = web.sign_in(&[
        ("email", "ana@acme.test"),
        ("password", "correct horse battery"),
    ]);
    assert_eq!(held.status, 429, "{}", held.body);
    assert!(
        held.body.contains("Try again in 15 minutes"),
        "{}",
        held.body
    );
    assert!(!web.cookie_header().contains("stint_session"));
    // Another email signs in; an API key does too.
    let mut bo = Browser::new(&server);
    let ok = bo.sign_in(&[
        ("email", "bo@acme.test"),
        ("password", "another long password"),
    ]);
    assert_eq!(ok.status, 303, "{}", ok.body);
    let mut by_key = Browser::new(&server);
    assert_eq!(by_key.sign_in(&[("api_key", &key)]).status, 303);
}
