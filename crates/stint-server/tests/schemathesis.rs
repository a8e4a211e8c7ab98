//! Property-based API tests: schemathesis (from PyPI) generates requests from the served
//! OpenAPI document and checks that none gets a 5xx and every answer matches the document.

use std::process::Command;

use stint_testkit::{require_tool, TestServer};

#[test]
fn generated_requests_get_no_5xx_and_match_the_document() -> anyhow::Result<()> {
    let schemathesis = require_tool(
        "schemathesis",
        "PyPI's schemathesis (the test command installs it into ~/.cache/stint/venv)",
    )?;
    let server = TestServer::start()?;
    let key = server.add_user("Fuzz", "fuzz@fuzz.test", "admin")?;
    // Schemathesis keeps a cache in its working directory: not in the source tree.
    let scratch = tempfile::tempdir()?;
    // Real ids for the workspace, a project and its task, so that generated requests reach
    // the operations instead of stopping at 404 (schemathesis reads schemathesis.toml from
    // its working directory). A long-poll waits one second, not up to a minute.
    let ids = real_ids(&server.url, &key)?;
    std::fs::write(
        scratch.path().join("schemathesis.toml"),
        format!(
            "[parameters]\n\"path.wid\" = \"{}\"\n\"path.pid\" = \"{}\"\n\"path.tid\" = \"{}\"\n\
             \"query.wait\" = 1\n",
            ids.0, ids.1, ids.2
        ),
    )?;
    let out = Command::new(schemathesis)
        .current_dir(scratch.path())
        .arg("run")
        .arg(format!("{}/api/openapi.json", server.url))
        .args(["--header", &format!("X-Api-Key: {key}")])
        .args(["--checks", "not_a_server_error,response_schema_conformance"])
        .args(["--max-examples", "25", "--seed", "7", "--workers", "1"])
        .args(["--request-timeout", "10"])
        .env("SCHEMATHESIS_HOOKS", "")
        .env("NO_COLOR", "1")
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("passed"), "{stdout}");
    // The issue asks for at least 1,000 generated cases over the whole document.
    let generated: u32 = stdout
        .lines()
        .find_map(|l| l.trim().strip_suffix(" passed")?.split_once(" generated, "))
        .and_then(|(n, _)| n.trim().parse().ok())
        .unwrap_or(0);
    assert!(generated >= 1000, "only {generated} cases:\n{stdout}");
    println!("schemathesis: {generated} generated cases passed");
    Ok(())
}

/// The workspace of `key`'s user, and a project and task made in it.
fn real_ids(url: &str, key: &str) -> anyhow::Result<(String, String, String)> {
    let call = |method: &str,
                path: &str,
                body: Option<serde_json::Value>|
     -> anyhow::Result<serde_json::Value> {
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{url}/api/v1{path}"))
            .header("X-Api-Key", key)
            .header("Content-Type", "application/json")
            .body(body.map(|b| b.to_string()).unwrap_or_default())?;
        let mut answer = ureq::run(request)?;
        Ok(answer.body_mut().read_json()?)
    };
    let me = call("GET", "/user", None)?;
    let wid = me["activeWorkspace"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let project = call(
        "POST",
        &format!("/workspaces/{wid}/projects"),
        Some(serde_json::json!({"name": "Fuzzed"})),
    )?;
    let pid = project["id"].as_str().unwrap_or_default().to_owned();
    let task = call(
        "POST",
        &format!("/workspaces/{wid}/projects/{pid}/tasks"),
        Some(serde_json::json!({"name": "Fuzzed task"})),
    )?;
    let tid = task["id"].as_str().unwrap_or_default().to_owned();
    Ok((wid, pid, tid))
}
