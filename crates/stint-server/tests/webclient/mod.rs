//! A cookie-keeping HTTP client for the server's web pages, shared by the test files.
#![allow(dead_code)]

use stint_testkit::TestServer;

pub struct Browser {
    pub http: ureq::Agent,
    pub base: String,
    pub cookies: Vec<(String, String)>,
}

pub struct Answer {
    pub status: u16,
    pub body: String,
    pub set_cookies: Vec<String>,
    pub location: Option<String>,
    /// Every header by lowercase name (the last value of a repeated one).
    pub headers: std::collections::HashMap<String, String>,
}

impl Browser {
    pub fn new(server: &TestServer) -> Browser {
        Browser {
            http: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .build()
                .into(),
            base: server.url.clone(),
            cookies: Vec::new(),
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn keep(&mut self, answer: &Answer) {
        for c in &answer.set_cookies {
            let pair = c.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !v.is_empty() && !c.contains("Max-Age=0") {
                self.cookies.push((k.to_owned(), v.to_owned()));
            }
        }
    }

    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        form: Option<&[(&str, &str)]>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let url = format!("{}{path}", self.base);
        let cookie = self.cookie_header();
        let mut response = if let Some(form) = form {
            let mut req = self.http.post(&url).header("cookie", &cookie);
            for (h, v) in headers {
                req = req.header(*h, *v);
            }
            req.send_form(form.iter().copied()).unwrap()
        } else {
            let mut req = if method == "GET" {
                self.http.get(&url)
            } else {
                self.http.delete(&url)
            };
            req = req.header("cookie", &cookie);
            for (h, v) in headers {
                req = req.header(*h, *v);
            }
            req.call().unwrap()
        };
        let set_cookies = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    v.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let answer = Answer {
            headers,
            status: response.status().as_u16(),
            body: response.body_mut().read_to_string().unwrap_or_default(),
            set_cookies,
            location,
        };
        self.keep(&answer);
        answer
    }

    /// A download: (status, content type, bytes).
    pub fn get_bytes(&mut self, path: &str) -> (u16, String, Vec<u8>) {
        let mut response = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie_header())
            .call()
            .unwrap();
        let kind = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(50 * 1024 * 1024)
            .read_to_vec()
            .unwrap_or_default();
        (status, kind, bytes)
    }

    pub fn get(&mut self, path: &str) -> Answer {
        self.send("GET", path, None, &[])
    }

    pub fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        self.send("POST", path, Some(form), &[])
    }

    /// The audit log's newest "time entry deleted" record id (an admin's session).
    pub fn deleted_entry_record(&mut self) -> String {
        let page = self.get("/web/audit?action=time_entry.deleted").body;
        page.split("name=\"id\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a deleted entry in the audit log")
            .to_owned()
    }

    /// Opens the sign-in page and submits it with `fields`.
    pub fn sign_in(&mut self, fields: &[(&str, &str)]) -> Answer {
        let page = self.get("/web/sign-in");
        let csrf = csrf_of(&page.body);
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        self.post("/web/sign-in", &form)
    }
}

pub fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token")
        + 19;
    html[at..].split('"').next().unwrap().to_owned()
}
