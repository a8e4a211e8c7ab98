//! Issue 16 in the real window over WebDriver, against a real server: a project, task and
//! tag picked by keyboard, the timer started and stopped by keyboard, the running entry's
//! tags changed while it runs, Continue from the list and from the tray, and the
//! workspace's "project required" refusal. Screenshots of the window go to
//! `$CARGO_TARGET_TMPDIR/artifacts/window`, for a reviewer to look at.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::Connection;
use serde_json::{json, Value};
use stint_testkit::dbus::TrayHost;
use stint_testkit::{wait_until, Desktop, TauriDriver, TestServer, WebDriver};

const WAIT: Duration = Duration::from_secs(20);
// W3C WebDriver key codes.
const ALT: &str = "\u{E00A}";
const CTRL: &str = "\u{E009}";
const RELEASE: &str = "\u{E000}";
const ENTER: &str = "\u{E007}";
const DOWN: &str = "\u{E015}";
const ESCAPE: &str = "\u{E00C}";

fn artifacts() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("artifacts/window")
}

struct Api<'a> {
    url: &'a str,
    key: &'a str,
    wid: String,
    uid: String,
}

impl<'a> Api<'a> {
    fn new(server: &'a TestServer, key: &'a str) -> anyhow::Result<Api<'a>> {
        let me: Value = ureq::get(format!("{}/api/v1/user", server.url))
            .header("X-Api-Key", key)
            .call()?
            .body_mut()
            .read_json()?;
        Ok(Api {
            url: &server.url,
            key,
            wid: me["activeWorkspace"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            uid: id(&me),
        })
    }

    fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        let url = format!("{}/api/v1/workspaces/{}{path}", self.url, self.wid);
        Ok(ureq::post(url)
            .header("X-Api-Key", self.key)
            .send_json(body)?
            .body_mut()
            .read_json()?)
    }

    fn put(&self, path: &str, body: Value) -> anyhow::Result<()> {
        let url = format!("{}/api/v1/workspaces/{}{path}", self.url, self.wid);
        ureq::put(url)
            .header("X-Api-Key", self.key)
            .send_json(body)?;
        Ok(())
    }

    fn get(&self, path: &str) -> Option<Value> {
        let url = format!("{}/api/v1/workspaces/{}{path}", self.url, self.wid);
        ureq::get(url)
            .header("X-Api-Key", self.key)
            .call()
            .ok()?
            .body_mut()
            .read_json()
            .ok()
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

/// An entry as the device's store has it: (description, project, task, tags, billable,
/// running).
type Stored = (
    String,
    Option<String>,
    Option<String>,
    Vec<String>,
    bool,
    bool,
);

/// The newest entry in the device's store.
fn newest(db: &Path) -> anyhow::Result<Stored> {
    let conn = Connection::open(db)?;
    Ok(conn.query_row(
        "SELECT description, project_id, task_id, tag_ids, billable, end_utc IS NULL
         FROM entries ORDER BY start_utc DESC LIMIT 1",
        [],
        |r| {
            let tags: String = r.get(3)?;
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                serde_json::from_str(&tags).unwrap_or_default(),
                r.get(4)?,
                r.get(5)?,
            ))
        },
    )?)
}

