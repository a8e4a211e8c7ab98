//! A real S3-compatible server for tests: moto's server (PyPI's `moto[s3]`, installed by
//! the test command into `~/.cache/stint/s3-venv`), one process on a free loopback port,
//! stopped when dropped. It speaks the S3 REST API over plain HTTP with path-style
//! addresses; any key and secret are accepted.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::Context;

use crate::procs::Guard;
use crate::{require_tool, wait_until};

pub struct S3Server {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    _guard: Guard,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

impl S3Server {
    pub fn start() -> anyhow::Result<S3Server> {
        let moto = require_tool(
            "moto_server",
            "PyPI's moto[s3] (the test command installs it into ~/.cache/stint/s3-venv)",
        )?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(moto)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting moto_server")?;
        let mut guard = Guard::new("moto_server", child);
        let url = format!("http://127.0.0.1:{port}");
        let http = agent();
        wait_until(Duration::from_secs(30), "moto_server to answer", || {
            guard.check_running().ok()?;
            http.get(format!("{url}/")).call().ok().map(drop)
        })?;
        Ok(S3Server { url, _guard: guard })
    }

    /// Creates `bucket` (empty).
    pub fn create_bucket(&self, bucket: &str) -> anyhow::Result<()> {
        let answer = agent().put(format!("{}/{bucket}", self.url)).send_empty()?;
        anyhow::ensure!(
            answer.status() == 200,
            "creating bucket {bucket}: {}",
            answer.status()
        );
        Ok(())
    }

    /// The keys in `bucket` under `prefix`, in order.
    pub fn keys(&self, bucket: &str, prefix: &str) -> anyhow::Result<Vec<String>> {
        let body = agent()
            .get(format!("{}/{bucket}?prefix={prefix}", self.url))
            .call()?
            .body_mut()
            .read_to_string()?;
        let mut keys: Vec<String> = body
            .split("<Key>")
            .skip(1)
            .filter_map(|rest| rest.split("</Key>").next().map(str::to_owned))
            .collect();
        keys.sort();
        Ok(keys)
    }

    /// Puts an object (as another program would).
    pub fn put_object(&self, bucket: &str, key: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let answer = agent()
            .put(format!("{}/{bucket}/{key}", self.url))
            .send(bytes)?;
        anyhow::ensure!(answer.status() == 200, "putting {key}: {}", answer.status());
        Ok(())
    }

    /// What a Stint server needs in its environment to use this store.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.url.clone()),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", "stint-test".into()),
            ("AWS_SECRET_ACCESS_KEY", "stint-test-secret".into()),
        ]
    }
}
