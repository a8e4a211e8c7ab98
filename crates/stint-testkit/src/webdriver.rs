//! WebDriver for the real app window: tauri-driver in front of WebKitWebDriver, and a small
//! W3C WebDriver client. The client covers the dozen commands our tests use; it speaks
//! plain HTTP on loopback, which keeps a TLS stack out of the test build.

use std::ffi::OsStr;
use std::net::TcpListener;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context};
use serde_json::{json, Value};

use crate::desktop::Desktop;
use crate::procs::Guard;
use crate::{require_tool, wait_until};

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// tauri-driver (and, behind it, WebKitWebDriver) on free loopback ports.
pub struct TauriDriver {
    pub url: String,
    guard: Guard,
}

impl TauriDriver {
    /// Starts tauri-driver on `desktop`; `env` reaches the app it launches.
    pub fn start<K: AsRef<OsStr>, V: AsRef<OsStr>>(
        desktop: &Desktop,
        env: impl IntoIterator<Item = (K, V)>,
    ) -> anyhow::Result<TauriDriver> {
        let driver = require_tool("tauri-driver", "`cargo install --locked tauri-driver@2`")?;
        let native = require_tool("WebKitWebDriver", "the Debian package webkit2gtk-driver")?;
        let port = free_port()?;
        let native_port = free_port()?;
        let child = desktop
            .command(driver)
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .arg("--native-driver")
            .arg(native)
            .envs(env)
            .stdout(Stdio::null())
            .spawn()
            .context("starting tauri-driver")?;
        let mut guard = Guard::new("tauri-driver", child);
        let url = format!("http://127.0.0.1:{port}");
        let status = format!("{url}/status");
        wait_until(Duration::from_secs(20), "tauri-driver to answer", || {
            guard.check_running().ok()?;
            ureq::get(&status).call().ok().map(drop)
        })?;
        Ok(TauriDriver { url, guard })
    }

    pub fn pid(&self) -> u32 {
        self.guard.pid()
    }
}

/// One WebDriver session.
pub struct WebDriver {
    http: ureq::Agent,
    base: String,
}

/// An element found in the page.
pub struct Element<'a> {
    wd: &'a WebDriver,
    id: String,
}

impl WebDriver {
    /// Opens a session that launches `app` (the Tauri binary) with `args`.
    pub fn launch(driver: &TauriDriver, app: &Path, args: &[&str]) -> anyhow::Result<WebDriver> {
        let http: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "tauri:options": { "application": app, "args": args }
        }}});
        let answer = send(
            &http,
            "POST",
            &format!("{}/session", driver.url),
            Some(caps),
        )
        .context("creating a WebDriver session (launching the app)")?;
        let session = answer["sessionId"]
            .as_str()
            .with_context(|| format!("no session id in {answer}"))?;
        Ok(WebDriver {
            http,
            base: format!("{}/session/{session}", driver.url),
        })
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        send(&self.http, method, &format!("{}{path}", self.base), body)
    }

    pub fn find(&self, css: &str) -> anyhow::Result<Element<'_>> {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        )?;
        Ok(Element {
            wd: self,
            id: element_id(&v)?,
        })
    }

    pub fn find_all(&self, css: &str) -> anyhow::Result<Vec<Element<'_>>> {
        let v = self.call(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )?;
        v.as_array()
            .context("elements answer is not a list")?
            .iter()
            .map(|e| {
                Ok(Element {
                    wd: self,
                    id: element_id(e)?,
                })
            })
            .collect()
    }

    /// Waits until an element matching `css` exists.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> anyhow::Result<Element<'_>> {
        let id = wait_until(timeout, &format!("an element matching {css}"), || {
            self.find(css).ok().map(|e| e.id)
        })?;
        Ok(Element { wd: self, id })
    }

    /// Waits until `probe` holds for the text of the element matching `css`.
    pub fn wait_for_text(
        &self,
        css: &str,
        timeout: Duration,
        probe: impl Fn(&str) -> bool,
    ) -> anyhow::Result<String> {
        let mut last = None;
        wait_until(timeout, &format!("the text of {css}"), || {
            let text = self.find(css).ok()?.text().ok()?;
            let done = probe(&text);
            last = Some(text.clone());
            done.then_some(text)
        })
        .with_context(|| format!("last seen: {last:?}"))
    }

    pub fn execute(&self, script: &str, args: Vec<Value>) -> anyhow::Result<Value> {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    pub fn window_handles(&self) -> anyhow::Result<Vec<String>> {
        let v = self.call("GET", "/window/handles", None)?;
        Ok(serde_json::from_value(v)?)
    }

    pub fn switch_to_window(&self, handle: &str) -> anyhow::Result<()> {
        self.call("POST", "/window", Some(json!({ "handle": handle })))
            .map(drop)
    }

    /// Writes a PNG of the window's page to `path` (creating its folder), for a reviewer
    /// to look at in the test's artifacts.
    pub fn screenshot(&self, path: &Path) -> anyhow::Result<()> {
        use base64::Engine as _;
        let v = self.call("GET", "/screenshot", None)?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().context("the screenshot answer is not text")?)
            .context("the screenshot is not base64")?;
        anyhow::ensure!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))
    }

    /// Ends the session; WebKitWebDriver then closes the app.
    pub fn quit(self) -> anyhow::Result<()> {
        self.call("DELETE", "", None).map(drop)
    }
}

impl Element<'_> {
    fn path(&self, rest: &str) -> String {
        format!("/element/{}{rest}", self.id)
    }

    pub fn click(&self) -> anyhow::Result<()> {
        self.wd
            .call("POST", &self.path("/click"), Some(json!({})))
            .map(drop)
    }

    pub fn send_keys(&self, text: &str) -> anyhow::Result<()> {
        self.wd
            .call("POST", &self.path("/value"), Some(json!({ "text": text })))
            .map(drop)
    }

    pub fn clear(&self) -> anyhow::Result<()> {
        self.wd
            .call("POST", &self.path("/clear"), Some(json!({})))
            .map(drop)
    }

    pub fn text(&self) -> anyhow::Result<String> {
        let v = self.wd.call("GET", &self.path("/text"), None)?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    pub fn property(&self, name: &str) -> anyhow::Result<Value> {
        self.wd
            .call("GET", &self.path(&format!("/property/{name}")), None)
    }
}

fn element_id(v: &Value) -> anyhow::Result<String> {
    v[ELEMENT_KEY]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no element in {v}"))
}

fn send(http: &ureq::Agent, method: &str, url: &str, body: Option<Value>) -> anyhow::Result<Value> {
    let response = match (method, body) {
        ("GET", _) => http.get(url).call(),
        ("DELETE", _) => http.delete(url).call(),
        (_, body) => http.post(url).send_json(body.unwrap_or_else(|| json!({}))),
    }
    .with_context(|| format!("{method} {url}"))?;
    let status = response.status();
    let answer: Value = response
        .into_body()
        .read_json()
        .with_context(|| format!("{method} {url}: answer is not JSON"))?;
    let value = answer.get("value").cloned().unwrap_or(Value::Null);
    if let Some(error) = value.get("error").and_then(Value::as_str) {
        bail!("{method} {url}: {error} ({status}): {}", value["message"]);
    }
    Ok(value)
}