#[test]
fn pick_a_project_and_tags_by_keyboard_continue_and_meet_the_required_project() -> anyhow::Result<()>
{
    let server = TestServer::start()?;
    let admin_key = server.add_user("Acme", "boss@acme.test", "admin")?;
    let key = server.add_user("Acme", "flo@acme.test", "regular")?;
    let admin = Api::new(&server, &admin_key)?;
    let client = admin.post("/clients", json!({ "name": "Acme Corp" }))?;
    let website = admin.post(
        "/projects",
        json!({ "name": "Website", "clientId": id(&client), "color": "#16A34A", "billable": true }),
    )?;
    let design = admin.post(
        &format!("/projects/{}/tasks", id(&website)),
        json!({ "name": "Design" }),
    )?;
    let internal = admin.post(
        "/projects",
        json!({ "name": "Internal", "color": "#9333EA" }),
    )?;
    let urgent = admin.post("/tags", json!({ "name": "urgent" }))?;
    let review = admin.post("/tags", json!({ "name": "review" }))?;

    let desktop = Desktop::start("1280x800x24")?;
    let host = TrayHost::start(&desktop.dbus_address)?;
    let root = tempfile::tempdir()?;
    let data_dir = root.path().join("data");
    let db = data_dir.join("stint.db");
    let _agent = stint_tests::AgentReaper(data_dir.clone());
    let driver = TauriDriver::start(
        &desktop,
        [
            ("STINT_DATA_DIR", data_dir.clone()),
            ("STINT_CONFIG_DIR", root.path().join("config")),
        ],
    )?;
    let wd = WebDriver::launch(&driver, &stint_tests::window_bin(), &[])?;
    wd.wait_for("body[data-ready='true']", WAIT)?;
    wd.find("#account summary")?.click()?;
    wd.find("#server")?.send_keys(&server.url)?;
    wd.find("#api-key")?.send_keys(&key)?;
    wd.find("#sign-in")?.click()?;
    wd.wait_for_text("#sync", WAIT, |t| t.starts_with("Synced"))?;
    // The agent read the workspace's projects and tags for the picker.
    wd.wait_for("body[data-projects='2']", WAIT)?;
    assert_eq!(wd.find(".timer .project-button")?.text()?, "No project");

    // Keyboard only: a description, Alt+P, "design", down to the task, Enter.
    let description = wd.find("#description")?;
    description.send_keys("Homepage mockups")?;
    description.send_keys(&format!("{ALT}p{RELEASE}"))?;
    let search = wd.wait_for(".timer .project-menu:not([hidden]) .menu-search", WAIT)?;
    search.send_keys("design")?;
    let options = wd.wait_for_text(".timer .project-menu .menu-options", WAIT, |t| {
        t.contains("Design")
    })?;
    // The client's heading is shown in capitals.
    assert!(
        options.contains("ACME CORP") && options.contains("Website"),
        "{options}"
    );
    assert!(
        !options.contains("Internal"),
        "a project that does not match is listed: {options}"
    );
    wd.screenshot(&artifacts().join("1-project-picker.png"))?;
    search.send_keys(DOWN)?;
    search.send_keys(ENTER)?;
    wd.wait_for_text(".timer .project-button", WAIT, |t| t == "Website: Design")?;
    // The project's billable default came with it.
    assert_eq!(
        wd.find(".timer button.billable")?.property("ariaPressed")?,
        json!("true")
    );

    // Alt+T, "urg", Enter toggles the tag, Escape closes.
    let focused = wd.find(".timer .project-button")?;
    focused.send_keys(&format!("{ALT}t{RELEASE}"))?;
    let tags = wd.wait_for(".timer .tags-menu:not([hidden]) .menu-search", WAIT)?;
    tags.send_keys("urg")?;
    wd.wait_for_text(".timer .tags-menu .menu-options", WAIT, |t| {
        t.contains("urgent")
    })?;
    tags.send_keys(ENTER)?;
    tags.send_keys(ESCAPE)?;
    wd.wait_for_text(".timer .tags-button", WAIT, |t| t == "urgent")?;

    // Ctrl+Enter starts; the running entry shows what was picked.
    wd.find(".timer .tags-button")?
        .send_keys(&format!("{CTRL}{ENTER}{RELEASE}"))?;
    wd.wait_for("#toggle.stop", WAIT)?;
    let row = wd.wait_for_text("#entries li.running", WAIT, |t| {
        t.contains("Website: Design")
    })?;
    assert!(
        row.contains("urgent") && row.contains("Homepage mockups"),
        "{row}"
    );
    let (_, project, task, tag_ids, billable, running) = newest(&db)?;
    assert_eq!((project, task), (Some(id(&website)), Some(id(&design))));
    assert_eq!(tag_ids, [id(&urgent)]);
    assert!(billable && running);
    wd.screenshot(&artifacts().join("2-running-entry.png"))?;

    // The running entry's tags change while it runs, and the server gets them.
    wd.find("#description")?
        .send_keys(&format!("{ALT}t{RELEASE}"))?;
    let tags = wd.wait_for(".timer .tags-menu:not([hidden]) .menu-search", WAIT)?;
    tags.send_keys("review")?;
    tags.send_keys(ENTER)?;
    tags.send_keys(ESCAPE)?;
    wd.wait_for_text("#entries li.running", WAIT, |t| t.contains("review"))?;
    let member = Api::new(&server, &key)?;
    let uid = member.uid.clone();
    wait_until(
        WAIT,
        "the running entry with both tags on the server",
        || {
            let entries = member.get(&format!("/user/{uid}/time-entries"))?;
            let first = entries.as_array()?.first()?.clone();
            let tags: Vec<String> = serde_json::from_value(first["tagIds"].clone()).ok()?;
            (first["projectId"] == json!(id(&website))
                && first["taskId"] == json!(id(&design))
                && first["billable"] == json!(true)
                && tags == [id(&urgent), id(&review)])
            .then_some(())
        },
    )?;

    // Ctrl+Enter stops; the picker is ready for the next timer.
    wd.find("#description")?
        .send_keys(&format!("{CTRL}{ENTER}{RELEASE}"))?;
    wd.wait_for("#toggle.start", WAIT)?;
    wd.wait_for_text(".timer .project-button", WAIT, |t| t == "No project")?;

    // Continue from the list, by keyboard: a new entry like the stopped one.
    let again = wait_until(WAIT, "the stopped entry's Continue button", || {
        wd.find("#entries li:not(.running) .continue").ok()
    })?;
    again.send_keys(ENTER)?;
    wd.wait_for("#toggle.stop", WAIT)?;
    wd.wait_for_text(".timer .project-button", WAIT, |t| t == "Website: Design")?;
    let continued = newest(&db)?;
    assert_eq!(continued.0, "Homepage mockups");
    assert_eq!(continued.1, Some(id(&website)));
    assert_eq!(continued.3, [id(&urgent), id(&review)]);
    assert!(
        continued.4 && continued.5,
        "billable and running: {continued:?}"
    );
    wd.find("#toggle")?.click()?;
    wd.wait_for("#toggle.start", WAIT)?;

    // Continue from the tray: the line names the project too.
    let label = "Continue: Homepage mockups · Website: Design";
    wait_until(WAIT, "the tray's Continue line", || {
        host.menu()
            .ok()?
            .iter()
            .any(|m| m.label == label)
            .then_some(())
    })?;
    host.click(label)?;
    wd.wait_for("#toggle.stop", WAIT)?;
    let from_tray = newest(&db)?;
    assert_eq!(
        (from_tray.1, from_tray.2),
        (Some(id(&website)), Some(id(&design)))
    );
    wd.find("#toggle")?.click()?;
    wd.wait_for("#toggle.start", WAIT)?;

    // The workspace now requires a project: a timer starts without one, but does not stop
    // until one is picked, and the window says why and opens the picker.
    admin.put("/settings", json!({ "forceProjects": true }))?;
    wd.wait_for("body[data-project-required='true']", WAIT)?;
    wd.find("#description")?.send_keys("Unsorted work")?;
    wd.find("#toggle")?.click()?;
    wd.wait_for("#toggle.stop", WAIT)?;
    wd.find("#toggle")?.click()?;
    let error = wd.wait_for_text("#error", WAIT, |t| !t.is_empty())?;
    assert!(error.contains("requires a project"), "{error}");
    assert_eq!(wd.find("#toggle")?.text()?, "Stop", "the timer runs on");
    assert!(newest(&db)?.5, "the entry is still running");
    let search = wd.wait_for(".timer .project-menu:not([hidden]) .menu-search", WAIT)?;
    wd.screenshot(&artifacts().join("3-project-required.png"))?;
    search.send_keys("internal")?;
    wd.wait_for_text(".timer .project-menu .menu-options", WAIT, |t| {
        t.contains("Internal")
    })?;
    search.send_keys(ENTER)?;
    wd.wait_for_text("#entries li.running", WAIT, |t| t.contains("Internal"))?;
    wd.find("#toggle")?.click()?;
    wd.wait_for("#toggle.start", WAIT)?;
    let done = newest(&db)?;
    assert_eq!(
        (done.0.as_str(), done.1, done.5),
        ("Unsorted work", Some(id(&internal)), false)
    );
    wait_until(
        WAIT,
        "the stopped entry with its project on the server",
        || {
            let entries = member.get(&format!("/user/{uid}/time-entries"))?;
            let first = entries.as_array()?.first()?.clone();
            (first["description"] == json!("Unsorted work")
                && first["projectId"] == json!(id(&internal))
                && !first["timeInterval"]["end"].is_null())
            .then_some(())
        },
    )?;
    wd.screenshot(&artifacts().join("4-week.png"))?;
    wd.quit()?;
    Ok(())
}

