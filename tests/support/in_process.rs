//! The agent in the test's own process, called blocking from the test thread, and the
//! server's screenshot API as a member and an admin see it. Shared by the X11 and Wayland
//! screenshot tests (`#[path]`-included).
#![allow(dead_code)]

use chrono::Utc;
use serde_json::{json, Value};
use stint_agent::{AgentHandle, AgentOptions, Entry, Paths, WorkspacePolicy};
use stint_ipc::protocol::{Answer, Command};
use stint_testkit::http::call;
use stint_testkit::TestServer;

/// The agent on a runtime of its own; the test thread calls it blocking.
pub fn agent_on(
    runtime: &tokio::runtime::Runtime,
    paths: &Paths,
    options: AgentOptions,
) -> AgentHandle {
    let _inside = runtime.enter();
    stint_agent::start(paths, options).unwrap().0
}

pub fn ask(agent: &AgentHandle, command: Command) -> Answer {
    agent.call_blocking(command).unwrap()
}

pub fn sign_in(agent: &AgentHandle, url: &str, key: &str) {
    ask(
        agent,
        Command::SignIn {
            server: url.to_owned(),
            api_key: key.to_owned(),
        },
    );
}

pub fn start(agent: &AgentHandle, description: &str) -> Entry {
    match ask(
        agent,
        Command::StartTimer {
            work: Default::default(),
            description: description.into(),
        },
    ) {
        Answer::Entry(e) => e,
        other => panic!("{other:?}"),
    }
}

pub fn stop_timer(agent: &AgentHandle) -> Option<Entry> {
    match ask(agent, Command::StopTimer) {
        Answer::MaybeEntry(e) => e,
        other => panic!("{other:?}"),
    }
}

pub fn policy(agent: &AgentHandle) -> Option<WorkspacePolicy> {
    match ask(agent, Command::WorkspacePolicy) {
        Answer::Policy(p) => p,
        other => panic!("{other:?}"),
    }
}

pub fn armed(agent: &AgentHandle) -> bool {
    match ask(agent, Command::Overview) {
        Answer::Overview(o) => o.capture_armed,
        other => panic!("{other:?}"),
    }
}

pub fn notices(agent: &AgentHandle) -> Vec<String> {
    match ask(agent, Command::ShownNotices) {
        Answer::Ids(ids) => ids,
        other => panic!("{other:?}"),
    }
}

pub struct Api {
    pub base: String,
    pub workspace: String,
}

impl Api {
    /// A server with an admin and a member of one workspace: (server, admin key, member
    /// key, the member's view of the API).
    pub fn start() -> (TestServer, String, String, Api) {
        let server = TestServer::start().unwrap();
        let admin = server.add_user("Acme", "ann@acme.test", "admin").unwrap();
        let key = server.add_user("Acme", "max@acme.test", "regular").unwrap();
        let base = format!("{}/api/v1", server.url);
        let (_, me) = call(&base, "GET", "/user", Some(&key), None, &[]);
        let api = Api {
            base,
            workspace: me["activeWorkspace"].as_str().unwrap().to_owned(),
        };
        (server, admin, key, api)
    }

    pub fn sets(&self, key: &str) -> Vec<Value> {
        let from = (Utc::now() - chrono::Duration::hours(1))
            .to_rfc3339()
            .replace('+', "%2B");
        let to = (Utc::now() + chrono::Duration::hours(1))
            .to_rfc3339()
            .replace('+', "%2B");
        let (status, body) = call(
            &self.base,
            "GET",
            &format!(
                "/workspaces/{}/screenshots?start={from}&end={to}",
                self.workspace
            ),
            Some(key),
            None,
            &[],
        );
        assert_eq!(status, 200, "{body}");
        body.as_array().unwrap().clone()
    }

    /// Screenshots on or off, at most `max_side` pixels, for the whole workspace.
    pub fn switch(&self, admin: &str, on: bool, max_side: u32) {
        let body = json!({"screenshotsEnabled": on, "screenshotMaxSide": max_side,
            "screenshotBlur": 50, "idleThresholdMinutes": 5});
        let (status, answer) = call(
            &self.base,
            "PUT",
            &format!("/workspaces/{}/settings", self.workspace),
            Some(admin),
            Some(body),
            &[],
        );
        assert_eq!(status, 200, "{answer}");
    }
}
