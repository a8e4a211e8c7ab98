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
    Ok(())
}
