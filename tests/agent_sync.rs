//! The agent syncing with the real server: a sign-in that persists, and a SIGKILL in the
//! middle of draining a backlog that loses and doubles nothing.

use std::time::Duration;

use chrono::Utc;
use serde_json::Value;
use stint_testkit::{queue_backlog, wait_until, AgentCli, Fault, FaultProxy, TestServer};

fn server_count(server: &TestServer, key: &str) -> usize {
    let http = |path: &str| -> Value {
        ureq::get(format!("{}/api/v1{path}", server.url))
            .header("X-Api-Key", key)
            .call()
            .unwrap()
            .body_mut()
            .read_json()
            .unwrap()
    };
    let me = http("/user");
    let list = http(&format!(
        "/workspaces/{}/user/{}/time-entries?page-size=5000",
        me["activeWorkspace"].as_str().unwrap(),
        me["id"].as_str().unwrap()
    ));
    let ids: std::collections::HashSet<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].clone())
        .collect();
    assert_eq!(ids.len(), list.as_array().unwrap().len(), "no entry twice");
    ids.len()
}

#[test]
fn a_bad_key_or_address_is_refused_with_a_reason() {
    let server = TestServer::start().unwrap();
    let root = tempfile::tempdir().unwrap();
    let mut cli = AgentCli::spawn(stint_tests::cli_bin(), root.path());
    let bad_key = cli.ask(&format!(
        "sign-in {} stint_0123456789abcdef_wrong",
        server.url
    ));
    assert_eq!(bad_key["error"]["code"], "bad_key", "{bad_key}");
    let no_scheme = cli.ask("sign-in localhost:1 key");
    assert_eq!(no_scheme["error"]["code"], "invalid_input", "{no_scheme}");
    let offline = cli.ask("sign-in http://127.0.0.1:9 key");
    assert_eq!(offline["error"]["code"], "offline", "{offline}");
    assert_eq!(cli.ask("sync-status")["ok"]["state"], "signedOut");
}

#[test]
fn a_killed_agent_resumes_draining_without_loss_or_doubles() {
    let server = TestServer::start().unwrap();
    let key = server.add_user("Acme", "eve@acme.test", "regular").unwrap();
    let root = tempfile::tempdir().unwrap();
    let total = 1000;
    queue_backlog(&root.path().join("data/stint.db"), total as usize).unwrap();
    // Batches drain a backlog in a blink: through a proxy that answers 503 to about half
    // the requests (each failure waits for its retry), the kill lands in the middle.
    let proxy = FaultProxy::start(
        server.address(),
        vec![Fault::ServerError, Fault::Pass, Fault::ServerError],
    )
    .unwrap();

    let mut first = AgentCli::spawn(stint_tests::cli_bin(), root.path());
    let signed_in = wait_until(
        Duration::from_secs(30),
        "a sign-in through the proxy",
        || {
            let answer = first.sign_in(&proxy.url, &key);
            answer.get("ok").is_some().then_some(answer)
        },
    )
    .unwrap();
    assert_eq!(signed_in["ok"]["email"], "eve@acme.test", "{signed_in}");
    // No keyring service runs here: the key is in a file only the user can read.
    assert_eq!(signed_in["ok"]["keyStorage"], "file", "{signed_in}");
    let file = root.path().join("config/sync.json");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(std::fs::read_to_string(&file).unwrap().contains(&key));
    let arrived = wait_until(
        Duration::from_secs(30),
        "part of the backlog to arrive",
        || (server_count(&server, &key) > 20).then_some(()),
    );
    if let Err(e) = arrived {
        let requests: Vec<String> = proxy
            .recorded()
            .iter()
            .map(|r| r.lines().next().unwrap_or("").to_owned())
            .collect();
        panic!("{e}: {} (requests: {requests:?})", first.ask("sync-status"));
    }
    first.child.kill().unwrap(); // SIGKILL in the middle of draining
    first.child.wait().unwrap();
    let arrived = server_count(&server, &key);
    assert!(
        arrived < total as usize,
        "killed before the end ({arrived} of {total})"
    );

    // The sign-in was kept: a restart goes on draining by itself (the way there healed).
    proxy.set_plan(vec![Fault::Pass]);
    let mut second = AgentCli::spawn(stint_tests::cli_bin(), root.path());
    wait_until(Duration::from_secs(60), "the rest of the backlog", || {
        let status = second.ask("sync-status");
        (status["ok"]["state"] == "synced").then_some(())
    })
    .unwrap();
    assert_eq!(server_count(&server, &key), total as usize);
    let signed_out = second.ask("sign-out");
    assert!(signed_out.get("ok").is_some(), "{signed_out}");
    assert!(!root.path().join("config/sync.json").exists());
}

