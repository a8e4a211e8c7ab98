//! Issue 15: a Clockify client written the way third-party tools are (Python and
//! `requests`, in `clockify_client/client.py`) drives a real server from who-am-I to the
//! reports. The script names the step that failed.

use std::process::Command;

use stint_testkit::{require_tool, TestServer};

#[test]
fn a_python_clockify_client_works_against_stint() -> anyhow::Result<()> {
    // The test command's virtualenv (first on PATH) has requests.
    let python = require_tool(
        "python3",
        "Debian's python3 with PyPI's requests (the test command installs it into ~/.cache/stint/venv)",
    )?;
    let server = TestServer::start()?;
    let key = server.add_user("Clients", "admin@clients.test", "admin")?;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/clockify_client/client.py"
    );
    let out = Command::new(python)
        .arg(script)
        .env("STINT_URL", &server.url)
        .env("STINT_KEY", &key)
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the client failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("all steps passed"), "{stdout}");
    Ok(())
}
