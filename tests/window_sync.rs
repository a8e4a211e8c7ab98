//! Signing in from the window and watching entries reach the real server.

use std::time::Duration;

use serde_json::Value;
use stint_testkit::{wait_until, Desktop, TauriDriver, TestServer, WebDriver};

const WAIT: Duration = Duration::from_secs(20);

fn descriptions_on_server(server: &TestServer, key: &str) -> Vec<String> {
    let get = |path: &str| -> Option<Value> {
        ureq::get(format!("{}/api/v1{path}", server.url))
            .header("X-Api-Key", key)
            .call()
            .ok()?
            .body_mut()
            .read_json()
            .ok()
    };
    let Some(me) = get("/user") else {
        return Vec::new();
    };
    let path = format!(
        "/workspaces/{}/user/{}/time-entries",
        me["activeWorkspace"].as_str().unwrap_or_default(),
        me["id"].as_str().unwrap_or_default()
    );
    get(&path)
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e["description"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn sign_in_from_the_window_and_see_entries_sync() -> anyhow::Result<()> {
    let mut server = TestServer::start()?;
    let admin_key = server.add_user("Acme", "boss@acme.test", "admin")?;
    let key = server.add_user("Acme", "flo@acme.test", "regular")?;
    let desktop = Desktop::start("1280x800x24")?;
    let _tray = stint_testkit::dbus::TrayHost::start(&desktop.dbus_address)?;
    let root = tempfile::tempdir()?;
    let _agent = stint_tests::AgentReaper(root.path().join("data"));
    let driver = TauriDriver::start(
        &desktop,
        [
            ("STINT_DATA_DIR", root.path().join("data")),
            ("STINT_CONFIG_DIR", root.path().join("config")),
        ],
    )?;
    let wd = WebDriver::launch(&driver, &stint_tests::window_bin(), &[])?;
    wd.wait_for("body[data-ready='true']", WAIT)?;
    let line = wd.find("#sync")?.text()?;
    assert!(line.contains("Not signed in"), "{line}");

    // A wrong key is refused with a reason, and nothing is saved.
    wd.find("#account summary")?.click()?;
    wd.find("#server")?.send_keys(&server.url)?;
    wd.find("#api-key")?
        .send_keys("stint_0123456789abcdef_wrong")?;
    wd.find("#sign-in")?.click()?;
    let error = wd.wait_for_text("#error", WAIT, |t| !t.is_empty())?;
    assert!(error.contains("refused the API key"), "{error}");
    assert!(!root.path().join("config/sync.json").exists());

    wd.find("#api-key")?.clear()?;
    wd.find("#api-key")?.send_keys(&key)?;
    wd.find("#sign-in")?.click()?;
    wd.wait_for_text("#sync", WAIT, |t| t.starts_with("Synced"))?;
    let account = wd.find("#signed-in-as")?.text()?;
    assert!(account.contains("flo@acme.test"), "{account}");

    // A timer started and stopped in the window reaches the server.
    wd.find("#description")?.send_keys("Synced work")?;
    wd.find("#toggle")?.click()?;
    wd.wait_for_text("#toggle", WAIT, |t| t == "Stop")?;
    wd.find("#toggle")?.click()?;
    wd.wait_for_text("#toggle", WAIT, |t| t == "Start")?;
    wait_until(WAIT, "the entry on the server", || {
        (descriptions_on_server(&server, &key) == ["Synced work"]).then_some(())
    })?;
    wd.wait_for_text("#sync", WAIT, |t| t.starts_with("Synced"))?;

    // The admin switches screenshots on: the window says so.
    assert_eq!(
        wd.find("#policy")?.property("hidden")?,
        serde_json::json!(true)
    );
    let me: Value = ureq::get(format!("{}/api/v1/user", server.url))
        .header("X-Api-Key", &admin_key)
        .call()?
        .body_mut()
        .read_json()?;
    let settings = format!(
        "{}/api/v1/workspaces/{}/settings",
        server.url,
        me["activeWorkspace"].as_str().unwrap_or_default()
    );
    ureq::put(&settings).header("X-Api-Key", &admin_key).send_json(serde_json::json!({
        "screenshotsEnabled": true, "screenshotMaxSide": 1280, "screenshotBlur": 50, "idleThresholdMinutes": 5
    }))?;
    let policy = wd.wait_for_text("#policy", WAIT, |t| t.contains("Screenshots are on"))?;
    assert!(policy.contains("blurred"), "{policy}");

    // With the server gone, a new change waits and the window says so.
    server.stop();
    wd.find("#description")?.send_keys("Offline work")?;
    wd.find("#toggle")?.click()?;
    let offline = wd.wait_for_text("#sync", WAIT, |t| t.starts_with("Offline"))?;
    assert!(offline.contains("waiting"), "{offline}");
    // The list shows the new entry before the next click, so the page no longer moves
    // under it (a click lands where the button was when it was found).
    wd.wait_for_text("#entries", WAIT, |t| t.contains("Offline work"))?;

    wd.find("#sign-out")?.click()?;
    wd.wait_for_text("#sync", WAIT, |t| t.contains("Not signed in"))?;
    assert!(!root.path().join("config/sync.json").exists());
    wd.quit()?;
    Ok(())
}