#[test]
fn timers_started_and_stopped_elsewhere_are_adopted() {
    let server = TestServer::start().unwrap();
    let key = server.add_user("Acme", "gus@acme.test", "regular").unwrap();
    let root = tempfile::tempdir().unwrap();
    let mut cli = AgentCli::spawn(stint_tests::cli_bin(), root.path());
    assert!(cli.sign_in(&server.url, &key).get("ok").is_some());
    let http: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let api = |method: &str, path: &str, body: Option<Value>| -> Value {
        let url = format!("{}/api/v1{path}", server.url);
        let mut response = match (method, body) {
            ("GET", _) => http.get(&url).header("X-Api-Key", &key).call(),
            ("PATCH", Some(b)) => http.patch(&url).header("X-Api-Key", &key).send_json(b),
            (_, b) => http
                .post(&url)
                .header("X-Api-Key", &key)
                .send_json(b.unwrap_or(Value::Null)),
        }
        .unwrap();
        response.body_mut().read_json().unwrap_or(Value::Null)
    };
    let me = api("GET", "/user", None);
    let (ws, uid) = (
        me["activeWorkspace"].as_str().unwrap(),
        me["id"].as_str().unwrap(),
    );

    // Started from a script: the agent runs it within seconds.
    let start = Utc::now() - chrono::Duration::minutes(3);
    let remote = api(
        "POST",
        &format!("/workspaces/{ws}/time-entries"),
        Some(serde_json::json!({"start": start, "description": "from a script"})),
    );
    let adopted = wait_until(
        Duration::from_secs(20),
        "the agent to adopt the timer",
        || {
            let status = cli.ask("status")["ok"].clone();
            (status["id"] == remote["id"]).then_some(status)
        },
    )
    .unwrap();
    assert_eq!(adopted["description"], "from a script");

    // Stopped on the server: stopped here with the same end.
    let stopped = api(
        "PATCH",
        &format!("/workspaces/{ws}/user/{uid}/time-entries"),
        Some(serde_json::json!({"end": Utc::now()})),
    );
    wait_until(Duration::from_secs(20), "the agent to stop it", || {
        cli.ask("status")["ok"].is_null().then_some(())
    })
    .unwrap();
    let today = cli.ask("today")["ok"].clone();
    let here = today["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == remote["id"])
        .cloned()
        .unwrap();
    assert_eq!(
        here["end"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<Utc>>()
            .unwrap(),
        stopped["timeInterval"]["end"]
            .as_str()
            .unwrap()
            .parse::<chrono::DateTime<Utc>>()
            .unwrap()
    );

    // Started here, stopped there.
    let mine = cli.ask("start local timer")["ok"].clone();
    wait_until(Duration::from_secs(20), "the server to have it", || {
        (api(
            "GET",
            &format!(
                "/workspaces/{ws}/time-entries/{}",
                mine["id"].as_str().unwrap()
            ),
            None,
        )["id"]
            == mine["id"])
            .then_some(())
    })
    .unwrap();
    api(
        "PATCH",
        &format!("/workspaces/{ws}/user/{uid}/time-entries"),
        Some(serde_json::json!({"end": Utc::now()})),
    );
    wait_until(
        Duration::from_secs(20),
        "the agent to stop its own timer",
        || cli.ask("status")["ok"].is_null().then_some(()),
    )
    .unwrap();
    assert_eq!(
        cli.ask("sync-status")["ok"]["waiting"],
        0,
        "adopting queued nothing back"
    );
}

#[test]
fn an_admin_switching_screenshots_on_reaches_the_agent_once() {
    let server = TestServer::start().unwrap();
    let admin_key = server.add_user("Acme", "boss@acme.test", "admin").unwrap();
    let key = server.add_user("Acme", "hal@acme.test", "regular").unwrap();
    let root = tempfile::tempdir().unwrap();
    let mut cli = AgentCli::spawn(stint_tests::cli_bin(), root.path());
    assert!(cli.sign_in(&server.url, &key).get("ok").is_some());
    let policy = wait_until(Duration::from_secs(20), "the policy", || {
        let p = cli.ask("policy")["ok"].clone();
        (!p.is_null()).then_some(p)
    })
    .unwrap();
    assert_eq!(policy["screenshotsEnabled"], false);

    let http: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let me: Value = http
        .get(format!("{}/api/v1/user", server.url))
        .header("X-Api-Key", &admin_key)
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    let settings = format!(
        "{}/api/v1/workspaces/{}/settings",
        server.url,
        me["activeWorkspace"].as_str().unwrap()
    );
    let on = serde_json::json!({"screenshotsEnabled": true, "screenshotMaxSide": 1280, "screenshotBlur": 50, "idleThresholdMinutes": 5});
    assert_eq!(
        http.put(&settings)
            .header("X-Api-Key", &admin_key)
            .send_json(on)
            .unwrap()
            .status(),
        200
    );

    wait_until(
        Duration::from_secs(20),
        "screenshots on at the agent",
        || (cli.ask("policy")["ok"]["screenshotsEnabled"] == true).then_some(()),
    )
    .unwrap();
    let notices = wait_until(Duration::from_secs(20), "the notice", || {
        let n = cli.ask("notices")["ok"].clone();
        (n.as_array().is_some_and(|a| !a.is_empty())).then_some(n)
    })
    .unwrap();
    assert_eq!(notices.as_array().unwrap().len(), 1);
    // It was marked read on the server, so no later pull shows it again.
    let unread: Value = http
        .get(format!(
            "{}/api/v1/workspaces/{}/notices?unread=true",
            server.url,
            me["activeWorkspace"].as_str().unwrap()
        ))
        .header("X-Api-Key", &key)
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert_eq!(unread, serde_json::json!([]));
    // A later pull (one that brings an entry made on the web) shows it no second time.
    let now = chrono::Utc::now();
    let made: Value = http
        .post(format!(
            "{}/api/v1/workspaces/{}/time-entries",
            server.url,
            me["activeWorkspace"].as_str().unwrap()
        ))
        .header("X-Api-Key", &key)
        .send_json(serde_json::json!({"start": now - chrono::Duration::minutes(5), "end": now, "description": "later pull"}))
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert!(made["id"].is_string(), "{made}");
    wait_until(Duration::from_secs(20), "the later pull", || {
        cli.ask("today")
            .to_string()
            .contains("later pull")
            .then_some(())
    })
    .unwrap();
    assert_eq!(cli.ask("notices")["ok"].as_array().unwrap().len(), 1);
}

/// Issue 16: the agent reads the workspace's projects (with tasks) and tags for the
/// picker, reads them again when the feed says they changed, and keeps them for a start
/// without the server.
#[test]
fn the_picker_catalog_follows_the_server_and_survives_a_restart_offline() {
    let mut server = TestServer::start().unwrap();
    let admin_key = server.add_user("Acme", "boss@acme.test", "admin").unwrap();
    let key = server.add_user("Acme", "hal@acme.test", "regular").unwrap();
    let admin = Admin::new(&server, &admin_key);
    let create = |path: &str, body: Value| admin.create(path, body);
    let website = create("/projects", serde_json::json!({"name": "Website"}));
    let website_id = website["id"].as_str().unwrap().to_owned();
    create(
        &format!("/projects/{website_id}/tasks"),
        serde_json::json!({"name": "Design"}),
    );
    create("/tags", serde_json::json!({"name": "urgent"}));

    let root = tempfile::tempdir().unwrap();
    let mut cli = AgentCli::spawn(stint_tests::cli_bin(), root.path());
    assert!(cli.sign_in(&server.url, &key).get("ok").is_some());
    let names = |c: &Value, list: &str| -> Vec<String> {
        c[list]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|p| p["name"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let catalog = wait_until(Duration::from_secs(20), "the catalog", || {
        let c = cli.ask("catalog")["ok"].clone();
        (names(&c, "projects") == ["Website"]).then_some(c)
    })
    .unwrap();
    assert_eq!(catalog["projects"][0]["tasks"][0]["name"], "Design");
    assert_eq!(names(&catalog, "tags"), ["urgent"]);
    assert_eq!(
        catalog["canCreateTags"], false,
        "members do not create tags"
    );

    // A project made on the web reaches the agent through the feed.
    create("/projects", serde_json::json!({"name": "Internal"}));
    wait_until(
        Duration::from_secs(20),
        "the new project at the agent",
        || {
            let c = cli.ask("catalog")["ok"].clone();
            (names(&c, "projects") == ["Internal", "Website"]).then_some(())
        },
    )
    .unwrap();

    // Without the server, a restarted agent still has them.
    assert!(cli.end().success());
    server.stop();
    let mut cli = AgentCli::spawn(stint_tests::cli_bin(), root.path());
    let c = cli.ask("catalog")["ok"].clone();
    assert_eq!(names(&c, "projects"), ["Internal", "Website"], "{c}");
}

/// Review of issue 16: a settings or catalog read that fails never loses the news (the
/// feed's cursor moves only after them), and the agent refuses work that names what the
/// workspace does not have, or new time on an archived project, before the server would.
#[test]
fn failed_catalog_reads_are_tried_again_and_unknown_work_is_refused_here() {
    let server = TestServer::start().unwrap();
    let admin_key = server.add_user("Acme", "boss@acme.test", "admin").unwrap();
    let key = server.add_user("Acme", "hal@acme.test", "regular").unwrap();
    let admin = Admin::new(&server, &admin_key);
    let create = |path: &str, body: Value| -> String {
        admin.create(path, body)["id"].as_str().unwrap().to_owned()
    };
    let site = create("/projects", serde_json::json!({"name": "Site"}));
    let old = create("/projects", serde_json::json!({"name": "Old"}));
    assert_eq!(
        admin.put(
            &format!("/projects/{old}"),
            serde_json::json!({"archived": true})
        ),
        200
    );

    // The settings and the projects cannot be read at first.
    let proxy = FaultProxy::start(server.address(), vec![Fault::Pass]).unwrap();
    proxy.fail_paths(&["/settings", "/projects"]);
    let root = tempfile::tempdir().unwrap();
    // The socket's directory must be the user's alone, as Stint insists.
    let run = root.path().join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::set_permissions(&run, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let socket = run.join("agent.sock");
    let mut cli = AgentCli::spawn_with(
        stint_tests::cli_bin(),
        root.path(),
        &[("STINT_SOCKET", socket.as_path())],
    );
    assert!(cli.sign_in(&proxy.url, &key).get("ok").is_some());
    wait_until(Duration::from_secs(20), "a failed settings read", || {
        (!proxy.requests_containing("/settings HTTP").is_empty()).then_some(())
    })
    .unwrap();
    assert!(cli.ask("policy")["ok"].is_null());
    // The way heals: both arrive without anything changing on the server.
    proxy.fail_paths(&[]);
    wait_until(
        Duration::from_secs(30),
        "the policy and the catalog",
        || {
            let policy = cli.ask("policy")["ok"].clone();
            let catalog = cli.ask("catalog")["ok"].clone();
            (!policy.is_null() && catalog["projects"].as_array().is_some_and(|p| p.len() == 2))
                .then_some(())
        },
    )
    .unwrap();

    // Work the workspace does not have is refused here, with a reason; the timer does
    // not start.
    let start = |work: Value| {
        let command = stint_ipc::protocol::Command::StartTimer {
            description: "x".into(),
            work: serde_json::from_value(work).unwrap(),
        };
        stint_ipc::socket::call(&socket, command).unwrap()
    };
    for (work, why) in [
        (
            serde_json::json!({"projectId": "0123456789abcdef01234567"}),
            "not one of your workspace's",
        ),
        (serde_json::json!({"projectId": old}), "archived"),
        (
            serde_json::json!({"projectId": site, "taskId": "nope"}),
            "not one of project Site's",
        ),
        (serde_json::json!({"tagIds": ["nope"]}), "a tag is not one"),
    ] {
        let refused = start(work.clone()).unwrap_err();
        assert!(refused.message.contains(why), "{work}: {}", refused.message);
    }
    assert!(cli.ask("status")["ok"].is_null(), "nothing started");
    let started = start(serde_json::json!({"projectId": site})).unwrap();
    assert!(
        matches!(started, stint_ipc::protocol::Answer::Entry(ref e) if e.work.project_id.as_deref() == Some(site.as_str()))
    );
}

/// An admin's calls to the workspace's API, for the catalog tests.
struct Admin {
    http: ureq::Agent,
    base: String,
    key: String,
}

impl Admin {
    fn new(server: &TestServer, key: &str) -> Admin {
        let http: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let me: Value = http
            .get(format!("{}/api/v1/user", server.url))
            .header("X-Api-Key", key)
            .call()
            .unwrap()
            .body_mut()
            .read_json()
            .unwrap();
        let base = format!(
            "{}/api/v1/workspaces/{}",
            server.url,
            me["activeWorkspace"].as_str().unwrap()
        );
        Admin {
            http,
            base,
            key: key.to_owned(),
        }
    }

    /// POSTs `body` to the workspace's `path`; the answer.
    fn create(&self, path: &str, body: Value) -> Value {
        self.http
            .post(format!("{}{path}", self.base))
            .header("X-Api-Key", &self.key)
            .send_json(body)
            .unwrap()
            .body_mut()
            .read_json()
            .unwrap()
    }

    /// PUTs `body` to the workspace's `path`; the status.
    fn put(&self, path: &str, body: Value) -> u16 {
        self.http
            .put(format!("{}{path}", self.base))
            .header("X-Api-Key", &self.key)
            .send_json(body)
            .unwrap()
            .status()
            .as_u16()
    }
}