/// The window in a dark desktop theme at 200 % scale: the dark colours apply and the
/// layout holds (screenshots for a reviewer).
#[test]
fn the_window_follows_a_dark_theme_at_double_scale() -> anyhow::Result<()> {
    let desktop = Desktop::start("1280x800x24")?;
    let root = tempfile::tempdir()?;
    let data_dir = root.path().join("data");
    let _agent = stint_tests::AgentReaper(data_dir.clone());
    let driver = TauriDriver::start(
        &desktop,
        [
            ("STINT_DATA_DIR", data_dir.clone()),
            ("STINT_CONFIG_DIR", root.path().join("config")),
            ("GTK_THEME", PathBuf::from("Adwaita:dark")),
            ("GDK_SCALE", PathBuf::from("2")),
        ],
    )?;
    let wd = WebDriver::launch(&driver, &stint_tests::window_bin(), &[])?;
    wd.wait_for("body[data-ready='true']", WAIT)?;
    let seen = wd.execute(
        "return [matchMedia('(prefers-color-scheme: dark)').matches, window.devicePixelRatio,
                 getComputedStyle(document.documentElement).backgroundColor]",
        vec![],
    )?;
    assert_eq!(
        seen[0],
        json!(true),
        "the theme is not seen as dark: {seen}"
    );
    assert_eq!(seen[1], json!(2), "not at 200 %: {seen}");
    let rgb: Vec<u32> = seen[2]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    assert!(
        rgb.len() == 3 && rgb.iter().sum::<u32>() < 150,
        "the page is not dark: {seen}"
    );
    wd.find("#description")?.send_keys("Dark and large")?;
    wd.find("#toggle")?.click()?;
    wd.wait_for("#toggle.stop", WAIT)?;
    // Nothing runs off the side at twice the size.
    let overflow = wd.execute(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
        vec![],
    )?;
    assert_eq!(overflow, json!(0), "the page is wider than the window");
    wd.screenshot(&artifacts().join("5-dark-200.png"))?;
    wd.quit()?;
    Ok(())
}
