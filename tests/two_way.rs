//! Issue 14 end to end, with the real server: changes made on the server reach the agent
//! and the desktop window (within 2 s while online), and an edit made on the device
//! offline never undoes a cut the server made meanwhile, so no time is counted twice.

use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, Local, Utc};
use serde_json::{json, Value};
use stint_testkit::{wait_until, AgentCli, Desktop, TauriDriver, TestServer, WebDriver};

const WAIT: Duration = Duration::from_secs(20);

/// Calls to the server's API as one user.
struct Api {
    base: String,
    key: String,
    workspace: String,
    user: String,
}

impl Api {
    fn new(server: &TestServer, key: &str) -> Api {
        let mut api = Api {
            base: format!("{}/api/v1", server.url),
            key: key.to_owned(),
            workspace: String::new(),
            user: String::new(),
        };
        let me = api.call("GET", "/user", None).1;
        api.workspace = me["activeWorkspace"].as_str().unwrap().to_owned();
        api.user = me["id"].as_str().unwrap().to_owned();
        api
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let http: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut response = match (method, body) {
            ("GET", _) => http.get(&url).header("X-Api-Key", &self.key).call(),
            ("DELETE", _) => http.delete(&url).header("X-Api-Key", &self.key).call(),
            ("POST", Some(b)) => http.post(&url).header("X-Api-Key", &self.key).send_json(b),
            (_, b) => http
                .put(&url)
                .header("X-Api-Key", &self.key)
                .send_json(b.unwrap_or(Value::Null)),
        }
        .unwrap();
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn ws(&self, path: &str) -> String {
        format!("/workspaces/{}{path}", self.workspace)
    }

    fn create(&self, description: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
        let body = json!({"start": start, "end": end, "description": description});
        let (status, e) = self.call("POST", &self.ws("/time-entries"), Some(body));
        assert_eq!(status, 201, "{e}");
        e["id"].as_str().unwrap().to_owned()
    }

    /// The user's entries on the server: (description, start, end), by start.
    fn entries_of(&self, user: &str) -> Vec<(String, DateTime<Utc>, DateTime<Utc>)> {
        let path = self.ws(&format!("/user/{user}/time-entries?page-size=5000"));
        let mut out: Vec<_> = self
            .call("GET", &path, None)
            .1
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let t = |k: &str| e["timeInterval"][k].as_str().unwrap().parse().unwrap();
                (
                    e["description"].as_str().unwrap().to_owned(),
                    t("start"),
                    t("end"),
                )
            })
            .collect();
        out.sort_by_key(|e| e.1);
        out
    }

    /// Uploads one screenshot of the entry taken at `at`; returns the set's id.
    fn upload(&self, entry: &str, at: DateTime<Utc>) -> String {
        let frame = vec![90u8; 64 * 48 * 4];
        let jpeg = stint_capture::process(64, 48, &frame, stint_capture::Settings::default())
            .unwrap()
            .0
            .jpeg;
        let id = uuid_like(at);
        let sha: String = {
            use sha2::Digest;
            sha2::Sha256::digest(&jpeg)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        let meta = stint_api::NewCaptureSet {
            id: id.clone(),
            time_entry_id: entry.to_owned(),
            captured_at: at,
            screenshots: vec![stint_api::NewScreenshot {
                id: format!("{id}-0"),
                monitor: stint_api::Monitor {
                    name: "DP-1".into(),
                    x: 0,
                    y: 0,
                    width: 1920,
                    height: 1080,
                },
                width: 64,
                height: 48,
                sha256: sha,
                private: false,
            }],
        };
        let part = format!("{id}-0");
        let (content_type, body) =
            stint_api::upload_body(&meta, &[(part.as_str(), jpeg.as_slice())]);
        let mut response = ureq::post(format!("{}{}", self.base, self.ws("/screenshots")))
            .header("X-Api-Key", &self.key)
            .header("content-type", &content_type)
            .send(&body[..])
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            201,
            "{}",
            response.body_mut().read_to_string().unwrap_or_default()
        );
        id
    }
}

fn uuid_like(at: DateTime<Utc>) -> String {
    format!(
        "00000000-0000-4000-8000-{:012}",
        at.timestamp() % 1_000_000_000_000
    )
}

/// A whole minute some hours ago, so the entry is stopped and in the past.
fn base_time() -> DateTime<Utc> {
    let t = Utc::now() - chrono::Duration::hours(3);
    t - chrono::Duration::seconds(t.timestamp() % 60)
        - chrono::Duration::nanoseconds(t.timestamp_subsec_nanos().into())
}

