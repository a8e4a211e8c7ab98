//! Calls to the real server's JSON API for tests: a workspace with an admin and a member,
//! a user of another workspace, and one-line requests that return status and JSON.

use serde_json::Value;

use crate::TestServer;

pub struct Server {
    pub process: TestServer,
    pub base: String,
    pub admin: Account,
    pub member: Account,
    pub outsider: Account,
}

#[derive(Clone)]
pub struct Account {
    pub key: String,
    pub id: String,
    pub workspace: String,
}

impl Server {
    /// A server with an admin and a member of one workspace and a user of another.
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// The same with more `serve` flags (e.g. `--blob-store`).
    pub fn start_with(serve_args: &[&str]) -> Server {
        let process = TestServer::start_with(serve_args).unwrap();
        let base = format!("{}/api/v1", process.url);
        let account = |workspace: &str, email: &str, role: &str| {
            let key = process.add_user(workspace, email, role).unwrap();
            let (status, me) = call(&base, "GET", "/user", Some(&key), None, &[]);
            assert_eq!(status, 200, "{me}");
            Account {
                key,
                id: me["id"].as_str().unwrap().to_owned(),
                workspace: me["activeWorkspace"].as_str().unwrap().to_owned(),
            }
        };
        let admin = account("Acme", "ana@acme.test", "admin");
        let member = account("Acme", "bo@acme.test", "regular");
        let outsider = account("Other", "cy@other.test", "regular");
        Server {
            process,
            base,
            admin,
            member,
            outsider,
        }
    }

    pub fn call(
        &self,
        who: &Account,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        call(&self.base, method, path, Some(&who.key), body, &[])
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// One request; returns the status and the JSON body (Null when empty).
pub fn call(
    base: &str,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let (status, text, _) = raw(
        base,
        method,
        path,
        key,
        body.map(|b| b.to_string()),
        headers,
    );
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, value)
}

pub fn raw(
    base: &str,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<String>,
    headers: &[(&str, &str)],
) -> (u16, String, Option<String>) {
    let url = format!("{base}{path}");
    let http = agent();
    let mut response = match method {
        "GET" | "DELETE" => {
            let mut req = if method == "GET" {
                http.get(&url)
            } else {
                http.delete(&url)
            };
            if let Some(k) = key {
                req = req.header("X-Api-Key", k);
            }
            for (h, v) in headers {
                req = req.header(*h, *v);
            }
            req.call()
        }
        _ => {
            let mut req = match method {
                "POST" => http.post(&url),
                "PUT" => http.put(&url),
                _ => http.patch(&url),
            };
            req = req.header("content-type", "application/json");
            if let Some(k) = key {
                req = req.header("X-Api-Key", k);
            }
            for (h, v) in headers {
                req = req.header(*h, *v);
            }
            req.send(body.unwrap_or_default())
        }
    }
    .unwrap();
    let last_page = response
        .headers()
        .get("Last-Page")
        .map(|v| v.to_str().unwrap().to_owned());
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (status, text, last_page)
}

/// A request with a raw body (e.g. a multipart upload) or none; returns the status, the
/// content type and the body bytes.
pub fn send_bytes(
    base: &str,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<(&str, Vec<u8>)>,
    headers: &[(&str, &str)],
) -> (u16, String, Vec<u8>) {
    let url = format!("{base}{path}");
    let http = agent();
    let mut response = match body {
        None => {
            let mut req = if method == "DELETE" {
                http.delete(&url)
            } else {
                http.get(&url)
            };
            if let Some(k) = key {
                req = req.header("X-Api-Key", k);
            }
            for (h, v) in headers {
                req = req.header(*h, *v);
            }
            req.call()
        }
        Some((content_type, bytes)) => {
            let mut req = if method == "PUT" {
                http.put(&url)
            } else {
                http.post(&url)
            };
            req = req.header("content-type", content_type);
            if let Some(k) = key {
                req = req.header("X-Api-Key", k);
            }
            for (h, v) in headers {
                req = req.header(*h, *v);
            }
            req.send(&bytes[..])
        }
    }
    .unwrap();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let status = response.status().as_u16();
    let bytes = response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_vec()
        .unwrap_or_default();
    (status, content_type, bytes)
}