#[test]
fn an_edit_made_offline_never_undoes_a_cut_made_on_the_server() {
    let server = TestServer::start().unwrap();
    let key = server.add_user("Acme", "hal@acme.test", "regular").unwrap();
    let api = Api::new(&server, &key);
    let root = tempfile::tempdir().unwrap();
    let mut cli = AgentCli::spawn(stint_tests::cli_bin(), root.path());
    assert!(cli.sign_in(&server.url, &key).get("ok").is_some());

    // [0, 30] made on the web reaches the device.
    // One base for the whole test: read again, it could cross a minute boundary.
    let base = base_time();
    let at = |m: i64| base + chrono::Duration::minutes(m);
    let id = api.create("work", at(0), at(30));
    let sets: Vec<String> = [3, 8].iter().map(|&m| api.upload(&id, at(m))).collect();
    wait_until(WAIT, "the entry on the device", || {
        let week = cli.ok("week");
        week.to_string().contains(&id).then_some(())
    })
    .unwrap();

    // Offline on the device, the description is changed, and the agent is killed before it
    // could send it...
    cli.ok("sign-out");
    cli.ok(&format!("edit {id} report"));
    drop(cli);
    // ...while the member deletes the screenshot at 8 on the web: [3, 8] is cut out, the
    // entry becomes [0, 3] and [8, 30] is split off.
    let (status, cut) = api.call(
        "DELETE",
        &api.ws(&format!("/screenshots/{}", sets[1])),
        None,
    );
    assert_eq!(status, 200, "{cut}");
    assert_eq!(cut["removedSeconds"], 300);

    // Started again and online: the edit, kept across the restart, is merged with the cut,
    // not sent over it.
    let mut cli = AgentCli::spawn(stint_tests::cli_bin(), root.path());
    assert!(cli.sign_in(&server.url, &key).get("ok").is_some());
    wait_until(WAIT, "the edit on the server", || {
        let on_server = api.entries_of(&api.user);
        on_server.iter().any(|e| e.0 == "report").then_some(())
    })
    .unwrap();
    let on_server = api.entries_of(&api.user);
    assert_eq!(
        on_server,
        vec![
            ("report".to_owned(), at(0), at(3)),
            ("work".to_owned(), at(8), at(30))
        ],
        "the server keeps the cut and the device's description"
    );
    let total: i64 = on_server.iter().map(|e| (e.2 - e.1).num_minutes()).sum();
    assert_eq!(total, 25, "the cut total: 30 minutes less the 5 cut out");
    // The device shows the same two entries.
    let device = wait_until(WAIT, "the device to follow", || {
        let week = cli.ok(&format!("week {}", weeks_back(at(0))));
        // An entry across midnight is listed on both its days: count it once (this test
        // runs three hours in the past, so at some times of day its entries cross one).
        let mut entries: Vec<Value> = week["days"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|d| d["entries"].as_array().unwrap().clone())
            .collect();
        entries.sort_by_key(|e| e["id"].to_string());
        entries.dedup_by_key(|e| e["id"].to_string());
        (entries.len() == 2).then_some(entries)
    })
    .unwrap();
    let mut got: Vec<(String, String)> = device
        .iter()
        .map(|e| {
            (
                e["description"].as_str().unwrap().to_owned(),
                e["end"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].0, "report");
    assert_eq!(got[0].1.parse::<DateTime<Utc>>().unwrap(), at(3));
    assert_eq!(got[1].0, "work");

    // An admin locks the split-off part: the device shows it locked and refuses to change
    // it, saying why.
    let admin_key = server.add_user("Acme", "boss@acme.test", "admin").unwrap();
    let admin = Api::new(&server, &admin_key);
    let split = device.iter().find(|e| e["description"] == "work").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lock = admin.ws(&format!("/time-entries/{split}/lock"));
    assert_eq!(
        admin.call("PUT", &lock, Some(json!({"locked": true}))).0,
        200
    );
    wait_until(WAIT, "the lock on the device", || {
        let week = cli.ok(&format!("week {}", weeks_back(at(0))));
        week["locked"]
            .as_array()
            .unwrap()
            .contains(&json!(split))
            .then_some(())
    })
    .unwrap();
    // Bad input gets reasons.
    let too_far = cli.ask("week 200000");
    assert_eq!(too_far["error"]["code"], "invalid_input", "{too_far}");
    let no_id = cli.ask("delete");
    assert!(
        no_id["error"]["message"]
            .as_str()
            .unwrap()
            .contains("usage: delete ID"),
        "{no_id}"
    );
    let refused = cli.ask(&format!("edit {split} sneaky"));
    assert_eq!(refused["error"]["code"], "locked", "{refused}");
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .contains("locked by your workspace's admin"));
}

/// How many weeks before this one `t`'s local week is.
fn weeks_back(t: DateTime<Utc>) -> i64 {
    let monday = |d: chrono::NaiveDate| {
        d - chrono::Duration::days(d.weekday().num_days_from_monday().into())
    };
    let now = monday(Local::now().date_naive());
    let then = monday(t.with_timezone(&Local).date_naive());
    (now - then).num_days() / 7
}

#[test]
fn changes_made_on_the_server_show_in_the_window_within_two_seconds() -> anyhow::Result<()> {
    let server = TestServer::start()?;
    let key = server.add_user("Acme", "ida@acme.test", "regular")?;
    let admin_key = server.add_user("Acme", "boss@acme.test", "admin")?;
    let api = Api::new(&server, &key);
    let admin = Api::new(&server, &admin_key);
    let desktop = Desktop::start("1280x800x24")?;
    let _tray = stint_testkit::dbus::TrayHost::start(&desktop.dbus_address)?;
    let root = tempfile::tempdir()?;
    let _agent = stint_tests::AgentReaper(root.path().join("data"));
    let driver = TauriDriver::start(
        &desktop,
        [
            ("STINT_DATA_DIR", root.path().join("data").into_os_string()),
            (
                "STINT_CONFIG_DIR",
                root.path().join("config").into_os_string(),
            ),
            ("STINT_SIGN_IN_SERVER", server.url.clone().into()),
            ("STINT_SIGN_IN_KEY", key.clone().into()),
        ],
    )?;
    let wd = WebDriver::launch(&driver, &stint_tests::window_bin(), &[])?;
    wd.wait_for("body[data-ready='true']", WAIT)?;
    wd.wait_for_text("#sync", WAIT, |t| t.contains("Synced"))?;
    // The first look at the server (a snapshot) is over once an entry made now arrives;
    // from then on the agent waits on the long-poll.
    let now = Utc::now();
    let minute = chrono::Duration::minutes(1);
    api.create("Warm-up", now - minute * 3, now - minute * 2);
    if wd
        .wait_for_text("#entries", WAIT, |t| t.contains("Warm-up"))
        .is_err()
    {
        let shown = wd.execute("return document.body.innerText", vec![])?;
        let log =
            std::fs::read_to_string(root.path().join("data/logs/agent.log")).unwrap_or_default();
        anyhow::bail!("the window shows: {shown}\nagent log:\n{log}");
    }

    // Made with the API: in the window within 2 s.
    let made = Instant::now();
    let id = api.create("From the web", now - minute * 20, now - minute * 10);
    wd.wait_for_text("#entries", WAIT, |t| t.contains("From the web"))?;
    let took = made.elapsed();
    println!("an entry made with the API showed in the window after {took:?}");
    assert!(
        took < Duration::from_secs(2),
        "an entry made on the server took {took:?} to show"
    );

    // Locked by the admin: shown as locked, with its buttons off and the reason.
    let locked_at = Instant::now();
    let (status, _) = admin.call(
        "PUT",
        &admin.ws(&format!("/time-entries/{id}/lock")),
        Some(json!({"locked": true})),
    );
    assert_eq!(status, 200);
    let row = format!("#entries li.locked[data-id='{id}']");
    wd.wait_for(&row, WAIT)?;
    println!(
        "a lock showed in the window after {:?}",
        locked_at.elapsed()
    );
    assert!(
        locked_at.elapsed() < Duration::from_secs(2),
        "the lock took {:?}",
        locked_at.elapsed()
    );
    let edit = wd.find(&format!("{row} .edit"))?;
    assert_eq!(edit.property("disabled")?, json!(true));
    let reason = edit.property("title")?;
    assert!(
        reason
            .as_str()
            .unwrap_or("")
            .contains("Locked by your workspace's admin"),
        "{reason}"
    );

    // Deleted with the API: gone from the window within 2 s.
    let gone_at = Instant::now();
    let warm_up = api
        .entries_of(&api.user)
        .into_iter()
        .find(|e| e.0 == "Warm-up")
        .unwrap();
    let list = api
        .call(
            "GET",
            &api.ws(&format!("/user/{}/time-entries", api.user)),
            None,
        )
        .1;
    let warm_id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["description"] == "Warm-up")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(warm_up.0, "Warm-up");
    assert_eq!(
        api.call("DELETE", &api.ws(&format!("/time-entries/{warm_id}")), None)
            .0,
        204
    );
    wd.wait_for_text("#entries", WAIT, |t| !t.contains("Warm-up"))?;
    println!(
        "a deletion showed in the window after {:?}",
        gone_at.elapsed()
    );
    assert!(
        gone_at.elapsed() < Duration::from_secs(2),
        "the deletion took {:?}",
        gone_at.elapsed()
    );

    // An entry of last week is one click away.
    let last_week = now - chrono::Duration::days(7);
    api.create("Last week's", last_week - minute * 30, last_week);
    assert_eq!(wd.find("#week-label")?.text()?, "This week");
    wd.find("#week-prev")?.click()?;
    wd.wait_for_text("#week-label", WAIT, |t| t == "Last week")?;
    wd.wait_for_text("#entries", WAIT, |t| {
        t.contains("Last week's") && !t.contains("From the web")
    })?;
    wd.find("#week-next")?.click()?;
    wd.wait_for_text("#entries", WAIT, |t| t.contains("From the web"))?;
    wd.quit()?;
    Ok(())
}
